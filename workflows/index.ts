/** Every workflow type the worker runs. */
export { auditReplayWorkflow } from './audit-replay.js';
export { complaintWorkflow } from './complaint.js';
export { hazardWorkflow } from './hazard.js';
export { drillScheduleWorkflow } from './drill-schedule.js';
export { improvementActionWorkflow } from './improvement-action.js';
export { incidentWorkflow } from './incident.js';
export { maintenancePlanWorkflow } from './maintenance-plan.js';
export { maintenanceTaskWorkflow } from './maintenance-task.js';
export { patrolRoundWorkflow } from './patrol-round.js';
export { patrolScheduleWorkflow } from './patrol-schedule.js';
export { workOrderWorkflow } from './work-order.js';
