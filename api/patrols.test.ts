import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../test/harness/api.js';
import type { TestDatabase } from '../test/harness/db.js';
import { processApiStack } from '../test/harness/process-api.js';
import { eventually } from '../test/harness/processes.js';

const MIN = 60_000;

const stack = processApiStack();
let env: TestWorkflowEnvironment;
let database: TestDatabase;
let t: TestApp;
beforeAll(() => ({ env, database, t } = stack));

type Json = Record<string, any>;
const post = async (url: string, username: string, payload: object = {}) => t.app.inject({ method: 'POST', url: `/v1${url}`, headers: await t.as(username), payload });
const get = async (url: string, username = 'manager.zhou') => t.app.inject({ method: 'GET', url: `/v1${url}`, headers: await t.as(username) });
const fields = (res: { json(): Json }) => (res.json().fields as Json[]).map((f) => f.field);
const staffId = async (username: string) => (await database.pool.query<{ id: string }>('SELECT id FROM staff WHERE username = $1', [username])).rows[0]!.id;

const night = (name: string) => ({
  propertyId: 'harbour-view',
  name,
  kind: 'security',
  window: 'PT30M',
  grace: 'PT5M',
  escalateAfter: 'PT10M',
  checkpoints: [
    { tagCode: `${name}-GATE`, location: 'Main gate', check: 'gate locked' },
    { tagCode: `${name}-B1`, location: 'B1 car park, exit 2', check: 'fire door closed' },
    { tagCode: `${name}-ROOF`, location: 'Building 2 roof door', check: 'door locked' },
  ],
});

