/** Repair and service requests: create (idempotent), read, list, and every staff step as a workflow update. */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Contact } from '../../db/contacts.js';
import { getSlaPolicy } from '../../db/reference.js';
import { allocateWorkOrderId, getWorkOrderRow, listWorkOrders, type WorkOrderRow } from '../../db/work-orders.js';
import { toPolicySnapshot } from '../../domain/sla-policy.js';
import type { workOrderWorkflow } from '../../workflows/work-order.js';
import {
  acceptUpdate,
  arriveUpdate,
  cancelUpdate,
  completeUpdate,
  dispatchUpdate,
  fieldRoles,
  finalWorkOrderStatuses,
  holdUpdate,
  newWorkOrderState,
  receiverRoles,
  resumeUpdate,
  revisitUpdate,
  workOrderQuery,
  workOrderWorkflowId,
  workOrderWorkflowType,
  type WorkOrderState,
} from '../../workflows/work-order.contract.js';
import { actorOf, requireRole, visibleProperties } from '../auth.js';
import { commonErrors, conflict } from '../errors.js';
import { processPlace, staffMemberFor } from '../process-calls.js';
import { createRouteSchema, processResource, sendCreated, stepRouteSchemas } from '../process-resource.js';
import { decodeCursor, encodeCursor, iso, presentReport, summariseReport } from '../process-views.js';
import {
  completeBody,
  createWorkOrderBody,
  dispatchBody,
  emptyBody,
  listQuery,
  optionalReasonBody,
  orderParams,
  reasonBody,
  revisitBody,
  workOrder,
  workOrderSummary,
} from './schemas.js';

/** The workflow's state in the API's shape: ISO times, the reporter's contact for staff who call back (masked for auditors). */
function present(state: WorkOrderState, contact: Contact | undefined, req: FastifyRequest): z.infer<typeof workOrder> {
  const { contact: reporter, ...report } = presentReport(state, contact, req);
  return {
    ...report,
    id: state.orderId,
    workflowId: workOrderWorkflowId(state.orderId),
    category: state.category,
    priority: state.priority,
    channel: state.channel,
    photos: state.photos,
    reporter,
    status: state.status,
    ...(state.holdReason ? { holdReason: state.holdReason } : {}),
    assignee: state.assignee ?? null,
    escalations: state.escalations.map((e) => ({ ...e, deadline: iso(e.deadline), firedAt: iso(e.firedAt) })),
    rectifications: { count: state.rectifications.count, reasons: state.rectifications.reasons.map((r) => ({ ...r, at: iso(r.at) })) },
    completion: state.completion ? { ...state.completion, at: iso(state.completion.at) } : null,
    revisits: state.revisits.map((r) => ({ ...r, at: iso(r.at) })),
    ...(state.cancelReason ? { cancelReason: state.cancelReason } : {}),
  };
}

function summarise(row: WorkOrderRow): z.infer<typeof workOrderSummary> {
  return {
    ...summariseReport(row),
    assignee: row.assigneeId && row.assigneeName ? { id: row.assigneeId, name: row.assigneeName } : null,
    rectifications: row.rectifications,
  };
}

