import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { addPlanVersion, setDuty } from '../db/emergency.js';
import { demoPlanContent } from '../db/seed-emergency.js';
import { auditTrail, type TestDatabase } from '../test/harness/db.js';
import { acknowledgeAllPages, buildingId, declareIncident, demoHolders, incidentStep, waitForIncident, workThroughFlood } from '../test/harness/incidents.js';
import { workflowStack } from '../test/harness/workflow-stack.js';
import { eventually, saveFixture, updateFailure } from '../test/harness/processes.js';
import { actor } from '../test/harness/work-orders.js';
import { completeActionUpdate, improvementActionQuery, improvementActionWorkflowId, verifyActionUpdate } from './improvement-action.contract.js';
import {
  acknowledgeUpdate,
  cancelIncidentUpdate,
  closeIncidentUpdate,
  completeStepUpdate,
  incidentQuery,
  resolveIncidentUpdate,
  reviewUpdate,
  skipStepUpdate,
  stabiliseUpdate,
  type IncidentState,
} from './incident.contract.js';
import { processErrors } from './shared/steps.js';

const SEC = 1_000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
// Each test takes tens of steps through real activities and PostgreSQL on a shared machine.
vi.setConfig({ testTimeout: 180_000 });

const stack = workflowStack();
let env: TestWorkflowEnvironment;
let database: TestDatabase;
let worker: Worker;
beforeAll(() => ({ env, database, worker } = stack));

const as = (username: string) => actor(database.db, username);
const declare = (overrides: Parameters<typeof declareIncident>[3] = {}, taskQueue = worker.options.taskQueue) => declareIncident(env.client, taskQueue, database.db, overrides);
const paged = (h: WorkflowHandle) => waitForIncident(h, (s) => s.timeline.filter((t) => t.action === 'page' || t.action === 'page.unfilled').length === s.pages.length && s.pages.length > 0, 'every role paged');

async function rows<T>(query: string, params: unknown[]): Promise<T[]> {
  return (await database.pool.query(query, params)).rows as T[];
}
/** The SLA events fired for one process, as (clock, level) pairs in the order they fired. */
const slaEventsOf = (workflowId: string, clockPrefix: string) =>
  rows<{ clock: string; level: number; recipients: number }>('SELECT clock, level, recipients FROM sla_events WHERE workflow_id = $1 AND clock LIKE $2 ORDER BY id', [workflowId, `${clockPrefix}%`]);

/** Sleep until `offset` after activation. */
async function sleepUntil(s: IncidentState, offset: number) {
  const now = await env.currentTimeMs();
  await env.sleep(Math.max(0, s.activatedAt! + offset - now));
}

const acknowledgeAll = (h: WorkflowHandle) => acknowledgeAllPages(h, database.db);
const workThrough = (h: WorkflowHandle) => workThroughFlood(h, database.db);

