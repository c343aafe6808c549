import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { livePlanIds } from '../db/maintenance.js';
import { maintenanceTasks } from '../db/schema/index.js';
import { seedDemo } from '../db/seed.js';
import { taskWorkflowId } from '../domain/maintenance-schedule.js';
import { testApp, type TestApp } from '../test/harness/api.js';
import { freshDatabase, type TestDatabase } from '../test/harness/db.js';
import { eventually } from '../test/harness/processes.js';
import { timeSkippingEnv } from '../test/harness/temporal.js';
import { workOrderWorker } from '../test/harness/work-orders.js';
import { maintenancePlanWorkflowType, planChangedSignal, planWorkflowId } from '../workflows/maintenance-plan.contract.js';
import { HttpProblem } from './errors.js';
import { TemporalPlanEngine } from './recurring-plans/temporal-engine.js';

let env: TestWorkflowEnvironment;
let database: TestDatabase;
let t: TestApp;

beforeAll(async () => {
  [env, database] = await Promise.all([timeSkippingEnv(), freshDatabase()]);
  await seedDemo(database.db);
  // No worker polls this queue: plan workflows started here only wait.
  t = await testApp(database.db, { temporal: env.client, taskQueue: `idle-${randomUUID()}`, stepTimeoutMs: 2000 });
});
afterAll(async () => {
  await t?.close();
  await env?.teardown();
  await database?.drop();
});

const get = async (url: string, username = 'tech.chen') => t.app.inject({ method: 'GET', url, headers: await t.as(username) });
const post = async (url: string, username: string, payload: object = {}) => t.app.inject({ method: 'POST', url, headers: await t.as(username), payload });
const stranger = () => t.bearer({ sub: randomUUID(), username: 'elsewhere', name: 'Manager elsewhere', role: 'manager', properties: ['elsewhere'] });
const fieldsOf = (res: { json(): { fields?: { field: string }[] } }) => (res.json().fields ?? []).map((f) => f.field);
const idsOf = (res: { json(): { items: { id: string }[] } }) => res.json().items.map((i) => i.id);

const minute = 60_000;
let staffIds: Record<string, string> = {};

/** A projection row as the task workflow's recording activity would write it. */
async function insertTask(o: { planId: string; dueMs: number; status?: string; equipmentId?: string | null; kind?: string; assignee?: string; propertyId?: string; overdueInMs?: number }) {
  const id = taskWorkflowId(o.planId, o.dueMs);
  const now = new Date();
  const assigneeId = o.assignee ? staffIds[o.assignee]! : null;
  await database.db.insert(maintenanceTasks).values({
    workflowId: id,
    planId: o.planId,
    planRevision: 1,
    propertyId: o.propertyId ?? 'harbour-view',
    equipmentId: o.equipmentId ?? null,
    equipmentKind: o.kind ?? 'water_pump',
    templateCode: 'pump-monthly',
    templateVersion: 1,
    nominalDue: new Date(o.dueMs),
    opensAt: new Date(o.dueMs - 60 * minute),
    overdueAt: new Date(o.dueMs + (o.overdueInMs ?? 60 * minute)),
    status: o.status ?? 'open',
    assigneeId,
    assigneeName: o.assignee ?? null,
    createdAt: now,
    updatedAt: now,
    seq: 1,
  });
  return id;
}

