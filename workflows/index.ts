/** Every workflow type the worker runs. */
export { complaintWorkflow } from './complaint.js';
export { workOrderWorkflow } from './work-order.js';
