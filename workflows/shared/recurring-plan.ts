/**
 * The recurring-plan engine (shared/DESIGN.md §Recurring plans), for every kind of plan:
 * one long-running workflow per plan that sleeps on one durable timer until the next
 * occurrence starts, starts every occurrence as a child keyed by its due time (starting one
 * twice is harmless), records the occurrences a pause covered as skipped and, under "latest
 * only", the ones it will not do as missed — never drops one, even after an outage — and
 * continues as new after each round so a ten-year plan's history stays short. The plan lives
 * in PostgreSQL; the workflow reads it at every wake, so an edit applies from the next
 * occurrence.
 *
 * A kind (maintenance plans, patrol schedules, drill schedules) gives the engine two things:
 * how to load its plan, and how to start one occurrence of it. A kind whose plans have a lead
 * (maintenance: each task is started a while before it opens) gives a third: how to withdraw
 * an occurrence started ahead, for a plan retired before that occurrence began.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { allHandlersFinished, condition, ParentClosePolicy, setHandler, startChild } from '@temporalio/workflow';
import { addIntervals, classifyOccurrences, lateToleranceMs, nextDue, occurrences, type PauseWindow } from '../../domain/maintenance-schedule.js';
import {
  planChangedSignal,
  planQuery,
  taskFinishedSignal,
  type PlanOccurrence,
  type RecurringPlan,
  type RecurringPlanInput,
  type RecurringPlanResult,
} from './recurring-plan.contract.js';

/** What a kind of plan tells the engine. */
export interface PlanKind<P extends RecurringPlan> {
  /** The plan as it stands now (an activity), or null if it no longer exists. */
  load(planId: string): Promise<P | null>;
  /** How to start one occurrence of this plan, or null while the plan cannot start any (its checklist is missing, say). */
  starter(plan: P): ((occurrence: PlanOccurrence) => Promise<void>) | null;
  /** Withdraw an occurrence started ahead whose start has not come (kinds with a lead). */
  withdraw?(planId: string, due: number, reason: string): Promise<void>;
}

/** Rounds without an occurrence started before the run continues as new anyway (signals and edits add events too). */
const roundsPerRun = 50;

/**
 * Run a plan until it is retired (resolves with the result) or until this run should
 * continue as new (resolves with the next run's input, for the kind's workflow to pass to
 * `continueAsNew`).
 */
export async function runRecurringPlan<P extends RecurringPlan>(input: RecurringPlanInput, kind: PlanKind<P>): Promise<RecurringPlanResult | { continueWith: RecurringPlanInput }> {
  const pauses: PauseWindow[] = [...(input.pauses ?? [])];
  let processedUntil = input.processedUntil ?? null;
  let nextWakeAt: number | null = null;
  let started = 0;
  // Due times of the occurrences started ahead whose start is still to come.
  let ahead: number[] = [...(input.ahead ?? [])];
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
    const plan = await kind.load(input.planId);
    ahead = ahead.filter((due) => due - (plan?.opensBeforeMs ?? 0) > Date.now());
    if (!plan || plan.status === 'retired') {
      const reason = `the plan was retired${plan?.statusReason ? `: ${plan.statusReason}` : ''}`;
      for (const due of ahead) await kind.withdraw?.(input.planId, due, reason);
      await condition(allHandlersFinished);
      return { planId: input.planId, status: plan ? 'retired' : 'gone' };
    }
    notePause(pauses, plan);
    // A new plan starts with the occurrences due after it was made, not those its anchor implies before.
    const from = processedUntil ?? Math.max(plan.schedule.anchorMs, plan.createdAt) - 1;
    const schedule = plan.schedule.mode === 'floating' ? { ...plan.schedule, anchorMs: floatingDue(plan, from) } : plan.schedule;
    const waitsForTask = plan.schedule.mode === 'floating' && plan.pendingTasks > 0;
    const start = waitsForTask ? null : kind.starter(plan);
    if (start) {
      // Everything that starts (or is started ahead, by the lead) by now is due to start; lateness is counted from the due time itself.
      const lookAhead = plan.opensBeforeMs + (plan.leadMs ?? 0);
      const horizon = Date.now() + lookAhead;
      const sorted = classifyOccurrences(schedule, { afterMs: from, nowMs: horizon, policy: plan.catchUp, pauses, toleranceMs: lateToleranceMs(schedule) + lookAhead });
      const due = sorted.policy === 'all' ? startsOfAll(sorted) : startsOfLatest(sorted);
      for (const occurrence of due) await start(occurrence);
      started += due.length;
      ahead.push(...due.filter((o) => !o.outcome && o.due - plan.opensBeforeMs > Date.now()).map((o) => o.due));
      if (sorted.processedUntilMs > from) processedUntil = sorted.processedUntilMs;
      if (due.length) break;
    }
    const next = waitsForTask ? null : nextOpening(plan, schedule, processedUntil ?? from);
    nextWakeAt = next;
    if (next === null) await condition(() => wake);
    else await condition(() => wake, Math.max(1, next - Date.now()));
  }
  await condition(allHandlersFinished);
  // (`ahead` only when there is one: the runs from before it existed continued without it.)
  return { continueWith: { planId: input.planId, ...(processedUntil !== null ? { processedUntil } : {}), pauses: recentPauses(pauses), ...(ahead.length ? { ahead } : {}) } };
}

