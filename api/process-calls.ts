/** Calling a process's workflow from a route: within a deadline, with Temporal's answers turned into the API's errors. */
import { WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, type Client } from '@temporalio/client';
import { ApplicationFailure, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import type { FastifyRequest } from 'fastify';
import type { Db } from '../db/index.js';
import { getProperty, getUnit, listStaff, type PropertyRow, type StaffAtProperty } from '../db/reference.js';
import { instantAt } from '../domain/time-zones.js';
import { retryErrors } from '../workflows/shared/step-failures.js';
import { processErrors, type ProcessLocation } from '../workflows/shared/steps.js';
import { requirePropertyAccess } from './auth.js';
import { badRequest, HttpProblem, notFound } from './errors.js';

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
      case retryErrors.stillFailing:
        return new HttpProblem(409, 'still_failing', failure.message, detail.status ? { status: detail.status } : {});
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

/**
 * What a new process is raised against: its property, its unit if one was named, its policy
 * (read at once: one round trip's wait, not three), and its location as the workflow keeps
 * it. 404 for an unknown property or unit, and for a property that is not the caller's, as if
 * unknown; a missing policy is the route's to answer.
 */
export async function processPlace<P>(
  db: Db,
  req: FastifyRequest,
  at: { propertyId: string; unitId?: string | undefined; commonArea?: string | undefined },
  policy: Promise<P | undefined>,
): Promise<{ property: PropertyRow; location: ProcessLocation; policy: P | undefined }> {
  const [property, unit, policyRow] = await Promise.all([getProperty(db, at.propertyId), at.unitId ? getUnit(db, at.propertyId, at.unitId) : undefined, policy]);
  if (!property) throw notFound(`property ${at.propertyId}`);
  requirePropertyAccess(req, at.propertyId);
  if (at.unitId && !unit) throw notFound(`unit ${at.unitId} at ${at.propertyId}`);
  const location = { ...(unit ? { unitId: unit.id, unitCode: unit.code } : {}), ...(at.commonArea ? { commonArea: at.commonArea } : {}) };
  return { property, location, policy: policyRow };
}

/**
 * The active staff member of `propertyId` a step gives a process to, by the ID in body field
 * `field`: 400 naming the field when nobody active there has it, or when their role is not one
 * of `roles` (`who` says what those roles are called: "field staff", "handlers").
 */
export async function staffMemberFor(db: Db, propertyId: string, id: string, field: string, roles: readonly string[], who: string): Promise<StaffAtProperty> {
  const person = (await listStaff(db, propertyId, { active: true })).find((s) => s.id === id);
  if (!person) throw badRequest(`body.${field}`, `is not an active staff member of ${propertyId}`);
  if (!roles.includes(person.role)) throw badRequest(`body.${field}`, `${person.name} is a ${person.role}, not ${who} (${roles.join(', ')})`);
  return person;
}

/**
 * A process's projection row and its live state, read at once. The caller sees them only if
 * the property is theirs: the row's property, or the workflow's while the process is too
 * new to be projected. Access is settled before any failure of the state read is reported;
 * another property's process is `what` not found, as an unknown one is.
 */
export async function readVisible<R extends { propertyId: string }, S extends { propertyId: string }>(
  req: FastifyRequest,
  what: string,
  row: Promise<R | undefined>,
  state: Promise<S>,
): Promise<{ row: R | undefined; state: S }> {
  const [projected, live] = await Promise.allSettled([row, state]);
  if (projected.status === 'rejected') throw projected.reason;
  if (projected.value) requirePropertyAccess(req, projected.value.propertyId, what);
  if (live.status === 'rejected') throw live.reason;
  if (!projected.value) requirePropertyAccess(req, live.value.propertyId, what);
  return { row: projected.value, state: live.value };
}

/**
 * The period of a statistics query at a property the caller may see: `from` and `to` as days
 * (midnight in the property's zone) or instants; `to` defaults to now, `from` to `defaultDays`
 * before it; 400 when `from` is not before `to`.
 */
export async function statsPeriod(db: Db, req: FastifyRequest, q: { propertyId: string; from?: string | undefined; to?: string | undefined }, defaultDays: number): Promise<{ start: Date; end: Date }> {
  const property = await getProperty(db, q.propertyId);
  if (!property) throw notFound(`property ${q.propertyId}`);
  requirePropertyAccess(req, q.propertyId);
  const end = q.to ? instantAt(q.to, property.timezone) : new Date();
  const start = q.from ? instantAt(q.from, property.timezone) : new Date(end.getTime() - defaultDays * 86_400_000);
  if (start >= end) throw badRequest('querystring.from', 'must be before to');
  return { start, end };
}
