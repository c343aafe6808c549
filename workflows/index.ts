/** Every workflow type the worker runs. */
export { workOrderWorkflow } from './work-order.js';