/**
 * Start one occurrence as a child that outlives the run that started it (the plan continues
 * as new after each round); one started before (a replayed round, a retried start) is left as it is.
 */
export async function startOccurrence<I>(workflow: (input: I) => Promise<unknown>, workflowId: string, input: I): Promise<void> {
  try {
    await startChild(workflow, { workflowId, args: [input], parentClosePolicy: ParentClosePolicy.ABANDON, workflowIdReusePolicy: 'REJECT_DUPLICATE' });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

type Round = ReturnType<typeof classifyOccurrences>;

function startsOfAll(round: Extract<Round, { policy: 'all' }>): PlanOccurrence[] {
  return [
    ...round.skipped.map((s) => ({ due: s.nominalDueMs, late: false, outcome: { status: 'skipped' as const, reason: s.reason } })),
    ...round.due.map((due) => ({ due, late: false })),
    ...round.late.map((due) => ({ due, late: true })),
  ].sort((a, b) => a.due - b.due);
}

function startsOfLatest(round: Extract<Round, { policy: 'latest_only' }>): PlanOccurrence[] {
  return [
    ...round.skipped.map((s) => ({ due: s.nominalDueMs, late: false, outcome: { status: 'skipped' as const, reason: s.reason } })),
    ...round.missed.map((due) => ({ due, late: true, outcome: { status: 'missed' as const, reason: 'the plan catches up with its latest occurrence only' } })),
    ...(round.start ? [{ due: round.start.nominalDueMs, late: round.start.late }] : []),
  ].sort((a, b) => a.due - b.due);
}

/**
 * A floating plan's next due time: one interval after its last completion (its anchor before
 * any); an occurrence that ended without one (skipped, missed) counts from what was handled.
 */
function floatingDue(plan: RecurringPlan, handledUntil: number): number {
  const due = nextDue(plan.schedule, plan.lastCompletedAt, handledUntil);
  return due > handledUntil ? due : addIntervals(plan.schedule, handledUntil, 1);
}

/** When the next occurrence is started: the next one after what was handled, less the opening window and the lead. */
function nextOpening(plan: RecurringPlan, schedule: RecurringPlan['schedule'], after: number): number {
  const due = schedule.mode === 'floating' ? schedule.anchorMs : (occurrences(schedule, after, Number.MAX_SAFE_INTEGER, 1)[0] ?? Number.MAX_SAFE_INTEGER);
  return Math.min(due - plan.opensBeforeMs - (plan.leadMs ?? 0), Date.now() + maxSleepMs);
}

/** The longest the engine sleeps without looking at its plan again. */
const maxSleepMs = 7 * 24 * 3_600_000;

/** Keep the pause windows as the plan's status changes, so an outage still knows what a pause covered. */
function notePause(pauses: PauseWindow[], plan: RecurringPlan): void {
  const open = pauses.find((p) => p.toMs === null);
  if (plan.status === 'paused' && !open) pauses.push({ fromMs: plan.statusChangedAt, toMs: null, reason: plan.statusReason ?? 'plan paused' });
  if (plan.status === 'active' && open) open.toMs = plan.statusChangedAt;
}

/** The pauses still worth carrying into the next run: the open one and the last few. */
function recentPauses(pauses: PauseWindow[]): PauseWindow[] {
  return pauses.slice(-10);
}
