/**
 * Complaints: register (idempotent), read with timeline, escalations and repair-order
 * progress, list from the projection, statistics, and every staff step as a workflow update.
 */
import type { WorkflowHandle } from '@temporalio/client';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allocateComplaintId, complaintStats, getComplaintRow, listComplaints, toComplaintPolicySnapshot, type ComplaintRow } from '../../db/complaints.js';
import { getComplaintPolicy, getProperty, getSlaPolicy, listStaff } from '../../db/reference.js';
import { allocateWorkOrderId, claimIdempotencyKey, getWorkOrderRow, requestHash } from '../../db/work-orders.js';
import { departmentCodes, type DepartmentCode } from '../../domain/categories.js';
import { toPolicySnapshot } from '../../domain/sla-policy.js';
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
  deEscalateUpdate,
  escalateUpdate,
  finalComplaintStatuses,
  handlerRoles,
  newComplaintState,
  resolveUpdate,
  respondUpdate,
  revisitUpdate,
  withdrawUpdate,
  type ComplaintInput,
  type ComplaintLocation,
  type ComplaintState,
  type ComplaintStatus,
} from '../../workflows/complaint.contract.js';
import { workOrderChannels, type WorkOrderChannel, type WorkOrderInput } from '../../workflows/work-order.contract.js';
import { actorOf, requirePropertyAccess, requireRole, visibleProperties } from '../auth.js';
import { maskPhone } from '../common.js';
import { badRequest, commonErrors, conflict, HttpProblem, notFound } from '../errors.js';
import { processPlace, readVisible, startProcess, withinDeadline } from '../process-calls.js';
import { decodeCursor, encodeCursor, iso, isoOrNull, presentDeadlines, presentTimeline } from '../process-views.js';
import {
  addWorkOrderBody,
  assignBody,
  closeBody,
  complaint,
  complaintParams,
  complaintStats as complaintStatsSchema,
  complaintSummary,
  createComplaintBody,
  escalateBody,
  idempotencyHeaders,
  listQuery,
  reasonBody,
  resolveBody,
  respondBody,
  revisitBody,
  statsQuery,
} from './schemas.js';

type WorkOrderRow = NonNullable<Awaited<ReturnType<typeof getWorkOrderRow>>>;

/** The workflow's state in the API's shape: ISO times, the complainant's phone for staff who call back, each repair order's progress. */
function present(state: ComplaintState, phone: string | null, orders: Map<string, WorkOrderRow>, req: FastifyRequest): z.infer<typeof complaint> {
  return {
    id: state.complaintId,
    workflowId: complaintWorkflowId(state.complaintId),
    propertyId: state.propertyId,
    location: state.location,
    category: state.category,
    priority: state.priority,
    urgent: state.urgent,
    channel: state.channel,
    description: state.description,
    complainant: { name: state.complainantName, phone: req.user.role === 'auditor' ? maskPhone(phone) : phone },
    status: state.status,
    department: state.department ?? null,
    handler: state.handler ?? null,
    assignmentRound: state.assignmentRound,
    deadlines: presentDeadlines(state.deadlines),
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
    satisfaction: state.satisfaction ?? null,
    ...(state.closeReason ? { closeReason: state.closeReason } : {}),
    ...(state.withdrawReason ? { withdrawReason: state.withdrawReason } : {}),
    policyVersion: state.policy.version,
    createdBy: state.createdBy,
    createdAt: iso(state.createdAt),
    closedAt: isoOrNull(state.closedAt),
    timeline: presentTimeline(state.timeline),
  };
}

function summarise(row: ComplaintRow): z.infer<typeof complaintSummary> {
  return {
    id: row.id,
    propertyId: row.propertyId,
    location: row.unitCode ?? row.commonArea,
    category: row.category,
    priority: row.priority,
    channel: row.channel,
    description: row.description,
    status: row.status,
    department: row.department,
    handler: row.handlerId && row.handlerName ? { id: row.handlerId, name: row.handlerName } : null,
    escalationLevel: row.escalationLevel,
    reopens: row.reopens,
    openWorkOrders: row.openWorkOrders,
    nextDeadline: row.nextDeadline?.toISOString() ?? null,
    overdue: row.nextDeadline !== null && row.nextDeadline.getTime() < Date.now(),
    respondedAt: row.respondedAt?.toISOString() ?? null,
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    satisfaction: row.satisfaction,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    closedAt: row.closedAt?.toISOString() ?? null,
  };
}

/** Milliseconds a time zone is ahead of UTC at `at`. */
function zoneOffset(at: number, timeZone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
      .formatToParts(new Date(at))
      .map((p) => [p.type, Number(p.value)]),
  );
  return Date.UTC(parts.year!, parts.month! - 1, parts.day, parts.hour, parts.minute, parts.second) - Math.floor(at / 1000) * 1000;
}

