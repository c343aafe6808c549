/**
 * Trust boundaries at the API (issue 14): memberships per property, revocation within
 * seconds, no existence leaks, and hygiene of what comes in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenClaims } from './auth.js';
import { seedDemo } from '../db/seed.js';
import { freshDatabase, type TestDatabase } from '../test/harness/db.js';
import { testApp, type TestApp } from '../test/harness/api.js';
import { eventually } from '../test/harness/processes.js';

let database: TestDatabase;
let t: TestApp;
const standingTtlMs = 300;

beforeAll(async () => {
  database = await freshDatabase();
  await seedDemo(database.db);
  t = await testApp(database.db, { standingTtlMs });
  const created = await call('POST', '/v1/properties', 'admin', { id: 'river-court', name: 'River Court', kind: 'residential' });
  expect(created.statusCode).toBe(201);
  const manager = await call('POST', '/v1/properties/river-court/staff', 'admin', { username: 'manager.river', name: 'River manager', role: 'manager' });
  expect(manager.statusCode).toBe(201);
});
afterAll(async () => {
  await t?.close();
  await database?.drop();
});

async function call(method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, username: string, payload?: unknown) {
  return t.app.inject({ method, url, headers: await t.as(username), ...(payload === undefined ? {} : { payload: payload as object }) });
}

/** The claims `npm run token` would sign for a staff member, ready to be tampered with. */
async function claimsOf(username: string): Promise<TokenClaims> {
  const { authorization } = await t.as(username);
  const { sub, name, role, properties } = JSON.parse(Buffer.from(authorization.split('.')[1]!, 'base64url').toString('utf8')) as TokenClaims;
  return { sub, username, name, role, properties };
}

const membershipAt = async (propertyId: string, username: string) => {
  const list = await call('GET', `/v1/properties/${propertyId}/staff`, 'admin');
  return list.json().items.find((s: { username: string }) => s.username === username) as { id: string; active: boolean; role: string } | undefined;
};

describe('memberships per property', () => {
  it("refuses a manager adding another property's technician, and leaves him as he was there", async () => {
    const before = await membershipAt('harbour-view', 'tech.liu');
    const res = await call('POST', '/v1/properties/river-court/staff', 'manager.river', { username: 'tech.liu', name: 'Liu', role: 'technician' });
    expect(res.statusCode).toBe(403);
    expect(await membershipAt('river-court', 'tech.liu')).toBeUndefined();
    expect(await membershipAt('harbour-view', 'tech.liu')).toEqual(before);
  });

  it('refuses a manager granting director, admin or auditor, and a director granting director; an admin grants a director', async () => {
    for (const role of ['director', 'admin', 'auditor']) {
      const res = await call('POST', '/v1/properties/river-court/staff', 'manager.river', { username: `new.${role}`, name: 'New', role });
      expect([role, res.statusCode]).toEqual([role, 403]);
    }
    const byDirector = await call('POST', '/v1/properties/river-court/staff', 'director.wu', { username: 'director.two', name: 'Second director', role: 'director' });
    expect(byDirector.statusCode).toBe(403);
    expect(await membershipAt('river-court', 'director.two')).toBeUndefined();
    const byAdmin = await call('POST', '/v1/properties/river-court/staff', 'admin', { username: 'director.two', name: 'Second director', role: 'director' });
    expect(byAdmin.statusCode).toBe(201);
  });

  it('refuses a manager changing a director at their own property', async () => {
    const director = await membershipAt('harbour-view', 'director.wu');
    const res = await call('PATCH', `/v1/properties/harbour-view/staff/${director!.id}`, 'manager.zhou', { active: false });
    expect(res.statusCode).toBe(403);
    expect((await membershipAt('harbour-view', 'director.wu'))?.active).toBe(true);
  });

  it("answers 404 to a manager changing someone at a property that is not theirs, as for an unknown property", async () => {
    const liu = await membershipAt('harbour-view', 'tech.liu');
    const res = await call('PATCH', `/v1/properties/harbour-view/staff/${liu!.id}`, 'manager.river', { active: false });
    const unknown = await call('PATCH', `/v1/properties/no-such-place/staff/${liu!.id}`, 'manager.river', { active: false });
    expect([res.statusCode, unknown.statusCode]).toEqual([404, 404]);
    expect(res.json()).toEqual({ error: 'not_found', message: 'property harbour-view not found' });
    expect((await membershipAt('harbour-view', 'tech.liu'))?.active).toBe(true);
  });

  it('switches a person off at one property only: their other membership and token keep working', async () => {
    expect((await call('POST', '/v1/properties/river-court/staff', 'admin', { username: 'tech.chen', name: 'Chen', role: 'technician' })).statusCode).toBe(201);
    const chen = await membershipAt('river-court', 'tech.chen');
    const off = await call('PATCH', `/v1/properties/river-court/staff/${chen!.id}`, 'manager.river', { active: false });
    expect(off.statusCode).toBe(200);
    expect(off.json()).toMatchObject({ active: false, propertyId: 'river-court' });
    expect((await membershipAt('harbour-view', 'tech.chen'))?.active).toBe(true);
    const token = await t.as('tech.chen');
    const mine = await t.app.inject({ method: 'GET', url: '/v1/properties', headers: token });
    expect(mine.json().items.map((p: { id: string }) => p.id)).toEqual(['harbour-view']);
  });
});

describe('revocation', () => {
  it('refuses a deactivated technician within seconds, though their token has hours left', async () => {
    const token = await t.as('cleaner.sun');
    expect((await t.app.inject({ method: 'GET', url: '/v1/work-orders', headers: token })).statusCode).toBe(200);
    const sun = await membershipAt('harbour-view', 'cleaner.sun');
    expect((await call('PATCH', `/v1/properties/harbour-view/staff/${sun!.id}`, 'manager.zhou', { active: false })).statusCode).toBe(200);
    const started = Date.now();
    const refused = await eventually(
      () => t.app.inject({ method: 'GET', url: '/v1/work-orders', headers: token }),
      (res) => res.statusCode === 401,
      'the token to be refused',
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect(refused.json().message).toContain('no longer held');
  });

  it('answers 401 to a well-signed token for a subject that does not exist', async () => {
    for (const sub of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const res = await t.app.inject({ method: 'GET', url: '/v1/properties', headers: t.bearer({ sub, username: 'ghost', name: 'Ghost', role: 'admin', properties: [] }) });
      expect([sub, res.statusCode]).toEqual([sub, 401]);
      expect(res.json().message).toContain('unknown staff member');
    }
  });

  it('answers 401 when the role in the token is not the one the person holds', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/properties', headers: t.bearer({ ...(await claimsOf('tech.liu')), role: 'director' }) });
    expect(res.statusCode).toBe(401);
  });

  it('narrows a token to the properties its holder still belongs to', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/properties/river-court', headers: t.bearer({ ...(await claimsOf('tech.liu')), properties: ['harbour-view', 'river-court'] }) });
    expect(res.statusCode).toBe(404);
  });
});
