/**
 * Repair orders a process starts as child workflows (a complaint's, a hazard's, an
 * incident's): started with the abandon policy, so closing the parent never stops a repair
 * in progress, and listed before the start completes, so a step arriving meanwhile already
 * sees it open. Deterministic workflow code.
 */
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { ParentClosePolicy, startChild, type ChildWorkflowHandle } from '@temporalio/workflow';
import type { Actor } from '../../domain/roles.js';
import type { workOrderWorkflow } from '../work-order.js';
import { workOrderWorkflowId, type WorkOrderInput, type WorkOrderStatus } from '../work-order.contract.js';
import type { StepHandlers, StepOptions } from './process.js';
import { invalidArgument, processErrors, systemActor, type StepNotification, type StepOutcome } from './steps.js';

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

/** What the API sends to start a repair order: the order as it prepared it (number allocated, the property's SLA policy read). */
export interface RepairOrderArgs {
  actor: Actor;
  order: WorkOrderInput;
}

/** The parts of the process kit the repair-order step uses. */
interface Kit<A extends string> {
  step: <Args extends { actor: Actor }>(update: UpdateDefinition<StepOutcome, [Args]>, action: A, h: StepHandlers<Args>) => void;
  record: (action: string, actor: Actor, opts?: StepOptions) => Promise<unknown>;
}

/**
 * The step that starts a repair order as a child of a process, records `work-order.started`,
 * and `work-order.finished` (telling whom `finished` names) when the child ends. With
 * `waitForChildren` the process ends only after every order it started has finished and
 * been recorded; without, it may end with an order still running, and waits only for the
 * record of a finish that arrived while it ran. A retried request changes nothing.
 */
export function repairOrderStep<A extends string>(
  p: Kit<A>,
  update: UpdateDefinition<StepOutcome, [RepairOrderArgs]>,
  action: A,
  o: {
    links: RepairOrderLink[];
    /** The process's property and what it is called, for the refusal of another property's order. */
    owner: { propertyId: string; noun: string };
    status: () => string;
    finished: (link: RepairOrderLink) => StepNotification | undefined;
    background: Promise<unknown>[];
    waitForChildren: boolean;
    validate?: (args: RepairOrderArgs) => void;
  },
): void {
  const finish = (link: RepairOrderLink, status: RepairOrderLink['status']): Promise<unknown> => {
    link.status = status;
    link.finishedAt = Date.now();
    const notify = o.finished(link);
    const recorded = p.record('work-order.finished', systemActor, { detail: { orderId: link.orderId, status }, ...(notify ? { notify } : {}) });
    if (!o.waitForChildren) o.background.push(recorded);
    return recorded;
  };
  p.step(update, action, {
    alreadyApplied: ({ order }) => o.links.some((l) => l.orderId === order.orderId),
    validate: (args) => {
      if (args.order.propertyId !== o.owner.propertyId) throw invalidArgument('propertyId', `must be the ${o.owner.noun}'s property ${o.owner.propertyId}`);
      o.validate?.(args);
    },
    run: async ({ actor, order }) => {
      const { link, child } = await startRepairOrder(o.links, order, actor, { status: o.status(), action });
      const followed = child.result().then(
        (result) => finish(link, result.status),
        () => finish(link, 'failed'),
      );
      if (o.waitForChildren) o.background.push(followed);
      await p.record('work-order.started', actor, { detail: { orderId: order.orderId, category: order.category, priority: order.priority, description: order.description } });
    },
  });
}
