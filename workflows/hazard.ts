/**
 * A hazard (安全隐患, shared/DOMAIN.md §4) as one durable workflow:
 * reported → assigned → rectifying → awaiting_reinspection → closed, a failed re-inspection
 * going back to rectifying (counted). The rectification deadline comes from the property's
 * policy for the severity and escalates on the shared SLA engine; a major hazard tells the
 * project manager at once; the re-inspector must not be the rectifier; a repair order may be
 * started as a child. Its transition table, clock and handlers; everything else is the kit's.
 */
import {
  assignHazardUpdate,
  finalHazardStatuses,
  hazardQuery,
  hazardSupervisorRoles,
  hazardWorkOrderUpdate,
  newHazardState,
  rectifiedUpdate,
  reinspectorRoles,
  reinspectUpdate,
  startRectifyingUpdate,
  type HazardClock,
  type HazardInput,
  type HazardState,
  type HazardStatus,
} from './hazard.contract.js';
import { createProcess, nextDeadline, type Process, type TransitionTable } from './shared/process.js';
import { repairOrderStep } from './shared/repair-orders.js';
import { blockedStep, invalidArgument, requireText, type NotifyTarget } from './shared/steps.js';

/** Every step of a hazard: where it may start, where it leads, who may take it. */
export const hazardTransitions = {
  assign: { from: ['reported', 'assigned'], to: ['assigned'], roles: hazardSupervisorRoles },
  startRectifying: { from: ['assigned'], to: ['rectifying'], roles: hazardSupervisorRoles, parties: ['assignee'] },
  rectified: { from: ['assigned', 'rectifying'], to: ['awaiting_reinspection'], roles: hazardSupervisorRoles, parties: ['assignee'] },
  reinspect: { from: ['awaiting_reinspection'], to: ['closed', 'rectifying'], roles: reinspectorRoles },
  addWorkOrder: { from: ['reported', 'assigned', 'rectifying'], roles: hazardSupervisorRoles, parties: ['assignee'] },
} as const satisfies TransitionTable<HazardStatus, string>;
type Action = keyof typeof hazardTransitions;

interface Hazard {
  state: HazardState;
  p: Process<'hazard', HazardStatus, Action, HazardClock>;
  payload: (extra?: Record<string, unknown>) => Record<string, unknown>;
  /** Steps recorded when a repair order finishes: awaited before the workflow ends. */
  childSteps: Promise<unknown>[];
}

/** A hazard, from its report until a re-inspection passes it. */
export async function hazardWorkflow(input: HazardInput): Promise<{ hazardId: string; status: HazardStatus; failedReinspections: number }> {
  const h = hazard(input);
  const { state, p } = h;
  p.snapshot(hazardQuery, (deadlines) => ({ ...state, deadlines }));
  for (const register of [assignStep, startStep, rectifiedStep, reinspectStep, workOrderStep]) register(h);

  // Supervisors always hear of a new hazard; a major one reaches the project manager at once.
  const targets: NotifyTarget[] = [{ kind: 'role', role: 'dispatcher' }, ...(state.severity === 'major' ? [{ kind: 'role' as const, role: 'manager' as const }] : [])];
  await p.open({
    category: state.severity,
    clocks: ['rectify'],
    detail: { severity: state.severity, source: state.source },
    notify: { targets, template: state.severity === 'major' ? 'hazard.major-reported' : 'hazard.reported', payload: h.payload({ source: state.source.kind }) },
  });
  await p.runToEnd(() => Promise.all(h.childSteps));
  return { hazardId: state.hazardId, status: state.status, failedReinspections: state.failedReinspections };
}

function hazard(input: HazardInput): Hazard {
  const state = newHazardState(input, Date.now());
  const payload = (extra: Record<string, unknown> = {}) => ({
    hazardId: state.hazardId,
    severity: state.severity,
    location: state.location.unitCode ?? state.location.commonArea ?? null,
    ...extra,
  });
  const p = createProcess({
    kind: 'hazard',
    noun: 'hazard',
    reporter: 'reporter',
    table: hazardTransitions,
    final: finalHazardStatuses,
    state,
    clock: (name: HazardClock) => ({ name, durationMs: state.policy.rectifyMs, warnRatio: state.policy.warnRatio, escalation: state.policy.escalation }),
    assignee: () => state.rectifier,
    identity: () => ({
      id: state.hazardId,
      unitId: state.location.unitId ?? null,
      unitCode: state.location.unitCode ?? null,
      commonArea: state.location.commonArea ?? null,
      severity: state.severity,
      description: state.description,
      sourceKind: state.source.kind,
      sourceRef: sourceRef(state.source),
      routeId: state.source.kind === 'patrol' ? state.source.routeId : null,
      createdById: state.createdBy.id,
      createdAt: state.createdAt,
    }),
    live: (view) => {
      const rectify = view.filter((c) => c.name === 'rectify');
      const current = rectify.find((c) => c.state === 'running' || c.state === 'paused') ?? rectify[rectify.length - 1];
      return {
        status: state.status,
        rectifierId: state.rectifier?.id ?? null,
        rectifierName: state.rectifier?.name ?? null,
        escalationLevel: state.escalationLevel,
        failedReinspections: state.failedReinspections,
        nextDeadline: nextDeadline(view),
        rectifyDeadline: current?.deadline ?? null,
        overdue: rectify.some((c) => c.breached || c.met === false),
        openWorkOrders: state.workOrders.filter((o) => o.status === 'open').length,
        closedAt: state.closedAt ?? null,
      };
    },
    sla: {
      warningTargets: () => rectifierTargets(state),
      payload,
      escalationPayload: () => ({ rectifier: state.rectifier?.name ?? null }),
      escalating: (e) => {
        state.escalationLevel = Math.max(state.escalationLevel, e.level);
      },
      escalated: ({ run, level, role, deadline, firedAt, recipients }) => state.escalations.push({ run, level, role, deadline, firedAt, recipients }),
    },
  });
  return { state, p, payload, childSteps: [] };
}

