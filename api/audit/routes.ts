/**
 * The audit checks: replay a history against the workflow code of this build (from the
 * request, or fetched by workflow ID), and verify a property's audit log hash chain.
 * Both only read, so auditors may call them; the replay is a POST because it takes a body.
 * The replay itself runs in the worker (auditReplayWorkflow): this process never loads the replayer.
 */
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { WorkflowFailedError } from '@temporalio/client';
import { TimeoutFailure } from '@temporalio/common';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { verifyAuditChain } from '../../db/audit-verify.js';
import { getProperty } from '../../db/reference.js';
import type { Role } from '../../domain/roles.js';
import type { auditReplayWorkflow } from '../../workflows/audit-replay.js';
import { auditReplayWorkflowId, maxGzippedHistoryChars, type ReplayReport, type ReplaySourceRef } from '../../workflows/audit-replay.contract.js';
import { requirePropertyAccess, requireRole } from '../auth.js';
import { commonErrors, HttpProblem, notFound } from '../errors.js';
import { withinDeadline } from '../process-calls.js';
import { openProcess, recordRead } from '../processes/access.js';
import { chainReport, replayBody, replayBodyLimit, replayReport, verifyQuery } from './schemas.js';

const gzipAsync = promisify(gzip);

/** Roles that run the audit checks: the auditor, and those who answer for a property. */
export const auditCheckRoles: readonly Role[] = ['auditor', 'manager', 'director', 'admin'];

export const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal, taskQueue } = app.deps;
  const waitMs = app.deps.replayTimeoutMs ?? 60_000;
  const whenLate = 'no replay worker finished it in time (busy or not running); try again later';

  /** Run the check in the worker within the deadline; the workflow times out with it, so nothing is left queued. */
  async function replayInWorker(source: ReplaySourceRef): Promise<ReplayReport> {
    try {
      return await withinDeadline(temporal, waitMs, 'the replay check', whenLate, () =>
        temporal.workflow.execute<typeof auditReplayWorkflow>('auditReplayWorkflow', {
          workflowId: auditReplayWorkflowId(randomUUID()),
          taskQueue,
          args: [{ source }],
          workflowExecutionTimeout: waitMs,
        }),
      );
    } catch (err) {
      if (err instanceof WorkflowFailedError && err.cause instanceof TimeoutFailure) throw new HttpProblem(503, 'unavailable', `the replay check: ${whenLate}`);
      throw err;
    }
  }

  app.post(
    '/audit/replay',
    {
      config: { readOnly: true },
      bodyLimit: replayBodyLimit,
      schema: {
        tags: ['audit'],
        summary: 'Replay a history against the workflow code of this build: deterministic, or the first divergence (event, expected, got)',
        description: `Body: a history (at most ${replayBodyLimit / 1024 / 1024} MiB), or the workflow ID of a process (its history is fetched from Temporal, and the read recorded in the audit log).`,
        body: replayBody,
        response: { 200: replayReport, ...commonErrors, 413: commonErrors[400], 503: commonErrors[400] },
      },
    },
    async (req) => {
      requireRole(req, auditCheckRoles, 'run the replay check');
      let source: ReplaySourceRef;
      if ('workflowId' in req.body) {
        const ref = await openProcess({ db, temporal }, req, req.body.workflowId, req.body.runId);
        await recordRead(db, req, ref, 'audit.history-read', { purpose: 'replay' });
        source = { kind: 'workflow', name: ref.workflowId, workflowId: ref.workflowId, runId: ref.runId };
      } else {
        // A workflow's input is a Temporal payload (2 MB at most): the history travels gzipped.
        const gzippedJson = (await gzipAsync(JSON.stringify(req.body.history))).toString('base64');
        if (gzippedJson.length > maxGzippedHistoryChars) {
          throw new HttpProblem(413, 'payload_too_large', `the history is too large to replay over HTTP (over ${Math.floor((maxGzippedHistoryChars * 3) / 4 / 1e5) / 10} MB once gzipped); replay it with npm run replay, or by its workflow ID`);
        }
        source = { kind: 'history', name: 'request body', gzippedJson };
      }
      return app.inReplayQueue(() => replayInWorker(source));
    },
  );

  app.get(
    '/audit/verify',
    {
      schema: {
        tags: ['audit'],
        summary: "Verify a property's audit log: every row's hash and every link of its chain, recomputed in PostgreSQL",
        querystring: verifyQuery,
        response: { 200: chainReport, ...commonErrors },
      },
    },
    async (req) => {
      requireRole(req, auditCheckRoles, 'verify the audit log');
      const { propertyId } = req.query;
      if (!(await getProperty(db, propertyId))) throw notFound(`property ${propertyId}`);
      requirePropertyAccess(req, propertyId);
      return verifyAuditChain(db, propertyId);
    },
  );
};
