/**
 * The repair / service request loop (报修闭环, shared/DOMAIN.md §1) as one durable workflow:
 * received → dispatched → accepted → on site → completed → revisited → closed, with
 * rectification back to dispatch, holds that pause the clocks, and cancellation.
 */
import { allHandlersFinished, condition, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { Actor } from '../domain/roles.js';
import { clockView, emptyClocks, pauseAll, resumeAll, startClock, stopClock, type SlaClocks, type SlaEvent } from './sla/clocks.js';
import { categoryKey, propertyIdKey } from './search-attributes.js';
import { createGuards, createStepRecorder, databaseActivity, fireSlaEvent, nextDeadline, runSlaLoop } from './shared/process.js';
import { invalidArgument, notAllowed, systemActor, type NotifyTarget } from './shared/steps.js';
import {
  acceptUpdate,
  arriveUpdate,
  cancelUpdate,
  completeUpdate,
  dispatchUpdate,
  finalWorkOrderStatuses,
  holdUpdate,
  newWorkOrderState,
  resumeUpdate,
  revisitRoles,
  revisitUpdate,
  supervisorRoles,
  workOrderQuery,
  type AcceptArgs,
  type ArriveArgs,
  type Assignee,
  type CancelArgs,
  type CompleteArgs,
  type DispatchArgs,
  type HoldArgs,
  type ResumeArgs,
  type RevisitArgs,
  type SlaPolicySnapshot,
  type WorkOrderClock,
  type WorkOrderInput,
  type WorkOrderState,
  type WorkOrderStatus,
} from './work-order.contract.js';

type Activities = ReturnType<typeof createActivities>;

const { assignTechnician, loadSlaPolicy } = proxyActivities<Activities>(databaseActivity);

/** Which statuses each step may start from. */
const allowedFrom = {
  dispatch: ['received', 'dispatched', 'accepted'],
  accept: ['dispatched'],
  arrive: ['accepted'],
  complete: ['on_site'],
  revisit: ['completed'],
  hold: ['received', 'dispatched', 'accepted', 'on_site'],
  resume: ['on_hold'],
  cancel: ['received', 'dispatched', 'accepted', 'on_site', 'on_hold'],
} as const satisfies Record<string, readonly WorkOrderStatus[]>;
type Action = keyof typeof allowedFrom;

/** A repair or service request, from registration until the owner is satisfied or it is cancelled. */
export async function workOrderWorkflow(input: WorkOrderInput): Promise<{ orderId: string; status: WorkOrderStatus; satisfaction?: number }> {
  const { workflowId } = workflowInfo();
  const clocks: SlaClocks = emptyClocks();
  const state: WorkOrderState = newWorkOrderState(input, Date.now());
  // The level of an escalation whose step is being recorded: its own projection row already shows it.
  let levelBeingRecorded = 0;


  /** Change status; returns the status it left, for the step record. */
  const moveTo = (to: WorkOrderStatus): WorkOrderStatus => {
    const from = state.status;
    state.status = to;
    return from;
  };

  const snapshot = (): WorkOrderState => ({ ...state, deadlines: clockView(clocks, Date.now()) });

  const { ensure, ensureRole } = createGuards<WorkOrderStatus, Action>('work order', allowedFrom, () => state.status);
  const isSupervisor = (actor: Actor) => supervisorRoles.includes(actor.role);
  const ensureAssigneeOrSupervisor = (actor: Actor, action: Action) => {
    if (isSupervisor(actor) || state.assignee?.id === actor.id) return;
    throw notAllowed(`only the assignee${state.assignee ? ` (${state.assignee.name})` : ''} or a dispatcher may ${action} this order`);
  };

  const clockSpec = (name: WorkOrderClock, policy: SlaPolicySnapshot) => {
    const durations: Record<WorkOrderClock, number | null> = {
      respond: input.priority === 'emergency' ? Math.min(policy.respondMs, policy.emergencyRespondMs) : policy.respondMs,
      arrive: policy.arriveMs,
      complete: policy.completeMs,
      revisit: policy.revisitMs,
    };
    const durationMs = durations[name];
    return durationMs === null ? undefined : { name, durationMs, warnRatio: policy.warnRatio, escalation: policy.escalation };
  };
  const startClocks = (names: WorkOrderClock[], now: number) => {
    for (const name of names) {
      const spec = clockSpec(name, state.policy);
      if (spec) startClock(clocks, spec, now);
    }
  };

  const projection = () => {
    const view = clockView(clocks, Date.now());
    return {
      orderId: state.orderId,
      propertyId: state.propertyId,
      unitId: state.location.unitId ?? null,
      unitCode: state.location.unitCode ?? null,
      commonArea: state.location.commonArea ?? null,
      category: state.category,
      priority: state.priority,
      channel: state.channel,
      description: state.description,
      reporterName: state.reporterName,
      status: state.status,
      assigneeId: state.assignee?.id ?? null,
      assigneeName: state.assignee?.name ?? null,
      assignmentRound: state.assignmentRound,
      rectifications: state.rectifications.count,
      escalationLevel: Math.max(levelBeingRecorded, ...state.escalations.map((e) => e.level)),
      nextDeadline: nextDeadline(view),
      deadlines: view,
      satisfaction: state.satisfaction ?? null,
      createdAt: state.createdAt,
      closedAt: state.closedAt ?? null,
      createdById: state.createdBy.id,
    };
  };

  const { record, changes, settled } = createStepRecorder<WorkOrderStatus>({
    process: 'work-order',
    state,
    assigneeId: () => state.assignee?.id,
    projection,
  });

  const assigneeTargets = (): NotifyTarget[] =>
    state.assignee ? [{ kind: 'staff', id: state.assignee.id }] : [{ kind: 'role', role: 'dispatcher' }];
  const orderPayload = (extra: Record<string, unknown> = {}) => ({
    orderId: state.orderId,
    category: state.category,
    priority: state.priority,
    location: state.location.unitCode ?? state.location.commonArea ?? null,
    ...extra,
  });

  const assign = async (assignee: Assignee, actor: Actor, reason?: string) => {
    const from = state.status;
    const previous = state.assignee;
    state.assignee = assignee;
    state.assignmentRound += 1;
    state.status = 'dispatched';
    await record('dispatch', actor, {
      from,
      ...(reason ? { reason } : {}),
      detail: { assignee, ...(previous ? { previousAssignee: previous } : {}), round: state.assignmentRound },
      notify: { targets: [{ kind: 'staff', id: assignee.id }], template: 'work-order.assigned', payload: orderPayload() },
    });
  };

  /** Automatic dispatch: the least-loaded active member of the category's department. */
  const autoDispatch = async (preferred?: Assignee) => {
    const round = state.assignmentRound + 1;
    const picked = await assignTechnician({
      workflowId,
      propertyId: state.propertyId,
      departmentCode: state.policy.departmentCode,
      round,
      ...(preferred ? { preferredId: preferred.id } : {}),
    });
    // Someone may have dispatched by hand while we looked.
    if (state.status !== 'received' || state.assignmentRound >= round) return;
    if (picked) {
      await assign(picked, systemActor, preferred && picked.id !== preferred.id ? 'previous assignee unavailable' : undefined);
    } else {
      await record('dispatch.manual-needed', systemActor, {
        reason: `nobody active in ${state.policy.departmentCode} can take it`,
        notify: { targets: [{ kind: 'role', role: 'dispatcher' }], template: 'work-order.needs-dispatch', payload: orderPayload() },
      });
    }
  };

  const fire = async (event: SlaEvent) => {
    const escalation = await fireSlaEvent(clocks, event, {
      record,
      warningTargets: (e) => (e.clock === 'revisit' ? revisitRoles.map((role): NotifyTarget => ({ kind: 'role', role })) : assigneeTargets()),
      payload: orderPayload,
      escalationPayload: { assignee: state.assignee?.name ?? null },
      beforeEscalation: (e) => {
        levelBeingRecorded = Math.max(levelBeingRecorded, e.level);
      },
    });
    if (escalation) state.escalations.push(escalation);
  };

  setHandler(workOrderQuery, snapshot);

  setHandler(
    dispatchUpdate,
    async ({ actor, assignee, reason }) => {
      await assign(assignee, actor, reason ?? 'manual dispatch');
      return snapshot();
    },
    {
      validator: ({ actor, assignee }: DispatchArgs) => {
        ensure('dispatch');
        ensureRole(actor, supervisorRoles, 'dispatch');
        if (state.assignee?.id === assignee.id && state.status !== 'received') {
          throw invalidArgument('assigneeId', `the order is already assigned to ${assignee.name}`);
        }
      },
    },
  );

  setHandler(
    acceptUpdate,
    async ({ actor }) => {
      stopClock(clocks, 'respond', Date.now());
      await record('accept', actor, { from: moveTo('accepted') });
      return snapshot();
    },
    {
      validator: ({ actor }: AcceptArgs) => {
        ensure('accept');
        ensureAssigneeOrSupervisor(actor, 'accept');
      },
    },
  );

  setHandler(
    arriveUpdate,
    async ({ actor }) => {
      stopClock(clocks, 'arrive', Date.now());
      await record('arrive', actor, { from: moveTo('on_site') });
      return snapshot();
    },
    {
      validator: ({ actor }: ArriveArgs) => {
        ensure('arrive');
        ensureAssigneeOrSupervisor(actor, 'arrive');
      },
    },
  );

  setHandler(
    completeUpdate,
    async ({ actor, summary, materials, photos }) => {
      // The revisit clock starts now, on the policy in force now.
      const policy = await loadSlaPolicy({ propertyId: state.propertyId, category: state.category });
      ensure('complete');
      if (policy) state.policy = policy;
      const now = Date.now();
      stopClock(clocks, 'complete', now);
      stopClock(clocks, 'arrive', now);
      startClocks(['revisit'], now);
      state.completion = { at: now, by: actor, summary, materials, photos };
      const from = moveTo('completed');
      await record('complete', actor, {
        from,
        detail: { summary, materials, photos },
        notify: { targets: [{ kind: 'reporter' }], template: 'work-order.completed', payload: orderPayload({ summary }) },
      });
      return snapshot();
    },
    {
      validator: ({ actor, summary }: CompleteArgs) => {
        ensure('complete');
        ensureAssigneeOrSupervisor(actor, 'complete');
        if (!summary.trim()) throw invalidArgument('summary', 'must say what was done');
      },
    },
  );

  setHandler(
    revisitUpdate,
    async ({ actor, satisfied, score, comment }) => {
      const now0 = Date.now();
      if (satisfied) {
        stopClock(clocks, 'revisit', now0);
        state.revisits.push({ at: now0, by: actor, satisfied, score, ...(comment ? { comment } : {}) });
        state.satisfaction = score;
        state.closedAt = now0;
        const from = moveTo('closed');
        await record('revisit', actor, {
          from,
          detail: { satisfied, score, ...(comment ? { comment } : {}) },
          notify: { targets: [{ kind: 'reporter' }], template: 'work-order.closed', payload: orderPayload({ score }) },
        });
        return snapshot();
      }
      // Rectification (整改): back to dispatch with the reason, on the policy in force now,
      // to the same assignee if they can still take it.
      const [policy, picked] = await Promise.all([
        loadSlaPolicy({ propertyId: state.propertyId, category: state.category }),
        assignTechnician({
          workflowId,
          propertyId: state.propertyId,
          departmentCode: state.policy.departmentCode,
          round: state.assignmentRound + 1,
          ...(state.assignee ? { preferredId: state.assignee.id } : {}),
        }),
      ]);
      ensure('revisit');
      if (policy) state.policy = policy;
      const now = Date.now();
      stopClock(clocks, 'revisit', now);
      state.revisits.push({ at: now, by: actor, satisfied, score, ...(comment ? { comment } : {}) });
      const reason = comment?.trim() || 'owner not satisfied';
      state.rectifications.count += 1;
      state.rectifications.reasons.push({ at: now, reason, by: actor });
      startClocks(['respond', 'arrive', 'complete'], now);
      const from = state.status;
      if (picked) {
        state.assignee = picked;
        state.assignmentRound += 1;
        state.status = 'dispatched';
      } else {
        state.status = 'received';
      }
      await record('rectify', actor, {
        from,
        reason,
        detail: { satisfied, score, rectification: state.rectifications.count, assignee: state.assignee ?? null },
        notify: picked
          ? { targets: [{ kind: 'staff', id: picked.id }], template: 'work-order.rectification', payload: orderPayload({ reason }) }
          : { targets: [{ kind: 'role', role: 'dispatcher' }], template: 'work-order.needs-dispatch', payload: orderPayload({ reason }) },
      });
      const threshold = state.policy.rectificationEscalateAfter;
      if (state.rectifications.count >= threshold) {
        // Repeated rectification goes to the project manager, once per rectification past the threshold.
        levelBeingRecorded = Math.max(levelBeingRecorded, 1);
        const result = await record('rectification.escalated', systemActor, {
          reason: `rectified ${state.rectifications.count} times (threshold ${threshold})`,
          detail: { rectifications: state.rectifications.count, role: 'manager' },
          notify: { targets: [{ kind: 'role', role: 'manager' }], template: 'work-order.repeated-rectification', payload: orderPayload({ rectifications: state.rectifications.count, reason }) },
          slaEvent: { clock: 'rectification', run: state.rectifications.count, level: 1, role: 'manager', deadline: now, dueAt: now },
        });
        state.escalations.push({ clock: 'rectification', run: state.rectifications.count, level: 1, role: 'manager', deadline: now, firedAt: now, recipients: result.recipients });
      }
      return snapshot();
    },
    {
      validator: ({ actor, score, satisfied, comment }: RevisitArgs) => {
        ensure('revisit');
        ensureRole(actor, revisitRoles, 'revisit');
        if (!Number.isInteger(score) || score < 1 || score > 5) throw invalidArgument('score', 'must be a whole number from 1 to 5');
        if (!satisfied && !comment?.trim()) throw invalidArgument('comment', 'must say why the owner is not satisfied');
      },
    },
  );

  setHandler(
    holdUpdate,
    async ({ actor, reason }) => {
      pauseAll(clocks, Date.now());
      state.statusBeforeHold = state.status;
      state.holdReason = reason;
      const from = moveTo('on_hold');
      await record('hold', actor, { from, reason });
      return snapshot();
    },
    {
      validator: ({ actor, reason }: HoldArgs) => {
        ensure('hold');
        ensureAssigneeOrSupervisor(actor, 'hold');
        if (!reason.trim()) throw invalidArgument('reason', 'must say why the order is on hold');
      },
    },
  );

  setHandler(
    resumeUpdate,
    async ({ actor, reason }) => {
      resumeAll(clocks, Date.now());
      const from = state.status;
      state.status = state.statusBeforeHold ?? 'dispatched';
      delete state.statusBeforeHold;
      delete state.holdReason;
      await record('resume', actor, { from, ...(reason ? { reason } : {}) });
      return snapshot();
    },
    {
      validator: ({ actor }: ResumeArgs) => {
        ensure('resume');
        ensureAssigneeOrSupervisor(actor, 'resume');
      },
    },
  );

  setHandler(
    cancelUpdate,
    async ({ actor, reason }) => {
      const now = Date.now();
      if (state.status === 'on_hold') resumeAll(clocks, now);
      for (const c of [...clocks.clocks]) stopClock(clocks, c.name, now);
      state.cancelReason = reason;
      state.closedAt = now;
      const from = moveTo('cancelled');
      await record('cancel', actor, {
        from,
        reason,
        notify: { targets: state.assignee ? [{ kind: 'staff', id: state.assignee.id }] : [], template: 'work-order.cancelled', payload: orderPayload({ reason }) },
      });
      return snapshot();
    },
    {
      validator: ({ actor, reason }: CancelArgs) => {
        ensure('cancel');
        const mayCancel = isSupervisor(actor) || revisitRoles.includes(actor.role) || actor.id === state.createdBy.id;
        if (!mayCancel) throw notAllowed(`role ${actor.role} may not cancel this order (front desk, concierge, a dispatcher or whoever registered it may)`);
        if (!reason.trim()) throw invalidArgument('reason', 'must say why the order is cancelled');
      },
    },
  );

  upsertSearchAttributes([
    { key: propertyIdKey, value: state.propertyId },
    { key: categoryKey, value: state.category },
  ]);
  startClocks(['respond', 'arrive', 'complete'], state.createdAt);
  await record('receive', input.createdBy, {
    detail: { channel: input.channel, category: input.category, priority: input.priority, location: input.location, photos: input.photos.length },
    ...(input.reporter.phone ? { projection: { reporterPhone: input.reporter.phone } } : {}),
  });
  await autoDispatch();

  await runSlaLoop(clocks, { done: () => finalWorkOrderStatuses.includes(state.status), changes, fire });

  await condition(allHandlersFinished);
  await settled();
  return { orderId: state.orderId, status: state.status, ...(state.satisfaction !== undefined ? { satisfaction: state.satisfaction } : {}) };
}
