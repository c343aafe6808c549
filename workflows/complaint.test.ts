import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverNotificationsActivity } from '../activities/notifications.js';
import { putComplaintPolicy } from '../db/reference.js';
import { demoComplaintPolicies, seedDemo } from '../db/seed.js';
import { childOrderInput, complaintStep, openComplaint, waitForComplaint } from '../test/harness/complaints.js';
import { auditTrail, freshDatabase, outboxOf, type TestDatabase } from '../test/harness/db.js';
import { eventually, saveFixture, updateFailure } from '../test/harness/processes.js';
import { timeSkippingEnv } from '../test/harness/temporal.js';
import { actor, orderStep, recordingNotifier, waitForState, workOrderWorker } from '../test/harness/work-orders.js';
import {
  addWorkOrderUpdate,
  assignUpdate,
  closeUpdate,
  complaintQuery,
  deEscalateUpdate,
  escalateUpdate,
  resolveUpdate,
  respondUpdate,
  revisitUpdate,
  withdrawUpdate,
  type ComplaintState,
} from './complaint.contract.js';
import { processErrors } from './shared/steps.js';
import { acceptUpdate, arriveUpdate, cancelUpdate, completeUpdate, revisitUpdate as orderRevisitUpdate, workOrderWorkflowId } from './work-order.contract.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

let env: TestWorkflowEnvironment;
let database: TestDatabase;
let worker: Worker;
let running: Promise<void>;

beforeAll(async () => {
  [env, database] = await Promise.all([timeSkippingEnv(), freshDatabase()]);
  await seedDemo(database.db);
  worker = await workOrderWorker(env, database.db);
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await database?.drop();
});

const open = (overrides: Parameters<typeof openComplaint>[3] = {}) => openComplaint(env.client, worker.options.taskQueue, database.db, overrides);
const as = (username: string) => actor(database.db, username);
const received = (h: WorkflowHandle) => waitForComplaint(h, (s) => s.timeline.some((t) => t.action === 'receive'), 'receipt');

async function rows<T = Record<string, unknown>>(query: string, params: unknown[]): Promise<T[]> {
  return (await database.pool.query(query, params)).rows as T[];
}

/** Assign to the site supervisor, who then answers. */
async function assignTo(h: WorkflowHandle, username = 'dispatcher.zhang') {
  await received(h);
  const handler = await as(username);
  await complaintStep(h, assignUpdate, { actor: await as('manager.zhou'), handler: { id: handler.id, name: handler.name }, department: 'security' });
  return handler;
}
async function answer(h: WorkflowHandle, handler: Awaited<ReturnType<typeof as>>) {
  return complaintStep(h, respondUpdate, { actor: handler, message: 'We have spoken to the neighbours and will check again tonight.' });
}

const levels = (s: ComplaintState, clock: string) => s.escalations.filter((e) => e.clock === clock).map((e) => e.level);

