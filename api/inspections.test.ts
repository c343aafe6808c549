import { beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../test/harness/api.js';
import { processApiStack } from '../test/harness/process-api.js';
import { eventually } from '../test/harness/processes.js';

const HOUR = 3600_000;

const stack = processApiStack();
let t: TestApp;
beforeAll(() => ({ t } = stack));

type Json = Record<string, any>;
const post = async (url: string, username: string, payload: object) => t.app.inject({ method: 'POST', url: `/v1${url}`, headers: await t.as(username), payload });
const get = async (url: string, username = 'manager.zhou') => t.app.inject({ method: 'GET', url: `/v1${url}`, headers: await t.as(username) });

describe('scored cleaning inspections', () => {
  it('starts a rectification with the inspection’s deadline for each area below its threshold, and gives the month per area and contractor', async () => {
    const bad = await post('/inspections', 'dispatcher.zhang', { propertyId: 'harbour-view', kind: 'cleaning', areas: [{ area: 'Lobby', score: 101 }] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().fields.map((f: Json) => f.field)).toEqual(['body.areas.0.score']);
    expect((await post('/inspections', 'cleaner.sun', { propertyId: 'harbour-view', kind: 'cleaning', areas: [{ area: 'Lobby', score: 90 }] })).statusCode).toBe(403);

    const first = await post('/inspections', 'dispatcher.zhang', {
      propertyId: 'harbour-view',
      kind: 'cleaning',
      rectifyWithin: 'PT4H',
      areas: [
        { area: 'Building 1 lobby', contractor: 'CleanCo', score: 92 },
        { area: 'B1 car park', contractor: 'CleanCo', score: 61, threshold: 75, note: 'oil stains by exit 2' },
      ],
    });
    expect(first.statusCode).toBe(201);
    const areas = first.json().areas as Json[];
    expect(areas.map((a) => [a.area, a.rectification === null])).toEqual([
      ['Building 1 lobby', true],
      ['B1 car park', false],
    ]);
    const hazardId = areas[1]!.rectification as string;
    const hazard = await eventually(() => get(`/hazards/${hazardId}`).then((r) => r.json()), (h) => h.status === 'reported', 'the rectification started');
    expect(hazard).toMatchObject({ severity: 'general', source: { kind: 'inspection', inspectionId: first.json().id, area: 'B1 car park' }, location: { commonArea: 'B1 car park' } });
    const rectify = hazard.deadlines.find((d: Json) => d.name === 'rectify');
    expect(Date.parse(rectify.deadline) - Date.parse(rectify.startedAt)).toBe(4 * HOUR);

    await post('/inspections', 'manager.zhou', { propertyId: 'harbour-view', kind: 'cleaning', areas: [{ area: 'B1 car park', contractor: 'CleanCo', score: 85, threshold: 75 }] });
    const month = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' }).format(new Date(first.json().inspectedAt));
    const scores = (await get(`/inspections/scores?propertyId=harbour-view&kind=cleaning&month=${month}`)).json();
    expect(scores.areas).toEqual([
      { area: 'B1 car park', scores: 2, average: 73, lowest: 61, belowThreshold: 1 },
      { area: 'Building 1 lobby', scores: 1, average: 92, lowest: 92, belowThreshold: 0 },
    ]);
    expect(scores.contractors).toEqual([{ contractor: 'CleanCo', scores: 3, average: 79.3, lowest: 61, belowThreshold: 1 }]);
  });
});
