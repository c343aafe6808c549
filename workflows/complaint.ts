/**
 * The complaint loop (投诉, shared/DOMAIN.md §2) as one durable workflow:
 * received → assigned → responded → resolved / revisiting → closed, with reopening when the
 * complainant is not satisfied, withdrawal, repair orders as child workflows, and escalation
 * up the property's chain, one level per configured delay, while a window is missed. Its
 * transition table, clocks and handlers; everything else is the process kit's.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { Role } from '../domain/roles.js';
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
  type ComplaintClock,
  type ComplaintInput,
  type ComplaintLive,
  type ComplaintState,
  type ComplaintStatus,
  type EscalateArgs,
} from './complaint.contract.js';
import { createProcess, databaseActivity, nextDeadline, type Process, type TransitionTable } from './shared/process.js';
import { repairOrderStep } from './shared/repair-orders.js';
import { blockedStep, invalidArgument, reportIdentity, requireScore, requireText, type NotifyTarget, type RevisitArgs } from './shared/steps.js';
import type { SlaClockView } from './sla/clocks.js';

type Activities = ReturnType<typeof createActivities>;

const { loadComplaintPolicy } = proxyActivities<Activities>(databaseActivity);

const open = ['received', 'assigned', 'responded', 'resolved', 'revisiting'] as const;

/** Every step of a complaint: where it may start, where it leads, who may take it. */
export const complaintTransitions = {
  assign: { from: ['received', 'assigned', 'responded'], to: ['assigned'], roles: coordinatorRoles },
  respond: { from: ['assigned'], to: ['responded'], roles: coordinatorRoles, parties: ['assignee'] },
  addWorkOrder: { from: ['assigned', 'responded'], roles: coordinatorRoles, parties: ['assignee'] },
  resolve: { from: ['responded'], to: ['resolved', 'revisiting'], roles: coordinatorRoles, parties: ['assignee'] },
  revisit: { from: ['resolved', 'revisiting'], to: ['closed', 'responded'], roles: complaintRevisitRoles },
  close: { from: ['resolved'], to: ['closed'], roles: [...complaintRevisitRoles, ...coordinatorRoles], parties: ['assignee'] },
  escalate: { from: open, roles: escalatorRoles },
  deEscalate: { from: open, roles: escalatorRoles },
  withdraw: { from: open, to: ['withdrawn'], roles: [...complaintRevisitRoles, ...coordinatorRoles], parties: ['assignee', 'creator'] },
} as const satisfies TransitionTable<ComplaintStatus, string>;
type Action = keyof typeof complaintTransitions;

/** One running complaint: its state, its kit, and the steps recorded in the background. */
interface Complaint {
  state: ComplaintState;
  p: Process<'complaint', ComplaintStatus, Action, ComplaintClock>;
  payload: (extra?: Record<string, unknown>) => Record<string, unknown>;
  /** Steps recorded when a child repair order finishes: awaited before the workflow ends. */
  childSteps: Promise<unknown>[];
  /** Manual escalations so far: each is its own run of the `manual` clock. */
  manual: { runs: number };
}

/** A complaint, from registration until the complainant is satisfied, it is closed, or withdrawn. */
export async function complaintWorkflow(input: ComplaintInput): Promise<{ complaintId: string; status: ComplaintStatus; satisfaction?: number }> {
  const c = complaint(input);
  const { state, p } = c;
  p.snapshot(complaintQuery, (deadlines) => ({ ...state, deadlines }));
  for (const register of [assignStep, respondStep, addWorkOrderStep, resolveStep, revisitStep, closeStep, escalateSteps, withdrawStep]) register(c);

  await p.open({
    category: state.category,
    clocks: ['respond', 'resolve'],
    notify: { targets: [{ kind: 'department', department: 'management' }], template: 'complaint.received', payload: c.payload({ channel: input.channel }) },
  });
  await p.runToEnd(() => Promise.all(c.childSteps));
  return { complaintId: state.complaintId, status: state.status, ...(state.satisfaction !== undefined ? { satisfaction: state.satisfaction } : {}) };
}