describe('a complaint that goes to plan', () => {
  it('is assigned, answered, resolved and closed within every window, each step recorded with its actor', async () => {
    const h = await open({ category: 'service_attitude', description: 'the guard at gate 2 was rude' });
    const handler = await assignTo(h);
    await env.sleep(2 * HOUR);
    await answer(h, handler);
    await env.sleep(1 * DAY);
    await complaintStep(h, resolveUpdate, { actor: handler, resolution: 'guard retrained and apologised in person', followUp: true });
    await env.sleep(3 * HOUR);
    const closed = await complaintStep(h, revisitUpdate, { actor: await as('frontdesk.li'), satisfied: true, score: 5, comment: 'apology accepted' });

    expect(closed).toMatchObject({ status: 'closed', satisfaction: 5, escalationLevel: 0, escalations: [], priority: 'normal' });
    expect(closed.deadlines.map((d) => [d.name, d.met])).toEqual([
      ['respond', true],
      ['resolve', true],
      ['revisit', true],
    ]);
    expect(await h.result()).toEqual({ complaintId: closed.complaintId, status: 'closed', satisfaction: 5 });

    const audit = await auditTrail(database, h.workflowId);
    expect(audit.map((a) => [a.action, a.from_status, a.to_status])).toEqual([
      ['receive', null, null],
      ['assign', 'received', 'assigned'],
      ['respond', 'assigned', 'responded'],
      ['resolve', 'responded', 'revisiting'],
      ['revisit', 'revisiting', 'closed'],
    ]);
    expect(audit.map((a) => a.actor_id)).toEqual([
      (await as('frontdesk.li')).id,
      (await as('manager.zhou')).id,
      handler.id,
      handler.id,
      (await as('frontdesk.li')).id,
    ]);

    const [projection] = await rows<Record<string, unknown>>('SELECT * FROM complaints WHERE workflow_id = $1', [h.workflowId]);
    expect(projection).toMatchObject({ status: 'closed', respond_met: true, resolve_met: true, satisfaction: 5, handler_id: handler.id, department: 'security', next_deadline: null });
    const answeredAfter = (projection!.responded_at as Date).getTime() - (projection!.created_at as Date).getTime();
    expect(answeredAfter).toBeGreaterThanOrEqual(2 * HOUR);
    expect(answeredAfter).toBeLessThan(2 * HOUR + MIN);
    expect(await outboxOf(database, h.workflowId)).toEqual([
      // The property management department (the director and the project manager) learns of it at once.
      { template: 'complaint.received', recipient_kind: 'staff' },
      { template: 'complaint.received', recipient_kind: 'staff' },
      { template: 'complaint.assigned', recipient_kind: 'staff' },
      { template: 'complaint.responded', recipient_kind: 'reporter' },
      { template: 'complaint.resolved', recipient_kind: 'reporter' },
      { template: 'complaint.closed', recipient_kind: 'reporter' },
    ]);
    await saveFixture(h, 'complaint', 'answered-and-closed');
  });
});

describe('the answer to the complainant', () => {
  it('goes out through the outbox to the phone the complainant gave, looked up only when it is sent', async () => {
    const h = await open({ complainant: { name: 'Owner Lin', phone: '13800000102' } });
    await answer(h, await assignTo(h));
    const [row] = await eventually(
      () => rows<{ id: number; status: string; recipient_kind: string; payload: { message: string } }>("SELECT id, status, recipient_kind, payload FROM outbox WHERE subject LIKE $1 AND template = 'complaint.responded'", [`${h.workflowId}#%`]),
      (r) => r[0]?.status === 'sent',
      'the answer sent',
    );
    expect(row).toMatchObject({ recipient_kind: 'reporter', payload: { message: expect.stringContaining('neighbours') } });
    expect(JSON.stringify(row)).not.toContain('13800000102');
    // Deliver it once more through a notifier that keeps what it is given.
    await database.pool.query("UPDATE outbox SET status = 'pending' WHERE id = $1", [row!.id]);
    const notifier = recordingNotifier();
    await deliverNotificationsActivity(database.db, notifier)({ ids: [row!.id] });
    expect(notifier.sent).toEqual([expect.objectContaining({ template: 'complaint.responded', recipient: expect.objectContaining({ kind: 'reporter', address: '13800000102' }) })]);
    await complaintStep(h, withdrawUpdate, { actor: await as('frontdesk.li'), reason: 'test over' });
  });
});

