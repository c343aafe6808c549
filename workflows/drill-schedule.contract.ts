/**
 * What the outside world may know about a drill schedule's workflow (`drill-schedule:<id>`):
 * the recurring-plan engine whose occurrence is a scheduled drill. Its signals and query are
 * every recurring plan's (workflows/shared/recurring-plan.contract.ts).
 */

/** The registered name of the schedule workflow (`drillScheduleWorkflow` in workflows/drill-schedule.ts). */
export const drillScheduleWorkflowType = 'drillScheduleWorkflow';

/** Workflow ID of a drill schedule. */
export const drillScheduleWorkflowId = (scheduleId: string): string => `drill-schedule:${scheduleId}`;
