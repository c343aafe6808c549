import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { equipmentWorkOrders, maintenanceTasks } from '../db/schema/index.js';
import { defaultTemplates, demoEquipment } from '../db/seed-maintenance.js';
import { seedDemo } from '../db/seed.js';
import { freshDatabase, type TestDatabase } from '../test/harness/db.js';
import { testApp, type TestApp } from '../test/harness/api.js';
import type { PlanEngine } from './recurring-plans/engine.js';

let database: TestDatabase;
let t: TestApp;

/** A plan engine that only records what the routes told it. */
class RecordingEngine implements PlanEngine {
  calls: [string, string][] = [];
  async started(planId: string) {
    this.calls.push(['started', planId]);
  }
  async changed(planId: string) {
    this.calls.push(['changed', planId]);
  }
  async retired(planId: string) {
    this.calls.push(['retired', planId]);
  }
}
let engine: RecordingEngine;

beforeAll(async () => {
  database = await freshDatabase();
  await seedDemo(database.db);
  t = await testApp(database.db);
  // A second engineer in another department: a dispatcher who is not engineering's.
  await t.app.inject({
    method: 'POST',
    url: '/v1/properties/harbour-view/staff',
    headers: await t.as('admin'),
    payload: { username: 'dispatcher.security', name: 'Security supervisor', role: 'dispatcher', department: 'security' },
  });
});
afterAll(async () => {
  await t?.close();
  await database?.drop();
});
beforeEach(() => {
  engine = new RecordingEngine();
  t.app.deps.planEngine = engine;
});

const call = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, username: string, payload?: unknown) =>
  t.app.inject({ method, url, headers: await t.as(username), ...(payload !== undefined ? { payload: payload as object } : {}) });
const stranger = () => t.bearer({ sub: randomUUID(), username: 'elsewhere', name: 'Manager elsewhere', role: 'manager', properties: ['elsewhere'] });
const fieldsOf = (res: { json(): { fields?: { field: string; message: string }[] } }) => res.json().fields ?? [];

const lift = { propertyId: 'harbour-view', kind: 'elevator', code: 'EL-9-Z', location: 'Building 9', make: 'KONE', model: 'MonoSpace', installedOn: '2020-06-01', contractor: { name: 'KONE service', contact: 'Mr Bai', phone: '13911112222' } };

