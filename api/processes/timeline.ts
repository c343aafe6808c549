/**
 * A process's history as plain steps a person can read (who did what, state before and
 * after, deadlines set, timers fired, escalations sent), joined with the audit log rows of
 * the same process, with every disagreement between the two named. Pure: works on any
 * process that records its steps through the shared `recordStep` activity.
 */
import protos from '@temporalio/proto';
import type { AuditTrailRow } from '../../db/audit-trail.js';
import {
  asActor,
  asRecord,
  attributesOf,
  decodeFirst,
  decodePayload,
  durationMs,
  eventIdOf,
  eventTimeOf,
  eventTypeName,
  toNumber,
  workflowTypeOf,
  type History,
  type RecordedActor,
} from './history.js';

const T = protos.temporal.api.enums.v1.EventType;

/** The activity every process step goes through (workflows/shared/steps.ts, StepRecord). */
export const recordingActivity = 'recordStep';
/** The activity that records a step the database refused, and the `step.failed` step after it. */
export const failureRecordingActivity = 'recordFailedStep';

/** Kinds of timeline steps. */
export const timelineKinds = [
  'started',
  'step',
  'update',
  'signal',
  'timer-set',
  'timer-fired',
  'timer-cancelled',
  'search-attributes',
  'activity',
  'child-workflow',
  'closed',
] as const;
export type TimelineKind = (typeof timelineKinds)[number];

/** An escalation or warning an SLA clock sent, as the step recorded it. */
export interface EscalationSent {
  clock: string;
  run?: number;
  /** 0 for the warning before a deadline, 1… for escalation levels. */
  level: number;
  role?: string;
  deadline?: string;
  recipients?: number;
}

/** One readable step of a process. */
export interface TimelineStep {
  eventId: number;
  at: string;
  kind: TimelineKind;
  summary: string;
  actor?: RecordedActor;
  action?: string;
  seq?: number;
  from?: string;
  to?: string;
  reason?: string;
  /** For a timer: when it was set to fire. */
  deadline?: string;
  escalation?: EscalationSent;
  notification?: { template: string; targets: unknown[] };
  detail?: Record<string, unknown>;
  /** How it ended: `completed`, `failed: …`, `pending`, `recorded`, `not recorded yet`. */
  outcome?: string;
  /** The audit log row that records the same step, or null if there is none. */
  audit?: { rowId: number; chainPosition: number | null } | null;
}

/** A step the workflow handed to `recordStep`, in the terms the audit log uses. */
export interface RecordedStep {
  seq: number;
  eventId: number;
  at: number;
  action: string;
  actor: RecordedActor;
  from?: string;
  to?: string;
  reason?: string;
  /** Whether the recording activity completed (so the audit row must exist). */
  completed: boolean;
}

/** The history, read. */
export interface DecodedTimeline {
  workflowType: string | null;
  steps: TimelineStep[];
  recorded: RecordedStep[];
  actors: RecordedActor[];
  /** The run this one continued from, if it was continued-as-new. */
  continuedFromRunId: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();
const label = (a: RecordedActor) => a.name ?? `${a.role} ${a.id}`;

function stepSummary(s: { actor: RecordedActor; action: string; from?: string; to?: string; reason?: string }): string {
  const move = s.from && s.to ? `: ${s.from} → ${s.to}` : '';
  return `${label(s.actor)} — ${s.action}${move}${s.reason ? ` (${s.reason})` : ''}`;
}

/** Search attribute values, decoded: `{ ProcessStatus: 'accepted', Assignee: '…' }`. */
function decodeSearchAttributes(fields: Record<string, protos.temporal.api.common.v1.IPayload> | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, payload] of Object.entries(fields ?? {})) out[key] = decodePayload(payload);
  return out;
}