/** The complaint's state, clocks (from its policy) and projection, on the kit. */
function complaint(input: ComplaintInput): Complaint {
  const state = newComplaintState(input, Date.now());
  const payload = (extra: Record<string, unknown> = {}) => ({
    complaintId: state.complaintId,
    category: state.category,
    priority: state.priority,
    location: state.location.unitCode ?? state.location.commonArea ?? null,
    ...extra,
  });
  const p = createProcess({
    kind: 'complaint',
    noun: 'complaint',
    reporter: 'complainant',
    table: complaintTransitions,
    final: finalComplaintStatuses,
    state,
    clock: (name: ComplaintClock) => {
      const { policy } = state;
      const durationMs = { respond: policy.respondMs, resolve: policy.resolveMs, revisit: policy.revisitMs }[name];
      return { name, durationMs, warnRatio: policy.warnRatio, escalation: policy.escalation };
    },
    assignee: () => state.handler,
    identity: () => ({ ...reportIdentity(state.complaintId, state), urgent: state.urgent }),
    live: (view) => complaintLive(state, view),
    sla: {
      warningTargets: (e) => (e.clock === 'revisit' ? complaintRevisitRoles.map((role): NotifyTarget => ({ kind: 'role', role })) : handlerTargets(state)),
      payload,
      escalationPayload: () => ({ handler: state.handler?.name ?? null }),
      escalating: (e) => {
        state.escalationLevel = Math.max(state.escalationLevel, e.level);
      },
      escalated: (fired) => state.escalations.push({ ...fired, direction: 'up' }),
    },
  });
  return { state, p, payload, childSteps: [], manual: { runs: 0 } };
}

/** The complaint projection's changing part: what lists and the SLA statistics read. */
function complaintLive(state: ComplaintState, view: SlaClockView[]): ComplaintLive {
  const runs = (name: ComplaintClock) => view.filter((c) => c.name === name);
  const firstRespond = runs('respond').find((c) => c.run === 1);
  const liveResolve = runs('resolve').find((c) => c.state === 'running' || c.state === 'paused');
  const resolveMissed = runs('resolve').some((c) => c.met === false);
  const firstResponse = state.responses[0];
  const lastResolution = state.resolutions[state.resolutions.length - 1];
  return {
    status: state.status,
    department: state.department ?? null,
    handlerId: state.handler?.id ?? null,
    handlerName: state.handler?.name ?? null,
    assignmentRound: state.assignmentRound,
    escalationLevel: state.escalationLevel,
    reopens: state.reopens.count,
    nextDeadline: nextDeadline(view),
    workOrders: state.workOrders.map(({ orderId, category, status, startedAt, finishedAt }) => ({ orderId, category, status, startedAt, ...(finishedAt !== undefined ? { finishedAt } : {}) })),
    openWorkOrders: openWorkOrders(state).length,
    respondedAt: firstResponse?.at ?? null,
    respondDeadline: firstRespond?.deadline ?? null,
    // Known once answered, or once the first window ran out unanswered.
    respondMet: firstResponse ? (firstRespond?.met ?? null) : firstRespond?.met === false ? false : null,
    resolvedAt: lastResolution?.at ?? null,
    resolveDeadline: liveResolve?.deadline ?? null,
    resolveMet: resolveMissed ? false : lastResolution ? true : null,
    satisfaction: state.satisfaction ?? null,
    closedAt: state.closedAt ?? null,
  };
}

const openWorkOrders = (state: ComplaintState) => state.workOrders.filter((o) => o.status === 'open');
const handlerTargets = (state: ComplaintState): NotifyTarget[] =>
  state.handler ? [{ kind: 'staff', id: state.handler.id }] : [{ kind: 'department', department: 'management' }];
/** The role told at an escalation level of the policy's chain. */
const levelRole = (state: ComplaintState, level: number): Role | undefined => state.policy.escalation.find((r) => r.level === level)?.role;
const topLevel = (state: ComplaintState) => Math.max(0, ...state.policy.escalation.map((r) => r.level));

/** Reload the policy in force now for the complaint's priority (a clock is about to start). */
async function refreshPolicy(state: ComplaintState): Promise<void> {
  const policy = await loadComplaintPolicy({ propertyId: state.propertyId, priority: state.priority });
  if (policy) state.policy = policy;
}

function assignStep(c: Complaint): void {
  const { state, p } = c;
  p.step(assignUpdate, 'assign', {
    validate: ({ handler, department }) => {
      if (state.handler?.id === handler.id && state.department === department) throw invalidArgument('handlerId', `the complaint is already with ${handler.name} (${department})`);
    },
    run: ({ actor, handler, department, reason }) => {
      const previous = state.handler;
      const previousDepartment = state.department;
      const round = state.assignmentRound + 1;
      return p.transition('assign', actor, {
        recordAs: previous ? 'reassign' : 'assign',
        to: state.status === 'received' ? 'assigned' : state.status,
        apply: () => {
          state.handler = handler;
          state.department = department;
          state.assignmentRound = round;
        },
        ...(reason ? { reason } : {}),
        detail: { handler, department, round, ...(previous ? { previousHandler: previous, previousDepartment } : {}) },
        notify: { targets: [{ kind: 'staff', id: handler.id }], template: 'complaint.assigned', payload: c.payload({ department }) },
      });
    },
  });
}