describe('the equipment register', () => {
  let liftId: string;

  it('registers a piece of equipment for the engineering supervisor and reads it back', async () => {
    const res = await call('POST', '/v1/equipment', 'dispatcher.zhang', lift);
    expect(res.statusCode).toBe(201);
    liftId = res.json().id;
    expect(res.headers.location).toBe(`/v1/equipment/${liftId}`);
    expect(res.json()).toMatchObject({ kind: 'elevator', code: 'EL-9-Z', status: 'in_service', installedOn: '2020-06-01', contractor: { name: 'KONE service', phone: '13911112222' } });
    const got = await call('GET', `/v1/equipment/${liftId}`, 'tech.chen');
    expect(got.statusCode).toBe(200);
    expect(got.json().location).toBe('Building 9');
  });

  it('masks the contractor phone for the auditor and keeps it out of the audit log', async () => {
    const got = await call('GET', `/v1/equipment/${liftId}`, 'auditor.qian');
    expect(got.json().contractor.phone).toBe('139****2222');
    const audit = await database.pool.query<{ detail: unknown }>('SELECT detail FROM audit_log WHERE subject = $1', [`equipment:${liftId}`]);
    expect(audit.rows).toHaveLength(1);
    expect(JSON.stringify(audit.rows)).not.toContain('13911112222');
  });

  it('refuses a code already used at the property with 409', async () => {
    const res = await call('POST', '/v1/equipment', 'manager.zhou', { ...lift, location: 'elsewhere' });
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toContain('EL-9-Z');
  });

  it('answers 400 naming each bad field, and writes nothing', async () => {
    const res = await call('POST', '/v1/equipment', 'manager.zhou', { propertyId: 'harbour-view', kind: 'escalator', code: 'X-1', installedOn: '2020-13-01' });
    expect(res.statusCode).toBe(400);
    expect(fieldsOf(res).map((f) => f.field)).toEqual(expect.arrayContaining(['body.kind', 'body.location', 'body.installedOn']));
    const list = await call('GET', '/v1/equipment?propertyId=harbour-view&limit=200', 'manager.zhou');
    expect(list.json().items.map((e: { code: string }) => e.code)).not.toContain('X-1');
  });

  it('lets only managers, directors, admins and the engineering dispatcher write; auditors only read', async () => {
    const body = { ...lift, code: 'EL-9-Y' };
    expect((await call('POST', '/v1/equipment', 'tech.chen', body)).statusCode).toBe(403);
    expect((await call('POST', '/v1/equipment', 'frontdesk.li', body)).statusCode).toBe(403);
    expect((await call('POST', '/v1/equipment', 'auditor.qian', body)).statusCode).toBe(403);
    const security = await call('POST', '/v1/equipment', 'dispatcher.security', body);
    expect(security.statusCode).toBe(403);
    expect(security.json().message).toContain('engineering');
    expect((await call('GET', '/v1/equipment?propertyId=harbour-view', 'auditor.qian')).statusCode).toBe(200);
  });

  it('answers 404 for unknown equipment or property and 403 for another property', async () => {
    expect((await call('GET', `/v1/equipment/${randomUUID()}`, 'admin')).statusCode).toBe(404);
    expect((await call('GET', '/v1/equipment?propertyId=nowhere', 'admin')).statusCode).toBe(404);
    expect((await call('POST', '/v1/equipment', 'admin', { ...lift, propertyId: 'nowhere' })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'GET', url: `/v1/equipment/${liftId}`, headers: stranger() })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/v1/equipment?propertyId=harbour-view', headers: stranger() })).statusCode).toBe(403);
    expect((await call('GET', '/v1/equipment/not-a-uuid', 'admin')).statusCode).toBe(400);
  });

  it('lists a property by kind and status, newest first, a page at a time', async () => {
    const first = await call('GET', '/v1/equipment?propertyId=harbour-view&kind=elevator&limit=2', 'tech.chen');
    expect(first.statusCode).toBe(200);
    expect(first.json().items.map((e: { code: string }) => e.code)).toEqual(['EL-9-Z', 'EL-2-A']);
    const second = await call('GET', `/v1/equipment?propertyId=harbour-view&kind=elevator&limit=2&cursor=${first.json().nextCursor}`, 'tech.chen');
    expect(second.json()).toMatchObject({ items: [{ code: 'EL-1-A' }], nextCursor: null });
    const several = await call('GET', '/v1/equipment?propertyId=harbour-view&kind=water_pump,generator', 'tech.chen');
    expect(several.json().items.map((e: { code: string }) => e.code).sort()).toEqual(['GEN-1', 'PUMP-1']);
    const all = await call('GET', '/v1/equipment?propertyId=harbour-view&limit=200', 'tech.chen');
    expect(all.json().items).toHaveLength(demoEquipment.length + 1);
    expect((await call('GET', '/v1/equipment?propertyId=harbour-view&cursor=bogus', 'tech.chen')).statusCode).toBe(400);
  });

  it('takes equipment out of service only with a reason, and lists it by status', async () => {
    const noReason = await call('PATCH', `/v1/equipment/${liftId}`, 'manager.zhou', { status: 'out_of_service' });
    expect(noReason.statusCode).toBe(400);
    expect(fieldsOf(noReason)).toEqual([{ field: 'body.reason', message: 'is required when the status changes' }]);
    const res = await call('PATCH', `/v1/equipment/${liftId}`, 'manager.zhou', { status: 'out_of_service', reason: 'rope replacement', contractor: null });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'out_of_service', statusReason: 'rope replacement', contractor: null });
    const out = await call('GET', '/v1/equipment?propertyId=harbour-view&status=out_of_service', 'tech.chen');
    expect(out.json().items.map((e: { id: string }) => e.id)).toEqual([liftId]);
  });

  it('retires equipment for good: a retired piece changes no more', async () => {
    const retired = await call('POST', `/v1/equipment/${liftId}/retire`, 'manager.zhou', { reason: 'replaced by EL-9-Y' });
    expect(retired.json()).toMatchObject({ status: 'retired', statusReason: 'replaced by EL-9-Y' });
    const again = await call('PATCH', `/v1/equipment/${liftId}`, 'manager.zhou', { location: 'Building 10' });
    expect(again.statusCode).toBe(409);
    expect((await call('POST', `/v1/equipment/${liftId}/retire`, 'manager.zhou', { reason: 'twice' })).statusCode).toBe(409);
    const actions = await database.pool.query<{ action: string; to_status: string | null }>('SELECT action, to_status FROM audit_log WHERE subject = $1 ORDER BY chain_position', [`equipment:${liftId}`]);
    expect(actions.rows).toEqual([
      { action: 'equipment.registered', to_status: 'in_service' },
      { action: 'equipment.changed', to_status: 'out_of_service' },
      { action: 'equipment.retired', to_status: 'retired' },
    ]);
  });
});