describe('escalation', () => {
  it('climbs a noise complaint left unanswered to the supervisor at the deadline, then to the project manager, and stops climbing once answered', async () => {
    const h = await open({ category: 'noise' });
    const handler = await assignTo(h);
    await env.sleep(20 * HOUR);
    await waitForComplaint(h, (s) => s.timeline.some((t) => t.action === 'sla.warning'), 'warning');
    await env.sleep(4 * HOUR);
    let s = await waitForComplaint(h, (x) => levels(x, 'respond').length === 1, 'level 1');
    expect(s.escalations[0]).toMatchObject({ clock: 'respond', level: 1, role: 'dispatcher', direction: 'up', recipients: 1 });
    expect(s.escalationLevel).toBe(1);
    await env.sleep(4 * HOUR);
    s = await waitForComplaint(h, (x) => levels(x, 'respond').length === 2, 'level 2');
    expect(s.escalations[1]).toMatchObject({ clock: 'respond', level: 2, role: 'manager' });
    expect(s.escalations[1]!.firedAt - s.escalations[1]!.deadline).toBeGreaterThanOrEqual(4 * HOUR);

    await answer(h, handler);
    await env.sleep(1 * DAY);
    s = await h.query(complaintQuery);
    expect(levels(s, 'respond')).toEqual([1, 2]);
    expect(s.escalationLevel).toBe(2);
    expect(s.deadlines.find((d) => d.name === 'respond')).toMatchObject({ met: false, firedLevels: [1, 2] });

    const events = await rows<{ level: number }>("SELECT level FROM sla_events WHERE workflow_id = $1 AND clock = 'respond' ORDER BY level", [h.workflowId]);
    expect(events.map((e) => e.level)).toEqual([0, 1, 2]);
    const told = await rows<{ recipient_role: string }>("SELECT recipient_role FROM outbox WHERE subject LIKE $1 AND template = 'sla.escalation' ORDER BY id", [`${h.workflowId}#%`]);
    expect(told.map((r) => r.recipient_role)).toEqual(['dispatcher', 'manager']);
    const [projection] = await rows<{ escalation_level: number; respond_met: boolean }>('SELECT escalation_level, respond_met FROM complaints WHERE workflow_id = $1', [h.workflowId]);
    expect(projection).toEqual({ escalation_level: 2, respond_met: false });
    await complaintStep(h, withdrawUpdate, { actor: await as('frontdesk.li'), reason: 'test over' });
    await saveFixture(h, 'complaint', 'respond-escalated-twice');
  });

  it('gives an urgent security complaint one hour to answer, and climbs all three levels of its resolve chain and no further', async () => {
    const h = await open({ category: 'security', urgent: true, description: 'stranger tailgating into Building 2 every night' });
    const s0 = await received(h);
    expect(s0.priority).toBe('urgent');
    const respond = s0.deadlines.find((d) => d.name === 'respond')!;
    expect(respond.deadline - respond.startedAt).toBe(1 * HOUR);
    const handler = await assignTo(h);
    await answer(h, handler);
    await env.sleep(8 * HOUR + 2 * HOUR + MIN);
    const s = await waitForComplaint(h, (x) => levels(x, 'resolve').length === 3, 'resolve level 3');
    expect(s.escalations.filter((e) => e.clock === 'resolve').map((e) => [e.level, e.role])).toEqual([
      [1, 'dispatcher'],
      [2, 'manager'],
      [3, 'director'],
    ]);
    await env.sleep(2 * DAY);
    expect(levels(await h.query(complaintQuery), 'resolve')).toEqual([1, 2, 3]);
    const [projection] = await rows<{ resolve_met: boolean | null; escalation_level: number }>('SELECT resolve_met, escalation_level FROM complaints WHERE workflow_id = $1', [h.workflowId]);
    expect(projection).toEqual({ resolve_met: false, escalation_level: 3 });
    await complaintStep(h, withdrawUpdate, { actor: await as('frontdesk.li'), reason: 'test over' });
  });

  it('escalates a follow-up call nobody makes, after warning front desk', async () => {
    const h = await open({ category: 'cleanliness' });
    const handler = await assignTo(h);
    await answer(h, handler);
    await complaintStep(h, resolveUpdate, { actor: handler, resolution: 'stairwell cleaned, rota changed', followUp: true });
    await env.sleep(48 * HOUR + MIN);
    const s = await waitForComplaint(h, (x) => levels(x, 'revisit').length === 1, 'revisit level 1');
    expect(s.escalations.find((e) => e.clock === 'revisit')).toMatchObject({ level: 1, role: 'dispatcher' });
    const warned = await rows<{ recipient_role: string }>("SELECT DISTINCT recipient_role FROM outbox o WHERE subject LIKE $1 AND template = 'sla.warning' ORDER BY 1", [`${h.workflowId}#%`]);
    expect(warned.map((w) => w.recipient_role)).toEqual(['concierge', 'front_desk']);
    const closed = await complaintStep(h, revisitUpdate, { actor: await as('concierge.wang'), satisfied: true, score: 4 });
    expect(closed.deadlines.find((d) => d.name === 'revisit')).toMatchObject({ state: 'stopped', met: false });
    await saveFixture(h, 'complaint', 'revisit-late');
  });

  it('lets a director raise and lower a complaint by hand with a reason, while the clock still climbs on its own', async () => {
    const h = await open({ category: 'fees', description: 'charged twice for parking' });
    await received(h);
    const director = await as('director.wu');
    const raised = await complaintStep(h, escalateUpdate, { actor: director, reason: 'owner is a committee member', level: 2 });
    expect(raised.escalationLevel).toBe(2);
    expect(raised.escalations).toEqual([expect.objectContaining({ clock: 'manual', level: 2, direction: 'up', role: 'manager', reason: 'owner is a committee member', by: director })]);
    const lowered = await complaintStep(h, deEscalateUpdate, { actor: director, reason: 'finance is on it' });
    expect(lowered.escalationLevel).toBe(1);
    expect(lowered.escalations[1]).toMatchObject({ clock: 'manual', level: 1, direction: 'down', role: 'dispatcher' });

    const manager = await updateFailure(h.executeUpdate(escalateUpdate, { args: [{ actor: await as('manager.zhou'), reason: 'I want to' }] }));
    expect(manager.type).toBe(processErrors.notAllowed);
    const tooHigh = await updateFailure(h.executeUpdate(escalateUpdate, { args: [{ actor: director, reason: 'all hands', level: 4 }] }));
    expect(tooHigh.type).toBe(processErrors.invalidArgument);
    const noReason = await updateFailure(h.executeUpdate(deEscalateUpdate, { args: [{ actor: director, reason: ' ' }] }));
    expect(noReason.type).toBe(processErrors.invalidArgument);

    // Low priority: 24 h to answer; the clock's level 1 fires once, and does not lower the manual level.
    await env.sleep(24 * HOUR + MIN);
    const s = await waitForComplaint(h, (x) => levels(x, 'respond').length === 1, 'respond level 1');
    expect(s.escalationLevel).toBe(1);
    await env.sleep(8 * HOUR);
    expect((await waitForComplaint(h, (x) => levels(x, 'respond').length === 2, 'respond level 2')).escalationLevel).toBe(2);

    const audit = await rows<{ action: string; reason: string; actor_id: string }>("SELECT action, reason, actor_id FROM audit_log WHERE subject = $1 AND action IN ('escalate', 'de-escalate') ORDER BY seq", [h.workflowId]);
    expect(audit).toEqual([
      { action: 'escalate', reason: 'owner is a committee member', actor_id: director.id },
      { action: 'de-escalate', reason: 'finance is on it', actor_id: director.id },
    ]);
    await complaintStep(h, withdrawUpdate, { actor: await as('frontdesk.li'), reason: 'test over' });
    await saveFixture(h, 'complaint', 'manual-escalation');
  });
});

