import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { addStaff, createProperty, putSlaPolicy } from '../db/reference.js';
import { demoPolicies } from '../db/seed.js';
import { auditTrail, outboxOf, type TestDatabase } from '../test/harness/db.js';
import { workflowStack } from '../test/harness/workflow-stack.js';
import { actor, openOrder, orderStep, recordingNotifier, saveFixture, waitForState } from '../test/harness/work-orders.js';
import { processErrors } from './shared/steps.js';
import {
  acceptUpdate,
  arriveUpdate,
  cancelUpdate,
  completeUpdate,
  dispatchUpdate,
  holdUpdate,
  resumeUpdate,
  revisitUpdate,
  workOrderQuery,
  type WorkOrderState,
} from './work-order.contract.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

const notifier = recordingNotifier();
const stack = workflowStack({ notifier });
let env: TestWorkflowEnvironment;
let database: TestDatabase;
let worker: Worker;
beforeAll(() => ({ env, database, worker } = stack));

const open = (overrides = {}) => openOrder(env.client, worker.options.taskQueue, database.db, overrides);
const as = (username: string) => actor(database.db, username);
const dispatched = (h: Awaited<ReturnType<typeof open>>) => waitForState(h, (s) => s.status === 'dispatched' && !!s.assignee, 'dispatch');
const assigneeActor = (s: WorkOrderState) => ({ id: s.assignee!.id, role: 'technician' as const, name: s.assignee!.name });

async function rows<T = Record<string, unknown>>(query: string, params: unknown[]): Promise<T[]> {
  return (await database.pool.query(query, params)).rows as T[];
}

