/**
 * Trust boundaries at the API (issue 14): memberships per property, revocation within
 * seconds, no existence leaks, and hygiene of what comes in.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RateLimits } from '../config.js';
import type { TokenClaims } from './auth.js';
import { createDb } from '../db/index.js';
import { seedDemo } from '../db/seed.js';
import { freshDatabase, type TestDatabase } from '../test/harness/db.js';
import { testApp, unlimited, type TestApp } from '../test/harness/api.js';
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

const order = {
  propertyId: 'harbour-view',
  location: { commonArea: 'Lobby, Building 1' },
  category: 'water',
  channel: 'phone',
  description: 'Water dripping from the lobby ceiling',
  reporter: { name: 'Owner Lin', phone: '13800000102' },
};

describe('hygiene at the boundary', () => {
  const leak = { ...order, description: 'Water dripping\u0000 from the lobby ceiling' };
  const fieldsOf = (res: { json(): { fields?: { field: string }[] } }) => (res.json().fields ?? []).map((f) => f.field);

  it('refuses NUL and other control characters in text with 400 naming the field, before anything is written', async () => {
    const before = await database.pool.query('SELECT last_value FROM work_order_number_seq');
    const order = await call('POST', '/v1/work-orders', 'frontdesk.li', leak);
    expect([order.statusCode, fieldsOf(order)]).toEqual([400, ['body.description']]);
    expect(order.json().message).toContain('control characters');
    const reporter = await call('POST', '/v1/work-orders', 'frontdesk.li', { ...leak, description: 'ok', reporter: { name: 'Owner\u001bLin' } });
    expect([reporter.statusCode, fieldsOf(reporter)]).toEqual([400, ['body.reporter.name']]);
    expect((await database.pool.query('SELECT last_value FROM work_order_number_seq')).rows[0]).toEqual(before.rows[0]);
    const carriageReturn = await call('POST', '/v1/properties/harbour-view/buildings', 'admin', { name: 'Block\rC' });
    expect([carriageReturn.statusCode, fieldsOf(carriageReturn)]).toEqual([400, ['body.name']]);
    const query = await call('GET', '/v1/properties/harbour-view/staff?role=tech%00nician', 'admin');
    expect([query.statusCode, fieldsOf(query)]).toEqual([400, ['querystring.role']]);
  });

  it('keeps newlines and tabs in text', async () => {
    const res = await call('POST', '/v1/properties', 'admin', { id: 'tab-court', name: 'Tab\tCourt', kind: 'residential', address: '1 Quay Road\nHarbour District' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ name: 'Tab\tCourt', address: '1 Quay Road\nHarbour District' });
  });

  it('answers 400 to re-creating an existing property with a NUL in its name', async () => {
    const res = await call('POST', '/v1/properties', 'admin', { id: 'harbour-view', name: 'Harbour\u0000View', kind: 'residential' });
    expect([res.statusCode, fieldsOf(res)]).toEqual([400, ['body.name']]);
  });

  it('caps policy durations at a year where a policy is stored', async () => {
    const respond = 'PT1H';
    const policy = { department: 'engineering', respond, complete: 'PT24H', revisit: 'PT48H', escalation: [{ level: 1, after: 'PT0S', role: 'dispatcher' }] };
    const huge = await call('PUT', '/v1/properties/harbour-view/sla-policies/water', 'admin', { ...policy, respond: 'P99999999D' });
    expect([huge.statusCode, fieldsOf(huge)]).toEqual([400, ['body.respond']]);
    const overAYear = await call('PUT', '/v1/properties/harbour-view/sla-policies/water', 'admin', { ...policy, complete: 'P366D' });
    expect([overAYear.statusCode, fieldsOf(overAYear)]).toEqual([400, ['body.complete']]);
    expect((await call('GET', '/v1/properties/harbour-view/sla-policies/water', 'admin')).json().respond).toBe(respond);
    expect((await call('PUT', '/v1/properties/harbour-view/sla-policies/water', 'admin', { ...policy, revisit: 'P365D' })).statusCode).toBe(200);
    const complaint = await call('PUT', '/v1/properties/harbour-view/complaint-policies/normal', 'admin', {
      respond: 'PT24H',
      resolve: 'P99999999D',
      revisit: 'P3D',
      escalation: [{ level: 1, after: 'PT0S', role: 'dispatcher' }],
    });
    expect([complaint.statusCode, fieldsOf(complaint)]).toEqual([400, ['body.resolve']]);
  });

  it('bounds the dates of a statistics query', async () => {
    const res = await call('GET', '/v1/complaints/stats?propertyId=harbour-view&from=0001-01-01&to=9999-12-31', 'admin');
    expect([res.statusCode, fieldsOf(res).sort()]).toEqual([400, ['querystring.from', 'querystring.to']]);
    expect(res.json().message).toContain('between 1900 and 2199');
    expect((await call('GET', '/v1/complaints/stats?propertyId=harbour-view&from=2026-01-01&to=2026-02-01', 'admin')).statusCode).toBe(200);
  });

  it('answers 400 naming the body to JSON nested 10,000 levels deep', async () => {
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    const res = await t.app.inject({ method: 'POST', url: '/v1/audit/replay', headers: { ...(await t.as('admin')), 'content-type': 'application/json' }, payload: `{"history":${deep}}` });
    expect([res.statusCode, fieldsOf(res)]).toEqual([400, ['body.history']]);
  });

  it('says in the OpenAPI document that request text refuses control characters', async () => {
    const doc = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(doc.statusCode).toBe(200);
    const spec = doc.json();
    const body = spec.paths['/v1/work-orders'].post.requestBody.content['application/json'].schema;
    expect(body.properties.description.pattern).toBe('^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F]*$');
    expect(new RegExp(body.properties.description.pattern).test('line one\nline\ttwo')).toBe(true);
    expect(new RegExp(body.properties.description.pattern).test('nul\u0000')).toBe(false);
  });
});

describe('dependencies down', () => {
  it('answers 503 with Retry-After, fast, when PostgreSQL refuses connections or hangs', async () => {
    // A server that accepts connections and never answers: a hung PostgreSQL.
    const sockets: Socket[] = [];
    const hung = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    const hungPort = (hung.address() as AddressInfo).port;
    try {
      for (const [what, url] of [
        ['refused', 'postgres://postgres:x@127.0.0.1:1/nowhere'],
        ['hung', `postgres://postgres:x@127.0.0.1:${hungPort}/nowhere`],
      ] as const) {
        const unreachable = createDb(url, { connectTimeoutMs: 1000 });
        const down = await testApp(unreachable.db);
        try {
          const token = down.bearer({ sub: '00000000-0000-4000-8000-000000000001', username: 'admin', name: 'Admin', role: 'admin', properties: [] });
          const started = Date.now();
          const res = await down.app.inject({ method: 'GET', url: '/v1/properties', headers: token });
          expect([what, Date.now() - started < 3000]).toEqual([what, true]);
          expect([what, res.statusCode, res.headers['retry-after'], res.json().error]).toEqual([what, 503, '5', 'unavailable']);
          expect(res.json().message).toContain('PostgreSQL');
        } finally {
          await down.close();
          await unreachable.close();
        }
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => hung.close(r));
    }
  });

  it('answers 503 with Retry-After, not 500, when Temporal cannot be reached', async () => {
    const token = await t.as('frontdesk.li');
    const started = Date.now();
    const res = await t.app.inject({ method: 'POST', url: '/v1/work-orders', headers: { ...token, 'idempotency-key': 'temporal-down-1' }, payload: { ...order, description: 'Temporal is down' } });
    expect([res.statusCode, res.headers['retry-after']]).toEqual([503, '5']);
    expect(Date.now() - started).toBeLessThan(8000);
  });
});

describe('limits', () => {
  const limited = async (limits: Partial<RateLimits>) =>
    testApp(database.db, { limits: { ...unlimited, ...limits }, replayTimeoutMs: 1500 });

  it('answers 429 with its headers past the per-token limit, and another token is unaffected', async () => {
    const app = await limited({ perTokenPerMinute: 3 });
    try {
      const liu = await app.as('tech.liu');
      const codes = [];
      for (let i = 0; i < 4; i++) codes.push((await app.app.inject({ method: 'GET', url: '/v1/properties', headers: liu })).statusCode);
      expect(codes).toEqual([200, 200, 200, 429]);
      const over = await app.app.inject({ method: 'GET', url: '/v1/properties', headers: liu });
      expect(over.headers).toMatchObject({ 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '0' });
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      expect(over.json().error).toBe('rate_limited');
      expect((await app.app.inject({ method: 'GET', url: '/v1/properties', headers: await app.as('tech.chen') })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('answers 429 past the per-address limit, with or without a token', async () => {
    const app = await limited({ perAddressPerMinute: 2 });
    try {
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push((await app.app.inject({ method: 'GET', url: '/healthz', remoteAddress: '10.0.0.7' })).statusCode);
      expect(codes).toEqual([200, 200, 429]);
      expect((await app.app.inject({ method: 'GET', url: '/healthz', remoteAddress: '10.0.0.8' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('limits statistics more strictly than other reads', async () => {
    const app = await limited({ expensivePerMinute: 2, perTokenPerMinute: 100 });
    try {
      const admin = await app.as('admin');
      const stats = async () => (await app.app.inject({ method: 'GET', url: '/v1/complaints/stats?propertyId=harbour-view', headers: admin })).statusCode;
      expect([await stats(), await stats(), await stats()]).toEqual([200, 200, 429]);
      expect((await app.app.inject({ method: 'GET', url: '/v1/properties', headers: admin })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('answers 429 to a replay check when the replay queue is full', async () => {
    const app = await limited({ replayQueue: 1 });
    try {
      const history = JSON.parse(await readFile('test/fixtures/histories/work-order/cancelled.json', 'utf8')) as object;
      const admin = await app.as('admin');
      const replay = () => app.app.inject({ method: 'POST', url: '/v1/audit/replay', headers: admin, payload: { history } });
      const first = replay();
      await new Promise((r) => setTimeout(r, 200));
      const second = await replay();
      expect([second.statusCode, second.json().error]).toEqual([429, 'rate_limited']);
      expect(second.headers['retry-after']).toBeDefined();
      // The first waited its turn for a replay worker this test does not run: 503 at its deadline.
      expect((await first).statusCode).toBe(503);
    } finally {
      await app.close();
    }
  });
});

describe('methods', () => {
  it('answers 405 with Allow to a method a known path does not have, and 404 to an unknown path', async () => {
    const token = await t.as('admin');
    const del = await t.app.inject({ method: 'DELETE', url: '/v1/properties/harbour-view', headers: token });
    expect([del.statusCode, del.headers.allow, del.json().error]).toEqual([405, 'GET, HEAD', 'method_not_allowed']);
    const put = await t.app.inject({ method: 'PUT', url: '/v1/work-orders', headers: token, payload: {} });
    expect([put.statusCode, put.headers.allow]).toEqual([405, 'GET, HEAD, POST']);
    const slash = await t.app.inject({ method: 'PATCH', url: '/v1/properties/harbour-view/staff/00000000-0000-4000-8000-000000000000/', headers: token, payload: {} });
    expect(slash.statusCode).toBe(404);
    expect((await t.app.inject({ method: 'DELETE', url: '/v1/no-such-thing', headers: token })).statusCode).toBe(404);
    const spec = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(spec.components.responses.MethodNotAllowed.headers.Allow).toBeDefined();
    expect(spec.info.description).toContain('405');
  });
});
