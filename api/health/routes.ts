/** Liveness and readiness: /readyz is 200 only when PostgreSQL, Temporal and a worker are all there. */
import protos from '@temporalio/proto';
import { sql } from 'drizzle-orm';
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

const check = z.object({ ok: z.boolean(), detail: z.string().optional() });
const readiness = z.object({
  ready: z.boolean(),
  checks: z.object({ postgres: check, temporal: check, worker: check }),
});

async function probe(fn: () => Promise<string | undefined>): Promise<z.infer<typeof check>> {
  try {
    const detail = await fn();
    return detail === undefined ? { ok: true } : { ok: false, detail };
  } catch (err) {
    return { ok: false, detail: err instanceof Error ? err.message.split('\n')[0] : 'unreachable' };
  }
}

const probePaths = new Set(['/healthz', '/readyz']);

/**
 * Fastify's request logs, with probes at debug: they poll every few seconds, and at info
 * they would bury everything else (the "is up" banner of `npm start` among it).
 */
export class ProbesAtDebugLogController extends LogController {
  override incomingRequest(request: FastifyRequest, reply: FastifyReply): void {
    if (!isProbe(request)) return super.incomingRequest(request, reply);
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error || !isProbe(request)) return super.requestCompleted(error, request, reply);
    reply.log.debug({ res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

function isProbe(req: FastifyRequest): boolean {
  return probePaths.has(req.url.split('?')[0] ?? '');
}

export const healthRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal, taskQueue } = app.deps;

  app.get('/healthz', { schema: { tags: ['health'], security: [], response: { 200: z.object({ ok: z.literal(true) }) } } }, () => ({
    ok: true as const,
  }));

  app.get(
    '/readyz',
    { schema: { tags: ['health'], security: [], response: { 200: readiness, 503: readiness } } },
    async (_req, reply) => {
      // A Temporal server that hangs must not hang the probe.
      const within = <T>(fn: () => Promise<T>) => temporal.connection.withDeadline(Date.now() + 3000, fn);
      const [postgres, temporalCheck, worker] = await Promise.all([
        probe(async () => {
          await db.execute(sql`SELECT 1`);
          return undefined;
        }),
        probe(async () => {
          await within(() => temporal.workflowService.getSystemInfo({}));
          return undefined;
        }),
        probe(async () => {
          const res = await within(() =>
            temporal.workflowService.describeTaskQueue({
              namespace: temporal.options.namespace,
              taskQueue: { name: taskQueue },
              taskQueueType: protos.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            }),
          );
          return res.pollers.length > 0 ? undefined : `no worker is polling task queue ${taskQueue}`;
        }),
      ]);
      const ready = postgres.ok && temporalCheck.ok && worker.ok;
      return reply.status(ready ? 200 : 503).send({ ready, checks: { postgres, temporal: temporalCheck, worker } });
    },
  );
};
