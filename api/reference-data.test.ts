import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../db/seed.js';
import { freshDatabase, type TestDatabase } from '../test/harness/db.js';
import { testApp, type TestApp } from '../test/harness/api.js';

let database: TestDatabase;
let t: TestApp;

beforeAll(async () => {
  database = await freshDatabase();
  await seedDemo(database.db);
  t = await testApp(database.db);
});
afterAll(async () => {
  await t?.close();
  await database?.drop();
});

const post = async (url: string, username: string, payload: unknown) =>
  t.app.inject({ method: 'POST', url, headers: await t.as(username), payload: payload as object });

describe('setting a property up from nothing', () => {
  it('lets an admin create a property, a building, a unit with owners, staff and an SLA policy', async () => {
    const created = await post('/v1/properties', 'admin', { id: 'river-court', name: 'River Court', kind: 'residential' });
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toBe('/v1/properties/river-court');

    const depts = await t.app.inject({ method: 'GET', url: '/v1/properties/river-court/departments', headers: await t.as('admin') });
    expect(depts.json().items.map((d: { code: string }) => d.code)).toEqual(
      ['cleaning', 'customer_service', 'engineering', 'landscaping', 'management', 'security'],
    );

    const building = await post('/v1/properties/river-court/buildings', 'admin', { name: 'Block A' });
    expect(building.statusCode).toBe(201);
    const unit = await post('/v1/properties/river-court/units', 'admin', {
      code: 'A-301',
      buildingId: building.json().id,
      owners: [{ name: 'Ms Tang', phone: '13912345678' }, { name: 'Mr Tang' }],
    });
    expect(unit.statusCode).toBe(201);
    expect(unit.json().owners).toMatchObject([{ name: 'Ms Tang', primary: true }, { name: 'Mr Tang', primary: false }]);

    const member = await post('/v1/properties/river-court/staff', 'admin', { username: 'tech.river', name: 'River Tech', role: 'technician', department: 'engineering' });
    expect(member.statusCode).toBe(201);
    expect(member.json()).toMatchObject({ role: 'technician', department: 'engineering', active: true, propertyId: 'river-court' });

    const policy = {
      department: 'engineering',
      respond: 'PT1H',
      complete: 'PT24H',
      revisit: 'PT48H',
      escalation: [{ level: 1, after: 'PT0S', role: 'dispatcher' }, { level: 2, after: 'PT30M', role: 'manager' }],
    };
    const put = await t.app.inject({ method: 'PUT', url: '/v1/properties/river-court/sla-policies/water', headers: await t.as('admin'), payload: policy });
    expect(put.statusCode).toBe(201);
    expect(put.json()).toMatchObject({ version: 1, respond: 'PT1H', warnRatio: 0.8 });
    const again = await t.app.inject({ method: 'PUT', url: '/v1/properties/river-court/sla-policies/water', headers: await t.as('admin'), payload: { ...policy, respond: 'PT30M' } });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ version: 2, respond: 'PT30M' });

    const staffList = await t.app.inject({ method: 'GET', url: '/v1/properties/river-court/staff?role=technician', headers: await t.as('admin') });
    expect(staffList.json().items.map((s: { username: string }) => s.username)).toEqual(['tech.river']);
  });

  it('records every reference-data change in the audit log with who made it', async () => {
    const rows = await database.pool.query<{ action: string; actor_role: string }>(
      "SELECT action, actor_role FROM audit_log WHERE property_id = 'river-court' ORDER BY chain_position",
    );
    expect(rows.rows.map((r) => r.action)).toEqual(['property.created', 'building.created', 'unit.created', 'staff.added', 'sla-policy.created', 'sla-policy.changed']);
    expect(new Set(rows.rows.map((r) => r.actor_role))).toEqual(new Set(['admin']));
  });
});