/** Poll `fn` until it returns something (a database row written by an activity a moment later). */
async function eventually<T>(fn: () => Promise<T | undefined>): Promise<T | undefined> {
  for (let i = 0; i < 200; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  return undefined;
}

describe('a repair order that goes to plan', () => {
  it('dispatches itself, runs every step in time and closes with the owner satisfied', async () => {
    const h = await open();
    const s = await dispatched(h);
    expect([(await as('tech.chen')).id, (await as('tech.liu')).id]).toContain(s.assignee!.id);
    const tech = assigneeActor(s);
    await env.sleep(20 * MIN);
    await orderStep(h, acceptUpdate, { actor: tech });
    await env.sleep(1 * HOUR);
    await orderStep(h, arriveUpdate, { actor: tech });
    await env.sleep(2 * HOUR);
    await orderStep(h, completeUpdate, { actor: tech, summary: 'replaced the valve', materials: [{ name: 'valve', quantity: 1 }], photos: [] });
    await env.sleep(5 * HOUR);
    const closed = await orderStep(h, revisitUpdate, { actor: await as('frontdesk.li'), satisfied: true, score: 5, comment: 'all good' });

    expect(closed.status).toBe('closed');
    expect(closed.satisfaction).toBe(5);
    expect(closed.escalations).toEqual([]);
    // Every clock was met: none missed, none still running.
    expect(closed.deadlines.filter((d) => d.met !== true)).toEqual([]);
    expect(closed.deadlines.map((d) => d.name)).toEqual(['respond', 'arrive', 'complete', 'revisit']);
    expect(await h.result()).toEqual({ orderId: closed.orderId, status: 'closed', satisfaction: 5 });

    const audit = await auditTrail(database, h.workflowId);
    expect(audit.map((a) => [a.action, a.from_status, a.to_status])).toEqual([
      ['receive', null, null],
      ['dispatch', 'received', 'dispatched'],
      ['accept', 'dispatched', 'accepted'],
      ['arrive', 'accepted', 'on_site'],
      ['complete', 'on_site', 'completed'],
      ['revisit', 'completed', 'closed'],
    ]);
    // The automatic dispatch reads as the system, not as any staff role.
    expect([audit[1]!.actor_id, audit[1]!.actor_role]).toEqual(['system', 'system']);
    expect(audit[2]!.actor_id).toBe(tech.id);
    expect(audit[5]!.actor_id).toBe((await as('frontdesk.li')).id);

    const [projection] = await rows<{ status: string; satisfaction: number; next_deadline: Date | null }>('SELECT status, satisfaction, next_deadline FROM work_orders WHERE workflow_id = $1', [h.workflowId]);
    expect(projection).toMatchObject({ status: 'closed', satisfaction: 5, next_deadline: null });
    expect(await outboxOf(database, h.workflowId)).toEqual([
      { template: 'work-order.assigned', recipient_kind: 'staff' },
      { template: 'work-order.completed', recipient_kind: 'reporter' },
      { template: 'work-order.closed', recipient_kind: 'reporter' },
    ]);
    await saveFixture(h, 'work-order', 'on-time-closure');
  });
});

describe('SLA clocks and escalation', () => {
  it('warns the assignee, escalates to the dispatcher at the missed respond deadline, then to the project manager, and stops once accepted', async () => {
    const h = await open();
    const s = await dispatched(h);
    await env.sleep(48 * MIN + 1000);
    await waitForState(h, (x) => x.timeline.some((t) => t.action === 'sla.warning'), 'warning');
    await env.sleep(12 * MIN);
    let x = await waitForState(h, (y) => y.escalations.length === 1, 'level 1');
    expect(x.escalations[0]).toMatchObject({ clock: 'respond', level: 1, role: 'dispatcher', recipients: 1 });
    // The escalation's own step already shows it in the projection: lists and the overdue filter see level 1 at once.
    const [projected] = await rows<{ escalation_level: number }>('SELECT escalation_level FROM work_orders WHERE workflow_id = $1', [h.workflowId]);
    expect(projected!.escalation_level).toBe(1);
    await env.sleep(30 * MIN);
    x = await waitForState(h, (y) => y.escalations.length === 2, 'level 2');
    expect(x.escalations[1]).toMatchObject({ clock: 'respond', level: 2, role: 'manager' });
    expect(x.escalations[1]!.firedAt - x.escalations[1]!.deadline).toBeGreaterThanOrEqual(30 * MIN);

    await orderStep(h, acceptUpdate, { actor: assigneeActor(s) });
    await env.sleep(3 * HOUR);
    x = await h.query(workOrderQuery);
    expect(x.escalations.filter((e) => e.clock === 'respond').map((e) => e.level)).toEqual([1, 2]);
    expect(x.deadlines.find((d) => d.name === 'respond')).toMatchObject({ met: false, firedLevels: [1, 2] });

    const events = await rows<{ clock: string; level: number }>("SELECT clock, level FROM sla_events WHERE workflow_id = $1 AND clock = 'respond' ORDER BY level", [h.workflowId]);
    expect(events).toEqual([{ clock: 'respond', level: 0 }, { clock: 'respond', level: 1 }, { clock: 'respond', level: 2 }]);
    const outbox = await rows<{ template: string; recipient_role: string | null }>("SELECT template, recipient_role FROM outbox WHERE subject LIKE $1 AND template = 'sla.escalation' AND payload->>'clock' = 'respond' ORDER BY id", [`${h.workflowId}#%`]);
    expect(outbox).toEqual([{ template: 'sla.escalation', recipient_role: 'dispatcher' }, { template: 'sla.escalation', recipient_role: 'manager' }]);
    await orderStep(h, cancelUpdate, { actor: await as('dispatcher.zhang'), reason: 'test over' });
    await saveFixture(h, 'work-order', 'respond-escalated-twice');
  });

  it('climbs all three levels of the arrive chain when nobody gets there, and no further', async () => {
    const h = await open({ category: 'elevator' });
    const s = await dispatched(h);
    await orderStep(h, acceptUpdate, { actor: assigneeActor(s) });
    await env.sleep(2 * HOUR + 2 * HOUR + MIN);
    const x = await waitForState(h, (y) => y.escalations.filter((e) => e.clock === 'arrive').length === 3, 'arrive level 3');
    expect(x.escalations.filter((e) => e.clock === 'arrive').map((e) => [e.level, e.role])).toEqual([
      [1, 'dispatcher'],
      [2, 'manager'],
      [3, 'director'],
    ]);
    await env.sleep(10 * HOUR);
    const later = await h.query(workOrderQuery);
    expect(later.escalations.filter((e) => e.clock === 'arrive')).toHaveLength(3);
    await orderStep(h, cancelUpdate, { actor: await as('dispatcher.zhang'), reason: 'test over' });
  });

  it('escalates a late completion and a missed revisit call on their own clocks', async () => {
    const h = await open();
    const s = await dispatched(h);
    const tech = assigneeActor(s);
    await orderStep(h, acceptUpdate, { actor: tech });
    await orderStep(h, arriveUpdate, { actor: tech });
    await env.sleep(24 * HOUR + MIN);
    await waitForState(h, (y) => y.escalations.some((e) => e.clock === 'complete' && e.level === 1), 'complete level 1');
    await orderStep(h, completeUpdate, { actor: tech, summary: 'late but done', materials: [], photos: [] });
    await env.sleep(48 * HOUR + MIN);
    const x = await waitForState(h, (y) => y.escalations.some((e) => e.clock === 'revisit' && e.level === 1), 'revisit level 1');
    expect(x.deadlines.find((d) => d.name === 'complete')).toMatchObject({ met: false });
    expect(x.deadlines.find((d) => d.name === 'revisit')).toMatchObject({ state: 'running', breached: true });
    const closed = await orderStep(h, revisitUpdate, { actor: await as('concierge.wang'), satisfied: true, score: 4 });
    expect(closed.deadlines.find((d) => d.name === 'revisit')).toMatchObject({ met: false, state: 'stopped' });
    await saveFixture(h, 'work-order', 'complete-and-revisit-late');
  });

  it('gives an emergency 30 minutes to respond whatever the category allows', async () => {
    const h = await open({ priority: 'emergency' });
    const s = await dispatched(h);
    const respond = s.deadlines.find((d) => d.name === 'respond')!;
    expect(respond.deadline - respond.startedAt).toBe(30 * MIN);
    await orderStep(h, cancelUpdate, { actor: await as('frontdesk.li'), reason: 'duplicate report' });
  });
});

describe('holds', () => {
  it('moves every deadline by the time spent on hold and fires nothing while held', async () => {
    const h = await open();
    const s = await dispatched(h);
    const before = s.deadlines.find((d) => d.name === 'respond')!.deadline;
    await env.sleep(30 * MIN);
    await orderStep(h, holdUpdate, { actor: await as('dispatcher.zhang'), reason: 'owner abroad until Monday' });
    await env.sleep(5 * HOUR);
    let x = await h.query(workOrderQuery);
    expect(x.status).toBe('on_hold');
    expect(x.escalations).toEqual([]);
    const resumed = await orderStep(h, resumeUpdate, { actor: await as('dispatcher.zhang') });
    expect(resumed.status).toBe('dispatched');
    const after = resumed.deadlines.find((d) => d.name === 'respond')!.deadline;
    expect(after - before).toBeGreaterThanOrEqual(5 * HOUR);
    expect(after - before).toBeLessThan(5 * HOUR + MIN);
    await env.sleep(31 * MIN);
    x = await waitForState(h, (y) => y.escalations.length === 1, 'level 1 after resume');
    expect(x.escalations[0]).toMatchObject({ clock: 'respond', level: 1, deadline: after });
    await orderStep(h, cancelUpdate, { actor: await as('dispatcher.zhang'), reason: 'test over' });
    await saveFixture(h, 'work-order', 'hold-and-resume');
  });
});

describe('rectification', () => {
  it('sends an unsatisfied order back to the same technician with the reason, and escalates a repeated one to the project manager', async () => {
    const h = await open();
    const s = await dispatched(h);
    const tech = assigneeActor(s);
    const frontDesk = await as('frontdesk.li');
    const doWork = async () => {
      await orderStep(h, acceptUpdate, { actor: tech });
      await orderStep(h, arriveUpdate, { actor: tech });
      await orderStep(h, completeUpdate, { actor: tech, summary: 'tried', materials: [], photos: [] });
    };
    await doWork();
    let x = await orderStep(h, revisitUpdate, { actor: frontDesk, satisfied: false, score: 2, comment: 'still dripping' });
    expect(x.status).toBe('dispatched');
    expect(x.assignee).toEqual(s.assignee);
    expect(x.rectifications).toMatchObject({ count: 1, reasons: [{ reason: 'still dripping' }] });
    expect(x.deadlines.filter((d) => d.name === 'respond').map((d) => [d.run, d.state])).toEqual([[2, 'running'], [1, 'stopped']]);
    expect(x.escalations).toEqual([]);

    await doWork();
    x = await orderStep(h, revisitUpdate, { actor: frontDesk, satisfied: false, score: 1, comment: 'worse than before' });
    expect(x.rectifications.count).toBe(2);
    expect(x.escalations).toEqual([expect.objectContaining({ clock: 'rectification', run: 2, level: 1, role: 'manager' })]);

    await doWork();
    const closed = await orderStep(h, revisitUpdate, { actor: frontDesk, satisfied: true, score: 4 });
    expect(closed.status).toBe('closed');
    const managerMail = await rows("SELECT 1 FROM outbox WHERE subject LIKE $1 AND template = 'work-order.repeated-rectification'", [`${h.workflowId}#%`]);
    expect(managerMail).toHaveLength(1);
    await saveFixture(h, 'work-order', 'rectified-twice');
  });
});

describe('cancellation', () => {
  it('stops every clock so nothing escalates afterwards', async () => {
    const h = await open();
    await dispatched(h);
    const cancelled = await orderStep(h, cancelUpdate, { actor: await as('frontdesk.li'), reason: 'owner fixed it himself' });
    expect(cancelled.status).toBe('cancelled');
    expect(await h.result()).toMatchObject({ status: 'cancelled' });
    await env.sleep(72 * HOUR);
    const events = await rows('SELECT 1 FROM sla_events WHERE workflow_id = $1', [h.workflowId]);
    expect(events).toEqual([]);
    await saveFixture(h, 'work-order', 'cancelled');
  });
});

describe('illegal steps', () => {
  const failureOf = async (p: Promise<unknown>) => {
    const err = await p.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    const cause = (err as WorkflowUpdateFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    return cause as ApplicationFailure;
  };

  it('rejects a step in the wrong status, or by the wrong person, in the validator: nothing reaches the history', async () => {
    const h = await open();
    const s = await dispatched(h);
    const arrive = await failureOf(orderStep(h, arriveUpdate, { actor: assigneeActor(s) }));
    expect(arrive.type).toBe(processErrors.illegalTransition);
    expect(arrive.message).toContain('dispatched');
    const stranger = await failureOf(orderStep(h, acceptUpdate, { actor: await as('security.zhao') }));
    expect(stranger.type).toBe(processErrors.notAllowed);
    const techRevisit = await failureOf(orderStep(h, revisitUpdate, { actor: assigneeActor(s), satisfied: true, score: 5 }));
    expect(techRevisit.type).toBe(processErrors.illegalTransition);
    const badScore = await failureOf(orderStep(h, holdUpdate, { actor: assigneeActor(s), reason: '  ' }));
    expect(badScore.type).toBe(processErrors.invalidArgument);

    const history = await h.fetchHistory();
    const accepted = history.events?.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes) ?? [];
    expect(accepted).toEqual([]);
    expect((await h.query(workOrderQuery)).status).toBe('dispatched');
    await orderStep(h, cancelUpdate, { actor: await as('frontdesk.li'), reason: 'test over' });
  });
});

describe('dispatch', () => {
  it('waits for a dispatcher when nobody in the department can take it, and tells the dispatcher', async () => {
    const h = await open({ category: 'other' });
    const x = await waitForState(h, (y) => y.timeline.some((t) => t.action === 'dispatch.manual-needed'), 'manual dispatch needed');
    expect(x.status).toBe('received');
    // The step is in the workflow's state before its recording activity has committed.
    const notice = await eventually(async () => {
      const found = await rows("SELECT recipient_role FROM outbox WHERE subject LIKE $1 AND template = 'work-order.needs-dispatch'", [`${h.workflowId}#%`]);
      return found.length ? found : undefined;
    });
    expect(notice).toEqual([{ recipient_role: 'dispatcher' }]);
    const liu = await as('tech.liu');
    const done = await orderStep(h, dispatchUpdate, { actor: await as('dispatcher.zhang'), assignee: { id: liu.id, name: liu.name }, reason: 'plumbing skills' });
    expect(done).toMatchObject({ status: 'dispatched', assignee: { id: liu.id } });
    await orderStep(h, cancelUpdate, { actor: await as('dispatcher.zhang'), reason: 'test over' });
    await saveFixture(h, 'work-order', 'manual-dispatch');
  });

  it('gives each new order to the technician with the fewest open orders, taking turns on a tie', async () => {
    const admin = { id: 'test', role: 'admin' as const };
    await createProperty(database.db, { id: 'fair-court', name: 'Fair Court', kind: 'residential' }, admin);
    await putSlaPolicy(database.db, 'fair-court', 'water', demoPolicies.water, admin);
    for (const u of ['fair.a', 'fair.b']) await addStaff(database.db, 'fair-court', { username: u, name: u, role: 'technician', department: 'engineering' }, admin);
    const assigned: string[] = [];
    for (let i = 0; i < 4; i++) {
      const h = await open({ propertyId: 'fair-court' });
      assigned.push((await dispatched(h)).assignee!.name);
    }
    expect(assigned.slice(0, 2).sort()).toEqual(['fair.a', 'fair.b']);
    expect(assigned.filter((n) => n === 'fair.a')).toHaveLength(2);
  });
});

describe('policy changes', () => {
  it('applies a changed policy to clocks started after the change, not to running ones', async () => {
    const h = await open();
    const s = await dispatched(h);
    const respondBefore = s.deadlines.find((d) => d.name === 'respond')!;
    await putSlaPolicy(database.db, 'harbour-view', 'water', { ...demoPolicies.water, respond: 'PT5M', revisit: 'PT2H' }, { id: 'test', role: 'admin' });
    try {
      const tech = assigneeActor(s);
      await orderStep(h, acceptUpdate, { actor: tech });
      await orderStep(h, arriveUpdate, { actor: tech });
      const done = await orderStep(h, completeUpdate, { actor: tech, summary: 'done', materials: [], photos: [] });
      const respond = done.deadlines.find((d) => d.name === 'respond')!;
      expect(respond.deadline - respond.startedAt).toBe(respondBefore.deadline - respondBefore.startedAt);
      const revisit = done.deadlines.find((d) => d.name === 'revisit')!;
      expect(revisit.deadline - revisit.startedAt).toBe(2 * HOUR);
      expect(done.policy.version).toBeGreaterThan(s.policy.version);
    } finally {
      await putSlaPolicy(database.db, 'harbour-view', 'water', demoPolicies.water, { id: 'test', role: 'admin' });
    }
    const closed = await orderStep(h, revisitUpdate, { actor: await as('frontdesk.li'), satisfied: true, score: 5 });
    expect(closed.status).toBe('closed');
  });
});
