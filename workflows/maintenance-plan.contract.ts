/**
 * What the outside world may know about a maintenance plan's workflow (`pm-plan:<planId>`):
 * the long-running engine that starts one task per occurrence and never drops one.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { PauseWindow } from '../domain/maintenance-schedule.js';

export { planWorkflowId } from '../domain/maintenance-schedule.js';

/** The registered name of the plan workflow (`maintenancePlanWorkflow` in workflows/maintenance-plan.ts). */
export const maintenancePlanWorkflowType = 'maintenancePlanWorkflow';

/** Where a plan's run starts: from scratch, or where the run it continues left off. */
export interface MaintenancePlanInput {
  planId: string;
  /** Occurrences due at or before this were handled (started, recorded missed or skipped). */
  processedUntil?: number;
  /** The pauses it saw, so occurrences they covered are recorded as skipped after an outage too. */
  pauses?: PauseWindow[];
}

/** What the engine is doing now. */
export interface MaintenancePlanView {
  planId: string;
  processedUntil: number | null;
  /** When it will next wake to start a task (null: waiting for the open task of a floating plan). */
  nextWakeAt: number | null;
  pauses: PauseWindow[];
  started: number;
}

/** The plan was changed, paused, resumed or retired in PostgreSQL: read it again now. */
export const planChangedSignal = defineSignal('planChanged');
/** A task of the plan finished (a floating plan counts its next due time from it). */
export const taskFinishedSignal = defineSignal<[{ taskId: string; completedAt: number | null }]>('taskFinished');
/** The engine's position. */
export const planQuery = defineQuery<MaintenancePlanView>('plan');
