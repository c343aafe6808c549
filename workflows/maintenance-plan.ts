/**
 * A maintenance plan's engine (shared/DESIGN.md §Recurring plans): one long-running workflow
 * per plan that sleeps on one durable timer until the next task opens, starts every
 * occurrence as a child `pm-task:<plan>:<nominal due>` (starting one twice is harmless),
 * records the occurrences a pause covered as skipped and, under "latest only", the ones it
 * will not do as missed — never drops one, even after an outage — and continues as new after
 * each round so a ten-year plan's history stays short. The plan itself lives in PostgreSQL;
 * the workflow reads it at every wake, so an edit applies from the next occurrence.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { allHandlersFinished, condition, continueAsNew, ParentClosePolicy, proxyActivities, setHandler, startChild } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { PlanForEngine } from '../activities/maintenance.js';
import { addIntervals, classifyOccurrences, lateToleranceMs, nextDue, occurrences, type PauseWindow } from '../domain/maintenance-schedule.js';
import { planChangedSignal, planQuery, taskFinishedSignal, type MaintenancePlanInput } from './maintenance-plan.contract.js';
import { maintenanceTaskWorkflow } from './maintenance-task.js';
import { taskWorkflowId, type MaintenanceTaskInput } from './maintenance-task.contract.js';
import { databaseActivity } from './shared/process.js';

type Activities = ReturnType<typeof createActivities>;

const { loadMaintenancePlan } = proxyActivities<Activities>(databaseActivity);

/** Rounds without a task started before the run continues as new anyway (signals and edits add events too). */
const roundsPerRun = 50;

/** A maintenance plan, from its creation until it is retired. */
export async function maintenancePlanWorkflow(input: MaintenancePlanInput): Promise<{ planId: string; status: 'retired' | 'gone' }> {
  const pauses: PauseWindow[] = [...(input.pauses ?? [])];
  let processedUntil = input.processedUntil ?? null;
  let nextWakeAt: number | null = null;
  let started = 0;
  let wake = false;
  setHandler(planChangedSignal, () => {
    wake = true;
  });
  setHandler(taskFinishedSignal, () => {
    wake = true;
  });
  setHandler(planQuery, () => ({ planId: input.planId, processedUntil, nextWakeAt, pauses, started }));

  for (let round = 0; round < roundsPerRun; round += 1) {
    wake = false;
    const plan = await loadMaintenancePlan({ planId: input.planId });
    if (!plan || plan.status === 'retired') {
      await condition(allHandlersFinished);
      return { planId: input.planId, status: plan ? 'retired' : 'gone' };
    }
    notePause(pauses, plan);
    // A new plan starts with the occurrences due after it was made, not those its anchor implies before.
    const from = processedUntil ?? Math.max(plan.schedule.anchorMs, plan.createdAt) - 1;
    const schedule = plan.schedule.mode === 'floating' ? { ...plan.schedule, anchorMs: floatingDue(plan, from) } : plan.schedule;
    const waitsForTask = plan.schedule.mode === 'floating' && plan.pendingTasks > 0;
    const now = Date.now();
    if (!waitsForTask && plan.template) {
      // Everything whose task opens by now is due to start; lateness is counted from the due time itself.
      const horizon = now + plan.opensBeforeMs;
      const sorted = classifyOccurrences(schedule, { afterMs: from, nowMs: horizon, policy: plan.catchUp, pauses, toleranceMs: lateToleranceMs(schedule) + plan.opensBeforeMs });
      const tasks = sorted.policy === 'all' ? startsOfAll(sorted) : startsOfLatest(sorted);
      for (const task of tasks) await startTask(plan, plan.template, task);
      started += tasks.length;
      if (sorted.processedUntilMs > from) processedUntil = sorted.processedUntilMs;
      if (tasks.length) break;
    }
    const next = waitsForTask ? null : nextOpening(plan, schedule, processedUntil ?? from);
    nextWakeAt = next;
    if (next === null) await condition(() => wake);
    else await condition(() => wake, Math.max(1, next - Date.now()));
  }
  await condition(allHandlersFinished);
  return continueAsNew<typeof maintenancePlanWorkflow>({ planId: input.planId, ...(processedUntil !== null ? { processedUntil } : {}), pauses: recentPauses(pauses) });
}

