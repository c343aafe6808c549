import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { getSlaPolicy } from '../db/reference.js';
import { toPolicySnapshot } from '../domain/sla-policy.js';
import { auditTrail, outboxOf, type TestDatabase } from '../test/harness/db.js';
import { hazardStep, openHazard, waitForHazard } from '../test/harness/hazards.js';
import { eventually, saveFixture, updateFailure } from '../test/harness/processes.js';
import { workflowStack } from '../test/harness/workflow-stack.js';
import { actor, orderStep } from '../test/harness/work-orders.js';
import { assignHazardUpdate, hazardQuery, hazardWorkOrderUpdate, rectifiedUpdate, reinspectUpdate, startRectifyingUpdate } from './hazard.contract.js';
import { processErrors } from './shared/steps.js';
import { cancelUpdate, workOrderWorkflowId, type WorkOrderInput } from './work-order.contract.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const stack = workflowStack();
let env: TestWorkflowEnvironment;
let database: TestDatabase;
let worker: Worker;
beforeAll(() => ({ env, database, worker } = stack));
const rows = stack.rows;

const open = (overrides: Parameters<typeof openHazard>[3] = {}) => openHazard(env.client, worker.options.taskQueue, database.db, overrides);
const as = (username: string) => actor(database.db, username);
const received = (h: WorkflowHandle) => waitForHazard(h, (s) => s.timeline.some((t) => t.action === 'receive'), 'receipt');


/** Assign to `username` (technician Chen), who starts and reports the rectification done. */
async function rectifiedByChen(h: WorkflowHandle, username = 'tech.chen') {
  const chen = await as(username);
  await hazardStep(h, assignHazardUpdate, { actor: await as('dispatcher.zhang'), rectifier: { id: chen.id, name: chen.name } });
  await hazardStep(h, startRectifyingUpdate, { actor: chen });
  await hazardStep(h, rectifiedUpdate, { actor: chen, note: 'wedge removed, door closer adjusted', photos: ['https://photos.example/door-closed.jpg'] });
  return chen;
}

