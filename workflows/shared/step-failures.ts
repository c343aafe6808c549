/**
 * Steps that cannot succeed (shared/DESIGN.md): the error types an activity gives a value
 * that retrying will never fix, the admin's retry of a failed step, and the sanitising that
 * lets the record of a failure be written whatever text the failed step carried. Pure and
 * deterministic: imported by workflows, activities and the API alike.
 */
import { ActivityFailure, ApplicationFailure } from '@temporalio/common';
import { defineUpdate } from '@temporalio/workflow';
import type { Actor } from '../../domain/roles.js';
import type { StepOutcome } from './steps.js';

/** Non-retryable activity error types: the data is wrong, not the database's availability. */
export const stepFailureTypes = {
  /** PostgreSQL refused a value (SQLSTATE class 22: a NUL in text, a date out of range). */
  dataRejected: 'DataRejected',
  /** PostgreSQL refused the write on a constraint (SQLSTATE class 23). */
  constraintViolated: 'ConstraintViolated',
  /** The activity's own validation refused its input. */
  invalidInput: 'InvalidInput',
} as const;

/** One of the non-retryable activity error types. */
export type StepFailureType = (typeof stepFailureTypes)[keyof typeof stepFailureTypes];

const failureTypes: readonly string[] = Object.values(stepFailureTypes);

/** Error types of the admin's retry, which the API maps to HTTP statuses. */
export const retryErrors = {
  /** 409: retried, and the step still cannot be written; the process stays flagged. */
  stillFailing: 'StepStillFailing',
} as const;

/** The failure of an activity that retrying cannot fix, or undefined for any other error. */
export function stepFailureOf(err: unknown): { type: StepFailureType; message: string } | undefined {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type && failureTypes.includes(cause.type)) {
    return { type: cause.type as StepFailureType, message: cause.message };
  }
  return undefined;
}

/** A failed step the process keeps until an admin retries it. */
export interface FailedStepView {
  /** The step's sequence number; absent for an activity that is not a step's recording. */
  seq?: number;
  action: string;
  at: number;
  errorType: StepFailureType;
  error: string;
}

/** The admin's retry of every failed step, once the cause is fixed. */
export interface RetryStepArgs {
  actor: Actor;
  reason?: string;
}

/** Retry recording the failed steps of a process; on success its needs-attention flag clears. */
export const retryFailedStepsUpdate = defineUpdate<StepOutcome, [RetryStepArgs]>('retryFailedSteps');

// The earliest and latest instants a JavaScript Date (and so a PostgreSQL timestamp written from one) holds.
const maxInstant = 8.64e15;

/** `text` as PostgreSQL stores it: NUL and the other control characters but tab and newline become U+FFFD, lone surrogates too. */
export function sanitiseText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\uFFFD').replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\uFFFD');
}

/**
 * `value` with every string (keys too) sanitised and every number a timestamp column can
 * hold, so a record of it can always be written. The shape is kept; only offending values change.
 */
export function sanitise<T>(value: T): T {
  if (typeof value === 'string') return sanitiseText(value) as T;
  if (typeof value === 'number') return (Number.isFinite(value) ? Math.max(-maxInstant, Math.min(maxInstant, value)) : 0) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => sanitise(v)) as T;
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [sanitiseText(k), sanitise(v)])) as T;
  return value;
}
