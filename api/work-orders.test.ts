import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { testApp, type TestApp } from '../test/harness/api.js';
import { processApiStack } from '../test/harness/process-api.js';
import type { TestDatabase } from '../test/harness/db.js';

const stack = processApiStack();
let env: TestWorkflowEnvironment;
let database: TestDatabase;
let t: TestApp;
beforeAll(() => ({ env, database, t } = stack));

const leak = {
  propertyId: 'harbour-view',
  location: { commonArea: 'Lobby, Building 1' },
  category: 'water',
  channel: 'phone',
  description: 'Water dripping from the lobby ceiling',
  reporter: { name: 'Owner Lin', phone: '13800000102' },
};

async function create(username = 'frontdesk.li', body: object = leak, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url: '/v1/work-orders', headers: { ...(await t.as(username)), ...headers }, payload: body });
}

async function act(id: string, action: string, username: string, payload: object = {}) {
  return t.app.inject({ method: 'POST', url: `/v1/work-orders/${id}/${action}`, headers: await t.as(username), payload });
}

async function dispatchedOrder(): Promise<{ id: string; assignee: string }> {
  const res = await create();
  expect(res.statusCode).toBe(201);
  const id = res.json().id as string;
  for (let i = 0; i < 100; i++) {
    const got = await t.app.inject({ method: 'GET', url: `/v1/work-orders/${id}`, headers: await t.as('frontdesk.li') });
    if (got.json().status === 'dispatched') {
      const assigneeId = got.json().assignee.id as string;
      const staff = await database.pool.query<{ username: string }>('SELECT username FROM staff WHERE id = $1', [assigneeId]);
      return { id, assignee: staff.rows[0]!.username };
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('order never dispatched');
}

describe('registering a repair request', () => {
  it('answers 201 with the order, its deadlines and a Location header', async () => {
    const res = await create();
    expect(res.statusCode).toBe(201);
    const order = res.json();
    expect(order.id).toMatch(/^WO-\d{8}-\d{4,}$/);
    expect(res.headers.location).toBe(`/v1/work-orders/${order.id}`);
    expect(order).toMatchObject({ propertyId: 'harbour-view', category: 'water', priority: 'normal', createdBy: { role: 'front_desk' } });
    expect(order.deadlines.map((d: { name: string }) => d.name)).toEqual(['respond', 'arrive', 'complete']);
    const respond = order.deadlines[0];
    expect(Date.parse(respond.deadline) - Date.parse(respond.startedAt)).toBe(3600_000);
  });

  it('returns the same order for a retried create with the same Idempotency-Key and starts no second workflow', async () => {
    const key = { 'idempotency-key': 'retry-test-0000001' };
    const first = await create('frontdesk.li', leak, key);
    const second = await create('frontdesk.li', leak, key);
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json().id).toBe(first.json().id);
    const handle = env.client.workflow.getHandle(first.json().workflowId);
    const history = await handle.fetchHistory();
    expect(history.events?.filter((e) => e.workflowExecutionStartedEventAttributes)).toHaveLength(1);
    const { runId } = await handle.describe();
    expect(runId).toBeTruthy();
    const third = await create('frontdesk.li', leak, key);
    expect(third.json().id).toBe(first.json().id);
    expect((await handle.describe()).runId).toBe(runId);
    const reused = await create('frontdesk.li', { ...leak, description: 'something else' }, key);
    expect(reused.statusCode).toBe(409);
    expect(reused.json().message).toContain('Idempotency-Key');
  });

  it('names every bad field in a 400 and starts nothing', async () => {
    const before = await database.pool.query('SELECT last_value FROM work_order_number_seq');
    const res = await create('frontdesk.li', { ...leak, category: 'plumbingz', location: {}, reporter: { phone: 'call me' } });
    expect(res.statusCode).toBe(400);
    const fields = res.json().fields.map((f: { field: string }) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['body.category', 'body.location', 'body.reporter.name', 'body.reporter.phone']));
    const after = await database.pool.query('SELECT last_value FROM work_order_number_seq');
    expect(after.rows[0]).toEqual(before.rows[0]);
  });

  it('answers 404 for an unknown unit and a stranger, 403 for an auditor, 409 for a category without a policy', async () => {
    expect((await create('frontdesk.li', { ...leak, location: { unitId: '00000000-0000-4000-8000-000000000000' } })).statusCode).toBe(404);
    expect((await create('auditor.qian')).statusCode).toBe(403);
    const stranger = await t.outsider('front_desk');
    const res = await t.app.inject({ method: 'POST', url: '/v1/work-orders', headers: stranger, payload: leak });
    expect([res.statusCode, res.json()]).toEqual([404, { error: 'not_found', message: 'property harbour-view not found' }]);
    await database.pool.query("DELETE FROM sla_policies WHERE property_id = 'harbour-view' AND category = 'hvac'");
    const noPolicy = await create('frontdesk.li', { ...leak, category: 'hvac' });
    expect(noPolicy.statusCode).toBe(409);
    expect(noPolicy.json().message).toContain('no SLA policy for hvac');
  });

  it('records a unit location with its code', async () => {
    const units = await t.app.inject({ method: 'GET', url: '/v1/properties/harbour-view/units', headers: await t.as('frontdesk.li') });
    const unit = units.json().items.find((u: { code: string }) => u.code === '1-1502');
    const res = await create('frontdesk.li', { ...leak, location: { unitId: unit.id } });
    expect(res.statusCode).toBe(201);
    expect(res.json().location).toEqual({ unitId: unit.id, unitCode: '1-1502' });
  });
});