function respondStep(c: Complaint): void {
  const { state, p } = c;
  p.step(respondUpdate, 'respond', {
    validate: ({ message }) => requireText('message', message, 'must say what the complainant is told'),
    run: ({ actor, message }) =>
      p.transition('respond', actor, {
        apply: (now) => {
          p.stopClocks(['respond'], now);
          state.responses.push({ at: now, by: actor, message });
        },
        detail: { message },
        notify: { targets: [{ kind: 'reporter' }], template: 'complaint.responded', payload: c.payload({ message }) },
      }),
  });
}

/** A repair order started as a child; a withdrawn or closed complaint never stops a repair in progress. */
function addWorkOrderStep(c: Complaint): void {
  const { state, p } = c;
  repairOrderStep(p, addWorkOrderUpdate, 'addWorkOrder', {
    links: state.workOrders,
    owner: { propertyId: state.propertyId, noun: 'complaint' },
    status: () => state.status,
    // Its handler may now resolve.
    finished: (order) => ({ targets: handlerTargets(state), template: 'complaint.work-order-finished', payload: c.payload({ orderId: order.orderId, status: order.status }) }),
    background: c.childSteps,
    waitForChildren: false,
  });
}

/** 409 while a repair order started from the complaint is still open. */
function ensureNoOpenWorkOrders(state: ComplaintState): void {
  const orders = openWorkOrders(state);
  if (orders.length) throw blockedStep('resolve', state.status, `repair order${orders.length > 1 ? 's' : ''} ${orders.map((o) => o.orderId).join(', ')} still open`);
}

function resolveStep(c: Complaint): void {
  const { state, p } = c;
  p.step(resolveUpdate, 'resolve', {
    validate: ({ resolution }) => {
      requireText('resolution', resolution, 'must say how the complaint was resolved');
      ensureNoOpenWorkOrders(state);
    },
    run: async ({ actor, resolution, followUp }) => {
      // The revisit clock starts now, on the policy in force now.
      if (followUp) await refreshPolicy(state);
      p.ensureFrom('resolve');
      ensureNoOpenWorkOrders(state);
      await p.transition('resolve', actor, {
        to: followUp ? 'revisiting' : 'resolved',
        apply: (now) => {
          p.stopClocks(['resolve'], now);
          if (followUp) p.startClocks(['revisit'], now);
          state.resolutions.push({ at: now, by: actor, resolution, followUp });
        },
        detail: { resolution, followUp },
        notify: { targets: [{ kind: 'reporter' }], template: 'complaint.resolved', payload: c.payload({ resolution }) },
      });
    },
  });
}

function revisitStep(c: Complaint): void {
  c.p.revisitStep(revisitUpdate, 'revisit', { closed: 'closed', rework: (args) => reopen(c, args) });
}

/** Reopened: back to the handler with the reason, on a fresh resolve window of the policy in force now; too many reopens climb the chain. */
async function reopen(c: Complaint, { actor, satisfied, score, comment }: RevisitArgs): Promise<void> {
  const { state, p } = c;
  await refreshPolicy(state);
  p.ensureFrom('revisit');
  const now = Date.now();
  const reason = comment?.trim() || 'complainant not satisfied';
  p.stopClocks(['revisit'], now);
  state.revisits.push({ at: now, by: actor, satisfied, score, ...(comment ? { comment } : {}) });
  state.reopens.count += 1;
  state.reopens.reasons.push({ at: now, reason, by: actor });
  p.startClocks(['resolve'], now);
  await p.transition('revisit', actor, {
    recordAs: 'reopen',
    to: 'responded',
    reason,
    detail: { satisfied, score, reopens: state.reopens.count },
    notify: { targets: handlerTargets(state), template: 'complaint.reopened', payload: c.payload({ reason, reopens: state.reopens.count }) },
  });
  const count = state.reopens.count;
  const threshold = state.policy.reopenEscalateAfter;
  const level = Math.min(state.escalationLevel + 1, topLevel(state));
  const role = levelRole(state, level);
  if (count < threshold || !role) return;
  state.escalationLevel = Math.max(state.escalationLevel, level);
  const fired = await p.escalateRepeat({
    action: 'reopen.escalated',
    clock: 'reopen',
    run: count,
    level,
    role,
    reason: `reopened ${count} times (threshold ${threshold})`,
    detail: { reopens: count, level, role },
    template: 'complaint.repeatedly-reopened',
    payload: c.payload({ reopens: count, level, reason }),
  });
  state.escalations.push({ ...fired, direction: 'up' });
}

