/**
 * What the outside world may know about a maintenance plan's workflow (`pm-plan:<planId>`):
 * the recurring-plan engine (workflows/shared/recurring-plan.ts) starting one maintenance
 * task per occurrence. Its signals and query are the engine's.
 */
import type { RecurringPlanInput, RecurringPlanView } from './shared/recurring-plan.contract.js';

export { planWorkflowId } from '../domain/maintenance-schedule.js';
export { planChangedSignal, planQuery, taskFinishedSignal } from './shared/recurring-plan.contract.js';

/** The registered name of the plan workflow (`maintenancePlanWorkflow` in workflows/maintenance-plan.ts). */
export const maintenancePlanWorkflowType = 'maintenancePlanWorkflow';

/** Where a plan's run starts: from scratch, or where the run it continues left off. */
export type MaintenancePlanInput = RecurringPlanInput;

/** What the engine is doing now. */
export type MaintenancePlanView = RecurringPlanView;