describe('the task list', () => {
  const plan = randomUUID();
  const otherPlan = randomUUID();
  const base = Date.parse('2031-03-01T00:00:00Z');
  let pumpId: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    const staff = await database.pool.query<{ id: string; username: string }>('SELECT id, username FROM staff');
    staffIds = Object.fromEntries(staff.rows.map((r) => [r.username, r.id]));
    const pump = await database.pool.query<{ id: string }>("SELECT id FROM equipment WHERE property_id = 'harbour-view' AND kind = 'water_pump' LIMIT 1");
    pumpId = pump.rows[0]!.id;
    ids.done = await insertTask({ planId: plan, dueMs: base, status: 'completed', equipmentId: pumpId, assignee: 'tech.chen' });
    ids.assigned = await insertTask({ planId: plan, dueMs: base + 1 * minute, status: 'assigned', equipmentId: pumpId, assignee: 'tech.liu' });
    // Due in the past and past its overdue time: overdue while pending.
    ids.overdue = await insertTask({ planId: otherPlan, dueMs: Date.now() - 120 * minute, status: 'assigned', kind: 'generator', assignee: 'tech.chen', overdueInMs: 60 * minute });
    ids.missedLongAgo = await insertTask({ planId: otherPlan, dueMs: Date.now() - 240 * minute, status: 'missed', kind: 'generator' });
    ids.kindWide = await insertTask({ planId: otherPlan, dueMs: base + 2 * minute, status: 'open', equipmentId: null, kind: 'water_pump' });
    ids.lift = await insertTask({ planId: otherPlan, dueMs: base + 3 * minute, status: 'open', equipmentId: null, kind: 'elevator' });
    ids.elsewhere = await insertTask({ planId: randomUUID(), dueMs: base + 4 * minute, status: 'open', propertyId: 'elsewhere' });
  });

  it('lists the tasks of the caller’s properties, newest due first', async () => {
    const res = await get('/v1/maintenance/tasks?propertyId=harbour-view');
    expect(res.statusCode).toBe(200);
    expect(idsOf(res)).toEqual([ids.lift, ids.kindWide, ids.assigned, ids.done, ids.overdue, ids.missedLongAgo]);
    expect(res.json().items[2]).toMatchObject({ planId: plan, status: 'assigned', assignee: { id: staffIds['tech.liu'], name: 'tech.liu' }, template: { code: 'pump-monthly', version: 1 }, overdue: false });
    expect(idsOf(await get('/v1/maintenance/tasks', 'tech.chen'))).not.toContain(ids.elsewhere);
  });

  it('filters by status, plan, assignee and due range', async () => {
    expect(idsOf(await get('/v1/maintenance/tasks?propertyId=harbour-view&status=completed,missed'))).toEqual([ids.done, ids.missedLongAgo]);
    expect(idsOf(await get(`/v1/maintenance/tasks?planId=${plan}`))).toEqual([ids.assigned, ids.done]);
    expect(idsOf(await get(`/v1/maintenance/tasks?assigneeId=${staffIds['tech.chen']}`))).toEqual([ids.done, ids.overdue]);
    const from = new Date(base + 1 * minute).toISOString();
    const to = new Date(base + 2 * minute).toISOString();
    expect(idsOf(await get(`/v1/maintenance/tasks?propertyId=harbour-view&dueFrom=${from}&dueTo=${to}`))).toEqual([ids.kindWide, ids.assigned]);
  });

  it('finds the tasks of a piece of equipment, including those of plans covering its whole kind', async () => {
    expect(idsOf(await get(`/v1/maintenance/tasks?equipmentId=${pumpId}`))).toEqual([ids.kindWide, ids.assigned, ids.done]);
  });

  it('counts as overdue only a pending task past its overdue time', async () => {
    const overdue = await get('/v1/maintenance/tasks?propertyId=harbour-view&overdue=true');
    expect(idsOf(overdue)).toEqual([ids.overdue]);
    expect(overdue.json().items[0].overdue).toBe(true);
    expect(idsOf(await get('/v1/maintenance/tasks?propertyId=harbour-view&overdue=false'))).toEqual([ids.lift, ids.kindWide, ids.assigned, ids.done, ids.missedLongAgo]);
  });

  it('pages with a cursor, without repeating or dropping a task', async () => {
    const seen: string[] = [];
    let url = '/v1/maintenance/tasks?propertyId=harbour-view&limit=4';
    for (let pages = 0; pages < 5; pages++) {
      const res = await get(url);
      expect(res.statusCode).toBe(200);
      seen.push(...idsOf(res));
      const next = res.json().nextCursor as string | null;
      if (!next) break;
      url = `/v1/maintenance/tasks?propertyId=harbour-view&limit=4&cursor=${next}`;
    }
    expect(seen).toEqual([ids.lift, ids.kindWide, ids.assigned, ids.done, ids.overdue, ids.missedLongAgo]);
  });

  it('refuses bad filters with 400 naming the parameter', async () => {
    expect(fieldsOf(await get('/v1/maintenance/tasks?status=finished'))).toEqual(['querystring.status.0']);
    expect(fieldsOf(await get('/v1/maintenance/tasks?dueFrom=2031-03-02T00:00:00Z&dueTo=2031-03-01T00:00:00Z'))).toEqual(['querystring.dueTo']);
    expect(fieldsOf(await get('/v1/maintenance/tasks?dueFrom=yesterday'))).toEqual(['querystring.dueFrom']);
    expect(fieldsOf(await get('/v1/maintenance/tasks?cursor=not-a-cursor'))).toEqual(['querystring.cursor']);
    expect(fieldsOf(await get(`/v1/maintenance/tasks?equipmentId=${randomUUID()}`))).toEqual(['querystring.equipmentId']);
  });

  it('answers 403 for another property, by filter, equipment or task', async () => {
    const outsider = stranger();
    expect((await t.app.inject({ method: 'GET', url: '/v1/maintenance/tasks?propertyId=harbour-view', headers: outsider })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: `/v1/maintenance/tasks?equipmentId=${pumpId}`, headers: outsider })).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: `/v1/maintenance/tasks/${ids.assigned}`, headers: outsider })).statusCode).toBe(403);
    const step = await t.app.inject({ method: 'POST', url: `/v1/maintenance/tasks/${ids.assigned}/start`, headers: outsider, payload: {} });
    expect(step.statusCode).toBe(403);
  });

  it('keeps auditors read-only', async () => {
    expect((await get(`/v1/maintenance/tasks?planId=${plan}`, 'auditor.qian')).statusCode).toBe(200);
    const res = await post(`/v1/maintenance/tasks/${ids.assigned}/skip`, 'auditor.qian', { reason: 'looked fine' });
    expect(res.statusCode).toBe(403);
  });

  it('answers 409 with the status for a step on a task that is over', async () => {
    const res = await post(`/v1/maintenance/tasks/${ids.done}/start`, 'tech.chen');
    expect(res.statusCode).toBe(409);
    expect(res.json().status).toBe('completed');
  });

  it('assigns only an active field staff member of the task’s property', async () => {
    const unknown = await post(`/v1/maintenance/tasks/${ids.assigned}/assign`, 'dispatcher.zhang', { assigneeId: randomUUID() });
    expect(unknown.statusCode).toBe(400);
    expect(fieldsOf(unknown)).toEqual(['body.assigneeId']);
    const supervisor = await post(`/v1/maintenance/tasks/${ids.assigned}/assign`, 'dispatcher.zhang', { assigneeId: staffIds['manager.zhou'] });
    expect(supervisor.statusCode).toBe(400);
    expect(supervisor.json().message).toMatch(/not field staff/);
  });

  it('refuses a malformed completion before it reaches the task', async () => {
    const empty = await post(`/v1/maintenance/tasks/${ids.assigned}/complete`, 'tech.liu', { answers: { pressure: {} } });
    expect(fieldsOf(empty)).toEqual(['body.answers.pressure']);
    const photo = await post(`/v1/maintenance/tasks/${ids.assigned}/complete`, 'tech.liu', { answers: { pressure: { photo: 'not a url' } } });
    expect(fieldsOf(photo)).toEqual(['body.answers.pressure.photo']);
    expect(fieldsOf(await post(`/v1/maintenance/tasks/${ids.assigned}/skip`, 'dispatcher.zhang', {}))).toEqual(['body.reason']);
  });
});

