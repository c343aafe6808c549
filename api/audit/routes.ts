/**
 * The audit checks: replay a history against the workflow code of this build (from the
 * request, or fetched by workflow ID), and verify a property's audit log hash chain.
 * Both only read, so auditors may call them; the replay is a POST because it takes a body.
 */
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { verifyAuditChain } from '../../db/audit-verify.js';
import { getProperty } from '../../db/reference.js';
import type { Role } from '../../domain/roles.js';
import { requirePropertyAccess, requireRole } from '../auth.js';
import { commonErrors, notFound } from '../errors.js';
import { processProblem } from '../process-calls.js';
import { openProcess, recordRead } from '../processes/access.js';
import { buildWorkflowBundle, replayHistories, type ReplaySource } from './replay.js';
import { chainReport, replayBody, replayBodyLimit, replayReport, verifyQuery } from './schemas.js';

/** Roles that run the audit checks: the auditor, and those who answer for a property. */
export const auditCheckRoles: readonly Role[] = ['auditor', 'manager', 'director', 'admin'];

export const auditRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal } = app.deps;

  // Bundling the workflow code takes seconds: once per process, on the first replay.
  let bundle: Promise<string> | undefined;
  const workflowBundle = () =>
    (bundle ??= buildWorkflowBundle().catch((err: unknown) => {
      bundle = undefined;
      throw err;
    }));
  // Replays take a core each: one at a time, in the order asked.
  let queue: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(run: () => Promise<T>): Promise<T> => {
    const result = queue.then(run, run);
    queue = result.catch(() => undefined);
    return result;
  };

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
        response: { 200: replayReport, ...commonErrors, 413: commonErrors[400] },
      },
    },
    async (req) => {
      requireRole(req, auditCheckRoles, 'run the replay check');
      let source: ReplaySource;
      if ('workflowId' in req.body) {
        const ref = await openProcess({ db, temporal }, req, req.body.workflowId, req.body.runId);
        let text: string;
        try {
          text = historyToJSON(await temporal.workflow.getHandle(ref.workflowId, ref.runId).fetchHistory());
        } catch (err) {
          throw processProblem(err, `process ${ref.workflowId}`) ?? err;
        }
        await recordRead(db, req, ref, 'audit.history-read', { purpose: 'replay' });
        source = { name: ref.workflowId, load: async () => text };
      } else {
        const text = JSON.stringify(req.body.history);
        source = { name: 'request body', load: async () => text };
      }
      const code = await workflowBundle();
      const [report] = await oneAtATime(() => replayHistories([source], code));
      return report!;
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
