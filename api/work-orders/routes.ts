/** Repair and service requests: create (idempotent), read, list, and every staff step as a workflow update. */
import type { WorkflowHandle } from '@temporalio/client';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getSlaPolicy, listStaff } from '../../db/reference.js';
import { allocateWorkOrderId, claimIdempotencyKey, getWorkOrderRow, listWorkOrders, requestHash, type WorkOrderRow } from '../../db/work-orders.js';
import { toPolicySnapshot } from '../../domain/sla-policy.js';
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
  type WorkOrderInput,
  type WorkOrderState,
  type WorkOrderStatus,
} from '../../workflows/work-order.contract.js';
import { actorOf, requirePropertyAccess, requireRole, visibleProperties } from '../auth.js';
import { maskPhone } from '../common.js';
import { badRequest, commonErrors, conflict, HttpProblem } from '../errors.js';
import { processPlace, readVisible, startProcess, withinDeadline } from '../process-calls.js';
import { decodeCursor, encodeCursor, isoOrNull, iso, presentDeadlines, presentTimeline } from '../process-views.js';
import {
  completeBody,
  createWorkOrderBody,
  dispatchBody,
  emptyBody,
  idempotencyHeaders,
  listQuery,
  optionalReasonBody,
  orderParams,
  reasonBody,
  revisitBody,
  workOrder,
  workOrderSummary,
} from './schemas.js';

/** The workflow's state in the API's shape: ISO times, the reporter's phone for staff who call back. */
/** `phone` stands in while the order's first step is not projected yet (a reply to its create). */
function present(state: WorkOrderState, row: WorkOrderRow | undefined, req: FastifyRequest, phone: string | null = row?.reporterPhone ?? null): z.infer<typeof workOrder> {
  return {
    id: state.orderId,
    workflowId: workOrderWorkflowId(state.orderId),
    propertyId: state.propertyId,
    location: state.location,
    category: state.category,
    priority: state.priority,
    channel: state.channel,
    description: state.description,
    photos: state.photos,
    reporter: { name: state.reporterName, phone: req.user.role === 'auditor' ? maskPhone(phone) : phone },
    status: state.status,
    ...(state.holdReason ? { holdReason: state.holdReason } : {}),
    assignee: state.assignee ?? null,
    deadlines: presentDeadlines(state.deadlines),
    escalations: state.escalations.map((e) => ({ ...e, deadline: iso(e.deadline), firedAt: iso(e.firedAt) })),
    rectifications: { count: state.rectifications.count, reasons: state.rectifications.reasons.map((r) => ({ ...r, at: iso(r.at) })) },
    completion: state.completion ? { ...state.completion, at: iso(state.completion.at) } : null,
    revisits: state.revisits.map((r) => ({ ...r, at: iso(r.at) })),
    satisfaction: state.satisfaction ?? null,
    ...(state.cancelReason ? { cancelReason: state.cancelReason } : {}),
    policyVersion: state.policy.version,
    createdBy: state.createdBy,
    createdAt: iso(state.createdAt),
    closedAt: isoOrNull(state.closedAt),
    timeline: presentTimeline(state.timeline),
  };
}

function summarise(row: WorkOrderRow): z.infer<typeof workOrderSummary> {
  return {
    id: row.id,
    propertyId: row.propertyId,
    location: row.unitCode ?? row.commonArea,
    category: row.category,
    priority: row.priority,
    channel: row.channel,
    description: row.description,
    status: row.status,
    assignee: row.assigneeId && row.assigneeName ? { id: row.assigneeId, name: row.assigneeName } : null,
    rectifications: row.rectifications,
    escalationLevel: row.escalationLevel,
    nextDeadline: row.nextDeadline?.toISOString() ?? null,
    overdue: row.nextDeadline !== null && row.nextDeadline.getTime() < Date.now(),
    satisfaction: row.satisfaction,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    closedAt: row.closedAt?.toISOString() ?? null,
  };
}

