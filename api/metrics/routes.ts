/**
 * GET /metrics for Prometheus: request rates and latencies per route and the Node runtime's
 * own figures (fastify-metrics over prom-client), plus what operators of the product watch,
 * read from PostgreSQL at each scrape: escalations fired, open processes past a deadline (maintenance
 * tasks past their overdue time among them),
 * notifications failing. The worker exposes the Temporal SDK's metrics on its own port.
 */
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import fastifyMetrics from 'fastify-metrics';
import { Gauge } from 'prom-client';
import type { Db } from '../../db/index.js';
import { pendingTaskStatuses } from '../../domain/maintenance.js';

async function rows<T>(db: Db, query: ReturnType<typeof sql>): Promise<T[]> {
  return (await db.execute(query)).rows as T[];
}

/** The product's gauges, each filled from one query when Prometheus scrapes. */
function productGauges(db: Db): void {
  new Gauge({
    name: 'property_ops_sla_escalations_fired',
    help: 'Escalations fired so far (exactly once each), by process kind, SLA clock and level',
    labelNames: ['process', 'clock', 'level'],
    async collect() {
      this.reset();
      const fired = await rows<{ process: string; clock: string; level: number; n: number }>(
        db,
        sql`SELECT split_part(workflow_id, ':', 1) AS process, clock, level, count(*)::int AS n FROM sla_events WHERE level > 0 GROUP BY 1, 2, 3`,
      );
      for (const f of fired) this.set({ process: f.process, clock: f.clock, level: String(f.level) }, f.n);
    },
  });
  new Gauge({
    name: 'property_ops_open_processes_past_deadline',
    help: 'Open processes whose next SLA deadline has passed, by process kind',
    labelNames: ['process'],
    async collect() {
      const pending = sql.join(pendingTaskStatuses.map((s) => sql`${s}`), sql`, `);
      const [counts] = await rows<{ work_orders: number; complaints: number; maintenance_tasks: number }>(
        db,
        sql`SELECT (SELECT count(*)::int FROM work_orders WHERE next_deadline < now()) AS work_orders,
                   (SELECT count(*)::int FROM complaints WHERE next_deadline < now()) AS complaints,
                   (SELECT count(*)::int FROM maintenance_tasks WHERE status IN (${pending}) AND overdue_at < now()) AS maintenance_tasks`,
      );
      this.set({ process: 'work-order' }, counts?.work_orders ?? 0);
      this.set({ process: 'complaint' }, counts?.complaints ?? 0);
      // Labelled by workflow ID prefix, as the escalations are.
      this.set({ process: 'pm-task' }, counts?.maintenance_tasks ?? 0);
    },
  });
  new Gauge({
    name: 'property_ops_outbox_messages_failing',
    help: 'Notifications whose last delivery attempt failed and that are not delivered yet, by channel',
    labelNames: ['channel'],
    async collect() {
      this.reset();
      const failing = await rows<{ channel: string; n: number }>(db, sql`SELECT channel, count(*)::int AS n FROM outbox WHERE status = 'failed' GROUP BY channel`);
      for (const f of failing) this.set({ channel: f.channel }, f.n);
    },
  });
}

/** Registers /metrics on the app (unauthenticated, like the probes: scrape it from inside the network). */
export async function registerMetrics(app: FastifyInstance, db: Db): Promise<void> {
  // A CommonJS module that only sets exports.default: Node's ESM import hands over the exports object.
  await app.register(fastifyMetrics.default, {
    endpoint: '/metrics',
    // One registry per process; a test process builds several apps, each starting it afresh.
    clearRegisterOnInit: true,
    routeMetrics: { enabled: true, registeredRoutesOnly: true, routeBlacklist: ['/metrics', '/healthz', '/readyz'] },
  });
  productGauges(db);
}
