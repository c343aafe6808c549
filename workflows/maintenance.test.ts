import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { changePlan, createPlan, type NewPlan } from '../db/maintenance.js';
import type { TestDatabase } from '../test/harness/db.js';
import { passingAnswers } from '../test/harness/maintenance.js';
import { eventually, saveFixture, stepThenRead } from '../test/harness/processes.js';
import { workflowStack } from '../test/harness/workflow-stack.js';
import { actor, recordingNotifier } from '../test/harness/work-orders.js';
import { planChangedSignal, planWorkflowId } from './maintenance-plan.contract.js';
import { completeTaskUpdate, maintenanceTaskQuery, startTaskUpdate, taskWorkflowId } from './maintenance-task.contract.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const notifier = recordingNotifier();
const stack = workflowStack({ notifier });
let env: TestWorkflowEnvironment;
let database: TestDatabase;
let worker: Worker;
beforeAll(() => ({ env, database, worker } = stack));

const taskStep = stepThenRead(maintenanceTaskQuery);

async function rows<T = Record<string, unknown>>(query: string, params: unknown[]): Promise<T[]> {
  return (await database.pool.query(query, params)).rows as T[];
}

async function equipmentId(code: string): Promise<string> {
  const [row] = await rows<{ id: string }>('SELECT id FROM equipment WHERE code = $1', [code]);
  return row!.id;
}

/** A pump plan at the demo property, anchored `inMs` from the test server's now, with its engine started. */
async function pumpPlan(overrides: Partial<NewPlan> = {}, inMs = HOUR): Promise<{ id: string; handle: WorkflowHandle; anchor: number }> {
  const anchor = (await env.currentTimeMs()) + inMs;
  const plan = await createPlan(
    database.db,
    'harbour-view',
    {
      name: 'Pump check (test)',
      equipmentId: await equipmentId('PUMP-1'),
      equipmentKind: 'water_pump',
      mode: 'fixed',
      every: 1,
      unit: 'days',
      anchor: new Date(anchor),
      opensBefore: 'PT1H',
      overdueAfter: 'PT4H',
      assignee: { department: 'engineering' },
      templateCode: 'pump-monthly',
      templateVersion: null,
      catchUp: 'all',
      outOfServiceOnDefect: true,
      ...overrides,
    },
    await actor(database.db, 'manager.zhou'),
  );
  const handle = await env.client.workflow.start('maintenancePlanWorkflow', { workflowId: planWorkflowId(plan.id), taskQueue: worker.options.taskQueue, args: [{ planId: plan.id }] });
  return { id: plan.id, handle, anchor };
}

/** End a test's plan: retire it and end what is still open, so later tests' skipped time does not run its clocks. */
async function retire(plan: { id: string; handle: WorkflowHandle }): Promise<void> {
  const manager = await actor(database.db, 'manager.zhou');
  await changePlan(database.db, plan.id, { status: 'retired', reason: 'test over' }, manager, () => undefined);
  await plan.handle.signal(planChangedSignal);
  for (const t of await tasksOf(plan.id)) {
    if (['open', 'assigned', 'in_progress', 'scheduled'].includes(t.status)) {
      // One that finished since the row was read has nothing left to end.
      await env.client.workflow.getHandle(t.workflow_id).terminate('test over').catch(() => undefined);
    }
  }
}

type TaskRow = { workflow_id: string; status: string; late: boolean; nominal_due: Date; plan_revision: number; overdue_at: Date; skipped_reason: string | null; assignee_id: string | null };
const tasksOf = (planId: string) => rows<TaskRow>('SELECT * FROM maintenance_tasks WHERE plan_id = $1 ORDER BY nominal_due', [planId]);
const countTasks = async (planId: string, n: number, what: string) => eventually(() => tasksOf(planId), (r) => r.length >= n, what, (r) => `${r?.length} tasks`);

/** Passing answers to every item of the pump checklist. */
const passingPumpAnswers = () => passingAnswers(database.db, 'harbour-view', 'pump-monthly');

describe('a maintenance plan over time', () => {
  it('starts one task for each of the 24 or 25 occurrences of a 15-day plan in a year, none late', async () => {
    const plan = await pumpPlan({ every: 15, overdueAfter: 'P1D' });
    const { id } = plan;
    await env.sleep(365 * DAY);
    const tasks = await countTasks(id, 24, 'a year of tasks');
    expect(tasks.length === 24 || tasks.length === 25).toBe(true);
    expect(tasks.filter((t) => t.late)).toEqual([]);
    const gaps = tasks.slice(1).map((t, i) => (t.nominal_due.getTime() - tasks[i]!.nominal_due.getTime()) / DAY);
    expect(new Set(gaps)).toEqual(new Set([15]));
    await saveFixture(plan.handle, 'maintenance-plan', 'fifteen-day-plan');
    await retire(plan);
  }, 180_000);
});