describe('reopening', () => {
  it('sends an unsatisfied complaint back to its handler on a fresh resolve window, counts it, and climbs one level at the second reopening', async () => {
    const h = await open({ category: 'noise' });
    const handler = await assignTo(h);
    await answer(h, handler);
    const frontDesk = await as('frontdesk.li');
    const resolve = () => complaintStep(h, resolveUpdate, { actor: handler, resolution: 'spoke to the neighbour again', followUp: true });

    await resolve();
    let s = await complaintStep(h, revisitUpdate, { actor: frontDesk, satisfied: false, score: 2, comment: 'still loud at 1 am' });
    expect(s).toMatchObject({ status: 'responded', handler: { id: handler.id }, reopens: { count: 1, reasons: [{ reason: 'still loud at 1 am' }] }, escalations: [] });
    expect(s.deadlines.filter((d) => d.name === 'resolve').map((d) => [d.run, d.state])).toEqual([
      [2, 'running'],
      [1, 'stopped'],
    ]);

    await resolve();
    s = await complaintStep(h, revisitUpdate, { actor: frontDesk, satisfied: false, score: 1, comment: 'worse' });
    expect(s.reopens.count).toBe(2);
    expect(s.escalations).toEqual([expect.objectContaining({ clock: 'reopen', run: 2, level: 1, role: 'dispatcher' })]);
    expect(s.escalationLevel).toBe(1);

    await resolve();
    const closed = await complaintStep(h, revisitUpdate, { actor: frontDesk, satisfied: true, score: 4 });
    expect(closed.status).toBe('closed');
    const [projection] = await rows<{ reopens: number; status: string; resolve_met: boolean }>('SELECT reopens, status, resolve_met FROM complaints WHERE workflow_id = $1', [h.workflowId]);
    expect(projection).toEqual({ reopens: 2, status: 'closed', resolve_met: true });
    const handlerMail = await rows("SELECT 1 FROM outbox WHERE subject LIKE $1 AND template = 'complaint.reopened' AND recipient_id = $2", [`${h.workflowId}#%`, handler.id]);
    expect(handlerMail).toHaveLength(2);
    await saveFixture(h, 'complaint', 'reopened-twice');
  });
});

