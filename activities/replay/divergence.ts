/**
 * Turning the replayer's error into "event, expected, got". The SDK (Temporal Core) says
 * what went wrong in one sentence inside its error message; this module picks the event it
 * names and what the code did out of that sentence. Pure: no replaying here.
 */
import { describeEvent, eventIdOf, eventTypeName, type History } from '../../api/processes/history.js';
import type { Divergence } from '../../workflows/audit-replay.contract.js';

/** What Core's state machine names mean as something the code did. */
const commandPhrases: [RegExp, string][] = [
  [/^local ?activity/i, 'ran a local activity'],
  [/^activity/i, 'scheduled an activity'],
  [/^timer/i, 'started a timer'],
  [/^upsert ?workflow ?search ?attributes/i, 'upserted search attributes'],
  [/^modify ?workflow ?properties/i, 'modified the workflow memo'],
  [/^complete ?workflow/i, 'completed the workflow'],
  [/^fail ?workflow/i, 'failed the workflow'],
  [/^cancel ?workflow/i, 'cancelled the workflow'],
  [/^continue ?as ?new/i, 'continued as new'],
  [/^child ?workflow/i, 'started a child workflow'],
  [/^signal ?external/i, 'signalled another workflow'],
  [/^cancel ?external/i, 'asked another workflow to cancel'],
  [/^(patch|version)/i, 'recorded a patch marker'],
  [/^update/i, 'handled an update'],
  [/^nexus/i, 'started a Nexus operation'],
];

/** "scheduled an activity" for Core's "Activity" machine, and so on. */
export function commandPhrase(machine: string): string {
  const name = machine.trim();
  return commandPhrases.find(([re]) => re.test(name))?.[1] ?? `issued a "${name}" command`;
}

/** Core's sentence, out of the envelope the Node SDK wraps it in. */
export function coreSentence(errorMessage: string): string {
  const quoted = /message: "((?:[^"\\]|\\.)*)"/.exec(errorMessage);
  if (quoted?.[1]) return quoted[1].replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  return errorMessage.replace(/^.*?Details: /s, '');
}

const eventAt = (history: History, id: number) => history.events?.[id - 1];

function at(history: History, id: number, got: string, message: string, expectedPrefix = ''): Divergence {
  const event = eventAt(history, id);
  return {
    eventId: id,
    eventType: event ? eventTypeName(event) : null,
    expected: `${expectedPrefix}${describeEvent(event)}`,
    got,
    locatedBy: 'sdk-message',
    message,
  };
}

/**
 * Read the replayer's error. Recognises Core's nondeterminism sentences (a command of another
 * kind than the history's event, no command where the history has one, an event without its
 * command, a state machine refusing an event, an activity of another type); anything else
 * keeps Core's sentence as "got", with the event left for the caller to locate.
 */
export function interpretReplayError(errorMessage: string, history: History): Divergence {
  const message = coreSentence(errorMessage);
  let m = /(\S.*?) ?[Mm]achine does not handle (?:this event: )?HistoryEvent\(id: (\d+), (\w+)\)/.exec(message);
  if (m) {
    const machine = m[1]!.replace(/^.*Nondeterminism error: /, '');
    return at(history, Number(m[2]), `the code ${commandPhrase(machine)} at this point instead`, message);
  }
  m = /No command scheduled for event HistoryEvent\(id: (\d+), (\w+)\)/.exec(message);
  if (m) return at(history, Number(m[1]), 'the code issued no command at this point: it did less than the recorded run', message);
  m = /could not find a matching command for it: HistoryEvent \{ event_id: (\d+),[\s\S]*?event_type: (\w+)/.exec(message);
  if (m) return at(history, Number(m[1]), 'no command of the code matches this event: the command it belongs to was never issued', message);
  m = /(\w+) in state (\w+) says the transition is invalid during event EventInfo \{ event_id: (\d+), event_type: (\w+) \}/.exec(message);
  if (m) {
    return at(history, Number(m[3]), `the code's ${m[1]} (in state ${m[2]}) cannot take this event: the history is inconsistent at this point`, message);
  }
  m = /Activity type of scheduled event '([^']*)' does not match activity type of activity command '([^']*)'/.exec(message);
  if (m) {
    return { eventId: null, eventType: 'ActivityTaskScheduled', expected: `activity ${m[1]}`, got: `the code scheduled activity ${m[2]} instead`, locatedBy: 'unknown', message };
  }
  m = /workflow of type '([^']*)': no such function is exported by the workflow bundle/.exec(message);
  if (m) return at(history, 1, `this build has no workflow type ${m[1]}`, message, `workflow type ${m[1]}: `);
  m = /HistoryEvent\(id: (\d+), (\w+)\)/.exec(message) ?? /event_id: (\d+)/.exec(message);
  if (m) return at(history, Number(m[1]), message, message);
  return { eventId: null, eventType: null, expected: 'the recorded history', got: message, locatedBy: 'unknown', message };
}

/**
 * Pin an unlocated divergence to an event of the workflow task that a prefix replay showed
 * to be the first that fails: the first ActivityTaskScheduled of the named activity type in
 * it, or else its first command event. `range` is [from, to) as indexes into the events.
 */
export function pinToTask(divergence: Divergence, history: History, range: [number, number], isCommand: (i: number) => boolean): Divergence {
  const events = history.events ?? [];
  const wantedActivity = /^activity (.+)$/.exec(divergence.expected)?.[1];
  let index: number | undefined;
  for (let i = range[0]; i < range[1] && i < events.length; i++) {
    const e = events[i]!;
    if (wantedActivity && e.activityTaskScheduledEventAttributes?.activityType?.name === wantedActivity) {
      index = i;
      break;
    }
    if (!wantedActivity && isCommand(i)) {
      index = i;
      break;
    }
  }
  if (index === undefined) return divergence;
  const event = events[index]!;
  return {
    ...divergence,
    eventId: eventIdOf(event),
    eventType: eventTypeName(event),
    expected: wantedActivity ? describeEvent(event) : `${describeEvent(event)} (first command of the workflow task that no longer replays)`,
    locatedBy: 'prefix-replay',
  };
}
