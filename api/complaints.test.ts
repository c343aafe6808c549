import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { addStaff, createProperty, createUnit, putComplaintPolicy, putSlaPolicy } from '../db/reference.js';
import { demoComplaintPolicies, demoPolicies, seedDemo } from '../db/seed.js';
import { testApp, type TestApp } from '../test/harness/api.js';
import { processApiStack } from '../test/harness/process-api.js';
import type { TestDatabase } from '../test/harness/db.js';
import { eventually } from '../test/harness/processes.js';
import { acceptUpdate, arriveUpdate, completeUpdate, revisitUpdate, workOrderWorkflowId } from '../workflows/work-order.contract.js';

const HOUR = 3600_000;

const stack = processApiStack();
let env: TestWorkflowEnvironment;
let database: TestDatabase;
let t: TestApp;
beforeAll(() => ({ env, database, t } = stack));

const noise = {
  propertyId: 'harbour-view',
  location: { commonArea: 'Courtyard, Building 2' },
  category: 'noise',
  channel: 'phone',
  description: 'Karaoke in the courtyard every night until 1 am',
  complainant: { name: 'Owner Ma', phone: '13800000201' },
};

type Json = Record<string, any>;
async function create(username = 'frontdesk.li', body: object = noise, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url: '/v1/complaints', headers: { ...(await t.as(username)), ...headers }, payload: body });
}
async function act(id: string, action: string, username: string, payload: object = {}) {
  return t.app.inject({ method: 'POST', url: `/v1/complaints/${id}/${action}`, headers: await t.as(username), payload });
}
async function get(url: string, username = 'frontdesk.li') {
  return t.app.inject({ method: 'GET', url, headers: await t.as(username) });
}
const staffId = async (username: string) => (await database.pool.query<{ id: string }>('SELECT id FROM staff WHERE username = $1', [username])).rows[0]!.id;
/** Register, assign to the site supervisor and answer: a complaint being handled. */
async function answered(body: object = noise): Promise<string> {
  const id = (await create('frontdesk.li', body)).json().id as string;
  expect((await act(id, 'assign', 'manager.zhou', { handlerId: await staffId('dispatcher.zhang') })).statusCode).toBe(200);
  expect((await act(id, 'respond', 'dispatcher.zhang', { message: 'We will look into it today.' })).statusCode).toBe(200);
  return id;
}

