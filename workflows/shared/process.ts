/**
 * The process kit: everything a closed loop is made of besides its transition table, its
 * clocks, its views and its handlers. One `createProcess` gives a workflow the guards of
 * its update validators (status and who may act, both read from the table), one
 * `transition()` that checks the table, changes the status and records the step, the
 * start-up sequence, the one-timer SLA loop of shared/DESIGN.md with its warnings and
 * escalations, revisit-and-close, and the end (handlers finished, deliveries settled).
 * Deterministic workflow code: only workflow APIs and pure modules.
 */
import {
  allHandlersFinished,
  condition,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { QueryDefinition, UpdateDefinition } from '@temporalio/common';
import type { createActivities } from '../../activities/index.js';
import { holdsRole, type Actor, type Role } from '../../domain/roles.js';
import { assigneeKey, categoryKey, processStatusKey, propertyIdKey } from '../search-attributes.js';
import { clockView, dueEvents, emptyClocks, markFired, nextWakeUp, pauseAll, resumeAll, startClock, stopClock, type ClockSpec, type SlaClocks, type SlaClockView, type SlaEvent } from '../sla/clocks.js';
import { ApplicationFailure } from '@temporalio/common';
import { retryErrors, retryFailedStepsUpdate, sanitise, stepFailureOf, type FailedStepView, type RetryStepArgs, type StepFailureType } from './step-failures.js';
import {
  blockedStep,
  illegalTransition,
  invalidArgument,
  notAllowed,
  requireScore,
  requireText,
  systemActor,
  type Assignee,
  type NotifyTarget,
  type ProcessKind,
  type ProcessProjections,
  type RevisitArgs,
  type RevisitRecord,
  type SlaEventRecord,
  type StepNotification,
  type StepOutcome,
  type StepInput,
  type StepResult,
  type TimelineEntry,
} from './steps.js';

type Activities = ReturnType<typeof createActivities>;

/** Options for activities that read or write the database: they retry until it is back, so a step is never dropped. */
export const databaseActivity: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
};

const { recordStep, recordFailedStep } = proxyActivities<Activities>(databaseActivity);
// A gateway that stays down must not hold the process up: delivery gives up after a while
// and the outbox row keeps the failure for a person to see.
const { deliverNotifications } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '5 minutes', backoffCoefficient: 2, maximumAttempts: 8 },
});

/** People of the process who may take a step whatever their role: whoever has it now, whoever registered it. */
export type Party = 'assignee' | 'creator';

/** One row of a transition table: where the action may start, where it may lead, and who may take it. */
export interface Transition<S extends string> {
  from: readonly S[];
  /** The statuses it may lead to; absent when the action leaves the status as it is. */
  to?: readonly S[];
  roles: readonly Role[];
  parties?: readonly Party[];
}

/** A process's transition table: every action it knows. */
export type TransitionTable<S extends string, A extends string> = Record<A, Transition<S>>;

/** The part of a process's state the kit reads and advances. */
export interface ProcessState<S extends string> {
  propertyId: string;
  status: S;
  seq: number;
  timeline: TimelineEntry[];
  createdBy: Actor;
  createdAt: number;
  closedAt?: number;
  satisfaction?: number;
  revisits?: RevisitRecord[];
}

type EscalationEvent = Extract<SlaEvent, { kind: 'escalation' }>;
/** The escalation an SLA event fired, as the process keeps it. */
export type FiredEscalation = Pick<EscalationEvent, 'clock' | 'run' | 'level' | 'role' | 'deadline'> & { firedAt: number; recipients: number; skipped?: boolean };

