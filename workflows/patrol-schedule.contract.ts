/**
 * What the outside world may know about a patrol schedule's workflow
 * (`patrol-schedule:<scheduleId>`): the recurring-plan engine (workflows/shared/recurring-plan.ts)
 * starting one patrol round per occurrence. Its signals and query are the engine's.
 */
import type { PatrolRoundInput } from './patrol-round.contract.js';
import type { RecurringPlan, RecurringPlanInput } from './shared/recurring-plan.contract.js';

export { planChangedSignal, planQuery } from './shared/recurring-plan.contract.js';

/** The registered name of the schedule workflow (`patrolScheduleWorkflow` in workflows/patrol-schedule.ts). */
export const patrolScheduleWorkflowType = 'patrolScheduleWorkflow';

/** Workflow ID of a patrol schedule. */
export const patrolScheduleWorkflowId = (scheduleId: string): string => `patrol-schedule:${scheduleId}`;

export type PatrolScheduleInput = RecurringPlanInput;

/** A schedule as the engine runs it: the plan shape, and the round each occurrence starts (its route as it stands now). */
export interface PatrolScheduleForEngine extends RecurringPlan {
  /** Everything of a round but its due time and how it is started; null while the route is retired or has no checkpoint. */
  round: Omit<PatrolRoundInput, 'due' | 'late' | 'outcome'> | null;
}
