/**
 * A drill schedule's workflow (`drill-schedule:<id>`): the recurring-plan engine
 * (workflows/shared/recurring-plan.ts) whose occurrence is a drill, an incident workflow of
 * kind `drill` that waits for staff to start it and escalates if it is not held by the end
 * of its window. Started once the property has a plan for the schedule's type.
 */
import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { DrillScheduleForEngine } from '../activities/emergency.js';
import { incidentWorkflow } from './incident.js';
import { incidentWorkflowId, scheduledDrillId, type IncidentInput } from './incident.contract.js';
import { databaseActivity } from './shared/process.js';
import type { PlanOccurrence, RecurringPlanInput, RecurringPlanResult } from './shared/recurring-plan.contract.js';
import { runRecurringPlan, startOccurrence, type PlanKind } from './shared/recurring-plan.js';
import { systemActor } from './shared/steps.js';

type Activities = ReturnType<typeof createActivities>;

const { loadDrillSchedule } = proxyActivities<Activities>(databaseActivity);

const drillSchedules: PlanKind<DrillScheduleForEngine> = {
  load: (planId) => loadDrillSchedule({ planId }),
  starter: (schedule) => {
    const plan = schedule.plan;
    if (!plan) return null;
    return (o) => startOccurrence(incidentWorkflow, incidentWorkflowId(scheduledDrillId(schedule.id, o.due)), drillInput(schedule, plan, o));
  },
};

/** A drill schedule, from its creation until it is retired. */
export async function drillScheduleWorkflow(input: RecurringPlanInput): Promise<RecurringPlanResult> {
  const end = await runRecurringPlan(input, drillSchedules);
  return 'continueWith' in end ? continueAsNew<typeof drillScheduleWorkflow>(end.continueWith) : end;
}

/** One occurrence's drill, on the plan as it stands now. */
function drillInput(schedule: DrillScheduleForEngine, plan: NonNullable<DrillScheduleForEngine['plan']>, o: PlanOccurrence): IncidentInput {
  return {
    incidentId: scheduledDrillId(schedule.id, o.due),
    propertyId: schedule.propertyId,
    kind: 'drill',
    incidentType: schedule.incidentType,
    severity: 'minor',
    buildingIds: schedule.buildingIds,
    unitIds: [],
    attributes: {},
    description: `scheduled ${schedule.incidentType.replaceAll('_', ' ')} drill`,
    createdBy: systemActor,
    plan,
    scheduled: { scheduleId: schedule.id, due: o.due, holdBy: o.due + schedule.holdWithinMs, ...(o.outcome ? { outcome: o.outcome } : {}) },
  };
}
