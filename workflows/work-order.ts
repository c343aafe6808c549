/**
 * The repair / service request loop (报修闭环, shared/DOMAIN.md §1) as one durable workflow:
 * received → dispatched → accepted → on site → completed → revisited → closed, with
 * rectification back to dispatch, holds that pause the clocks, and cancellation. Its
 * transition table, clocks and handlers; everything else is the process kit's.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { Actor } from '../domain/roles.js';
import { createProcess, databaseActivity, nextDeadline, type Process, type TransitionTable } from './shared/process.js';
import { invalidArgument, reportIdentity, requireText, systemActor, type Assignee, type NotifyTarget, type RevisitArgs } from './shared/steps.js';
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
  type WorkOrderClock,
  type WorkOrderInput,
  type WorkOrderState,
  type WorkOrderStatus,
} from './work-order.contract.js';

type Activities = ReturnType<typeof createActivities>;

const { assignTechnician, loadSlaPolicy } = proxyActivities<Activities>(databaseActivity);

const working = ['received', 'dispatched', 'accepted', 'on_site'] as const;

/** Every step of a repair order: where it may start, where it leads, who may take it. */
export const workOrderTransitions = {
  dispatch: { from: ['received', 'dispatched', 'accepted'], to: ['dispatched'], roles: supervisorRoles },
  accept: { from: ['dispatched'], to: ['accepted'], roles: supervisorRoles, parties: ['assignee'] },
  arrive: { from: ['accepted'], to: ['on_site'], roles: supervisorRoles, parties: ['assignee'] },
  complete: { from: ['on_site'], to: ['completed'], roles: supervisorRoles, parties: ['assignee'] },
  revisit: { from: ['completed'], to: ['closed', 'dispatched', 'received'], roles: revisitRoles },
  hold: { from: working, to: ['on_hold'], roles: supervisorRoles, parties: ['assignee'] },
  resume: { from: ['on_hold'], to: working, roles: supervisorRoles, parties: ['assignee'] },
  cancel: { from: [...working, 'on_hold'], to: ['cancelled'], roles: [...supervisorRoles, ...revisitRoles], parties: ['creator'] },
} as const satisfies TransitionTable<WorkOrderStatus, string>;
type Action = keyof typeof workOrderTransitions;

/** One running order: its input, its state and its kit. */
interface WorkOrder {
  input: WorkOrderInput;
  state: WorkOrderState;
  p: Process<'work-order', WorkOrderStatus, Action, WorkOrderClock>;
  /** The level of an escalation whose step is being recorded: its own projection row already shows it. */
  recording: { level: number };
  payload: (extra?: Record<string, unknown>) => Record<string, unknown>;
}

/** A repair or service request, from registration until the owner is satisfied or it is cancelled. */
export async function workOrderWorkflow(input: WorkOrderInput): Promise<{ orderId: string; status: WorkOrderStatus; satisfaction?: number }> {
  const o = workOrder(input);
  const { state, p } = o;
  p.snapshot(workOrderQuery, (deadlines) => ({ ...state, deadlines }));
  for (const register of [dispatchStep, acceptStep, arriveStep, completeStep, revisitStep, holdStep, resumeStep, cancelStep]) register(o);

  await p.open({
    category: state.category,
    clocks: ['respond', 'arrive', 'complete'],
    // What was received is the projection's identity, which this first step carries.
    detail: { photos: input.photos.length },
  });
  await autoDispatch(o);
  await p.runToEnd();
  return { orderId: state.orderId, status: state.status, ...(state.satisfaction !== undefined ? { satisfaction: state.satisfaction } : {}) };
}

