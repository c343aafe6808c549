import { readFileSync } from 'node:fs';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { describe, expect, it } from 'vitest';
import { commandPhrase, interpretReplayError, pinToTask } from './divergence.js';

// A history of fixed shape (before the lean-steps patch): the event numbers below are its own.
const history = historyFromJSON(JSON.parse(readFileSync('test/fixtures/histories/work-order/v1-on-time-closure.json', 'utf8')));

/** How the Node SDK wraps Core's sentence in a DeterminismViolationError (captured from real replays). */
const wrapped = (sentence: string) =>
  'Replay failed with a nondeterminism error. This means that the workflow code as written is not compatible with the history that was fed in. ' +
  `Details: Workflow activation completion failed: Failure { failure: Some(Failure { message: "${sentence}", source: "", stack_trace: "", encoded_attributes: None, cause: None }), force_cause: NonDeterministicError }`;

describe('reading the replayer error', () => {
  it('names the event and the kind of command the code issued instead when a state machine refuses an event', () => {
    const d = interpretReplayError(wrapped('[TMPRL1100] Nondeterminism error: Activity machine does not handle this event: HistoryEvent(id: 5, UpsertWorkflowSearchAttributes)'), history);
    expect(d).toMatchObject({
      eventId: 5,
      eventType: 'UpsertWorkflowSearchAttributes',
      expected: 'UpsertWorkflowSearchAttributes: Category, PropertyId',
      got: 'the code scheduled an activity at this point instead',
      locatedBy: 'sdk-message',
    });
    expect(d.message).toMatch(/^\[TMPRL1100\] Nondeterminism error: Activity machine/);
  });

  it('reads the machine name whether Core writes "Timer machine" or "UpsertWorkflowSearchAttributesMachine"', () => {
    expect(interpretReplayError(wrapped('[TMPRL1100] Nondeterminism error: Timer machine does not handle this event: HistoryEvent(id: 7, ActivityTaskScheduled)'), history).got).toBe(
      'the code started a timer at this point instead',
    );
    const upsert = interpretReplayError(wrapped('[TMPRL1100] Nondeterminism error: UpsertWorkflowSearchAttributesMachine does not handle HistoryEvent(id: 7, ActivityTaskScheduled)'), history);
    expect(upsert).toMatchObject({ eventId: 7, got: 'the code upserted search attributes at this point instead', expected: 'ActivityTaskScheduled: activity recordStep (step 1: receive)' });
  });

  it('says the code did less than the recorded run when Core finds no command for an event', () => {
    const d = interpretReplayError(wrapped('[TMPRL1100] Nondeterminism error: No command scheduled for event HistoryEvent(id: 5, UpsertWorkflowSearchAttributes)'), history);
    expect(d).toMatchObject({ eventId: 5, got: 'the code issued no command at this point: it did less than the recorded run' });
  });

  it('takes the event from the debug form Core prints for an event without its command', () => {
    const sentence =
      '[TMPRL1100] Nondeterminism error: During event handling, this event had an initial command ID but we could not find a matching command for it: HistoryEvent { event_id: 3, event_time: Some(Timestamp { seconds: 1795289761, nanos: 521000000 }), event_type: WorkflowTaskStarted, version: 0 }';
    expect(interpretReplayError(wrapped(sentence), history)).toMatchObject({ eventId: 3, eventType: 'WorkflowTaskStarted', locatedBy: 'sdk-message' });
  });

  it('leaves the event of an activity type mismatch to be located, with both activity types named', () => {
    const d = interpretReplayError(
      wrapped("[TMPRL1100] Nondeterminism error: Activity type of scheduled event 'recordStep' does not match activity type of activity command 'loadSlaPolicy'"),
      history,
    );
    expect(d).toMatchObject({ eventId: null, expected: 'activity recordStep', got: 'the code scheduled activity loadSlaPolicy instead', locatedBy: 'unknown' });
  });

  it('points at the first event when this build has no workflow of the history type', () => {
    const d = interpretReplayError(
      "Replay failed due workflow task failure. Details: Failed to initialize workflow of type 'workOrderWorkflow': no such function is exported by the workflow bundle",
      history,
    );
    expect(d).toMatchObject({ eventId: 1, eventType: 'WorkflowExecutionStarted', got: 'this build has no workflow type workOrderWorkflow' });
  });

  it('keeps a sentence it does not know as "got", with no event', () => {
    expect(interpretReplayError('something new went wrong', history)).toMatchObject({ eventId: null, got: 'something new went wrong', locatedBy: 'unknown' });
  });

  it('words an unknown state machine as the command it names', () => {
    expect(commandPhrase('Frobnicate')).toBe('issued a "Frobnicate" command');
    expect(commandPhrase('Child workflow')).toBe('started a child workflow');
  });
});

describe('pinning an unlocated divergence to a workflow task', () => {
  const unlocated = { eventId: null, eventType: null, expected: 'activity recordStep', got: 'the code scheduled activity loadSlaPolicy instead', locatedBy: 'unknown' as const, message: '' };

  it('picks the first scheduling of the named activity type inside the task', () => {
    const pinned = pinToTask(unlocated, history, [3, 9], () => false);
    expect(pinned).toMatchObject({ eventId: 7, eventType: 'ActivityTaskScheduled', locatedBy: 'prefix-replay' });
  });

  it('picks the first command event of the task when no activity is named', () => {
    const pinned = pinToTask({ ...unlocated, expected: 'the recorded history' }, history, [3, 9], (i) => i === 4);
    expect(pinned).toMatchObject({ eventId: 5, locatedBy: 'prefix-replay' });
    expect(pinned.expected).toMatch(/first command of the workflow task that no longer replays/);
  });
});
