/**
 * One occurrence of a maintenance plan (保养任务, shared/DOMAIN.md §3) as one durable workflow:
 * scheduled → open → assigned → in progress → completed | completed late, or skipped by a
 * supervisor, or recorded as missed or skipped by the plan. Its start-by and complete-by
 * clocks escalate on the shared SLA engine; each failed checklist item starts a repair order
 * as a child. Its transition table, clocks and handlers; everything else is the process kit's.
 */
import { condition, getExternalWorkflowHandle, ParentClosePolicy, proxyActivities, setHandler, startChild, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { visibleTaskStatus, type ChecklistItem } from '../domain/maintenance.js';
import type { Actor } from '../domain/roles.js';
import {
  assignTaskUpdate,
  completeTaskUpdate,
  finalTaskStatuses,
  maintenanceTaskQuery,
  newTaskState,
  skipTaskUpdate,
  startTaskUpdate,
  taskSupervisorRoles,
  type ChecklistAnswer,
  type MaintenanceTaskClock,
  type MaintenanceTaskInput,
  type MaintenanceTaskState,
  type MaintenanceTaskStatus,
  type TaskDefect,
} from './maintenance-task.contract.js';
import { planWorkflowId, taskFinishedSignal } from './maintenance-plan.contract.js';
import { occurrenceWithdrawnSignal } from './shared/recurring-plan.contract.js';
import { createProcess, databaseActivity, type Process, type TransitionTable } from './shared/process.js';
import { invalidArgument, requireText, systemActor, type Assignee, type NotifyTarget } from './shared/steps.js';
import { workOrderWorkflow } from './work-order.js';

type Activities = ReturnType<typeof createActivities>;

const { assignTechnician, prepareDefectOrder, defectRepaired } = proxyActivities<Activities>(databaseActivity);

const pending = ['open', 'assigned', 'in_progress'] as const;

/** Every step of a maintenance task: where it may start, where it leads, who may take it. */
export const maintenanceTaskTransitions = {
  open: { from: ['scheduled'], to: ['open'], roles: [] },
  assign: { from: pending, to: ['assigned'], roles: taskSupervisorRoles },
  start: { from: ['assigned'], to: ['in_progress'], roles: taskSupervisorRoles, parties: ['assignee'] },
  complete: { from: ['assigned', 'in_progress'], to: ['completed', 'completed_late'], roles: taskSupervisorRoles, parties: ['assignee'] },
  skip: { from: ['scheduled', ...pending], to: ['skipped'], roles: taskSupervisorRoles },
  miss: { from: ['scheduled'], to: ['missed'], roles: [] },
} as const satisfies TransitionTable<MaintenanceTaskStatus, string>;
type Action = keyof typeof maintenanceTaskTransitions;

/** One running task: its state, its kit, and the repair orders its defects started. */
interface Task {
  state: MaintenanceTaskState;
  p: Process<'maintenance-task', MaintenanceTaskStatus, Action, MaintenanceTaskClock>;
  payload: (extra?: Record<string, unknown>) => Record<string, unknown>;
  /** Steps recorded when a repair order finishes: awaited before the workflow ends. */
  repairs: Promise<unknown>[];
  /** The opening, once begun: by its timer, or by a step that came first. */
  opening?: Promise<void>;
}

/** A maintenance task, from the plan's start of it until it is done, skipped or missed, and its repairs are over. */
export async function maintenanceTaskWorkflow(input: MaintenanceTaskInput): Promise<{ taskId: string; status: MaintenanceTaskStatus; defects: number }> {
  const t = maintenanceTask(input);
  const { state, p } = t;
  p.snapshot(maintenanceTaskQuery, (deadlines) => ({ ...state, deadlines }));
  for (const register of [assignStep, startStep, completeStep, skipStep, withdrawal]) register(t);

  await p.open({ category: state.equipment.kind, clocks: [], detail: { late: state.late, ...(input.outcome ? { outcome: input.outcome.status } : {}) } });
  if (input.outcome) {
    const { status, reason } = input.outcome;
    await p.transition(status === 'skipped' ? 'skip' : 'miss', systemActor, {
      reason,
      apply: (now) => recordEnd(state, status, reason, now),
    });
  } else {
    // Nothing to do before it opens, unless a supervisor skips it first.
    if (input.opensAt > Date.now()) await condition(() => state.status !== 'scheduled', input.opensAt - Date.now());
    if (state.status === 'scheduled') await opening(t);
  }
  await p.runToEnd(() => Promise.all(t.repairs));
  await tellPlan(state);
  return { taskId: state.taskId, status: state.status, defects: state.defects.length };
}

/** The task's state, clocks (its start-by and complete-by times) and projection, on the kit. */
function maintenanceTask(input: MaintenanceTaskInput): Task {
  const state = newTaskState(workflowInfo().workflowId, input, systemActor, Date.now());
  const payload = (extra: Record<string, unknown> = {}) => ({
    taskId: state.taskId,
    plan: state.planName,
    equipment: state.equipment.code ?? state.equipment.kind,
    location: state.equipment.location,
    due: state.nominalDue,
    ...extra,
  });
  const p = createProcess({
    kind: 'maintenance-task',
    noun: 'maintenance task',
    reporter: 'supervisor',
    table: maintenanceTaskTransitions,
    final: finalTaskStatuses,
    state,
    clock: (name: MaintenanceTaskClock) => ({
      name,
      // The clock runs out at the task's own time: started by its due time, done by its overdue time.
      durationMs: Math.max(0, (name === 'start' ? state.nominalDue : state.overdueAt) - Date.now()),
      warnRatio: state.warnRatio,
      escalation: state.escalation,
    }),
    assignee: () => state.assignee,
    // Past its opening time a task is open to staff (the list shows it so) before its timer is processed.
    // (The kit asks only once a step arrives, after `task` below exists.)
    reachedByTime: () => (visibleTaskStatus(state.status, state.opensAt, Date.now()) !== state.status ? { status: 'open', reach: () => opening(task) } : undefined),
    identity: () => ({
      planId: state.planId,
      planRevision: state.planRevision,
      equipmentId: state.equipment.id,
      equipmentKind: state.equipment.kind,
      templateCode: state.template.code,
      templateVersion: state.template.version,
      nominalDue: state.nominalDue,
      opensAt: state.opensAt,
      overdueAt: state.overdueAt,
      late: state.late,
      createdAt: state.createdAt,
    }),
    live: () => ({
      status: state.status,
      assigneeId: state.assignee?.id ?? null,
      assigneeName: state.assignee?.name ?? null,
      escalationLevel: state.escalationLevel,
      startedAt: state.startedAt ?? null,
      completedAt: state.completion?.at ?? null,
      completedById: state.completion?.by.id ?? null,
      skippedReason: state.skippedReason ?? null,
      missedReason: state.missedReason ?? null,
      defects: state.defects.length,
    }),
    sla: {
      warningTargets: () => assigneeTargets(state),
      payload,
      escalationPayload: () => ({ assignee: state.assignee?.name ?? null }),
      escalating: (e) => {
        state.escalationLevel = Math.max(state.escalationLevel, e.level);
      },
      escalated: () => undefined,
    },
  });
  const task: Task = { state, p, payload, repairs: [] };
  return task;
}

const assigneeTargets = (state: MaintenanceTaskState): NotifyTarget[] => {
  if (state.assignee && !state.assignee.id.startsWith('contractor:')) return [{ kind: 'staff', id: state.assignee.id }];
  return 'role' in state.assignTo ? [{ kind: 'role', role: state.assignTo.role }] : [{ kind: 'role', role: 'dispatcher' }];
};

/** A skipped or missed occurrence ends here, with its reason. */
function recordEnd(state: MaintenanceTaskState, status: 'skipped' | 'missed', reason: string, now: number): void {
  if (status === 'skipped') state.skippedReason = reason;
  else state.missedReason = reason;
  state.closedAt = now;
}

/** The task opens, once, whichever comes first: its timer or a step taken after its opening time. */
function opening(t: Task): Promise<void> {
  t.opening ??= openTask(t);
  return t.opening;
}

/** The task opens: its clocks start, and it goes to whoever the plan names. */
async function openTask(t: Task): Promise<void> {
  const { state, p } = t;
  await p.transition('open', systemActor, {
    apply: (now) => p.startClocks(['start', 'complete'], now),
    notify: { targets: assigneeTargets(state), template: 'maintenance-task.open', payload: t.payload() },
  });
  const to = state.assignTo;
  if ('contractor' in to) {
    await assign(t, { id: `contractor:${state.equipment.id ?? state.planId}`, name: to.contractor }, systemActor, 'the equipment is kept by its contractor');
    return;
  }
  if ('role' in to) return; // Anyone of the role may take it; a supervisor assigns it.
  const picked = await assignTechnician({ workflowId: workflowInfo().workflowId, propertyId: state.propertyId, departmentCode: to.department, round: 1 });
  if (state.status !== 'open') return;
  if (picked) await assign(t, picked, systemActor);
  else {
    await p.record('dispatch.manual-needed', systemActor, {
      reason: `nobody active in ${to.department} can take it`,
      notify: { targets: [{ kind: 'role', role: 'dispatcher' }], template: 'maintenance-task.needs-assignee', payload: t.payload() },
    });
  }
}

async function assign(t: Task, assignee: Assignee, actor: Actor, reason?: string): Promise<void> {
  const { state, p } = t;
  const previous = state.assignee;
  await p.transition('assign', actor, {
    apply: () => {
      state.assignee = assignee;
    },
    ...(reason ? { reason } : {}),
    detail: { assignee, ...(previous ? { previousAssignee: previous } : {}) },
    notify: { targets: assignee.id.startsWith('contractor:') ? [{ kind: 'role', role: 'dispatcher' }] : [{ kind: 'staff', id: assignee.id }], template: 'maintenance-task.assigned', payload: t.payload() },
  });
}

function assignStep(t: Task): void {
  t.p.step(assignTaskUpdate, 'assign', {
    validate: ({ assignee }) => {
      if (t.state.assignee?.id === assignee.id) throw invalidArgument('assigneeId', `the task is already with ${assignee.name}`);
    },
    run: ({ actor, assignee, reason }) => assign(t, assignee, actor, reason ?? 'assigned by hand'),
  });
}

function startStep(t: Task): void {
  const { state, p } = t;
  p.step(startTaskUpdate, 'start', {
    run: ({ actor }) =>
      p.transition('start', actor, {
        apply: (now) => {
          p.stopClocks(['start'], now);
          state.startedAt = now;
        },
      }),
  });
}

/** Every required item answered, each answer of its item's type: else 400 naming the item. */
function checkAnswers(items: readonly ChecklistItem[], answers: Record<string, ChecklistAnswer>): void {
  for (const key of Object.keys(answers)) {
    if (!items.some((i) => i.key === key)) throw invalidArgument(`answers.${key}`, 'is not an item of this checklist');
  }
  for (const item of items) {
    const a = answers[item.key];
    const given = a && { pass_fail: a.pass !== undefined, reading: a.value !== undefined, text: !!a.text?.trim(), photo: !!a.photo }[item.type];
    if (!given && item.required) throw invalidArgument(`answers.${item.key}`, `is required (${item.label})`);
    if (a && item.type === 'reading' && a.value !== undefined && !Number.isFinite(a.value)) throw invalidArgument(`answers.${item.key}`, 'must be a number');
  }
}

/** The items that failed or read outside their limits. */
function defectsOf(items: readonly ChecklistItem[], answers: Record<string, ChecklistAnswer>): TaskDefect[] {
  return items.flatMap((item): TaskDefect[] => {
    const a = answers[item.key];
    if (item.type === 'pass_fail' && a?.pass === false) return [{ key: item.key, label: item.label, reason: 'failed' }];
    if (item.type === 'reading' && a?.value !== undefined) {
      const low = item.min !== undefined && a.value < item.min;
      const high = item.max !== undefined && a.value > item.max;
      if (low || high) return [{ key: item.key, label: item.label, reason: `read ${a.value}${item.unit ? ` ${item.unit}` : ''}, ${low ? `below ${item.min}` : `above ${item.max}`}` }];
    }
    return [];
  });
}

function completeStep(t: Task): void {
  const { state, p } = t;
  p.step(completeTaskUpdate, 'complete', {
    validate: ({ answers }) => checkAnswers(state.template.items, answers),
    run: async ({ actor, answers, note }) => {
      const found = defectsOf(state.template.items, answers);
      await p.transition('complete', actor, {
        to: Date.now() > state.overdueAt ? 'completed_late' : 'completed',
        apply: (now) => {
          p.stopAllClocks(now);
          state.completion = { at: now, by: actor, answers, ...(note ? { note } : {}) };
          state.defects = found;
          state.closedAt = now;
        },
        detail: { answers, defects: found.map((d) => d.key), ...(note ? { note } : {}) },
        ...(found.length ? { notify: { targets: [{ kind: 'role', role: 'dispatcher' }], template: 'maintenance-task.defects', payload: t.payload({ defects: found.map((d) => `${d.label}: ${d.reason}`) }) } } : {}),
      });
      for (const defect of found) await repairDefect(t, defect);
    },
  });
}

/** A defect starts a repair order as a child, linked both ways; the equipment is back in service when it closes. */
async function repairDefect(t: Task, defect: TaskDefect): Promise<void> {
  const { state, p } = t;
  const order = await prepareDefectOrder({
    taskId: state.taskId,
    propertyId: state.propertyId,
    equipment: state.equipment,
    planName: state.planName,
    item: { key: defect.key, label: defect.label, reason: defect.reason },
    outOfService: state.outOfServiceOnDefect,
  });
  if ('problem' in order) {
    await p.record('defect.unrepaired', systemActor, {
      reason: order.problem,
      detail: { item: defect.key },
      notify: { targets: [{ kind: 'role', role: 'dispatcher' }], template: 'maintenance-task.defect-needs-order', payload: t.payload({ item: defect.label, problem: order.problem }) },
    });
    return;
  }
  defect.orderId = order.input.orderId;
  defect.orderStatus = 'open';
  const child = await startChild(workOrderWorkflow, {
    workflowId: order.workflowId,
    args: [order.input],
    // The repair carries on whatever becomes of the task.
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
  await p.record('defect.repair-order', systemActor, { detail: { item: defect.key, orderId: order.input.orderId, category: order.input.category } });
  t.repairs.push(
    child.result().then(
      async (result) => {
        defect.orderStatus = result.status;
        if (state.equipment.id) await defectRepaired({ equipmentId: state.equipment.id, orderId: order.input.orderId });
        await p.record('defect.repaired', systemActor, { detail: { item: defect.key, orderId: order.input.orderId, status: result.status } });
      },
      () => {
        defect.orderStatus = 'failed';
      },
    ),
  );
}

/** The task ends skipped, with the reason: a supervisor's step, or its plan retired before it opened. */
function skip(t: Task, actor: Actor, reason: string) {
  const { state, p } = t;
  return p.transition('skip', actor, {
    reason,
    apply: (now) => {
      p.stopAllClocks(now);
      recordEnd(state, 'skipped', reason, now);
    },
  });
}

function skipStep(t: Task): void {
  t.p.step(skipTaskUpdate, 'skip', {
    validate: ({ reason }) => requireText('reason', reason, 'must say why the occurrence is skipped'),
    run: ({ actor, reason }) => skip(t, actor, reason),
  });
}

/** Its plan was retired before it opened: it ends skipped. One open to staff already (past its opening time) carries on. */
function withdrawal(t: Task): void {
  setHandler(occurrenceWithdrawnSignal, async ({ reason }) => {
    if (visibleTaskStatus(t.state.status, t.state.opensAt, Date.now()) === 'scheduled') await skip(t, systemActor, reason);
  });
}

/** A floating plan counts its next due time from this task's end: tell it (a plan that is gone has nothing to count). */
async function tellPlan(state: MaintenanceTaskState): Promise<void> {
  await getExternalWorkflowHandle(planWorkflowId(state.planId))
    .signal(taskFinishedSignal, { taskId: state.taskId, completedAt: state.completion?.at ?? null })
    .catch(() => undefined);
}
