/**
 * What every process shares: the timeline entry it keeps, the step record it hands to
 * the recording activity, notification targets, and the error types its updates throw.
 * Pure and deterministic: imported by workflows, activities and the API alike.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Actor, Role } from '../../domain/roles.js';

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
 * `reporter` is whoever raised the process (the owner of a repair, the complainant).
 */
export type NotifyTarget =
  | { kind: 'staff'; id: string }
  | { kind: 'role'; role: Role }
  | { kind: 'department'; department: string }
  | { kind: 'reporter' };

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

/** The processes that record steps; each has its projection table. */
export type ProcessKind = 'work-order' | 'complaint';

/**
 * Everything one step of a process writes, in one database transaction: the projection
 * row (only if `seq` is newer than what it holds), the audit row, outbox rows and, for an
 * SLA event, its exactly-once record.
 */
export interface StepRecord<P = Record<string, unknown>> {
  process: ProcessKind;
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
  projection: P;
}

/** What recording a step wrote. */
export interface StepResult {
  /** Outbox rows this step created (empty on a retried step). */
  outboxIds: number[];
  /** People the notification was addressed to. */
  recipients: number;
}

/** The actor of steps nobody took by hand: SLA clocks, automatic dispatch. */
export const systemActor: Actor = { id: 'system', role: 'admin', name: 'Property Ops' };

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