describe('registering a complaint', () => {
  it('answers 201 with the complaint, its clocks and a Location header; priority comes from the category and the urgency flag', async () => {
    const res = await create();
    expect(res.statusCode).toBe(201);
    const c = res.json();
    expect(c.id).toMatch(/^CP-\d{8}-\d{4,}$/);
    expect(res.headers.location).toBe(`/v1/complaints/${c.id}`);
    expect(c).toMatchObject({ status: 'received', category: 'noise', priority: 'normal', urgent: false, createdBy: { role: 'front_desk' }, complainant: { name: 'Owner Ma', phone: '13800000201' } });
    const respond = c.deadlines.find((d: Json) => d.name === 'respond');
    expect(Date.parse(respond.deadline) - Date.parse(respond.startedAt)).toBe(24 * HOUR);

    expect((await create('frontdesk.li', { ...noise, urgent: true })).json().priority).toBe('high');
    expect((await create('concierge.wang', { ...noise, category: 'fees' })).json().priority).toBe('low');
    const chosen = (await create('frontdesk.li', { ...noise, category: 'fees', priority: 'urgent' })).json();
    expect(chosen.priority).toBe('urgent');
    expect(Date.parse(chosen.deadlines[0].deadline) - Date.parse(chosen.deadlines[0].startedAt)).toBe(1 * HOUR);
  });

  it('returns the same complaint for a retried create with the same Idempotency-Key and refuses the key for another body', async () => {
    const key = { 'idempotency-key': 'complaint-retry-0001' };
    const first = await create('frontdesk.li', noise, key);
    const second = await create('frontdesk.li', noise, key);
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json().id).toBe(first.json().id);
    const history = await env.client.workflow.getHandle(first.json().workflowId).fetchHistory();
    expect(history.events?.filter((e) => e.workflowExecutionStartedEventAttributes)).toHaveLength(1);
    const reused = await create('frontdesk.li', { ...noise, description: 'another matter' }, key);
    expect(reused.statusCode).toBe(409);
    expect(reused.json().message).toContain('Idempotency-Key');
  });

  it('names every bad field in a 400 and allocates no number', async () => {
    const before = await database.pool.query('SELECT last_value FROM complaint_number_seq');
    const res = await create('frontdesk.li', { ...noise, category: 'smell', channel: 'fax', location: { unitId: 'x', commonArea: 'lobby' }, complainant: {} });
    expect(res.statusCode).toBe(400);
    const fields = res.json().fields.map((f: { field: string }) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['body.category', 'body.channel', 'body.location.unitId', 'body.complainant.name']));
    expect((await database.pool.query('SELECT last_value FROM complaint_number_seq')).rows[0]).toEqual(before.rows[0]);
  });

  it('answers 403 to a technician and an auditor; 404 for an unknown property or unit, and to staff of another property; 409 without a policy', async () => {
    expect((await create('tech.chen')).statusCode).toBe(403);
    expect((await create('auditor.qian')).statusCode).toBe(403);
    const stranger = await t.outsider('front_desk');
    const other = await t.app.inject({ method: 'POST', url: '/v1/complaints', headers: stranger, payload: noise });
    expect([other.statusCode, other.json()]).toEqual([404, { error: 'not_found', message: 'property harbour-view not found' }]);
    expect((await create('admin', { ...noise, propertyId: 'no-such-place' })).statusCode).toBe(404);
    expect((await create('frontdesk.li', { ...noise, location: { unitId: '00000000-0000-4000-8000-000000000000' } })).statusCode).toBe(404);

    const admin = { id: 'test', role: 'admin' as const };
    await createProperty(database.db, { id: 'bare-court', name: 'Bare Court', kind: 'residential' }, admin);
    const noPolicy = await create('admin', { ...noise, propertyId: 'bare-court' });
    expect(noPolicy.statusCode).toBe(409);
    expect(noPolicy.json().message).toContain('no complaint policy for normal priority');
  });
});

