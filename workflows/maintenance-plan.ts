/**
 * A maintenance plan's workflow (`pm-plan:<planId>`): the recurring-plan engine
 * (workflows/shared/recurring-plan.ts) whose occurrence is a maintenance task
 * `pm-task:<plan>:<nominal due>`, started once its checklist template exists.
 */
import { continueAsNew, getExternalWorkflowHandle, proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { PlanForEngine } from '../activities/maintenance.js';
import type { MaintenancePlanInput } from './maintenance-plan.contract.js';
import { maintenanceTaskWorkflow } from './maintenance-task.js';
import { taskWorkflowId, type MaintenanceTaskInput } from './maintenance-task.contract.js';
import { databaseActivity } from './shared/process.js';
import { occurrenceWithdrawnSignal, type PlanOccurrence, type RecurringPlanResult } from './shared/recurring-plan.contract.js';
import { runRecurringPlan, startOccurrence, type PlanKind } from './shared/recurring-plan.js';

type Activities = ReturnType<typeof createActivities>;

const { loadMaintenancePlan } = proxyActivities<Activities>(databaseActivity);

const maintenancePlans: PlanKind<PlanForEngine> = {
  load: (planId) => loadMaintenancePlan({ planId }),
  starter: (plan) => {
    const template = plan.template;
    return template ? (o) => startOccurrence(maintenanceTaskWorkflow, taskWorkflowId(plan.id, o.due), taskInput(plan, template, o)) : null;
  },
  // A task that has ended or was never started has nothing to withdraw.
  withdraw: (planId, due, reason) =>
    getExternalWorkflowHandle(taskWorkflowId(planId, due))
      .signal(occurrenceWithdrawnSignal, { reason })
      .catch(() => undefined),
};

/** A maintenance plan, from its creation until it is retired. */
export async function maintenancePlanWorkflow(input: MaintenancePlanInput): Promise<RecurringPlanResult> {
  const end = await runRecurringPlan(input, maintenancePlans);
  return 'continueWith' in end ? continueAsNew<typeof maintenancePlanWorkflow>(end.continueWith) : end;
}

/** One occurrence's task, as the plan stands now. */
function taskInput(plan: PlanForEngine, template: NonNullable<PlanForEngine['template']>, o: PlanOccurrence): MaintenanceTaskInput {
  return {
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
}