describe('checklist templates', () => {
  const url = '/v1/properties/harbour-view/checklist-templates';
  const items = [
    { key: 'pressure', label: 'Outlet pressure', type: 'reading', unit: 'MPa', min: 0.2, max: 0.6 },
    { key: 'noise', label: 'No abnormal noise', type: 'pass_fail' },
  ];

  it('seeds the default templates, marked as defaults', async () => {
    const res = await call('GET', url, 'tech.chen');
    const codes = res.json().items.map((x: { code: string; isDefault: boolean }) => [x.code, x.isDefault]);
    expect(codes).toEqual(Object.keys(defaultTemplates).sort().map((c) => [c, true]));
    const pump = await call('GET', `${url}/pump-monthly`, 'tech.chen');
    expect(pump.json().items.find((i: { key: string }) => i.key === 'outlet-pressure')).toMatchObject({ type: 'reading', unit: 'MPa', min: 0.25, max: 0.6, required: true });
  });

  it('creates version 1, keeps it unchanged when the same content is saved, and adds version 2 on a change', async () => {
    const v1 = await call('PUT', `${url}/booster-check`, 'manager.zhou', { name: 'Booster check', equipmentKind: 'water_pump', items });
    expect(v1.statusCode).toBe(201);
    expect(v1.json()).toMatchObject({ version: 1, isDefault: false, items: [{ key: 'pressure', required: true }, { key: 'noise' }] });
    const same = await call('PUT', `${url}/booster-check`, 'manager.zhou', { name: 'Booster check', equipmentKind: 'water_pump', items });
    expect(same.statusCode).toBe(200);
    expect(same.json().version).toBe(1);
    const v2 = await call('PUT', `${url}/booster-check`, 'manager.zhou', { name: 'Booster check', equipmentKind: 'water_pump', items: [...items, { key: 'photo', label: 'Gauge photo', type: 'photo' }] });
    expect(v2.statusCode).toBe(201);
    expect(v2.json().version).toBe(2);
    const old = await call('GET', `${url}/booster-check/versions/1`, 'tech.chen');
    expect(old.json().items).toHaveLength(2);
    const versions = await call('GET', `${url}/booster-check/versions`, 'auditor.qian');
    expect(versions.json().items.map((x: { version: number }) => x.version)).toEqual([2, 1]);
    expect((await call('GET', `${url}/booster-check`, 'tech.chen')).json().version).toBe(2);
    expect((await call('GET', `${url}/booster-check/versions/3`, 'tech.chen')).statusCode).toBe(404);
  });

  it('edits a default template into a new version that stays a default', async () => {
    const current = (await call('GET', `${url}/generator-monthly-run`, 'manager.zhou')).json();
    const res = await call('PUT', `${url}/generator-monthly-run`, 'manager.zhou', { name: current.name, equipmentKind: 'generator', items: current.items.slice(1) });
    expect(res.json()).toMatchObject({ version: 2, isDefault: true });
  });

  it.each([
    ['an empty checklist', [], 'body.items', 'at least one item'],
    ['min greater than max', [{ key: 'p', label: 'P', type: 'reading', unit: 'MPa', min: 1, max: 0.5 }], 'body.items.0.min', 'greater than max'],
    ['a reading without unit', [{ key: 'p', label: 'P', type: 'reading' }], 'body.items.0.unit', 'required for a reading'],
    ['duplicate item keys', [{ key: 'p', label: 'P', type: 'pass_fail' }, { key: 'p', label: 'Again', type: 'text' }], 'body.items.1.key', 'duplicates'],
    ['limits on a pass/fail item', [{ key: 'p', label: 'P', type: 'pass_fail', max: 3 }], 'body.items.0.max', 'only a reading'],
  ])('refuses %s with a 400 naming the field, writing nothing', async (_what, bad, field, message) => {
    const res = await call('PUT', `${url}/broken`, 'manager.zhou', { name: 'Broken', equipmentKind: 'hvac', items: bad });
    expect(res.statusCode).toBe(400);
    expect(fieldsOf(res)).toEqual([{ field, message: expect.stringContaining(message) }]);
    expect((await call('GET', `${url}/broken`, 'manager.zhou')).statusCode).toBe(404);
  });

  it('lets technicians read but not write templates', async () => {
    expect((await call('PUT', `${url}/tech-made`, 'tech.chen', { name: 'T', equipmentKind: 'hvac', items })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url, headers: stranger() })).statusCode).toBe(403);
  });
});