function closeStep(c: Complaint): void {
  const { state, p } = c;
  p.step(closeUpdate, 'close', {
    validate: ({ reason, score }) => {
      requireText('reason', reason, 'must say why no follow-up call is needed');
      if (score !== undefined) requireScore(score);
    },
    run: ({ actor, reason, score }) =>
      p.transition('close', actor, {
        reason,
        apply: (now) => {
          if (score !== undefined) state.satisfaction = score;
          state.closeReason = reason;
          state.closedAt = now;
        },
        ...(score !== undefined ? { detail: { score } } : {}),
        notify: { targets: [{ kind: 'reporter' }], template: 'complaint.closed', payload: c.payload(score !== undefined ? { score } : {}) },
      }),
  });
}

/** A director moves the complaint up or down the chain by hand, with a reason (each move its own run of the `manual` clock). */
function escalateSteps(c: Complaint): void {
  const { state, p } = c;
  /** The level a manual move goes to, or a 400 saying why it cannot. */
  const target = (direction: 'up' | 'down', level: number | undefined): number => {
    const current = state.escalationLevel;
    const to = level ?? (direction === 'up' ? current + 1 : current - 1);
    if (direction === 'up' && to <= current) throw invalidArgument('level', `must be above the current level ${current}`);
    if (direction === 'down' && to >= current) throw invalidArgument('level', `must be below the current level ${current}`);
    if (to < 0) throw invalidArgument('level', 'must be 0 (the handler) or more');
    if (to > topLevel(state)) throw invalidArgument('level', `the escalation chain of ${state.priority} complaints ends at level ${topLevel(state)}`);
    return to;
  };
  for (const direction of ['up', 'down'] as const) {
    const up = direction === 'up';
    p.step(up ? escalateUpdate : deEscalateUpdate, up ? 'escalate' : 'deEscalate', {
      validate: ({ reason, level }: EscalateArgs) => {
        requireText('reason', reason, `must say why the complaint is ${up ? 'escalated' : 'brought down'}`);
        target(direction, level);
      },
      run: async ({ actor, reason, level }: EscalateArgs) => {
        const now = Date.now();
        const previous = state.escalationLevel;
        const to = target(direction, level);
        const run = (c.manual.runs += 1);
        state.escalationLevel = to;
        const manual = { clock: 'manual', run, level: to, direction, deadline: now, firedAt: now, by: actor, reason };
        if (up) {
          const role = levelRole(state, to) ?? 'director';
          const result = await p.record('escalate', actor, {
            reason,
            detail: { fromLevel: previous, level: to, role },
            notify: { targets: [{ kind: 'role', role }], template: 'complaint.escalated', payload: c.payload({ level: to, reason }) },
            slaEvent: { clock: 'manual', run, level: to, role, deadline: now, dueAt: now },
          });
          state.escalations.push({ ...manual, role, recipients: result.recipients });
          return;
        }
        const result = await p.record('de-escalate', actor, {
          reason,
          detail: { fromLevel: previous, level: to },
          notify: { targets: handlerTargets(state), template: 'complaint.de-escalated', payload: c.payload({ level: to, reason }) },
        });
        state.escalations.push({ ...manual, role: levelRole(state, to) ?? null, recipients: result.recipients });
      },
    });
  }
}

function withdrawStep(c: Complaint): void {
  const { state, p } = c;
  p.step(withdrawUpdate, 'withdraw', {
    validate: ({ reason }) => requireText('reason', reason, 'must say why the complaint is withdrawn'),
    run: ({ actor, reason }) =>
      p.transition('withdraw', actor, {
        reason,
        apply: (now) => {
          p.stopAllClocks(now);
          state.withdrawReason = reason;
          state.closedAt = now;
        },
        detail: { openWorkOrders: openWorkOrders(state).map((o) => o.orderId) },
        notify: { targets: handlerTargets(state), template: 'complaint.withdrawn', payload: c.payload({ reason }) },
      }),
  });
}
