/**
 * Complaints: register (idempotent), read with timeline, escalations and repair-order
 * progress, list from the projection, statistics, and every staff step as a workflow update.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allocateComplaintId, complaintStats, getComplaintRow, listComplaints, toComplaintPolicySnapshot, type ComplaintRow } from '../../db/complaints.js';
import type { Contact } from '../../db/contacts.js';
import { getComplaintPolicy } from '../../db/reference.js';
import { getWorkOrderRows, type WorkOrderRow } from '../../db/work-orders.js';
import { departmentCodes, type DepartmentCode } from '../../domain/categories.js';
import type { complaintWorkflow } from '../../workflows/complaint.js';
import {
  addWorkOrderUpdate,
  assignUpdate,
  closeUpdate,
  complaintCategories,
  complaintChannels,
  complaintPriorities,
  complaintPriority,
  complaintQuery,
  complaintReceiverRoles,
  complaintStatuses,
  complaintWorkflowId,
  complaintWorkflowType,
  deEscalateUpdate,
  escalateUpdate,
  finalComplaintStatuses,
  handlerRoles,
  newComplaintState,
  resolveUpdate,
  respondUpdate,
  revisitUpdate,
  withdrawUpdate,
  type ComplaintState,
} from '../../workflows/complaint.contract.js';
import { workOrderChannels, type WorkOrderChannel } from '../../workflows/work-order.contract.js';
import { actorOf, requireRole, visibleProperties } from '../auth.js';
import { commonErrors, conflict } from '../errors.js';
import { processPlace, staffMemberFor, statsPeriod } from '../process-calls.js';
import { repairOrderRouteSchema, startRepairOrderFrom } from '../repair-orders.js';
import { createRouteSchema, processResource, sendCreated, stepRouteSchemas } from '../process-resource.js';
import { decodeCursor, encodeCursor, iso, isoOrNull, presentReport, summariseReport } from '../process-views.js';
import {
  assignBody,
  closeBody,
  complaint,
  complaintParams,
  complaintStats as complaintStatsSchema,
  complaintSummary,
  createComplaintBody,
  escalateBody,
  listQuery,
  reasonBody,
  resolveBody,
  respondBody,
  revisitBody,
  statsQuery,
} from './schemas.js';

/** The workflow's state in the API's shape: ISO times, the complainant's contact for staff who call back (masked for auditors), each repair order's progress. */
function present(state: ComplaintState, contact: Contact | undefined, orders: Map<string, WorkOrderRow>, req: FastifyRequest): z.infer<typeof complaint> {
  const { contact: complainant, ...report } = presentReport(state, contact, req);
  return {
    ...report,
    id: state.complaintId,
    workflowId: complaintWorkflowId(state.complaintId),
    category: state.category,
    priority: state.priority,
    urgent: state.urgent,
    channel: state.channel,
    complainant,
    status: state.status,
    department: state.department ?? null,
    handler: state.handler ?? null,
    assignmentRound: state.assignmentRound,
    escalationLevel: state.escalationLevel,
    escalations: state.escalations.map((e) => ({ ...e, deadline: iso(e.deadline), firedAt: iso(e.firedAt) })),
    responses: state.responses.map((r) => ({ ...r, at: iso(r.at) })),
    resolutions: state.resolutions.map((r) => ({ ...r, at: iso(r.at) })),
    revisits: state.revisits.map((r) => ({ ...r, at: iso(r.at) })),
    reopens: { count: state.reopens.count, reasons: state.reopens.reasons.map((r) => ({ ...r, at: iso(r.at) })) },
    workOrders: state.workOrders.map((o) => {
      const order = orders.get(o.orderId);
      return {
        orderId: o.orderId,
        category: o.category,
        startedAt: iso(o.startedAt),
        startedBy: o.startedBy,
        status: order?.status ?? o.status,
        finishedAt: isoOrNull(o.finishedAt),
        open: o.status === 'open',
        progress: order
          ? {
              status: order.status,
              assignee: order.assigneeId && order.assigneeName ? { id: order.assigneeId, name: order.assigneeName } : null,
              escalationLevel: order.escalationLevel,
              nextDeadline: order.nextDeadline?.toISOString() ?? null,
              overdue: order.nextDeadline !== null && order.nextDeadline.getTime() < Date.now(),
              satisfaction: order.satisfaction,
            }
          : null,
      };
    }),
    ...(state.closeReason ? { closeReason: state.closeReason } : {}),
    ...(state.withdrawReason ? { withdrawReason: state.withdrawReason } : {}),
  };
}

