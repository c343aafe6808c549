/**
 * End to end, as in production: worker.ts and server.ts run as their own processes against
 * the real dev server and PostgreSQL; the test speaks HTTP only. The SLA policy is set to
 * seconds, so the escalations happen for real while the test watches.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../db/seed.js';
import { freshDatabase, type TestDatabase } from './harness/db.js';
import { AppProcesses, eventually, waterPolicy } from './harness/system.js';
import { devServerEnv } from './harness/temporal.js';

let env: TestWorkflowEnvironment;
let database: TestDatabase;
let app: AppProcesses;
const call = (...args: Parameters<AppProcesses['call']>) => app.call(...args);

beforeAll(async () => {
  [env, database] = await Promise.all([devServerEnv(), freshDatabase()]);
  await seedDemo(database.db);
  app = await AppProcesses.start({
    databaseUrl: database.url,
    temporalAddress: env.address,
    users: ['manager.zhou', 'frontdesk.li', 'dispatcher.zhang', 'tech.chen', 'tech.liu'],
  });
});

afterAll(async () => {
  await app?.stop();
  await env?.teardown();
  await database?.drop();
});

describe('a leak reported through the API, end to end', () => {
  it('dispatches itself, escalates twice, survives a killed worker, goes round a rectification and closes with its whole timeline, which replays in the worker', async () => {
    const policy = waterPolicy({ respond: 'PT3S', complete: 'PT10M', revisit: 'PT10M' }, ['PT0S', 'PT2S', 'PT1H']);
    expect((await call('PUT', '/v1/properties/harbour-view/sla-policies/water', 'manager.zhou', policy)).status).toBe(200);

    const created = await call('POST', '/v1/work-orders', 'frontdesk.li', {
      propertyId: 'harbour-view',
      location: { commonArea: 'B1 car park' },
      category: 'water',
      channel: 'phone',
      description: 'Pipe leaking over parking space 12',
      reporter: { name: 'Owner Guo', phone: '13800001502' },
    });
    expect(created.status).toBe(201);
    const id = created.json.id as string;

    const dispatched = await eventually('automatic dispatch', async () => {
      const r = await call('GET', `/v1/work-orders/${id}`, 'dispatcher.zhang');
      return r.json.status === 'dispatched' ? r.json : undefined;
    });
    const tech = dispatched.assignee.name.includes('Chen') ? 'tech.chen' : 'tech.liu';

    const level1 = await eventually('level 1', async () => {
      const r = await call('GET', `/v1/work-orders/${id}`, 'dispatcher.zhang');
      return r.json.escalations.length >= 1 ? r.json : undefined;
    });
    expect(level1.escalations[0]).toMatchObject({ clock: 'respond', level: 1, role: 'dispatcher' });
    const overdue = await call('GET', '/v1/work-orders?overdue=true&propertyId=harbour-view', 'dispatcher.zhang');
    expect(overdue.json.items.map((o: { id: string }) => o.id)).toContain(id);

    // Kill the worker outright between level 1 and level 2, and start another.
    const worker = app.children.get('worker')!;
    worker.kill('SIGKILL');
    await new Promise((r) => worker.once('exit', r));
    await new Promise((r) => setTimeout(r, 2500));
    app.launch('worker', 'worker.ts');

    const level2 = await eventually('level 2', async () => {
      const r = await call('GET', `/v1/work-orders/${id}`, 'dispatcher.zhang');
      return r.json.escalations.length >= 2 ? r.json : undefined;
    }, 60);
    expect(level2.escalations.map((e: { level: number; role: string }) => [e.level, e.role])).toEqual([[1, 'dispatcher'], [2, 'manager']]);

    expect((await call('POST', `/v1/work-orders/${id}/accept`, tech, {})).json.status).toBe('accepted');
    expect((await call('POST', `/v1/work-orders/${id}/arrive`, tech, {})).json.status).toBe('on_site');
    expect((await call('POST', `/v1/work-orders/${id}/complete`, tech, { summary: 'tightened the joint' })).json.status).toBe('completed');
    const unhappy = await call('POST', `/v1/work-orders/${id}/revisit`, 'frontdesk.li', { satisfied: false, score: 2, comment: 'still dripping' });
    expect(unhappy.json).toMatchObject({ status: 'dispatched', rectifications: { count: 1 } });
    expect((await call('POST', `/v1/work-orders/${id}/accept`, tech, {})).status).toBe(200);
    expect((await call('POST', `/v1/work-orders/${id}/arrive`, tech, {})).status).toBe(200);
    expect((await call('POST', `/v1/work-orders/${id}/complete`, tech, { summary: 'replaced the pipe section', materials: [{ name: 'DN25 pipe', quantity: 2, unit: 'm' }] })).status).toBe(200);
    const closed = await call('POST', `/v1/work-orders/${id}/revisit`, 'frontdesk.li', { satisfied: true, score: 5, comment: 'dry now' });
    expect(closed.json).toMatchObject({ status: 'closed', satisfaction: 5 });

    // The respond clock of the first round escalated exactly twice: nothing lost, nothing repeated.
    const escalations = await database.pool.query<{ level: number; n: number }>(
      "SELECT level, count(*)::int AS n FROM sla_events WHERE workflow_id = $1 AND clock = 'respond' AND run = 1 AND level > 0 GROUP BY level ORDER BY level",
      [created.json.workflowId],
    );
    expect(escalations.rows).toEqual([{ level: 1, n: 1 }, { level: 2, n: 1 }]);
    const outbox = await database.pool.query<{ template: string; recipient_role: string | null }>(
      "SELECT template, recipient_role FROM outbox WHERE subject LIKE $1 AND template = 'sla.escalation' ORDER BY id",
      [`${created.json.workflowId}#%`],
    );
    expect(outbox.rows.slice(0, 2)).toEqual([{ template: 'sla.escalation', recipient_role: 'dispatcher' }, { template: 'sla.escalation', recipient_role: 'manager' }]);
    // Whatever else escalated (the rectification round's own clock, if the test machine was slow), each event wrote one message.
    const fired = await database.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM sla_events WHERE workflow_id = $1 AND level > 0', [created.json.workflowId]);
    expect(outbox.rows).toHaveLength(fired.rows[0]!.n);

    const detail = (await call('GET', `/v1/work-orders/${id}`, 'manager.zhou')).json;
    const actions = detail.timeline.map((s: { action: string }) => s.action);
    expect(actions.filter((a: string) => !a.startsWith('sla.'))).toEqual(['receive', 'dispatch', 'accept', 'arrive', 'complete', 'rectify', 'accept', 'arrive', 'complete', 'revisit']);
    for (const step of detail.timeline) expect(step.actor.id).toBeTruthy();
    const list = await call('GET', '/v1/work-orders?status=closed', 'manager.zhou');
    expect(list.json.items.find((o: { id: string }) => o.id === id)).toMatchObject({ status: 'closed', rectifications: 1, escalationLevel: 2, satisfaction: 5 });

    // The replay check runs in the worker process (the API only starts it): the closed order replays there.
    const replay = await call('POST', '/v1/audit/replay', 'manager.zhou', { workflowId: created.json.workflowId });
    expect(replay.status).toBe(200);
    expect(replay.json).toMatchObject({ name: created.json.workflowId, workflowType: 'workOrderWorkflow', outcome: 'deterministic' });
  });
});
