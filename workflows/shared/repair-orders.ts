/**
 * Repair orders a process starts as child workflows (a complaint's, a hazard's): started
 * with the abandon policy, so closing the parent never stops a repair in progress, and
 * listed before the start completes, so a step arriving meanwhile already sees it open.
 * Deterministic workflow code.
 */
import { ApplicationFailure } from '@temporalio/common';
import { ParentClosePolicy, startChild, type ChildWorkflowHandle } from '@temporalio/workflow';
import type { Actor } from '../../domain/roles.js';
import type { workOrderWorkflow } from '../work-order.js';
import { workOrderWorkflowId, type WorkOrderInput, type WorkOrderStatus } from '../work-order.contract.js';
import { processErrors } from './steps.js';

/** A repair order started by a process; `open` until its workflow finishes. */
export interface RepairOrderLink {
  orderId: string;
  category: string;
  startedAt: number;
  startedBy: Actor;
  status: 'open' | WorkOrderStatus | 'failed';
  finishedAt?: number;
}

/**
 * Start `order` as a child and add its link to `links` (removed again if the start fails,
 * which is a 409 naming `status` and `action`).
 */
export async function startRepairOrder(
  links: RepairOrderLink[],
  order: WorkOrderInput,
  actor: Actor,
  refusal: { status: string; action: string },
): Promise<{ link: RepairOrderLink; child: ChildWorkflowHandle<typeof workOrderWorkflow> }> {
  const link: RepairOrderLink = { orderId: order.orderId, category: order.category, startedAt: Date.now(), startedBy: actor, status: 'open' };
  links.push(link);
  const child = await startChild<typeof workOrderWorkflow>('workOrderWorkflow', {
    workflowId: workOrderWorkflowId(order.orderId),
    args: [order],
    parentClosePolicy: ParentClosePolicy.ABANDON,
  }).catch((err: unknown) => {
    links.splice(links.indexOf(link), 1);
    throw ApplicationFailure.create({
      type: processErrors.illegalTransition,
      message: `repair order ${order.orderId} could not be started: ${err instanceof Error ? err.message : String(err)}`,
      nonRetryable: true,
      details: [refusal],
    });
  });
  return { link, child };
}
