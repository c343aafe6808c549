/**
 * The replay check itself, in the process that runs it (activities/replay/replay-child.ts): each
 * history is read, checked for structural faults, replayed with `Worker.runReplayHistories`
 * against a prebuilt workflow bundle, and its first divergence turned into "event, expected,
 * got". Histories replay one after another on one replay worker.
 */
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { historyShapeProblem, isCommandEvent, workflowIdOf, workflowTaskPrefixEnds, workflowTypeOf, type History } from '../../api/processes/history.js';
import type { Divergence, ReplayReport } from '../../workflows/audit-replay.contract.js';
import { interpretReplayError, pinToTask } from './divergence.js';

/** A history to check, as JSON text (`temporal workflow show --output json`). */
export interface ReplaySourceText {
  index: number;
  name: string;
  text: string;
}

interface Prepared {
  index: number;
  name: string;
  history: History;
  workflowId: string;
  workflowType: string | null;
  events: number;
}

const unreadable = (name: string, error: string): ReplayReport => ({ name, workflowId: null, workflowType: null, events: 0, outcome: 'unreadable', error });

/** Parse and check one history: ready to replay, or already a verdict. */
function prepare(source: ReplaySourceText): Prepared | ReplayReport {
  let history: History;
  try {
    history = historyFromJSON(JSON.parse(source.text));
  } catch (err) {
    return unreadable(source.name, `not a Temporal history in JSON form: ${(err as Error).message}`);
  }
  const workflowId = workflowIdOf(history) ?? null;
  const workflowType = workflowTypeOf(history) ?? null;
  const events = history.events?.length ?? 0;
  const problem = historyShapeProblem(history);
  if (problem) {
    return {
      name: source.name,
      workflowId,
      workflowType,
      events,
      outcome: 'diverged',
      divergence: { eventId: problem.eventId, eventType: problem.eventType, expected: problem.expected, got: problem.got, locatedBy: 'history-check', message: problem.got },
    };
  }
  return { index: source.index, name: source.name, history, workflowId: workflowId ?? source.name, workflowType, events };
}

/** Replay one history on its own replay worker; the error, if it does not replay. */
async function replayAlone(history: History, workflowId: string, code: string): Promise<Error | undefined> {
  for await (const result of Worker.runReplayHistories({ workflowBundle: { code } }, [{ workflowId, history }])) {
    return result.error;
  }
  return undefined;
}

/**
 * Find the first workflow task that no longer replays by replaying prefixes of the history
 * that end where a workflow task starts (a divergence, once there, stays in every longer
 * prefix, so a binary search finds it), then pin the divergence to an event of that task.
 */
async function locate(divergence: Divergence, p: Prepared, code: string): Promise<Divergence> {
  const events = p.history.events ?? [];
  const ends = workflowTaskPrefixEnds(p.history);
  let lo = 0;
  let hi = ends.length - 1;
  let first = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const failed = await replayAlone({ events: events.slice(0, ends[mid]) }, p.workflowId, code);
    if (failed) {
      first = mid;
      hi = mid - 1;
    } else {
      lo = mid + 1;
    }
  }
  const range: [number, number] = first === -1 ? [ends.at(-1) ?? 0, events.length] : [first === 0 ? 0 : ends[first - 1]!, ends[first]!];
  return pinToTask(divergence, p.history, range, (i) => isCommandEvent(events[i]!));
}

/**
 * Replay every source against the bundle `code`, yielding a verdict per history in order.
 * Throws if the replayer itself breaks down (then the history in flight has no verdict).
 */
export async function* replayInProcess(sources: AsyncIterable<ReplaySourceText>, code: string): AsyncGenerator<{ index: number; report: ReplayReport }> {
  const ready: { index: number; report: ReplayReport }[] = [];
  let current: Prepared | undefined;
  // Histories that fail the structural check never reach the replayer; their verdicts wait in
  // `ready` and go out before the verdict of the next history that does.
  async function* replayable() {
    for await (const source of sources) {
      const prepared = prepare(source);
      if (!('history' in prepared)) {
        ready.push({ index: source.index, report: prepared });
        continue;
      }
      current = prepared;
      yield { workflowId: prepared.workflowId, history: prepared.history };
    }
  }
  for await (const result of Worker.runReplayHistories({ workflowBundle: { code } }, replayable())) {
    yield* ready.splice(0);
    const p = current!;
    const base = { name: p.name, workflowId: p.workflowId, workflowType: p.workflowType, events: p.events };
    if (!result.error) {
      yield { index: p.index, report: { ...base, outcome: 'deterministic' } };
      continue;
    }
    let divergence = interpretReplayError(result.error.message, p.history);
    if (divergence.eventId === null) divergence = await locate(divergence, p, code);
    yield { index: p.index, report: { ...base, outcome: 'diverged', divergence } };
  }
  yield* ready.splice(0);
}