describe('staff steps over HTTP', () => {
  it('answers 409 naming the current status for a step out of order, 403 for the wrong person, 404 for an unknown order', async () => {
    const { id, assignee } = await dispatchedOrder();
    const early = await act(id, 'arrive', assignee);
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ error: 'illegal_transition', status: 'dispatched' });
    expect(early.json().message).toContain('dispatched');
    const other = assignee === 'tech.chen' ? 'tech.liu' : 'tech.chen';
    const wrong = await act(id, 'accept', other);
    expect(wrong.statusCode).toBe(403);
    const missing = await act('WO-20200101-9999', 'accept', assignee);
    expect(missing.statusCode).toBe(404);
    const auditor = await act(id, 'accept', 'auditor.qian');
    expect(auditor.statusCode).toBe(403);
  });

  it('takes an order from dispatch to closure and then refuses further steps with 409', async () => {
    const { id, assignee } = await dispatchedOrder();
    expect((await act(id, 'accept', assignee)).json().status).toBe('accepted');
    expect((await act(id, 'arrive', assignee)).json().status).toBe('on_site');
    const unfinished = await act(id, 'complete', assignee, { materials: [] });
    expect(unfinished.statusCode).toBe(400);
    expect(unfinished.json().fields[0].field).toBe('body.summary');
    expect((await act(id, 'complete', assignee, { summary: 'resealed the pipe', materials: [{ name: 'sealant', quantity: 1, unit: 'tube' }] })).json().status).toBe('completed');
    const noReason = await act(id, 'revisit', 'frontdesk.li', { satisfied: false, score: 2 });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().fields[0].field).toBe('body.comment');
    const closed = await act(id, 'revisit', 'concierge.wang', { satisfied: true, score: 5 });
    expect(closed.json()).toMatchObject({ status: 'closed', satisfaction: 5 });
    const again = await act(id, 'cancel', 'frontdesk.li', { reason: 'too late' });
    expect(again.statusCode).toBe(409);
    expect(again.json().status).toBe('closed');

    const detail = await t.app.inject({ method: 'GET', url: `/v1/work-orders/${id}`, headers: await t.as('auditor.qian') });
    expect(detail.statusCode).toBe(200);
    expect(detail.json().timeline.map((s: { action: string }) => s.action)).toEqual(['receive', 'dispatch', 'accept', 'arrive', 'complete', 'revisit']);
    expect(detail.json().reporter.phone).toBe('138****0102');
  });

  it('reassigns by hand only to active field staff of the property, and only for a dispatcher', async () => {
    const { id, assignee } = await dispatchedOrder();
    const other = assignee === 'tech.chen' ? 'tech.liu' : 'tech.chen';
    const otherId = (await database.pool.query<{ id: string }>('SELECT id FROM staff WHERE username = $1', [other])).rows[0]!.id;
    const frontDeskId = (await database.pool.query<{ id: string }>("SELECT id FROM staff WHERE username = 'frontdesk.li'")).rows[0]!.id;
    expect((await act(id, 'dispatch', 'tech.chen', { assigneeId: otherId })).statusCode).toBe(403);
    const notField = await act(id, 'dispatch', 'dispatcher.zhang', { assigneeId: frontDeskId });
    expect(notField.statusCode).toBe(400);
    expect(notField.json().fields[0].field).toBe('body.assigneeId');
    const moved = await act(id, 'dispatch', 'dispatcher.zhang', { assigneeId: otherId, reason: 'closer to the site' });
    expect(moved.statusCode).toBe(200);
    expect(moved.json().assignee.id).toBe(otherId);
  });
});

