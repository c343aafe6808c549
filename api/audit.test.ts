import { randomBytes } from 'node:crypto';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../db/audit.js';
import { seedDemo } from '../db/seed.js';
import { testApp, type TestApp } from '../test/harness/api.js';
import { freshDatabase, type TestDatabase } from '../test/harness/db.js';
import { replayWorker, timeSkippingEnv } from '../test/harness/temporal.js';
import { workOrderWorker } from '../test/harness/work-orders.js';
import { decodeFirst } from './processes/history.js';

let env: TestWorkflowEnvironment;
let database: TestDatabase;
let worker: Worker;
let replays: Worker;
let running: Promise<unknown>;
let t: TestApp;

beforeAll(async () => {
  [env, database] = await Promise.all([timeSkippingEnv(), freshDatabase()]);
  await seedDemo(database.db);
  worker = await workOrderWorker(env, database.db);
  replays = await replayWorker(env, worker.options.taskQueue);
  running = Promise.all([worker.run(), replays.run()]);
  t = await testApp(database.db, { temporal: env.client, taskQueue: worker.options.taskQueue });
});
afterAll(async () => {
  await t?.close();
  worker?.shutdown();
  replays?.shutdown();
  await running;
  await env?.teardown();
  await database?.drop();
});

const reporterPhone = '13800000177';
const leak = {
  propertyId: 'harbour-view',
  location: { commonArea: 'Lobby, Building 1' },
  category: 'water',
  channel: 'phone',
  description: 'Water dripping from the lobby ceiling',
  reporter: { name: 'Owner Lin', phone: reporterPhone },
};

const get = async (url: string, username = 'auditor.qian') => t.app.inject({ method: 'GET', url, headers: await t.as(username) });
const post = async (url: string, payload: object, username = 'auditor.qian') =>
  t.app.inject({ method: 'POST', url, headers: await t.as(username), payload });

async function staffId(username: string): Promise<string> {
  return (await database.pool.query<{ id: string }>('SELECT id FROM staff WHERE username = $1', [username])).rows[0]!.id;
}

