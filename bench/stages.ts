/**
 * Where an escalation's lag goes, read from the workflow histories: from the deadline to the
 * timer firing (the server's timer queue), to a worker picking up the workflow task, through
 * that task (the workflow code on the worker), to the activity being handed to a worker, and
 * from there to the recorded row (or the bare wake-up). Times are the server's event times.
 */
import type protos from '@temporalio/proto';
import { percentiles, type Percentiles } from './stats.js';

type History = protos.temporal.api.history.v1.IHistory;
type HistoryEvent = protos.temporal.api.history.v1.IHistoryEvent;

/** One escalation (or bare wake-up) traced through its history. */
export interface Trace {
  /** The time the timer was meant to fire (the deadline). */
  due: number;
  /** NaN when the workflow task was not started by the timer (it fell due during other work). */
  timerFired: number;
  taskScheduled: number;
  taskStarted: number;
  taskCompleted: number;
  activityStarted: number;
  /** When the activity did its work: `recorded_at`, or the bare activity's own clock. */
  done: number;
}

/**
 * The lag split into stages, each as percentiles in ms. "timer fires" runs from the deadline to
 * the workflow task that handled it (its timer firing, or the end of whatever kept it busy).
 */
export type Stages = Record<'timer fires' | 'task picked up' | 'workflow task' | 'activity handed out' | 'activity to record', Percentiles>;

const ms = (t: HistoryEvent['eventTime']): number => (t ? Number(t.seconds ?? 0) * 1000 + Math.round((t.nanos ?? 0) / 1e6) : Number.NaN);
const id = (v: unknown): number => Number(v ?? 0);

/** The first argument of an activity's input, decoded from its JSON payload. */
function firstArgument(event: HistoryEvent): Record<string, unknown> | undefined {
  const payload = event.activityTaskScheduledEventAttributes?.input?.payloads?.[0];
  if (!payload?.data) return undefined;
  try {
    return JSON.parse(Buffer.from(payload.data).toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * Trace the activity call `match` picks out (e.g. the recordStep of a level-1 escalation)
 * back to the timer that woke the workflow and forward to its start; `done` gives the time
 * the activity did its work, `due` the time the timer was meant for.
 */
export function trace(
  history: History,
  match: (activityType: string, argument: Record<string, unknown> | undefined) => boolean,
  due: (argument: Record<string, unknown> | undefined) => number | undefined,
  done: number | undefined,
): Trace | undefined {
  const events = history.events ?? [];
  const byId = new Map(events.map((e) => [id(e.eventId), e]));
  const scheduled = events.find((e) => {
    const type = e.activityTaskScheduledEventAttributes?.activityType?.name;
    return type !== undefined && type !== null && match(type, firstArgument(e));
  });
  if (!scheduled || done === undefined) return undefined;
  const dueAt = due(firstArgument(scheduled));
  const completed = byId.get(id(scheduled.activityTaskScheduledEventAttributes?.workflowTaskCompletedEventId));
  const started = byId.get(id(completed?.workflowTaskCompletedEventAttributes?.startedEventId));
  const taskScheduled = byId.get(id(completed?.workflowTaskCompletedEventAttributes?.scheduledEventId));
  // Woken by its timer: the timer's event comes right before the task's. Otherwise the event fell due
  // while the workflow was busy with something else (the warning's step), and the timer stage is unknown.
  const before = byId.get(id(taskScheduled?.eventId) - 1);
  const timerFired = before?.timerFiredEventAttributes ? ms(before.eventTime) : Number.NaN;
  const activityStarted = events.find((e) => id(e.activityTaskStartedEventAttributes?.scheduledEventId) === id(scheduled.eventId));
  if (dueAt === undefined || !completed || !started || !taskScheduled || !activityStarted) return undefined;
  return {
    due: dueAt,
    timerFired,
    taskScheduled: ms(taskScheduled.eventTime),
    taskStarted: ms(started.eventTime),
    taskCompleted: ms(completed.eventTime),
    activityStarted: ms(activityStarted.eventTime),
    done,
  };
}

/** Percentiles of each stage over many traces. */
export function stages(traces: Trace[]): Stages {
  const of = (f: (t: Trace) => number) => percentiles(traces.map(f).filter((v) => !Number.isNaN(v)), 0);
  return {
    // From the deadline, or for a workflow busy at its deadline, from the deadline to its next task.
    'timer fires': of((t) => (Number.isNaN(t.timerFired) ? t.taskScheduled : t.timerFired) - t.due),
    'task picked up': of((t) => t.taskStarted - t.taskScheduled),
    'workflow task': of((t) => t.taskCompleted - t.taskStarted),
    'activity handed out': of((t) => t.activityStarted - t.taskCompleted),
    'activity to record': of((t) => t.done - t.activityStarted),
  };
}