/** The order's state, clocks (from its policy) and projection, on the kit. */
function workOrder(input: WorkOrderInput): WorkOrder {
  const state = newWorkOrderState(input, Date.now());
  const payload = (extra: Record<string, unknown> = {}) => ({
    orderId: state.orderId,
    category: state.category,
    priority: state.priority,
    location: state.location.unitCode ?? state.location.commonArea ?? null,
    ...extra,
  });
  const clockMs = (name: WorkOrderClock): number | null => {
    const { policy } = state;
    if (name === 'respond') return input.priority === 'emergency' ? Math.min(policy.respondMs, policy.emergencyRespondMs) : policy.respondMs;
    return { arrive: policy.arriveMs, complete: policy.completeMs, revisit: policy.revisitMs }[name];
  };
  const recording = { level: 0 };
  const escalationLevel = () => Math.max(recording.level, ...state.escalations.map((e) => e.level));
  const p = createProcess({
    kind: 'work-order',
    noun: 'work order',
    reporter: 'owner',
    table: workOrderTransitions,
    final: finalWorkOrderStatuses,
    state,
    clock: (name: WorkOrderClock) => {
      const durationMs = clockMs(name);
      return durationMs === null ? undefined : { name, durationMs, warnRatio: state.policy.warnRatio, escalation: state.policy.escalation };
    },
    assignee: () => state.assignee,
    identity: () => reportIdentity(state.orderId, state),
    live: (view) => ({
      status: state.status,
      ...(state.assignee ? { assigneeId: state.assignee.id, assigneeName: state.assignee.name } : {}),
      // A counter never goes back to 0, so while it is 0 its column needs no word.
      ...(state.assignmentRound ? { assignmentRound: state.assignmentRound } : {}),
      ...(state.rectifications.count ? { rectifications: state.rectifications.count } : {}),
      ...(escalationLevel() ? { escalationLevel: escalationLevel() } : {}),
      nextDeadline: nextDeadline(view),
      ...(state.satisfaction !== undefined ? { satisfaction: state.satisfaction } : {}),
      ...(state.closedAt !== undefined ? { closedAt: state.closedAt } : {}),
    }),
    sla: {
      warningTargets: (e) => (e.clock === 'revisit' ? revisitRoles.map((role): NotifyTarget => ({ kind: 'role', role })) : assigneeTargets(state)),
      payload,
      escalationPayload: () => ({ assignee: state.assignee?.name ?? null }),
      escalating: (e) => {
        recording.level = Math.max(recording.level, e.level);
      },
      escalated: (fired) => state.escalations.push(fired),
    },
  });
  return { input, state, p, recording, payload };
}

const assigneeTargets = (state: WorkOrderState): NotifyTarget[] =>
  state.assignee ? [{ kind: 'staff', id: state.assignee.id }] : [{ kind: 'role', role: 'dispatcher' }];

/** Give the order to `assignee` (a new round of assignment). */
async function assign(o: WorkOrder, assignee: Assignee, actor: Actor, reason?: string): Promise<void> {
  const { state } = o;
  const previous = state.assignee;
  const round = state.assignmentRound + 1;
  await o.p.transition('dispatch', actor, {
    apply: () => {
      state.assignee = assignee;
      state.assignmentRound = round;
    },
    ...(reason ? { reason } : {}),
    detail: { assignee, ...(previous ? { previousAssignee: previous } : {}), round },
    notify: { targets: [{ kind: 'staff', id: assignee.id }], template: 'work-order.assigned', payload: o.payload() },
  });
}

/** Automatic dispatch: the least-loaded active member of the category's department, or a call for a dispatcher. */
async function autoDispatch(o: WorkOrder, preferred?: Assignee): Promise<void> {
  const { state } = o;
  const round = state.assignmentRound + 1;
  // A pick the database refuses for good is recorded and flagged; the dispatchers take the order by hand.
  const picked = await o.p.attempt(
    'assignTechnician',
    () =>
      assignTechnician({
        workflowId: workflowInfo().workflowId,
        propertyId: state.propertyId,
        departmentCode: state.policy.departmentCode,
        round,
        ...(preferred ? { preferredId: preferred.id } : {}),
      }),
    null,
  );
  // Someone may have dispatched by hand while we looked.
  if (state.status !== 'received' || state.assignmentRound >= round) return;
  if (picked) {
    await assign(o, picked, systemActor, preferred && picked.id !== preferred.id ? 'previous assignee unavailable' : undefined);
    return;
  }
  await o.p.record('dispatch.manual-needed', systemActor, {
    reason: `nobody active in ${state.policy.departmentCode} can take it`,
    notify: { targets: [{ kind: 'role', role: 'dispatcher' }], template: 'work-order.needs-dispatch', payload: o.payload() },
  });
}

function dispatchStep(o: WorkOrder): void {
  o.p.step(dispatchUpdate, 'dispatch', {
    validate: ({ assignee }) => {
      if (o.state.assignee?.id === assignee.id && o.state.status !== 'received') throw invalidArgument('assigneeId', `the order is already assigned to ${assignee.name}`);
    },
    run: ({ actor, assignee, reason }) => assign(o, assignee, actor, reason ?? 'manual dispatch'),
  });
}

function acceptStep(o: WorkOrder): void {
  o.p.step(acceptUpdate, 'accept', { run: ({ actor }) => o.p.transition('accept', actor, { apply: (now) => o.p.stopClocks(['respond'], now) }) });
}

function arriveStep(o: WorkOrder): void {
  o.p.step(arriveUpdate, 'arrive', { run: ({ actor }) => o.p.transition('arrive', actor, { apply: (now) => o.p.stopClocks(['arrive'], now) }) });
}

