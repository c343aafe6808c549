import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../api/app.js';
import { freshDatabase, type TestDatabase } from './harness/db.js';
import { devServerEnv, testWorker, timeSkippingEnv } from './harness/temporal.js';

const fixtures = path.resolve('test/fixtures/harness-workflows.ts');

describe('the time-skipping environment', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await timeSkippingEnv();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('runs a three-day timer to the end without waiting three days', async () => {
    const worker = await testWorker(env, { workflowsPath: fixtures, activities: {} });
    const threeDays = 3 * 24 * 3600_000;
    const wallStart = Date.now();
    const elapsed = await worker.runUntil(
      env.client.workflow.execute('sleeperWorkflow', { args: [threeDays], taskQueue: worker.options.taskQueue, workflowId: `sleeper-${randomUUID()}` }),
    );
    expect(elapsed).toBeGreaterThanOrEqual(threeDays);
    expect(Date.now() - wallStart).toBeLessThan(threeDays);
  });
});

describe('the dev-server environment with a fresh database', () => {
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  beforeAll(async () => {
    [env, database] = await Promise.all([devServerEnv(), freshDatabase()]);
    await database.db.execute(sql`CREATE TABLE markers (id serial PRIMARY KEY, text text NOT NULL)`);
  });
  afterAll(async () => {
    await env?.teardown();
    await database?.drop();
  });

  it('runs a workflow whose activity writes to PostgreSQL', async () => {
    const activities = {
      async writeMarker(text: string) {
        const res = await database.pool.query<{ id: number }>('INSERT INTO markers (text) VALUES ($1) RETURNING id', [text]);
        return res.rows[0]!.id;
      },
    };
    const worker = await testWorker(env, { workflowsPath: fixtures, activities });
    const id = await worker.runUntil(
      env.client.workflow.execute('markerWorkflow', { args: ['hello'], taskQueue: worker.options.taskQueue, workflowId: `marker-${randomUUID()}` }),
    );
    const rows = await database.pool.query('SELECT text FROM markers WHERE id = $1', [id]);
    expect(rows.rows).toEqual([{ text: 'hello' }]);
  });

  it('gives each test file a database of its own with every migration applied', async () => {
    const other = await freshDatabase();
    try {
      const tables = await other.pool.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'");
      const names = tables.rows.map((r) => r.name);
      expect(names).toEqual(expect.arrayContaining(['properties', 'units', 'owners', 'staff', 'sla_policies', 'audit_log', 'outbox', 'work_orders']));
      expect(names).not.toContain('markers');
    } finally {
      await other.drop();
    }
  });

  it('answers /readyz 503 without a worker, 200 once one polls the task queue, and 503 again within seconds once it is gone', async () => {
    const taskQueue = `ready-${randomUUID()}`;
    const connection = await Connection.connect({ address: env.address });
    const client = new Client({ connection, namespace: env.namespace ?? 'default' });
    const app = await buildApp({ db: database.db, temporal: client, taskQueue, auth: { jwtSecret: 's'.repeat(32), tokenTtl: '1h' } });
    try {
      const before = await app.inject({ method: 'GET', url: '/readyz' });
      expect(before.statusCode).toBe(503);
      expect(before.json()).toMatchObject({ ready: false, checks: { postgres: { ok: true }, temporal: { ok: true }, worker: { ok: false } } });

      const worker = await testWorker(env, { workflowsPath: fixtures, activities: {}, taskQueue });
      await worker.runUntil(async () => {
        let res = await app.inject({ method: 'GET', url: '/readyz' });
        for (let i = 0; i < 50 && res.statusCode !== 200; i++) {
          await new Promise((r) => setTimeout(r, 100));
          res = await app.inject({ method: 'GET', url: '/readyz' });
        }
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({ ready: true });
      });
      // The server still lists the gone worker's pollers for minutes; readiness must not trust that list.
      const pollers = await client.workflowService.describeTaskQueue({ namespace: env.namespace ?? 'default', taskQueue: { name: taskQueue }, taskQueueType: 1 });
      expect(pollers.pollers.length).toBeGreaterThan(0);
      const gone = Date.now();
      let after = await app.inject({ method: 'GET', url: '/readyz' });
      while (after.statusCode === 200 && Date.now() - gone < 15_000) {
        await new Promise((r) => setTimeout(r, 250));
        after = await app.inject({ method: 'GET', url: '/readyz' });
      }
      expect(after.json()).toMatchObject({ ready: false, checks: { worker: { ok: false } } });
      expect(Date.now() - gone).toBeLessThan(8000);
    } finally {
      await app.close();
      await connection.close();
    }
  });
});