/** One occurrence to start: a task to do, or one to record as skipped or missed. */
interface Occurrence {
  due: number;
  late: boolean;
  outcome?: { status: 'skipped' | 'missed'; reason: string };
}

type Round = ReturnType<typeof classifyOccurrences>;

function startsOfAll(round: Extract<Round, { policy: 'all' }>): Occurrence[] {
  return [
    ...round.skipped.map((s) => ({ due: s.nominalDueMs, late: false, outcome: { status: 'skipped' as const, reason: s.reason } })),
    ...round.due.map((due) => ({ due, late: false })),
    ...round.late.map((due) => ({ due, late: true })),
  ].sort((a, b) => a.due - b.due);
}

function startsOfLatest(round: Extract<Round, { policy: 'latest_only' }>): Occurrence[] {
  return [
    ...round.skipped.map((s) => ({ due: s.nominalDueMs, late: false, outcome: { status: 'skipped' as const, reason: s.reason } })),
    ...round.missed.map((due) => ({ due, late: true, outcome: { status: 'missed' as const, reason: 'the plan catches up with its latest occurrence only' } })),
    ...(round.start ? [{ due: round.start.nominalDueMs, late: round.start.late }] : []),
  ].sort((a, b) => a.due - b.due);
}

/** Start one occurrence's task; one started before (a replayed round, a retried start) is left as it is. */
async function startTask(plan: PlanForEngine, template: NonNullable<PlanForEngine['template']>, o: Occurrence): Promise<void> {
  const args: MaintenanceTaskInput = {
    planId: plan.id,
    planRevision: plan.revision,
    planName: plan.name,
    propertyId: plan.propertyId,
    equipment: plan.equipment,
    nominalDue: o.due,
    opensAt: o.due - plan.opensBeforeMs,
    overdueAt: o.due + plan.overdueAfterMs,
    late: o.late,
    ...(o.outcome ? { outcome: o.outcome } : {}),
    template,
    assignTo: plan.assignTo,
    outOfServiceOnDefect: plan.outOfServiceOnDefect,
    escalation: plan.escalation,
    warnRatio: 0.8,
  };
  try {
    await startChild(maintenanceTaskWorkflow, {
      workflowId: taskWorkflowId(plan.id, o.due),
      args: [args],
      // A task outlives the run that started it: the plan continues as new after each round.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/**
 * A floating plan's next due time: one interval after its last completion (its anchor before
 * any); an occurrence that ended without one (skipped, missed) counts from what was handled.
 */
function floatingDue(plan: PlanForEngine, handledUntil: number): number {
  const due = nextDue(plan.schedule, plan.lastCompletedAt, handledUntil);
  return due > handledUntil ? due : addIntervals(plan.schedule, handledUntil, 1);
}

/** When the next task opens: the next occurrence after what was handled, less the opening window. */
function nextOpening(plan: PlanForEngine, schedule: PlanForEngine['schedule'], after: number): number {
  const due = schedule.mode === 'floating' ? schedule.anchorMs : (occurrences(schedule, after, Number.MAX_SAFE_INTEGER, 1)[0] ?? Number.MAX_SAFE_INTEGER);
  return Math.min(due - plan.opensBeforeMs, Date.now() + maxSleepMs);
}

/** The longest the engine sleeps without looking at its plan again. */
const maxSleepMs = 7 * 24 * 3_600_000;

/** Keep the pause windows as the plan's status changes, so an outage still knows what a pause covered. */
function notePause(pauses: PauseWindow[], plan: PlanForEngine): void {
  const open = pauses.find((p) => p.toMs === null);
  if (plan.status === 'paused' && !open) pauses.push({ fromMs: plan.statusChangedAt, toMs: null, reason: plan.statusReason ?? 'plan paused' });
  if (plan.status === 'active' && open) open.toMs = plan.statusChangedAt;
}

/** The pauses still worth carrying into the next run: the open one and the last few. */
function recentPauses(pauses: PauseWindow[]): PauseWindow[] {
  return pauses.slice(-10);
}
