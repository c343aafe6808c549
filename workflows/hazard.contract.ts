/**
 * What the outside world may know about a hazard (安全隐患) workflow: IDs, severities,
 * where it was found, the policy snapshot its rectification deadline comes from, the
 * updates staff take, the query, and the projection.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Actor, Role } from '../domain/roles.js';
import type { EscalationStep, SlaClockView } from './sla/clocks.js';
import type { Assignee, ProcessLocation, StepOutcome, TimelineEntry } from './shared/steps.js';
import type { RepairOrderLink } from './shared/repair-orders.js';
import type { WorkOrderInput } from './work-order.contract.js';

export const hazardStatuses = ['reported', 'assigned', 'rectifying', 'awaiting_reinspection', 'closed'] as const;
/** reported → assigned → rectifying → awaiting_reinspection → closed; a failed re-inspection goes back to rectifying. */
export type HazardStatus = (typeof hazardStatuses)[number];
export const finalHazardStatuses: readonly HazardStatus[] = ['closed'];

/** 一般 / 较大 / 重大: the severity sets the rectification deadline; a major hazard tells the project manager at once. */
export const hazardSeverities = ['general', 'serious', 'major'] as const;
export type HazardSeverity = (typeof hazardSeverities)[number];

/** The one clock of a hazard: rectified by the policy's deadline (afresh after a failed re-inspection). */
export type HazardClock = 'rectify';

/** The registered name of the hazard workflow (`hazardWorkflow` in workflows/hazard.ts). */
export const hazardWorkflowType = 'hazardWorkflow';

/** Workflow ID of a hazard: `hazard:HZ-20261201-0001`. */
export const hazardWorkflowId = (hazardId: string): string => `hazard:${hazardId}`;

/** Where a hazard was found: on a patrol round's checkpoint, in a maintenance task, as an area scored below its threshold in an inspection, or by a staff member directly. */
export type HazardSource =
  | { kind: 'patrol'; roundId: string; routeId: string; checkpointId: string }
  | { kind: 'maintenance'; taskId: string }
  | { kind: 'inspection'; inspectionId: string; area: string }
  | { kind: 'staff' };

/** The property's hazard policy for one severity, resolved to milliseconds. */
export interface HazardPolicySnapshot {
  version: number;
  severity: HazardSeverity;
  rectifyMs: number;
  warnRatio: number;
  escalation: EscalationStep[];
}

/** Everything a new hazard starts from: references only (who found it is an actor, never a contact). */
export interface HazardInput {
  hazardId: string;
  propertyId: string;
  location: ProcessLocation;
  severity: HazardSeverity;
  description: string;
  photos: string[];
  source: HazardSource;
  createdBy: Actor;
  policy: HazardPolicySnapshot;
}

/** A rectification reported done, by whom. */
export interface HazardRectification {
  at: number;
  by: Actor;
  note: string;
  photos: string[];
}

/** A re-inspection (复查): passed closes the hazard, failed sends it back to rectifying. */
export interface HazardReinspection {
  at: number;
  by: Actor;
  passed: boolean;
  note?: string;
}

/** A repair order the hazard started as a child; `open` until its workflow finishes. */
export type HazardWorkOrder = RepairOrderLink;

/** A climb up the escalation chain because the rectification ran late. */
export interface HazardEscalation {
  run: number;
  level: number;
  role: Role;
  deadline: number;
  firedAt: number;
  recipients: number;
}

/** The state of a hazard as the workflow holds it; the query returns it with the clocks. */
export interface HazardState extends Omit<HazardInput, 'hazardId'> {
  hazardId: string;
  status: HazardStatus;
  rectifier?: Assignee;
  deadlines: SlaClockView[];
  escalationLevel: number;
  escalations: HazardEscalation[];
  rectifications: HazardRectification[];
  reinspections: HazardReinspection[];
  /** Re-inspections that failed: each sent the hazard back to rectifying. */
  failedReinspections: number;
  workOrders: HazardWorkOrder[];
  timeline: TimelineEntry[];
  seq: number;
  createdAt: number;
  closedAt?: number;
}

/** The hazard projection's fixed part, written with its first step. */
export interface HazardIdentity {
  id: string;
  unitId: string | null;
  unitCode: string | null;
  commonArea: string | null;
  severity: HazardSeverity;
  description: string;
  sourceKind: HazardSource['kind'];
  /** The round, task or inspection it was found in; null when raised directly. */
  sourceRef: string | null;
  routeId: string | null;
  createdById: string;
  createdAt: number;
}

/** The hazard projection's changing part, written with every step. */
export interface HazardLive {
  status: HazardStatus;
  rectifierId: string | null;
  rectifierName: string | null;
  escalationLevel: number;
  failedReinspections: number;
  nextDeadline: number | null;
  /** The deadline of the rectification window now running (the first one until a re-inspection fails). */
  rectifyDeadline: number | null;
  /** True once any rectification window ran out before the rectification was reported. */
  overdue: boolean;
  openWorkOrders: number;
  closedAt: number | null;
}

/** A new hazard's state, before its first step. */
export function newHazardState(input: HazardInput, now: number): HazardState {
  return { ...input, status: 'reported', deadlines: [], escalationLevel: 0, escalations: [], rectifications: [], reinspections: [], failedReinspections: 0, workOrders: [], timeline: [], seq: 0, createdAt: now };
}

interface ActorArg {
  actor: Actor;
}
export type AssignHazardArgs = ActorArg & { rectifier: Assignee; reason?: string };
export type StartRectifyingArgs = ActorArg;
export type RectifiedArgs = ActorArg & { note: string; photos: string[] };
export type ReinspectArgs = ActorArg & { passed: boolean; note?: string };
/** The repair order as the API prepared it (number allocated, the property's SLA policy read). */
export type HazardWorkOrderArgs = ActorArg & { order: WorkOrderInput };

/** Give the hazard to the person who rectifies it (or hand it on). */
export const assignHazardUpdate = defineUpdate<StepOutcome, [AssignHazardArgs]>('assign');
/** The rectifier starts the work. */
export const startRectifyingUpdate = defineUpdate<StepOutcome, [StartRectifyingArgs]>('startRectifying');
/** The rectification is done: stops the rectify clock; a re-inspection is due. */
export const rectifiedUpdate = defineUpdate<StepOutcome, [RectifiedArgs]>('rectified');
/** The re-inspection (复查) by someone other than the rectifier: passed closes, failed goes back to rectifying. */
export const reinspectUpdate = defineUpdate<StepOutcome, [ReinspectArgs]>('reinspect');
/** Start a repair order as a child workflow; the hazard cannot be reported rectified while it is open. */
export const hazardWorkOrderUpdate = defineUpdate<StepOutcome, [HazardWorkOrderArgs]>('addWorkOrder');
/** The hazard's full live state. */
export const hazardQuery = defineQuery<HazardState>('state');

/** Roles that supervise hazards: assign, act for the rectifier, re-inspect. */
export const hazardSupervisorRoles: readonly Role[] = ['dispatcher', 'manager', 'director', 'admin'];
/** Roles that may re-inspect a rectification (patrolling guards included). */
export const reinspectorRoles: readonly Role[] = ['security', ...hazardSupervisorRoles];
/** Roles that may raise a hazard: any staff member but the read-only auditor. */
export const hazardReporterRoles: readonly Role[] = ['front_desk', 'concierge', 'dispatcher', 'technician', 'security', 'cleaning', 'manager', 'director', 'admin'];
/** Roles a rectifier may have. */
export const rectifierRoles: readonly Role[] = ['technician', 'security', 'cleaning', 'dispatcher', 'manager'];