describe('maintenance plans', () => {
  const plan = {
    propertyId: 'harbour-view',
    name: 'Pump weekly walk-round',
    equipmentKind: 'water_pump',
    interval: { mode: 'fixed', every: 1, unit: 'weeks', anchor: '2026-03-02T09:00:00+08:00' },
    window: { opensBefore: 'P1D', overdueAfter: 'PT12H' },
    assignee: { department: 'engineering' },
    template: { code: 'pump-monthly' },
  };
  const planCount = async () => Number((await database.pool.query('SELECT count(*) AS n FROM maintenance_plans')).rows[0].n);

  it('creates a plan, then tells the engine to start its workflow', async () => {
    const res = await call('POST', '/v1/maintenance-plans', 'manager.zhou', plan);
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({
      workflowId: `pm-plan:${body.id}`,
      equipmentId: null,
      equipmentKind: 'water_pump',
      interval: { mode: 'fixed', every: 1, unit: 'weeks', anchor: '2026-03-02T01:00:00.000Z' },
      template: { code: 'pump-monthly', version: null },
      catchUp: 'all',
      outOfServiceOnDefect: false,
      status: 'active',
      revision: 1,
    });
    expect(engine.calls).toEqual([['started', body.id]]);
    // A weekly plan anchored on a Monday is next due on a Monday, 09:00 in Shanghai.
    expect(new Date(body.nextDue).getUTCDay()).toBe(1);
    expect(new Date(body.nextDue).toISOString().slice(11)).toBe('01:00:00.000Z');
  });

  it('anchors a floating plan one interval from now when no anchor is given', async () => {
    const before = Date.now();
    const res = await call('POST', '/v1/maintenance-plans', 'manager.zhou', { ...plan, interval: { mode: 'floating', every: 30, unit: 'seconds' } });
    expect(res.statusCode).toBe(201);
    const anchor = Date.parse(res.json().interval.anchor);
    expect(anchor).toBeGreaterThanOrEqual(before + 30_000);
    expect(anchor).toBeLessThanOrEqual(Date.now() + 30_000);
  });

  it.each([
    ['an interval of 0', { interval: { ...plan.interval, every: 0 } }, 'body.interval.every'],
    ['a fixed plan without anchor', { interval: { mode: 'fixed', every: 1, unit: 'weeks' } }, 'body.interval.anchor'],
    ['an unknown unit', { interval: { ...plan.interval, unit: 'fortnights' } }, 'body.interval.unit'],
    ['a duration that is not ISO 8601', { window: { opensBefore: '1 day', overdueAfter: 'PT12H' } }, 'body.window.opensBefore'],
    ['a window longer than a year', { window: { opensBefore: 'P1D', overdueAfter: 'P400D' } }, 'body.window.overdueAfter'],
    ['an unknown template', { template: { code: 'no-such-template' } }, 'body.template.code'],
    ['a template version that does not exist', { template: { code: 'pump-monthly', version: 9 } }, 'body.template.version'],
    ['a template for another kind', { template: { code: 'elevator-yearly' } }, 'body.template.code'],
    ['both a piece and a kind', { equipmentId: randomUUID() }, 'body.equipmentId'],
    ['equipment that does not exist', { equipmentKind: undefined, equipmentId: randomUUID() }, 'body.equipmentId'],
    ['a contractor for equipment without one', { equipmentKind: undefined, equipmentId: 'PUMP-1', assignee: { contractor: true } }, 'body.assignee'],
  ])('refuses %s with a 400 naming the field; nothing is written or started', async (_what, change, field) => {
    const before = await planCount();
    const body: Record<string, unknown> = { ...plan, ...change };
    if (body.equipmentId === 'PUMP-1') {
      const pumps = await call('GET', '/v1/equipment?propertyId=harbour-view&kind=water_pump', 'manager.zhou');
      body.equipmentId = pumps.json().items[0].id;
    }
    const res = await call('POST', '/v1/maintenance-plans', 'manager.zhou', body);
    expect(res.statusCode).toBe(400);
    expect(fieldsOf(res).map((f) => f.field)).toContain(field);
    expect(await planCount()).toBe(before);
    expect(engine.calls).toEqual([]);
  });

  it('answers 503 and writes nothing when no plan engine is configured', async () => {
    t.app.deps.planEngine = undefined;
    const before = await planCount();
    const res = await call('POST', '/v1/maintenance-plans', 'manager.zhou', plan);
    expect(res.statusCode).toBe(503);
    expect(await planCount()).toBe(before);
    expect((await call('GET', '/v1/maintenance-plans?propertyId=harbour-view', 'manager.zhou')).statusCode).toBe(200);
  });

  it('bumps the revision on every update and tells the engine; pausing needs a reason', async () => {
    const id = (await call('POST', '/v1/maintenance-plans', 'manager.zhou', plan)).json().id;
    const changed = await call('PATCH', `/v1/maintenance-plans/${id}`, 'dispatcher.zhang', { interval: { mode: 'fixed', every: 2, unit: 'weeks', anchor: '2026-03-02T09:00:00+08:00' }, template: { code: 'pump-monthly', version: 1 } });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ revision: 2, interval: { every: 2 }, template: { version: 1 } });
    const noReason = await call('PATCH', `/v1/maintenance-plans/${id}`, 'manager.zhou', { status: 'paused' });
    expect(fieldsOf(noReason)).toEqual([{ field: 'body.reason', message: 'is required when the status changes' }]);
    const paused = await call('PATCH', `/v1/maintenance-plans/${id}`, 'manager.zhou', { status: 'paused', reason: 'pump room flooded' });
    expect(paused.json()).toMatchObject({ revision: 3, status: 'paused', statusReason: 'pump room flooded', nextDue: null });
    const badTemplate = await call('PATCH', `/v1/maintenance-plans/${id}`, 'manager.zhou', { template: { code: 'fire-monthly-inspection' } });
    expect(badTemplate.statusCode).toBe(400);
    expect((await call('GET', `/v1/maintenance-plans/${id}`, 'tech.chen')).json().revision).toBe(3);
    const retired = await call('POST', `/v1/maintenance-plans/${id}/retire`, 'manager.zhou', { reason: 'pump decommissioned' });
    expect(retired.json()).toMatchObject({ status: 'retired', statusReason: 'pump decommissioned', revision: 4 });
    expect((await call('PATCH', `/v1/maintenance-plans/${id}`, 'manager.zhou', { name: 'again' })).statusCode).toBe(409);
    expect(engine.calls).toEqual([['started', id], ['changed', id], ['changed', id], ['retired', id]]);
  });

  it('keeps plans to their property and to the writers', async () => {
    expect((await call('POST', '/v1/maintenance-plans', 'tech.chen', plan)).statusCode).toBe(403);
    expect((await call('POST', '/v1/maintenance-plans', 'auditor.qian', plan)).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/v1/maintenance-plans?propertyId=harbour-view', headers: stranger() })).statusCode).toBe(403);
    expect((await call('GET', `/v1/maintenance-plans/${randomUUID()}`, 'admin')).statusCode).toBe(404);
    expect(engine.calls).toEqual([]);
  });

  it('lists plans by kind and status with keyset paging', async () => {
    const elevators = await call('GET', '/v1/maintenance-plans?propertyId=harbour-view&equipmentKind=elevator&limit=3', 'tech.chen');
    expect(elevators.json().items).toHaveLength(3);
    const rest = await call('GET', `/v1/maintenance-plans?propertyId=harbour-view&equipmentKind=elevator&limit=3&cursor=${elevators.json().nextCursor}`, 'tech.chen');
    expect(rest.json()).toMatchObject({ nextCursor: null });
    expect(rest.json().items).toHaveLength(1);
    const retired = await call('GET', '/v1/maintenance-plans?propertyId=harbour-view&status=retired', 'tech.chen');
    expect(retired.json().items.map((p: { statusReason: string }) => p.statusReason)).toEqual(['pump decommissioned']);
  });
});

