/**
 * On the real dev server, with a plan measured in seconds: no worker runs across three due
 * times, and the worker that comes back starts exactly those three tasks, flagged late; a
 * second restart starts none of them again; and a pause whose occurrences are recorded as
 * skipped with its reason; and a floating plan that counts from its last completion beside a
 * fixed one that does not. (The time-skipping server cannot show these: it holds its clock
 * while a workflow task waits for a worker, and once a plan's task has completed its
 * `sleep` never returns — a lock it leaks, sdk-typescript#1101, sdk-java#1618.)
 */
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changePlan, createPlan, type NewPlan } from '../db/maintenance.js';
import { listTasks } from '../db/maintenance-tasks.js';
import { seedDemo } from '../db/seed.js';
import type { Actor } from '../domain/roles.js';
import { freshDatabase, type TestDatabase } from '../test/harness/db.js';
import { passingAnswers } from '../test/harness/maintenance.js';
import { eventually, saveFixture, stepThenRead } from '../test/harness/processes.js';
import { devServerEnv } from '../test/harness/temporal.js';
import { actor, workOrderWorker } from '../test/harness/work-orders.js';
import { planChangedSignal, planWorkflowId } from './maintenance-plan.contract.js';
import { assignTaskUpdate, completeTaskUpdate, maintenanceTaskQuery, startTaskUpdate, taskWorkflowId } from './maintenance-task.contract.js';

const EVERY_S = 4;
/** How long a worker that comes back may take to catch up. */
const RESTART_MS = 30_000;

let env: TestWorkflowEnvironment;
let database: TestDatabase;

beforeAll(async () => {
  [env, database] = await Promise.all([devServerEnv(), freshDatabase()]);
  await seedDemo(database.db);
});
afterAll(async () => {
  await env?.teardown();
  await database?.drop();
});

type TaskRow = { workflow_id: string; late: boolean; nominal_due: Date };

/**
 * Retire the plan and wait for its workflow to end. The workflow reads its plan at every due
 * time, so it may see the retirement and end before the signal reaches it.
 */
async function retire(planId: string, manager: Actor, handle: WorkflowHandle): Promise<void> {
  await changePlan(database.db, planId, { status: 'retired', reason: 'test over' }, manager, () => undefined);
  await handle.signal(planChangedSignal).catch((err: unknown) => {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  });
  await handle.result();
}

/** A pump plan every `every` seconds, its first occurrence `inMs` from now, tasks open at their due time. */
async function secondsPlan(name: string, every: number, catchUp: 'all' | 'latest_only', inMs: number, mode: 'fixed' | 'floating' = 'fixed', assignee: NewPlan['assignee'] = { department: 'engineering' }) {
  const manager = await actor(database.db, 'manager.zhou');
  const [pump] = (await database.pool.query<{ id: string }>("SELECT id FROM equipment WHERE code = 'PUMP-1'")).rows;
  const anchor = Date.now() + inMs;
  const plan = await createPlan(
    database.db,
    'harbour-view',
    {
      name,
      equipmentId: pump!.id,
      equipmentKind: 'water_pump',
      mode,
      every,
      unit: 'seconds',
      anchor: new Date(anchor),
      opensBefore: 'PT0S',
      overdueAfter: 'PT1M',
      assignee,
      templateCode: 'pump-monthly',
      templateVersion: null,
      catchUp,
      outOfServiceOnDefect: false,
    },
    manager,
  );
  return { manager, anchor, plan };
}