/** What a process declares; everything else is the kit's. */
export interface ProcessSpec<K extends ProcessKind, S extends string, A extends string, C extends string> {
  kind: K;
  /** How people name one of it: "work order". */
  noun: string;
  /** How people name whoever raised it: "owner", "complainant". */
  reporter: string;
  table: TransitionTable<S, A>;
  final: readonly S[];
  state: ProcessState<S>;
  /** The clock to start under this name now, from the policy in force; undefined: the policy has none. */
  clock: (name: C) => ClockSpec | undefined;
  assignee: () => Assignee | undefined;
  /**
   * A status the process has reached by the clock but not recorded yet, because the timer
   * that records it is still waiting for the worker (a maintenance task past its opening
   * time, behind a burst of others). A step that may start only from there is checked as
   * from there, and `reach` records it first. Undefined when there is none.
   */
  reachedByTime?: () => { status: S; reach: () => Promise<void> } | undefined;
  /** The projection's fixed part, written with the first step. */
  identity: () => ProcessProjections[K]['identity'];
  /** The projection's changing part, written with every step; `view` is the clocks now. */
  live: (view: SlaClockView[]) => ProcessProjections[K]['live'];
  sla: {
    warningTargets: (event: SlaEvent) => NotifyTarget[];
    /** The notification payload: the process's own fields plus `extra`. */
    payload: (extra?: Record<string, unknown>) => Record<string, unknown>;
    escalationPayload?: () => Record<string, unknown>;
    /**
     * Who one escalation reaches, when it is particular people rather than everyone of its
     * level's role (the next person on duty, whoever owns a step); undefined: the role. An
     * empty list means nobody holds the level: it is recorded as skipped, once, and the
     * ladder goes on.
     */
    escalationTargets?: (event: EscalationEvent) => NotifyTarget[] | undefined;
    /** Runs before an escalation is recorded, so the step's projection already shows it. */
    escalating?: (event: EscalationEvent) => void;
    escalated: (fired: FiredEscalation) => void;
  };
}

/** What a step records besides its action and actor. */
export interface StepOptions {
  reason?: string;
  detail?: Record<string, unknown>;
  notify?: StepNotification;
  slaEvent?: SlaEventRecord;
  /** Raise (true) or clear (false) the needs-attention flag in the projection. */
  attention?: boolean;
}

/** A transition: a step that may change the status. */
export interface TransitionOptions<S extends string> extends StepOptions {
  /** The status it leads to, when the table allows more than one. */
  to?: S;
  /** The action as the timeline names it, when it differs from the table's (`reassign`, `rectify`). */
  recordAs?: string;
  /** Changes to the state and clocks, applied after the table's check and before the step is recorded. */
  apply?: (now: number) => void;
}

/** An update's handlers: its own checks after the kit's, and the work. */
export interface StepHandlers<Args> {
  validate?: (args: Args) => void;
  run: (args: Args) => Promise<unknown>;
  /** A retried request that was already applied: no checks, nothing done. */
  alreadyApplied?: (args: Args) => boolean;
}

