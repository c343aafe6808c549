/**
 * What the outside world may know about any recurring plan's workflow (shared/DESIGN.md
 * §Recurring plans): the long-running engine that starts one child per occurrence — a
 * maintenance task, a patrol round, a drill — and never drops one. Each kind names its own
 * workflow type and ID (`pm-plan:<planId>` for maintenance); the signals and the query are
 * the same for all.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { PauseWindow, Schedule } from '../../domain/maintenance-schedule.js';

/** Where a plan's run starts: from scratch, or where the run it continues left off. */
export interface RecurringPlanInput {
  planId: string;
  /** Occurrences due at or before this were handled (started, recorded missed or skipped). */
  processedUntil?: number;
  /** The pauses it saw, so occurrences they covered are recorded as skipped after an outage too. */
  pauses?: PauseWindow[];
  /** Due times of occurrences started ahead (the plan's lead) whose start has not come yet, to withdraw if the plan is retired first. */
  ahead?: number[];
}

/** How a plan's workflow ends: its plan was retired, or no longer exists. */
export interface RecurringPlanResult {
  planId: string;
  status: 'retired' | 'gone';
}

/** What the engine needs of any plan, as its kind's load activity reads it from PostgreSQL. */
export interface RecurringPlan {
  id: string;
  status: 'active' | 'paused' | 'retired';
  statusReason: string | null;
  statusChangedAt: number;
  createdAt: number;
  schedule: Schedule;
  /** How long before its due time an occurrence starts (a task opens, a round's window begins). */
  opensBeforeMs: number;
  /**
   * How long before it starts an occurrence's workflow is started to wait for it (a
   * maintenance task listed as scheduled), so that the plans due at one instant cost nothing
   * at that instant. Absent (0) for kinds whose occurrences begin when started, and in the
   * plans loaded by runs from before it existed: it comes with the plan, from an activity,
   * so those runs replay as they ran.
   */
  leadMs?: number;
  catchUp: 'all' | 'latest_only';
  /** When an occurrence of the plan was last completed (a floating plan counts from it). */
  lastCompletedAt: number | null;
  /** Occurrences of the plan not finished yet (a floating plan waits for them). */
  pendingTasks: number;
}

/** One occurrence to start: one to do, or one to record as skipped or missed. */
export interface PlanOccurrence {
  due: number;
  late: boolean;
  outcome?: { status: 'skipped' | 'missed'; reason: string };
}

/** What the engine is doing now. */
export interface RecurringPlanView {
  planId: string;
  processedUntil: number | null;
  /** When it will next wake to start an occurrence (null: waiting for the open one of a floating plan). */
  nextWakeAt: number | null;
  pauses: PauseWindow[];
  started: number;
}

/** The plan was changed, paused, resumed or retired in PostgreSQL: read it again now. */
export const planChangedSignal = defineSignal('planChanged');
/** An occurrence of the plan finished (a floating plan counts its next due time from it). */
export const taskFinishedSignal = defineSignal<[{ taskId: string; completedAt: number | null }]>('taskFinished');
/** To an occurrence started ahead, from its plan retired before the occurrence began: it ends skipped, with the reason (one already begun carries on). */
export const occurrenceWithdrawnSignal = defineSignal<[{ reason: string }]>('occurrenceWithdrawn');
/** The engine's position. */
export const planQuery = defineQuery<RecurringPlanView>('plan');