describe('the yearly calendar', () => {
  it('lists every occurrence of 2027 of every active seeded plan, in due order', async () => {
    const res = await call('GET', '/v1/maintenance/calendar?propertyId=harbour-view&year=2027', 'auditor.qian');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const byName = Object.fromEntries(body.plans.map((p: { name: string; occurrences: number }) => [p.name, p.occurrences]));
    expect(byName).toMatchObject({
      '电梯半月保养 Elevators every 15 days': 24,
      '电梯季度保养 Elevators quarterly': 4,
      '电梯半年保养 Elevators half-yearly': 2,
      '电梯年度保养 Elevators yearly': 1,
      '消防月度检查 Fire systems monthly': 12,
      '消防年度检测 Fire facilities full test': 1,
      '水泵月检 Pump check': 12,
      '发电机月度试运行 Generator test run': 12,
      '水箱清洗 Water tank cleaning': 2,
    });
    // Only active plans: the paused-then-retired plan of the tests above is not there.
    const active = await call('GET', '/v1/maintenance-plans?propertyId=harbour-view&status=active&limit=200', 'auditor.qian');
    expect(body.plans.map((p: { id: string }) => p.id).sort()).toEqual(active.json().items.map((p: { id: string }) => p.id).sort());
    const retired = await call('GET', '/v1/maintenance-plans?propertyId=harbour-view&status=retired', 'auditor.qian');
    expect(body.plans.map((p: { id: string }) => p.id)).not.toContain(retired.json().items[0].id);
    const dues: string[] = body.items.map((i: { nominalDue: string }) => i.nominalDue);
    expect(dues).toEqual([...dues].sort());
    expect(body.items.length).toBe(body.plans.reduce((n: number, p: { occurrences: number }) => n + p.occurrences, 0));
    const tank = body.items.filter((i: { templateCode: string }) => i.templateCode === 'water-tank-cleaning');
    expect(tank).toEqual([
      expect.objectContaining({ equipmentCode: 'TANK-1', nominalDue: '2027-01-05T01:00:00.000Z', opensAt: '2026-12-22T01:00:00.000Z', overdueAt: '2027-01-12T01:00:00.000Z' }),
      expect.objectContaining({ nominalDue: '2027-07-05T01:00:00.000Z' }),
    ]);
  });

  it('flags a plan with more occurrences than it can list', async () => {
    // The floating 30-second plan created above, in the year it was created (Shanghai time).
    const year = new Date(Date.now() + 8 * 3_600_000).getUTCFullYear();
    const res = await call('GET', `/v1/maintenance/calendar?propertyId=harbour-view&year=${year}`, 'manager.zhou');
    const floating = res.json().plans.find((p: { forecast: boolean }) => p.forecast);
    expect(floating).toMatchObject({ occurrences: 1000, truncated: true });
  });

  it('answers 400 for a year out of range and 403 for another property', async () => {
    const res = await call('GET', '/v1/maintenance/calendar?propertyId=harbour-view&year=1999', 'manager.zhou');
    expect(fieldsOf(res).map((f) => f.field)).toEqual(['querystring.year']);
    expect((await t.app.inject({ method: 'GET', url: '/v1/maintenance/calendar?propertyId=harbour-view&year=2027', headers: stranger() })).statusCode).toBe(403);
  });
});

