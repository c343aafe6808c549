/** Every workflow type the worker runs. */
export { auditReplayWorkflow } from './audit-replay.js';
export { complaintWorkflow } from './complaint.js';
export { drillScheduleWorkflow } from './drill-schedule.js';
export { improvementActionWorkflow } from './improvement-action.js';
export { incidentWorkflow } from './incident.js';
export { maintenancePlanWorkflow } from './maintenance-plan.js';
export { maintenanceTaskWorkflow } from './maintenance-task.js';
export { workOrderWorkflow } from './work-order.js';