describe('paging and acknowledgement', () => {
  it('pages every role of the plan at once, whoever is first on duty', async () => {
    const s = await paged(await declare());
    expect(s.status).toBe('activated');
    expect(Object.fromEntries(s.pages.map((p) => [p.role, p.paged?.id]))).toEqual(
      Object.fromEntries(await Promise.all(Object.entries(demoHolders).map(async ([role, u]) => [role, (await as(u)).id]))),
    );
    expect(new Set(s.pages.map((p) => p.ackDeadline)).size).toBe(1);
    expect(s.pages[0]!.ackDeadline - s.activatedAt!).toBe(30 * MIN);
  });

  it('does not escalate a page acknowledged at 29:59', async () => {
    const h = await declare();
    const s = await paged(h);
    // The other roles acknowledge at 29:00; the commander at 29:59, one second before the page runs out.
    await sleepUntil(s, 29 * MIN);
    for (const role of ['on_site_lead', 'engineering', 'security', 'communications'] as const) await h.executeUpdate(acknowledgeUpdate, { args: [{ actor: await as(demoHolders[role]), role }] });
    await sleepUntil(s, 30 * MIN - SEC);
    await h.executeUpdate(acknowledgeUpdate, { args: [{ actor: await as('manager.zhou'), role: 'commander' }] });
    const after = await h.query(incidentQuery);
    expect(after.pages.find((p) => p.role === 'commander')!.acknowledgedAt! - s.activatedAt!).toBeLessThan(30 * MIN);
    expect(after.status).toBe('acknowledged');
    await env.sleep(2 * HOUR);
    expect(await slaEventsOf(h.workflowId, 'ack:')).toEqual([]);
    expect((await h.query(incidentQuery)).pages.every((p) => p.escalations.length === 0)).toBe(true);
  });

  it('escalates an unacknowledged page at 30:00 exactly once per level: next on duty, project manager, director, skipping a level with nobody', async () => {
    const h = await declare();
    const s = await paged(h);
    await sleepUntil(s, 30 * MIN - SEC);
    expect(await slaEventsOf(h.workflowId, 'ack:')).toEqual([]);
    await env.sleep(SEC);
    await waitForIncident(h, (x) => x.pages.every((p) => p.escalations.some((e) => e.level === 1)), 'level 1 of every page');
    await env.sleep(2 * HOUR);
    const fired = await waitForIncident(h, (x) => x.pages.every((p) => p.escalations.length === 3), 'every level of every page');
    // Engineering and communications have a second person on duty; the other roles' level 1 has nobody and is skipped.
    expect(Object.fromEntries(fired.pages.map((p) => [p.role, p.escalations.map((e) => [e.level, e.skipped])]))).toEqual({
      commander: [[1, true], [2, false], [3, false]],
      on_site_lead: [[1, true], [2, false], [3, false]],
      engineering: [[1, false], [2, false], [3, false]],
      security: [[1, true], [2, false], [3, false]],
      communications: [[1, false], [2, false], [3, false]],
    });
    const events = await slaEventsOf(h.workflowId, 'ack:engineering');
    expect(events.map((e) => [e.level, e.recipients])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    const commander = await slaEventsOf(h.workflowId, 'ack:commander');
    expect(commander.map((e) => [e.level, e.recipients])).toEqual([
      [1, 0],
      [2, 1],
      [3, 1],
    ]);
    const all = await slaEventsOf(h.workflowId, 'ack:');
    expect(all).toHaveLength(5 * 3);
    const s2 = await h.query(incidentQuery);
    expect(s2.timeline.filter((t) => t.action === 'sla.escalation-skipped').map((t) => t.detail?.clock)).toEqual(['ack:commander', 'ack:on_site_lead', 'ack:security']);
    const [liu] = await rows<{ recipient_id: string }>("SELECT recipient_id FROM outbox WHERE subject LIKE $1 AND template = 'sla.escalation' AND payload->>'clock' = 'ack:engineering' AND (payload->>'level')::int = 1", [`${h.workflowId}#%`]);
    expect(liu?.recipient_id).toBe((await as('tech.liu')).id);
  });

  it('reaches whoever is next on duty when the level fires: a shift change after activation is followed', async () => {
    const h = await declare();
    const s = await paged(h);
    const admin = await as('manager.zhou');
    const [chen, liu, zhang] = await Promise.all(['tech.chen', 'tech.liu', 'dispatcher.zhang'].map(async (u) => (await as(u)).id));
    expect(s.pages.find((p) => p.role === 'engineering')!.chain[0]!.people.map((p) => p.id)).toEqual([liu]);
    // The night shift: Zhang replaces Liu as engineering's second before the page runs out.
    await setDuty(database.db, 'harbour-view', 'engineering', [chen!, zhang!], admin);
    try {
      await sleepUntil(s, 30 * MIN + SEC);
      await waitForIncident(h, (x) => x.pages.find((p) => p.role === 'engineering')!.escalations.length > 0, 'level 1 of the engineering page');
      const told = await eventually(
        () => rows<{ recipient_id: string }>("SELECT recipient_id FROM outbox WHERE subject LIKE $1 AND template = 'sla.escalation' AND payload->>'clock' = 'ack:engineering' AND (payload->>'level')::int = 1", [`${h.workflowId}#%`]),
        (r) => r.length > 0,
        'the level-1 message',
      );
      expect(told.map((r) => r.recipient_id)).toEqual([zhang]);
    } finally {
      await setDuty(database.db, 'harbour-view', 'engineering', [chen!, liu!], admin);
    }
  });

});

describe('owners first', () => {
  it('tells every owner of the affected building at activation, one webhook message each, and nobody else', async () => {
    const h = await declare();
    await paged(h);
    const sent = await rows<{ recipient_kind: string; recipient_id: string; channel: string }>("SELECT recipient_kind, recipient_id, channel FROM outbox WHERE subject LIKE $1 AND template = 'incident.activated'", [`${h.workflowId}#%`]);
    const building1 = await rows<{ id: string }>('SELECT o.id FROM owners o JOIN units u ON u.id = o.unit_id WHERE u.building_id = $1', [await buildingId(database.db, 'Building 1')]);
    expect(building1.length).toBeGreaterThan(1);
    expect(sent.map((r) => r.recipient_id).sort()).toEqual(building1.map((o) => o.id).sort());
    expect(sent.every((r) => r.recipient_kind === 'owner' && r.channel.startsWith('webhook'))).toBe(true);
    // The activation step is the first message of the incident: owners hear before anyone else is paged.
    const [first] = await rows<{ template: string }>('SELECT template FROM outbox WHERE subject LIKE $1 ORDER BY id LIMIT 1', [`${h.workflowId}#%`]);
    expect(first?.template).toBe('incident.activated');
  });

  it('updates owners on every status change and every half hour while live, and stops once resolved', async () => {
    const h = await declare({ attributes: {} });
    const s = await paged(h);
    await acknowledgeAll(h);
    await sleepUntil(s, 65 * MIN);
    const count = async (template: string) => (await rows<{ n: number }>("SELECT count(*)::int AS n FROM outbox WHERE subject LIKE $1 AND template = $2 AND recipient_kind = 'owner'", [`${h.workflowId}#%`, template]))[0]!.n;
    const owners = await count('incident.activated');
    const regular = await waitForIncident(h, (x) => x.timeline.filter((t) => t.action === 'owners.update').length === 2, 'two regular updates');
    expect(regular.timeline.filter((t) => t.action === 'acknowledge' && t.to === 'acknowledged')).toHaveLength(1);
    // One update for the first acknowledgement (a status change) and two regular ones.
    expect(await count('incident.update')).toBe(3 * owners);
  });
});

describe('the plan a running incident follows', () => {
  it('stays the version it started with when the plan is edited mid-incident', async () => {
    const h = await declare({ incidentType: 'power_cut' });
    const before = await paged(h);
    const content = demoPlanContent('power_cut');
    await addPlanVersion(database.db, 'harbour-view', 'power_cut', { ...content, steps: [...content.steps, { key: 'extra-check', title: 'Extra', role: 'security', deadline: 'PT5M', dependsOn: [], required: true }] }, await as('manager.zhou'));
    await env.sleep(10 * MIN);
    const after = await h.query(incidentQuery);
    expect(after.plan.version).toBe(before.plan.version);
    expect(after.steps.map((x) => x.key)).toEqual(before.steps.map((x) => x.key));
    expect(after.steps.some((x) => x.key === 'extra-check')).toBe(false);
    const newer = await paged(await declare({ incidentType: 'power_cut' }));
    expect(newer.plan.version).toBe(before.plan.version + 1);
    expect(newer.steps.some((x) => x.key === 'extra-check')).toBe(true);
  });
});

describe('plan steps', () => {
  it('start together when they depend on nothing, each with its own deadline: an overdue step reminds its owner, then escalates', async () => {
    const h = await declare();
    const s = await paged(h);
    expect(s.steps.filter((x) => x.status === 'active').map((x) => x.key)).toEqual(['shut-riser-valve', 'isolate-power', 'cordon', 'notify-owners', 'temporary-support']);
    expect(s.steps.find((x) => x.key === 'pump-out')?.status).toBe('waiting');
    await acknowledgeAll(h);
    await h.executeUpdate(completeStepUpdate, { args: [{ actor: await as('security.zhao'), step: 'cordon' }] });
    await sleepUntil(s, 10 * MIN + SEC);
    // notify-owners (10 min) ran out; cordon was done in time; the 15-minute steps have not run out yet.
    await waitForIncident(h, (x) => x.timeline.some((t) => t.detail?.clock === 'step:notify-owners'), 'the reminder');
    expect((await slaEventsOf(h.workflowId, 'step:')).map((e) => [e.clock, e.level])).toEqual([['step:notify-owners', 1]]);
    const [reminder] = await rows<{ recipient_id: string }>("SELECT recipient_id FROM outbox WHERE subject LIKE $1 AND template = 'sla.escalation' AND payload->>'clock' = 'step:notify-owners'", [`${h.workflowId}#%`]);
    expect(reminder?.recipient_id).toBe((await as('frontdesk.li')).id);
    await sleepUntil(s, 15 * MIN + SEC);
    await waitForIncident(h, (x) => x.timeline.some((t) => t.detail?.clock === 'step:shut-riser-valve'), 'the valve reminder');
    await sleepUntil(s, 25 * MIN + SEC);
    await waitForIncident(h, (x) => x.timeline.some((t) => t.detail?.clock === 'step:notify-owners' && t.detail?.level === 2), 'the escalation');
    const levels = (await slaEventsOf(h.workflowId, 'step:notify-owners')).map((e) => e.level);
    expect(levels).toEqual([1, 2]);
  });

  it('release a step once what it depends on is done or skipped, and refuse to complete it before', async () => {
    const h = await declare();
    await paged(h);
    await acknowledgeAll(h);
    const early = await updateFailure(h.executeUpdate(completeStepUpdate, { args: [{ actor: await as('tech.chen'), step: 'pump-out' }] }));
    expect(early.type).toBe(processErrors.illegalTransition);
    expect(early.message).toContain('waits on shut-riser-valve, isolate-power');
    const noReason = await updateFailure(h.executeUpdate(skipStepUpdate, { args: [{ actor: await as('dispatcher.zhang'), step: 'isolate-power', reason: ' ' }] }));
    expect(noReason.type).toBe(processErrors.invalidArgument);
    await h.executeUpdate(completeStepUpdate, { args: [{ actor: await as('tech.chen'), step: 'shut-riser-valve' }] });
    await h.executeUpdate(skipStepUpdate, { args: [{ actor: await as('dispatcher.zhang'), step: 'isolate-power', reason: 'the water never reached any switchgear' }] });
    const s = await h.query(incidentQuery);
    expect(s.status).toBe('responding');
    expect(s.steps.find((x) => x.key === 'pump-out')?.status).toBe('active');
    expect(s.steps.find((x) => x.key === 'isolate-power')).toMatchObject({ status: 'skipped', skipReason: 'the water never reached any switchgear' });
  });

  it('leave out a step whose condition does not hold: no riser valve unless the pipe burst', async () => {
    const s = await paged(await declare({ attributes: { cause: 'heavy_rain' } }));
    expect(s.steps.find((x) => x.key === 'shut-riser-valve')?.status).toBe('excluded');
  });
});

// Last in the file: once a workflow or its child has completed, the time-skipping server may stop skipping
// time for the tests after it (a lock it leaks: sdk-typescript#1101, sdk-java#1618).
describe('a false alarm', () => {
  it('is cancelled with a reason and owners are told', async () => {
    const h = await declare({ incidentType: 'gas_leak', buildingIds: [], unitIds: [] });
    await paged(h);
    const noReason = await updateFailure(h.executeUpdate(closeIncidentUpdate, { args: [{ actor: await as('manager.zhou') }] }));
    expect(noReason.type).toBe(processErrors.illegalTransition);
    expect(noReason.message).toContain('that is activated');
    await h.executeUpdate(cancelIncidentUpdate, { args: [{ actor: await as('manager.zhou'), reason: 'a resident cooking with the window shut' }] });
    expect(await h.result()).toMatchObject({ status: 'cancelled' });
    await saveFixture(h, 'incident', 'false-alarm-cancelled');
  });
});

describe('the review', () => {
  it('cannot close the incident while an improvement action is open; verified, it closes', async () => {
    const h = await declare();
    const s = await paged(h);
    await acknowledgeAll(h);
    await workThrough(h);
    const lead = await as('dispatcher.zhang');
    await h.executeUpdate(stabiliseUpdate, { args: [{ actor: lead }] });
    const resolved = await incidentStep(h, resolveIncidentUpdate, { actor: lead, note: 'riser repaired, water back on' });
    expect(resolved.status).toBe('resolved');
    expect(resolved.review?.dueAt).toBe(resolved.resolvedAt! + 3 * DAY);
    expect(resolved.review?.draftTimeline.map((e) => e.action)).toEqual(expect.arrayContaining(['receive', 'activate', 'page', 'acknowledge', 'completeStep', 'skipStep', 'stabilise']));
    const owner = await as('tech.liu');
    const manager = await as('manager.zhou');
    const reviewed = await incidentStep(h, reviewUpdate, {
      actor: manager,
      summary: 'An old riser joint gave way; the valve was shut in 9 minutes.',
      actions: [{ title: 'Replace the riser joints of Building 1', owner: { id: owner.id, name: owner.name }, dueAt: s.activatedAt! + 30 * DAY }],
    });
    expect(reviewed.status).toBe('reviewing');
    const refused = await updateFailure(h.executeUpdate(closeIncidentUpdate, { args: [{ actor: manager }] }));
    expect(refused.type).toBe(processErrors.illegalTransition);
    expect(refused.message).toContain(`${reviewed.incidentId}-A1`);

    const action = env.client.workflow.getHandle(improvementActionWorkflowId(`${reviewed.incidentId}-A1`));
    await action.executeUpdate(completeActionUpdate, { args: [{ actor: owner, note: 'joints on floors 10 to 18 replaced' }] });
    const selfCheck = await updateFailure(action.executeUpdate(verifyActionUpdate, { args: [{ actor: owner, accepted: true }] }));
    expect(selfCheck.type).toBe(processErrors.notAllowed);
    await action.executeUpdate(verifyActionUpdate, { args: [{ actor: manager, accepted: true }] });
    expect((await action.query(improvementActionQuery)).status).toBe('verified');
    await waitForIncident(h, (x) => x.actions[0]?.status === 'verified', 'the action verified');
    const closed = await incidentStep(h, closeIncidentUpdate, { actor: manager });
    expect(closed.status).toBe('closed');
    expect(await h.result()).toEqual({ incidentId: closed.incidentId, status: 'closed' });

    const audit = await auditTrail(database, h.workflowId);
    expect(audit.filter((a) => a.from_status !== a.to_status && a.to_status).map((a) => a.to_status)).toEqual(['activated', 'acknowledged', 'responding', 'stabilised', 'resolved', 'reviewing', 'closed']);
    const [row] = await rows<{ status: string; acknowledged_at: Date; resolved_at: Date; open_actions: number }>('SELECT status, acknowledged_at, resolved_at, open_actions FROM incidents WHERE workflow_id = $1', [h.workflowId]);
    expect(row).toMatchObject({ status: 'closed', open_actions: 0 });
    await saveFixture(h, 'incident', 'burst-pipe-reviewed-and-closed');
    await saveFixture(action, 'improvement-action', 'verified');
  });
});