/** A query's day or instant: a bare date is midnight at the property. */
function instantAt(value: string, timeZone: string): Date {
  if (value.includes('T')) return new Date(value);
  const midnightUtc = Date.parse(`${value}T00:00:00Z`);
  const guess = midnightUtc - zoneOffset(midnightUtc, timeZone);
  return new Date(midnightUtc - zoneOffset(guess, timeZone));
}

/** The work-order channel a repair started from a complaint is recorded under. */
const workOrderChannel = (channel: string): WorkOrderChannel =>
  (workOrderChannels as readonly string[]).includes(channel) ? (channel as WorkOrderChannel) : 'app';

export const complaintRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal, taskQueue } = app.deps;
  // How long a request waits for the worker to answer a query or finish a step.
  const stepDeadlineMs = app.deps.stepTimeoutMs ?? 20_000;
  const handleOf = (id: string): WorkflowHandle => temporal.workflow.getHandle(complaintWorkflowId(id));

  /**
   * The live state from the workflow (a finished complaint is read back by replaying its
   * history). A worker that does not answer within the deadline is a 503, not a hang.
   */
  const readState = (id: string): Promise<ComplaintState> =>
    withinDeadline(temporal, stepDeadlineMs, `complaint ${id}`, 'no worker answered; the list (GET /v1/complaints) still reads the projection', () =>
      handleOf(id).query(complaintQuery),
    );

  /** Load the complaint's projection row and check the caller may see its property. */
  const complaintFor = async (req: FastifyRequest, id: string): Promise<ComplaintRow | undefined> => {
    const row = await getComplaintRow(db, id);
    if (row) {
      requirePropertyAccess(req, row.propertyId);
      return row;
    }
    // Not projected yet (registered a moment ago): the workflow itself knows its property.
    const state = await readState(id);
    requirePropertyAccess(req, state.propertyId);
    return undefined;
  };

  /**
   * The complaint in the API's shape, with its repair orders' progress from their projection.
   * The complainant's phone comes from the projection, or from the request that registered it
   * while its first step is not projected yet.
   */
  const view = async (req: FastifyRequest, state: ComplaintState, row?: ComplaintRow, phone?: string) => {
    const rows = await Promise.all(state.workOrders.map((o) => getWorkOrderRow(db, o.orderId)));
    const orders = new Map(rows.flatMap((r) => (r ? [[r.id, r] as const] : [])));
    const projected = row ?? (await getComplaintRow(db, state.complaintId));
    return present(state, projected?.complainantPhone ?? phone ?? null, orders, req);
  };

  app.post(
    '/complaints',
    {
      schema: {
        tags: ['complaints'],
        summary: 'Register a complaint from any channel; its respond and resolve clocks start now',
        headers: idempotencyHeaders,
        body: createComplaintBody,
        response: { 200: complaint, 201: complaint, ...commonErrors, 503: commonErrors[409] },
      },
    },
    async (req, reply) => {
      const body = req.body;
      requireRole(req, complaintReceiverRoles, 'register complaints');
      const priority = complaintPriority(body.category, body.urgent, body.priority);
      const { property, unit, policy } = await processPlace(db, req, { propertyId: body.propertyId, unitId: body.location.unitId }, getComplaintPolicy(db, body.propertyId, priority));
      if (!policy) {
        throw conflict(`property ${body.propertyId} has no complaint policy for ${priority} priority: set one with PUT /v1/properties/${body.propertyId}/complaint-policies/${priority}`);
      }

      const key = req.headers['idempotency-key'];
      const allocate = () => allocateComplaintId(db, property.timezone);
      let complaintId: string;
      let replayed = false;
      if (key) {
        const claim = await claimIdempotencyKey(db, `complaint:${req.user.sub}`, key, requestHash(body), allocate);
        if (!claim.sameRequest) throw conflict('Idempotency-Key was already used for a different request');
        complaintId = claim.resourceId;
        replayed = !claim.fresh;
      } else {
        complaintId = await allocate();
      }

      const input: ComplaintInput = {
        complaintId,
        propertyId: body.propertyId,
        location: {
          ...(unit ? { unitId: unit.id, unitCode: unit.code } : {}),
          ...(body.location.commonArea ? { commonArea: body.location.commonArea } : {}),
        },
        category: body.category,
        priority,
        urgent: body.urgent,
        channel: body.channel,
        description: body.description,
        complainant: { name: body.complainant.name, ...(body.complainant.phone ? { phone: body.complainant.phone } : {}) },
        createdBy: actorOf(req),
        policy: toComplaintPolicySnapshot(policy),
      };
      await startProcess(temporal, { workflowType: 'complaintWorkflow', workflowId: complaintWorkflowId(complaintId), taskQueue, args: [input], replayed });
      // The complaint exists from here on: if no worker answers yet, say so rather than fail the create.
      const state = await readState(complaintId).catch((err: unknown) => {
        if (err instanceof HttpProblem && err.statusCode === 503) return newComplaintState(input, Date.now());
        throw err;
      });
      return reply
        .status(replayed ? 200 : 201)
        .header('location', `/v1/complaints/${complaintId}`)
        .header('idempotent-replayed', String(replayed))
        .send(await view(req, state, undefined, body.complainant.phone));
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
      if (q.propertyId) requirePropertyAccess(req, q.propertyId);
      const page = await listComplaints(db, {
        propertyIds: visibleProperties(req),
        propertyId: q.propertyId,
        status: q.status,
        category: q.category,
        priority: q.priority,
        channel: q.channel,
        handlerId: q.handlerId,
        overdue: q.overdue,
        escalated: q.escalated,
        limit: q.limit,
        cursor: q.cursor ? decodeCursor(q.cursor) : undefined,
      });
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
      const { propertyId, from, to } = req.query;
      const property = await getProperty(db, propertyId);
      if (!property) throw notFound(`property ${propertyId}`);
      requirePropertyAccess(req, propertyId);
      const end = to ? instantAt(to, property.timezone) : new Date();
      const start = from ? instantAt(from, property.timezone) : new Date(end.getTime() - 30 * 86_400_000);
      if (start >= end) throw badRequest('querystring.from', 'must be before to');
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
      const { row, state } = await readVisible(req, getComplaintRow(db, req.params.id), readState(req.params.id));
      return view(req, state, row);
    },
  );

  /** 409 for a complaint that is closed or withdrawn, as the projection knows it. */
  const ensureOpen = (id: string, row: ComplaintRow | undefined) => {
    if (row && finalComplaintStatuses.includes(row.status as ComplaintStatus)) {
      throw new HttpProblem(409, 'illegal_transition', `complaint ${id} is ${row.status}: no further steps`, { status: row.status });
    }
  };

  /** Run a staff step as a workflow update; the validator's verdict becomes 400/403/409. */
  const step = async (req: FastifyRequest, id: string, run: (h: WorkflowHandle, row: ComplaintRow | undefined) => Promise<ComplaintState>): Promise<z.infer<typeof complaint>> => {
    const row = await complaintFor(req, id);
    ensureOpen(id, row);
    const state = await withinDeadline(temporal, stepDeadlineMs, `complaint ${id}`, 'no worker answered in time; the step may still be applied, read the complaint back before retrying', () =>
      run(handleOf(id), row),
    );
    return view(req, state);
  };

  const actionSchema = <B extends z.ZodType>(summary: string, body: B) => ({
    schema: { tags: ['complaints'], summary, params: complaintParams, body, response: { 200: complaint, ...commonErrors, 503: commonErrors[409] } },
  });

  app.post('/complaints/:id/assign', actionSchema('Give it to a department and a handler, or hand it on (recorded as a reassignment)', assignBody), async (req) => {
    const row = await complaintFor(req, req.params.id);
    const propertyId = row?.propertyId ?? (await readState(req.params.id)).propertyId;
    const handler = (await listStaff(db, propertyId, { active: true })).find((s) => s.id === req.body.handlerId);
    if (!handler) throw badRequest('body.handlerId', `is not an active staff member of ${propertyId}`);
    if (!handlerRoles.includes(handler.role as never)) throw badRequest('body.handlerId', `${handler.name} is a ${handler.role}; handlers are ${handlerRoles.join(', ')}`);
    const department: DepartmentCode =
      req.body.department ?? (departmentCodes.includes(handler.department as DepartmentCode) ? (handler.department as DepartmentCode) : 'management');
    return step(req, req.params.id, (h) =>
      h.executeUpdate(assignUpdate, {
        args: [{ actor: actorOf(req), handler: { id: handler.id, name: handler.name }, department, ...(req.body.reason ? { reason: req.body.reason } : {}) }],
      }),
    );
  });

  app.post('/complaints/:id/respond', actionSchema('The first answer to the complainant, sent through the outbox (stops the respond clock)', respondBody), async (req) =>
    step(req, req.params.id, (h) => h.executeUpdate(respondUpdate, { args: [{ actor: actorOf(req), message: req.body.message }] })),
  );

  app.post(
    '/complaints/:id/work-orders',
    {
      schema: {
        tags: ['complaints'],
        summary: 'Start a repair order for the complaint (a child workflow); the complaint cannot be resolved while it is open',
        params: complaintParams,
        headers: idempotencyHeaders,
        body: addWorkOrderBody,
        response: { 200: complaint, 201: complaint, ...commonErrors, 503: commonErrors[409] },
      },
    },
    async (req, reply) => {
      const id = req.params.id;
      const row = await complaintFor(req, id);
      ensureOpen(id, row);
      const state = await readState(id);
      const body = req.body;
      const { property, unit, policy } = await processPlace(db, req, { propertyId: state.propertyId, unitId: body.location?.unitId }, getSlaPolicy(db, state.propertyId, body.category));
      if (!policy) throw conflict(`property ${state.propertyId} has no SLA policy for ${body.category}: set one with PUT /v1/properties/${state.propertyId}/sla-policies/${body.category}`);
      const location: ComplaintLocation = body.location
        ? { ...(unit ? { unitId: unit.id, unitCode: unit.code } : {}), ...(body.location.commonArea ? { commonArea: body.location.commonArea } : {}) }
        : state.location;

      const key = req.headers['idempotency-key'];
      const allocate = () => allocateWorkOrderId(db, property.timezone);
      let orderId: string;
      let replayed = false;
      if (key) {
        const claim = await claimIdempotencyKey(db, `complaint-work-order:${req.user.sub}`, key, requestHash({ id, ...body }), allocate);
        if (!claim.sameRequest) throw conflict('Idempotency-Key was already used for a different request');
        orderId = claim.resourceId;
        replayed = !claim.fresh;
      } else {
        orderId = await allocate();
      }
      const phone = row?.complainantPhone;
      const order: WorkOrderInput = {
        orderId,
        propertyId: state.propertyId,
        location,
        category: body.category,
        priority: body.priority,
        channel: workOrderChannel(state.channel),
        description: `${body.description} (complaint ${id})`,
        photos: body.photos,
        reporter: { name: state.complainantName, ...(phone ? { phone } : {}) },
        createdBy: actorOf(req),
        policy: toPolicySnapshot(policy),
      };
      const updated = await step(req, id, (h) => h.executeUpdate(addWorkOrderUpdate, { args: [{ actor: actorOf(req), order }] }));
      return reply
        .status(replayed ? 200 : 201)
        .header('location', `/v1/work-orders/${orderId}`)
        .header('idempotent-replayed', String(replayed))
        .send(updated);
    },
  );

  app.post('/complaints/:id/resolve', actionSchema('Record the resolution (409 while a repair order it started is open)', resolveBody), async (req) =>
    step(req, req.params.id, (h) => h.executeUpdate(resolveUpdate, { args: [{ actor: actorOf(req), resolution: req.body.resolution, followUp: req.body.followUp }] })),
  );
  app.post('/complaints/:id/revisit', actionSchema('Callback result: satisfied closes with a score, unsatisfied reopens', revisitBody), async (req) =>
    step(req, req.params.id, (h) =>
      h.executeUpdate(revisitUpdate, { args: [{ actor: actorOf(req), satisfied: req.body.satisfied, score: req.body.score, ...(req.body.comment ? { comment: req.body.comment } : {}) }] }),
    ),
  );
  app.post('/complaints/:id/close', actionSchema('Close a complaint resolved without a follow-up call, with a reason', closeBody), async (req) =>
    step(req, req.params.id, (h) =>
      h.executeUpdate(closeUpdate, { args: [{ actor: actorOf(req), reason: req.body.reason, ...(req.body.score !== undefined ? { score: req.body.score } : {}) }] }),
    ),
  );
  app.post('/complaints/:id/escalate', actionSchema('A director raises the complaint by hand, with a reason', escalateBody), async (req) =>
    step(req, req.params.id, (h) =>
      h.executeUpdate(escalateUpdate, { args: [{ actor: actorOf(req), reason: req.body.reason, ...(req.body.level !== undefined ? { level: req.body.level } : {}) }] }),
    ),
  );
  app.post('/complaints/:id/de-escalate', actionSchema('A director brings the complaint back down, with a reason', escalateBody), async (req) =>
    step(req, req.params.id, (h) =>
      h.executeUpdate(deEscalateUpdate, { args: [{ actor: actorOf(req), reason: req.body.reason, ...(req.body.level !== undefined ? { level: req.body.level } : {}) }] }),
    ),
  );
  app.post('/complaints/:id/withdraw', actionSchema('The complainant withdraws it, with a reason (its repair orders carry on)', reasonBody), async (req) =>
    step(req, req.params.id, (h) => h.executeUpdate(withdrawUpdate, { args: [{ actor: actorOf(req), reason: req.body.reason }] })),
  );
};