describe('repair orders started from a complaint', () => {
  it('runs the repair as a child workflow, refuses to resolve while it is open, shows its progress, and closes after a satisfied revisit', async () => {
    const h = await open({ category: 'facilities', location: { commonArea: 'Building 1 lobby' }, description: 'lobby door closer broken for a week' });
    const handler = await assignTo(h, 'manager.zhou');
    const s0 = await answer(h, handler);
    const order = await childOrderInput(database.db, s0, handler, 'doors_windows');
    let s = await complaintStep(h, addWorkOrderUpdate, { actor: handler, order });
    expect(s.workOrders).toEqual([expect.objectContaining({ orderId: order.orderId, status: 'open', category: 'doors_windows' })]);
    // A retried request for the same order starts nothing twice.
    s = await complaintStep(h, addWorkOrderUpdate, { actor: handler, order });
    expect(s.workOrders).toHaveLength(1);

    const blocked = await updateFailure(h.executeUpdate(resolveUpdate, { args: [{ actor: handler, resolution: 'door fixed', followUp: true }] }));
    expect(blocked.type).toBe(processErrors.illegalTransition);
    expect(blocked.message).toContain(order.orderId);

    const child = env.client.workflow.getHandle(workOrderWorkflowId(order.orderId));
    const dispatched = await waitForState(child, (x) => x.status === 'dispatched' && !!x.assignee, 'child dispatch');
    const description = await child.describe();
    expect(description.parentExecution?.workflowId).toBe(h.workflowId);
    const [childRow] = await eventually(
      () => rows<{ status: string }>('SELECT status FROM work_orders WHERE id = $1', [order.orderId]),
      (r) => r[0]?.status === 'dispatched',
      'child projection',
    );
    expect(childRow!.status).toBe('dispatched');

    const tech = { id: dispatched.assignee!.id, role: 'technician' as const, name: dispatched.assignee!.name };
    await orderStep(child, acceptUpdate, { actor: tech });
    await orderStep(child, arriveUpdate, { actor: tech });
    await orderStep(child, completeUpdate, { actor: tech, summary: 'new door closer fitted', materials: [{ name: 'door closer', quantity: 1 }], photos: [] });
    expect((await h.query(complaintQuery)).workOrders[0]!.status).toBe('open');
    await orderStep(child, orderRevisitUpdate, { actor: await as('frontdesk.li'), satisfied: true, score: 5 });

    s = await waitForComplaint(h, (x) => x.workOrders[0]!.status === 'closed', 'child closed on the complaint');
    expect(s.timeline.map((t) => t.action)).toContain('work-order.finished');
    expect(s.workOrders[0]!.finishedAt).toBeDefined();
    const resolved = await complaintStep(h, resolveUpdate, { actor: handler, resolution: 'door closer replaced (see the repair order)', followUp: true });
    expect(resolved.status).toBe('revisiting');
    const closed = await complaintStep(h, revisitUpdate, { actor: await as('frontdesk.li'), satisfied: true, score: 5 });
    expect(closed.status).toBe('closed');

    const [projection] = await rows<{ open_work_orders: number; work_orders: { orderId: string; status: string }[] }>('SELECT open_work_orders, work_orders FROM complaints WHERE workflow_id = $1', [h.workflowId]);
    expect(projection!.open_work_orders).toBe(0);
    expect(projection!.work_orders).toEqual([expect.objectContaining({ orderId: order.orderId, status: 'closed' })]);
    await saveFixture(h, 'complaint', 'repair-order-then-closed');
  });
});

