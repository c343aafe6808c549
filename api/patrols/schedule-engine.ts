/** Patrol schedules as a kind of recurring plan for the Temporal plan engine: `patrolScheduleWorkflow`, `patrol-schedule:<scheduleId>`. */
import { liveScheduleIds } from '../../db/patrols.js';
import { patrolScheduleWorkflowId, patrolScheduleWorkflowType } from '../../workflows/patrol-schedule.contract.js';
import type { PlanWorkflowKind } from '../recurring-plans/temporal-engine.js';

export const patrolScheduleWorkflows: PlanWorkflowKind = {
  noun: 'patrol schedule',
  workflowType: patrolScheduleWorkflowType,
  workflowId: patrolScheduleWorkflowId,
  livePlanIds: liveScheduleIds,
};