describe('history, replacement and compliance over the task projection', () => {
  const task = (over: Partial<typeof maintenanceTasks.$inferInsert> & { nominalDue: Date }): typeof maintenanceTasks.$inferInsert => ({
    workflowId: `pm-task:${randomUUID()}:${over.nominalDue.toISOString()}`,
    planId: randomUUID(),
    planRevision: 1,
    propertyId: 'harbour-view',
    equipmentKind: 'water_pump',
    templateCode: 'pump-monthly',
    templateVersion: 1,
    opensAt: over.nominalDue,
    overdueAt: new Date(over.nominalDue.getTime() + 86_400_000),
    status: 'completed',
    createdAt: over.nominalDue,
    updatedAt: over.nominalDue,
    seq: 1,
    ...over,
  });
  const idOf = async (code: string) =>
    (await call('GET', '/v1/equipment?propertyId=harbour-view&limit=200', 'admin')).json().items.find((e: { code: string }) => e.code === code).id as string;

  it('counts tasks (its own and its kind-wide plans), defects and repair orders of a piece of equipment', async () => {
    const pump = await idOf('PUMP-1');
    await database.db.insert(maintenanceTasks).values([
      task({ nominalDue: new Date('2026-02-05T01:00:00Z'), equipmentId: pump, defects: 1 }),
      task({ nominalDue: new Date('2026-03-05T01:00:00Z'), equipmentId: pump }),
      task({ nominalDue: new Date('2026-03-06T01:00:00Z'), equipmentId: null }), // a plan covering every pump
      task({ nominalDue: new Date('2026-03-07T01:00:00Z'), equipmentId: null, equipmentKind: 'generator', templateCode: 'generator-monthly-run' }),
    ]);
    const now = Date.now();
    await database.db.insert(equipmentWorkOrders).values([
      { equipmentId: pump, workOrderId: 'WO-20260205-0001', source: 'defect', taskWorkflowId: 'pm-task:x:2026-02-05T01:00:00.000Z', createdAt: new Date(now - 20 * 86_400_000) },
      { equipmentId: pump, workOrderId: 'WO-20260210-0002', source: 'manual', createdAt: new Date(now - 40 * 86_400_000) },
      { equipmentId: pump, workOrderId: 'WO-20250101-0003', source: 'manual', createdAt: new Date(now - 400 * 86_400_000) },
    ]);
    const res = await call('GET', `/v1/equipment/${pump}/history`, 'tech.chen');
    expect(res.statusCode).toBe(200);
    const h = res.json();
    expect(h.counts).toEqual({ maintenanceTasks: 3, defects: 1, repairOrders: 3 });
    expect(h.replacement).toEqual({ flagged: false, repairOrdersInWindow: 2, threshold: 3, windowMonths: 6 });
    expect(h.tasks.map((x: { nominalDue: string }) => x.nominalDue)).toEqual(['2026-03-06T01:00:00.000Z', '2026-03-05T01:00:00.000Z', '2026-02-05T01:00:00.000Z']);
    expect(h.repairOrders.map((r: { workOrderId: string; source: string }) => [r.workOrderId, r.source])).toEqual([
      ['WO-20260205-0001', 'defect'],
      ['WO-20260210-0002', 'manual'],
      ['WO-20250101-0003', 'manual'],
    ]);
  });

  it('flags equipment for replacement once N repair orders fall within M months', async () => {
    const pump = await idOf('PUMP-1');
    await database.db.insert(equipmentWorkOrders).values({ equipmentId: pump, workOrderId: 'WO-20260301-0004', source: 'defect', createdAt: new Date(Date.now() - 86_400_000) });
    const flagged = (await call('GET', `/v1/equipment/${pump}/history`, 'tech.chen')).json().replacement;
    expect(flagged).toEqual({ flagged: true, repairOrdersInWindow: 3, threshold: 3, windowMonths: 6 });
    // The rule comes from the configuration: 4 in 24 months counts the old order too; 2 in 1 month only the two latest; 5 in 6 months is not reached.
    t.app.deps.replacementRule = { repairs: 4, months: 24 };
    expect((await call('GET', `/v1/equipment/${pump}/history`, 'tech.chen')).json().replacement).toEqual({ flagged: true, repairOrdersInWindow: 4, threshold: 4, windowMonths: 24 });
    t.app.deps.replacementRule = { repairs: 2, months: 1 };
    expect((await call('GET', `/v1/equipment/${pump}/history`, 'tech.chen')).json().replacement).toEqual({ flagged: true, repairOrdersInWindow: 2, threshold: 2, windowMonths: 1 });
    t.app.deps.replacementRule = { repairs: 5, months: 6 };
    expect((await call('GET', `/v1/equipment/${pump}/history`, 'tech.chen')).json().replacement.flagged).toBe(false);
    t.app.deps.replacementRule = undefined;
  });

  it("reports a month's compliance per kind: on time ÷ scheduled, skipped apart with their reasons", async () => {
    const at = (day: number) => new Date(Date.UTC(2026, 4, day, 1)); // May 2026, 09:00 Shanghai
    await database.db.insert(maintenanceTasks).values([
      task({ nominalDue: at(1), status: 'completed' }),
      task({ nominalDue: at(8), status: 'completed', late: true }),
      task({ nominalDue: at(15), status: 'completed_late' }),
      task({ nominalDue: at(22), status: 'missed' }),
      task({ nominalDue: at(29), status: 'skipped', skippedReason: 'pump room flooded' }),
      task({ nominalDue: at(5), equipmentKind: 'elevator', templateCode: 'elevator-half-monthly', status: 'completed' }),
      task({ nominalDue: at(20), equipmentKind: 'elevator', templateCode: 'elevator-half-monthly', status: 'open' }),
      task({ nominalDue: at(25), equipmentKind: 'elevator', templateCode: 'elevator-half-monthly', status: 'skipped', skippedReason: 'building closed' }),
      task({ nominalDue: at(26), equipmentKind: 'elevator', templateCode: 'elevator-half-monthly', status: 'skipped', skippedReason: 'building closed' }),
      // 00:30 on 1 June in Shanghai is still 31 May in UTC: it belongs to June.
      task({ nominalDue: new Date('2026-05-31T16:30:00Z'), status: 'missed' }),
      // Another property's task never counts.
      task({ nominalDue: at(2), propertyId: 'river-court', status: 'missed' }),
    ]);
    const res = await call('GET', '/v1/maintenance/compliance?propertyId=harbour-view&month=2026-05', 'auditor.qian');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.timeZone).toBe('Asia/Shanghai');
    expect(body.total).toEqual({
      scheduled: 6,
      onTime: 3,
      late: 1,
      missed: 1,
      pending: 1,
      startedLate: 1,
      skipped: { count: 3, reasons: [{ reason: 'building closed', count: 2 }, { reason: 'pump room flooded', count: 1 }] },
      compliancePercent: 50,
    });
    expect(body.perKind).toEqual([
      expect.objectContaining({ kind: 'elevator', scheduled: 2, onTime: 1, pending: 1, compliancePercent: 50 }),
      expect.objectContaining({ kind: 'water_pump', scheduled: 4, onTime: 2, late: 1, missed: 1, compliancePercent: 50 }),
    ]);
    const june = (await call('GET', '/v1/maintenance/compliance?propertyId=harbour-view&month=2026-06', 'auditor.qian')).json();
    expect(june.total).toMatchObject({ scheduled: 1, missed: 1, compliancePercent: 0 });
    const empty = (await call('GET', '/v1/maintenance/compliance?propertyId=harbour-view&month=2030-01', 'auditor.qian')).json();
    expect(empty).toMatchObject({ total: { scheduled: 0, compliancePercent: null }, perKind: [] });
  });

  it('answers 400 for a month that is not YYYY-MM', async () => {
    const res = await call('GET', '/v1/maintenance/compliance?propertyId=harbour-view&month=2026-13', 'manager.zhou');
    expect(fieldsOf(res).map((f) => f.field)).toEqual(['querystring.month']);
  });
});
