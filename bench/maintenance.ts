/**
 * Measurement 5, maintenance plans. `count` daily pump plans are created at the demo property,
 * all due at one instant, and their engines (`pm-plan:<id>`) started; each engine starts its
 * task ahead (the task lead, MAINTENANCE_TASK_LEAD_SECONDS), so every task waits, listed
 * scheduled, before the instant comes. As many bare plans (bench/bare-workflows.ts: a timer, an
 * abandoned child, continue-as-new) are started with their own shared instant, earlier by the
 * grace and a little more, so each side's burst has the machine to itself. Reported per side:
 * - the lag from the due time to a visible open task: the real one as staff see it, each
 *   task's first appearance in `GET /v1/maintenance/tasks?status=open` (every page read
 *   through the API, over and over from just before the due time), the bare one to its
 *   task's wake-up activity's own clock;
 * - for the real side also the lag to the task workflow's own `open` step (its audit row,
 *   `recorded_at - due`): when the opening's notification goes out and the task is assigned;
 * - the CPU each process used per second while every plan of both sides slept (the idle cost);
 * - events per plan per cycle: the first run of a sample of plans, from its start to the
 *   continue-as-new that follows the occurrence it started.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { createPlan } from '../db/maintenance.js';
import { planWorkflowId, taskWorkflowId } from '../domain/maintenance-schedule.js';
import { maintenancePlanWorkflowType } from '../workflows/maintenance-plan.contract.js';
import { planQuery } from '../workflows/shared/recurring-plan.contract.js';
import type { BarePlanInput } from './bare-workflows.js';
import { apiCall } from './orders.js';
import { cpuBetween, cpuSnapshot } from './proc.js';
import { percentiles, ratio, round, type Percentiles } from './stats.js';
import { taskQueues, type Stack } from './stack.js';

export interface MaintenanceOptions {
  /** Plans per side. */
  count: number;
  /** How long the idle window lasts before the first due time (s). */
  idleSeconds: number;
  /** How long after its due time a task may still arrive before it counts as missing (s). */
  graceSeconds: number;
}

export interface MaintenanceSide {
  plans: number;
  /** How long starting every plan's engine (and, for the real side, its task ahead) took, and at what rate. */
  started: { seconds: number; perSecond: number };
  /** Due time → visible open task (ms). */
  lagMs: Percentiles;
  /** Plans whose task was not visible within the grace. */
  missing: number;
  /** Real side: due time → the task workflow's own `open` step (ms), and the tasks without one within the grace. */
  recorded?: { lagMs: Percentiles; missing: number };
  eventsPerPlanPerCycle: number;
}

export interface MaintenanceResult {
  plans: number;
  real: MaintenanceSide;
  bare: MaintenanceSide;
  /** CPU seconds per second of each process while both sides' plans slept. */
  idleCpuPerSecond: Record<string, number>;
  idleSeconds: number;
  /** Real p99 / bare p99. */
  lagRatio: number | null;
}

/** Plans started at once while the engines are being started. */
const inFlight = 16;
/** Histories read for the events-per-cycle figure. */
const historySample = 20;

async function inParallel<T>(count: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(inFlight, count) }, async () => {
      while (next < count) {
        const i = next++;
        out[i] = await work(i);
      }
    }),
  );
  return out;
}

/** Events in a plan's first run, from its start to its continue-as-new. */
async function eventsOfFirstRun(s: Stack, runs: { workflowId: string; runId: string }[]): Promise<number> {
  const sample = runs.slice(0, historySample);
  const counts = await Promise.all(sample.map(async (r) => (await s.client.workflow.getHandle(r.workflowId, r.runId).fetchHistory()).events?.length ?? 0));
  return round(counts.reduce((a, b) => a + b, 0) / Math.max(1, counts.length), 1);
}

