/**
 * The production engine, scaled out and losing a node: Temporal 1.29 as separate processes
 * (frontend, matching, internal worker, two history hosts sharing the shards) on PostgreSQL,
 * configured by scripts/cluster.ts exactly as `npm run cluster` does, with worker.ts and
 * server.ts as processes in front. Repair orders run on seconds-long SLAs; one history host is
 * SIGKILLed (and left dead) while escalations are due. Its shards must move to the survivor and
 * every escalation must fire exactly once.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seedDemo } from '../db/seed.js';
import {
  clusterProcess,
  clusterServices,
  freeClusterPort,
  HISTORY_SHARDS,
  registerNamespace,
  setupSchemas,
  writeClusterConfig,
  type ClusterLayout,
  type ClusterService,
} from '../scripts/cluster.js';
import type { Running } from '../scripts/supervisor.js';
import { freshDatabase, type TestDatabase } from './harness/db.js';
import { AppProcesses, eventually, freePort, waterPolicy } from './harness/system.js';

const tools = inject('temporalCluster');
const unavailable = 'unavailable' in tools ? tools.unavailable : undefined;
if (unavailable) console.warn(`skipping the cluster test: the Temporal server could not be built.\n${unavailable}`);

const ORDERS = 10;
// Respond clock 8 s, then levels 0 s, 4 s and 8 s after it: escalations fall due 8–16 s after each order.
const policy = waterPolicy({ respond: 'PT8S', complete: 'PT1H', revisit: 'PT1H' }, ['PT0S', 'PT4S', 'PT8S']);

let layout: ClusterLayout;
let database: TestDatabase;
let app: AppProcesses | undefined;
const services = new Map<ClusterService, Running>();

async function shardRanges(client: pg.Client): Promise<Map<number, bigint>> {
  const rows = await client.query<{ shard_id: number; range_id: string }>('SELECT shard_id, range_id FROM shards ORDER BY shard_id');
  return new Map(rows.rows.map((r) => [r.shard_id, BigInt(r.range_id)]));
}

describe.skipIf(unavailable !== undefined)('repair orders on a Temporal cluster that loses a history host', () => {
  beforeAll(async () => {
    if ('unavailable' in tools) return;
    const admin = new URL(inject('pgAdminUrl'));
    const suffix = randomBytes(4).toString('hex');
    layout = {
      dir: await mkdtemp(path.join(tmpdir(), 'property-ops-cluster-')),
      host: '127.0.0.1',
      frontendPort: await freeClusterPort(),
      uiPort: await freePort(),
      namespace: 'default',
      postgres: {
        host: admin.hostname,
        port: Number(admin.port),
        user: decodeURIComponent(admin.username),
        password: decodeURIComponent(admin.password),
        database: `temporal_${suffix}`,
        visibilityDatabase: `temporal_visibility_${suffix}`,
      },
    };
    database = await freshDatabase();
    await seedDemo(database.db);
    await setupSchemas(layout, tools);
    await writeClusterConfig(layout, tools);
    for (const service of clusterServices) services.set(service, await clusterProcess(layout, tools, service).start());
    await registerNamespace(layout, inject('temporalCli'));
    app = await AppProcesses.start({
      databaseUrl: database.url,
      temporalAddress: `127.0.0.1:${layout.frontendPort}`,
      users: ['admin', 'frontdesk.li', 'dispatcher.zhang', 'tech.chen', 'tech.liu'],
    });
  }, 300_000);

  afterAll(async () => {
    await app?.stop();
    await Promise.all([...services.values()].map((s) => s.stop()));
    if (layout) {
      const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
      await admin.connect();
      for (const db of [layout.postgres.database, layout.postgres.visibilityDatabase]) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await admin.end();
      await rm(layout.dir, { recursive: true, force: true });
    }
    await database?.drop();
  });

  it('moves the shards to the surviving host and fires every escalation exactly once', async () => {
    const call = app!.call.bind(app);
    expect((await call('PUT', '/v1/properties/harbour-view/sla-policies/water', 'admin', policy)).status).toBe(200);

    const opened: { id: string; workflowId: string; accepted: boolean }[] = [];
    const firstOpened = Date.now();
    for (let i = 0; i < ORDERS; i++) {
      const created = await call('POST', '/v1/work-orders', 'frontdesk.li', {
        propertyId: 'harbour-view',
        location: { commonArea: `B1 car park, bay ${i}` },
        category: 'water',
        channel: 'phone',
        description: `Pipe leaking over bay ${i}`,
        reporter: { name: 'Owner Guo', phone: '13800001502' },
      });
      expect(created.status).toBe(201);
      opened.push({ id: created.json.id as string, workflowId: created.json.workflowId as string, accepted: i % 2 === 0 });
    }
    // Every other order is accepted at once: its respond clock stops and must never escalate.
    for (const order of opened.filter((o) => o.accepted)) {
      const dispatched = await eventually(`dispatch of ${order.id}`, async () => {
        const r = await call('GET', `/v1/work-orders/${order.id}`, 'dispatcher.zhang');
        return r.json.status === 'dispatched' ? r.json : undefined;
      });
      const tech = (dispatched.assignee.name as string).includes('Chen') ? 'tech.chen' : 'tech.liu';
      expect((await call('POST', `/v1/work-orders/${order.id}/accept`, tech, {})).json.status).toBe('accepted');
    }

    const temporalDb = new pg.Client({ ...layout.postgres, database: layout.postgres.database });
    await temporalDb.connect();
    try {
      const before = await shardRanges(temporalDb);
      expect(before.size).toBe(HISTORY_SHARDS);

      // Kill one history host outright once the first escalations have fired and the rest are due.
      await new Promise((r) => setTimeout(r, Math.max(0, firstOpened + 9_000 - Date.now())));
      const victim = services.get('history-1')!;
      const killedAt = new Date();
      process.kill(victim.pid!, 'SIGKILL');
      expect(await victim.exited).toBe('killed by SIGKILL');

      const pending = opened.filter((o) => !o.accepted);
      const workflowIds = pending.map((o) => o.workflowId);
      const expected = pending.length * policy.escalation.length;
      const fired = await eventually(
        'every escalation of the unaccepted orders',
        async () => {
          const rows = await database.pool.query<{ workflow_id: string; clock: string; run: number; level: number; due_at: Date; fired_at: Date }>(
            'SELECT workflow_id, clock, run, level, due_at, fired_at FROM sla_events WHERE level > 0 AND workflow_id = ANY($1)',
            [opened.map((o) => o.workflowId)],
          );
          return (rows.rowCount ?? 0) >= expected ? rows.rows : undefined;
        },
        120,
      );
      // Each unaccepted order escalated once per level on its respond clock; the accepted ones never.
      expect(fired.map((e) => `${e.workflow_id} ${e.clock} ${e.run} ${e.level}`).sort()).toEqual(
        workflowIds.flatMap((w) => [1, 2, 3].map((level) => `${w} respond 1 ${level}`)).sort(),
      );

      // The shards history-1 held were taken over: their range ID moved on when history-2 acquired them.
      const after = await shardRanges(temporalDb);
      const moved = [...before].filter(([shard, range]) => (after.get(shard) ?? 0n) > range).map(([shard]) => shard);
      expect(moved.length).toBeGreaterThan(0);
      expect(services.get('history-2')!.pid).toBeDefined();

      // What the workflows themselves recorded, and what they owe people, has no gaps and no repeats.
      for (const order of opened) {
        const detail = (await call('GET', `/v1/work-orders/${order.id}`, 'dispatcher.zhang')).json;
        expect(detail.status).toBe(order.accepted ? 'accepted' : 'dispatched');
        expect(detail.escalations.map((e: { level: number }) => e.level)).toEqual(order.accepted ? [] : [1, 2, 3]);
      }
      const outbox = await database.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM outbox WHERE template = 'sla.escalation' AND split_part(subject, '#', 1) = ANY($1)",
        [workflowIds],
      );
      expect(outbox.rows[0]!.n).toBe(expected);

      const late = fired.filter((e) => e.due_at > killedAt).map((e) => e.fired_at.getTime() - e.due_at.getTime());
      const firstAfter = Math.min(...fired.filter((e) => e.fired_at > killedAt).map((e) => e.fired_at.getTime())) - killedAt.getTime();
      console.log(
        `cluster failover: history-1 SIGKILLed at ${killedAt.toISOString()}; ${moved.length} of ${HISTORY_SHARDS} shards moved to history-2; ` +
          `first escalation after the kill fired ${(firstAfter / 1000).toFixed(1)} s after it; ${late.length} escalations fell due after the kill, ` +
          `fired at most ${(Math.max(...late) / 1000).toFixed(1)} s late; ${fired.length} fired, 0 lost, 0 duplicated`,
      );
    } finally {
      await temporalDb.end();
    }
  }, 240_000);
});
