/**
 * Incidents and drills: declare (idempotent by key, and by property and type within a
 * window), read with pages, steps, review and drill timings, list from the projection,
 * statistics (MTTA, MTTR, drills held against required), and every staff step as a
 * workflow update. Improvement actions are read and stepped the same way.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allocateIncidentId, claimDeclaration, currentPlanSnapshot, getImprovementActionRow, getIncidentRow, incidentMessages, incidentStats, listIncidents, type ImprovementActionRow, type IncidentRow } from '../../db/emergency.js';
import { getProperty, listBuildings, listStaff, listUnits } from '../../db/reference.js';
import type { improvementActionWorkflow } from '../../workflows/improvement-action.js';
import {
  completeActionUpdate,
  dropActionUpdate,
  finalActionStatuses,
  improvementActionQuery,
  improvementActionWorkflowId,
  improvementActionWorkflowType,
  verifyActionUpdate,
  type ImprovementActionState,
} from '../../workflows/improvement-action.contract.js';
import type { incidentWorkflow } from '../../workflows/incident.js';
import {
  acknowledgeUpdate,
  broadcastUpdate,
  cancelIncidentUpdate,
  closeIncidentUpdate,
  completeStepUpdate,
  finalIncidentStatuses,
  incidentQuery,
  incidentRepairOrderUpdate,
  incidentWorkflowId,
  incidentWorkflowType,
  newIncidentState,
  resolveIncidentUpdate,
  responderRoles,
  reviewUpdate,
  severityUpdate,
  skipStepUpdate,
  stabiliseUpdate,
  startDrillUpdate,
  type IncidentState,
} from '../../workflows/incident.contract.js';
import { actorOf, requirePropertyAccess, requireRole, visibleProperties } from '../auth.js';
import { badRequest, commonErrors, conflict, notFound } from '../errors.js';
import { statsPeriod } from '../process-calls.js';
import { createRouteSchema, processResource, sendCreated, stepRouteSchemas } from '../process-resource.js';
import { presentRepairOrderLinks, repairOrderRouteSchema, startRepairOrderFrom } from '../repair-orders.js';
import { decodeCursor, encodeCursor, iso, isoOrNull, presentDeadlines, presentTimeline } from '../process-views.js';
import { drillOccurrencesDue } from '../../db/drill-schedules.js';
import {
  acknowledgeBody,
  actionParams,
  completeActionBody,
  declareBody,
  improvementAction,
  incident,
  incidentParams,
  incidentMessage,
  incidentStats as incidentStatsSchema,
  incidentSummary,
  listQuery,
  messageBody,
  noteBody,
  reasonBody,
  reviewBody,
  severityBody,
  statsQuery,
  stepParams,
  verifyActionBody,
} from './schemas.js';

const tags = ['incidents'];

/** The workflow's state in the API's shape. */
function present(s: IncidentState): z.infer<typeof incident> {
  return {
    id: s.incidentId,
    workflowId: incidentWorkflowId(s.incidentId),
    propertyId: s.propertyId,
    kind: s.kind,
    incidentType: s.incidentType,
    severity: s.severity,
    status: s.status,
    description: s.description,
    buildingIds: s.buildingIds,
    unitIds: s.unitIds,
    attributes: s.attributes,
    plan: { planId: s.plan.planId, version: s.plan.version, title: s.plan.title },
    createdBy: s.createdBy,
    createdAt: iso(s.createdAt),
    activatedAt: isoOrNull(s.activatedAt),
    acknowledgedAt: isoOrNull(s.acknowledgedAt),
    resolvedAt: isoOrNull(s.resolvedAt),
    closedAt: isoOrNull(s.closedAt),
    cancelReason: s.cancelReason ?? null,
    pages: s.pages.map((p) => ({
      role: p.role,
      paged: p.paged,
      ackDeadline: iso(p.ackDeadline),
      acknowledgedAt: isoOrNull(p.acknowledgedAt),
      acknowledgedBy: p.acknowledgedBy ?? null,
      escalations: p.escalations.map((e) => ({ ...e, at: iso(e.at) })),
    })),
    steps: s.steps.map((x) => ({
      key: x.key,
      title: x.title,
      role: x.role,
      required: x.required,
      dependsOn: x.dependsOn,
      status: x.status,
      dueAt: iso(x.dueAt),
      doneAt: isoOrNull(x.doneAt),
      by: x.by ?? null,
      note: x.note ?? null,
      skipReason: x.skipReason ?? null,
    })),
    broadcasts: s.timeline.filter((t) => ['activate', 'owners.update', 'broadcast'].includes(t.action) || (t.to !== undefined && t.action !== 'activate')).length,
    escalations: s.escalationsFired,
    review: s.review
      ? {
          dueAt: iso(s.review.dueAt),
          submittedAt: isoOrNull(s.review.submittedAt),
          summary: s.review.summary ?? null,
          draftTimeline: s.review.draftTimeline.map((e) => ({ ...e, at: iso(e.at) })),
        }
      : null,
    actions: s.actions.map((a) => ({ actionId: a.actionId, title: a.title, owner: a.owner, dueAt: iso(a.dueAt), status: a.status, droppedReason: a.droppedReason ?? null })),
    workOrders: presentRepairOrderLinks(s.repairOrders),
    drill: s.drill ?? null,
    deadlines: presentDeadlines(s.deadlines),
    timeline: presentTimeline(s.timeline),
  };
}