describe('a task ID', () => {
  it.each([
    ['not a task at all', 'WO-20261121-0001'],
    ['no due time', `pm-task:${randomUUID()}`],
    ['a plan that is not a UUID', 'pm-task:pump:2031-03-01T00:00:00.000Z'],
    ['a due time not as the plan writes it', `pm-task:${randomUUID()}:2031-03-01`],
  ])('is refused with 400 when it has %s', async (_why, id) => {
    const res = await get(`/v1/maintenance/tasks/${encodeURIComponent(id)}`);
    expect(res.statusCode).toBe(400);
    expect(fieldsOf(res)).toEqual(['params.id']);
  });

  it('of a task nobody started is a 404', async () => {
    const res = await get(`/v1/maintenance/tasks/${taskWorkflowId(randomUUID(), Date.parse('2031-03-01T00:00:00Z'))}`);
    expect(res.statusCode).toBe(404);
  });
});

/** A Temporal client that records what the engine asks of it, and fails as `fail` says at the time of each call. */
function fakeTemporal(fail: { start?: Error | undefined; signalWithStart?: Error | undefined; signal?: Error | undefined } = {}) {
  const calls: { op: string; type?: string; options?: Record<string, unknown>; workflowId?: string; signal?: unknown }[] = [];
  /** The calls that succeeded, as `op workflowId`. */
  const delivered: string[] = [];
  const outcome = async (op: keyof typeof fail, workflowId: unknown) => {
    if (fail[op]) throw fail[op];
    delivered.push(`${op} ${String(workflowId)}`);
  };
  const client = {
    connection: { withDeadline: <R>(_deadline: number, fn: () => Promise<R>) => fn() },
    workflow: {
      start: async (type: string, options: Record<string, unknown>) => {
        calls.push({ op: 'start', type, options });
        await outcome('start', options.workflowId);
      },
      signalWithStart: async (type: string, options: Record<string, unknown>) => {
        calls.push({ op: 'signalWithStart', type, options });
        await outcome('signalWithStart', options.workflowId);
      },
      getHandle: (workflowId: string) => ({
        signal: async (signal: unknown) => {
          calls.push({ op: 'signal', workflowId, signal });
          await outcome('signal', workflowId);
        },
      }),
    },
  };
  return { client: client as unknown as Client, calls, delivered, fail };
}

