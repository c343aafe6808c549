/**
 * Classifying activity errors (shared/DESIGN.md §"Steps that cannot succeed"): a value the
 * database refuses, a violated constraint or a failed validation will fail the same way on
 * every retry, so it becomes a non-retryable ApplicationFailure of a named type; anything
 * else (a connection refused, a pool timeout, a database restarting) is thrown as it was and
 * retried until the database is back.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ZodError } from 'zod';
import { errorChain as chain, sqlState, withoutQueryParameters } from '../db/errors.js';
import { sanitiseText, stepFailureTypes, type StepFailureType } from '../workflows/shared/step-failures.js';

/** The non-retryable type of `err`, or undefined when retrying may help. */
export function permanentType(err: unknown): StepFailureType | undefined {
  for (const e of chain(err)) {
    const state = sqlState(e);
    if (state?.startsWith('22')) return stepFailureTypes.dataRejected;
    if (state?.startsWith('23')) return stepFailureTypes.constraintViolated;
    if (e instanceof ZodError) return stepFailureTypes.invalidInput;
    // `new Date(NaN).toISOString()` and friends: a value no retry makes valid.
    if (e instanceof RangeError) return stepFailureTypes.dataRejected;
  }
  return undefined;
}

/** `err` as the activity should throw it: non-retryable when retrying cannot fix it, unchanged otherwise. */
export function classifyActivityError(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  const type = permanentType(err);
  // Retried as it was, but without the query's parameters (the failure is kept by Temporal).
  if (!type) return withoutQueryParameters(err);
  const causes = [...chain(err)];
  const driver = causes[causes.length - 1];
  const state = causes.map(sqlState).find(Boolean);
  // The driver's message names the problem ("invalid byte sequence for encoding UTF8: 0x00")
  // without the query text or its parameters, which may hold personal data.
  const message = sanitiseText(driver instanceof Error ? driver.message : String(driver)).slice(0, 500);
  return ApplicationFailure.create({ type, message: state ? `${message} (SQLSTATE ${state})` : message, nonRetryable: true, details: state ? [{ sqlState: state }] : [] });
}

type AnyActivity = (...args: never[]) => Promise<unknown>;

/** Every activity of `activities` with its errors classified. */
export function classifyingErrors<T extends Record<string, AnyActivity>>(activities: T): T {
  const wrapped = Object.entries(activities).map(([name, fn]) => {
    const classified = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        throw classifyActivityError(err);
      }
    };
    // The worker registers an activity under its key; the name keeps logs and stack traces readable.
    Object.defineProperty(classified, 'name', { value: fn.name || name });
    return [name, classified];
  });
  return Object.fromEntries(wrapped) as T;
}
