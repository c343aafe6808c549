/**
 * What the outside world may know about a maintenance task (保养任务): one occurrence of a
 * maintenance plan, from scheduled to done, with its checklist, clocks and the repair orders
 * its defects start. IDs, inputs, updates, the query, the state and the projection.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ChecklistItem, EquipmentKind, MaintenanceTaskStatus } from '../domain/maintenance.js';
import type { Actor, Role } from '../domain/roles.js';
import type { EscalationStep, SlaClockView } from './sla/clocks.js';
import type { Assignee, StepOutcome, TimelineEntry } from './shared/steps.js';

export { taskWorkflowId } from '../domain/maintenance-schedule.js';

/** The registered name of the task workflow (`maintenanceTaskWorkflow` in workflows/maintenance-task.ts). */
export const maintenanceTaskWorkflowType = 'maintenanceTaskWorkflow';

export type { MaintenanceTaskStatus };
/** A task is over once done, done late, missed or skipped. */
export const finalTaskStatuses: readonly MaintenanceTaskStatus[] = ['completed', 'completed_late', 'missed', 'skipped'];

/** The clocks of a task: started by its due time, completed by its overdue time. */
export type MaintenanceTaskClock = 'start' | 'complete';

/** Who does the plan's tasks: a department's field staff (least loaded first), anyone of a role, or the equipment's contractor. */
export type TaskAssignment = { department: string } | { role: Role } | { contractor: string };

/** The equipment a task is for; `id` is null when the plan covers every piece of one kind. */
export interface TaskEquipment {
  id: string | null;
  kind: EquipmentKind;
  code: string | null;
  location: string | null;
}

/**
 * Everything an occurrence starts from, as the plan workflow hands it over. `outcome` is set
 * when the occurrence is only to be recorded: skipped (the plan was paused) or missed (the
 * plan catches up with the latest occurrence only).
 */
export interface MaintenanceTaskInput {
  planId: string;
  planRevision: number;
  planName: string;
  propertyId: string;
  equipment: TaskEquipment;
  nominalDue: number;
  opensAt: number;
  overdueAt: number;
  /** Started after its due time had passed (the plan was catching up after an outage). */
  late: boolean;
  outcome?: { status: 'skipped' | 'missed'; reason: string };
  template: { code: string; version: number; items: ChecklistItem[] };
  assignTo: TaskAssignment;
  /** The department whose field staff take the task when it is not a department's (who repairs a defect). */
  outOfServiceOnDefect: boolean;
  /** The chain an overdue task climbs: supervisor, then project manager. */
  escalation: EscalationStep[];
  warnRatio: number;
}

/** One checklist answer. A pass/fail item takes `pass`, a reading `value`, a text `text`, a photo `photo` (its URL). */
export interface ChecklistAnswer {
  pass?: boolean;
  value?: number;
  text?: string;
  photo?: string;
}

/** A checklist item that failed or read outside its limits, and the repair order it started. */
export interface TaskDefect {
  key: string;
  label: string;
  reason: string;
  orderId?: string;
  orderStatus?: string;
}

export interface TaskCompletion {
  at: number;
  by: Actor;
  answers: Record<string, ChecklistAnswer>;
  note?: string;
}

/** The state of a task as the workflow holds it; the query returns it with the clocks. */
export interface MaintenanceTaskState extends Omit<MaintenanceTaskInput, 'outcome'> {
  taskId: string;
  status: MaintenanceTaskStatus;
  assignee?: Assignee;
  deadlines: SlaClockView[];
  escalationLevel: number;
  startedAt?: number;
  completion?: TaskCompletion;
  defects: TaskDefect[];
  skippedReason?: string;
  missedReason?: string;
  createdBy: Actor;
  createdAt: number;
  closedAt?: number;
  timeline: TimelineEntry[];
  seq: number;
}

/** The task projection's fixed part, written with the task's first step. */
export interface MaintenanceTaskIdentity {
  planId: string;
  planRevision: number;
  equipmentId: string | null;
  equipmentKind: string;
  templateCode: string;
  templateVersion: number;
  nominalDue: number;
  opensAt: number;
  overdueAt: number;
  late: boolean;
  createdAt: number;
}

/** The task projection's changing part, written with every step. */
export interface MaintenanceTaskLive {
  status: MaintenanceTaskStatus;
  assigneeId: string | null;
  assigneeName: string | null;
  escalationLevel: number;
  startedAt: number | null;
  completedAt: number | null;
  completedById: string | null;
  skippedReason: string | null;
  missedReason: string | null;
  defects: number;
}

interface ActorArg {
  actor: Actor;
}
export type AssignTaskArgs = ActorArg & { assignee: Assignee; reason?: string };
export type StartTaskArgs = ActorArg;
export type CompleteTaskArgs = ActorArg & { answers: Record<string, ChecklistAnswer>; note?: string };
export type SkipTaskArgs = ActorArg & { reason: string };

/** Give the task to someone by hand (a supervisor). */
export const assignTaskUpdate = defineUpdate<StepOutcome, [AssignTaskArgs]>('assign');
/** The assignee starts the work: stops the start clock. */
export const startTaskUpdate = defineUpdate<StepOutcome, [StartTaskArgs]>('start');
/** The checklist, answered: every required item; a failed item or a reading out of limits starts a repair order. */
export const completeTaskUpdate = defineUpdate<StepOutcome, [CompleteTaskArgs]>('complete');
/** A supervisor skips the occurrence, with a reason. */
export const skipTaskUpdate = defineUpdate<StepOutcome, [SkipTaskArgs]>('skip');
/** The task's full live state. */
export const maintenanceTaskQuery = defineQuery<MaintenanceTaskState>('state');

/** Roles that supervise maintenance: assign, skip, and act for the assignee. */
export const taskSupervisorRoles: readonly Role[] = ['dispatcher', 'manager', 'director', 'admin'];

/** A task as it stands when the plan starts it, before its first step. */
export function newTaskState(taskId: string, input: MaintenanceTaskInput, createdBy: Actor, now: number): MaintenanceTaskState {
  const { outcome: _outcome, ...rest } = input;
  return { ...rest, taskId, status: 'scheduled', deadlines: [], escalationLevel: 0, defects: [], createdBy, createdAt: now, timeline: [], seq: 0 };
}
