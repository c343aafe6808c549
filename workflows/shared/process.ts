/**
 * The mechanics every process workflow shares: recording a step (timeline, search
 * attributes, then projection + audit + outbox in one activity), the guards of its update
 * validators, firing an SLA warning or escalation, and the one-timer SLA loop of
 * shared/DESIGN.md. Deterministic workflow code: only workflow APIs and pure modules.
 */
import { condition, proxyActivities, upsertSearchAttributes, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { createActivities } from '../../activities/index.js';
import type { Actor, Role } from '../../domain/roles.js';
import { assigneeKey, processStatusKey } from '../search-attributes.js';
import { clockView, dueEvents, markFired, nextWakeUp, type SlaClocks, type SlaClockView, type SlaEvent } from '../sla/clocks.js';
import {
  illegalTransition,
  notAllowed,
  systemActor,
  type NotifyTarget,
  type ProcessKind,
  type SlaEventRecord,
  type StepNotification,
  type StepResult,
  type TimelineEntry,
} from './steps.js';

type Activities = ReturnType<typeof createActivities>;

/** Options for activities that read or write the database: they retry until it is back, so a step is never dropped. */
export const databaseActivity: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
};

const { recordStep } = proxyActivities<Activities>(databaseActivity);
// A gateway that stays down must not hold the process up: delivery gives up after a while
// and the outbox row keeps the failure for a person to see.
const { deliverNotifications } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '5 minutes', backoffCoefficient: 2, maximumAttempts: 8 },
});

/** What one step says besides its action and actor. */
export interface StepOptions<S extends string = string> {
  /** The status before the step; the step records a transition when the status changed. */
  from?: S;
  reason?: string;
  detail?: Record<string, unknown>;
  notify?: StepNotification;
  slaEvent?: SlaEventRecord;
  /** Fields for this step's projection write only (personal data is written once, at receipt). */
  projection?: Record<string, unknown>;
}

/** The part of a process's state the recorder reads and advances. */
export interface RecordedState<S extends string> {
  propertyId: string;
  status: S;
  seq: number;
  timeline: TimelineEntry[];
}

export interface StepRecorder<S extends string> {
  /**
   * Record one step: timeline, search attributes, then the database (projection, audit,
   * outbox) in one activity. Synchronous up to the activity call, so concurrent handlers
   * get distinct, ordered sequence numbers.
   */
  record: (action: string, actor: Actor, opts?: StepOptions<S>) => Promise<StepResult>;
  /** How many steps were recorded so far: the SLA loop wakes when it changes. */
  changes: () => number;
  /** Wait for the notification deliveries recorded steps started (they never throw). */
  settled: () => Promise<unknown>;
}

/**
 * A recorder for one process. `projection()` and `assigneeId()` (who has the process now,
 * for the Assignee search attribute) are read at each step.
 */
export function createStepRecorder<S extends string>(cfg: {
  process: ProcessKind;
  state: RecordedState<S>;
  assigneeId: () => string | undefined;
  projection: () => Record<string, unknown>;
}): StepRecorder<S> {
  const { workflowId } = workflowInfo();
  const { state } = cfg;
  let changes = 0;
  const deliveries: Promise<unknown>[] = [];
  return {
    record: async (action, actor, opts = {}) => {
      state.seq += 1;
      changes += 1;
      const at = Date.now();
      const from = opts.from;
      const to = from !== undefined && from !== state.status ? state.status : undefined;
      state.timeline.push({
        seq: state.seq,
        at,
        action,
        actor,
        ...(from !== undefined && to !== undefined ? { from, to } : {}),
        ...(opts.reason ? { reason: opts.reason } : {}),
        ...(opts.detail ? { detail: opts.detail } : {}),
      });
      upsertSearchAttributes([
        { key: processStatusKey, value: state.status },
        { key: assigneeKey, value: cfg.assigneeId() ?? 'unassigned' },
      ]);
      const result = await recordStep({
        process: cfg.process,
        workflowId,
        propertyId: state.propertyId,
        seq: state.seq,
        at,
        action,
        actor,
        ...(from !== undefined ? { from } : {}),
        ...(to !== undefined ? { to } : {}),
        ...(opts.reason ? { reason: opts.reason } : {}),
        ...(opts.detail ? { detail: opts.detail } : {}),
        ...(opts.notify ? { notify: opts.notify } : {}),
        ...(opts.slaEvent ? { slaEvent: opts.slaEvent } : {}),
        projection: { ...cfg.projection(), ...(opts.projection ?? {}) },
      });
      if (result.outboxIds.length) {
        deliveries.push(deliverNotifications({ ids: result.outboxIds }).catch(() => undefined));
      }
      return result;
    },
    changes: () => changes,
    settled: () => Promise.all(deliveries),
  };
}