describe('staff steps over HTTP', () => {
  it('answers 409 naming the status for a step out of order, 403 for the wrong person, 400 for a bad argument, 404 for an unknown complaint', async () => {
    const id = (await create()).json().id as string;
    const early = await act(id, 'respond', 'manager.zhou', { message: 'hello' });
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ error: 'illegal_transition', status: 'received' });
    expect((await act(id, 'assign', 'frontdesk.li', { handlerId: await staffId('dispatcher.zhang') })).statusCode).toBe(403);
    const tech = await act(id, 'assign', 'manager.zhou', { handlerId: await staffId('tech.chen') });
    expect(tech.statusCode).toBe(400);
    expect(tech.json().fields[0].field).toBe('body.handlerId');
    expect((await act(id, 'escalate', 'manager.zhou', { reason: 'why not' })).statusCode).toBe(403);
    const tooHigh = await act(id, 'escalate', 'director.wu', { reason: 'serious', level: 7 });
    expect(tooHigh.statusCode).toBe(400);
    expect(tooHigh.json().fields[0].field).toBe('body.level');
    expect((await act(id, 'respond', 'auditor.qian', { message: 'x' })).statusCode).toBe(403);
    expect((await act('CP-20200101-9999', 'withdraw', 'frontdesk.li', { reason: 'x' })).statusCode).toBe(404);
    expect((await get('/v1/complaints/CP-20200101-9999')).statusCode).toBe(404);
    expect((await get('/v1/complaints/not-an-id')).statusCode).toBe(400);
    const noComment = await act(id, 'revisit', 'frontdesk.li', { satisfied: false, score: 2 });
    expect(noComment.statusCode).toBe(400);
    expect(noComment.json().fields[0].field).toBe('body.comment');
  });

  it('takes a complaint through a reassignment, an answer, a resolution and a reopening to closure, then refuses further steps with 409', async () => {
    const id = (await create()).json().id as string;
    const first = await act(id, 'assign', 'manager.zhou', { handlerId: await staffId('frontdesk.li'), department: 'customer_service' });
    expect(first.json()).toMatchObject({ status: 'assigned', department: 'customer_service', handler: { id: await staffId('frontdesk.li') } });
    const moved = await act(id, 'assign', 'dispatcher.zhang', { handlerId: await staffId('dispatcher.zhang'), reason: 'security matter' });
    expect(moved.json()).toMatchObject({ department: 'engineering', assignmentRound: 2 });
    expect((await act(id, 'respond', 'dispatcher.zhang', { message: 'Security will patrol the courtyard at night.' })).json().status).toBe('responded');
    expect((await act(id, 'resolve', 'dispatcher.zhang', { resolution: 'karaoke stopped after a warning' })).json().status).toBe('revisiting');
    const reopened = await act(id, 'revisit', 'frontdesk.li', { satisfied: false, score: 2, comment: 'it started again on Friday' });
    expect(reopened.json()).toMatchObject({ status: 'responded', reopens: { count: 1 } });
    await act(id, 'resolve', 'dispatcher.zhang', { resolution: 'organiser fined under the house rules' });
    const closed = await act(id, 'revisit', 'concierge.wang', { satisfied: true, score: 4 });
    expect(closed.json()).toMatchObject({ status: 'closed', satisfaction: 4 });
    const again = await act(id, 'withdraw', 'frontdesk.li', { reason: 'too late' });
    expect(again.statusCode).toBe(409);
    expect(again.json().status).toBe('closed');

    const detail = await get(`/v1/complaints/${id}`, 'auditor.qian');
    expect(detail.statusCode).toBe(200);
    expect(detail.json().timeline.map((s: Json) => s.action)).toEqual(['receive', 'assign', 'reassign', 'respond', 'resolve', 'reopen', 'resolve', 'revisit']);
    expect(detail.json().complainant.phone).toBe('138****0201');
  });

  it('lets a director escalate and de-escalate with a reason, shown in the escalations', async () => {
    const id = (await create()).json().id as string;
    const up = await act(id, 'escalate', 'director.wu', { reason: 'third complaint this month from this block' });
    expect(up.json()).toMatchObject({ escalationLevel: 1, escalations: [{ clock: 'manual', level: 1, role: 'dispatcher', direction: 'up', reason: 'third complaint this month from this block' }] });
    const down = await act(id, 'de-escalate', 'director.wu', { reason: 'handled by the supervisor' });
    expect(down.json().escalationLevel).toBe(0);
    expect(down.json().escalations[1]).toMatchObject({ direction: 'down', level: 0, role: null });
  });
});

