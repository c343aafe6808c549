import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createDrillSchedule, drillOccurrencesDue, drillSeries, listDrillSchedules, changeDrillScheduleStatus } from '../db/drill-schedules.js';
import { addPlanVersion, incidentStats } from '../db/emergency.js';
import { demoPlanContent } from '../db/seed-emergency.js';
import { occurrences } from '../domain/maintenance-schedule.js';
import type { TestDatabase } from '../test/harness/db.js';
import { waitForIncident } from '../test/harness/incidents.js';
import { workflowStack } from '../test/harness/workflow-stack.js';
import { saveFixture } from '../test/harness/processes.js';
import { actor } from '../test/harness/work-orders.js';
import { drillScheduleWorkflowId } from './drill-schedule.contract.js';
import { acknowledgeUpdate, completeStepUpdate, incidentWorkflowId, resolveIncidentUpdate, scheduledDrillId, startDrillUpdate } from './incident.contract.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
vi.setConfig({ testTimeout: 300_000 });

const stack = workflowStack();
let env: TestWorkflowEnvironment;
let database: TestDatabase;
let worker: Worker;
beforeAll(() => ({ env, database, worker } = stack));

const as = (username: string) => actor(database.db, username);

describe('a six-monthly fire drill schedule', () => {
  it('makes a drill due every six months for two years; each held in its window is timed and scored, the one not held escalates', async () => {
    const admin = await as('manager.zhou');
    // Only this test's schedule counts: the demo's own are retired.
    for (const seeded of await listDrillSchedules(database.db, 'harbour-view')) await changeDrillScheduleStatus(database.db, seeded.id, 'retired', 'replaced by the test schedule', admin);
    // A short drill plan: the commander acknowledges and sounds the alarm.
    const fire = demoPlanContent('fire');
    await addPlanVersion(database.db, 'harbour-view', 'fire', { ...fire, roles: fire.roles.filter((r) => r.role === 'commander'), steps: [{ key: 'sound-alarm', title: 'Sound the alarm', role: 'commander', deadline: 'PT10M', dependsOn: [], required: true }] }, admin);
    const start = await env.currentTimeMs();
    const schedule = await createDrillSchedule(database.db, 'harbour-view', { incidentType: 'fire', every: 6, unit: 'months', anchor: new Date(start + DAY), holdWithin: 'P30D' }, admin);
    const dues = occurrences(drillSeries(schedule, 'Asia/Shanghai'), start, start + DAY + 2 * 365 * DAY - 1);
    expect(dues).toHaveLength(4);
    const plan = await env.client.workflow.start('drillScheduleWorkflow', { workflowId: drillScheduleWorkflowId(schedule.id), taskQueue: worker.options.taskQueue, args: [{ planId: schedule.id }] });

    const scores: number[] = [];
    for (const [n, due] of dues.entries()) {
      await env.sleep(Math.max(0, due + HOUR - (await env.currentTimeMs())));
      const drill = env.client.workflow.getHandle(incidentWorkflowId(scheduledDrillId(schedule.id, due)));
      const waiting = await waitForIncident(drill, (s) => s.status === 'reported' && s.timeline.some((t) => t.action === 'receive'), `drill ${n + 1} due`, 30_000);
      expect(waiting).toMatchObject({ kind: 'drill', incidentType: 'fire', scheduled: { due, holdBy: due + 30 * DAY } });
      if (n === 3) break;
      await drill.executeUpdate(startDrillUpdate, { args: [{ actor: admin }] });
      await waitForIncident(drill, (s) => s.timeline.some((t) => t.action === 'page'), `drill ${n + 1} paged`);
      await drill.executeUpdate(acknowledgeUpdate, { args: [{ actor: admin, role: 'commander' }] });
      await drill.executeUpdate(completeStepUpdate, { args: [{ actor: admin, step: 'sound-alarm' }] });
      await drill.executeUpdate(resolveIncidentUpdate, { args: [{ actor: admin }] });
      const held = await waitForIncident(drill, (s) => s.status === 'resolved', `drill ${n + 1} held`);
      scores.push(held.drill!.score);
    }
    expect(scores).toEqual([100, 100, 100]);

    // The fourth is not held: at the end of its window it escalates to the project manager, then the director.
    const missed = env.client.workflow.getHandle(incidentWorkflowId(scheduledDrillId(schedule.id, dues[3]!)));
    await env.sleep(dues[3]! + 30 * DAY + HOUR - (await env.currentTimeMs()));
    const late = await waitForIncident(missed, (s) => s.timeline.filter((t) => t.action === 'sla.escalated' && t.detail?.clock === 'window').length === 2, 'the missed drill escalated', 30_000);
    expect(late.status).toBe('reported');
    const windowEvents = await database.pool.query<{ workflow_id: string; level: number }>("SELECT workflow_id, level FROM sla_events WHERE clock = 'window' ORDER BY fired_at, level");
    expect(windowEvents.rows).toEqual([
      { workflow_id: missed.workflowId, level: 1 },
      { workflow_id: missed.workflowId, level: 2 },
    ]);

    const from = new Date(start);
    const to = new Date(dues[3]! + DAY);
    expect(await drillOccurrencesDue(database.db, 'harbour-view', from.getTime(), to.getTime())).toEqual({ fire: 4 });
    const stats = await incidentStats(database.db, 'harbour-view', from, to);
    expect(stats.drillsHeld).toEqual({ fire: 3 });
    expect(stats.byType).toEqual([]);
    await saveFixture(plan, 'drill-schedule', 'six-monthly-fire-drills');
    await saveFixture(missed, 'incident', 'scheduled-drill-not-held');
  });
});