function summarise(r: IncidentRow): z.infer<typeof incidentSummary> {
  const at = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: r.id,
    workflowId: r.workflowId,
    propertyId: r.propertyId,
    kind: r.kind,
    incidentType: r.incidentType,
    severity: r.severity,
    status: r.status,
    planVersion: r.planVersion,
    createdAt: r.createdAt.toISOString(),
    activatedAt: at(r.activatedAt),
    acknowledgedAt: at(r.acknowledgedAt),
    resolvedAt: at(r.resolvedAt),
    escalations: r.escalations,
    openActions: r.openActions,
    drillScore: r.drillScore,
    nextDeadline: at(r.nextDeadline),
  };
}

function presentAction(s: ImprovementActionState): z.infer<typeof improvementAction> {
  return {
    id: s.actionId,
    workflowId: improvementActionWorkflowId(s.actionId),
    propertyId: s.propertyId,
    sourceId: s.sourceId,
    title: s.title,
    owner: s.owner,
    dueAt: iso(s.dueAt),
    status: s.status,
    completedAt: isoOrNull(s.completedAt),
    completionNote: s.completionNote ?? null,
    verifiedAt: isoOrNull(s.verifiedAt),
    verifiedBy: s.verifiedBy ?? null,
    rejections: s.rejections.map((r) => ({ ...r, at: iso(r.at) })),
    droppedReason: s.droppedReason ?? null,
    deadlines: presentDeadlines(s.deadlines),
    timeline: presentTimeline(s.timeline),
  };
}