describe('a maintenance task started ahead of its opening', () => {
  it('is listed scheduled until its opening time and open from then, and a step taken before the worker records the opening opens it first, once', async () => {
    const first = await workOrderWorker(env, database.db);
    const taskQueue = first.options.taskQueue;
    // Every 16 s: each task is started half an interval (8 s) before it opens.
    const { manager, anchor, plan } = await secondsPlan('Pump check, started ahead (test)', 16, 'all', 11_000, 'fixed', { role: 'technician' });
    const taskId = taskWorkflowId(plan.id, anchor);
    const raw = async () => (await database.pool.query<{ status: string; created_at: Date }>('SELECT status, created_at FROM maintenance_tasks WHERE workflow_id = $1', [taskId])).rows[0];
    const listed = async () => (await listTasks(database.db, { planId: plan.id, limit: 10 })).items.find((t) => t.workflowId === taskId)?.status;
    const firstRun = first.run();
    const handle = await env.client.workflow.start('maintenancePlanWorkflow', { workflowId: planWorkflowId(plan.id), taskQueue, args: [{ planId: plan.id }] });
    const ahead = await eventually(raw, (r) => r !== undefined, 'the task started ahead', () => '', RESTART_MS);
    expect(ahead!.created_at.getTime()).toBeLessThan(anchor - 3_000);
    expect([ahead!.status, await listed()]).toEqual(['scheduled', 'scheduled']);
    // No worker at its opening time: the list shows it open all the same; the workflow has not recorded it.
    first.shutdown();
    await firstRun;
    await new Promise((r) => setTimeout(r, Math.max(0, anchor + 1_000 - Date.now())));
    expect([(await raw())!.status, await listed()]).toEqual(['scheduled', 'open']);

    // A supervisor assigns it before the worker is back: the step's workflow task brings the opening's timer too.
    const tech = await actor(database.db, 'tech.chen');
    const h = env.client.workflow.getHandle(taskId);
    const assigning = h.executeUpdate(assignTaskUpdate, { args: [{ actor: manager, assignee: { id: tech.id, name: tech.name }, reason: 'first on shift' }] });
    const second = await workOrderWorker(env, database.db, { taskQueue });
    await second.runUntil(async () => {
      expect((await assigning).status).toBe('assigned');
      const state = await h.query(maintenanceTaskQuery);
      expect(state.timeline.filter((e) => e.action === 'open' || e.action === 'assign').map((e) => [e.action, e.actor.id])).toEqual([
        ['open', 'system'],
        ['assign', manager.id],
      ]);
      await eventually(raw, (r) => r?.status === 'assigned', 'the assignment projected');
      await saveFixture(h, 'maintenance-task', 'opened-by-a-step');
      await retire(plan.id, manager, handle);
      await saveFixture(handle, 'maintenance-plan', 'seconds-plan-started-ahead');
    });
    for (const t of (await listTasks(database.db, { planId: plan.id, limit: 50 })).items) await env.client.workflow.getHandle(t.workflowId).terminate('test over').catch(() => undefined);
  });
});

describe('a maintenance plan retired while a task it started ahead waits to open', () => {
  it('ends that task skipped with the retirement as its reason, and starts none after it', async () => {
    const worker = await workOrderWorker(env, database.db);
    // Every 20 s: the first task is started 10 s before it opens, 12 s from now.
    const { manager, anchor, plan } = await secondsPlan('Pump check, retired early (test)', 20, 'all', 12_000);
    const tasks = async () => (await database.pool.query<{ workflow_id: string; status: string; skipped_reason: string | null }>('SELECT workflow_id, status, skipped_reason FROM maintenance_tasks WHERE plan_id = $1', [plan.id])).rows;
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('maintenancePlanWorkflow', { workflowId: planWorkflowId(plan.id), taskQueue: worker.options.taskQueue, args: [{ planId: plan.id }] });
      await eventually(tasks, (r) => r.length === 1 && r[0]!.status === 'scheduled', 'the task started ahead', (r) => JSON.stringify(r), RESTART_MS);
      expect(Date.now()).toBeLessThan(anchor - 2_000);
      await changePlan(database.db, plan.id, { status: 'retired', reason: 'pump replaced by a sealed unit' }, manager, () => undefined);
      await handle.signal(planChangedSignal);
      await handle.result();
      const ended = await eventually(tasks, (r) => r[0]?.status === 'skipped', 'the waiting task withdrawn', (r) => JSON.stringify(r));
      expect(ended).toEqual([{ workflow_id: taskWorkflowId(plan.id, anchor), status: 'skipped', skipped_reason: 'the plan was retired: pump replaced by a sealed unit' }]);
      await env.client.workflow.getHandle(taskWorkflowId(plan.id, anchor)).result();
      await saveFixture(handle, 'maintenance-plan', 'retired-with-a-task-ahead');
      await saveFixture(env.client.workflow.getHandle(taskWorkflowId(plan.id, anchor)), 'maintenance-task', 'withdrawn-before-it-opened');
    });
  });
});