describe('repair orders from a complaint', () => {
  it('starts a repair order that the complaint shows with its progress, and refuses to resolve until it is closed', async () => {
    const id = await answered({ ...noise, category: 'facilities', description: 'courtyard lights out, residents trip at night' });
    const startOrder = async () =>
      t.app.inject({
        method: 'POST',
        url: `/v1/complaints/${id}/work-orders`,
        headers: { ...(await t.as('dispatcher.zhang')), 'idempotency-key': 'complaint-order-0001' },
        payload: { category: 'electricity', description: 'replace the courtyard lamps' },
      });
    const res = await startOrder();
    expect(res.statusCode).toBe(201);
    const orderId = res.headers.location!.split('/').pop()!;
    expect(orderId).toMatch(/^WO-\d{8}-\d{4,}$/);
    expect(res.json().workOrders).toEqual([expect.objectContaining({ orderId, category: 'electricity', open: true })]);
    const retried = await startOrder();
    expect(retried.statusCode).toBe(200);
    expect(retried.json().workOrders).toHaveLength(1);

    const blocked = await act(id, 'resolve', 'dispatcher.zhang', { resolution: 'lights fixed' });
    expect(blocked.statusCode).toBe(409);
    expect(blocked.json()).toMatchObject({ error: 'illegal_transition', status: 'responded' });
    expect(blocked.json().message).toContain(orderId);

    const progress = await eventually(
      async () => (await get(`/v1/complaints/${id}`)).json(),
      (c) => c.workOrders[0].progress?.status === 'dispatched',
      'the order dispatched, on the complaint',
    );
    expect(progress.workOrders[0].progress.assignee).not.toBeNull();
    const order = (await get(`/v1/work-orders/${orderId}`)).json();
    expect(order).toMatchObject({ reporter: { name: 'Owner Ma', phone: '13800000201' }, location: { commonArea: 'Courtyard, Building 2' } });
    expect(order.description).toContain(id);

    const child = env.client.workflow.getHandle(workOrderWorkflowId(orderId));
    const tech = { id: order.assignee.id as string, role: 'technician' as const };
    await child.executeUpdate(acceptUpdate, { args: [{ actor: tech }] });
    await child.executeUpdate(arriveUpdate, { args: [{ actor: tech }] });
    await child.executeUpdate(completeUpdate, { args: [{ actor: tech, summary: 'four lamps replaced', materials: [], photos: [] }] });
    await child.executeUpdate(revisitUpdate, { args: [{ actor: { id: await staffId('frontdesk.li'), role: 'front_desk' }, satisfied: true, score: 5 }] });
    await eventually(async () => (await get(`/v1/complaints/${id}`)).json(), (c) => c.workOrders[0].open === false, 'the order closed, on the complaint');
    expect((await act(id, 'resolve', 'dispatcher.zhang', { resolution: 'courtyard lamps replaced' })).json().status).toBe('revisiting');
    expect((await act(id, 'revisit', 'frontdesk.li', { satisfied: true, score: 5 })).json()).toMatchObject({ status: 'closed', workOrders: [{ status: 'closed', open: false }] });
  });

  it('answers 400 for a repair category it does not know and 409 on a closed complaint', async () => {
    const id = await answered();
    const bad = await act(id, 'work-orders', 'dispatcher.zhang', { category: 'noise', description: 'x' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().fields[0].field).toBe('body.category');
    await act(id, 'resolve', 'dispatcher.zhang', { resolution: 'explained the house rules', followUp: false });
    expect((await act(id, 'close', 'frontdesk.li', { reason: 'complainant accepted at the desk' })).json().status).toBe('closed');
    const late = await act(id, 'work-orders', 'dispatcher.zhang', { category: 'electricity', description: 'x' });
    expect(late.statusCode).toBe(409);
  });
});

describe('listing complaints', () => {
  it('filters by status, category and escalation and pages with a cursor, newest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await create('frontdesk.li', { ...noise, category: 'cleanliness', description: `bins overflowing, report ${i}` })).json().id);
    await act(ids[0]!, 'escalate', 'director.wu', { reason: 'repeated' });
    await eventually(() => database.pool.query("SELECT 1 FROM complaints WHERE id = $1 AND escalation_level = 1", [ids[0]]).then((r) => r.rowCount), (n) => n === 1, 'projection');
    const headers = await t.as('manager.zhou');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { statusCode: number; json(): { items: Json[]; nextCursor: string | null } } = await t.app.inject({
        method: 'GET',
        url: `/v1/complaints?propertyId=harbour-view&category=cleanliness&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        headers,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().items.length).toBeLessThanOrEqual(2);
      for (const item of res.json().items) expect(item.category).toBe('cleanliness');
      seen.push(...res.json().items.map((c) => c.id as string));
      cursor = res.json().nextCursor;
    } while (cursor);
    expect(seen.slice(0, 3)).toEqual([...ids].reverse());
    const escalated = await t.app.inject({ method: 'GET', url: '/v1/complaints?escalated=true&status=received', headers });
    expect(escalated.json().items.map((c: Json) => c.id)).toEqual([ids[0]]);
    expect(escalated.json().items[0]).toMatchObject({ escalationLevel: 1, location: 'Courtyard, Building 2' });
    const bad = await t.app.inject({ method: 'GET', url: '/v1/complaints?status=lost&priority=huge', headers });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().fields.map((f: Json) => f.field)).toEqual(expect.arrayContaining(['querystring.status.0', 'querystring.priority']));
    const stranger = await t.outsider('front_desk');
    expect((await t.app.inject({ method: 'GET', url: '/v1/complaints', headers: stranger })).json().items).toEqual([]);
    const other = await t.app.inject({ method: 'GET', url: '/v1/complaints?propertyId=harbour-view', headers: stranger });
    expect([other.statusCode, other.json()]).toEqual([200, { items: [], nextCursor: null }]);
  });
});

describe('complaint statistics', () => {
  const admin = { id: 'test', role: 'admin' as const };
  const staff = { front: 'front.quay', handler: 'super.quay', manager: 'pm.quay', tech: 'tech.quay' };

  beforeAll(async () => {
    await createProperty(database.db, { id: 'quay-house', name: 'Quay House', kind: 'residential', timezone: 'Asia/Shanghai' }, admin);
    await createUnit(database.db, 'quay-house', { code: 'Q-101', owners: [{ name: 'Owner Qi', phone: '13900000101' }] }, admin);
    await addStaff(database.db, 'quay-house', { username: staff.front, name: 'Quay front desk', role: 'front_desk', department: 'customer_service' }, admin);
    await addStaff(database.db, 'quay-house', { username: staff.handler, name: 'Quay supervisor', role: 'dispatcher', department: 'engineering' }, admin);
    await addStaff(database.db, 'quay-house', { username: staff.manager, name: 'Quay manager', role: 'manager', department: 'management' }, admin);
    await addStaff(database.db, 'quay-house', { username: staff.tech, name: 'Quay tech', role: 'technician', department: 'engineering' }, admin);
    await putSlaPolicy(database.db, 'quay-house', 'public_area', demoPolicies.public_area, admin);
    for (const [priority, policy] of Object.entries(demoComplaintPolicies)) await putComplaintPolicy(database.db, 'quay-house', priority, policy, admin);
  });

  const quay = { ...noise, propertyId: 'quay-house', location: { commonArea: 'Garden' } };
  const stats = async (query = 'propertyId=quay-house&from=2000-01-01&to=2100-01-01', username = staff.manager) => t.app.inject({ method: 'GET', url: `/v1/complaints/stats?${query}`, headers: await t.as(username) });

  it('counts by category, channel and priority, shares within SLA, medians, reopen rate and the places that recur', async () => {
    const handlerId = await staffId(staff.handler);
    // A noise complaint answered five hours late (level 1 and 2 fired), then withdrawn.
    const late = (await create(staff.front, quay)).json().id as string;
    await act(late, 'assign', staff.manager, { handlerId });
    await env.sleep(29 * HOUR);
    await eventually(async () => (await get(`/v1/complaints/${late}`, staff.front)).json(), (c) => c.escalationLevel === 2, 'level 2');
    await act(late, 'respond', staff.handler, { message: 'sorry for the delay' });
    await act(late, 'withdraw', staff.front, { reason: 'the noise stopped' });
    // A facilities complaint at the same place, answered in 2 h, resolved in a day after one reopening, closed with 4.
    const quick = (await create(staff.front, { ...quay, category: 'facilities', channel: 'app' })).json().id as string;
    await act(quick, 'assign', staff.manager, { handlerId });
    await env.sleep(2 * HOUR);
    await act(quick, 'respond', staff.handler, { message: 'a technician is on the way' });
    await env.sleep(10 * HOUR);
    await act(quick, 'resolve', staff.handler, { resolution: 'bench repaired' });
    await act(quick, 'revisit', staff.front, { satisfied: false, score: 2, comment: 'the other bench too' });
    await env.sleep(12 * HOUR);
    await act(quick, 'resolve', staff.handler, { resolution: 'both benches repaired' });
    await act(quick, 'revisit', staff.front, { satisfied: true, score: 4 });
    // A third, elsewhere, still waiting for its first answer.
    await create(staff.front, { ...quay, category: 'fees', channel: 'letter', location: { commonArea: 'Car park' } });
    await eventually(
      () => database.pool.query("SELECT count(*)::int AS n, count(*) FILTER (WHERE status IN ('closed', 'withdrawn'))::int AS done FROM complaints WHERE property_id = 'quay-house'").then((r) => r.rows[0] as { n: number; done: number }),
      (c) => c.n === 3 && c.done === 2,
      'projection',
    );

    const res = await stats();
    expect(res.statusCode).toBe(200);
    const s = res.json();
    expect(s).toMatchObject({
      total: 3,
      byCategory: { noise: 1, facilities: 1, fees: 1, security: 0 },
      byChannel: { phone: 1, app: 1, letter: 1, walk_in: 0 },
      byPriority: { normal: 2, low: 1, urgent: 0 },
      byStatus: { withdrawn: 1, closed: 1, received: 1 },
      response: { done: 2, decided: 2, withinSla: 1, shareWithinSla: 0.5 },
      resolution: { done: 1, decided: 1, withinSla: 1, shareWithinSla: 1 },
      reopen: { resolved: 1, reopened: 1, reopens: 1, rate: 1 },
      escalated: 1,
      satisfaction: { scored: 1, average: 4 },
      recurring: { categories: [], locations: [{ location: 'Garden', count: 2, categories: ['facilities', 'noise'] }] },
    });
    // Median of the first answers: 2 h and 29 h.
    expect(s.response.medianMs).toBeGreaterThanOrEqual(15.5 * HOUR);
    expect(s.response.medianMs).toBeLessThan(15.5 * HOUR + 60_000);
    // Receipt to the latest resolution: 2 + 10 + 12 hours.
    expect(s.resolution.medianMs).toBeGreaterThanOrEqual(24 * HOUR);
    expect(s.resolution.medianMs).toBeLessThan(24 * HOUR + 60_000);
  });

  it('reads the period in the property time zone, defaults to the last 30 days, and answers 400 and 404 as it should', async () => {
    const empty = await stats('propertyId=quay-house&from=2001-01-01&to=2001-02-01');
    expect(empty.json()).toMatchObject({ from: '2000-12-31T16:00:00.000Z', to: '2001-01-31T16:00:00.000Z', total: 0, response: { shareWithinSla: null, medianMs: null } });
    const defaulted = (await stats('propertyId=quay-house')).json();
    expect(Date.parse(defaulted.to) - Date.parse(defaulted.from)).toBe(30 * 24 * HOUR);
    expect((await stats('propertyId=quay-house&from=2026-02-01&to=2026-01-01')).statusCode).toBe(400);
    expect((await stats('propertyId=quay-house&from=yesterday')).statusCode).toBe(400);
    expect((await stats('from=2026-01-01')).statusCode).toBe(400);
    const other = await stats('propertyId=quay-house', 'frontdesk.li');
    expect([other.statusCode, other.json()]).toEqual([404, { error: 'not_found', message: 'property quay-house not found' }]);
    expect((await stats('propertyId=nowhere', 'admin')).statusCode).toBe(404);
    expect((await stats('propertyId=quay-house&from=2000-01-01&to=2100-01-01', 'admin')).json().total).toBe(3);
  });
});

describe('complaint policies', () => {
  const policy = { respond: 'PT12H', resolve: 'P2D', revisit: 'PT24H', escalation: [{ level: 1, after: 'PT0S', role: 'dispatcher' }, { level: 2, after: 'PT2H', role: 'manager' }] };
  const put = async (username: string, body: object, priority = 'normal', property = 'policy-court') =>
    t.app.inject({ method: 'PUT', url: `/v1/properties/${property}/complaint-policies/${priority}`, headers: await t.as(username), payload: body });

  it('creates and replaces a policy per priority with a growing version, audited with the previous figures, and lists them lowest priority first', async () => {
    await createProperty(database.db, { id: 'policy-court', name: 'Policy Court', kind: 'office' }, { id: 'test', role: 'admin' });
    const created = await put('admin', policy, 'urgent');
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ priority: 'urgent', version: 1, warnRatio: 0.8, reopenEscalateAfter: 2 });
    const changed = await put('admin', { ...policy, respond: 'PT6H', reopenEscalateAfter: 1 }, 'urgent');
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ version: 2, respond: 'PT6H', reopenEscalateAfter: 1 });
    await put('admin', policy, 'low');
    const list = await get('/v1/properties/policy-court/complaint-policies', 'admin');
    expect(list.json().items.map((p: Json) => p.priority)).toEqual(['low', 'urgent']);
    expect((await get('/v1/properties/policy-court/complaint-policies/urgent', 'admin')).json().respond).toBe('PT6H');
    const audit = await database.pool.query<{ action: string; detail: Json }>("SELECT action, detail FROM audit_log WHERE subject = 'complaint-policy:policy-court:urgent' ORDER BY id");
    expect(audit.rows.map((r) => r.action)).toEqual(['complaint-policy.created', 'complaint-policy.changed']);
    expect(audit.rows[1]!.detail.previous).toMatchObject({ respond: 'PT12H', version: 1 });
  });

  it('answers 400 for bad durations and chains, 403 to front desk, 404 for an unknown property or priority', async () => {
    const bad = await put('admin', { ...policy, respond: '12 hours', escalation: [{ level: 2, after: 'PT0S', role: 'dispatcher' }] }, 'high');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().fields.map((f: Json) => f.field)).toEqual(expect.arrayContaining(['body.respond', 'body.escalation']));
    expect((await put('admin', policy, 'extreme')).statusCode).toBe(400);
    expect((await put('frontdesk.li', policy, 'normal', 'harbour-view')).statusCode).toBe(403);
    expect((await put('admin', policy, 'normal', 'nowhere')).statusCode).toBe(404);
    expect((await get('/v1/properties/policy-court/complaint-policies/high', 'admin')).statusCode).toBe(404);
  });

  it('gives a database seeded before complaints existed the demo complaint policies on the next seed, leaving changed ones alone', async () => {
    const before = await database.pool.query("SELECT priority, respond FROM complaint_policies WHERE property_id = 'harbour-view' ORDER BY priority");
    expect(before.rows).toHaveLength(4);
    await database.pool.query("DELETE FROM complaint_policies WHERE property_id = 'harbour-view' AND priority IN ('low', 'high')");
    await database.pool.query("UPDATE complaint_policies SET respond = 'PT20H' WHERE property_id = 'harbour-view' AND priority = 'normal'");
    expect(await seedDemo(database.db)).toBe(true);
    const after = await database.pool.query<{ priority: string; respond: string }>("SELECT priority, respond FROM complaint_policies WHERE property_id = 'harbour-view' ORDER BY priority");
    expect(after.rows).toEqual([
      { priority: 'high', respond: 'PT4H' },
      { priority: 'low', respond: 'PT24H' },
      { priority: 'normal', respond: 'PT20H' },
      { priority: 'urgent', respond: 'PT1H' },
    ]);
    expect(await seedDemo(database.db)).toBe(false);
  });
});

describe('when no worker answers', () => {
  it('still registers the complaint (201, status received) and answers reads and steps with 503 instead of hanging', async () => {
    const idle = await testApp(database.db, { temporal: env.client, taskQueue: 'nobody-polls-complaints', stepTimeoutMs: 1000 });
    try {
      const created = await idle.app.inject({ method: 'POST', url: '/v1/complaints', headers: await idle.as('frontdesk.li'), payload: noise });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ status: 'received', timeline: [], priority: 'normal' });
      const id = created.json().id as string;
      const read = await idle.app.inject({ method: 'GET', url: `/v1/complaints/${id}`, headers: await idle.as('frontdesk.li') });
      expect(read.statusCode).toBe(503);
      expect(read.json().message).toContain('no worker answered');
      const withdraw = await idle.app.inject({ method: 'POST', url: `/v1/complaints/${id}/withdraw`, headers: await idle.as('frontdesk.li'), payload: { reason: 'entered twice' } });
      expect(withdraw.statusCode).toBe(503);
      await env.client.workflow.getHandle(created.json().workflowId).terminate('test over');
    } finally {
      await idle.close();
    }
  });
});