export const workOrderRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal, taskQueue } = app.deps;
  // How long a request waits for the worker to answer a query or finish a step.
  const stepDeadlineMs = app.deps.stepTimeoutMs ?? 20_000;
  const handleOf = (id: string): WorkflowHandle => temporal.workflow.getHandle(workOrderWorkflowId(id));

  /**
   * The live state from the workflow (a finished order is read back by replaying its
   * history). A worker that does not answer within the deadline is a 503, not a hang.
   */
  const readState = (id: string): Promise<WorkOrderState> =>
    withinDeadline(temporal, stepDeadlineMs, `work order ${id}`, 'no worker answered; the list (GET /v1/work-orders) still reads the projection', () =>
      handleOf(id).query(workOrderQuery),
    );

  /** Load the order's projection row and check the caller may see its property. */
  const orderFor = async (req: FastifyRequest, id: string): Promise<WorkOrderRow | undefined> => {
    const row = await getWorkOrderRow(db, id);
    if (row) {
      requirePropertyAccess(req, row.propertyId);
      return row;
    }
    // Not projected yet (created a moment ago): the workflow itself knows its property.
    const state = await readState(id);
    requirePropertyAccess(req, state.propertyId);
    return undefined;
  };

  app.post(
    '/work-orders',
    {
      schema: {
        tags: ['work-orders'],
        summary: 'Register a repair or service request; it dispatches itself',
        headers: idempotencyHeaders,
        body: createWorkOrderBody,
        response: { 200: workOrder, 201: workOrder, ...commonErrors, 503: commonErrors[409] },
      },
    },
    async (req, reply) => {
      const body = req.body;
      requireRole(req, receiverRoles, 'register work orders');
      const { property, unit, policy } = await processPlace(db, req, { propertyId: body.propertyId, unitId: body.location.unitId }, getSlaPolicy(db, body.propertyId, body.category));
      if (!policy) throw conflict(`property ${body.propertyId} has no SLA policy for ${body.category}: set one with PUT /v1/properties/${body.propertyId}/sla-policies/${body.category}`);

      const key = req.headers['idempotency-key'];
      const allocate = () => allocateWorkOrderId(db, property.timezone);
      let orderId: string;
      let replayed = false;
      if (key) {
        const claim = await claimIdempotencyKey(db, `work-order:${req.user.sub}`, key, requestHash(body), allocate);
        if (!claim.sameRequest) throw conflict('Idempotency-Key was already used for a different request');
        orderId = claim.resourceId;
        replayed = !claim.fresh;
      } else {
        orderId = await allocate();
      }

      const input: WorkOrderInput = {
        orderId,
        propertyId: body.propertyId,
        location: {
          ...(unit ? { unitId: unit.id, unitCode: unit.code } : {}),
          ...(body.location.commonArea ? { commonArea: body.location.commonArea } : {}),
        },
        category: body.category,
        priority: body.priority,
        channel: body.channel,
        description: body.description,
        photos: body.photos,
        reporter: { name: body.reporter.name, ...(body.reporter.phone ? { phone: body.reporter.phone } : {}) },
        createdBy: actorOf(req),
        policy: toPolicySnapshot(policy),
      };
      await startProcess(temporal, { workflowType: 'workOrderWorkflow', workflowId: workOrderWorkflowId(orderId), taskQueue, args: [input], replayed });
      // The order exists from here on: if no worker answers yet, say so rather than fail the create.
      const state = await readState(orderId).catch((err: unknown) => {
        if (err instanceof HttpProblem && err.statusCode === 503) return newWorkOrderState(input, Date.now());
        throw err;
      });
      return reply
        .status(replayed ? 200 : 201)
        .header('location', `/v1/work-orders/${orderId}`)
        .header('idempotent-replayed', String(replayed))
        .send(present(state, undefined, req, input.reporter.phone ?? null));
    },
  );

  app.get(
    '/work-orders',
    { schema: { tags: ['work-orders'], summary: 'List orders from the projection, newest first', querystring: listQuery, response: { 200: z.object({ items: z.array(workOrderSummary), nextCursor: z.string().nullable() }), ...commonErrors } } },
    async (req) => {
      const q = req.query;
      if (q.propertyId) requirePropertyAccess(req, q.propertyId);
      const page = await listWorkOrders(db, {
        propertyIds: visibleProperties(req),
        propertyId: q.propertyId,
        status: q.status,
        category: q.category,
        assigneeId: q.assigneeId,
        overdue: q.overdue,
        limit: q.limit,
        cursor: q.cursor ? decodeCursor(q.cursor) : undefined,
      });
      return { items: page.items.map(summarise), nextCursor: page.next ? encodeCursor(page.next) : null };
    },
  );

  app.get(
    '/work-orders/:id',
    { schema: { tags: ['work-orders'], summary: 'One order: status, deadlines, escalations, rectifications, timeline', params: orderParams, response: { 200: workOrder, ...commonErrors } } },
    async (req) => {
      const { row, state } = await readVisible(req, getWorkOrderRow(db, req.params.id), readState(req.params.id));
      return present(state, row, req);
    },
  );

  /** Run a staff step as a workflow update; the validator's verdict becomes 400/403/409. */
  const step = async (req: FastifyRequest, id: string, run: (h: WorkflowHandle) => Promise<WorkOrderState>) => {
    const row = await orderFor(req, id);
    if (row && finalWorkOrderStatuses.includes(row.status as WorkOrderStatus)) {
      throw new HttpProblem(409, 'illegal_transition', `work order ${id} is ${row.status}: no further steps`, { status: row.status });
    }
    const state = await withinDeadline(temporal, stepDeadlineMs, `work order ${id}`, 'no worker answered in time; the step may still be applied, read the order back before retrying', () =>
      run(handleOf(id)),
    );
    return present(state, row ?? (await getWorkOrderRow(db, id)), req);
  };

  const actionSchema = <B extends z.ZodType>(summary: string, body: B) => ({
    schema: { tags: ['work-orders'], summary, params: orderParams, body, response: { 200: workOrder, ...commonErrors } },
  });

  app.post('/work-orders/:id/dispatch', actionSchema('Reassign by hand (dispatcher or above)', dispatchBody), async (req) => {
    const row = await orderFor(req, req.params.id);
    const propertyId = row?.propertyId ?? (await readState(req.params.id)).propertyId;
    const candidates = await listStaff(db, propertyId, { active: true });
    const assignee = candidates.find((s) => s.id === req.body.assigneeId);
    if (!assignee) throw badRequest('body.assigneeId', `is not an active staff member of ${propertyId}`);
    if (!fieldRoles.includes(assignee.role as never)) throw badRequest('body.assigneeId', `${assignee.name} is a ${assignee.role}, not field staff`);
    return step(req, req.params.id, (h) =>
      h.executeUpdate(dispatchUpdate, { args: [{ actor: actorOf(req), assignee: { id: assignee.id, name: assignee.name }, ...(req.body.reason ? { reason: req.body.reason } : {}) }] }),
    );
  });
  app.post('/work-orders/:id/accept', actionSchema('The assignee takes the job (stops the respond clock)', emptyBody), async (req) =>
    step(req, req.params.id, (h) => h.executeUpdate(acceptUpdate, { args: [{ actor: actorOf(req) }] })),
  );
  app.post('/work-orders/:id/arrive', actionSchema('Someone is on site (stops the arrive clock)', emptyBody), async (req) =>
    step(req, req.params.id, (h) => h.executeUpdate(arriveUpdate, { args: [{ actor: actorOf(req) }] })),
  );
  app.post('/work-orders/:id/complete', actionSchema('Work done: summary, materials, photos (starts the revisit clock)', completeBody), async (req) =>
    step(req, req.params.id, (h) => h.executeUpdate(completeUpdate, { args: [{ actor: actorOf(req), ...req.body }] })),
  );
  app.post('/work-orders/:id/revisit', actionSchema('Callback result: satisfied closes, unsatisfied sends it back for rectification', revisitBody), async (req) =>
    step(req, req.params.id, (h) =>
      h.executeUpdate(revisitUpdate, { args: [{ actor: actorOf(req), satisfied: req.body.satisfied, score: req.body.score, ...(req.body.comment ? { comment: req.body.comment } : {}) }] }),
    ),
  );
  app.post('/work-orders/:id/hold', actionSchema('Put on hold (pauses every clock)', reasonBody), async (req) =>
    step(req, req.params.id, (h) => h.executeUpdate(holdUpdate, { args: [{ actor: actorOf(req), reason: req.body.reason }] })),
  );
  app.post('/work-orders/:id/resume', actionSchema('End the hold (deadlines move by the time on hold)', optionalReasonBody), async (req) =>
    step(req, req.params.id, (h) => h.executeUpdate(resumeUpdate, { args: [{ actor: actorOf(req), ...(req.body?.reason ? { reason: req.body.reason } : {}) }] })),
  );
  app.post('/work-orders/:id/cancel', actionSchema('Cancel, with a reason', reasonBody), async (req) =>
    step(req, req.params.id, (h) => h.executeUpdate(cancelUpdate, { args: [{ actor: actorOf(req), reason: req.body.reason }] })),
  );
};
