import { beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TestApp } from '../test/harness/api.js';
import type { TestDatabase } from '../test/harness/db.js';
import { buildingId } from '../test/harness/incidents.js';
import { processApiStack } from '../test/harness/process-api.js';
import { eventually, saveFixture } from '../test/harness/processes.js';

const stack = processApiStack();
let env: TestWorkflowEnvironment;
let database: TestDatabase;
let t: TestApp;
beforeAll(() => ({ env, database, t } = stack));

type Json = Record<string, any>;
const fields = (res: { json(): { fields?: { field: string }[] } }) => (res.json().fields ?? []).map((f) => f.field);

async function declare(body: object, username = 'security.zhao', headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url: '/v1/incidents', headers: { ...(await t.as(username)), ...headers }, payload: body });
}
async function act(id: string, action: string, username: string, payload: object = {}) {
  return t.app.inject({ method: 'POST', url: `/v1/incidents/${id}/${action}`, headers: await t.as(username), payload });
}
const ownersOutbox = async (id: string, template: string) =>
  (await database.pool.query<{ recipient_id: string }>("SELECT recipient_id FROM outbox WHERE subject LIKE $1 AND template = $2 AND recipient_kind = 'owner' ORDER BY recipient_id", [`incident:${id}#%`, template])).rows.map((r) => r.recipient_id);

describe('declaring an incident', () => {
  it('twice, by the same key or within the window, gives one incident and one broadcast to every owner of the building and nobody else', async () => {
    const building2 = await buildingId(database.db, 'Building 2');
    const body = { propertyId: 'harbour-view', incidentType: 'flood', buildingIds: [building2], attributes: { cause: 'burst_pipe' }, description: 'water coming through the B2 lobby ceiling' };
    const first = await declare(body, 'security.zhao', { 'idempotency-key': 'flood-b2-1' });
    expect(first.statusCode).toBe(201);
    const id = first.json<Json>().id as string;
    expect(id).toMatch(/^EM-\d{8}-\d{4,}$/);
    const again = await declare(body, 'security.zhao', { 'idempotency-key': 'flood-b2-1' });
    expect([again.statusCode, again.json<Json>().id, again.headers['idempotent-replayed']]).toEqual([200, id, 'true']);
    // Someone else, no key, a minute later: the same property and type within the window reach the open incident.
    await env.sleep(60_000);
    const other = await declare({ ...body, description: 'flooding in Building 2' }, 'frontdesk.li');
    expect([other.statusCode, other.json<Json>().id]).toEqual([200, id]);

    const expected = (await database.pool.query<{ id: string }>('SELECT o.id FROM owners o JOIN units u ON u.id = o.unit_id WHERE u.building_id = $1 ORDER BY o.id', [building2])).rows.map((r) => r.id);
    const sent = await eventually(() => ownersOutbox(id, 'incident.activated'), (r) => r.length > 0, 'the broadcast');
    expect(sent).toEqual(expected);
    const messages = (await t.app.inject({ method: 'GET', url: `/v1/incidents/${id}/messages`, headers: await t.as('manager.zhou') })).json<Json>().items as Json[];
    expect(messages.filter((m) => m.template === 'incident.activated').map((m) => [m.recipientKind, m.unitCode, m.channel.split(':')[0]]).sort()).toEqual([
      ['owner', '2-201', 'webhook'],
      ['owner', '2-808', 'webhook'],
    ]);
    expect(JSON.stringify(messages)).not.toMatch(/1[3-9]\d{9}/);
    // The incident's record for auditors: its history as steps, each matched by its audit row.
    const timeline = (await t.app.inject({ method: 'GET', url: `/v1/processes/incident:${id}/timeline`, headers: await t.as('auditor.qian') })).json<Json>();
    expect(timeline.audit).toMatchObject({ consistent: true, disagreements: [] });
    expect(timeline.steps.map((x: Json) => x.action)).toEqual(expect.arrayContaining(['receive', 'activate', 'page']));
    const all = await database.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM incidents WHERE property_id = 'harbour-view' AND incident_type = 'flood'");
    expect(all.rows[0]!.n).toBe(1);
  });

  it('refuses a building of another property, naming the field, and declares nothing', async () => {
    const res = await declare({ propertyId: 'harbour-view', incidentType: 'fire', buildingIds: ['00000000-0000-4000-8000-000000000000'], description: 'smoke' });
    expect(res.statusCode).toBe(400);
    expect(res.json<Json>().message).toMatch(/^buildingIds\.0: /);
    const n = await database.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM incident_declarations WHERE incident_type = 'fire'");
    expect(n.rows[0]!.n).toBe(0);
  });

  it('answers 409 naming the current status for a step the incident is not ready for', async () => {
    const id = (await declare({ propertyId: 'harbour-view', incidentType: 'gas_leak', description: 'smell of gas in the car park' })).json<Json>().id as string;
    const res = await act(id, 'close', 'manager.zhou');
    expect(res.statusCode).toBe(409);
    expect(res.json<Json>()).toMatchObject({ status: expect.stringMatching(/^(reported|activated)$/) });
    const cancelled = await act(id, 'cancel', 'manager.zhou', { reason: 'a paint smell, not gas' });
    expect(cancelled.json<Json>()).toMatchObject({ status: 'cancelled', cancelReason: 'a paint smell, not gas' });
  });
});

