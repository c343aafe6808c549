/** Turning what Temporal says about a process into the API's errors. */
import { WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { processErrors } from '../workflows/shared/steps.js';
import { HttpProblem } from './errors.js';

/**
 * Map a failed update or query: an update validator's ApplicationFailure becomes 409
 * (illegal step, with the current status), 403 (not this actor's step) or 400 (bad argument).
 */
export function processProblem(err: unknown, what: string): HttpProblem | undefined {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const failure = err.cause;
    const detail = (failure.details?.[0] ?? {}) as { status?: string; field?: string };
    switch (failure.type) {
      case processErrors.illegalTransition:
        return new HttpProblem(409, 'illegal_transition', failure.message, detail.status ? { status: detail.status } : {});
      case processErrors.notAllowed:
        return new HttpProblem(403, 'forbidden', failure.message);
      case processErrors.invalidArgument:
        return new HttpProblem(400, 'validation_failed', failure.message, {
          fields: [{ field: `body.${detail.field ?? 'unknown'}`, message: failure.message.replace(/^[^:]+: /, '') }],
        });
    }
  }
  if (err instanceof WorkflowNotFoundError) return new HttpProblem(404, 'not_found', `${what} not found`);
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new HttpProblem(503, 'unavailable', `${what} did not answer in time; the step may still be applied, read it back before retrying`);
  }
  return undefined;
}