describe('a maintenance task', () => {
  it('opens, is assigned, and a reading out of limits starts a repair order linked to the task and its equipment', async () => {
    const plan = await pumpPlan({}, 2 * HOUR);
    const { id, anchor } = plan;
    await env.sleep(HOUR + 60_000);
    const h = env.client.workflow.getHandle(taskWorkflowId(id, anchor));
    const assigned = await eventually(() => h.query(maintenanceTaskQuery), (s) => s.status === 'assigned', 'the task assigned');
    const tech = { id: assigned.assignee!.id, role: 'technician' as const, name: assigned.assignee!.name };
    await taskStep(h, startTaskUpdate, { actor: tech });
    const answers = { ...(await passingPumpAnswers()), 'outlet-pressure': { value: 0.9 } };
    const done = await taskStep(h, completeTaskUpdate, { actor: tech, answers, note: 'pressure high' });
    expect(done.status).toBe('completed');
    const withOrder = await eventually(() => h.query(maintenanceTaskQuery), (s) => !!s.defects[0]?.orderId, 'the repair order');
    expect(withOrder.defects).toEqual([expect.objectContaining({ key: 'outlet-pressure', reason: expect.stringContaining('above 0.6'), orderId: expect.stringMatching(/^WO-/) })]);
    const orderId = withOrder.defects[0]!.orderId!;
    const link = await eventually(
      () => rows('SELECT * FROM equipment_work_orders WHERE work_order_id = $1', [orderId]),
      (r) => r.length === 1,
      'the equipment link',
    );
    expect(link[0]).toMatchObject({ source: 'defect', task_workflow_id: h.workflowId });
    const [pump] = await rows<{ status: string }>('SELECT status FROM equipment WHERE code = $1', ['PUMP-1']);
    expect(pump!.status).toBe('out_of_service');
    const order = await eventually(() => rows<{ category: string; status: string }>('SELECT category, status FROM work_orders WHERE id = $1', [orderId]), (r) => r.length === 1, 'the order projected');
    expect(order[0]!.category).toBe('water');
    await saveFixture(h, 'maintenance-task', 'completed-with-defect');
    await retire(plan);
  });

  it('refuses a completion that leaves a required item unanswered, naming the item, and writes nothing', async () => {
    const plan = await pumpPlan({}, 2 * HOUR);
    const { id, anchor } = plan;
    await env.sleep(HOUR + 60_000);
    const h = env.client.workflow.getHandle(taskWorkflowId(id, anchor));
    const assigned = await eventually(() => h.query(maintenanceTaskQuery), (s) => s.status === 'assigned', 'the task assigned');
    const { 'outlet-pressure': _left, ...answers } = await passingPumpAnswers();
    const err = await h.executeUpdate(completeTaskUpdate, { args: [{ actor: await actor(database.db, 'dispatcher.zhang'), answers }] }).catch((e: unknown) => e);
    expect((err as { cause?: { message?: string } }).cause?.message).toMatch(/^answers\.outlet-pressure: is required/);
    expect((await h.query(maintenanceTaskQuery)).seq).toBe(assigned.seq);
    await retire(plan);
  });

  it('warns, then escalates an overdue task to the supervisor and the project manager, each level once', async () => {
    const plan = await pumpPlan({}, HOUR);
    const { id, anchor } = plan;
    await env.sleep(HOUR + 4 * HOUR + 4 * HOUR + HOUR);
    const taskId = taskWorkflowId(id, anchor);
    const events = await eventually(
      () => rows<{ clock: string; level: number; role: string | null }>('SELECT clock, level, role FROM sla_events WHERE workflow_id = $1 ORDER BY clock, level', [taskId]),
      (r) => r.filter((e) => e.clock === 'complete').length >= 3,
      'the complete clock climbing',
    );
    const complete = events.filter((e) => e.clock === 'complete').map((e) => [e.level, e.role]);
    expect(complete).toEqual([
      [0, null],
      [1, 'dispatcher'],
      [2, 'manager'],
    ]);
    const [row] = await rows<{ escalation_level: number; status: string }>('SELECT escalation_level, status FROM maintenance_tasks WHERE workflow_id = $1', [taskId]);
    expect(row).toMatchObject({ escalation_level: 2, status: 'assigned' });
    await retire(plan);
    await saveFixture(env.client.workflow.getHandle(taskId), 'maintenance-task', 'escalated-then-skipped');
  });
});