describe('bad input', () => {
  it('answers 400 naming every missing or wrong field', async () => {
    const res = await post('/v1/properties', 'admin', { id: 'Not A Slug', kind: 'castle' });
    expect(res.statusCode).toBe(400);
    const fields = res.json().fields.map((f: { field: string }) => f.field);
    expect(fields).toEqual(expect.arrayContaining(['body.id', 'body.name', 'body.kind']));
    expect(res.json().fields.find((f: { field: string }) => f.field === 'body.name').message).toBe('is required');
  });

  it('refuses an SLA policy whose durations are not ISO 8601 and writes nothing', async () => {
    const res = await t.app.inject({
      method: 'PUT',
      url: '/v1/properties/harbour-view/sla-policies/gas',
      headers: await t.as('manager.zhou'),
      payload: { department: 'engineering', respond: '30 minutes', complete: 'PT1H', revisit: 'PT1H', escalation: [{ level: 1, after: 'PT0S', role: 'dispatcher' }] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().fields).toEqual([{ field: 'body.respond', message: expect.stringContaining('ISO 8601') }]);
    const stored = await t.app.inject({ method: 'GET', url: '/v1/properties/harbour-view/sla-policies/gas', headers: await t.as('manager.zhou') });
    expect(stored.json().respond).toBe('PT30M');
  });

  it('answers 400 for a body that is not JSON', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/properties',
      headers: { ...(await t.as('admin')), 'content-type': 'application/json' },
      payload: '{"id": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().fields[0].field).toBe('body');
  });

  it('answers 409 for a property ID that is taken and 404 for one that does not exist', async () => {
    const dup = await post('/v1/properties', 'admin', { id: 'harbour-view', name: 'Again', kind: 'office' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().message).toContain('harbour-view');
    const missing = await t.app.inject({ method: 'GET', url: '/v1/properties/nowhere', headers: await t.as('admin') });
    expect(missing.statusCode).toBe(404);
  });
});

describe('authentication and roles', () => {
  it('answers 401 without a token and with a forged one', async () => {
    const none = await t.app.inject({ method: 'GET', url: '/v1/properties' });
    expect(none.statusCode).toBe(401);
    const forged = await t.app.inject({ method: 'GET', url: '/v1/properties', headers: { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl' } });
    expect(forged.statusCode).toBe(401);
  });

  it('answers 403 when a technician tries to create a property', async () => {
    const res = await post('/v1/properties', 'tech.chen', { id: 'tech-tower', name: 'Tech Tower', kind: 'office' });
    expect(res.statusCode).toBe(403);
    expect(res.json().message).toContain('technician');
    const check = await t.app.inject({ method: 'GET', url: '/v1/properties/tech-tower', headers: await t.as('admin') });
    expect(check.statusCode).toBe(404);
  });

  it('shows staff only the properties they belong to', async () => {
    const mine = await t.app.inject({ method: 'GET', url: '/v1/properties', headers: await t.as('tech.chen') });
    expect(mine.json().items.map((p: { id: string }) => p.id)).toEqual(['harbour-view']);
    const other = await t.app.inject({ method: 'GET', url: '/v1/properties/river-court/units', headers: await t.as('tech.chen') });
    expect([other.statusCode, other.json()]).toEqual([404, { error: 'not_found', message: 'property river-court not found' }]);
    const all = await t.app.inject({ method: 'GET', url: '/v1/properties', headers: await t.as('admin') });
    expect(all.json().items.map((p: { id: string }) => p.id)).toEqual(expect.arrayContaining(['harbour-view', 'river-court']));
  });

  it('keeps auditors read-only and hides owners phone numbers from them', async () => {
    const write = await post('/v1/properties/harbour-view/buildings', 'auditor.qian', { name: 'Building 9' });
    expect(write.statusCode).toBe(403);
    const units = await t.app.inject({ method: 'GET', url: '/v1/properties/harbour-view/units', headers: await t.as('auditor.qian') });
    expect(units.statusCode).toBe(200);
    const phones = units.json().items.flatMap((u: { owners: { phone: string }[] }) => u.owners.map((o) => o.phone));
    expect(phones.length).toBeGreaterThan(0);
    for (const phone of phones) expect(phone).toMatch(/^\d{3}\*{4}\d{4}$/);
  });

  it('lets a manager change staff of their property but not hand out the admin role', async () => {
    const res = await post('/v1/properties/harbour-view/staff', 'manager.zhou', { username: 'boss', name: 'Boss', role: 'admin' });
    expect(res.statusCode).toBe(403);
    const list = await t.app.inject({ method: 'GET', url: '/v1/properties/harbour-view/staff?role=technician', headers: await t.as('manager.zhou') });
    const liu = list.json().items.find((s: { username: string }) => s.username === 'tech.liu');
    const off = await t.app.inject({ method: 'PATCH', url: `/v1/properties/harbour-view/staff/${liu.id}`, headers: await t.as('manager.zhou'), payload: { active: false } });
    expect(off.statusCode).toBe(200);
    expect(off.json().active).toBe(false);
  });
});

describe('the API description', () => {
  it('serves OpenAPI 3 with every /v1 route and the Swagger UI', async () => {
    const doc = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(doc.statusCode).toBe(200);
    const spec = doc.json();
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/v1/properties', '/v1/properties/{propertyId}/sla-policies/{category}', '/readyz']));
    const ui = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
  });
});