describe('closing without a follow-up call, and withdrawal', () => {
  it('leaves a complaint resolved without a follow-up open until front desk closes it with a reason', async () => {
    const h = await open({ category: 'other' });
    const handler = await assignTo(h);
    await answer(h, handler);
    const resolved = await complaintStep(h, resolveUpdate, { actor: handler, resolution: 'explained the new visitor policy at the desk', followUp: false });
    expect(resolved.status).toBe('resolved');
    expect(resolved.deadlines.some((d) => d.name === 'revisit')).toBe(false);
    const tech = await updateFailure(h.executeUpdate(closeUpdate, { args: [{ actor: await as('tech.chen'), reason: 'done' }] }));
    expect(tech.type).toBe(processErrors.notAllowed);
    const closed = await complaintStep(h, closeUpdate, { actor: await as('frontdesk.li'), reason: 'complainant accepted the explanation in person', score: 4 });
    expect(closed).toMatchObject({ status: 'closed', satisfaction: 4, closeReason: 'complainant accepted the explanation in person' });
    await saveFixture(h, 'complaint', 'resolved-and-closed');
  });

  it('stops every clock when withdrawn so nothing escalates afterwards', async () => {
    const h = await open();
    await received(h);
    const withdrawn = await complaintStep(h, withdrawUpdate, { actor: await as('concierge.wang'), reason: 'the party was a one-off, complainant withdrew' });
    expect(withdrawn.status).toBe('withdrawn');
    expect(await h.result()).toMatchObject({ status: 'withdrawn' });
    await env.sleep(5 * DAY);
    expect(await rows('SELECT 1 FROM sla_events WHERE workflow_id = $1', [h.workflowId])).toEqual([]);
    const [projection] = await rows<{ status: string; respond_met: boolean | null; closed_at: Date | null }>('SELECT status, respond_met, closed_at FROM complaints WHERE workflow_id = $1', [h.workflowId]);
    expect(projection).toMatchObject({ status: 'withdrawn', respond_met: null });
    expect(projection!.closed_at).not.toBeNull();
    await saveFixture(h, 'complaint', 'withdrawn');
  });
});

describe('assignment', () => {
  it('records a reassignment with the previous handler and tells the new one', async () => {
    const h = await open();
    // Customer service handles it first: not a coordinator, so only while it is theirs.
    const first = await assignTo(h, 'frontdesk.li');
    const second = await as('manager.zhou');
    const s = await complaintStep(h, assignUpdate, { actor: await as('director.wu'), handler: { id: second.id, name: second.name }, department: 'management', reason: 'needs a manager' });
    expect(s).toMatchObject({ status: 'assigned', handler: { id: second.id }, department: 'management', assignmentRound: 2 });
    const step = s.timeline.at(-1)!;
    expect(step).toMatchObject({ action: 'reassign', reason: 'needs a manager', detail: { previousHandler: { id: first.id }, previousDepartment: 'security' } });
    const told = await rows<{ recipient_id: string }>("SELECT recipient_id FROM outbox WHERE subject LIKE $1 AND template = 'complaint.assigned' ORDER BY id", [`${h.workflowId}#%`]);
    expect(told.map((t) => t.recipient_id)).toEqual([first.id, second.id]);
    // The previous handler may no longer answer; the new one may.
    const old = await updateFailure(answer(h, first));
    expect(old.type).toBe(processErrors.notAllowed);
    expect((await answer(h, second)).status).toBe('responded');
    await complaintStep(h, withdrawUpdate, { actor: await as('frontdesk.li'), reason: 'test over' });
  });
});