function completeStep(o: WorkOrder): void {
  const { state, p } = o;
  p.step(completeUpdate, 'complete', {
    validate: ({ summary }) => requireText('summary', summary, 'must say what was done'),
    run: async ({ actor, summary, materials, photos }) => {
      // The revisit clock starts now, on the policy in force now.
      const policy = await loadSlaPolicy({ propertyId: state.propertyId, category: state.category });
      await p.transition('complete', actor, {
        apply: (now) => {
          if (policy) state.policy = policy;
          p.stopClocks(['complete', 'arrive'], now);
          p.startClocks(['revisit'], now);
          state.completion = { at: now, by: actor, summary, materials, photos };
        },
        detail: { summary, materials, photos },
        notify: { targets: [{ kind: 'reporter' }], template: 'work-order.completed', payload: o.payload({ summary }) },
      });
    },
  });
}

function revisitStep(o: WorkOrder): void {
  o.p.revisitStep(revisitUpdate, 'revisit', { closed: 'closed', rework: (args) => rectify(o, args) });
}

/**
 * Rectification (整改): back to dispatch with the reason, on the policy in force now, to the
 * same assignee if they can still take it; past the policy's threshold the project manager hears of it.
 */
async function rectify(o: WorkOrder, { actor, satisfied, score, comment }: RevisitArgs): Promise<void> {
  const { state, p } = o;
  const [policy, picked] = await Promise.all([
    loadSlaPolicy({ propertyId: state.propertyId, category: state.category }),
    assignTechnician({
      workflowId: workflowInfo().workflowId,
      propertyId: state.propertyId,
      departmentCode: state.policy.departmentCode,
      round: state.assignmentRound + 1,
      ...(state.assignee ? { preferredId: state.assignee.id } : {}),
    }),
  ]);
  p.ensureFrom('revisit');
  const now = Date.now();
  const reason = comment?.trim() || 'owner not satisfied';
  if (policy) state.policy = policy;
  p.stopClocks(['revisit'], now);
  state.revisits.push({ at: now, by: actor, satisfied, score, ...(comment ? { comment } : {}) });
  state.rectifications.count += 1;
  state.rectifications.reasons.push({ at: now, reason, by: actor });
  p.startClocks(['respond', 'arrive', 'complete'], now);
  if (picked) {
    state.assignee = picked;
    state.assignmentRound += 1;
  }
  await p.transition('revisit', actor, {
    recordAs: 'rectify',
    to: picked ? 'dispatched' : 'received',
    reason,
    detail: { satisfied, score, rectification: state.rectifications.count, assignee: state.assignee ?? null },
    notify: picked
      ? { targets: [{ kind: 'staff', id: picked.id }], template: 'work-order.rectification', payload: o.payload({ reason }) }
      : { targets: [{ kind: 'role', role: 'dispatcher' }], template: 'work-order.needs-dispatch', payload: o.payload({ reason }) },
  });
  const count = state.rectifications.count;
  const threshold = state.policy.rectificationEscalateAfter;
  if (count < threshold) return;
  // Repeated rectification goes to the project manager, once per rectification past the threshold.
  o.recording.level = Math.max(o.recording.level, 1);
  const fired = await p.escalateRepeat({
    action: 'rectification.escalated',
    clock: 'rectification',
    run: count,
    level: 1,
    role: 'manager',
    reason: `rectified ${count} times (threshold ${threshold})`,
    detail: { rectifications: count, role: 'manager' },
    template: 'work-order.repeated-rectification',
    payload: o.payload({ rectifications: count, reason }),
  });
  state.escalations.push(fired);
}

function holdStep(o: WorkOrder): void {
  const { state, p } = o;
  p.step(holdUpdate, 'hold', {
    validate: ({ reason }) => requireText('reason', reason, 'must say why the order is on hold'),
    run: ({ actor, reason }) =>
      p.transition('hold', actor, {
        reason,
        apply: (now) => {
          p.pauseClocks(now);
          state.statusBeforeHold = state.status;
          state.holdReason = reason;
        },
      }),
  });
}

function resumeStep(o: WorkOrder): void {
  const { state, p } = o;
  p.step(resumeUpdate, 'resume', {
    run: ({ actor, reason }) =>
      p.transition('resume', actor, {
        to: state.statusBeforeHold ?? 'dispatched',
        ...(reason ? { reason } : {}),
        apply: (now) => {
          p.resumeClocks(now);
          delete state.statusBeforeHold;
          delete state.holdReason;
        },
      }),
  });
}

function cancelStep(o: WorkOrder): void {
  const { state, p } = o;
  p.exitStep(cancelUpdate, 'cancel', {
    why: 'must say why the order is cancelled',
    end: ({ reason }, now) => {
      state.cancelReason = reason;
      state.closedAt = now;
    },
    notify: ({ reason }) => ({ targets: state.assignee ? [{ kind: 'staff', id: state.assignee.id }] : [], template: 'work-order.cancelled', payload: o.payload({ reason }) }),
  });
}
