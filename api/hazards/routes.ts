/**
 * Hazards: raise one (idempotent) from a patrol, a maintenance task or directly, read it
 * with its deadlines, rectifications and re-inspections, list them from the projection, and
 * take every staff step as a workflow update.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getRoundRow } from '../../db/patrols.js';
import { parseRoundWorkflowId, patrolRoundQuery } from '../../workflows/patrol-round.contract.js';
import { getTaskRow } from '../../db/maintenance-tasks.js';
import { allocateHazardId, getHazardRow, listHazards, toHazardPolicySnapshot, type HazardRow } from '../../db/hazards.js';
import { getHazardPolicy } from '../../db/reference.js';
import type { hazardWorkflow } from '../../workflows/hazard.js';
import {
  assignHazardUpdate,
  finalHazardStatuses,
  hazardQuery,
  hazardReporterRoles,
  hazardWorkflowId,
  hazardWorkflowType,
  hazardWorkOrderUpdate,
  newHazardState,
  rectifiedUpdate,
  rectifierRoles,
  reinspectUpdate,
  startRectifyingUpdate,
  type HazardSource,
  type HazardState,
} from '../../workflows/hazard.contract.js';
import { actorOf, requirePropertyAccess, requireRole, visibleProperties } from '../auth.js';
import { badRequest, commonErrors, conflict } from '../errors.js';
import { processPlace, staffMemberFor, withinDeadline } from '../process-calls.js';
import { presentRepairOrderLinks, repairOrderRouteSchema, startRepairOrderFrom } from '../repair-orders.js';
import { createRouteSchema, processResource, sendCreated, stepRouteSchemas } from '../process-resource.js';
import { decodeCursor, encodeCursor, iso, isoOrNull, presentDeadlines, presentTimeline } from '../process-views.js';
import { assignBody, createHazardBody, emptyBody, hazard, hazardListQuery, hazardParams, hazardSummary, rectifiedBody, reinspectBody } from './schemas.js';

/** The workflow's state in the API's shape. */
function present(state: HazardState): z.infer<typeof hazard> {
  return {
    id: state.hazardId,
    workflowId: hazardWorkflowId(state.hazardId),
    propertyId: state.propertyId,
    location: state.location,
    severity: state.severity,
    description: state.description,
    photos: state.photos,
    source: state.source,
    status: state.status,
    rectifier: state.rectifier ?? null,
    policyVersion: state.policy.version,
    deadlines: presentDeadlines(state.deadlines),
    escalationLevel: state.escalationLevel,
    escalations: state.escalations.map((e) => ({ ...e, deadline: iso(e.deadline), firedAt: iso(e.firedAt) })),
    rectifications: state.rectifications.map((r) => ({ ...r, at: iso(r.at) })),
    reinspections: state.reinspections.map((r) => ({ ...r, at: iso(r.at) })),
    failedReinspections: state.failedReinspections,
    workOrders: presentRepairOrderLinks(state.workOrders),
    createdBy: state.createdBy,
    createdAt: iso(state.createdAt),
    closedAt: isoOrNull(state.closedAt),
    timeline: presentTimeline(state.timeline),
  };
}

function summarise(row: HazardRow): z.infer<typeof hazardSummary> {
  return {
    id: row.id,
    propertyId: row.propertyId,
    location: row.unitCode ?? row.commonArea,
    severity: row.severity as z.infer<typeof hazardSummary>['severity'],
    description: row.description,
    source: { kind: row.sourceKind, ref: row.sourceRef, routeId: row.routeId },
    status: row.status as z.infer<typeof hazardSummary>['status'],
    rectifier: row.rectifierId && row.rectifierName ? { id: row.rectifierId, name: row.rectifierName } : null,
    escalationLevel: row.escalationLevel,
    failedReinspections: row.failedReinspections,
    rectifyDeadline: row.rectifyDeadline?.toISOString() ?? null,
    overdue: row.overdue,
    openWorkOrders: row.openWorkOrders,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    closedAt: row.closedAt?.toISOString() ?? null,
  };
}

