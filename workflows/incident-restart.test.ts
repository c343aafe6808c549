/**
 * On the real dev server, with a plan measured in seconds: the worker dies a moment before
 * the pages run out, the escalation levels fall due while nothing runs, and a new worker
 * fires each of them exactly once.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPlanVersion } from '../db/emergency.js';
import { demoPlanContent } from '../db/seed-emergency.js';
import { seedDemo } from '../db/seed.js';
import { freshDatabase, type TestDatabase } from '../test/harness/db.js';
import { declareIncident, waitForIncident } from '../test/harness/incidents.js';
import { devServerEnv } from '../test/harness/temporal.js';
import { actor, workOrderWorker } from '../test/harness/work-orders.js';
import { cancelIncidentUpdate } from './incident.contract.js';

let env: TestWorkflowEnvironment;
let database: TestDatabase;

beforeAll(async () => {
  [env, database] = await Promise.all([devServerEnv(), freshDatabase()]);
  await seedDemo(database.db);
  const content = demoPlanContent('water_cut');
  // Pages run out 3 s after activation; levels come 2 s apart.
  await addPlanVersion(database.db, 'harbour-view', 'water_cut', { ...content, roles: content.roles.map((r) => ({ ...r, ackWithin: 'PT3S' })), escalateEvery: 'PT2S' }, { id: 'test', role: 'admin' });
});
afterAll(async () => {
  await env?.teardown();
  await database?.drop();
});

describe('a worker that dies while the pages run', () => {
  it('leaves no escalation lost or repeated: every level of every page fires once when a worker returns', async () => {
    const first = await workOrderWorker(env, database.db);
    const taskQueue = first.options.taskQueue;
    const firstRun = first.run();
    const h = await declareIncident(env.client, taskQueue, database.db, { incidentType: 'water_cut' });
    await waitForIncident(h, (s) => s.timeline.some((t) => t.action === 'page'), 'the pages');
    first.shutdown();
    await firstRun;

    // Every level of every page falls due (3 s, then 2 s apart) while no worker runs.
    await new Promise((r) => setTimeout(r, 8_000));
    const second = await workOrderWorker(env, database.db, { taskQueue });
    await second.runUntil(async () => {
      const s = await waitForIncident(h, (x) => x.pages.every((p) => p.escalations.length === 3), 'every level of every page', 30_000);
      expect(s.pages.map((p) => p.escalations.map((e) => e.level))).toEqual(s.pages.map(() => [1, 2, 3]));
      await h.executeUpdate(cancelIncidentUpdate, { args: [{ actor: await actor(database.db, 'manager.zhou'), reason: 'test over' }] });
    });
    const events = await database.pool.query<{ clock: string; level: number }>("SELECT clock, level FROM sla_events WHERE workflow_id = $1 AND clock LIKE 'ack:%' ORDER BY clock, level", [h.workflowId]);
    expect(events.rows).toHaveLength(15);
    expect(new Set(events.rows.map((e) => `${e.clock}/${e.level}`)).size).toBe(15);
    const outbox = await database.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox WHERE subject LIKE $1 AND template = 'sla.escalation'", [`${h.workflowId}#%`]);
    // Three roles have nobody second on duty: their level 1 is skipped and sends nothing; each other level reaches one person.
    expect(outbox.rows[0]!.n).toBe(15 - 3);
  });
});
