/**
 * A drill runs the incident workflow with kind=drill: the drill notice to owners, and its
 * timings against the plan with a score. On the real dev server with the demo fire plan in
 * seconds (a minute of the plan is a second here): the time-skipping server now and then
 * wedges this path's last task (sdk-java#3088, "invalid history builder state for action").
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { IncidentState } from './incident.contract.js';
import { addPlanVersion } from '../db/emergency.js';
import { demoPlanContent } from '../db/seed-emergency.js';
import { declareIncident, demoHolders, incidentStep, minutesAsSeconds, waitForIncident } from '../test/harness/incidents.js';
import { saveFixture } from '../test/harness/processes.js';
import { actor } from '../test/harness/work-orders.js';
import { workflowStack } from '../test/harness/workflow-stack.js';
import { acknowledgeUpdate, closeIncidentUpdate, completeStepUpdate, resolveIncidentUpdate, reviewUpdate, skipStepUpdate } from './incident.contract.js';

/** A minute of the plan. */
const MIN = 1_000;
vi.setConfig({ testTimeout: 120_000 });

const stack = workflowStack({ server: 'dev' });
beforeAll(async () => {
  await addPlanVersion(stack.database.db, 'harbour-view', 'fire', minutesAsSeconds(demoPlanContent('fire')), { id: 'test', role: 'admin' });
});

const as = (username: string) => actor(stack.database.db, username);
const declare = (overrides: Parameters<typeof declareIncident>[3]) => declareIncident(stack.env.client, stack.worker.options.taskQueue, stack.database.db, overrides);
const paged = (h: Awaited<ReturnType<typeof declare>>) => waitForIncident(h, (s) => s.pages.length > 0 && s.timeline.filter((t) => t.action === 'page').length === s.pages.length, 'every role paged');
async function sleepUntil(s: IncidentState, offset: number) {
  await new Promise((r) => setTimeout(r, Math.max(0, s.activatedAt! + offset - Date.now())));
}

describe('a drill', () => {
  it('runs the same process with the drill-notice template, timed per role and step against the plan, with a score', async () => {
    const h = await declare({ kind: 'drill', incidentType: 'fire', incidentId: `DR-20261201-${randomUUID().slice(0, 8)}` });
    const s = await paged(h);
    expect(s.plan.steps.find((x) => x.key === 'alarm-119')?.deadlineMs).toBe(5 * MIN);
    // Everyone acknowledges within 2 minutes (the plan gives 30) but communications, who is late.
    await sleepUntil(s, 2 * MIN);
    for (const role of ['commander', 'on_site_lead', 'engineering', 'security'] as const) await h.executeUpdate(acknowledgeUpdate, { args: [{ actor: await as(demoHolders[role]), role }] });
    // At 6.5 minutes: alarm-119 (5) is late, the others (10 to 20) are on time.
    await sleepUntil(s, 6.5 * MIN);
    for (const [step, user] of [['alarm-119', 'security.zhao'], ['initial-attack', 'tech.chen'], ['isolate-utilities', 'tech.liu'], ['evacuate', 'security.zhao'], ['notify-owners', 'frontdesk.li'], ['guide-brigade', 'dispatcher.zhang']] as const) {
      await h.executeUpdate(completeStepUpdate, { args: [{ actor: await as(user), step }] });
    }
    await sleepUntil(s, 32 * MIN);
    await h.executeUpdate(acknowledgeUpdate, { args: [{ actor: await as('frontdesk.li'), role: 'communications' }] });
    await h.executeUpdate(skipStepUpdate, { args: [{ actor: await as('dispatcher.zhang'), step: 'temporary-support', reason: 'a drill: nobody displaced' }] });
    await h.executeUpdate(completeStepUpdate, { args: [{ actor: await as('dispatcher.zhang'), step: 'incident-record' }] });
    const done = await incidentStep(h, resolveIncidentUpdate, { actor: await as('manager.zhou') });
    expect(done.drill?.roles.map((r) => [r.role, r.met])).toEqual([
      ['commander', true],
      ['on_site_lead', true],
      ['engineering', true],
      ['security', true],
      ['communications', false],
    ]);
    // alarm-119 was late; temporary-support was skipped: not met.
    expect(done.drill?.steps.filter((x) => !x.met).map((x) => x.key)).toEqual(['alarm-119', 'temporary-support']);
    expect(done.drill!.totalMs).toBeLessThan(60 * MIN);
    // 4 of 5 roles, 6 of 8 steps, and the total on target: 11 of 14.
    expect(done.drill!.score).toBe(Math.round((100 * 11) / 14));
    const templates = await stack.rows<{ template: string }>("SELECT DISTINCT template FROM outbox WHERE subject LIKE $1 AND recipient_kind = 'owner'", [`${h.workflowId}#%`]);
    expect(templates.map((t) => t.template)).toEqual(['drill.notice']);
    await h.executeUpdate(reviewUpdate, { args: [{ actor: await as('manager.zhou'), summary: 'Communications missed the page: the front desk phone was off the hook.', actions: [] }] });
    await h.executeUpdate(closeIncidentUpdate, { args: [{ actor: await as('manager.zhou') }] });
    await h.result();
    const [row] = await stack.rows<{ kind: string; drill_score: number; status: string }>('SELECT kind, drill_score, status FROM incidents WHERE workflow_id = $1', [h.workflowId]);
    expect(row).toEqual({ kind: 'drill', drill_score: done.drill!.score, status: 'closed' });
    await saveFixture(h, 'incident', 'fire-drill-scored');
  });
});