function summarise(row: ComplaintRow): z.infer<typeof complaintSummary> {
  return {
    ...summariseReport(row),
    department: row.department,
    handler: row.handlerId && row.handlerName ? { id: row.handlerId, name: row.handlerName } : null,
    reopens: row.reopens,
    openWorkOrders: row.openWorkOrders,
    respondedAt: row.respondedAt?.toISOString() ?? null,
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
  };
}

/** The work-order channel a repair started from a complaint is recorded under. */
const workOrderChannel = (channel: string): WorkOrderChannel =>
  (workOrderChannels as readonly string[]).includes(channel) ? (channel as WorkOrderChannel) : 'app';

export const complaintRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;
  const complaints = processResource<typeof complaintWorkflow, ComplaintState, ComplaintRow>(app, {
    noun: 'complaint',
    list: '/v1/complaints',
    workflowType: complaintWorkflowType,
    workflowId: complaintWorkflowId,
    query: complaintQuery,
    row: (id) => getComplaintRow(db, id),
    final: finalComplaintStatuses,
  });

  /** The complaint in the API's shape, with its repair orders' progress from their projection (one query). */
  const view = async (req: FastifyRequest, state: ComplaintState, contact: Contact | undefined) => {
    const rows = await getWorkOrderRows(db, state.workOrders.map((o) => o.orderId));
    return present(state, contact, new Map(rows.map((r) => [r.id, r])), req);
  };
  const shown = complaints.shownAs(view);

  app.post(
    '/complaints',
    createRouteSchema({ tag: 'complaints', summary: 'Register a complaint from any channel; its respond and resolve clocks start now', body: createComplaintBody, reply: complaint }),
    async (req, reply) => {
      const body = req.body;
      requireRole(req, complaintReceiverRoles, 'register complaints');
      const priority = complaintPriority(body.category, body.urgent, body.priority);
      const { property, location, policy } = await processPlace(db, req, { propertyId: body.propertyId, ...body.location }, getComplaintPolicy(db, body.propertyId, priority));
      if (!policy) {
        throw conflict(`property ${body.propertyId} has no complaint policy for ${priority} priority: set one with PUT /v1/properties/${body.propertyId}/complaint-policies/${priority}`);
      }

      const created = await complaints.create(
        req,
        {
          scope: 'complaint',
          request: body,
          allocate: () => allocateComplaintId(db, property.timezone),
          propertyId: body.propertyId,
          contact: body.complainant,
          input: (complaintId) => ({
            complaintId,
            propertyId: body.propertyId,
            location,
            category: body.category,
            priority,
            urgent: body.urgent,
            channel: body.channel,
            description: body.description,
            createdBy: actorOf(req),
            policy: toComplaintPolicySnapshot(policy),
          }),
        },
        (input) => newComplaintState(input, Date.now()),
      );
      return sendCreated(reply, `/v1/complaints/${created.id}`, created.replayed, await view(req, created.state, created.contact));
    },
  );

  app.get(
    '/complaints',
    {
      schema: {
        tags: ['complaints'],
        summary: 'List complaints from the projection, newest first',
        querystring: listQuery,
        response: { 200: z.object({ items: z.array(complaintSummary), nextCursor: z.string().nullable() }), ...commonErrors },
      },
    },
    async (req) => {
      const q = req.query;
      // Another property's filter finds nothing, exactly as an unknown property's does.
      const page = await listComplaints(db, { ...q, propertyIds: visibleProperties(req), cursor: q.cursor ? decodeCursor(q.cursor) : undefined });
      return { items: page.items.map(summarise), nextCursor: page.next ? encodeCursor(page.next) : null };
    },
  );

  app.get(
    '/complaints/stats',
    {
      schema: {
        tags: ['complaints'],
        summary: 'Complaint analysis for a property and period: counts, SLA shares, medians, reopen rate, recurring problems',
        querystring: statsQuery,
        response: { 200: complaintStatsSchema, ...commonErrors },
      },
    },
    async (req) => {
      const { propertyId } = req.query;
      const { start, end } = await statsPeriod(db, req, req.query, 30);
      const stats = await complaintStats(db, propertyId, start, end);
      const zeros = (keys: readonly string[], counts: Record<string, number>) => Object.fromEntries(keys.map((k) => [k, counts[k] ?? 0]));
      return {
        propertyId,
        from: start.toISOString(),
        to: end.toISOString(),
        ...stats,
        byCategory: zeros(complaintCategories, stats.byCategory),
        byChannel: zeros(complaintChannels, stats.byChannel),
        byPriority: zeros(complaintPriorities, stats.byPriority),
        byStatus: zeros(complaintStatuses, stats.byStatus),
      };
    },
  );

  app.get(
    '/complaints/:id',
    {
      schema: {
        tags: ['complaints'],
        summary: 'One complaint: status, deadlines, escalations, repair orders, timeline',
        params: complaintParams,
        response: { 200: complaint, ...commonErrors },
      },
    },
    async (req) => {
      return shown.read(req, req.params.id);
    },
  );

  // A staff step answers with the complaint as it stands after it.
  const { step } = shown;

  const actionSchema = stepRouteSchemas('complaints', complaintParams, complaint);

  app.post('/complaints/:id/assign', actionSchema('Give it to a department and a handler, or hand it on (recorded as a reassignment)', assignBody), async (req) => {
    const propertyId = await complaints.propertyOf(req, req.params.id);
    const handler = await staffMemberFor(db, propertyId, req.body.handlerId, 'handlerId', handlerRoles, 'a handler');
    const department: DepartmentCode =
      req.body.department ?? (departmentCodes.includes(handler.department as DepartmentCode) ? (handler.department as DepartmentCode) : 'management');
    return step(req, req.params.id, assignUpdate, { actor: actorOf(req), handler: { id: handler.id, name: handler.name }, department, ...(req.body.reason ? { reason: req.body.reason } : {}) });
  });

  app.post('/complaints/:id/respond', actionSchema('The first answer to the complainant, sent through the outbox (stops the respond clock)', respondBody), async (req) =>
    step(req, req.params.id, respondUpdate, { actor: actorOf(req), message: req.body.message }),
  );

  app.post(
    '/complaints/:id/work-orders',
    repairOrderRouteSchema('complaints', 'Start a repair order for the complaint (a child workflow); the complaint cannot be resolved while it is open', complaintParams, complaint),
    async (req, reply) => {
      const id = req.params.id;
      const { state, contact } = await complaints.readOpen(req, id);
      // The repair's reporter is the complainant: their contact is copied under the order before it starts.
      const parent = { scope: 'complaint-work-order', label: `complaint ${id}`, id, propertyId: state.propertyId, location: state.location, channel: workOrderChannel(state.channel), contact: contact ?? { name: `Complaint ${id}` } };
      return startRepairOrderFrom(req, reply, req.body, parent, (order) => step(req, id, addWorkOrderUpdate, { actor: actorOf(req), order }));
    },
  );

  app.post('/complaints/:id/resolve', actionSchema('Record the resolution (409 while a repair order it started is open)', resolveBody), async (req) =>
    step(req, req.params.id, resolveUpdate, { actor: actorOf(req), resolution: req.body.resolution, followUp: req.body.followUp }),
  );
  app.post('/complaints/:id/revisit', actionSchema('Callback result: satisfied closes with a score, unsatisfied reopens', revisitBody), async (req) =>
    step(req, req.params.id, revisitUpdate, { actor: actorOf(req), satisfied: req.body.satisfied, score: req.body.score, ...(req.body.comment ? { comment: req.body.comment } : {}) }),
  );
  app.post('/complaints/:id/close', actionSchema('Close a complaint resolved without a follow-up call, with a reason', closeBody), async (req) =>
    step(req, req.params.id, closeUpdate, { actor: actorOf(req), reason: req.body.reason, ...(req.body.score !== undefined ? { score: req.body.score } : {}) }),
  );
  app.post('/complaints/:id/escalate', actionSchema('A director raises the complaint by hand, with a reason', escalateBody), async (req) =>
    step(req, req.params.id, escalateUpdate, { actor: actorOf(req), reason: req.body.reason, ...(req.body.level !== undefined ? { level: req.body.level } : {}) }),
  );
  app.post('/complaints/:id/de-escalate', actionSchema('A director brings the complaint back down, with a reason', escalateBody), async (req) =>
    step(req, req.params.id, deEscalateUpdate, { actor: actorOf(req), reason: req.body.reason, ...(req.body.level !== undefined ? { level: req.body.level } : {}) }),
  );
  app.post('/complaints/:id/withdraw', actionSchema('The complainant withdraws it, with a reason (its repair orders carry on)', reasonBody), async (req) =>
    step(req, req.params.id, withdrawUpdate, { actor: actorOf(req), reason: req.body.reason }),
  );
};
