/** Every workflow type the worker runs. */
export { auditReplayWorkflow } from './audit-replay.js';
export { complaintWorkflow } from './complaint.js';
export { workOrderWorkflow } from './work-order.js';
