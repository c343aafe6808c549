import { beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../test/harness/api.js';
import type { TestDatabase } from '../test/harness/db.js';
import { processApiStack } from '../test/harness/process-api.js';

const HOUR = 3600_000;

const stack = processApiStack();
let database: TestDatabase;
let t: TestApp;
beforeAll(() => ({ database, t } = stack));

const door = {
  propertyId: 'harbour-view',
  location: { commonArea: 'Building 1 stairwell, 3F' },
  severity: 'serious',
  description: 'Fire door wedged open',
  photos: ['https://photos.example/door.jpg'],
};

type Json = Record<string, any>;
async function create(username = 'security.zhao', body: object = door) {
  return t.app.inject({ method: 'POST', url: '/v1/hazards', headers: await t.as(username), payload: body });
}
async function act(id: string, action: string, username: string, payload: object = {}) {
  return t.app.inject({ method: 'POST', url: `/v1/hazards/${id}/${action}`, headers: await t.as(username), payload });
}
const staffId = async (username: string) => (await database.pool.query<{ id: string }>('SELECT id FROM staff WHERE username = $1', [username])).rows[0]!.id;

describe('hazards through the API', () => {
  it('raises a hazard with the deadline of its severity from the seeded policy', async () => {
    const res = await create();
    expect(res.statusCode).toBe(201);
    const h = res.json();
    expect(h).toMatchObject({ status: 'reported', severity: 'serious', source: { kind: 'staff' }, createdBy: { role: 'security' } });
    const rectify = h.deadlines.find((d: Json) => d.name === 'rectify');
    expect(Date.parse(rectify.deadline) - Date.parse(rectify.startedAt)).toBe(72 * HOUR);
  });

  it('answers 400 naming the field for a bad severity, a missing description or a task of no property', async () => {
    const severity = await create('security.zhao', { ...door, severity: 'catastrophic' });
    expect(severity.statusCode).toBe(400);
    expect(severity.json().fields.map((f: Json) => f.field)).toContain('body.severity');
    const { description: _d, ...noDescription } = door;
    expect((await create('security.zhao', noDescription)).json().fields.map((f: Json) => f.field)).toContain('body.description');
    const task = await create('security.zhao', { ...door, source: { kind: 'maintenance', taskId: 'pm-task:nothing' } });
    expect(task.statusCode).toBe(400);
    expect(task.json().fields.map((f: Json) => f.field)).toEqual(['body.source.taskId']);
    expect((await create('auditor.qian')).statusCode).toBe(403);
  });

  it('loops back on a failed re-inspection, refuses the rectifier as re-inspector (409), and closes on a pass', async () => {
    const id = (await create()).json().id as string;
    expect((await act(id, 'assign', 'dispatcher.zhang', { rectifierId: await staffId('tech.chen') })).statusCode).toBe(200);
    expect((await act(id, 'start', 'tech.chen')).json().status).toBe('rectifying');
    expect((await act(id, 'rectified', 'tech.chen', { note: 'wedge removed' })).json().status).toBe('awaiting_reinspection');
    const noNote = await act(id, 'reinspect', 'dispatcher.zhang', { passed: false });
    expect(noNote.statusCode).toBe(400);
    expect(noNote.json().fields[0].field).toBe('body.note');
    const failed = await act(id, 'reinspect', 'dispatcher.zhang', { passed: false, note: 'the door still does not latch' });
    expect(failed.json()).toMatchObject({ status: 'rectifying', failedReinspections: 1 });
    expect((await act(id, 'rectified', 'dispatcher.zhang', { note: 'closer replaced' })).statusCode).toBe(200);
    const self = await act(id, 'reinspect', 'dispatcher.zhang', { passed: true });
    expect(self.statusCode).toBe(409);
    expect(self.json().status).toBe('awaiting_reinspection');
    const passed = await act(id, 'reinspect', 'security.zhao', { passed: true });
    expect(passed.json()).toMatchObject({ status: 'closed', failedReinspections: 1 });
    const list = await t.app.inject({ method: 'GET', url: '/v1/hazards?propertyId=harbour-view&status=closed', headers: await t.as('manager.zhou') });
    expect(list.json().items.map((i: Json) => i.id)).toContain(id);
    expect(list.json().items.find((i: Json) => i.id === id)).toMatchObject({ failedReinspections: 1, overdue: false, severity: 'serious' });
  });

  it('keeps the hazard policies per severity, validated and versioned', async () => {
    const headers = await t.as('manager.zhou');
    const bad = await t.app.inject({ method: 'PUT', url: '/v1/properties/harbour-view/hazard-policies/general', headers, payload: { rectify: 'soon', escalation: [] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().fields.map((f: Json) => f.field)).toEqual(expect.arrayContaining(['body.rectify', 'body.escalation']));
    const put = await t.app.inject({ method: 'PUT', url: '/v1/properties/harbour-view/hazard-policies/general', headers, payload: { rectify: 'P5D', escalation: [{ level: 1, after: 'PT0S', role: 'dispatcher' }] } });
    expect(put.json()).toMatchObject({ severity: 'general', rectify: 'P5D', version: 2 });
    const list = await t.app.inject({ method: 'GET', url: '/v1/properties/harbour-view/hazard-policies', headers });
    expect(list.json().items.map((p: Json) => p.severity)).toEqual(['general', 'serious', 'major']);
  });
});