export const workOrderRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;
  const orders = processResource<typeof workOrderWorkflow, WorkOrderState, WorkOrderRow>(app, {
    noun: 'work order',
    list: '/v1/work-orders',
    workflowType: workOrderWorkflowType,
    workflowId: workOrderWorkflowId,
    query: workOrderQuery,
    row: (id) => getWorkOrderRow(db, id),
    final: finalWorkOrderStatuses,
  });
  const shown = orders.shownAs((req, state, contact) => present(state, contact, req));

  app.post(
    '/work-orders',
    createRouteSchema({ tag: 'work-orders', summary: 'Register a repair or service request; it dispatches itself', body: createWorkOrderBody, reply: workOrder }),
    async (req, reply) => {
      const body = req.body;
      requireRole(req, receiverRoles, 'register work orders');
      const { property, location, policy } = await processPlace(db, req, { propertyId: body.propertyId, ...body.location }, getSlaPolicy(db, body.propertyId, body.category));
      if (!policy) throw conflict(`property ${body.propertyId} has no SLA policy for ${body.category}: set one with PUT /v1/properties/${body.propertyId}/sla-policies/${body.category}`);
      const created = await orders.create(
        req,
        {
          scope: 'work-order',
          request: body,
          allocate: () => allocateWorkOrderId(db, property.timezone),
          propertyId: body.propertyId,
          contact: body.reporter,
          input: (orderId) => ({
            orderId,
            propertyId: body.propertyId,
            location,
            category: body.category,
            priority: body.priority,
            channel: body.channel,
            description: body.description,
            photos: body.photos,
            createdBy: actorOf(req),
            policy: toPolicySnapshot(policy),
          }),
        },
        (input) => newWorkOrderState(input, Date.now()),
      );
      return sendCreated(reply, `/v1/work-orders/${created.id}`, created.replayed, present(created.state, created.contact, req));
    },
  );

  app.get(
    '/work-orders',
    { schema: { tags: ['work-orders'], summary: 'List orders from the projection, newest first', querystring: listQuery, response: { 200: z.object({ items: z.array(workOrderSummary), nextCursor: z.string().nullable() }), ...commonErrors } } },
    async (req) => {
      const q = req.query;
      // Another property's filter finds nothing, exactly as an unknown property's does.
      const page = await listWorkOrders(db, { ...q, propertyIds: visibleProperties(req), cursor: q.cursor ? decodeCursor(q.cursor) : undefined });
      return { items: page.items.map(summarise), nextCursor: page.next ? encodeCursor(page.next) : null };
    },
  );

  app.get(
    '/work-orders/:id',
    { schema: { tags: ['work-orders'], summary: 'One order: status, deadlines, escalations, rectifications, timeline', params: orderParams, response: { 200: workOrder, ...commonErrors } } },
    async (req) => {
      return shown.read(req, req.params.id);
    },
  );

  // A staff step answers with the order as it stands after it.
  const { step } = shown;
  const actionSchema = stepRouteSchemas('work-orders', orderParams, workOrder);

  app.post('/work-orders/:id/dispatch', actionSchema('Reassign by hand (dispatcher or above)', dispatchBody), async (req) => {
    const propertyId = await orders.propertyOf(req, req.params.id);
    const assignee = await staffMemberFor(db, propertyId, req.body.assigneeId, 'assigneeId', fieldRoles, 'field staff');
    return step(req, req.params.id, dispatchUpdate, { actor: actorOf(req), assignee: { id: assignee.id, name: assignee.name }, ...(req.body.reason ? { reason: req.body.reason } : {}) });
  });
  app.post('/work-orders/:id/accept', actionSchema('The assignee takes the job (stops the respond clock)', emptyBody), async (req) => step(req, req.params.id, acceptUpdate, { actor: actorOf(req) }));
  app.post('/work-orders/:id/arrive', actionSchema('Someone is on site (stops the arrive clock)', emptyBody), async (req) => step(req, req.params.id, arriveUpdate, { actor: actorOf(req) }));
  app.post('/work-orders/:id/complete', actionSchema('Work done: summary, materials, photos (starts the revisit clock)', completeBody), async (req) =>
    step(req, req.params.id, completeUpdate, { actor: actorOf(req), ...req.body }),
  );
  app.post('/work-orders/:id/revisit', actionSchema('Callback result: satisfied closes, unsatisfied sends it back for rectification', revisitBody), async (req) =>
    step(req, req.params.id, revisitUpdate, { actor: actorOf(req), satisfied: req.body.satisfied, score: req.body.score, ...(req.body.comment ? { comment: req.body.comment } : {}) }),
  );
  app.post('/work-orders/:id/hold', actionSchema('Put on hold (pauses every clock)', reasonBody), async (req) => step(req, req.params.id, holdUpdate, { actor: actorOf(req), reason: req.body.reason }));
  app.post('/work-orders/:id/resume', actionSchema('End the hold (deadlines move by the time on hold)', optionalReasonBody), async (req) =>
    step(req, req.params.id, resumeUpdate, { actor: actorOf(req), ...(req.body?.reason ? { reason: req.body.reason } : {}) }),
  );
  app.post('/work-orders/:id/cancel', actionSchema('Cancel, with a reason', reasonBody), async (req) => step(req, req.params.id, cancelUpdate, { actor: actorOf(req), reason: req.body.reason }));
};