describe('illegal steps', () => {
  it('rejects a step in the wrong status, by the wrong person or without its reason in the validator: nothing reaches the history', async () => {
    const h = await open();
    await received(h);
    const early = await updateFailure(h.executeUpdate(respondUpdate, { args: [{ actor: await as('manager.zhou'), message: 'hello' }] }));
    expect(early.type).toBe(processErrors.illegalTransition);
    expect(early.message).toContain('received');
    const frontDeskAssigns = await updateFailure(
      complaintStep(h, assignUpdate, { actor: await as('frontdesk.li'), handler: { id: 'x', name: 'x' }, department: 'management' }),
    );
    expect(frontDeskAssigns.type).toBe(processErrors.notAllowed);
    const tooEarlyRevisit = await updateFailure(h.executeUpdate(revisitUpdate, { args: [{ actor: await as('frontdesk.li'), satisfied: true, score: 5 }] }));
    expect(tooEarlyRevisit.type).toBe(processErrors.illegalTransition);
    const noReason = await updateFailure(h.executeUpdate(withdrawUpdate, { args: [{ actor: await as('frontdesk.li'), reason: '  ' }] }));
    expect(noReason.type).toBe(processErrors.invalidArgument);

    const handler = await assignTo(h);
    const stranger = await updateFailure(h.executeUpdate(respondUpdate, { args: [{ actor: await as('security.zhao'), message: 'hello' }] }));
    expect(stranger.type).toBe(processErrors.notAllowed);
    const empty = await updateFailure(h.executeUpdate(respondUpdate, { args: [{ actor: handler, message: ' ' }] }));
    expect(empty.type).toBe(processErrors.invalidArgument);

    const history = await h.fetchHistory();
    const accepted = history.events?.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes) ?? [];
    expect(accepted).toHaveLength(1);
    expect((await h.query(complaintQuery)).status).toBe('assigned');
    await complaintStep(h, withdrawUpdate, { actor: await as('frontdesk.li'), reason: 'test over' });
  });
});

describe('policy changes', () => {
  it('starts the follow-up window of a complaint on the policy in force when it is resolved', async () => {
    const h = await open({ category: 'cleanliness' });
    const handler = await assignTo(h);
    await answer(h, handler);
    const admin = { id: 'test', role: 'admin' as const };
    await putComplaintPolicy(database.db, 'harbour-view', 'normal', { ...demoComplaintPolicies.normal, revisit: 'PT6H' }, admin);
    try {
      const s = await complaintStep(h, resolveUpdate, { actor: handler, resolution: 'cleaned', followUp: true });
      const revisit = s.deadlines.find((d) => d.name === 'revisit')!;
      expect(revisit.deadline - revisit.startedAt).toBe(6 * HOUR);
      expect(s.policy.version).toBe(2);
    } finally {
      await putComplaintPolicy(database.db, 'harbour-view', 'normal', demoComplaintPolicies.normal, admin);
    }
    await complaintStep(h, withdrawUpdate, { actor: await as('frontdesk.li'), reason: 'test over' });
  });
});

// Last in the file: a parent that closes while its abandoned child runs leaves the
// time-skipping server's clock locked, so no later test could skip time
// (temporalio/sdk-typescript#1101).
describe('a complaint withdrawn while its repair order runs', () => {
  it('leaves a repair order running when the complaint is withdrawn', async () => {
    const h = await open({ category: 'facilities', location: { commonArea: 'car park' } });
    const handler = await assignTo(h);
    const s = await answer(h, handler);
    const order = await childOrderInput(database.db, s, handler);
    await complaintStep(h, addWorkOrderUpdate, { actor: handler, order });
    const withdrawn = await complaintStep(h, withdrawUpdate, { actor: await as('frontdesk.li'), reason: 'owner moved out' });
    expect(withdrawn.status).toBe('withdrawn');
    expect(await h.result()).toMatchObject({ status: 'withdrawn' });
    const child = env.client.workflow.getHandle(workOrderWorkflowId(order.orderId));
    const dispatched = await waitForState(child, (x) => x.status === 'dispatched', 'the repair dispatched after the withdrawal');
    expect((await child.describe()).status.name).toBe('RUNNING');
    const audit = await rows<{ detail: { openWorkOrders: string[] } }>("SELECT detail FROM audit_log WHERE subject = $1 AND action = 'withdraw'", [h.workflowId]);
    expect(audit[0]!.detail.openWorkOrders).toEqual([order.orderId]);
    await orderStep(child, cancelUpdate, { actor: await as('dispatcher.zhang'), reason: `test over (${dispatched.orderId})` });
    await child.result();
  });
});