export const incidentRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;
  const windowMs = app.deps.incidentDedupeWindowMs ?? 30 * 60_000;
  const incidents = processResource<typeof incidentWorkflow, IncidentState, IncidentRow>(app, {
    noun: 'incident',
    list: '/v1/incidents',
    workflowType: incidentWorkflowType,
    workflowId: incidentWorkflowId,
    query: incidentQuery,
    row: (id) => getIncidentRow(db, id),
    final: finalIncidentStatuses,
  });
  const shown = incidents.shownAs((_req, state) => present(state));
  const actions = processResource<typeof improvementActionWorkflow, ImprovementActionState, ImprovementActionRow>(app, {
    noun: 'improvement action',
    list: '/v1/incidents',
    workflowType: improvementActionWorkflowType,
    workflowId: improvementActionWorkflowId,
    query: improvementActionQuery,
    row: (id) => getImprovementActionRow(db, id),
    final: finalActionStatuses,
  });
  const shownAction = actions.shownAs((_req, state) => presentAction(state));

  /** 400 naming the first building or unit that is not the property's. */
  const checkPlaces = async (propertyId: string, buildingIds: string[], unitIds: string[]) => {
    const buildings = new Set((await listBuildings(db, propertyId)).map((b) => b.id));
    const b = buildingIds.findIndex((id) => !buildings.has(id));
    if (b >= 0) throw badRequest(`buildingIds.${b}`, `is not a building of ${propertyId}`);
    if (!unitIds.length) return;
    const units = new Set((await listUnits(db, propertyId)).map((u) => u.id));
    const u = unitIds.findIndex((id) => !units.has(id));
    if (u >= 0) throw badRequest(`unitIds.${u}`, `is not a unit of ${propertyId}`);
  };

  app.post(
    '/incidents',
    createRouteSchema({ tag: tags[0]!, summary: 'Declare an incident or a drill: owners of the affected buildings and units are told at once, every role of the plan is paged', description: 'Idempotent: the same Idempotency-Key, or the same property and type within the configured window (INCIDENT_DEDUPE_MINUTES), reaches the open incident (200) instead of declaring a second one.', body: declareBody, reply: incident }),
    async (req, reply) => {
      const body = req.body;
      requireRole(req, responderRoles, 'declare incidents');
      const property = await getProperty(db, body.propertyId);
      if (!property) throw notFound(`property ${body.propertyId}`);
      requirePropertyAccess(req, body.propertyId);
      await checkPlaces(body.propertyId, body.buildingIds, body.unitIds);
      const plan = await currentPlanSnapshot(db, body.propertyId, body.incidentType);
      if (!plan) throw conflict(`property ${body.propertyId} has no ${body.incidentType} plan: add one with PUT /v1/properties/${body.propertyId}/emergency-plans/${body.incidentType}`);
      let reached = false;
      const created = await incidents.create(
        req,
        {
          scope: 'incident',
          request: body,
          allocate: async () => {
            const claim = await claimDeclaration(db, { propertyId: body.propertyId, type: body.incidentType, kind: body.kind, windowMs, allocate: () => allocateIncidentId(db, property.timezone, body.kind) });
            reached = claim.existing;
            return claim.incidentId;
          },
          propertyId: body.propertyId,
          input: (incidentId) => ({ incidentId, ...body, createdBy: actorOf(req), plan }),
        },
        (input) => newIncidentState(input, Date.now()),
      );
      return sendCreated(reply, `/v1/incidents/${created.id}`, created.replayed || reached, present(created.state));
    },
  );

  app.get(
    '/incidents',
    { schema: { tags, summary: 'Incidents and drills, newest first, from the projection', querystring: listQuery, response: { 200: z.object({ items: z.array(incidentSummary), nextCursor: z.string().nullable() }), ...commonErrors } } },
    async (req) => {
      const { incidentType, ...q } = req.query;
      const page = await listIncidents(db, { ...q, category: incidentType, propertyIds: visibleProperties(req), cursor: q.cursor ? decodeCursor(q.cursor) : undefined });
      return { items: page.items.map(summarise), nextCursor: page.next ? encodeCursor(page.next) : null };
    },
  );

  app.get(
    '/incidents/stats',
    { schema: { tags, summary: 'Per incident type and period: MTTA and MTTR of real incidents (drills left out), and drills held against required', querystring: statsQuery, response: { 200: incidentStatsSchema, ...commonErrors } } },
    async (req) => {
      const { propertyId } = req.query;
      const { start, end } = await statsPeriod(db, req, req.query, 365);
      const stats = await incidentStats(db, propertyId, start, end);
      const required = await drillOccurrencesDue(db, propertyId, start.getTime(), end.getTime());
      const types = [...new Set([...Object.keys(stats.drillsHeld), ...Object.keys(required)])].sort();
      return {
        propertyId,
        from: start.toISOString(),
        to: end.toISOString(),
        byType: stats.byType,
        drills: types.map((incidentType) => ({ incidentType, held: stats.drillsHeld[incidentType] ?? 0, required: required[incidentType] ?? 0 })),
      };
    },
  );

  app.get(
    '/incidents/:id',
    { schema: { tags, summary: 'One incident or drill: pages, steps, deadlines, review, improvement actions, drill timings, timeline', params: incidentParams, response: { 200: incident, ...commonErrors } } },
    async (req) => shown.read(req, req.params.id),
  );

  app.get(
    '/incidents/:id/messages',
    {
      schema: {
        tags,
        summary: 'Every message the incident owed: owners (by unit) and staff, template, channel, delivery status; no phone numbers',
        params: incidentParams,
        response: { 200: z.object({ items: z.array(incidentMessage) }), ...commonErrors },
      },
    },
    async (req) => {
      await incidents.propertyOf(req, req.params.id);
      return { items: await incidentMessages(db, incidentWorkflowId(req.params.id)) };
    },
  );

  const stepRoute = stepRouteSchemas('incidents', incidentParams, incident);
  const onStep = stepRouteSchemas('incidents', stepParams, incident);

  app.post('/incidents/:id/start', stepRoute('Start a scheduled drill now: owners get the drill notice and every role is paged', noteBody), async (req) =>
    shown.step(req, req.params.id, startDrillUpdate, { actor: actorOf(req), ...(req.body.note ? { note: req.body.note } : {}) }),
  );
  app.post('/incidents/:id/acknowledge', stepRoute('Acknowledge the page of one role (whoever was paged, someone it escalated to, or a lead)', acknowledgeBody), async (req) =>
    shown.step(req, req.params.id, acknowledgeUpdate, { actor: actorOf(req), ...req.body }),
  );
  app.post('/incidents/:id/steps/:step/complete', onStep('Complete a plan step: steps waiting on it start', noteBody), async (req) =>
    shown.step(req, req.params.id, completeStepUpdate, { actor: actorOf(req), step: req.params.step, ...(req.body.note ? { note: req.body.note } : {}) }),
  );
  app.post('/incidents/:id/steps/:step/skip', onStep('Skip a plan step, with a reason: steps waiting on it start', reasonBody), async (req) =>
    shown.step(req, req.params.id, skipStepUpdate, { actor: actorOf(req), step: req.params.step, reason: req.body.reason }),
  );
  app.post('/incidents/:id/broadcast', stepRoute('Send every owner of the affected buildings and units an update', messageBody), async (req) =>
    shown.step(req, req.params.id, broadcastUpdate, { actor: actorOf(req), message: req.body.message }),
  );
  app.post('/incidents/:id/severity', stepRoute('Change the severity, with a reason', severityBody), async (req) => shown.step(req, req.params.id, severityUpdate, { actor: actorOf(req), ...req.body }));
  app.post('/incidents/:id/stabilise', stepRoute('The situation is under control', noteBody), async (req) =>
    shown.step(req, req.params.id, stabiliseUpdate, { actor: actorOf(req), ...(req.body.note ? { note: req.body.note } : {}) }),
  );
  app.post('/incidents/:id/resolve', stepRoute('Stand down: every required step done or skipped; the review falls due', noteBody), async (req) =>
    shown.step(req, req.params.id, resolveIncidentUpdate, { actor: actorOf(req), ...(req.body.note ? { note: req.body.note } : {}) }),
  );
  app.post('/incidents/:id/review', stepRoute('The post-incident review, with improvement actions (owner, due date; each verified before the incident closes)', reviewBody), async (req) => {
    const propertyId = await incidents.propertyOf(req, req.params.id);
    const staff = new Map((await listStaff(db, propertyId, { active: true })).map((s) => [s.id, s.name]));
    const owners = req.body.actions.map((a, n) => {
      const name = staff.get(a.ownerId);
      if (!name) throw badRequest(`actions.${n}.ownerId`, `is not active staff of ${propertyId}`);
      return { title: a.title, owner: { id: a.ownerId, name }, dueAt: new Date(a.due).getTime() };
    });
    return shown.step(req, req.params.id, reviewUpdate, { actor: actorOf(req), summary: req.body.summary, actions: owners });
  });
  app.post(
    '/incidents/:id/work-orders',
    repairOrderRouteSchema('incidents', 'Start a repair order from the incident (a child workflow; it carries on if the incident closes first). Where: the body’s unit or common area, else the affected buildings', incidentParams, incident),
    async (req, reply) => {
      const id = req.params.id;
      const { state } = await incidents.readOpen(req, id);
      const names = (await listBuildings(db, state.propertyId)).filter((b) => state.buildingIds.includes(b.id)).map((b) => b.name);
      const label = `${state.kind} ${id}`;
      // The repair's reporter is the incident: a name for its messages, no personal data.
      const parent = { scope: 'incident-work-order', label, id, propertyId: state.propertyId, location: { commonArea: names.join(', ') || label }, channel: 'incident', contact: { name: `Incident ${id}` } } as const;
      return startRepairOrderFrom(req, reply, req.body, parent, async (order) => present((await incidents.step(req, id, incidentRepairOrderUpdate, { actor: actorOf(req), order })).state));
    },
  );
  app.post('/incidents/:id/close', stepRoute('Close after the review: every improvement action verified or dropped', noteBody), async (req) =>
    shown.step(req, req.params.id, closeIncidentUpdate, { actor: actorOf(req), ...(req.body.note ? { note: req.body.note } : {}) }),
  );
  app.post('/incidents/:id/cancel', stepRoute('A false alarm: cancel with a reason; owners are told', reasonBody), async (req) =>
    shown.step(req, req.params.id, cancelIncidentUpdate, { actor: actorOf(req), reason: req.body.reason }),
  );

  const actionRoute = stepRouteSchemas('incidents', actionParams, improvementAction);
  app.get(
    '/improvement-actions/:id',
    { schema: { tags, summary: 'One improvement action from a review: owner, due date, verification', params: actionParams, response: { 200: improvementAction, ...commonErrors } } },
    async (req) => shownAction.read(req, req.params.id),
  );
  app.post('/improvement-actions/:id/complete', actionRoute('The owner reports the action done', completeActionBody), async (req: FastifyRequest<{ Params: { id: string }; Body: { note: string } }>) =>
    shownAction.step(req, req.params.id, completeActionUpdate, { actor: actorOf(req), note: req.body.note }),
  );
  app.post('/improvement-actions/:id/verify', actionRoute('Someone other than the owner verifies it: accepted closes it, rejected sends it back', verifyActionBody), async (req) =>
    shownAction.step(req, req.params.id, verifyActionUpdate, { actor: actorOf(req), accepted: req.body.accepted, ...(req.body.comment ? { comment: req.body.comment } : {}) }),
  );
  app.post('/improvement-actions/:id/drop', actionRoute('Not doing it, with a reason', reasonBody), async (req) =>
    shownAction.step(req, req.params.id, dropActionUpdate, { actor: actorOf(req), reason: req.body.reason }),
  );
};
