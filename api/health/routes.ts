/** Liveness and readiness: /readyz is 200 only when PostgreSQL, Temporal and a worker are all there. */
import type { Client } from '@temporalio/client';
import protos from '@temporalio/proto';
import { sql } from 'drizzle-orm';
import { LogController, type FastifyReply, type FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { workerHeartbeatIntervalMs } from '../../temporal.js';

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

/** A worker's last heartbeat counts for three intervals: one missed report is not yet a dead worker. */
export const workerHeartbeatFreshMs = 3 * workerHeartbeatIntervalMs;

/**
 * Longer than a long poll (a minute): where the server cannot list workers, a poller seen within
 * this time may still be waiting on its poll, so this fallback is slower to notice a dead worker.
 */
export const pollerFreshMs = 70_000;

const millisOf = (t: { seconds?: unknown; nanos?: number | null } | null | undefined) => (t ? Number(t.seconds ?? 0) * 1000 + (t.nanos ?? 0) / 1e6 : 0);

/**
 * Undefined when a worker is polling `taskQueue` now, else why not. The server's poller list
 * keeps a worker for minutes after it died, so it is not trusted alone: a running worker
 * reports a heartbeat every few seconds (ListWorkers), and only a fresh one counts. A server
 * without worker heartbeats (UNIMPLEMENTED, or no worker listed) falls back to pollers seen
 * within `pollerFreshMs`.
 */
async function workerPollingNow(temporal: Client, taskQueue: string, within: <T>(fn: () => Promise<T>) => Promise<T>): Promise<string | undefined> {
  const namespace = temporal.options.namespace;
  try {
    const res = await within(() => temporal.workflowService.listWorkers({ namespace, pageSize: 100, query: `TaskQueue = '${taskQueue.replaceAll("'", "''")}'` }));
    const now = Date.now();
    const running = protos.temporal.api.enums.v1.WorkerStatus.WORKER_STATUS_RUNNING;
    // An empty list is a server that lists workers but records no heartbeats (or no worker ever): ask the pollers.
    if (res.workersInfo.length > 0) {
      const live = res.workersInfo.filter((w) => w.workerHeartbeat?.status === running && now - millisOf(w.workerHeartbeat.heartbeatTime) <= workerHeartbeatFreshMs);
      return live.length > 0 ? undefined : `no worker of task queue ${taskQueue} has reported in the last ${workerHeartbeatFreshMs / 1000} s`;
    }
  } catch (err) {
    if ((err as { code?: number }).code !== 12 /* UNIMPLEMENTED */) throw err;
  }
  const res = await within(() =>
    temporal.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: protos.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    }),
  );
  const now = Date.now();
  const fresh = res.pollers.filter((p) => now - millisOf(p.lastAccessTime) <= pollerFreshMs);
  return fresh.length > 0 ? undefined : `no worker is polling task queue ${taskQueue}`;
}

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
        probe(() => workerPollingNow(temporal, taskQueue, within)),
      ]);
      const ready = postgres.ok && temporalCheck.ok && worker.ok;
      return reply.status(ready ? 200 : 503).send({ ready, checks: { postgres, temporal: temporalCheck, worker } });
    },
  );
};
