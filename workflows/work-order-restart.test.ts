/**
 * On the real dev server, with an SLA policy measured in seconds: the worker stops after the
 * first escalation, the later levels fall due while nothing runs, and a new worker fires
 * each of them exactly once.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { putSlaPolicy } from '../db/reference.js';
import { demoPolicies, seedDemo } from '../db/seed.js';
import { freshDatabase, type TestDatabase } from '../test/harness/db.js';
import { devServerEnv } from '../test/harness/temporal.js';
import { actor, openOrder, waitForState, workOrderWorker } from '../test/harness/work-orders.js';
import { cancelUpdate } from './work-order.contract.js';

let env: TestWorkflowEnvironment;
let database: TestDatabase;

beforeAll(async () => {
  [env, database] = await Promise.all([devServerEnv(), freshDatabase()]);
  await seedDemo(database.db);
  await putSlaPolicy(
    database.db,
    'harbour-view',
    'water',
    {
      ...demoPolicies.water,
      respond: 'PT2S',
      escalation: [
        { level: 1, after: 'PT0S', role: 'dispatcher' },
        { level: 2, after: 'PT2S', role: 'manager' },
        { level: 3, after: 'PT3S', role: 'director' },
      ],
    },
    { id: 'test', role: 'admin' },
  );
});
afterAll(async () => {
  await env?.teardown();
  await database?.drop();
});

describe('a worker that dies mid-process', () => {
  it('leaves nothing lost or repeated: the levels missed while it was down fire once each when a worker returns', async () => {
    const first = await workOrderWorker(env, database.db);
    const taskQueue = first.options.taskQueue;
    const firstRun = first.run();
    const h = await openOrder(env.client, taskQueue, database.db);
    await waitForState(h, (s) => s.escalations.length === 1, 'level 1');
    first.shutdown();
    await firstRun;

    // Levels 2 and 3 fall due (2 s and 3 s after the deadline) while no worker runs.
    await new Promise((r) => setTimeout(r, 3500));
    const second = await workOrderWorker(env, database.db, { taskQueue });
    await second.runUntil(async () => {
      const s = await waitForState(h, (x) => x.escalations.length === 3, 'levels 2 and 3');
      expect(s.escalations.map((e) => [e.level, e.role])).toEqual([
        [1, 'dispatcher'],
        [2, 'manager'],
        [3, 'director'],
      ]);
      await h.executeUpdate(cancelUpdate, { args: [{ actor: await actor(database.db, 'dispatcher.zhang'), reason: 'test over' }] });
    });
    const events = await database.pool.query<{ level: number }>("SELECT level FROM sla_events WHERE workflow_id = $1 AND clock = 'respond' ORDER BY level", [h.workflowId]);
    expect(events.rows.map((r) => r.level)).toEqual([0, 1, 2, 3]);
    const outbox = await database.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox WHERE subject LIKE $1 AND template = 'sla.escalation'", [`${h.workflowId}#%`]);
    expect(outbox.rows[0]!.n).toBe(3);
  });
});
