/**
 * The complaint loop (投诉, shared/DOMAIN.md §2) as one durable workflow:
 * received → assigned → responded → resolved / revisiting → closed, with reopening when the
 * complainant is not satisfied, withdrawal, repair orders as child workflows, and escalation
 * up the property's chain, one level per configured delay, while a window is missed.
 */
import { ApplicationFailure } from '@temporalio/common';
import {
  allHandlersFinished,
  condition,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { Actor, Role } from '../domain/roles.js';
import {
  addWorkOrderUpdate,
  assignUpdate,
  closeUpdate,
  complaintQuery,
  complaintRevisitRoles,
  coordinatorRoles,
  deEscalateUpdate,
  escalateUpdate,
  escalatorRoles,
  finalComplaintStatuses,
  newComplaintState,
  resolveUpdate,
  respondUpdate,
  revisitUpdate,
  withdrawUpdate,
  type AddWorkOrderArgs,
  type AssignArgs,
  type CloseArgs,
  type ComplaintClock,
  type ComplaintInput,
  type ComplaintPolicySnapshot,
  type ComplaintState,
  type ComplaintStatus,
  type ComplaintWorkOrder,
  type EscalateArgs,
  type ResolveArgs,
  type RespondArgs,
  type RevisitArgs,
  type WithdrawArgs,
} from './complaint.contract.js';
import { categoryKey, propertyIdKey } from './search-attributes.js';
import { createGuards, createStepRecorder, databaseActivity, fireSlaEvent, nextDeadline, runSlaLoop } from './shared/process.js';
import { blockedStep, invalidArgument, notAllowed, processErrors, systemActor, type NotifyTarget } from './shared/steps.js';
import { clockView, emptyClocks, startClock, stopClock, type SlaClocks, type SlaEvent } from './sla/clocks.js';
import { workOrderWorkflow } from './work-order.js';
import { workOrderWorkflowId } from './work-order.contract.js';

type Activities = ReturnType<typeof createActivities>;

const { loadComplaintPolicy } = proxyActivities<Activities>(databaseActivity);

/** Which statuses each step may start from. */
const allowedFrom = {
  assign: ['received', 'assigned', 'responded'],
  respond: ['assigned'],
  addWorkOrder: ['assigned', 'responded'],
  resolve: ['responded'],
  revisit: ['resolved', 'revisiting'],
  close: ['resolved'],
  escalate: ['received', 'assigned', 'responded', 'resolved', 'revisiting'],
  deEscalate: ['received', 'assigned', 'responded', 'resolved', 'revisiting'],
  withdraw: ['received', 'assigned', 'responded', 'resolved', 'revisiting'],
} as const satisfies Record<string, readonly ComplaintStatus[]>;
type Action = keyof typeof allowedFrom;

/** A complaint, from registration until the complainant is satisfied, it is closed, or withdrawn. */
export async function complaintWorkflow(input: ComplaintInput): Promise<{ complaintId: string; status: ComplaintStatus; satisfaction?: number }> {
  const clocks: SlaClocks = emptyClocks();
  const state: ComplaintState = newComplaintState(input, Date.now());
  let manualChanges = 0;
  // Steps recorded when a child repair order finishes: awaited before the workflow ends.
  const childSteps: Promise<unknown>[] = [];

  /** Change status; returns the status it left, for the step record. */
  const moveTo = (to: ComplaintStatus): ComplaintStatus => {
    const from = state.status;
    state.status = to;
    return from;
  };
  const snapshot = (): ComplaintState => ({ ...state, deadlines: clockView(clocks, Date.now()) });
  const openWorkOrders = () => state.workOrders.filter((o) => o.status === 'open');

  const { ensure, ensureRole } = createGuards<ComplaintStatus, Action>('complaint', allowedFrom, () => state.status);
  const isCoordinator = (actor: Actor) => coordinatorRoles.includes(actor.role);
  const isHandler = (actor: Actor) => state.handler?.id === actor.id;
  const ensureHandlerOrCoordinator = (actor: Actor, action: Action) => {
    if (isCoordinator(actor) || isHandler(actor)) return;
    throw notAllowed(`only the handler${state.handler ? ` (${state.handler.name})` : ''} or a coordinator (${coordinatorRoles.join(', ')}) may ${action} this complaint`);
  };
  const requireText = (field: string, value: string, why: string) => {
    if (!value.trim()) throw invalidArgument(field, why);
  };
  const requireScore = (score: number) => {
    if (!Number.isInteger(score) || score < 1 || score > 5) throw invalidArgument('score', 'must be a whole number from 1 to 5');
  };

  /** The role told at an escalation level of the policy's chain. */
  const levelRole = (level: number): Role | undefined => state.policy.escalation.find((r) => r.level === level)?.role;
  const topLevel = () => Math.max(0, ...state.policy.escalation.map((r) => r.level));

  const startClocks = (names: ComplaintClock[], now: number) => {
    const policy = state.policy;
    const durations: Record<ComplaintClock, number> = { respond: policy.respondMs, resolve: policy.resolveMs, revisit: policy.revisitMs };
    for (const name of names) startClock(clocks, { name, durationMs: durations[name], warnRatio: policy.warnRatio, escalation: policy.escalation }, now);
  };
  /** Reload the policy in force now for the complaint's priority (a clock is about to start). */
  const refreshPolicy = async () => {
    const policy: ComplaintPolicySnapshot | null = await loadComplaintPolicy({ propertyId: state.propertyId, priority: state.priority });
    if (policy) state.policy = policy;
  };

  const projection = () => {
    const view = clockView(clocks, Date.now());
    const runs = (name: ComplaintClock) => view.filter((c) => c.name === name);
    const firstRespond = runs('respond').find((c) => c.run === 1);
    const liveResolve = runs('resolve').find((c) => c.state === 'running' || c.state === 'paused');
    const resolveMissed = runs('resolve').some((c) => c.met === false);
    const firstResponse = state.responses[0];
    const lastResolution = state.resolutions[state.resolutions.length - 1];
    return {
      complaintId: state.complaintId,
      propertyId: state.propertyId,
      unitId: state.location.unitId ?? null,
      unitCode: state.location.unitCode ?? null,
      commonArea: state.location.commonArea ?? null,
      category: state.category,
      priority: state.priority,
      urgent: state.urgent,
      channel: state.channel,
      description: state.description,
      complainantName: state.complainantName,
      status: state.status,
      department: state.department ?? null,
      handlerId: state.handler?.id ?? null,
      handlerName: state.handler?.name ?? null,
      assignmentRound: state.assignmentRound,
      escalationLevel: state.escalationLevel,
      reopens: state.reopens.count,
      nextDeadline: nextDeadline(view),
      deadlines: view,
      workOrders: state.workOrders.map(({ orderId, category, status, startedAt, finishedAt }) => ({
        orderId,
        category,
        status,
        startedAt,
        ...(finishedAt !== undefined ? { finishedAt } : {}),
      })),
      openWorkOrders: openWorkOrders().length,
      respondedAt: firstResponse?.at ?? null,
      respondDeadline: firstRespond?.deadline ?? null,
      // Known once answered, or once the first window ran out unanswered.
      respondMet: firstResponse ? (firstRespond?.met ?? null) : firstRespond?.met === false ? false : null,
      resolvedAt: lastResolution?.at ?? null,
      resolveDeadline: liveResolve?.deadline ?? null,
      resolveMet: resolveMissed ? false : lastResolution ? true : null,
      satisfaction: state.satisfaction ?? null,
      createdAt: state.createdAt,
      closedAt: state.closedAt ?? null,
      createdById: state.createdBy.id,
    };
  };

  const { record, changes, settled } = createStepRecorder<ComplaintStatus>({
    process: 'complaint',
    state,
    assigneeId: () => state.handler?.id,
    projection,
  });

  const handlerTargets = (): NotifyTarget[] =>
    state.handler ? [{ kind: 'staff', id: state.handler.id }] : [{ kind: 'department', department: 'management' }];
  const payload = (extra: Record<string, unknown> = {}) => ({
    complaintId: state.complaintId,
    category: state.category,
    priority: state.priority,
    location: state.location.unitCode ?? state.location.commonArea ?? null,
    ...extra,
  });

  const fire = async (event: SlaEvent) => {
    const escalation = await fireSlaEvent(clocks, event, {
      record,
      warningTargets: (e) => (e.clock === 'revisit' ? complaintRevisitRoles.map((role): NotifyTarget => ({ kind: 'role', role })) : handlerTargets()),
      payload,
      escalationPayload: { handler: state.handler?.name ?? null },
      beforeEscalation: (e) => {
        state.escalationLevel = Math.max(state.escalationLevel, e.level);
      },
    });
    if (escalation) state.escalations.push({ ...escalation, direction: 'up' });
  };

  /** A child repair order finished: record it on the complaint (its handler may now resolve). */
  const childFinished = (order: ComplaintWorkOrder, status: ComplaintWorkOrder['status']) => {
    order.status = status;
    order.finishedAt = Date.now();
    childSteps.push(
      record('work-order.finished', systemActor, {
        detail: { orderId: order.orderId, status },
        notify: { targets: handlerTargets(), template: 'complaint.work-order-finished', payload: payload({ orderId: order.orderId, status }) },
      }),
    );
  };

  setHandler(complaintQuery, snapshot);

  setHandler(
    assignUpdate,
    async ({ actor, handler, department, reason }) => {
      const previous = state.handler;
      const previousDepartment = state.department;
      state.handler = handler;
      state.department = department;
      state.assignmentRound += 1;
      const from = state.status === 'received' ? moveTo('assigned') : state.status;
      await record(previous ? 'reassign' : 'assign', actor, {
        from,
        ...(reason ? { reason } : {}),
        detail: {
          handler,
          department,
          round: state.assignmentRound,
          ...(previous ? { previousHandler: previous, previousDepartment } : {}),
        },
        notify: { targets: [{ kind: 'staff', id: handler.id }], template: 'complaint.assigned', payload: payload({ department }) },
      });
      return snapshot();
    },
    {
      validator: ({ actor, handler, department }: AssignArgs) => {
        ensure('assign');
        ensureRole(actor, coordinatorRoles, 'assign');
        if (state.handler?.id === handler.id && state.department === department) {
          throw invalidArgument('handlerId', `the complaint is already with ${handler.name} (${department})`);
        }
      },
    },
  );

  setHandler(
    respondUpdate,
    async ({ actor, message }) => {
      const now = Date.now();
      stopClock(clocks, 'respond', now);
      state.responses.push({ at: now, by: actor, message });
      const from = moveTo('responded');
      await record('respond', actor, {
        from,
        detail: { message },
        notify: { targets: [{ kind: 'reporter' }], template: 'complaint.responded', payload: payload({ message }) },
      });
      return snapshot();
    },
    {
      validator: ({ actor, message }: RespondArgs) => {
        ensure('respond');
        ensureHandlerOrCoordinator(actor, 'respond');
        requireText('message', message, 'must say what the complainant is told');
      },
    },
  );

  setHandler(
    addWorkOrderUpdate,
    async ({ actor, order }) => {
      // A retried request for an order already started changes nothing.
      if (state.workOrders.some((o) => o.orderId === order.orderId)) return snapshot();
      const link: ComplaintWorkOrder = { orderId: order.orderId, category: order.category, startedAt: Date.now(), startedBy: actor, status: 'open' };
      // Listed before the start completes, so a resolve arriving meanwhile already sees it open.
      state.workOrders.push(link);
      let child;
      try {
        child = await startChild(workOrderWorkflow, {
          workflowId: workOrderWorkflowId(order.orderId),
          args: [order],
          // A withdrawn or closed complaint never stops a repair in progress.
          parentClosePolicy: ParentClosePolicy.ABANDON,
        });
      } catch (err) {
        state.workOrders.splice(state.workOrders.indexOf(link), 1);
        throw ApplicationFailure.create({
          type: processErrors.illegalTransition,
          message: `repair order ${order.orderId} could not be started: ${err instanceof Error ? err.message : String(err)}`,
          nonRetryable: true,
          details: [{ status: state.status, action: 'addWorkOrder' }],
        });
      }
      void child.result().then(
        (result) => childFinished(link, result.status),
        () => childFinished(link, 'failed'),
      );
      await record('work-order.started', actor, {
        detail: { orderId: order.orderId, category: order.category, priority: order.priority, description: order.description },
      });
      return snapshot();
    },
    {
      validator: ({ actor, order }: AddWorkOrderArgs) => {
        if (state.workOrders.some((o) => o.orderId === order.orderId)) return;
        ensure('addWorkOrder');
        ensureHandlerOrCoordinator(actor, 'addWorkOrder');
        if (order.propertyId !== state.propertyId) throw invalidArgument('propertyId', `must be the complaint's property ${state.propertyId}`);
      },
    },
  );

  /** 409 while a repair order started from the complaint is still open. */
  const ensureNoOpenWorkOrders = () => {
    const open = openWorkOrders();
    if (open.length) {
      throw blockedStep('resolve', state.status, `repair order${open.length > 1 ? 's' : ''} ${open.map((o) => o.orderId).join(', ')} still open`);
    }
  };

  setHandler(
    resolveUpdate,
    async ({ actor, resolution, followUp }) => {
      // The revisit clock starts now, on the policy in force now.
      if (followUp) await refreshPolicy();
      ensure('resolve');
      ensureNoOpenWorkOrders();
      const now = Date.now();
      stopClock(clocks, 'resolve', now);
      if (followUp) startClocks(['revisit'], now);
      state.resolutions.push({ at: now, by: actor, resolution, followUp });
      const from = moveTo(followUp ? 'revisiting' : 'resolved');
      await record('resolve', actor, {
        from,
        detail: { resolution, followUp },
        notify: { targets: [{ kind: 'reporter' }], template: 'complaint.resolved', payload: payload({ resolution }) },
      });
      return snapshot();
    },
    {
      validator: ({ actor, resolution }: ResolveArgs) => {
        ensure('resolve');
        ensureHandlerOrCoordinator(actor, 'resolve');
        requireText('resolution', resolution, 'must say how the complaint was resolved');
        ensureNoOpenWorkOrders();
      },
    },
  );

  /** Climb one level past the current one because the complaint keeps being reopened. */
  const escalateReopened = async (now: number, reason: string) => {
    const level = Math.min(state.escalationLevel + 1, topLevel());
    const role = levelRole(level);
    if (!role) return;
    const threshold = state.policy.reopenEscalateAfter;
    state.escalationLevel = Math.max(state.escalationLevel, level);
    const result = await record('reopen.escalated', systemActor, {
      reason: `reopened ${state.reopens.count} times (threshold ${threshold})`,
      detail: { reopens: state.reopens.count, level, role },
      notify: { targets: [{ kind: 'role', role }], template: 'complaint.repeatedly-reopened', payload: payload({ reopens: state.reopens.count, level, reason }) },
      slaEvent: { clock: 'reopen', run: state.reopens.count, level, role, deadline: now, dueAt: now },
    });
    state.escalations.push({ clock: 'reopen', run: state.reopens.count, level, direction: 'up', role, deadline: now, firedAt: now, recipients: result.recipients });
  };

  setHandler(
    revisitUpdate,
    async ({ actor, satisfied, score, comment }) => {
      if (satisfied) {
        const now = Date.now();
        stopClock(clocks, 'revisit', now);
        state.revisits.push({ at: now, by: actor, satisfied, score, ...(comment ? { comment } : {}) });
        state.satisfaction = score;
        state.closedAt = now;
        const from = moveTo('closed');
        await record('revisit', actor, {
          from,
          detail: { satisfied, score, ...(comment ? { comment } : {}) },
          notify: { targets: [{ kind: 'reporter' }], template: 'complaint.closed', payload: payload({ score }) },
        });
        return snapshot();
      }
      // Reopened: back to the handler with the reason, on a fresh resolve window of the policy in force now.
      await refreshPolicy();
      ensure('revisit');
      const now = Date.now();
      stopClock(clocks, 'revisit', now);
      const reason = comment?.trim() || 'complainant not satisfied';
      state.revisits.push({ at: now, by: actor, satisfied, score, ...(comment ? { comment } : {}) });
      state.reopens.count += 1;
      state.reopens.reasons.push({ at: now, reason, by: actor });
      startClocks(['resolve'], now);
      const from = moveTo('responded');
      await record('reopen', actor, {
        from,
        reason,
        detail: { satisfied, score, reopens: state.reopens.count },
        notify: { targets: handlerTargets(), template: 'complaint.reopened', payload: payload({ reason, reopens: state.reopens.count }) },
      });
      if (state.reopens.count >= state.policy.reopenEscalateAfter) await escalateReopened(now, reason);
      return snapshot();
    },
    {
      validator: ({ actor, satisfied, score, comment }: RevisitArgs) => {
        ensure('revisit');
        ensureRole(actor, complaintRevisitRoles, 'revisit');
        requireScore(score);
        if (!satisfied && !comment?.trim()) throw invalidArgument('comment', 'must say why the complainant is not satisfied');
      },
    },
  );

  setHandler(
    closeUpdate,
    async ({ actor, reason, score }) => {
      const now = Date.now();
      if (score !== undefined) state.satisfaction = score;
      state.closeReason = reason;
      state.closedAt = now;
      const from = moveTo('closed');
      await record('close', actor, {
        from,
        reason,
        ...(score !== undefined ? { detail: { score } } : {}),
        notify: { targets: [{ kind: 'reporter' }], template: 'complaint.closed', payload: payload(score !== undefined ? { score } : {}) },
      });
      return snapshot();
    },
    {
      validator: ({ actor, reason, score }: CloseArgs) => {
        ensure('close');
        if (!(complaintRevisitRoles.includes(actor.role) || isCoordinator(actor) || isHandler(actor))) {
          throw notAllowed(`role ${actor.role} may not close this complaint (front desk, concierge, its handler or a coordinator may)`);
        }
        requireText('reason', reason, 'must say why no follow-up call is needed');
        if (score !== undefined) requireScore(score);
      },
    },
  );

  /** The level a manual escalation or de-escalation goes to, or a 400 saying why it cannot. */
  const manualTarget = (direction: 'up' | 'down', level: number | undefined): number => {
    const current = state.escalationLevel;
    const target = level ?? (direction === 'up' ? current + 1 : current - 1);
    if (direction === 'up' && target <= current) throw invalidArgument('level', `must be above the current level ${current}`);
    if (direction === 'down' && target >= current) throw invalidArgument('level', `must be below the current level ${current}`);
    if (target < 0) throw invalidArgument('level', 'must be 0 (the handler) or more');
    if (target > topLevel()) throw invalidArgument('level', `the escalation chain of ${state.priority} complaints ends at level ${topLevel()}`);
    return target;
  };
  const manualValidator =
    (action: 'escalate' | 'deEscalate') =>
    ({ actor, reason, level }: EscalateArgs) => {
      ensure(action);
      ensureRole(actor, escalatorRoles, action);
      requireText('reason', reason, `must say why the complaint is ${action === 'escalate' ? 'escalated' : 'brought down'}`);
      manualTarget(action === 'escalate' ? 'up' : 'down', level);
    };

  setHandler(
    escalateUpdate,
    async ({ actor, reason, level }) => {
      const now = Date.now();
      const previous = state.escalationLevel;
      const target = manualTarget('up', level);
      const role = levelRole(target) ?? 'director';
      manualChanges += 1;
      const run = manualChanges;
      state.escalationLevel = target;
      const result = await record('escalate', actor, {
        reason,
        detail: { fromLevel: previous, level: target, role },
        notify: { targets: [{ kind: 'role', role }], template: 'complaint.escalated', payload: payload({ level: target, reason }) },
        slaEvent: { clock: 'manual', run, level: target, role, deadline: now, dueAt: now },
      });
      state.escalations.push({ clock: 'manual', run, level: target, direction: 'up', role, deadline: now, firedAt: now, recipients: result.recipients, by: actor, reason });
      return snapshot();
    },
    { validator: manualValidator('escalate') },
  );

  setHandler(
    deEscalateUpdate,
    async ({ actor, reason, level }) => {
      const now = Date.now();
      const previous = state.escalationLevel;
      const target = manualTarget('down', level);
      manualChanges += 1;
      const run = manualChanges;
      state.escalationLevel = target;
      const result = await record('de-escalate', actor, {
        reason,
        detail: { fromLevel: previous, level: target },
        notify: { targets: handlerTargets(), template: 'complaint.de-escalated', payload: payload({ level: target, reason }) },
      });
      state.escalations.push({
        clock: 'manual',
        run,
        level: target,
        direction: 'down',
        role: levelRole(target) ?? null,
        deadline: now,
        firedAt: now,
        recipients: result.recipients,
        by: actor,
        reason,
      });
      return snapshot();
    },
    { validator: manualValidator('deEscalate') },
  );

  setHandler(
    withdrawUpdate,
    async ({ actor, reason }) => {
      const now = Date.now();
      for (const c of [...clocks.clocks]) stopClock(clocks, c.name, now);
      state.withdrawReason = reason;
      state.closedAt = now;
      const from = moveTo('withdrawn');
      await record('withdraw', actor, {
        from,
        reason,
        detail: { openWorkOrders: openWorkOrders().map((o) => o.orderId) },
        notify: { targets: handlerTargets(), template: 'complaint.withdrawn', payload: payload({ reason }) },
      });
      return snapshot();
    },
    {
      validator: ({ actor, reason }: WithdrawArgs) => {
        ensure('withdraw');
        const may = complaintRevisitRoles.includes(actor.role) || isCoordinator(actor) || isHandler(actor) || actor.id === state.createdBy.id;
        if (!may) throw notAllowed(`role ${actor.role} may not withdraw this complaint (front desk, concierge, its handler, a coordinator or whoever registered it may)`);
        requireText('reason', reason, 'must say why the complaint is withdrawn');
      },
    },
  );

  upsertSearchAttributes([
    { key: propertyIdKey, value: state.propertyId },
    { key: categoryKey, value: state.category },
  ]);
  startClocks(['respond', 'resolve'], state.createdAt);
  await record('receive', input.createdBy, {
    detail: { channel: input.channel, category: input.category, priority: input.priority, urgent: input.urgent, location: input.location },
    notify: { targets: [{ kind: 'department', department: 'management' }], template: 'complaint.received', payload: payload({ channel: input.channel }) },
    ...(input.complainant.phone ? { projection: { complainantPhone: input.complainant.phone } } : {}),
  });

  await runSlaLoop(clocks, { done: () => finalComplaintStatuses.includes(state.status), changes, fire });

  await condition(allHandlersFinished);
  await Promise.all(childSteps);
  await settled();
  return { complaintId: state.complaintId, status: state.status, ...(state.satisfaction !== undefined ? { satisfaction: state.satisfaction } : {}) };
}
