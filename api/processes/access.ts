/**
 * Finding a process by its workflow ID, for any kind of process (`work-order:`, `complaint:`,
 * and whatever comes later): its type, run and status from Temporal, its property from the
 * `PropertyId` search attribute (or, failing that, the audit log), and whether the caller may
 * see it. Every read of a history is written to the audit log.
 */
import type { Client } from '@temporalio/client';
import type { FastifyRequest } from 'fastify';
import { appendAudit } from '../../db/audit.js';
import { propertyOfSubject } from '../../db/audit-trail.js';
import type { Db } from '../../db/index.js';
import { allPropertyRoles } from '../../domain/roles.js';
import { propertyIdKey } from '../../workflows/search-attributes.js';
import { actorOf, requirePropertyAccess } from '../auth.js';
import { notFound } from '../errors.js';
import { processProblem } from '../process-calls.js';

/** A process as the audit routes see it. */
export interface ProcessRef {
  workflowId: string;
  runId: string;
  workflowType: string;
  /** The ID prefix: `work-order`, `complaint`, … */
  kind: string;
  propertyId: string | null;
  status: string;
}

/** The kind of process a workflow ID names: the part before the first colon. */
export const processKindOf = (workflowId: string): string => workflowId.slice(0, workflowId.indexOf(':'));

/**
 * Describe the process and check the caller may see it: 404 if Temporal does not know it,
 * and the same 404 unless the caller has access to its property (a process whose property cannot be told
 * is open only to roles that see every property).
 */
export async function openProcess(deps: { db: Db; temporal: Client }, req: FastifyRequest, workflowId: string, runId?: string): Promise<ProcessRef> {
  let description;
  try {
    description = await deps.temporal.workflow.getHandle(workflowId, runId).describe();
  } catch (err) {
    throw processProblem(err, `process ${workflowId}${runId ? ` run ${runId}` : ''}`) ?? err;
  }
  const propertyId = description.typedSearchAttributes.get(propertyIdKey) ?? (await propertyOfSubject(deps.db, workflowId)) ?? null;
  // Another property's process is not found, exactly as an unknown one is.
  const what = `process ${workflowId}${runId ? ` run ${runId}` : ''}`;
  if (propertyId) requirePropertyAccess(req, propertyId, what);
  else if (!allPropertyRoles.includes(req.user.role)) throw notFound(what);
  return {
    workflowId,
    runId: description.runId,
    workflowType: description.type,
    kind: processKindOf(workflowId),
    propertyId,
    status: description.status.name,
  };
}

/** Actions written to the audit log when someone reads a process's record. */
export type ReadAction = 'audit.history-read' | 'audit.timeline-read';

/** Write who read what of which process to the audit log (before the answer goes out: no read without its record). */
export async function recordRead(db: Db, req: FastifyRequest, ref: ProcessRef, action: ReadAction, detail: Record<string, unknown>): Promise<void> {
  await appendAudit(db, {
    occurredAt: new Date(),
    propertyId: ref.propertyId,
    subject: ref.workflowId,
    action,
    actor: actorOf(req),
    detail: { runId: ref.runId, workflowType: ref.workflowType, ...detail },
  });
}
