/** All activities, built over their dependencies. Workflows proxy `ReturnType<typeof createActivities>`. */
import type { Logger } from 'pino';
import type { Db } from '../db/index.js';
import { defaultTaskLeadMs } from '../domain/maintenance.js';
import { assignTechnicianActivity } from './dispatch.js';
import { findRespondersActivity, loadDrillScheduleActivity } from './emergency.js';
import { deliverNotificationsActivity } from './notifications.js';
import type { Notifier } from './notifier.js';
import { loadComplaintPolicyActivity, loadSlaPolicyActivity } from './policies.js';
import { defectRepairedActivity, loadMaintenancePlanActivity, prepareDefectOrderActivity } from './maintenance.js';
import { classifyingErrors } from './errors.js';
import { loadPatrolScheduleActivity } from './patrols.js';
import { recordFailedStepActivity, recordStepActivity } from './record-step.js';

export interface ActivityDeps {
  db: Db;
  notifier: Notifier;
  logger: Logger;
  /** How long before it opens a maintenance task is started; `defaultTaskLeadMs` when absent. */
  taskLeadMs?: number;
}

export function createActivities(deps: ActivityDeps) {
  const deliverNotifications = deliverNotificationsActivity(deps.db, deps.notifier);
  // A value the database refuses fails at once (non-retryable, named); an outage retries.
  return classifyingErrors({
    /** Write one process step: projection, audit row, SLA event record, outbox rows, in one transaction. */
    recordStep: recordStepActivity(deps.db, deliverNotifications),
    /** Record a step that cannot be written: the step sanitised as far as it goes, the failure, the flag, the message to dispatcher and admin. */
    recordFailedStep: recordFailedStepActivity(deps.db, deliverNotifications),
    /** Pick the least-loaded active field worker of a department (automatic dispatch). */
    assignTechnician: assignTechnicianActivity(deps.db),
    /** The SLA policy in force now for a property and category. */
    loadSlaPolicy: loadSlaPolicyActivity(deps.db),
    /** The complaint policy in force now for a property and priority. */
    loadComplaintPolicy: loadComplaintPolicyActivity(deps.db),
    /** Send outbox rows through the configured channel. */
    deliverNotifications,
    /** A maintenance plan as its engine runs it: schedule, window, checklist, who, last completion. */
    loadMaintenancePlan: loadMaintenancePlanActivity(deps.db, deps.taskLeadMs ?? defaultTaskLeadMs),
    /** The repair order a failed checklist item starts, linked to its equipment. */
    prepareDefectOrder: prepareDefectOrderActivity(deps.db),
    /** Equipment back in service once no repair order raised by a defect on it is open. */
    defectRepaired: defectRepairedActivity(deps.db),
    /** A patrol schedule as its engine runs it, with the round its route gives now. */
    loadPatrolSchedule: loadPatrolScheduleActivity(deps.db),
    /** Who an activating incident pages for each role, and the project managers and directors above them. */
    findResponders: findRespondersActivity(deps.db),
    /** A drill schedule as its engine runs it: series, window, the plan its drills follow. */
    loadDrillSchedule: loadDrillScheduleActivity(deps.db),
  });
}