/** The process kit for one workflow run. */
export function createProcess<K extends ProcessKind, S extends string, A extends string, C extends string>(spec: ProcessSpec<K, S, A, C>) {
  const { state, table } = spec;
  const clocks: SlaClocks = emptyClocks();
  let changes = 0;
  const deliveries: Promise<unknown>[] = [];
  // Steps carry the projection's identity until one of them has been written: a step taken
  // while the first is still being recorded may reach the database first.
  let identityWritten = false;
  // The search attributes as last upserted, so a step upserts only what changed.
  const upserted: { status?: string; assignee?: string } = {};
  // Steps the database refused, oldest first, kept for the admin's retry.
  const failed: { step?: StepInput<K>; view: FailedStepView }[] = [];

  /** Record one step: timeline, search attributes, then projection + audit + outbox in one activity. */
  const record = async (action: string, actor: Actor, opts: StepOptions & { from?: S } = {}): Promise<StepResult> => {
    state.seq += 1;
    changes += 1;
    const at = Date.now();
    const { from } = opts;
    const to = from !== undefined && from !== state.status ? state.status : undefined;
    const moved = from !== undefined && to !== undefined ? { from, to } : {};
    const said = { ...(opts.reason ? { reason: opts.reason } : {}), ...(opts.detail ? { detail: opts.detail } : {}) };
    state.timeline.push({ seq: state.seq, at, action, actor, ...moved, ...said });
    // Runs started before this change upserted both attributes on every step and delivered
    // every step's notifications in an activity of their own; they replay that way.
    const lean = patched('lean-steps');
    const assignee = spec.assignee()?.id ?? 'unassigned';
    const changedAttributes = [
      ...(!lean || upserted.status !== state.status ? [{ key: processStatusKey, value: state.status }] : []),
      ...(!lean || upserted.assignee !== assignee ? [{ key: assigneeKey, value: assignee }] : []),
    ];
    if (changedAttributes.length) upsertSearchAttributes(changedAttributes);
    Object.assign(upserted, { status: state.status, assignee });
    const step: StepInput<K> = {
      process: spec.kind,
      propertyId: state.propertyId,
      seq: state.seq,
      at,
      action,
      actor,
      ...moved,
      ...said,
      ...(opts.notify ? { notify: opts.notify } : {}),
      ...(opts.slaEvent ? { slaEvent: opts.slaEvent } : {}),
      ...(opts.attention !== undefined ? { attention: opts.attention } : {}),
      ...(identityWritten ? {} : { identity: spec.identity() }),
      live: spec.live(clockView(clocks, at)),
    };
    let result: StepResult;
    try {
      result = await recordStep(step);
    } catch (err) {
      const failure = stepFailureOf(err);
      // Runs from before steps could fail this way let the failure through; they replay that way.
      if (!failure || !patched('step-failures')) throw err;
      return recordFailure(step.action, step, failure);
    }
    identityWritten = true;
    owe(lean ? result.pending : result.outboxIds);
    return result;
  };

  /** The step itself tried to deliver its notifications; what it could not is retried here. */
  const owe = (ids: number[]): void => {
    if (ids.length) deliveries.push(deliverNotifications({ ids }).catch(() => undefined));
  };

  /**
   * A step the database refuses (its data, a constraint) will never be written by retrying:
   * record that it failed (who, when, why), flag the process as needing attention, tell the
   * dispatcher and admin, and go on, so the SLA clocks keep running behind it. The step waits
   * in `failed` for an admin's retry. `step` is absent for an activity other than a step's
   * recording (see `attempt`): there is nothing to write again, the admin's retry acknowledges it.
   */
  const recordFailure = async (failedAction: string, step: StepInput<K> | undefined, failure: { type: StepFailureType; message: string }): Promise<StepResult> => {
    const now = Date.now();
    const view: FailedStepView = { ...(step ? { seq: step.seq } : {}), action: failedAction, at: step?.at ?? now, errorType: failure.type, error: failure.message };
    failed.push({ ...(step ? { step } : {}), view });
    state.seq += 1;
    changes += 1;
    const at = now;
    const reason = step
      ? `the ${failedAction} step could not be recorded (${failure.type}); an admin may retry it once the cause is fixed`
      : `${failedAction} failed for good (${failure.type}); the process went on without it, an admin acknowledges it with a retry`;
    const detail = { ...(step ? { failedSeq: step.seq } : {}), failedAction, errorType: failure.type, error: sanitise(failure.message) };
    state.timeline.push({ seq: state.seq, at, action: 'step.failed', actor: systemActor, reason, detail });
    const written = await recordFailedStep({
      ...(step ? { failed: step } : {}),
      failure: {
        process: spec.kind,
        propertyId: state.propertyId,
        seq: state.seq,
        at,
        action: 'step.failed',
        actor: systemActor,
        reason,
        detail,
        notify: {
          targets: [
            { kind: 'role', role: 'dispatcher' },
            { kind: 'role', role: 'admin' },
          ],
          template: 'process.step-failed',
          payload: sanitise(spec.sla.payload({ failedAction, ...(step ? { failedSeq: step.seq } : {}), errorType: failure.type })),
        },
        ...(identityWritten ? {} : { identity: spec.identity() }),
        live: spec.live(clockView(clocks, at)),
      },
    });
    identityWritten ||= written.projected;
    owe([...(written.failed?.pending ?? []), ...written.failure.pending]);
    return written.failed ?? { outboxIds: [], recipients: 0, pending: [] };
  };

  /**
   * Call an activity whose data may be refused for good (a lookup, a pick): such a failure is
   * recorded, flagged and told like a failed step, and `fallback` stands in so the process goes
   * on (a dispatch nobody could pick for goes to the dispatcher). Any other error is thrown.
   */
  const attempt = async <T>(action: string, call: () => Promise<T>, fallback: T): Promise<T> => {
    try {
      return await call();
    } catch (err) {
      const failure = stepFailureOf(err);
      if (!failure || !patched('step-failures')) throw err;
      await recordFailure(action, undefined, failure);
      return fallback;
    }
  };

  /**
   * The admin's retry: record every failed step again (sanitised, as the failure record
   * stored it), oldest first. All written: the flag clears with a `step.retried` step. One
   * still refused: the update fails (409) and the process stays flagged.
   */
  setHandler(
    retryFailedStepsUpdate,
    async ({ actor, reason }) => {
      const before = { steps: state.timeline.length };
      const retried: (number | string)[] = [];
      while (failed[0]) {
        const { step, view } = failed[0];
        try {
          if (step) owe((await recordStep(sanitise(step))).pending);
        } catch (err) {
          const failure = stepFailureOf(err);
          if (!failure) throw err;
          throw ApplicationFailure.create({
            type: retryErrors.stillFailing,
            message: `the ${view.action} step (seq ${view.seq ?? '-'}) still cannot be recorded: ${failure.message}`,
            nonRetryable: true,
            details: [{ status: state.status, action: 'retry-step' }],
          });
        }
        failed.shift();
        if (step) identityWritten = true;
        retried.push(view.seq ?? view.action);
      }
      await record('step.retried', actor, { reason: reason ?? 'failed steps recorded again', detail: { retried }, attention: false });
      return outcome(before);
    },
    {
      validator: ({ actor }: RetryStepArgs) => {
        if (actor.role !== 'admin') throw notAllowed(`role ${actor.role} may not retry a failed step (allowed: admin)`);
        if (!failed.length) throw blockedStep('retry-step', state.status, `this ${spec.noun} has no failed step to retry`);
      },
    },
  );

  /** 409 unless the process is in a status the action may start from (`status`: as staff see it). */
  const ensureFrom = (action: A, status: S = state.status): void => {
    const { from } = table[action];
    if (!from.includes(status)) throw illegalTransition(spec.noun, action, status, from);
  };

  const isParty = (party: Party, actor: Actor): boolean => (party === 'assignee' ? spec.assignee()?.id === actor.id : state.createdBy.id === actor.id);

  /** 403 unless the actor's role, or their part in the process, lets them take the action. */
  const ensureMay = (action: A, actor: Actor): void => {
    const { roles, parties = [] } = table[action];
    if (holdsRole(actor, roles) || parties.some((p) => isParty(p, actor))) return;
    const who = [
      ...parties.map((p) => (p === 'assignee' ? `its assignee${spec.assignee() ? ` (${spec.assignee()!.name})` : ''}` : 'whoever registered it')),
      ...roles,
    ];
    throw notAllowed(`role ${actor.role} may not ${action} this ${spec.noun} (allowed: ${who.join(', ')})`);
  };

  /** Check the table, apply the change, move to the new status and record the step. */
  const transition = async (action: A, actor: Actor, opts: TransitionOptions<S> = {}): Promise<StepResult> => {
    ensureFrom(action);
    const rule = table[action];
    const to = opts.to ?? (rule.to?.length === 1 ? rule.to[0] : undefined);
    // Staying where it is is always allowed; a move only to where the table leads.
    if (to !== undefined && to !== state.status && !rule.to?.includes(to)) throw illegalTransition(spec.noun, action, state.status, rule.from);
    opts.apply?.(Date.now());
    const from = state.status;
    if (to !== undefined) state.status = to;
    const { to: _to, recordAs, apply: _apply, ...step } = opts;
    return record(recordAs ?? action, actor, { ...step, from });
  };

  /** The status the process has reached by the clock, when the action may start only from there. */
  const reachedFor = (action: A) => {
    const { from } = table[action];
    const reached = from.includes(state.status) ? undefined : spec.reachedByTime?.();
    return reached && from.includes(reached.status) ? reached : undefined;
  };

  /** Register a staff step: the validator checks status and actor from the table, then the step's own rules. */
  const step = <Args extends { actor: Actor }>(update: UpdateDefinition<StepOutcome, [Args]>, action: A, h: StepHandlers<Args>): void => {
    setHandler(
      update,
      async (args: Args) => {
        const before = { steps: state.timeline.length };
        if (!h.alreadyApplied?.(args)) {
          await reachedFor(action)?.reach();
          await h.run(args);
        }
        return outcome(before);
      },
      {
        validator: (args: Args) => {
          if (h.alreadyApplied?.(args)) return;
          if (!reachedFor(action)) ensureFrom(action, spec.reachedByTime?.()?.status);
          ensureMay(action, args.actor);
          h.validate?.(args);
        },
      },
    );
  };

  const outcome = (before: { steps: number }): StepOutcome => ({
    status: state.status,
    seq: state.seq,
    recorded: state.timeline.slice(before.steps).map((e) => e.action),
  });

  const startClocks = (names: readonly C[], now: number): void => {
    for (const name of names) {
      const s = spec.clock(name);
      if (s) startClock(clocks, s, now);
    }
  };
  const stopClocks = (names: readonly C[], now: number): void => {
    for (const name of names) stopClock(clocks, name, now);
  };
  /** Stop every clock (the process ends early): a clock on hold ends as it stood when the hold began. */
  const stopAllClocks = (now: number): void => {
    resumeAll(clocks, now);
    for (const c of [...clocks.clocks]) stopClock(clocks, c.name, now);
  };

  /**
   * Fire one due SLA event: mark it fired, then record a warning or an escalation. The
   * `sla_events` row it writes is unique on (workflow, clock, run, level), so a retry or a
   * replay never escalates twice.
   */
  const fire = async (event: SlaEvent): Promise<void> => {
    markFired(clocks, event);
    const slaEvent = { clock: event.clock, run: event.run, deadline: event.deadline, dueAt: event.at };
    if (event.kind === 'warning') {
      await record('sla.warning', systemActor, {
        reason: `${event.clock} deadline approaching`,
        detail: { clock: event.clock, run: event.run, deadline: event.deadline },
        notify: { targets: spec.sla.warningTargets(event), template: 'sla.warning', payload: spec.sla.payload({ clock: event.clock, deadline: event.deadline }) },
        slaEvent: { ...slaEvent, level: 0 },
      });
      return;
    }
    const { clock, run, level, role, deadline } = event;
    const targets = spec.sla.escalationTargets?.(event) ?? [{ kind: 'role', role: event.role }];
    if (!targets.length) {
      await record('sla.escalation-skipped', systemActor, {
        reason: `${event.clock} deadline missed: level ${event.level} (${event.role}) has nobody on duty, skipped`,
        detail: { clock, run, level, role, deadline },
        slaEvent: { ...slaEvent, level, role },
      });
      spec.sla.escalated({ clock, run, level, role, deadline, firedAt: Date.now(), recipients: 0, skipped: true });
      return;
    }
    spec.sla.escalating?.(event);
    const result = await record('sla.escalated', systemActor, {
      reason: `${event.clock} deadline missed: level ${event.level} (${event.role})`,
      detail: { clock: event.clock, run: event.run, level: event.level, role: event.role, deadline: event.deadline },
      notify: {
        targets,
        template: 'sla.escalation',
        payload: spec.sla.payload({ clock: event.clock, level: event.level, deadline: event.deadline, ...(spec.sla.escalationPayload?.() ?? {}) }),
      },
      slaEvent: { ...slaEvent, level: event.level, role: event.role },
    });
    spec.sla.escalated({ clock, run, level, role, deadline, firedAt: Date.now(), recipients: result.recipients });
  };

  /**
   * An escalation that no clock fires: a process sent back too often (rectified, reopened).
   * Recorded once per `run` (the count), with its exactly-once SLA event record.
   */
  const escalateRepeat = async (o: { action: string; clock: string; run: number; level: number; role: Role; reason: string; detail: Record<string, unknown>; template: string; payload: Record<string, unknown> }): Promise<FiredEscalation> => {
    const now = Date.now();
    const result = await record(o.action, systemActor, {
      reason: o.reason,
      detail: o.detail,
      notify: { targets: [{ kind: 'role', role: o.role }], template: o.template, payload: o.payload },
      slaEvent: { clock: o.clock, run: o.run, level: o.level, role: o.role, deadline: now, dueAt: now },
    });
    return { clock: o.clock, run: o.run, level: o.level, role: o.role, deadline: now, firedAt: now, recipients: result.recipients };
  };

  /**
   * A step that ends the process early with a reason (cancel, drop): 400 without one; every
   * clock stops, `end` keeps the reason on the state, `notify` says who is told.
   */
  const exitStep = <Args extends { actor: Actor; reason: string }>(
    update: UpdateDefinition<StepOutcome, [Args]>,
    action: A,
    o: { why: string; end: (args: Args, now: number) => void; notify?: (args: Args) => StepNotification | undefined },
  ): void =>
    step(update, action, {
      validate: ({ reason }) => requireText('reason', reason, o.why),
      run: (args) => {
        const notify = o.notify?.(args);
        return transition(action, args.actor, {
          reason: args.reason,
          apply: (now) => {
            stopAllClocks(now);
            o.end(args, now);
          },
          ...(notify ? { notify } : {}),
        });
      },
    });

  /**
   * The revisit (回访) every loop ends with: satisfied closes with the score and tells the
   * reporter; not satisfied (a reason is required) hands over to `rework`.
   */
  const revisitStep = (update: UpdateDefinition<StepOutcome, [RevisitArgs]>, action: A, o: { closed: S; rework: (args: RevisitArgs) => Promise<void> }): void =>
    step(update, action, {
      validate: ({ score, satisfied, comment }) => {
        requireScore(score);
        if (!satisfied && !comment?.trim()) throw invalidArgument('comment', `must say why the ${spec.reporter} is not satisfied`);
      },
      run: async (args) => {
        if (!args.satisfied) return o.rework(args);
        const { actor, satisfied, score, comment } = args;
        await transition(action, actor, {
          to: o.closed,
          apply: (now) => {
            stopClock(clocks, 'revisit', now);
            state.revisits?.push({ at: now, by: actor, satisfied, score, ...(comment ? { comment } : {}) });
            state.satisfaction = score;
            state.closedAt = now;
          },
          detail: { satisfied, score, ...(comment ? { comment } : {}) },
          notify: { targets: [{ kind: 'reporter' }], template: `${spec.kind}.closed`, payload: spec.sla.payload({ score }) },
        });
      },
    });

  /** The state as queries return it: the process's own fields plus its clocks now. */
  const snapshot = <Q>(query: QueryDefinition<Q>, view: (deadlines: SlaClockView[]) => Q): void => {
    setHandler(query, () => view(clockView(clocks, Date.now())));
  };

  /** The start-up sequence: search attributes, the first clocks, and the receipt step. */
  const open = async (o: { category: string; clocks: readonly C[]; detail?: Record<string, unknown>; notify?: StepNotification }): Promise<void> => {
    upsertSearchAttributes([
      { key: propertyIdKey, value: state.propertyId },
      { key: categoryKey, value: o.category },
    ]);
    startClocks(o.clocks, state.createdAt);
    await record('receive', state.createdBy, { ...(o.detail ? { detail: o.detail } : {}), ...(o.notify ? { notify: o.notify } : {}) });
  };

  /**
   * Run until the process reaches a final status: one timer at a time, woken early by any
   * recorded step, firing every due SLA event once. Then wait for update handlers, for
   * `also` (steps recorded in the background) and for notification deliveries.
   */
  const runToEnd = async (also: () => Promise<unknown> = async () => undefined): Promise<void> => {
    const done = () => spec.final.includes(state.status);
    while (!done()) {
      for (let event = dueEvents(clocks, Date.now())[0]; event; event = dueEvents(clocks, Date.now())[0]) await fire(event);
      if (done()) break;
      const seen = changes;
      const next = nextWakeUp(clocks);
      if (next === undefined) await condition(() => changes !== seen);
      else await condition(() => changes !== seen, Math.max(1, next - Date.now()));
    }
    // A process with a step still unrecorded stays open for the admin's retry; the handler that
    // took the last step may still be recording it, so its failure is waited for too.
    const settled = () => allHandlersFinished() && failed.length === 0;
    await condition(settled);
    await also();
    await Promise.all(deliveries);
    // Steps recorded in the background (`also`) may have failed as well.
    await condition(settled);
  };

  return {
    clocks,
    record,
    transition,
    step,
    exitStep,
    revisitStep,
    ensureFrom,
    startClocks,
    stopClocks,
    stopAllClocks,
    pauseClocks: (now: number) => pauseAll(clocks, now),
    resumeClocks: (now: number) => resumeAll(clocks, now),
    escalateRepeat,
    attempt,
    snapshot,
    open,
    runToEnd,
    /** The steps waiting for an admin's retry. */
    failedSteps: (): FailedStepView[] => failed.map((f) => f.view),
  };
}

/** The kit as a process's handlers see it. */
export type Process<K extends ProcessKind, S extends string, A extends string, C extends string> = ReturnType<typeof createProcess<K, S, A, C>>;

/** The earliest deadline of a running clock, for the projection's `next_deadline`. */
export function nextDeadline(view: SlaClockView[]): number | null {
  const running = view.filter((c) => c.state === 'running').map((c) => c.deadline);
  return running.length ? Math.min(...running) : null;
}
