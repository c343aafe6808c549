/**
 * What every process shares: the timeline entry it keeps, the step record it hands to
 * the recording activity, notification targets, the small result its updates return, and
 * the error types its updates throw. Pure and deterministic: imported by workflows,
 * activities and the API alike.
 */
import { ApplicationFailure } from '@temporalio/common';
import { systemRole, type Actor, type Role } from '../../domain/roles.js';
import type { ComplaintIdentity, ComplaintLive } from '../complaint.contract.js';
import type { HazardIdentity, HazardLive } from '../hazard.contract.js';
import type { PatrolRoundIdentity, PatrolRoundLive } from '../patrol-round.contract.js';
import type { ImprovementActionIdentity, ImprovementActionLive } from '../improvement-action.contract.js';
import type { IncidentIdentity, IncidentLive } from '../incident.contract.js';
import type { MaintenanceTaskIdentity, MaintenanceTaskLive } from '../maintenance-task.contract.js';
import type { WorkOrderIdentity, WorkOrderLive } from '../work-order.contract.js';

/** Someone who has the process now. */
export interface Assignee {
  id: string;
  name: string;
}

/** Front desk's call back to whoever raised the process. */
export interface RevisitRecord {
  at: number;
  by: Actor;
  satisfied: boolean;
  score: number;
  comment?: string;
}

/** The arguments every revisit takes. */
export interface RevisitArgs {
  actor: Actor;
  satisfied: boolean;
  score: number;
  comment?: string;
}

/** Where a process is: a unit, or a common area of the property. */
export interface ProcessLocation {
  unitId?: string;
  unitCode?: string;
  commonArea?: string;
}

/**
 * The projection identity of a reported problem (a repair, a complaint): where it is, what
 * kind, how urgent, how it came in, and who registered it when.
 */
export interface ReportIdentity {
  id: string;
  unitId: string | null;
  unitCode: string | null;
  commonArea: string | null;
  category: string;
  priority: string;
  channel: string;
  description: string;
  createdAt: number;
  createdById: string;
}

/** A reported problem's identity from its state. */
export function reportIdentity(
  id: string,
  s: { location: ProcessLocation; category: string; priority: string; channel: string; description: string; createdAt: number; createdBy: Actor },
): ReportIdentity {
  return {
    id,
    unitId: s.location.unitId ?? null,
    unitCode: s.location.unitCode ?? null,
    commonArea: s.location.commonArea ?? null,
    category: s.category,
    priority: s.priority,
    channel: s.channel,
    description: s.description,
    createdAt: s.createdAt,
    createdById: s.createdBy.id,
  };
}

/** One line of a process's history as people read it. */
export interface TimelineEntry {
  seq: number;
  at: number;
  action: string;
  actor: Actor;
  from?: string;
  to?: string;
  reason?: string;
  detail?: Record<string, unknown>;
}

/**
 * Who a notification is for; resolved to people by the recording activity when it runs.
 * `reporter` is whoever raised the process (the owner of a repair, the complainant): their
 * contact lives in PostgreSQL only, never in the workflow.
 */
export type NotifyTarget =
  | { kind: 'staff'; id: string }
  | { kind: 'role'; role: Role }
  /** Whoever is `position`-th (from 1) on the emergency duty roster for `role` when the step is recorded. */
  | { kind: 'on-duty'; role: string; position: number }
  | { kind: 'department'; department: string }
  | { kind: 'reporter' }
  /** Every owner of the units given and of every unit in the buildings given: one message each. */
  | { kind: 'owners'; buildingIds: string[]; unitIds: string[] };

/** A notification the step owes, written to the outbox in the step's transaction. */
export interface StepNotification {
  targets: NotifyTarget[];
  template: string;
  payload: Record<string, unknown>;
}

/** A warning or escalation fired by an SLA clock; unique on (workflowId, clock, run, level). */
export interface SlaEventRecord {
  clock: string;
  run: number;
  /** 0 for the warning before the deadline, 1… for escalation levels. */
  level: number;
  role?: Role;
  deadline: number;
  dueAt: number;
}

/**
 * Each process's projection, in two parts: `identity` (what never changes after receipt:
 * IDs, place, category, description) travels with the first step only; `live` (status,
 * assignee, deadlines, counters) with every step. A new process adds its entry here.
 */