const optionalString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Read a history into timeline steps, the recorded steps and the actors who appear in it. */
export function buildTimeline(history: History): DecodedTimeline {
  const steps: TimelineStep[] = [];
  const recorded: RecordedStep[] = [];
  const actors = new Map<string, RecordedActor>();
  const seen = (a: RecordedActor | undefined) => {
    if (a && !actors.has(a.id)) actors.set(a.id, a);
  };
  // Later events (completions) finish what earlier ones started: index them by event ID.
  const activityByScheduled = new Map<number, { step: TimelineStep; recordedStep?: RecordedStep }>();
  const timerByStarted = new Map<number, TimelineStep>();
  const updateById = new Map<string, TimelineStep>();
  const childByInitiated = new Map<number, TimelineStep>();
  let continuedFromRunId: string | null = null;

  for (const event of history.events ?? []) {
    const eventId = eventIdOf(event);
    const at = iso(eventTimeOf(event));
    const base = { eventId, at };
    switch (event.eventType) {
      case T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: {
        const a = event.workflowExecutionStartedEventAttributes;
        const input = asRecord(decodeFirst(a?.input));
        const actor = asActor(input?.createdBy) ?? asActor(input?.actor);
        seen(actor);
        continuedFromRunId = a?.continuedExecutionRunId || null;
        const parent = a?.parentWorkflowExecution?.workflowId;
        steps.push({
          ...base,
          kind: 'started',
          summary: `${a?.workflowType?.name ?? 'workflow'} started${actor ? ` by ${label(actor)}` : ''}${parent ? ` as a child of ${parent}` : ''}${continuedFromRunId ? ` (continued from run ${continuedFromRunId})` : ''}`,
          ...(actor ? { actor } : {}),
          ...(parent ? { detail: { parent } } : {}),
        });
        break;
      }
      case T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
        const a = event.activityTaskScheduledEventAttributes;
        const name = a?.activityType?.name ?? 'activity';
        const scheduled = asRecord(decodeFirst(a?.input));
        // A failed step's record (`step.failed`) is a step as well, carried as the failure activity's `failure`.
        const input = name === failureRecordingActivity ? asRecord(scheduled?.failure) : scheduled;
        const actor = asActor(input?.actor);
        if ((name === recordingActivity || name === failureRecordingActivity) && input && typeof input.seq === 'number' && typeof input.action === 'string' && actor) {
          seen(actor);
          const from = optionalString(input.from);
          const to = optionalString(input.to);
          const reason = optionalString(input.reason);
          const r: RecordedStep = {
            seq: input.seq,
            eventId,
            at: typeof input.at === 'number' ? input.at : eventTimeOf(event),
            action: input.action,
            actor,
            ...(from ? { from } : {}),
            ...(to ? { to } : {}),
            ...(reason ? { reason } : {}),
            completed: false,
          };
          const sla = asRecord(input.slaEvent);
          const notify = asRecord(input.notify);
          const detail = asRecord(input.detail);
          const step: TimelineStep = {
            ...base,
            at: iso(r.at),
            kind: 'step',
            summary: stepSummary(r),
            actor,
            action: r.action,
            seq: r.seq,
            ...(from ? { from } : {}),
            ...(to ? { to } : {}),
            ...(reason ? { reason } : {}),
            ...(sla
              ? {
                  escalation: {
                    clock: String(sla.clock),
                    level: toNumber(sla.level),
                    ...(typeof sla.run === 'number' ? { run: sla.run } : {}),
                    ...(typeof sla.role === 'string' ? { role: sla.role } : {}),
                    ...(typeof sla.deadline === 'number' ? { deadline: iso(sla.deadline) } : {}),
                  },
                }
              : {}),
            ...(notify && typeof notify.template === 'string'
              ? { notification: { template: notify.template, targets: Array.isArray(notify.targets) ? notify.targets : [] } }
              : {}),
            ...(detail ? { detail } : {}),
            outcome: 'not recorded yet',
          };
          recorded.push(r);
          steps.push(step);
          activityByScheduled.set(eventId, { step, recordedStep: r });
        } else {
          const step: TimelineStep = { ...base, kind: 'activity', summary: `activity ${name}`, action: name, outcome: 'pending' };
          steps.push(step);
          activityByScheduled.set(eventId, { step });
        }
        break;
      }
      case T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
      case T.EVENT_TYPE_ACTIVITY_TASK_FAILED:
      case T.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
      case T.EVENT_TYPE_ACTIVITY_TASK_CANCELED: {
        const attrs =
          event.activityTaskCompletedEventAttributes ??
          event.activityTaskFailedEventAttributes ??
          event.activityTaskTimedOutEventAttributes ??
          event.activityTaskCanceledEventAttributes;
        const entry = activityByScheduled.get(toNumber(attrs?.scheduledEventId));
        if (!entry) break;
        if (event.eventType === T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED) {
          if (entry.recordedStep) {
            entry.recordedStep.completed = true;
            entry.step.outcome = 'recorded';
            const result = asRecord(decodeFirst(event.activityTaskCompletedEventAttributes?.result));
            if (entry.step.escalation && typeof result?.recipients === 'number') {
              entry.step.escalation.recipients = result.recipients;
              entry.step.summary = `${entry.step.summary}; ${result.recipients} notified`;
            }
          } else {
            entry.step.outcome = 'completed';
          }
        } else {
          const failure = event.activityTaskFailedEventAttributes?.failure?.message;
          entry.step.outcome = `${eventTypeName(event).replace(/^ActivityTask/, '').toLowerCase()}${failure ? `: ${failure}` : ''}`;
        }
        break;
      }
      case T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: {
        const a = event.workflowExecutionUpdateAcceptedEventAttributes;
        const name = a?.acceptedRequest?.input?.name ?? 'update';
        const arg = asRecord(decodeFirst(a?.acceptedRequest?.input?.args));
        const actor = asActor(arg?.actor);
        seen(actor);
        const step: TimelineStep = {
          ...base,
          kind: 'update',
          summary: `${actor ? label(actor) : 'someone'} asked to ${name}`,
          action: name,
          ...(actor ? { actor } : {}),
          outcome: 'pending',
        };
        steps.push(step);
        const updateId = a?.acceptedRequest?.meta?.updateId ?? a?.protocolInstanceId;
        if (updateId) updateById.set(updateId, step);
        break;
      }
      case T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED: {
        const a = event.workflowExecutionUpdateCompletedEventAttributes;
        const step = a?.meta?.updateId ? updateById.get(a.meta.updateId) : undefined;
        if (!step) break;
        const failure = a?.outcome?.failure?.message;
        step.outcome = failure ? `failed: ${failure}` : 'completed';
        step.summary = `${step.summary}: ${step.outcome}`;
        break;
      }
      case T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: {
        const a = event.workflowExecutionSignaledEventAttributes;
        const actor = asActor(asRecord(decodeFirst(a?.input))?.actor);
        seen(actor);
        steps.push({
          ...base,
          kind: 'signal',
          summary: `signal ${a?.signalName ?? '?'}${actor ? ` from ${label(actor)}` : ''}`,
          action: a?.signalName ?? 'signal',
          ...(actor ? { actor } : {}),
        });
        break;
      }
      case T.EVENT_TYPE_TIMER_STARTED: {
        const a = event.timerStartedEventAttributes;
        const fires = eventTimeOf(event) + durationMs(a?.startToFireTimeout);
        const step: TimelineStep = { ...base, kind: 'timer-set', summary: `timer ${a?.timerId ?? '?'} set to fire at ${iso(fires)}`, deadline: iso(fires), outcome: 'pending' };
        steps.push(step);
        timerByStarted.set(eventId, step);
        break;
      }
      case T.EVENT_TYPE_TIMER_FIRED:
      case T.EVENT_TYPE_TIMER_CANCELED: {
        const fired = event.eventType === T.EVENT_TYPE_TIMER_FIRED;
        const a = fired ? event.timerFiredEventAttributes : event.timerCanceledEventAttributes;
        const started = timerByStarted.get(toNumber(a?.startedEventId));
        if (started) started.outcome = fired ? 'fired' : 'cancelled';
        steps.push({
          ...base,
          kind: fired ? 'timer-fired' : 'timer-cancelled',
          summary: fired ? `timer ${a?.timerId ?? '?'} fired` : `timer ${a?.timerId ?? '?'} cancelled: the process moved on before it was due`,
          ...(started?.deadline ? { deadline: started.deadline } : {}),
        });
        break;
      }
      case T.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        const values = decodeSearchAttributes(event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields);
        steps.push({
          ...base,
          kind: 'search-attributes',
          summary: `search attributes: ${Object.entries(values).map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`).join(', ')}`,
          detail: values,
        });
        break;
      }
      case T.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED: {
        const a = event.startChildWorkflowExecutionInitiatedEventAttributes;
        const step: TimelineStep = {
          ...base,
          kind: 'child-workflow',
          summary: `started child ${a?.workflowType?.name ?? 'workflow'} ${a?.workflowId ?? ''}`.trimEnd(),
          action: a?.workflowType?.name ?? 'child',
          detail: { workflowId: a?.workflowId ?? null },
          outcome: 'pending',
        };
        steps.push(step);
        childByInitiated.set(eventId, step);
        break;
      }
      case T.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_FAILED:
      case T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED:
      case T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED:
      case T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED:
      case T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED:
      case T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT:
      case T.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED: {
        const step = childByInitiated.get(toNumber(attributesOf(event).initiatedEventId));
        if (step) step.outcome = eventTypeName(event).replace(/^(Start)?ChildWorkflowExecution/, '').toLowerCase() || 'started';
        break;
      }
      case T.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
      case T.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
      case T.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT:
      case T.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED:
      case T.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
      case T.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW: {
        const outcome = eventTypeName(event).replace(/^WorkflowExecution/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
        const terminated = event.workflowExecutionTerminatedEventAttributes;
        const failure = event.workflowExecutionFailedEventAttributes?.failure?.message;
        const why = terminated ? `${terminated.reason ? `: ${terminated.reason}` : ''}${terminated.identity ? ` (by ${terminated.identity})` : ''}` : failure ? `: ${failure}` : '';
        steps.push({ ...base, kind: 'closed', summary: `workflow ${outcome}${why}`, outcome });
        break;
      }
      default:
        break;
    }
  }
  return { workflowType: workflowTypeOf(history) ?? null, steps, recorded, actors: [...actors.values()], continuedFromRunId };
}

/** Kinds of disagreement between a history and the audit log. */
export const disagreementKinds = ['missing-from-audit-log', 'missing-from-history', 'differs'] as const;

/** Where the history and the audit log tell different stories. */
export interface Disagreement {
  kind: (typeof disagreementKinds)[number];
  seq: number;
  eventId?: number;
  auditRowId?: number;
  field?: string;
  history?: string | null;
  auditLog?: string | null;
  message: string;
}

/**
 * Join the recorded steps with the audit rows of the same process by sequence number and
 * name every disagreement: a recorded step with no row, a row with no step, a field that
 * differs. A step whose recording has not completed yet is not expected in the log. When the
 * run continued another one, rows numbered before its first step belong to earlier runs.
 */
export function compareWithAudit(timeline: DecodedTimeline, rows: AuditTrailRow[]): Disagreement[] {
  const out: Disagreement[] = [];
  const bySeq = new Map<number, AuditTrailRow>();
  for (const row of rows) if (row.seq !== null && !bySeq.has(row.seq)) bySeq.set(row.seq, row);
  const inHistory = new Set<number>();

  for (const step of timeline.recorded) {
    if (inHistory.has(step.seq)) continue;
    inHistory.add(step.seq);
    const row = bySeq.get(step.seq);
    if (!row) {
      if (step.completed) {
        out.push({
          kind: 'missing-from-audit-log',
          seq: step.seq,
          eventId: step.eventId,
          message: `step ${step.seq} (${step.action} by ${label(step.actor)}, event ${step.eventId}) was recorded in the history but has no audit log row`,
        });
      }
      continue;
    }
    const fields: [string, string | null, string | null][] = [
      ['action', step.action, row.action],
      ['actor.id', step.actor.id, row.actorId],
      ['actor.role', step.actor.role, row.actorRole],
      ['from', step.from ?? null, row.fromStatus],
      ['to', step.to ?? null, row.toStatus],
      ['reason', step.reason ?? null, row.reason],
      ['at', iso(step.at), iso(row.occurredAt.getTime())],
    ];
    for (const [field, history, auditLog] of fields) {
      if (history === auditLog) continue;
      out.push({
        kind: 'differs',
        seq: step.seq,
        eventId: step.eventId,
        auditRowId: row.id,
        field,
        history,
        auditLog,
        message: `step ${step.seq}: ${field} is ${JSON.stringify(history)} in the history but ${JSON.stringify(auditLog)} in audit row ${row.id}`,
      });
    }
  }

  const firstSeq = Math.min(...timeline.recorded.map((s) => s.seq));
  for (const row of rows) {
    if (row.seq === null || inHistory.has(row.seq)) continue;
    if (timeline.continuedFromRunId && row.seq < firstSeq) continue;
    out.push({
      kind: 'missing-from-history',
      seq: row.seq,
      auditRowId: row.id,
      message: `audit row ${row.id} records step ${row.seq} (${row.action} by ${row.actorId}) which does not appear in the history`,
    });
  }
  return out.sort((a, b) => a.seq - b.seq);
}

/** Attach each recorded step's audit row (or null) to its timeline step. */
export function linkAuditRows(timeline: DecodedTimeline, rows: AuditTrailRow[]): void {
  const bySeq = new Map<number, AuditTrailRow>();
  for (const row of rows) if (row.seq !== null && !bySeq.has(row.seq)) bySeq.set(row.seq, row);
  for (const step of timeline.steps) {
    if (step.kind !== 'step' || step.seq === undefined) continue;
    const row = bySeq.get(step.seq);
    step.audit = row ? { rowId: row.id, chainPosition: row.chainPosition } : null;
  }
}