const rectifierTargets = (state: HazardState): NotifyTarget[] => (state.rectifier ? [{ kind: 'staff', id: state.rectifier.id }] : [{ kind: 'role', role: 'dispatcher' }]);

function assignStep(h: Hazard): void {
  const { state, p } = h;
  p.step(assignHazardUpdate, 'assign', {
    validate: ({ rectifier }) => {
      if (state.rectifier?.id === rectifier.id) throw invalidArgument('rectifierId', `the hazard is already with ${rectifier.name}`);
    },
    run: ({ actor, rectifier, reason }) => {
      const previous = state.rectifier;
      return p.transition('assign', actor, {
        recordAs: previous ? 'reassign' : 'assign',
        apply: () => {
          state.rectifier = rectifier;
        },
        ...(reason ? { reason } : {}),
        detail: { rectifier, ...(previous ? { previousRectifier: previous } : {}) },
        notify: { targets: [{ kind: 'staff', id: rectifier.id }], template: 'hazard.assigned', payload: h.payload() },
      });
    },
  });
}

function startStep(h: Hazard): void {
  h.p.step(startRectifyingUpdate, 'startRectifying', { run: ({ actor }) => h.p.transition('startRectifying', actor) });
}

/** 409 while a repair order the hazard started is open: the rectification is not done until the repair is. */
function ensureNoOpenOrders(state: HazardState): void {
  const open = state.workOrders.filter((o) => o.status === 'open');
  if (open.length) throw blockedStep('rectified', state.status, `repair order${open.length > 1 ? 's' : ''} ${open.map((o) => o.orderId).join(', ')} still open`);
}

function rectifiedStep(h: Hazard): void {
  const { state, p } = h;
  p.step(rectifiedUpdate, 'rectified', {
    validate: ({ note }) => {
      requireText('note', note, 'must say what was done');
      ensureNoOpenOrders(state);
    },
    run: ({ actor, note, photos }) =>
      p.transition('rectified', actor, {
        apply: (now) => {
          p.stopClocks(['rectify'], now);
          state.rectifications.push({ at: now, by: actor, note, photos });
        },
        detail: { note, photos },
        notify: { targets: reinspectorTargets(), template: 'hazard.reinspection-due', payload: h.payload() },
      }),
  });
}

const reinspectorTargets = (): NotifyTarget[] => [{ kind: 'role', role: 'dispatcher' }];

/** Whoever reported the last rectification done: the one person who may not re-inspect it. */
const lastRectifier = (state: HazardState) => state.rectifications[state.rectifications.length - 1]?.by;

function reinspectStep(h: Hazard): void {
  const { state, p } = h;
  p.step(reinspectUpdate, 'reinspect', {
    validate: ({ actor, passed, note }) => {
      const rectifier = lastRectifier(state);
      if (rectifier?.id === actor.id) throw blockedStep('reinspect', state.status, `${actor.name ?? actor.id} rectified this hazard; the re-inspection (复查) must be done by someone else`);
      if (!passed) requireText('note', note, 'must say what is still wrong');
    },
    run: ({ actor, passed, note }) => {
      if (passed) {
        return p.transition('reinspect', actor, {
          to: 'closed',
          recordAs: 'reinspection.passed',
          apply: (now) => {
            p.stopAllClocks(now);
            state.reinspections.push({ at: now, by: actor, passed, ...(note ? { note } : {}) });
            state.closedAt = now;
          },
          ...(note ? { detail: { note } } : {}),
          notify: { targets: rectifierTargets(state), template: 'hazard.closed', payload: h.payload() },
        });
      }
      return p.transition('reinspect', actor, {
        to: 'rectifying',
        recordAs: 'reinspection.failed',
        // A fresh rectification window of the policy, counted from now; its escalations fire afresh.
        apply: (now) => {
          state.reinspections.push({ at: now, by: actor, passed, ...(note ? { note } : {}) });
          state.failedReinspections += 1;
          p.startClocks(['rectify'], now);
        },
        ...(note ? { reason: note } : {}),
        detail: { failedReinspections: state.failedReinspections + 1 },
        notify: { targets: rectifierTargets(state), template: 'hazard.reinspection-failed', payload: h.payload({ failedReinspections: state.failedReinspections + 1 }) },
      });
    },
  });
}

/** A repair order as a child (abandoned on close: a repair in progress carries on); the hazard ends only after each has finished. */
function workOrderStep(h: Hazard): void {
  const { state, p } = h;
  repairOrderStep(p, hazardWorkOrderUpdate, 'addWorkOrder', {
    links: state.workOrders,
    owner: { propertyId: state.propertyId, noun: 'hazard' },
    status: () => state.status,
    finished: (link) => ({ targets: rectifierTargets(state), template: 'hazard.work-order-finished', payload: h.payload({ orderId: link.orderId, status: link.status }) }),
    background: h.childSteps,
    waitForChildren: true,
  });
}

/** The round, task or inspection a hazard was found in. */
function sourceRef(source: HazardState['source']): string | null {
  switch (source.kind) {
    case 'patrol':
      return source.roundId;
    case 'maintenance':
      return source.taskId;
    case 'inspection':
      return source.inspectionId;
    case 'staff':
      return null;
  }
}