export async function maintenanceBurst(s: Stack, opts: MaintenanceOptions, runId: string, say: (line: string) => void): Promise<MaintenanceResult> {
  const [pump] = (await s.admin.query<{ id: string }>("SELECT id FROM equipment WHERE code = 'PUMP-1' AND property_id = 'harbour-view'")).rows;
  if (!pump) throw new Error('the demo seed has no PUMP-1 at harbour-view');
  const manager = s.staff['manager.zhou'];
  // Starting both sides' engines (and the real tasks, ahead) takes time: the due instants leave
  // room for it and the idle window. The bare burst comes first and has its grace to itself
  // before the real one: the real tasks wait ahead, so the bare side's instant is quiet.
  const startBudgetMs = opts.count * 260 + 40_000;
  const bareDue = Date.now() + startBudgetMs + opts.idleSeconds * 1_000;
  const realDue = bareDue + opts.graceSeconds * 1_000 + 15_000;

  say(`maintenance: ${opts.count} plans due at once per side (real in ${Math.round((realDue - Date.now()) / 1000)} s)…`);
  let t0 = performance.now();
  const real = await inParallel(opts.count, async (i) => {
    const plan = await createPlan(
      s.db.db,
      'harbour-view',
      {
        name: `Bench pump check ${runId}-${i}`,
        equipmentId: pump.id,
        equipmentKind: 'water_pump',
        mode: 'fixed',
        every: 1,
        unit: 'days',
        anchor: new Date(realDue),
        opensBefore: 'PT0S',
        overdueAfter: 'PT4H',
        assignee: { department: 'engineering' },
        templateCode: 'pump-monthly',
        templateVersion: null,
        catchUp: 'all',
        outOfServiceOnDefect: false,
      },
      manager,
    );
    const handle = await s.client.workflow.start(maintenancePlanWorkflowType, {
      workflowId: planWorkflowId(plan.id),
      taskQueue: taskQueues.real,
      args: [{ planId: plan.id }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    // Asleep once it has started its task ahead, continued as new, and set the next round's timer.
    const latest = s.client.workflow.getHandle(handle.workflowId);
    while ((await latest.query(planQuery)).nextWakeAt === null) await delay(50);
    return { planId: plan.id, workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
  });
  const taskIds = real.map((r) => taskWorkflowId(r.planId, realDue));
  const scheduledCount = async () => Number((await s.admin.query<{ n: string }>('SELECT count(*) AS n FROM maintenance_tasks WHERE workflow_id = ANY($1)', [taskIds])).rows[0]?.n ?? 0);
  while ((await scheduledCount()) < taskIds.length && Date.now() < bareDue - 5_000) await delay(250);
  const realStarted = (performance.now() - t0) / 1000;
  say(`  ${opts.count} real plans asleep, ${await scheduledCount()} tasks waiting (scheduled) in ${round(realStarted, 1)} s`);

  t0 = performance.now();
  const label = `pm-open:${runId}`;
  const bare = await inParallel(opts.count, async (i) => {
    const input: BarePlanInput = { dueAt: bareDue, label };
    const handle = await s.client.workflow.start('barePlanWorkflow', { workflowId: `bare-plan:${runId}-${i}`, taskQueue: taskQueues.bare, args: [input] });
    return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
  });
  const bareStarted = (performance.now() - t0) / 1000;
  say(`  ${opts.count} bare plans started in ${round(bareStarted, 1)} s`);
  // Asleep once the worker has run its first workflow task (started, task scheduled, started, completed, timer): the last ones started tell.
  const asleep = async (w: { workflowId: string }) => ((await s.client.workflow.getHandle(w.workflowId).describe()).historyLength ?? 0) >= 5;
  for (const w of bare.slice(-20)) while (!(await asleep(w)) && Date.now() < bareDue - 5_000) await delay(100);

  // Idle: every plan asleep until its due time.
  const idleUntil = bareDue - 2_000;
  const idleMs = Math.max(0, Math.min(opts.idleSeconds * 1_000, idleUntil - Date.now()));
  if (idleMs < opts.idleSeconds * 500) say(`  starting took longer than planned: the idle window is ${round(idleMs / 1000, 1)} s`);
  await delay(Math.max(0, idleUntil - idleMs - Date.now()));
  const before = cpuSnapshot(s.measured);
  await delay(idleMs);
  const idleCpu = cpuBetween(before, cpuSnapshot(s.measured));
  const idleCpuPerSecond = Object.fromEntries(Object.entries(idleCpu).map(([k, v]) => [k, round(v / Math.max(idleMs / 1000, 0.001), 3)]));
  say(`  idle CPU s/s with ${2 * opts.count} plans asleep: ${JSON.stringify(idleCpuPerSecond)}`);

  // The bare burst: each task's wake-up.
  const bareLag = () => s.receiver.wakes().filter((w) => w.label === label).map((w) => w.ranAt - w.at);
  while (bareLag().length < opts.count && Date.now() < bareDue + opts.graceSeconds * 1_000) await delay(250);

  // The real burst as staff see it: each task's first appearance in the open list, read through the API.
  const visible = await watchOpenList(s, realDue, new Set(taskIds), realDue + opts.graceSeconds * 1_000);
  // …and as its workflow recorded it: each task's `open` row in the audit log.
  const opened = new Map<string, number>();
  while (opened.size < taskIds.length && Date.now() < realDue + opts.graceSeconds * 1_000) {
    const rows = await s.admin.query<{ subject: string; recorded_at: Date }>("SELECT subject, recorded_at FROM audit_log WHERE action = 'open' AND subject = ANY($1)", [taskIds]);
    for (const row of rows.rows) opened.set(row.subject, row.recorded_at.getTime() - realDue);
    if (opened.size < taskIds.length) await delay(250);
  }
  const realSide: MaintenanceSide = {
    plans: opts.count,
    started: { seconds: round(realStarted, 1), perSecond: round(opts.count / realStarted, 1) },
    lagMs: percentiles([...visible.values()], 0),
    missing: taskIds.length - visible.size,
    recorded: { lagMs: percentiles([...opened.values()], 0), missing: taskIds.length - opened.size },
    eventsPerPlanPerCycle: await eventsOfFirstRun(s, real),
  };
  const bareSide: MaintenanceSide = {
    plans: opts.count,
    started: { seconds: round(bareStarted, 1), perSecond: round(opts.count / bareStarted, 1) },
    lagMs: percentiles(bareLag(), 0),
    missing: opts.count - bareLag().length,
    eventsPerPlanPerCycle: await eventsOfFirstRun(s, bare),
  };
  say(
    `  lag p50/p99 ms: real visible ${realSide.lagMs.p50}/${realSide.lagMs.p99} (${realSide.missing} missing), recorded by its workflow ${realSide.recorded?.lagMs.p50}/${realSide.recorded?.lagMs.p99} (${realSide.recorded?.missing} missing); bare ${bareSide.lagMs.p50}/${bareSide.lagMs.p99} (${bareSide.missing} missing)`,
  );
  return { plans: opts.count, real: realSide, bare: bareSide, idleCpuPerSecond, idleSeconds: round(idleMs / 1000, 1), lagRatio: ratio(realSide.lagMs.p99, bareSide.lagMs.p99) };
}

interface TaskPage {
  items: { id: string; status: string }[];
  nextCursor: string | null;
}

/**
 * Read the open tasks due at `dueMs` through the API, every page, over and over from a second
 * before the due time until every task in `ids` was seen or `untilMs` passed: when each was
 * first seen, as ms after the due time (the moment the page that showed it arrived).
 */
async function watchOpenList(s: Stack, dueMs: number, ids: Set<string>, untilMs: number): Promise<Map<string, number>> {
  const seen = new Map<string, number>();
  await delay(Math.max(0, dueMs - 1_000 - Date.now()));
  const due = new Date(dueMs).toISOString();
  while (seen.size < ids.size && Date.now() < untilMs) {
    let cursor: string | null = null;
    do {
      const query = new URLSearchParams({ propertyId: 'harbour-view', status: 'open', dueFrom: due, dueTo: due, limit: '200', ...(cursor ? { cursor } : {}) });
      const page: TaskPage = await apiCall<TaskPage>(s, 'GET', `/v1/maintenance/tasks?${query.toString()}`, 'manager.zhou');
      const at = Date.now() - dueMs;
      for (const item of page.items) if (ids.has(item.id) && !seen.has(item.id)) seen.set(item.id, at);
      cursor = page.nextCursor;
    } while (cursor);
    await delay(20);
  }
  return seen;
}