describe('a maintenance plan whose worker is down across three due times', () => {
  it('starts each of the three missed occurrences once, flagged late, when a worker returns, and none again after a second restart', async () => {
    const { manager, anchor, plan } = await secondsPlan('Pump check every few seconds (test)', EVERY_S, 'all', 2_000);
    const tasks = async () => (await database.pool.query<TaskRow>('SELECT workflow_id, late, nominal_due FROM maintenance_tasks WHERE plan_id = $1 ORDER BY nominal_due', [plan.id])).rows;
    const upTo = (rows: TaskRow[], n: number) => rows.filter((t) => t.nominal_due.getTime() <= anchor + n * EVERY_S * 1_000);

    const first = await workOrderWorker(env, database.db);
    const taskQueue = first.options.taskQueue;
    const firstRun = first.run();
    const handle = await env.client.workflow.start('maintenancePlanWorkflow', { workflowId: planWorkflowId(plan.id), taskQueue, args: [{ planId: plan.id }] });
    await eventually(tasks, (r) => r.length === 1, 'the first task', (r) => `${r?.length} tasks`);
    first.shutdown();
    await firstRun;

    // Three more occurrences fall due while no worker runs (the last of them more than the 2 s a timer may lag before it counts as late).
    await new Promise((r) => setTimeout(r, 3 * EVERY_S * 1_000 + 3_000));
    const second = await workOrderWorker(env, database.db, { taskQueue });
    await second.runUntil(async () => {
      // A worker that comes back takes a few seconds to take over (sticky queue time-out, a busy machine).
      const caught = await eventually(async () => upTo(await tasks(), 3), (r) => r.length === 4, 'the three missed occurrences', (r) => `${r?.length} tasks`, RESTART_MS);
      expect(caught.map((t) => t.late)).toEqual([false, true, true, true]);
    });

    const third = await workOrderWorker(env, database.db, { taskQueue });
    await third.runUntil(async () => {
      await new Promise((r) => setTimeout(r, 2_000));
      const again = upTo(await tasks(), 3);
      expect(again.map((t) => t.workflow_id)).toHaveLength(4);
      expect(new Set(again.map((t) => t.workflow_id)).size).toBe(4);
      await retire(plan.id, manager, handle);
    });
    for (const t of await tasks()) await env.client.workflow.getHandle(t.workflow_id).terminate('test over').catch(() => undefined);
  });

  it('records the occurrences of a pause as skipped with its reason, and applies an edit from the next occurrence', async () => {
    const { manager, plan } = await secondsPlan('Pump check, paused (test)', 3, 'all', 1_500);
    type Row = TaskRow & { status: string; skipped_reason: string | null; plan_revision: number; overdue_at: Date };
    const tasks = async () => (await database.pool.query<Row>('SELECT * FROM maintenance_tasks WHERE plan_id = $1 ORDER BY nominal_due', [plan.id])).rows;
    const worker = await workOrderWorker(env, database.db);
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start('maintenancePlanWorkflow', { workflowId: planWorkflowId(plan.id), taskQueue: worker.options.taskQueue, args: [{ planId: plan.id }] });
      await eventually(tasks, (r) => r.length === 1, 'the first task');
      await changePlan(database.db, plan.id, { status: 'paused', reason: 'pump room flooded' }, manager, () => undefined);
      await handle.signal(planChangedSignal);
      // Two occurrences (3 s apart) fall due during the pause.
      await new Promise((r) => setTimeout(r, 6_500));
      const paused = await eventually(tasks, (r) => r.length >= 3 && r.slice(1, 3).every((t) => t.status === 'skipped'), 'two occurrences during the pause', (r) => `${r?.map((t) => t.status).join(', ')}`);
      expect(paused.slice(1, 3).map((t) => [t.status, t.skipped_reason])).toEqual([
        ['skipped', 'pump room flooded'],
        ['skipped', 'pump room flooded'],
      ]);
      await changePlan(database.db, plan.id, { status: 'active', overdueAfter: 'PT2M', reason: 'pumps back' }, manager, () => undefined);
      await handle.signal(planChangedSignal);
      const resumed = await eventually(tasks, (r) => r.some((t) => t.status !== 'skipped' && t.plan_revision > paused[0]!.plan_revision), 'an occurrence after the pause', (r) => `${r?.map((t) => t.status).join(', ')}`);
      const next = resumed.find((t) => t.status !== 'skipped' && t.plan_revision > paused[0]!.plan_revision)!;
      expect(next.overdue_at.getTime() - next.nominal_due.getTime()).toBe(120_000);
      expect(resumed[0]!.overdue_at.getTime() - resumed[0]!.nominal_due.getTime()).toBe(60_000);
      await retire(plan.id, manager, handle);
    });
    for (const t of await tasks()) await env.client.workflow.getHandle(t.workflow_id).terminate('test over').catch(() => undefined);
  });

  it('under "latest only", starts only the latest of the occurrences missed while no worker ran and records the others as missed', async () => {
    const { manager, plan } = await secondsPlan('Pump check, latest only (test)', EVERY_S, 'latest_only', 1_500);
    type Row = TaskRow & { status: string; missed_reason: string | null };
    const tasks = async () => (await database.pool.query<Row>('SELECT * FROM maintenance_tasks WHERE plan_id = $1 ORDER BY nominal_due', [plan.id])).rows;
    const first = await workOrderWorker(env, database.db);
    const taskQueue = first.options.taskQueue;
    const firstRun = first.run();
    const handle = await env.client.workflow.start('maintenancePlanWorkflow', { workflowId: planWorkflowId(plan.id), taskQueue, args: [{ planId: plan.id }] });
    await eventually(tasks, (r) => r.length === 1, 'the first task');
    first.shutdown();
    await firstRun;
    await new Promise((r) => setTimeout(r, 3 * EVERY_S * 1_000 + 3_000));
    const second = await workOrderWorker(env, database.db, { taskQueue });
    await second.runUntil(async () => {
      // After the first task: the occurrences missed during the outage, then the one the plan caught up with.
      const started = (r: Row[]) => r.findIndex((t, k) => k > 0 && t.status !== 'missed' && t.status !== 'scheduled');
      const caught = await eventually(
        tasks,
        (r) => started(r) >= 3 && r.slice(1, started(r)).every((t) => t.status === 'missed'),
        'the missed occurrences recorded and the latest started',
        (r) => `${r?.map((t) => t.status).join(', ')}`,
        RESTART_MS,
      );
      // The latest is started (late or not, depending on how far past its due time the worker came back); the rest were missed.
      expect(['open', 'assigned', 'in_progress']).toContain(caught[started(caught)]!.status);
      expect(caught.slice(1, started(caught)).map((t) => t.missed_reason)).toEqual(caught.slice(1, started(caught)).map(() => 'the plan catches up with its latest occurrence only'));
      await retire(plan.id, manager, handle);
    });
    for (const t of await tasks()) await env.client.workflow.getHandle(t.workflow_id).terminate('test over').catch(() => undefined);
  });

  it('counts a floating plan\'s next due time from the completion of its task, and a fixed plan\'s from its anchor', async () => {
    const every = 6;
    const floating = await secondsPlan('Pump check, floating (test)', every, 'all', 1_500, 'floating');
    const fixed = await secondsPlan('Pump check, fixed (test)', every, 'all', 1_500, 'fixed');
    const tasksOf = async (planId: string) => (await database.pool.query<TaskRow & { completed_at: Date | null }>('SELECT * FROM maintenance_tasks WHERE plan_id = $1 ORDER BY nominal_due', [planId])).rows;
    const step = stepThenRead(maintenanceTaskQuery);
    const worker = await workOrderWorker(env, database.db);
    await worker.runUntil(async () => {
      const handles = await Promise.all(
        [floating, fixed].map(({ plan }) => env.client.workflow.start('maintenancePlanWorkflow', { workflowId: planWorkflowId(plan.id), taskQueue: worker.options.taskQueue, args: [{ planId: plan.id }] })),
      );
      // Each first task is done about three seconds after it fell due: half an interval late.
      await new Promise((r) => setTimeout(r, Math.max(0, floating.anchor + 3_000 - Date.now())));
      for (const { plan, anchor } of [floating, fixed]) {
        const h = env.client.workflow.getHandle(taskWorkflowId(plan.id, anchor));
        const assigned = await eventually(() => h.query(maintenanceTaskQuery), (s) => s.status === 'assigned', 'the first task assigned', (s) => `${s?.status}`, RESTART_MS);
        const tech = { id: assigned.assignee!.id, role: 'technician' as const, name: assigned.assignee!.name };
        await step(h, startTaskUpdate, { actor: tech });
        expect((await step(h, completeTaskUpdate, { actor: tech, answers: await passingAnswers(database.db, 'harbour-view', 'pump-monthly') })).status).toBe('completed');
      }
      const [floatingTasks, fixedTasks] = await Promise.all(
        [floating, fixed].map(({ plan }) => eventually(() => tasksOf(plan.id), (r) => r.length >= 2 && r[0]!.completed_at !== null, 'the second task', (r) => `${r?.length} tasks`, RESTART_MS)),
      );
      expect(floatingTasks![1]!.nominal_due.getTime()).toBe(floatingTasks![0]!.completed_at!.getTime() + every * 1_000);
      expect(fixedTasks![1]!.nominal_due.getTime()).toBe(fixed.anchor + every * 1_000);
      for (const [k, { plan, manager }] of [floating, fixed].entries()) {
        await retire(plan.id, manager, handles[k]!);
      }
      await saveFixture(handles[0]!, 'maintenance-plan', 'floating-plan-retired');
    });
    for (const { plan } of [floating, fixed]) for (const t of await tasksOf(plan.id)) await env.client.workflow.getHandle(t.workflow_id).terminate('test over').catch(() => undefined);
  });
});