describe('the plan engine', () => {
  const plan = randomUUID();
  const engineOver = (temporal: Client, more: { timeoutMs?: number } = {}) =>
    new TemporalPlanEngine({ temporal, db: database.db, taskQueue: 'pm-queue', retryMs: { first: 20, max: 40 }, ...more });

  it('starts the plan’s workflow by its ID, landing on a running one and leaving a finished one alone', async () => {
    const ok = fakeTemporal();
    await engineOver(ok.client).started(plan);
    expect(ok.calls).toEqual([
      {
        op: 'start',
        type: maintenancePlanWorkflowType,
        options: { workflowId: planWorkflowId(plan), taskQueue: 'pm-queue', args: [{ planId: plan }], workflowIdConflictPolicy: 'USE_EXISTING', workflowIdReusePolicy: 'REJECT_DUPLICATE' },
      },
    ]);
    const finished = fakeTemporal({ start: new WorkflowExecutionAlreadyStartedError('already', planWorkflowId(plan), maintenancePlanWorkflowType) });
    await expect(engineOver(finished.client).started(plan)).resolves.toBeUndefined();
  });

  it('signals a change with start, and a retirement without, where a missing workflow is fine', async () => {
    const fake = fakeTemporal({ signal: new WorkflowNotFoundError('gone', planWorkflowId(plan), undefined) });
    const engine = engineOver(fake.client);
    await engine.changed(plan);
    await engine.retired(plan);
    expect(fake.calls).toEqual([
      { op: 'signalWithStart', type: maintenancePlanWorkflowType, options: { workflowId: planWorkflowId(plan), taskQueue: 'pm-queue', args: [{ planId: plan }], signal: planChangedSignal, workflowIdReusePolicy: 'REJECT_DUPLICATE' } },
      { op: 'signal', workflowId: planWorkflowId(plan), signal: planChangedSignal },
    ]);
  });

  it('answers 503 saying the change is saved, never a 500, when Temporal refuses', async () => {
    const engine = engineOver(fakeTemporal({ signalWithStart: new Error('internal error') }).client);
    const err = await engine.changed(plan).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpProblem);
    expect((err as HttpProblem).statusCode).toBe(503);
    expect((err as HttpProblem).message).toMatch(/is saved/);
    await engine.close();
  });

  it('answers 503 within its deadline when Temporal cannot be reached, never hangs', async () => {
    const unreachable = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
    const engine = engineOver(unreachable, { timeoutMs: 500 });
    const began = Date.now();
    const err = await engine.started(plan).catch((e: unknown) => e);
    expect((err as HttpProblem).statusCode).toBe(503);
    expect(Date.now() - began).toBeLessThan(5000);
    await engine.close();
  });

  it('keeps a plan written while Temporal is down, answering 503 that says it is saved', async () => {
    const down = await testApp(database.db, { temporal: new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) }), stepTimeoutMs: 500 });
    try {
      const res = await down.app.inject({
        method: 'POST',
        url: '/v1/maintenance-plans',
        headers: await down.as('manager.zhou'),
        payload: {
          propertyId: 'harbour-view',
          name: 'Pumps while Temporal is down',
          equipmentKind: 'water_pump',
          interval: { mode: 'floating', every: 1, unit: 'months' },
          window: { opensBefore: 'P1D', overdueAfter: 'P2D' },
          assignee: { department: 'engineering' },
          template: { code: 'pump-monthly' },
        },
      });
      expect(res.statusCode).toBe(503);
      expect(res.json().message).toMatch(/is saved/);
      const plans = await down.app.inject({ method: 'GET', url: '/v1/maintenance-plans?propertyId=harbour-view&limit=200', headers: await down.as('manager.zhou') });
      expect(plans.json().items.map((p: { name: string }) => p.name)).toContain('Pumps while Temporal is down');
    } finally {
      await down.close();
    }
  });

  it('catches up in the background after a failure: every active or paused plan, and the retirement it owes', async () => {
    const fake = fakeTemporal({ signal: new Error('unavailable') });
    const engine = engineOver(fake.client);
    await expect(engine.retired(plan)).rejects.toMatchObject({ statusCode: 503 });
    // Temporal answers again: a later round delivers the retirement, once, and tells every live plan.
    fake.fail.signal = undefined;
    await expect.poll(() => fake.delivered.filter((d) => d.startsWith('signal ')), { timeout: 5000 }).toEqual([`signal ${planWorkflowId(plan)}`]);
    const live = await livePlanIds(database.db);
    expect(live.length).toBeGreaterThan(0);
    expect(new Set(fake.delivered.filter((d) => d.startsWith('signalWithStart ')))).toEqual(new Set(live.map((id) => `signalWithStart ${planWorkflowId(id)}`)));
    await engine.close();
  });
});