export interface ProcessProjections {
  'work-order': { identity: WorkOrderIdentity; live: WorkOrderLive };
  complaint: { identity: ComplaintIdentity; live: ComplaintLive };
  'maintenance-task': { identity: MaintenanceTaskIdentity; live: MaintenanceTaskLive };
  hazard: { identity: HazardIdentity; live: HazardLive };
  'patrol-round': { identity: PatrolRoundIdentity; live: PatrolRoundLive };
  incident: { identity: IncidentIdentity; live: IncidentLive };
  'improvement-action': { identity: ImprovementActionIdentity; live: ImprovementActionLive };
}

/** The processes that record steps; each has its projection table. */
export type ProcessKind = keyof ProcessProjections;

/** The part of a step record every process shares. */
export interface StepRecordBase {
  workflowId: string;
  propertyId: string;
  seq: number;
  at: number;
  action: string;
  actor: Actor;
  from?: string;
  to?: string;
  reason?: string;
  detail?: Record<string, unknown>;
  notify?: StepNotification;
  slaEvent?: SlaEventRecord;
  /** Raise (true) or clear (false) the process's needs-attention flag with this step. */
  attention?: boolean;
}

/**
 * Everything one step of a process writes, in one database transaction: the projection
 * row (only if `seq` is newer than what it holds), the audit row, outbox rows and, for an
 * SLA event, its exactly-once record. Typed by `process`, so a projection that does not
 * match its process's type fails the type check.
 */
export type StepRecordOf<K extends ProcessKind> = StepRecordBase & { process: K; identity?: ProcessProjections[K]['identity']; live: ProcessProjections[K]['live'] };

/** A step as the workflow hands it over: the activity knows the workflow it runs for. */
export type StepInput<K extends ProcessKind> = Omit<StepRecordOf<K>, 'workflowId'>;

/** A step record of any process. */
export type StepRecord = { [K in ProcessKind]: StepRecordOf<K> }[ProcessKind];

/** What recording a step wrote. */
export interface StepResult {
  /** Outbox rows this step created (empty on a retried step). */
  outboxIds: number[];
  /** People the notification was addressed to. */
  recipients: number;
  /** Outbox rows of this step not delivered yet, for the retrying delivery activity. */
  pending: number[];
}

/**
 * What a staff step (a workflow update) returns: the status after it, the sequence number of
 * the last step recorded, and the steps it recorded (what changed). Small on purpose: histories keep every
 * update's result for ever; the API reads details from the query or the projection.
 */
export interface StepOutcome {
  status: string;
  seq: number;
  /** The steps this update recorded, in order (e.g. `rectify`, `rectification.escalated`). */
  recorded: string[];
}

/** The actor of steps nobody took by hand: SLA clocks, automatic dispatch. */
export const systemActor: Actor = { id: 'system', role: systemRole, name: 'Property Ops' };

/** Error types thrown from update validators; the API maps each to an HTTP status. */
export const processErrors = {
  illegalTransition: 'IllegalTransition',
  notAllowed: 'NotAllowed',
  invalidArgument: 'InvalidArgument',
} as const;

/** 409: the step is not allowed in the current status. */
export function illegalTransition(process: string, action: string, status: string, allowed: readonly string[]): ApplicationFailure {
  return ApplicationFailure.create({
    type: processErrors.illegalTransition,
    message: `cannot ${action} a ${process} that is ${status} (allowed when ${allowed.join(' or ')})`,
    nonRetryable: true,
    details: [{ status, action }],
  });
}

/** 409: the step is not allowed now, for a reason other than the status (named in `message`). */
export function blockedStep(action: string, status: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: processErrors.illegalTransition,
    message: `cannot ${action}: ${message}`,
    nonRetryable: true,
    details: [{ status, action }],
  });
}

/** 403: this actor may not take this step. */
export function notAllowed(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: processErrors.notAllowed, message, nonRetryable: true });
}

/** 400: an argument is wrong in a way only the process can tell. */
export function invalidArgument(field: string, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: processErrors.invalidArgument, message: `${field}: ${message}`, nonRetryable: true, details: [{ field }] });
}

/** 400 unless `value` has some text in it. */
export function requireText(field: string, value: string | undefined, why: string): void {
  if (!value?.trim()) throw invalidArgument(field, why);
}

/** 400 unless `score` is a satisfaction score (1 to 5). */
export function requireScore(score: number): void {
  if (!Number.isInteger(score) || score < 1 || score > 5) throw invalidArgument('score', 'must be a whole number from 1 to 5');
}
