/**
 * A patrol schedule's workflow (`patrol-schedule:<scheduleId>`): the recurring-plan engine
 * (workflows/shared/recurring-plan.ts) whose occurrence is a patrol round
 * `patrol:<route>:<due>`, started while its route is in service.
 */
import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import { patrolRoundWorkflow } from './patrol-round.js';
import { roundWorkflowId } from './patrol-round.contract.js';
import type { PatrolScheduleForEngine, PatrolScheduleInput } from './patrol-schedule.contract.js';
import { databaseActivity } from './shared/process.js';
import type { RecurringPlanResult } from './shared/recurring-plan.contract.js';
import { runRecurringPlan, startOccurrence, type PlanKind } from './shared/recurring-plan.js';

type Activities = ReturnType<typeof createActivities>;

const { loadPatrolSchedule } = proxyActivities<Activities>(databaseActivity);

const patrolSchedules: PlanKind<PatrolScheduleForEngine> = {
  load: (planId) => loadPatrolSchedule({ scheduleId: planId }),
  starter: ({ round }) =>
    round
      ? (o) => startOccurrence(patrolRoundWorkflow, roundWorkflowId(round.routeId, o.due), { ...round, due: o.due, late: o.late, ...(o.outcome ? { outcome: o.outcome } : {}) })
      : null,
};

/** A patrol schedule, from its creation until it is retired. */
export async function patrolScheduleWorkflow(input: PatrolScheduleInput): Promise<RecurringPlanResult> {
  const end = await runRecurringPlan(input, patrolSchedules);
  return 'continueWith' in end ? continueAsNew<typeof patrolScheduleWorkflow>(end.continueWith) : end;
}