describe('the maintenance loop through the API', () => {
  let worker: Worker;
  let running: Promise<void>;
  let api: TestApp;

  beforeAll(async () => {
    worker = await workOrderWorker(env, database.db);
    running = worker.run();
    api = await testApp(database.db, { temporal: env.client, taskQueue: worker.options.taskQueue });
  });
  afterAll(async () => {
    await api?.close();
    worker?.shutdown();
    await running;
  });

  const call = async (method: 'GET' | 'POST', url: string, username: string, payload?: object) =>
    api.app.inject({ method, url, headers: await api.as(username), ...(payload ? { payload } : {}) });

  it('gives every plan the seed wrote its workflow, once, however often it runs', async () => {
    const engine = new TemporalPlanEngine({ temporal: env.client, db: database.db, taskQueue: worker.options.taskQueue });
    const live = await livePlanIds(database.db);
    expect(await engine.ensureAll()).toBe(live.length);
    const runs = await Promise.all(live.map((id) => env.client.workflow.getHandle(planWorkflowId(id)).describe()));
    expect(runs.map((r) => [r.type, r.status.name])).toEqual(live.map(() => [maintenancePlanWorkflowType, 'RUNNING']));
    await engine.ensureAll();
    const again = await Promise.all(live.map((id) => env.client.workflow.getHandle(planWorkflowId(id)).describe()));
    expect(again.map((r) => r.runId)).toEqual(runs.map((r) => r.runId));
  });

  it('opens and assigns a task of a plan set in seconds, and a reading out of limits starts a linked repair order', async () => {
    const lift = await call('POST', '/v1/equipment', 'dispatcher.zhang', { propertyId: 'harbour-view', kind: 'elevator', code: 'EL-LOOP-1', location: 'Building 7' });
    expect(lift.statusCode).toBe(201);
    const anchorMs = Math.ceil((Date.now() + 30_000) / 1000) * 1000;
    const created = await call('POST', '/v1/maintenance-plans', 'dispatcher.zhang', {
      propertyId: 'harbour-view',
      name: 'Lift EL-LOOP-1 every 30 s',
      equipmentId: lift.json().id,
      interval: { mode: 'fixed', every: 30, unit: 'seconds', anchor: new Date(anchorMs).toISOString() },
      window: { opensBefore: 'PT10S', overdueAfter: 'P1D' },
      assignee: { department: 'engineering' },
      template: { code: 'elevator-half-monthly' },
    });
    expect(created.statusCode).toBe(201);
    const planId = created.json().id as string;
    const taskId = taskWorkflowId(planId, anchorMs);

    // The plan's timer fires on the time-skipping server; the task opens and assigns itself.
    await env.sleep(25_000);
    const listed = await eventually(
      () => call('GET', `/v1/maintenance/tasks?planId=${planId}&status=assigned`, 'dispatcher.zhang'),
      (res) => idsOf(res).includes(taskId),
      `task ${taskId} assigned`,
    );
    expect(listed.json().items.find((i: { id: string }) => i.id === taskId)).toMatchObject({ equipmentId: lift.json().id, equipmentKind: 'elevator', late: false });
    const task = await call('GET', `/v1/maintenance/tasks/${taskId}`, 'dispatcher.zhang');
    expect(task.statusCode).toBe(200);
    expect(task.json()).toMatchObject({ status: 'assigned', planId, equipment: { code: 'EL-LOOP-1' } });
    const assignee = await database.pool.query<{ username: string }>('SELECT username FROM staff WHERE id = $1', [task.json().assignee.id]);
    const tech = assignee.rows[0]!.username;

    expect((await call('POST', `/v1/maintenance/tasks/${taskId}/start`, tech, {})).json().status).toBe('in_progress');
    const items = task.json().template.items as { key: string; type: string; min?: number }[];
    const answers = Object.fromEntries(
      items.map((i) => [i.key, i.type === 'pass_fail' ? { pass: true } : i.type === 'reading' ? { value: i.key === 'brake-gap' ? 2 : (i.min ?? 0) } : i.type === 'photo' ? { photo: 'https://example.com/p.jpg' } : { text: 'ok' }]),
    );
    const { 'machine-room': _left, ...missing } = answers;
    const refused = await call('POST', `/v1/maintenance/tasks/${taskId}/complete`, tech, { answers: missing });
    expect(refused.statusCode).toBe(400);
    expect(fieldsOf(refused)).toEqual(['body.answers.machine-room']);

    const done = await call('POST', `/v1/maintenance/tasks/${taskId}/complete`, tech, { answers, note: 'brake worn' });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({ status: 'completed', defects: [{ key: 'brake-gap' }] });
    const linked = await eventually(
      () => call('GET', `/v1/maintenance/tasks/${taskId}`, 'dispatcher.zhang'),
      (res) => typeof res.json().defects[0]?.orderId === 'string',
      'the repair order linked to the defect',
    );
    const orderId = linked.json().defects[0].orderId as string;
    const order = await call('GET', `/v1/work-orders/${orderId}`, 'dispatcher.zhang');
    expect(order.statusCode).toBe(200);
    expect(order.json()).toMatchObject({ category: 'elevator', propertyId: 'harbour-view' });
    expect((await call('POST', `/v1/maintenance/tasks/${taskId}/skip`, 'dispatcher.zhang', { reason: 'too late' })).statusCode).toBe(409);

    const month = DateTime.fromMillis(anchorMs, { zone: 'Asia/Shanghai' }).toFormat('yyyy-MM');
    const compliance = await call('GET', `/v1/maintenance/compliance?propertyId=harbour-view&month=${month}`, 'auditor.qian');
    expect(compliance.statusCode).toBe(200);
    expect(compliance.json().perKind.find((k: { kind: string }) => k.kind === 'elevator')).toMatchObject({ onTime: 1 });
  });
});