describe('the incident list and statistics', () => {
  it('list incidents and drills from the projection, and keep drills out of MTTA and MTTR', async () => {
    const id = (await declare({ propertyId: 'harbour-view', incidentType: 'elevator_entrapment', severity: 'critical', buildingIds: [await buildingId(database.db, 'Building 1')], description: 'two people stuck in lift B1-2' })).json<Json>().id as string;
    await env.sleep(4 * 60_000);
    expect((await act(id, 'acknowledge', 'manager.zhou', { role: 'commander' })).statusCode).toBe(200);
    const drill = (await declare({ propertyId: 'harbour-view', incidentType: 'elevator_entrapment', kind: 'drill', description: 'entrapment drill' }, 'manager.zhou')).json<Json>();
    expect(drill.id).toMatch(/^DR-/);
    await eventually(async () => (await t.app.inject({ method: 'GET', url: `/v1/incidents/${drill.id}`, headers: await t.as('manager.zhou') })).json<Json>(), (d) => d.status === 'activated', 'the drill activated');
    expect((await act(drill.id, 'acknowledge', 'manager.zhou', { role: 'commander' })).statusCode).toBe(200);
    const list = await eventually(
      async () => (await t.app.inject({ method: 'GET', url: '/v1/incidents?propertyId=harbour-view&incidentType=elevator_entrapment', headers: await t.as('manager.zhou') })).json<Json>(),
      (l) => l.items.length === 2 && l.items.every((i: Json) => i.acknowledgedAt),
      'both projected',
    );
    expect(list.items.map((i: Json) => i.kind).sort()).toEqual(['drill', 'incident']);
    // The test server's clock has run ahead of the wall clock: the period ends a day after its now.
    const to = new Date((await env.currentTimeMs()) + 86_400_000).toISOString();
    const stats = (await t.app.inject({ method: 'GET', url: `/v1/incidents/stats?propertyId=harbour-view&to=${encodeURIComponent(to)}`, headers: await t.as('manager.zhou') })).json<Json>();
    const entrapment = stats.byType.find((x: Json) => x.incidentType === 'elevator_entrapment');
    expect(entrapment).toMatchObject({ incidents: 1, acknowledged: 1 });
    // Activation finishes a moment after the declaration answers: within a second of the four minutes.
    expect(entrapment.mttaMs).toBeGreaterThan(4 * 60_000 - 1_000);
    expect(entrapment.mttaMs).toBeLessThan(5 * 60_000);
  });
});

describe('a drill schedule', () => {
  it('is paused and resumed with a reason (the engine records the pause), refused a second pause or a change once retired, each change audited', async () => {
    const admin = await t.as('manager.zhou');
    const schedule = { incidentType: 'power_cut', every: 12, unit: 'months', anchor: '2030-06-01T10:00:00+08:00', holdWithin: 'P30D' };
    const list = async () => (await t.app.inject({ method: 'GET', url: '/v1/properties/harbour-view/drill-schedules', headers: admin })).json<Json>().items as Json[];
    const before = (await list()).length;
    // An anchor outside the years a date may name is refused by name, and nothing is written.
    const ancient = await t.app.inject({ method: 'POST', url: '/v1/properties/harbour-view/drill-schedules', headers: admin, payload: { ...schedule, anchor: '0020-02-29T00:00:00Z' } });
    expect([ancient.statusCode, fields(ancient)]).toEqual([400, ['body.anchor']]);
    expect((await list()).length).toBe(before);
    const created = await t.app.inject({ method: 'POST', url: '/v1/properties/harbour-view/drill-schedules', headers: admin, payload: schedule });
    expect(created.statusCode).toBe(201);
    const id = created.json<Json>().id as string;
    const status = async (payload: object, username = 'manager.zhou') => t.app.inject({ method: 'POST', url: `/v1/drill-schedules/${id}/status`, headers: await t.as(username), payload });
    const engineView = () => env.client.workflow.getHandle(`drill-schedule:${id}`).query<{ pauses: { fromMs: number; toMs: number | null; reason: string }[] }>('plan');

    expect(fields(await status({ status: 'sleeping', reason: 'x' }))).toEqual(['body.status']);
    expect((await status({ status: 'paused', reason: 'the building is being renovated' }, 'security.zhao')).statusCode).toBe(403);
    const paused = await status({ status: 'paused', reason: 'the building is being renovated' });
    expect(paused.json<Json>()).toMatchObject({ status: 'paused', statusReason: 'the building is being renovated', nextDue: null });
    await eventually(engineView, (v) => v.pauses.length === 1 && v.pauses[0]!.toMs === null, 'the pause seen by the engine');
    const again = await status({ status: 'paused', reason: 'still' });
    expect([again.statusCode, again.json<Json>().message]).toEqual([409, `drill schedule ${id} is already paused`]);
    expect((await status({ status: 'active', reason: 'renovation over' })).json<Json>()).toMatchObject({ status: 'active', nextDue: '2030-06-01T02:00:00.000Z' });
    await eventually(engineView, (v) => v.pauses.length === 1 && v.pauses[0]!.toMs !== null, 'the pause closed by the engine');
    expect((await status({ status: 'retired', reason: 'merged into the fire drills' })).json<Json>().status).toBe('retired');
    const late = await status({ status: 'active', reason: 'changed my mind' });
    expect([late.statusCode, late.json<Json>().status]).toEqual([409, 'retired']);
    const audit = await database.pool.query<{ action: string; reason: string }>('SELECT action, reason FROM audit_log WHERE subject = $1 ORDER BY chain_position', [`drill-schedule:${id}`]);
    expect(audit.rows.map((r) => r.action)).toEqual(['drill-schedule.created', 'drill-schedule.paused', 'drill-schedule.active', 'drill-schedule.retired']);
  });
});