describe('patrols through the API', () => {
  it('defines routes and checkpoints, answering 400 naming the field on bad input', async () => {
    const bad = await post('/patrol-routes', 'manager.zhou', { ...night('BAD'), window: 'soon', checkpoints: [] });
    expect(bad.statusCode).toBe(400);
    expect(fields(bad)).toEqual(expect.arrayContaining(['body.window', 'body.checkpoints']));
    const created = await post('/patrol-routes', 'manager.zhou', night('R1'));
    expect(created.statusCode).toBe(201);
    const route = created.json();
    expect(route.checkpoints.map((c: Json) => c.position)).toEqual([1, 2, 3]);
    expect((await post('/patrol-routes', 'security.zhao', night('R1b'))).statusCode).toBe(403);
    const added = await post(`/patrol-routes/${route.id}/checkpoints`, 'dispatcher.zhang', { tagCode: 'R1-POOL', location: 'Pool', check: 'gate closed' });
    expect(added.json().checkpoints.map((c: Json) => c.location)).toEqual(['Main gate', 'B1 car park, exit 2', 'Building 2 roof door', 'Pool']);
    const dup = await post(`/patrol-routes/${route.id}/checkpoints`, 'dispatcher.zhang', { tagCode: 'R1-POOL', location: 'Pool again', check: 'x' });
    expect(dup.statusCode).toBe(400);
    expect(fields(dup)).toEqual(['body.tagCode']);
    const pool = added.json().checkpoints[3].id;
    const off = await t.app.inject({ method: 'PATCH', url: `/v1/patrol-routes/${route.id}/checkpoints/${pool}`, headers: await t.as('manager.zhou'), payload: { active: false } });
    expect(off.json().checkpoints).toHaveLength(3);
    const patched = await t.app.inject({ method: 'PATCH', url: `/v1/patrol-routes/${route.id}`, headers: await t.as('manager.zhou'), payload: { ordered: true } });
    expect(patched.json()).toMatchObject({ ordered: true, revision: 2 });
    // Another route's name, or another checkpoint's tag: refused by name, and nothing changes.
    const other = (await post('/patrol-routes', 'manager.zhou', night('R1-other'))).json();
    const renamed = await t.app.inject({ method: 'PATCH', url: `/v1/patrol-routes/${other.id}`, headers: await t.as('manager.zhou'), payload: { name: 'R1', ordered: true } });
    expect(renamed.statusCode).toBe(409);
    expect(renamed.json().message).toContain('already has a patrol route named R1');
    expect((await get(`/patrol-routes/${other.id}`)).json()).toMatchObject({ name: 'R1-other', revision: 1 });
    const first = route.checkpoints[0];
    const retagged = await t.app.inject({ method: 'PATCH', url: `/v1/patrol-routes/${route.id}/checkpoints/${first.id}`, headers: await t.as('manager.zhou'), payload: { tagCode: 'R1-POOL' } });
    expect(retagged.statusCode).toBe(400);
    expect(fields(retagged)).toEqual(['body.tagCode']);
    expect((await get('/patrol-routes?propertyId=harbour-view')).json().items.map((r: Json) => r.name)).toContain('R1');
  });

  it('runs a round with a wrong tag (400), an issue observation and a missed checkpoint escalated; raises the hazard, loops its re-inspection, and counts it all in the month', async () => {
    const route = (await post('/patrol-routes', 'manager.zhou', night('R2'))).json();
    const [gate, carPark] = route.checkpoints as Json[];
    const started = await post('/patrol-rounds', 'security.zhao', { routeId: route.id });
    expect(started.statusCode).toBe(201);
    const round = started.json();
    expect(round.id).toMatch(new RegExp(`^patrol:${route.id}:`));
    const url = `/patrol-rounds/${encodeURIComponent(round.id)}`;
    expect((await post(`${url}/start`, 'security.zhao')).json().status).toBe('in_progress');

    const wrong = await post(`${url}/check-in`, 'security.zhao', { checkpointId: gate!.id, tagCode: 'R2-B1' });
    expect(wrong.statusCode).toBe(400);
    expect(fields(wrong)).toEqual(['body.tagCode']);
    await post(`${url}/check-in`, 'security.zhao', { checkpointId: gate!.id, tagCode: 'R2-GATE', gps: { lat: 22.3, lng: 114.2 } });
    const scanned = await post(`${url}/check-in`, 'security.zhao', { checkpointId: carPark!.id, tagCode: 'R2-B1', deviceTime: new Date((await env.currentTimeMs()) - 30 * MIN).toISOString() });
    expect(scanned.json().scans.map((s: Json) => s.skewFlagged)).toEqual([false, true]);
    const issue = await post(`${url}/observe`, 'security.zhao', { checkpointId: carPark!.id, result: 'issue', note: 'fire door wedged open', photo: 'https://photos.example/door.jpg' });
    expect(issue.json().checkpoints[1].observation).toMatchObject({ result: 'issue' });

    // The roof door is never scanned: window 30 min + grace 5 min, then the project manager 10 min later.
    await env.sleep(50 * MIN);
    const closed = await eventually(() => get(url).then((r) => r.json()), (r) => r.status === 'incomplete', 'the round closed itself');
    expect(closed.checkpoints[2].exception.levels.map((l: Json) => [l.level, l.role])).toEqual([
      [1, 'dispatcher'],
      [2, 'manager'],
    ]);
    const listed = (await get(`/patrol-rounds?routeId=${route.id}`)).json().items;
    expect(listed).toEqual([expect.objectContaining({ id: round.id, status: 'incomplete', checked: 2, missed: 1, exceptions: 1, issues: 1, skewFlags: 1 })]);

    const notAnIssue = await post('/hazards', 'security.zhao', { propertyId: 'harbour-view', location: { commonArea: 'Main gate' }, severity: 'general', description: 'x', source: { kind: 'patrol', roundId: round.id, checkpointId: gate!.id } });
    expect(fields(notAnIssue)).toEqual(['body.source.checkpointId']);
    const raised = await post('/hazards', 'security.zhao', {
      propertyId: 'harbour-view',
      location: { commonArea: 'B1 car park, exit 2' },
      severity: 'serious',
      description: 'fire door wedged open',
      photos: ['https://photos.example/door.jpg'],
      source: { kind: 'patrol', roundId: round.id, checkpointId: carPark!.id },
    });
    expect(raised.statusCode).toBe(201);
    const hazard = raised.json();
    expect(hazard.source).toEqual({ kind: 'patrol', roundId: round.id, routeId: route.id, checkpointId: carPark!.id });
    await post(`/hazards/${hazard.id}/assign`, 'dispatcher.zhang', { rectifierId: await staffId('tech.chen') });
    await post(`/hazards/${hazard.id}/rectified`, 'tech.chen', { note: 'wedge removed' });
    expect((await post(`/hazards/${hazard.id}/reinspect`, 'security.zhao', { passed: false, note: 'closer broken' })).json().status).toBe('rectifying');
    await post(`/hazards/${hazard.id}/rectified`, 'tech.chen', { note: 'closer replaced' });
    expect((await post(`/hazards/${hazard.id}/reinspect`, 'security.zhao', { passed: true })).json()).toMatchObject({ status: 'closed', failedReinspections: 1 });

    const month = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' }).format(new Date(round.due));
    const stats = await eventually(() => get(`/patrol-routes/${route.id}/stats?month=${month}`).then((r) => r.json()), (s) => s.hazards?.serious?.closed === 1, 'the closed hazard counted');
    expect(stats.rounds).toMatchObject({ due: 1, onTime: 0, late: 0, missed: 1 });
    expect(stats.checkpoints).toEqual({ due: 3, checked: 2, missed: 1 });
    expect(stats.hazards.serious).toMatchObject({ open: 0, overdue: 0, closed: 1 });
    expect(stats.hazards.serious.medianMsToClose).toBeGreaterThanOrEqual(0);
    expect((await get(`/patrol-routes/${route.id}/stats?month=2026-13`)).statusCode).toBe(400);
  });

  it('finishes early only with a reason (400 without)', async () => {
    const route = (await post('/patrol-routes', 'manager.zhou', night('R3'))).json();
    const round = (await post('/patrol-rounds', 'security.zhao', { routeId: route.id })).json();
    const url = `/patrol-rounds/${encodeURIComponent(round.id)}`;
    await post(`${url}/start`, 'security.zhao');
    const refused = await post(`${url}/finish`, 'security.zhao', {});
    expect(refused.statusCode).toBe(400);
    expect(fields(refused)).toEqual(['body.reason']);
    expect((await post(`${url}/finish`, 'security.zhao', { reason: 'fire alarm in Building 1' })).json()).toMatchObject({ status: 'finished_early', earlyReason: 'fire alarm in Building 1' });
  });

  it('schedules a route through the patrol plan engine', async () => {
    const route = (await post('/patrol-routes', 'manager.zhou', night('R4'))).json();
    const anchor = new Date((await env.currentTimeMs()) + 10 * MIN).toISOString();
    const bad = await post('/patrol-schedules', 'manager.zhou', { routeId: route.id, name: 'x', every: 0, unit: 'fortnights', anchor });
    expect(fields(bad)).toEqual(expect.arrayContaining(['body.every', 'body.unit']));
    expect(fields(await post('/patrol-schedules', 'manager.zhou', { routeId: route.id, name: 'x', every: 2, unit: 'hours', anchor: '0020-02-29T00:00:00Z' }))).toEqual(['body.anchor']);
    const created = await post('/patrol-schedules', 'manager.zhou', { routeId: route.id, name: 'Every 2 h', every: 2, unit: 'hours', anchor });
    expect(created.statusCode).toBe(201);
    const schedule = created.json();
    await env.sleep(11 * MIN);
    const rounds = await eventually(() => get(`/patrol-rounds?routeId=${route.id}`).then((r) => r.json().items as Json[]), (r) => r.length === 1, 'the first scheduled round');
    expect(rounds[0]).toMatchObject({ scheduleId: schedule.id, due: anchor, status: 'scheduled' });
    const retired = await post(`/patrol-schedules/${schedule.id}/status`, 'manager.zhou', { status: 'retired', reason: 'test over' });
    expect(retired.json().status).toBe('retired');
  });
});
