import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../db/seed.js';
import { freshDatabase, type TestDatabase } from '../test/harness/db.js';
import { timeSkippingEnv } from '../test/harness/temporal.js';
import { actor, openOrder, waitForState, workOrderWorker } from '../test/harness/work-orders.js';
import type { StepRecord } from './shared/steps.js';
import { cancelUpdate } from './work-order.contract.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

let env: TestWorkflowEnvironment;
let database: TestDatabase;

beforeAll(async () => {
  [env, database] = await Promise.all([timeSkippingEnv(), freshDatabase()]);
  await seedDemo(database.db);
});
afterAll(async () => {
  await env?.teardown();
  await database?.drop();
});

const respondEscalations = async (workflowId: string) => ({
  events: (await database.pool.query<{ level: number }>("SELECT level FROM sla_events WHERE workflow_id = $1 AND clock = 'respond' ORDER BY level", [workflowId])).rows.map((r) => r.level),
  audit: (await database.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE subject = $1 AND action = 'sla.escalated' AND detail->>'clock' = 'respond'", [workflowId])).rows[0]!.n,
  outbox: (await database.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM outbox WHERE subject LIKE $1 AND template = 'sla.escalation' AND payload->>'clock' = 'respond'", [`${workflowId}#%`])).rows[0]!.n,
});

describe('escalation survives failures', () => {
  it('writes an escalation once when its activity is retried after the database already committed it', async () => {
    let crashed = false;
    const worker = await workOrderWorker(env, database.db, {
      wrap: (activities) => ({
      ...activities,
      // The worker "dies" right after the transaction commits, before Temporal hears of it.
      async recordStep(step: StepRecord) {
        const result = await activities.recordStep(step);
        if (step.slaEvent?.level === 1 && !crashed) {
          crashed = true;
          throw new Error('worker lost after commit');
        }
        return result;
      },
      }),
    });
    await worker.runUntil(async () => {
      const h = await openOrder(env.client, worker.options.taskQueue, database.db);
      await waitForState(h, (s) => s.status === 'dispatched', 'dispatch');
      await env.sleep(HOUR + 1000);
      const s = await waitForState(h, (x) => x.escalations.length === 1, 'level 1 after the retry');
      expect(crashed).toBe(true);
      expect(s.escalations[0]).toMatchObject({ level: 1, recipients: 1 });
      expect(await respondEscalations(h.workflowId)).toEqual({ events: [0, 1], audit: 1, outbox: 1 });
      await h.executeUpdate(cancelUpdate, { args: [{ actor: await actor(database.db, 'dispatcher.zhang'), reason: 'test over' }] });
    });
  });
});