// Last in the file: a child that completes leaves the time-skipping server's sleeps hanging (sdk-typescript#1101).
describe('a repair order started from an incident', () => {
  it('runs as a child at the affected building, is listed with its status, tells the commander when it ends, and refuses a bad body by name', async () => {
    const building1 = await buildingId(database.db, 'Building 1');
    const id = (await declare({ propertyId: 'harbour-view', incidentType: 'power_cut', buildingIds: [building1], description: 'panel in the B1 switch room tripped and smells burnt' })).json<Json>().id as string;
    const read = async () => (await t.app.inject({ method: 'GET', url: `/v1/incidents/${id}`, headers: await t.as('dispatcher.zhang') })).json<Json>();
    await eventually(read, (s) => s.status === 'activated', 'the incident activated');
    const url = `/v1/incidents/${id}/work-orders`;
    const bad = await t.app.inject({ method: 'POST', url, headers: await t.as('tech.chen'), payload: { category: 'teleporter', description: 'replace the panel' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<Json>().fields.map((f: Json) => f.field)).toEqual(['body.category']);
    expect((await read()).workOrders).toEqual([]);
    const order = { category: 'electricity', priority: 'urgent', description: 'replace the burnt main breaker' };
    const headers = { ...(await t.as('tech.chen')), 'idempotency-key': `repair-${id}` };
    const started = await t.app.inject({ method: 'POST', url, headers, payload: order });
    expect(started.statusCode).toBe(201);
    const orderId = String(started.headers.location).split('/').pop()!;
    expect(started.json<Json>().workOrders).toMatchObject([{ orderId, category: 'electricity', status: 'open', finishedAt: null, startedBy: { name: expect.any(String) } }]);
    const again = await t.app.inject({ method: 'POST', url, headers, payload: order });
    expect([again.statusCode, again.headers['idempotent-replayed'], again.json<Json>().workOrders.length]).toEqual([200, 'true', 1]);
    const wo = (await t.app.inject({ method: 'GET', url: `/v1/work-orders/${orderId}`, headers: await t.as('dispatcher.zhang') })).json<Json>();
    expect(wo).toMatchObject({ channel: 'incident', priority: 'urgent', location: { commonArea: 'Building 1' } });
    expect(wo.description).toBe(`replace the burnt main breaker (incident ${id})`);

    const cancelled = await t.app.inject({ method: 'POST', url: `/v1/work-orders/${orderId}/cancel`, headers: await t.as('dispatcher.zhang'), payload: { reason: 'the power company replaced the breaker' } });
    expect(cancelled.statusCode).toBe(200);
    const after = await eventually(read, (s) => s.workOrders[0]?.status === 'cancelled', 'the end of the repair recorded on the incident');
    expect(after.workOrders[0].finishedAt).not.toBeNull();
    expect(after.timeline.map((e: Json) => e.action)).toEqual(expect.arrayContaining(['work-order.started', 'work-order.finished']));
    const commander = after.pages.find((p: Json) => p.role === 'commander').paged.id;
    const told = await eventually(
      async () => (await database.pool.query<{ recipient_id: string }>("SELECT recipient_id FROM outbox WHERE subject LIKE $1 AND template = 'incident.work-order-finished'", [`incident:${id}#%`])).rows,
      (r) => r.length > 0,
      'the commander told',
    );
    expect(told.map((r) => r.recipient_id)).toEqual([commander]);
    await saveFixture(env.client.workflow.getHandle(`incident:${id}`), 'incident', 'repair-order-cancelled');
    // The incident's own steps are unaffected: it can still be cancelled, and the order stays as it ended.
    expect((await act(id, 'cancel', 'manager.zhou', { reason: 'test over' })).statusCode).toBe(200);
  });
});