describe('listing orders', () => {
  it('filters by status and assignee and pages with a cursor, newest first', async () => {
    const orders = [];
    for (let i = 0; i < 3; i++) orders.push(await dispatchedOrder());
    const headers = await t.as('dispatcher.zhang');
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { statusCode: number; json(): { items: { id: string }[]; nextCursor: string | null } } = await t.app.inject({ method: 'GET', url: `/v1/work-orders?propertyId=harbour-view&limit=2${cursor ? `&cursor=${cursor}` : ''}`, headers });
      expect(res.statusCode).toBe(200);
      expect(res.json().items.length).toBeLessThanOrEqual(2);
      all.push(...res.json().items.map((o: { id: string }) => o.id));
      cursor = res.json().nextCursor;
    } while (cursor);
    expect(new Set(all).size).toBe(all.length);
    for (const o of orders) expect(all).toContain(o.id);
    expect(all.indexOf(orders[2]!.id)).toBeLessThan(all.indexOf(orders[0]!.id));

    const techId = (await database.pool.query<{ id: string }>('SELECT id FROM staff WHERE username = $1', [orders[0]!.assignee])).rows[0]!.id;
    const mine = await t.app.inject({ method: 'GET', url: `/v1/work-orders?assigneeId=${techId}&status=dispatched,accepted`, headers });
    expect(mine.json().items.length).toBeGreaterThan(0);
    for (const o of mine.json().items) {
      expect(o.assignee.id).toBe(techId);
      expect(['dispatched', 'accepted']).toContain(o.status);
    }
    const bad = await t.app.inject({ method: 'GET', url: '/v1/work-orders?status=lost&limit=0', headers });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().fields.map((f: { field: string }) => f.field)).toEqual(expect.arrayContaining(['querystring.status.0', 'querystring.limit']));
  });
});

describe('when no worker answers', () => {
  it('still registers the order (201, status received) and answers reads and steps with 503 instead of hanging', async () => {
    const idle = await testApp(database.db, { temporal: env.client, taskQueue: 'nobody-polls-this-queue', stepTimeoutMs: 1000 });
    try {
      const created = await idle.app.inject({ method: 'POST', url: '/v1/work-orders', headers: await idle.as('frontdesk.li'), payload: leak });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ status: 'received', timeline: [] });
      const id = created.json().id as string;
      const read = await idle.app.inject({ method: 'GET', url: `/v1/work-orders/${id}`, headers: await idle.as('frontdesk.li') });
      expect(read.statusCode).toBe(503);
      expect(read.json().message).toContain('no worker answered');
    } finally {
      await idle.close();
    }
  });
});