/** Register a leak through the API and take it to closure, every step by the person whose step it is. */
async function closedOrder(): Promise<{ id: string; workflowId: string; technician: string }> {
  const created = await post('/v1/work-orders', leak, 'frontdesk.li');
  expect(created.statusCode).toBe(201);
  const id = created.json().id as string;
  let technician: string | undefined;
  for (let i = 0; i < 200 && !technician; i++) {
    const order = (await get(`/v1/work-orders/${id}`, 'frontdesk.li')).json();
    if (order.status === 'dispatched') {
      technician = (await database.pool.query<{ username: string }>('SELECT username FROM staff WHERE id = $1', [order.assignee.id])).rows[0]!.username;
    } else {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  if (!technician) throw new Error('the order was never dispatched');
  for (const [step, body] of [
    ['accept', {}],
    ['arrive', {}],
    ['complete', { summary: 'replaced the cracked pipe joint' }],
  ] as const) {
    expect((await post(`/v1/work-orders/${id}/${step}`, body, technician)).statusCode).toBe(200);
  }
  const closed = await post(`/v1/work-orders/${id}/revisit`, { satisfied: true, score: 5 }, 'frontdesk.li');
  expect(closed.json().status).toBe('closed');
  await env.client.workflow.getHandle(`work-order:${id}`).result();
  return { id, workflowId: `work-order:${id}`, technician };
}

/** Every payload of a history in JSON form, decoded to text. */
function payloadTexts(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(payloadTexts);
  if (!value || typeof value !== 'object') return [];
  const record = value as Record<string, unknown>;
  if (record.metadata && typeof record.data === 'string') return [Buffer.from(record.data, 'base64').toString('utf8')];
  return Object.values(record).flatMap(payloadTexts);
}

async function auditRows(subject: string) {
  return (
    await database.pool.query<{ id: string; seq: number | null; action: string; actor_id: string; detail: Record<string, unknown> }>(
      'SELECT id, seq, action, actor_id, detail FROM audit_log WHERE subject = $1 ORDER BY id',
      [subject],
    )
  ).rows;
}

/** Change the audit table the way only a superuser can: with its triggers switched off. */
async function asSuperuser(statements: string[]): Promise<void> {
  const client = await database.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
    for (const s of statements) await client.query(s);
    await client.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
    await client.query('COMMIT');
  } finally {
    client.release();
  }
}

let order: Awaited<ReturnType<typeof closedOrder>>;
beforeAll(async () => {
  order = await closedOrder();
});

describe('an auditor exporting a finished repair order', () => {
  it('gets the Temporal history as JSON that loads as a history, with no personal data in it, and the read is in the audit log', async () => {
    const res = await get(`/v1/processes/${order.workflowId}/history`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const json = res.json();
    expect(json.events[0]).toMatchObject({ eventId: '1', eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED' });
    expect(json.events.at(-1).eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
    const history = historyFromJSON(json);
    const input = decodeFirst(history.events![0]!.workflowExecutionStartedEventAttributes!.input) as Record<string, unknown>;
    expect(input.orderId).toBe(order.id);
    expect(input).not.toHaveProperty('reporter');
    expect(payloadTexts(json).filter((text) => text.includes(reporterPhone) || text.includes('Owner Lin'))).toEqual([]);

    const reads = (await auditRows(order.workflowId)).filter((r) => r.action === 'audit.history-read');
    expect(reads.at(-1)).toMatchObject({ seq: null, actor_id: await staffId('auditor.qian') });
    expect(reads.at(-1)!.detail).toMatchObject({ events: json.events.length, workflowType: 'workOrderWorkflow' });
  });

  it('gives staff the history exactly as Temporal holds it: the reporter is only a reference, their contact stays in PostgreSQL', async () => {
    const res = await get(`/v1/processes/${order.workflowId}/history`, 'manager.zhou');
    expect(res.statusCode).toBe(200);
    expect(payloadTexts(res.json()).filter((text) => text.includes(reporterPhone))).toEqual([]);
    const contact = await database.pool.query('SELECT name, phone FROM process_contacts WHERE workflow_id = $1', [order.workflowId]);
    expect(contact.rows).toEqual([{ name: 'Owner Lin', phone: reporterPhone }]);
    const reads = (await auditRows(order.workflowId)).filter((r) => r.action === 'audit.history-read');
    expect(reads.at(-1)!.actor_id).toBe(await staffId('manager.zhou'));
  });
});

describe('the timeline of a finished repair order', () => {
  it('shows every step with its actor and state change, the deadlines set, and agrees with the audit log', async () => {
    const res = await get(`/v1/processes/${order.workflowId}/timeline`);
    expect(res.statusCode).toBe(200);
    const tl = res.json();
    expect(tl).toMatchObject({ workflowId: order.workflowId, kind: 'work-order', workflowType: 'workOrderWorkflow', propertyId: 'harbour-view', status: 'COMPLETED' });
    const ids = tl.actors.map((a: { id: string }) => a.id);
    for (const username of ['frontdesk.li', order.technician]) expect(ids).toContain(await staffId(username));
    expect(ids).toContain('system');

    const steps = tl.steps.filter((s: { kind: string }) => s.kind === 'step');
    expect(steps.map((s: { action: string; from?: string; to?: string }) => [s.action, s.from ?? null, s.to ?? null])).toEqual([
      ['receive', null, null],
      ['dispatch', 'received', 'dispatched'],
      ['accept', 'dispatched', 'accepted'],
      ['arrive', 'accepted', 'on_site'],
      ['complete', 'on_site', 'completed'],
      ['revisit', 'completed', 'closed'],
    ]);
    expect(steps[2].actor.id).toBe(await staffId(order.technician));
    expect(steps.every((s: { audit: unknown; outcome: string }) => s.audit !== null && s.outcome === 'recorded')).toBe(true);
    expect(tl.steps.some((s: { kind: string; deadline?: string }) => s.kind === 'timer-set' && s.deadline)).toBe(true);
    expect(tl.steps.filter((s: { kind: string }) => s.kind === 'update').map((s: { action: string }) => s.action)).toEqual(['accept', 'arrive', 'complete', 'revisit']);
    expect(tl.audit).toMatchObject({ consistent: true, stepsInHistory: 6, rowsMatched: 6, disagreements: [] });
    expect(tl.audit.otherRows.some((r: { action: string }) => r.action === 'audit.history-read')).toBe(true);

    const reads = (await auditRows(order.workflowId)).filter((r) => r.action === 'audit.timeline-read');
    expect(reads.at(-1)!.actor_id).toBe(await staffId('auditor.qian'));
  });

  it('is open to any staff member of the property, and their read is recorded too', async () => {
    const res = await get(`/v1/processes/${order.workflowId}/timeline`, 'tech.liu');
    expect(res.statusCode).toBe(200);
    const reads = (await auditRows(order.workflowId)).filter((r) => r.action === 'audit.timeline-read');
    expect(reads.at(-1)!.actor_id).toBe(await staffId('tech.liu'));
  });
});

describe('the replay check over HTTP', () => {
  it('says an exported history and the live process by workflow ID both replay deterministically', async () => {
    const exported = (await get(`/v1/processes/${order.workflowId}/history`)).json();
    const fromBody = await post('/v1/audit/replay', { history: exported });
    expect(fromBody.statusCode).toBe(200);
    expect(fromBody.json()).toMatchObject({ outcome: 'deterministic', workflowType: 'workOrderWorkflow', workflowId: order.workflowId, events: exported.events.length });

    const byId = await post('/v1/audit/replay', { workflowId: order.workflowId });
    expect(byId.statusCode).toBe(200);
    expect(byId.json()).toMatchObject({ outcome: 'deterministic', name: order.workflowId });
    const reads = (await auditRows(order.workflowId)).filter((r) => r.action === 'audit.history-read');
    expect(reads.at(-1)!.detail).toMatchObject({ purpose: 'replay' });
  });

  it('reports a history with an event removed by hand as diverged at that event', async () => {
    const exported = (await get(`/v1/processes/${order.workflowId}/history`)).json();
    const index = exported.events.findIndex((e: { eventType: string }) => e.eventType === 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED');
    const removed = exported.events.splice(index, 1)[0];
    const res = await post('/v1/audit/replay', { history: exported });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      outcome: 'diverged',
      divergence: { eventId: Number(removed.eventId), locatedBy: 'history-check' },
    });
    expect(res.json().divergence.got).toContain(`event ${removed.eventId} is missing`);
  });

  it('reports a history renumbered by hand after removing an event at the first event that no longer fits', async () => {
    const exported = (await get(`/v1/processes/${order.workflowId}/history`)).json();
    type Event = { eventId: string; eventType: string; timerFiredEventAttributes?: { startedEventId: string }; timerCanceledEventAttributes?: { startedEventId: string } };
    const events: Event[] = exported.events;
    // A timer the rest of the history refers to (fired or cancelled later).
    const refersTo = (e: Event) => e.timerFiredEventAttributes?.startedEventId ?? e.timerCanceledEventAttributes?.startedEventId;
    const index = events.findIndex((e) => e.eventType === 'EVENT_TYPE_TIMER_STARTED' && events.some((later) => refersTo(later) === e.eventId));
    exported.events.splice(index, 1);
    exported.events.forEach((e: { eventId: string }, i: number) => (e.eventId = String(i + 1)));
    const res = await post('/v1/audit/replay', { history: exported });
    const { divergence } = res.json();
    expect(res.json().outcome).toBe('diverged');
    // The events after the removed one still point at their partners by the old numbers: the first of them is named.
    expect(divergence.eventId).toBeGreaterThan(index);
    expect(divergence.eventId).toBeLessThanOrEqual(index + 6);
    expect(divergence).toMatchObject({ locatedBy: 'history-check', got: expect.stringMatching(/removed or renumbered/) });
  });

  it('refuses a history too large to hand to the replay worker with 413, pointing to npm run replay', async () => {
    // Random text does not compress: about 2 MB of it stays over the limit once gzipped.
    const noise = Array.from({ length: 2_000 }, () => randomBytes(768).toString('base64'));
    const res = await post('/v1/audit/replay', { history: { events: noise.map((text, i) => ({ eventId: String(i + 1), text })) } });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: 'payload_too_large', message: expect.stringContaining('npm run replay') });
  });

  it('answers 503 within its deadline when no replay worker takes the check', async () => {
    const idle = await testApp(database.db, { temporal: env.client, taskQueue: 'nobody-polls-replays', replayTimeoutMs: 1500 });
    try {
      const started = Date.now();
      const res = await idle.app.inject({ method: 'POST', url: '/v1/audit/replay', headers: await idle.as('auditor.qian'), payload: { workflowId: order.workflowId } });
      expect(res.statusCode).toBe(503);
      expect(res.json().message).toMatch(/no replay worker finished it in time/);
      expect(Date.now() - started).toBeLessThan(15_000);
    } finally {
      await idle.close();
    }
  });

  it('refuses a body that is not a history with 400, and staff outside the audit roles with 403', async () => {
    expect((await post('/v1/audit/replay', { history: { events: [] } })).statusCode).toBe(400);
    expect((await post('/v1/audit/replay', { workflowId: 'not an id' })).statusCode).toBe(400);
    const tech = await post('/v1/audit/replay', { workflowId: order.workflowId }, 'tech.liu');
    expect(tech.statusCode).toBe(403);
  });
});

describe('who may read what', () => {
  const outsider = () => t.outsider('auditor', 'river-court');

  it('refuses every write to an auditor with 403', async () => {
    const writes: [string, string, object][] = [
      ['POST', '/v1/work-orders', leak],
      ['POST', `/v1/work-orders/${order.id}/cancel`, { reason: 'auditor tries' }],
      ['POST', '/v1/properties', { id: 'auditor-court', name: 'Auditor Court', kind: 'residential' }],
      ['PUT', '/v1/properties/harbour-view/sla-policies/water', { department: 'engineering', respond: 'PT1H', complete: 'PT24H', revisit: 'PT48H', escalation: [] }],
    ];
    for (const [method, url, payload] of writes) {
      const res = await t.app.inject({ method: method as 'POST' | 'PUT', url, headers: await t.as('auditor.qian'), payload });
      expect([url, res.statusCode]).toEqual([url, 403]);
      expect(res.json().message).toMatch(/read-only/);
    }
  });

  it('shows an auditor nothing of a property they are not granted, answering as for an unknown process', async () => {
    const headers = await outsider();
    const unknown = order.workflowId.replace(/\d+$/, '9999');
    const answer = async (method: 'GET' | 'POST', url: string, payload?: object) => {
      const res = await t.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
      return [res.statusCode, res.json()];
    };
    for (const url of [(id: string) => `/v1/processes/${id}/history`, (id: string) => `/v1/processes/${id}/timeline`]) {
      const known = await answer('GET', url(order.workflowId));
      expect(known[0]).toBe(404);
      expect(known).toEqual(JSON.parse(JSON.stringify(await answer('GET', url(unknown))).replaceAll(unknown, order.workflowId)));
    }
    expect(await answer('GET', '/v1/audit/verify?propertyId=harbour-view')).toEqual([404, { error: 'not_found', message: 'property harbour-view not found' }]);
    const replay = await answer('POST', '/v1/audit/replay', { workflowId: order.workflowId });
    expect(replay).toEqual(JSON.parse(JSON.stringify(await answer('POST', '/v1/audit/replay', { workflowId: unknown })).replaceAll(unknown, order.workflowId)));
    expect(replay[0]).toBe(404);
    const { sub } = JSON.parse(Buffer.from(headers.authorization.split('.')[1]!, 'base64url').toString('utf8')) as { sub: string };
    const reads = (await auditRows(order.workflowId)).filter((r) => r.actor_id === sub);
    expect(reads).toEqual([]);
  });

  it('answers 404 for a process Temporal does not know and 400 for something that is not a workflow ID', async () => {
    expect((await get('/v1/processes/work-order:WO-19990101-0001/history')).statusCode).toBe(404);
    expect((await get('/v1/processes/complaint:CP-19990101-0001/timeline')).statusCode).toBe(404);
    expect((await get('/v1/processes/no-colon-here/timeline')).statusCode).toBe(400);
  });
});

describe('the audit log chain', () => {
  it('verifies when nobody tampered with it, and refuses a plain UPDATE in PostgreSQL itself', async () => {
    const res = await get('/v1/audit/verify?propertyId=harbour-view');
    expect(res.statusCode).toBe(200);
    const report = res.json();
    expect(report).toMatchObject({ propertyId: 'harbour-view', ok: true, firstBreak: null });
    expect(report.rows).toBeGreaterThan(6);
    await expect(database.pool.query(`UPDATE audit_log SET actor_id = 'forged' WHERE subject = $1 AND seq = 3`, [order.workflowId])).rejects.toThrow(/append-only/);
  });

  it('flags an audit row the history does not have in the timeline', async () => {
    await appendAudit(database.db, {
      occurredAt: new Date(),
      propertyId: 'harbour-view',
      subject: order.workflowId,
      seq: 99,
      action: 'close',
      actor: { id: 'someone', role: 'admin' },
    });
    const tl = (await get(`/v1/processes/${order.workflowId}/timeline`)).json();
    expect(tl.audit.consistent).toBe(false);
    expect(tl.audit.disagreements).toEqual([expect.objectContaining({ kind: 'missing-from-history', seq: 99 })]);
    expect((await get('/v1/audit/verify?propertyId=harbour-view')).json().ok).toBe(true);
  });

  it('finds a row a superuser changed behind the triggers, and the timeline names the changed field and the removed step', async () => {
    const rows = await auditRows(order.workflowId);
    const changed = rows.find((r) => r.seq === 3)!;
    await asSuperuser([
      `UPDATE audit_log SET actor_id = 'forged' WHERE id = ${changed.id}`,
      `DELETE FROM audit_log WHERE subject = '${order.workflowId}' AND seq = 5`,
    ]);

    const verify = (await get('/v1/audit/verify?propertyId=harbour-view')).json();
    expect(verify.ok).toBe(false);
    expect(verify.firstBreak).toMatchObject({ rowId: Number(changed.id), problem: 'content-changed' });

    const tl = (await get(`/v1/processes/${order.workflowId}/timeline`)).json();
    expect(tl.audit.disagreements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'differs', seq: 3, field: 'actor.id', auditLog: 'forged', history: await staffId(order.technician) }),
        expect.objectContaining({ kind: 'missing-from-audit-log', seq: 5 }),
      ]),
    );
    expect(tl.steps.find((s: { seq?: number }) => s.seq === 5).audit).toBeNull();
  });
});
