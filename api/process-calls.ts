/** Calling a process's workflow from a route: within a deadline, with Temporal's answers turned into the API's errors. */
import { WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
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

/** Whether a call ran out of its time: DEADLINE_EXCEEDED, or CANCELLED once the deadline has passed (gRPC reports either). */
function outOfTime(err: unknown, deadline: number): boolean {
  const code = (err as { code?: number }).code ?? (err as { cause?: { code?: number } }).cause?.code;
  return code === 4 || (code === 1 && Date.now() >= deadline);
}

/**
 * Run `fn` (a query or an update) against a process within `ms`. A worker that does not
 * answer in time is a 503 saying `whenLate`, never a hang; a validator's refusal is 400/403/409.
 */
export async function withinDeadline<T>(temporal: Client, ms: number, what: string, whenLate: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + ms;
  try {
    return await temporal.connection.withDeadline(deadline, fn);
  } catch (err) {
    if (outOfTime(err, deadline)) throw new HttpProblem(503, 'unavailable', `${what}: ${whenLate}`);
    throw processProblem(err, what) ?? err;
  }
}

/**
 * Start a process's workflow. A retry with the same idempotency key (`replayed`) lands on
 * the running workflow, and one that already finished is left alone: never a second run.
 */
export async function startProcess(
  temporal: Client,
  opts: { workflowType: string; workflowId: string; taskQueue: string; args: unknown[]; replayed: boolean },
): Promise<void> {
  try {
    await temporal.workflow.start(opts.workflowType, {
      workflowId: opts.workflowId,
      taskQueue: opts.taskQueue,
      args: opts.args,
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError && opts.replayed)) throw err;
  }
}