/** The checks every update validator starts with: the step's allowed statuses, and the caller's role. */
export function createGuards<S extends string, A extends string>(noun: string, allowedFrom: Record<A, readonly S[]>, status: () => S) {
  return {
    /** 409 unless the process is in a status the step may start from. */
    ensure: (action: A): void => {
      const allowed = allowedFrom[action];
      if (!allowed.includes(status())) throw illegalTransition(noun, action, status(), allowed);
    },
    /** 403 unless the actor has one of `roles`. */
    ensureRole: (actor: Actor, roles: readonly Role[], action: A): void => {
      if (!roles.includes(actor.role)) throw notAllowed(`role ${actor.role} may not ${action} a ${noun} (allowed: ${roles.join(', ')})`);
    },
  };
}

/** The earliest deadline of a running clock, for the projection's `next_deadline`. */
export function nextDeadline(view: SlaClockView[]): number | null {
  const running = view.filter((c) => c.state === 'running').map((c) => c.deadline);
  return running.length ? Math.min(...running) : null;
}

type EscalationEvent = Extract<SlaEvent, { kind: 'escalation' }>;
/** The escalation an SLA event fired, as the process keeps it. */
export type FiredEscalation = Pick<EscalationEvent, 'clock' | 'run' | 'level' | 'role' | 'deadline'> & { firedAt: number; recipients: number };

/**
 * Fire one due SLA event: mark it fired, then record a warning (to `warningTargets`) or an
 * escalation (to the level's role). The `sla_events` row it writes is unique on
 * (workflow, clock, run, level), so a retry or a replay never escalates twice.
 */
export async function fireSlaEvent<S extends string>(
  clocks: SlaClocks,
  event: SlaEvent,
  o: {
    record: StepRecorder<S>['record'];
    warningTargets: (event: SlaEvent) => NotifyTarget[];
    /** The notification payload: the process's own fields plus `extra`. */
    payload: (extra: Record<string, unknown>) => Record<string, unknown>;
    escalationPayload?: Record<string, unknown>;
    /** Runs before an escalation is recorded, so the step's projection already shows it. */
    beforeEscalation?: (event: EscalationEvent) => void;
  },
): Promise<FiredEscalation | undefined> {
  markFired(clocks, event);
  if (event.kind === 'warning') {
    await o.record('sla.warning', systemActor, {
      reason: `${event.clock} deadline approaching`,
      detail: { clock: event.clock, run: event.run, deadline: event.deadline },
      notify: { targets: o.warningTargets(event), template: 'sla.warning', payload: o.payload({ clock: event.clock, deadline: event.deadline }) },
      slaEvent: { clock: event.clock, run: event.run, level: 0, deadline: event.deadline, dueAt: event.at },
    });
    return undefined;
  }
  o.beforeEscalation?.(event);
  const result = await o.record('sla.escalated', systemActor, {
    reason: `${event.clock} deadline missed: level ${event.level} (${event.role})`,
    detail: { clock: event.clock, run: event.run, level: event.level, role: event.role, deadline: event.deadline },
    notify: {
      targets: [{ kind: 'role', role: event.role }],
      template: 'sla.escalation',
      payload: o.payload({ clock: event.clock, level: event.level, deadline: event.deadline, ...(o.escalationPayload ?? {}) }),
    },
    slaEvent: { clock: event.clock, run: event.run, level: event.level, role: event.role, deadline: event.deadline, dueAt: event.at },
  });
  return {
    clock: event.clock,
    run: event.run,
    level: event.level,
    role: event.role,
    deadline: event.deadline,
    firedAt: Date.now(),
    recipients: result.recipients,
  };
}

/**
 * The SLA loop: one timer at a time, woken early by any recorded step, firing every due
 * event once, until the process is done.
 */
export async function runSlaLoop(clocks: SlaClocks, o: { done: () => boolean; changes: () => number; fire: (event: SlaEvent) => Promise<void> }): Promise<void> {
  while (!o.done()) {
    for (let event = dueEvents(clocks, Date.now())[0]; event; event = dueEvents(clocks, Date.now())[0]) {
      await o.fire(event);
    }
    if (o.done()) break;
    const seen = o.changes();
    const next = nextWakeUp(clocks);
    if (next === undefined) await condition(() => o.changes() !== seen);
    else await condition(() => o.changes() !== seen, Math.max(1, next - Date.now()));
  }
}

/** The clocks as the API shows them, at the workflow's current time. */
export const clocksNow = (clocks: SlaClocks): SlaClockView[] => clockView(clocks, Date.now());
