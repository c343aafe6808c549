/**
 * Repair orders started from another process (a complaint, a hazard, an incident): the body
 * such a route takes, and what the API does before the parent's workflow starts the child —
 * the order number claimed (a retry with the same Idempotency-Key gets the same one), the
 * property's SLA policy for the category read (409 without one), the location checked, and
 * the reporter's contact stored under the order, never in its workflow input.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { saveContact } from '../db/contacts.js';
import { getSlaPolicy } from '../db/reference.js';
import { allocateWorkOrderId } from '../db/work-orders.js';
import { workOrderCategories } from '../domain/categories.js';
import { toPolicySnapshot } from '../domain/sla-policy.js';
import { workOrderPriorities, workOrderWorkflowId, type WorkOrderChannel, type WorkOrderInput } from '../workflows/work-order.contract.js';
import type { RepairOrderLink } from '../workflows/shared/repair-orders.js';
import type { ProcessLocation } from '../workflows/shared/steps.js';
import { actorOf } from './auth.js';
import { conflict } from './errors.js';
import { processPlace } from './process-calls.js';
import { claimId, createRouteSchema, sendCreated } from './process-resource.js';
import { actorSchema, iso, isoOrNull, isoSchema } from './process-views.js';
import { createWorkOrderBody } from './work-orders/schemas.js';

// The same rules as for repair orders reported directly: a unit or a common area; photos as links.
const { location, photos, description } = createWorkOrderBody.shape;

/** The body of every "start a repair order from this process" route. */
export const repairOrderBody = z
  .object({
    category: z.enum(workOrderCategories),
    description,
    priority: z.enum(workOrderPriorities).default('normal'),
    location: location.optional().meta({ description: "defaults to the process's own location" }),
    photos,
  })
  .strict();
export type RepairOrderBody = z.infer<typeof repairOrderBody>;

/** The route options of "start a repair order from this process": the parent in the reply, 201 (200 for a replayed Idempotency-Key). */
export function repairOrderRouteSchema<P extends z.ZodType, R extends z.ZodType>(tag: string, summary: string, params: P, parent: R) {
  const { schema } = createRouteSchema({ tag, summary, body: repairOrderBody, reply: parent });
  return { schema: { ...schema, params } };
}

/** The process a repair order is started from. */
export interface RepairOrderParent {
  /** Idempotency scope, e.g. `hazard-work-order`. */
  scope: string;
  /** How its messages name it: `hazard HZ-20261201-0001`. */
  label: string;
  id: string;
  propertyId: string;
  /** Where the repair is when the body does not say. */
  location: ProcessLocation;
  channel: WorkOrderChannel;
  /** The repair's reporter, stored under the order: a name (and a phone only when it is a person's own). */
  contact: { name: string; phone?: string | null | undefined };
}

/**
 * Start a repair order from a process: the order is prepared for `parent` (where, and who
 * reported it), and `step` hands it to the process's workflow and answers with the process;
 * the reply is 201 with the order's location (200 for a replayed key).
 */
export async function startRepairOrderFrom<R>(req: FastifyRequest, reply: FastifyReply, body: RepairOrderBody, parent: RepairOrderParent, step: (order: WorkOrderInput) => Promise<R>) {
  const { order, replayed } = await prepareRepairOrder(req, parent, body);
  return sendCreated(reply, `/v1/work-orders/${order.orderId}`, replayed, await step(order));
}

/** Prepare the order to hand to the parent's workflow. */
export async function prepareRepairOrder(req: FastifyRequest, parent: RepairOrderParent, body: RepairOrderBody): Promise<{ order: WorkOrderInput; replayed: boolean }> {
  const { db } = req.server.deps;
  const place = await processPlace(db, req, { propertyId: parent.propertyId, ...body.location }, getSlaPolicy(db, parent.propertyId, body.category));
  const { property, policy } = place;
  if (!policy) throw conflict(`property ${parent.propertyId} has no SLA policy for ${body.category}: set one with PUT /v1/properties/${parent.propertyId}/sla-policies/${body.category}`);
  const { id: orderId, replayed } = await claimId(req, parent.scope, { id: parent.id, ...body }, () => allocateWorkOrderId(db, property.timezone));
  const { name, phone } = parent.contact;
  await saveContact(db, workOrderWorkflowId(orderId), parent.propertyId, { name, ...(phone ? { phone } : {}) });
  const order: WorkOrderInput = {
    orderId,
    propertyId: parent.propertyId,
    location: body.location ? place.location : parent.location,
    category: body.category,
    priority: body.priority,
    channel: parent.channel,
    description: `${body.description} (${parent.label})`,
    photos: body.photos,
    createdBy: actorOf(req),
    policy: toPolicySnapshot(policy),
  };
  return { order, replayed };
}

/** A repair order as the process that started it lists it. */
export const repairOrderLinkSchema = z.object({
  orderId: z.string(),
  category: z.string(),
  startedAt: isoSchema,
  startedBy: actorSchema,
  status: z.string().meta({ description: 'open until the order finishes, then how it finished (closed, cancelled, failed)' }),
  finishedAt: isoSchema.nullable(),
});

export function presentRepairOrderLinks(links: readonly RepairOrderLink[]): z.infer<typeof repairOrderLinkSchema>[] {
  return links.map((o) => ({ orderId: o.orderId, category: o.category, startedAt: iso(o.startedAt), startedBy: o.startedBy, status: o.status, finishedAt: isoOrNull(o.finishedAt) }));
}