describe('a hazard', () => {
  it('goes back to rectifying when the re-inspection fails, counts it, and closes when a later one passes', async () => {
    const h = await open();
    await received(h);
    const chen = await rectifiedByChen(h);
    const supervisor = await as('dispatcher.zhang');
    const failed = await hazardStep(h, reinspectUpdate, { actor: supervisor, passed: false, note: 'closer still too weak: the door does not latch' });
    expect(failed).toMatchObject({ status: 'rectifying', failedReinspections: 1 });
    // A fresh rectification window runs after the failed re-inspection.
    expect(failed.deadlines.filter((d) => d.name === 'rectify').map((d) => [d.run, d.state]).sort()).toEqual([
      [1, 'stopped'],
      [2, 'running'],
    ]);
    await hazardStep(h, rectifiedUpdate, { actor: chen, note: 'closer replaced', photos: [] });
    const closed = await hazardStep(h, reinspectUpdate, { actor: supervisor, passed: true });
    expect(closed).toMatchObject({ status: 'closed', failedReinspections: 1 });
    expect(closed.reinspections.map((r) => r.passed)).toEqual([false, true]);
    await h.result();
    const trail = await auditTrail(database, h.workflowId);
    expect(trail.map((t) => [t.action, t.to_status])).toEqual([
      ['receive', null],
      ['assign', 'assigned'],
      ['startRectifying', 'rectifying'],
      ['rectified', 'awaiting_reinspection'],
      ['reinspection.failed', 'rectifying'],
      ['rectified', 'awaiting_reinspection'],
      ['reinspection.passed', 'closed'],
    ]);
    const [row] = await rows<{ status: string; failed_reinspections: number; overdue: boolean }>('SELECT status, failed_reinspections, overdue FROM hazards WHERE workflow_id = $1', [h.workflowId]);
    expect(row).toEqual({ status: 'closed', failed_reinspections: 1, overdue: false });
    await saveFixture(h, 'hazard', 'reinspection-failed-then-passed');
  });

  it('refuses a re-inspection by the person who rectified it (409) and writes nothing', async () => {
    const h = await open();
    await received(h);
    // A guard may re-inspect hazards, but not one they rectified themselves.
    const guard = await rectifiedByChen(h, 'security.zhao');
    const before = await h.query(hazardQuery);
    const failure = await updateFailure(h.executeUpdate(reinspectUpdate, { args: [{ actor: guard, passed: true }] }));
    expect(failure.type).toBe(processErrors.illegalTransition);
    expect(failure.message).toMatch(/must be done by someone else/);
    expect((await h.query(hazardQuery)).seq).toBe(before.seq);
    await h.terminate('test over');
  });

  it('escalates an overdue rectification up the policy chain, each level once', async () => {
    const h = await open({ severity: 'serious' });
    await received(h);
    // serious: rectified within 3 days; supervisor at once, project manager 8 h later, general manager a day later.
    await env.sleep(3 * DAY + 2 * DAY);
    const events = await eventually(
      () => rows<{ level: number; role: string | null }>("SELECT level, role FROM sla_events WHERE workflow_id = $1 AND clock = 'rectify' ORDER BY level", [h.workflowId]),
      (r) => r.length >= 4,
      'the rectify clock climbing',
    );
    expect(events.map((e) => [e.level, e.role])).toEqual([
      [0, null],
      [1, 'dispatcher'],
      [2, 'manager'],
      [3, 'director'],
    ]);
    const state = await h.query(hazardQuery);
    expect(state.escalations.map((e) => e.level)).toEqual([1, 2, 3]);
    const [row] = await rows<{ overdue: boolean; escalation_level: number }>('SELECT overdue, escalation_level FROM hazards WHERE workflow_id = $1', [h.workflowId]);
    expect(row).toEqual({ overdue: true, escalation_level: 3 });
    const chen = await rectifiedByChen(h);
    await hazardStep(h, reinspectUpdate, { actor: await as('security.zhao'), passed: true, note: `checked after ${chen.name}` });
    await h.result();
    await saveFixture(h, 'hazard', 'overdue-escalated-then-closed');
  });

  it('tells the project manager of a major hazard at once', async () => {
    const h = await open({ severity: 'major', description: 'gas smell in the boiler room' });
    await received(h);
    const sent = await eventually(() => outboxOf(database, h.workflowId), (r) => r.length > 0, 'the receipt notifications');
    expect(sent.every((m) => m.template === 'hazard.major-reported')).toBe(true);
    const managers = await rows<{ recipient_role: string }>("SELECT recipient_role FROM outbox WHERE subject = $1 AND recipient_role = 'manager'", [`${h.workflowId}#1`]);
    expect(managers.length).toBeGreaterThan(0);
    const general = await open();
    await received(general);
    const generalManagers = await rows("SELECT 1 FROM outbox WHERE subject = $1 AND recipient_role = 'manager'", [`${general.workflowId}#1`]);
    expect(generalManagers).toEqual([]);
    await h.terminate('test over');
    await general.terminate('test over');
  });

  it('starts a repair order as a child and cannot be reported rectified while it is open', async () => {
    const h = await open();
    const state = await received(h);
    const supervisor = await as('dispatcher.zhang');
    const policy = await getSlaPolicy(database.db, state.propertyId, 'fire_safety');
    const order: WorkOrderInput = {
      orderId: `WO-20261201-${randomUUID().slice(0, 8)}`,
      propertyId: state.propertyId,
      location: state.location,
      category: 'fire_safety',
      priority: 'normal',
      channel: 'patrol',
      description: `replace the fire door closer (hazard ${state.hazardId})`,
      photos: [],
      createdBy: supervisor,
      policy: toPolicySnapshot(policy!),
    };
    const withOrder = await hazardStep(h, hazardWorkOrderUpdate, { actor: supervisor, order });
    expect(withOrder.workOrders).toEqual([expect.objectContaining({ orderId: order.orderId, status: 'open' })]);
    const chen = await as('tech.chen');
    await hazardStep(h, assignHazardUpdate, { actor: supervisor, rectifier: { id: chen.id, name: chen.name } });
    const blocked = await updateFailure(h.executeUpdate(rectifiedUpdate, { args: [{ actor: chen, note: 'done', photos: [] }] }));
    expect(blocked.message).toMatch(new RegExp(`repair order ${order.orderId} still open`));
    await orderStep(env.client.workflow.getHandle(workOrderWorkflowId(order.orderId)), cancelUpdate, { actor: supervisor, reason: 'done under the hazard' });
    const done = await waitForHazard(h, (s) => s.workOrders[0]?.status === 'cancelled', 'the repair order finished');
    expect(done.timeline.map((t) => t.action)).toContain('work-order.finished');
    await hazardStep(h, rectifiedUpdate, { actor: chen, note: 'closer replaced by the repair', photos: [] });
    await hazardStep(h, reinspectUpdate, { actor: supervisor, passed: true });
    await h.result();
    await saveFixture(h, 'hazard', 'with-repair-order');
  });
});
