import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { incidentTypes } from '../domain/emergency.js';
import { demoPlanContent } from '../db/seed-emergency.js';
import { seededTestApp, type TestApp } from '../test/harness/api.js';
import type { TestDatabase } from '../test/harness/db.js';

let t: TestApp & { database: TestDatabase };

beforeAll(async () => {
  t = await seededTestApp();
});
afterAll(async () => {
  await t?.close();
});

const url = '/v1/properties/harbour-view/emergency-plans';

describe('emergency plans', () => {
  it('are seeded one per incident type, each naming the whole response organisation', async () => {
    const res = await t.app.inject({ method: 'GET', url, headers: await t.as('manager.zhou') });
    expect(res.statusCode).toBe(200);
    const items = res.json<{ items: { incidentType: string; currentVersion: number; content: { roles: { role: string }[] } }[] }>().items;
    expect(items.map((p) => p.incidentType).sort()).toEqual([...incidentTypes].sort());
    for (const p of items) expect(p.content.roles.map((r) => r.role)).toEqual(['commander', 'on_site_lead', 'engineering', 'security', 'communications']);
  });

  it('keep every version: a new one becomes current and the old one still reads as it was', async () => {
    const headers = await t.as('manager.zhou');
    const content = demoPlanContent('gas_leak');
    const res = await t.app.inject({ method: 'PUT', url: `${url}/gas_leak`, headers, payload: { ...content, steps: content.steps.slice(0, 2), note: 'shorter' } });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ currentVersion: number; versions: { version: number }[] }>()).toMatchObject({ currentVersion: 2, versions: [{ version: 2 }, { version: 1 }] });
    const v1 = await t.app.inject({ method: 'GET', url: `${url}/gas_leak/versions/1`, headers });
    expect(v1.json<{ content: { steps: unknown[] } }>().content.steps).toHaveLength(content.steps.length);
  });

  it('refuse a step that depends on a step the plan does not have, naming the field, and write nothing', async () => {
    const headers = await t.as('manager.zhou');
    const content = demoPlanContent('fire');
    const steps = [...content.steps, { key: 'extra', title: 'Extra', role: 'security', deadline: 'PT5M', dependsOn: ['nowhere'], required: true }];
    const res = await t.app.inject({ method: 'PUT', url: `${url}/fire`, headers, payload: { ...content, steps } });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toMatch(/^steps\.8\.dependsOn: nowhere/);
    const plan = await t.app.inject({ method: 'GET', url: `${url}/fire`, headers });
    expect(plan.json<{ currentVersion: number }>().currentVersion).toBe(1);
  });

  it('may be changed by property admins only', async () => {
    const res = await t.app.inject({ method: 'PUT', url: `${url}/fire`, headers: await t.as('tech.chen'), payload: demoPlanContent('fire') });
    expect(res.statusCode).toBe(403);
  });

  it('page whoever the duty roster names, in its order', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/properties/harbour-view/emergency-duty', headers: await t.as('manager.zhou') });
    const roster = res.json<{ roster: Record<string, { name: string }[]> }>().roster;
    expect(roster.engineering?.map((p) => p.name)).toEqual([expect.stringContaining('Chen'), expect.stringContaining('Liu')]);
  });
});