export const hazardRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;
  const hazards = processResource<typeof hazardWorkflow, HazardState, HazardRow>(app, {
    noun: 'hazard',
    list: '/v1/hazards',
    workflowType: hazardWorkflowType,
    workflowId: hazardWorkflowId,
    query: hazardQuery,
    row: (id) => getHazardRow(db, id),
    final: finalHazardStatuses,
  });
  const shown = hazards.shownAs((_req, state) => present(state));
  const waitMs = app.deps.stepTimeoutMs ?? 20_000;
  /** The round a hazard is raised from, as its workflow knows it (the observation is not in the projection). */
  const readRound = (roundId: string) =>
    withinDeadline(app.deps.temporal, waitMs, `patrol round ${roundId}`, 'no worker answered', () => app.deps.temporal.workflow.getHandle(roundId).query(patrolRoundQuery));

  /** The source as the workflow keeps it, once it is known to be at the property (400 naming the field otherwise). */
  const sourceOf = async (propertyId: string, source: z.infer<typeof createHazardBody>['source']): Promise<HazardSource> => {
    if (source.kind === 'patrol') {
      const round = parseRoundWorkflowId(source.roundId) && (await getRoundRow(db, source.roundId));
      if (!round || round.propertyId !== propertyId) throw badRequest('body.source.roundId', `is not a patrol round of ${propertyId}`);
      const seen = (await readRound(source.roundId)).observations.find((o) => o.checkpointId === source.checkpointId);
      if (seen?.result !== 'issue') throw badRequest('body.source.checkpointId', `has no issue observed in round ${source.roundId}`);
      return { ...source, routeId: round.routeId };
    }
    if (source.kind !== 'maintenance') return source;
    const task = await getTaskRow(db, source.taskId);
    if (!task || task.propertyId !== propertyId) throw badRequest('body.source.taskId', `is not a maintenance task of ${propertyId}`);
    return source;
  };

  app.post(
    '/hazards',
    createRouteSchema({ tag: 'hazards', summary: 'Raise a hazard; its rectification deadline comes from the property policy for the severity', body: createHazardBody, reply: hazard }),
    async (req, reply) => {
      const body = req.body;
      requireRole(req, hazardReporterRoles, 'raise hazards');
      const { property, location, policy } = await processPlace(db, req, { propertyId: body.propertyId, ...body.location }, getHazardPolicy(db, body.propertyId, body.severity));
      if (!policy) throw conflict(`property ${body.propertyId} has no hazard policy for ${body.severity} hazards: set one with PUT /v1/properties/${body.propertyId}/hazard-policies/${body.severity}`);
      const source = await sourceOf(body.propertyId, body.source);
      const created = await hazards.create(
        req,
        {
          scope: 'hazard',
          request: body,
          allocate: () => allocateHazardId(db, property.timezone),
          propertyId: body.propertyId,
          input: (hazardId) => ({
            hazardId,
            propertyId: body.propertyId,
            location,
            severity: body.severity,
            description: body.description,
            photos: body.photos,
            source,
            createdBy: actorOf(req),
            policy: toHazardPolicySnapshot(policy),
          }),
        },
        (input) => newHazardState(input, Date.now()),
      );
      return sendCreated(reply, `/v1/hazards/${created.id}`, created.replayed, present(created.state));
    },
  );

  app.get(
    '/hazards',
    {
      schema: {
        tags: ['hazards'],
        summary: 'List hazards from the projection, newest first',
        querystring: hazardListQuery,
        response: { 200: z.object({ items: z.array(hazardSummary), nextCursor: z.string().nullable() }), ...commonErrors },
      },
    },
    async (req) => {
      const q = req.query;
      if (q.propertyId) requirePropertyAccess(req, q.propertyId);
      const page = await listHazards(db, { ...q, category: q.severity, propertyIds: visibleProperties(req), cursor: q.cursor ? decodeCursor(q.cursor) : undefined });
      return { items: page.items.map(summarise), nextCursor: page.next ? encodeCursor(page.next) : null };
    },
  );

  app.get('/hazards/:id', { schema: { tags: ['hazards'], summary: 'One hazard: deadlines, escalations, rectifications, re-inspections, repair orders, timeline', params: hazardParams, response: { 200: hazard, ...commonErrors } } }, async (req) =>
    shown.read(req, req.params.id),
  );

  const { step } = shown;
  const actionSchema = stepRouteSchemas('hazards', hazardParams, hazard);

  app.post('/hazards/:id/assign', actionSchema('Give the hazard to the person who rectifies it, or hand it on (supervisors)', assignBody), async (req) => {
    const propertyId = await hazards.propertyOf(req, req.params.id);
    const person = await staffMemberFor(db, propertyId, req.body.rectifierId, 'rectifierId', rectifierRoles, 'a rectifier');
    return step(req, req.params.id, assignHazardUpdate, { actor: actorOf(req), rectifier: { id: person.id, name: person.name }, ...(req.body.reason ? { reason: req.body.reason } : {}) });
  });
  app.post('/hazards/:id/start', actionSchema('The rectifier starts the work', emptyBody), async (req) => step(req, req.params.id, startRectifyingUpdate, { actor: actorOf(req) }));
  app.post('/hazards/:id/rectified', actionSchema('The rectification is done (stops the deadline); a re-inspection by someone else is due', rectifiedBody), async (req) =>
    step(req, req.params.id, rectifiedUpdate, { actor: actorOf(req), note: req.body.note, photos: req.body.photos }),
  );
  app.post('/hazards/:id/reinspect', actionSchema('Re-inspection (复查): passed closes, failed sends it back to rectifying; 409 for the rectifier', reinspectBody), async (req) =>
    step(req, req.params.id, reinspectUpdate, { actor: actorOf(req), passed: req.body.passed, ...(req.body.note ? { note: req.body.note } : {}) }),
  );

  app.post(
    '/hazards/:id/work-orders',
    repairOrderRouteSchema('hazards', 'Start a repair order for the hazard (a child workflow); the hazard cannot be reported rectified while it is open', hazardParams, hazard),
    async (req, reply) => {
      const id = req.params.id;
      const { state } = await hazards.readOpen(req, id);
      // The repair's reporter is the hazard: a name for its messages, no personal data.
      const parent = { scope: 'hazard-work-order', label: `hazard ${id}`, id, propertyId: state.propertyId, location: state.location, channel: 'patrol', contact: { name: `Hazard ${id}` } } as const;
      return startRepairOrderFrom(req, reply, req.body, parent, (order) => step(req, id, hazardWorkOrderUpdate, { actor: actorOf(req), order }));
    },
  );
};
