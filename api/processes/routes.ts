/**
 * Any process's record, for auditors and everyone else who may see its property: the Temporal
 * event history as `temporal workflow show --output json` writes it, and the same history as
 * readable steps joined with the audit log. Each read is itself written to the audit log.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { auditRowsFor } from '../../db/audit-trail.js';
import { readOnlyRoles } from '../../domain/roles.js';
import { commonErrors, HttpProblem } from '../errors.js';
import { decodeSealedPayloads } from '../../payload-codec.js';
import { actorOf, requireRole } from '../auth.js';
import { processProblem, withinDeadline } from '../process-calls.js';
import { retryFailedStepsUpdate } from '../../workflows/shared/step-failures.js';
import { openProcess, recordRead, type ProcessRef } from './access.js';
import { maskPhonesIn, maskPhonesInHistoryJson } from './history.js';
import { historyJson, processParams, processTimeline, retryStepBody, retryStepResult, runQuery } from './schemas.js';
import { buildTimeline, compareWithAudit, linkAuditRows } from './timeline.js';

export const processRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal } = app.deps;

  const fetchHistory = async (ref: ProcessRef) => {
    try {
      // Sealed payloads (PAYLOAD_KEYS) are opened: the export and the timeline read as without a codec.
      return await decodeSealedPayloads(await temporal.workflow.getHandle(ref.workflowId, ref.runId).fetchHistory(), app.deps.payloadCodec);
    } catch (err) {
      throw processProblem(err, `process ${ref.workflowId}`) ?? err;
    }
  };

  app.get(
    '/processes/:workflowId/history',
    {
      schema: {
        tags: ['audit'],
        summary: 'The event history of any process, as `temporal workflow show --output json` writes it (archive it, replay it anywhere)',
        description: 'Phone numbers in payloads are masked for read-only roles, as everywhere else in the API; the events themselves are untouched and still replay. The read is recorded in the audit log.',
        params: processParams,
        querystring: runQuery,
        response: { 200: historyJson, ...commonErrors },
      },
    },
    async (req, reply) => {
      const ref = await openProcess({ db, temporal }, req, req.params.workflowId, req.query.runId);
      const history = await fetchHistory(ref);
      let json = historyToJSON(history);
      if (readOnlyRoles.includes(req.user.role)) json = JSON.stringify(maskPhonesInHistoryJson(JSON.parse(json)), null, 2);
      await recordRead(db, req, ref, 'audit.history-read', { events: history.events?.length ?? 0 });
      // Sent as Temporal's JSON text, byte for byte, rather than re-serialised through the schema.
      return reply
        .header('content-type', 'application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="${ref.workflowId.replace(/[^A-Za-z0-9._-]/g, '_')}.json"`)
        .send(json as unknown as z.infer<typeof historyJson>);
    },
  );

  app.get(
    '/processes/:workflowId/timeline',
    {
      schema: {
        tags: ['audit'],
        summary: 'The history of any process as readable steps, joined with its audit log rows, with every disagreement between the two flagged',
        params: processParams,
        querystring: runQuery,
        response: { 200: processTimeline, ...commonErrors },
      },
    },
    async (req) => {
      const ref = await openProcess({ db, temporal }, req, req.params.workflowId, req.query.runId);
      const history = await fetchHistory(ref);
      const timeline = buildTimeline(history);
      const rows = await auditRowsFor(db, ref.workflowId);
      const disagreements = compareWithAudit(timeline, rows);
      linkAuditRows(timeline, rows);
      const seqs = new Set(timeline.recorded.map((s) => s.seq));
      const matched = new Set(rows.filter((r) => r.seq !== null && seqs.has(r.seq)).map((r) => r.seq));
      await recordRead(db, req, ref, 'audit.timeline-read', { steps: seqs.size, disagreements: disagreements.length });
      const steps = readOnlyRoles.includes(req.user.role) ? (maskPhonesIn(timeline.steps).value as typeof timeline.steps) : timeline.steps;
      return {
        workflowId: ref.workflowId,
        runId: ref.runId,
        kind: ref.kind,
        workflowType: ref.workflowType,
        propertyId: ref.propertyId,
        status: ref.status,
        actors: timeline.actors,
        steps,
        audit: {
          consistent: disagreements.length === 0,
          stepsInHistory: seqs.size,
          rowsMatched: matched.size,
          disagreements,
          otherRows: rows
            .filter((r) => r.seq === null)
            .map((r) => ({ id: r.id, at: r.occurredAt.toISOString(), action: r.action, actor: { id: r.actorId, role: r.actorRole } })),
        },
      };
    },
  );

  app.post(
    '/processes/:workflowId/retry-step',
    {
      schema: {
        tags: ['processes'],
        summary: "Retry recording the steps of a process that the database refused, once the cause is fixed (admin); clears its needs-attention flag",
        description:
          'A process whose step could not be recorded (a value or a constraint the database refuses) is flagged `needsAttention` in its list and keeps running. ' +
          'This writes every failed step again, oldest first; when all are written the flag clears. 409 when there is nothing to retry or a step is still refused (the flag stays).',
        params: processParams,
        body: retryStepBody,
        response: { 200: retryStepResult, ...commonErrors },
      },
    },
    async (req) => {
      requireRole(req, ['admin'], 'retry a failed step');
      const ref = await openProcess({ db, temporal }, req, req.params.workflowId);
      const outcome = await withinDeadline(temporal, app.deps.stepTimeoutMs ?? 20_000, `process ${ref.workflowId}`, 'no worker answered in time; the retry may still be applied, read the process back before retrying', () =>
        temporal.workflow
          .getHandle(ref.workflowId)
          .executeUpdate(retryFailedStepsUpdate, { args: [{ actor: actorOf(req), ...(req.body?.reason ? { reason: req.body.reason } : {}) }] })
          .catch((err: unknown) => {
            // A workflow that records no steps (a maintenance plan, a replay check) has no such update.
            if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.message.startsWith('No registered handler for update')) {
              throw new HttpProblem(409, 'illegal_transition', `${ref.workflowId} is a ${ref.workflowType}, which records no steps: nothing to retry`, { status: ref.status });
            }
            throw err;
          }),
      );
      return { workflowId: ref.workflowId, ...outcome };
    },
  );
};
