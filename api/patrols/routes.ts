/**
 * Patrols: routes and their checkpoints (CRUD), schedules (recurring plans started through
 * the patrol plan engine), rounds (start one by hand, list from the projection, read one
 * from its workflow, and the guard's steps as workflow updates: the tag code is checked here
 * against the register, so a wrong one is a 400 and never reaches the history), and each
 * route's monthly statistics.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  addCheckpoint,
  changeCheckpoint,
  changeRoute,
  changeScheduleStatus,
  createRoute,
  createSchedule,
  getRoundRow,
  getRoute,
  getSchedule,
  listRounds,
  listRoutes,
  listSchedules,
  roundInput,
  routeStats,
  type RoundRow,
  type RouteRow,
  type ScheduleRow,
} from '../../db/patrols.js';
import { getProperty } from '../../db/reference.js';
import { isUniqueViolation } from '../../db/errors.js';
import { monthBounds } from '../../domain/maintenance-schedule.js';
import { propertyAdminRoles } from '../../domain/roles.js';
import type { patrolRoundWorkflow } from '../../workflows/patrol-round.js';
import {
  checkInUpdate,
  finalRoundStatuses,
  finishRoundUpdate,
  observeUpdate,
  parseRoundWorkflowId,
  patrolRoles,
  patrolRoundQuery,
  patrolRoundWorkflowType,
  roundWorkflowId,
  startRoundUpdate,
  type PatrolRoundState,
  type RoundStatus,
} from '../../workflows/patrol-round.contract.js';
import { actorOf, requirePropertyAccess, requireRole, visibleProperties } from '../auth.js';
import { badRequest, commonErrors, conflict, errorBody, HttpProblem, notFound } from '../errors.js';
import { startProcess } from '../process-calls.js';
import { processResource } from '../process-resource.js';
import { iso, isoOrNull, presentDeadlines, presentTimeline } from '../process-views.js';
import type { PlanEngine } from '../recurring-plans/engine.js';
import {
  changeCheckpointBody,
  changeRouteBody,
  checkInBody,
  checkpointBody,
  checkpointParams,
  createRouteBody,
  createScheduleBody,
  emptyBody,
  finishBody,
  observeBody,
  roundListQuery,
  roundParams,
  roundSchema,
  roundSummary,
  routeListQuery,
  routeParams,
  routeSchema,
  scheduleListQuery,
  scheduleSchema,
  scheduleStatusBody,
  startRoundBody,
  statsQuery,
  statsSchema,
} from './schemas.js';

/** Who may set up routes and schedules: property admins and the site supervisors. */
const plannerRoles = [...propertyAdminRoles, 'dispatcher'] as const;

const presentRoute = (r: RouteRow & { checkpoints?: { id: string; position: number; tagCode: string; location: string; check: string; active: boolean }[] }): z.infer<typeof routeSchema> => ({
  id: r.id,
  propertyId: r.propertyId,
  name: r.name,
  kind: r.kind,
  ordered: r.ordered,
  window: r.window,
  grace: r.grace,
  skewTolerance: r.skewTolerance,
  escalateAfter: r.escalateAfter,
  status: r.status,
  revision: r.revision,
  ...(r.checkpoints ? { checkpoints: r.checkpoints.map(({ id, position, tagCode, location, check, active }) => ({ id, position, tagCode, location, check, active })) } : {}),
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

const presentSchedule = (s: ScheduleRow): z.infer<typeof scheduleSchema> => ({
  id: s.id,
  propertyId: s.propertyId,
  routeId: s.routeId,
  name: s.name,
  every: s.every,
  unit: s.unit,
  anchor: s.anchor.toISOString(),
  opensBefore: s.opensBefore,
  catchUp: s.catchUp,
  status: s.status,
  statusReason: s.statusReason,
  revision: s.revision,
  createdAt: s.createdAt.toISOString(),
});

const summarise = (r: RoundRow): z.infer<typeof roundSummary> => ({
  id: r.workflowId,
  propertyId: r.propertyId,
  routeId: r.routeId,
  scheduleId: r.scheduleId,
  due: r.due.toISOString(),
  windowEnd: r.windowEnd.toISOString(),
  deadline: r.deadline.toISOString(),
  late: r.late,
  status: r.status as RoundStatus,
  guard: r.guardId && r.guardName ? { id: r.guardId, name: r.guardName } : null,
  checkpoints: r.checkpoints,
  checked: r.checked,
  missed: r.missed,
  exceptions: r.exceptions,
  issues: r.issues,
  skewFlags: r.skewFlags,
  minGapMs: r.minGapMs,
  maxGapMs: r.maxGapMs,
  escalationLevel: r.escalationLevel,
  earlyReason: r.earlyReason,
});

/** The round's state in the API's shape: each checkpoint with its scan, observation and exception. */
function presentRound(s: PatrolRoundState): z.infer<typeof roundSchema> {
  return {
    id: s.roundId,
    propertyId: s.propertyId,
    routeId: s.routeId,
    routeName: s.routeName,
    scheduleId: s.scheduleId,
    status: s.status,
    due: iso(s.due),
    windowEnd: iso(s.windowEnd),
    deadline: iso(s.deadline),
    late: s.late,
    ordered: s.ordered,
    guard: s.guard ?? null,
    checkpoints: s.checkpoints.map((c) => {
      const scan = s.scans.find((x) => x.checkpointId === c.id);
      const seen = s.observations.find((o) => o.checkpointId === c.id);
      const exception = s.exceptions.find((e) => e.checkpointId === c.id);
      return {
        ...c,
        checkedAt: isoOrNull(scan?.at),
        observation: seen ? { result: seen.result, at: iso(seen.at), ...(seen.note ? { note: seen.note } : {}), ...(seen.photo ? { photo: seen.photo } : {}) } : null,
        exception: exception ? { at: iso(exception.at), levels: exception.levels.map((l) => ({ ...l, firedAt: iso(l.firedAt) })) } : null,
      };
    }),
    scans: s.scans.map(({ deviceTime, at, ...x }) => ({ ...x, at: iso(at), ...(deviceTime !== undefined ? { deviceTime: iso(deviceTime) } : {}) })),
    report: { ...s.report, firstScanAt: isoOrNull(s.report.firstScanAt), lastScanAt: isoOrNull(s.report.lastScanAt) },
    earlyReason: s.earlyReason ?? null,
    outcomeReason: s.outcomeReason ?? null,
    escalationLevel: s.escalationLevel,
    deadlines: presentDeadlines(s.deadlines),
    startedAt: isoOrNull(s.startedAt),
    finishedAt: isoOrNull(s.finishedAt),
    timeline: presentTimeline(s.timeline),
  };
}

export const patrolRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal, taskQueue } = app.deps;
  const rounds = processResource<typeof patrolRoundWorkflow, PatrolRoundState, RoundRow & { status: string }>(app, {
    noun: 'patrol round',
    list: '/v1/patrol-rounds',
    workflowType: patrolRoundWorkflowType,
    // The round's ID is its workflow ID.
    workflowId: (id) => id,
    query: patrolRoundQuery,
    row: (id) => getRoundRow(db, id),
    final: finalRoundStatuses,
  });
  const shown = rounds.shownAs((_req, state) => presentRound(state));

  /** The route, once the caller may see its property (404 otherwise). */
  const routeFor = async (req: FastifyRequest, id: string) => {
    const route = await getRoute(db, id);
    if (!route) throw notFound(`patrol route ${id}`);
    requirePropertyAccess(req, route.propertyId);
    return route;
  };

  /** The schedules' engine, or 503 before anything is written when none is configured. */
  const engine = (): PlanEngine => {
    const found = app.deps.patrolEngine;
    if (!found) throw new HttpProblem(503, 'unavailable', 'patrol schedules cannot be changed: no plan engine is configured');
    return found;
  };

  const tags = ['patrols'];

  app.post('/patrol-routes', { schema: { tags, summary: 'Define a route and its checkpoints', body: createRouteBody, response: { 201: routeSchema, ...commonErrors } } }, async (req, reply) => {
    const b = req.body;
    if (!(await getProperty(db, b.propertyId))) throw notFound(`property ${b.propertyId}`);
    requirePropertyAccess(req, b.propertyId);
    requireRole(req, plannerRoles, 'define patrol routes');
    const route = await createRoute(db, b.propertyId, b, actorOf(req));
    if (!route) throw conflict(`${b.propertyId} already has a patrol route named ${b.name}`);
    return reply.status(201).header('location', `/v1/patrol-routes/${route.id}`).send(presentRoute(route));
  });

  app.get('/patrol-routes', { schema: { tags, summary: 'The routes of your properties', querystring: routeListQuery, response: { 200: z.object({ items: z.array(routeSchema) }), ...commonErrors } } }, async (req) => {
    if (req.query.propertyId) requirePropertyAccess(req, req.query.propertyId);
    return { items: (await listRoutes(db, { propertyIds: visibleProperties(req), propertyId: req.query.propertyId })).map((r) => presentRoute(r)) };
  });

  app.get('/patrol-routes/:id', { schema: { tags, summary: 'One route with its active checkpoints', params: routeParams, response: { 200: routeSchema, ...commonErrors } } }, async (req) =>
    presentRoute(await routeFor(req, req.params.id)),
  );

  app.patch('/patrol-routes/:id', { schema: { tags, summary: 'Change a route (rounds started from now on use it); retire it', params: routeParams, body: changeRouteBody, response: { 200: routeSchema, ...commonErrors } } }, async (req) => {
    const route = await routeFor(req, req.params.id);
    requireRole(req, plannerRoles, 'change patrol routes');
    await changeRoute(db, route.id, req.body, actorOf(req)).catch((err: unknown) => {
      if (isUniqueViolation(err)) throw conflict(`${route.propertyId} already has a patrol route named ${req.body.name}`);
      throw err;
    });
    return presentRoute(await routeFor(req, req.params.id));
  });

  app.post('/patrol-routes/:id/checkpoints', { schema: { tags, summary: 'Add a checkpoint at the end of the route', params: routeParams, body: checkpointBody, response: { 201: routeSchema, ...commonErrors } } }, async (req, reply) => {
    const route = await routeFor(req, req.params.id);
    requireRole(req, plannerRoles, 'change patrol routes');
    if (!(await addCheckpoint(db, route, req.body, actorOf(req)))) throw badRequest('body.tagCode', `is already a tag of route ${route.name}`);
    return reply.status(201).send(presentRoute(await routeFor(req, route.id)));
  });

  app.patch(
    '/patrol-routes/:id/checkpoints/:checkpointId',
    { schema: { tags, summary: 'Change a checkpoint (tag code, place, what to check, order) or take it out of the route', params: checkpointParams, body: changeCheckpointBody, response: { 200: routeSchema, ...commonErrors } } },
    async (req) => {
      const route = await routeFor(req, req.params.id);
      requireRole(req, plannerRoles, 'change patrol routes');
      const changed = await changeCheckpoint(db, route, req.params.checkpointId, req.body, actorOf(req)).catch((err: unknown) => {
        if (isUniqueViolation(err)) throw badRequest('body.tagCode', `is already a tag of route ${route.name}`);
        throw err;
      });
      if (!changed) throw notFound(`checkpoint ${req.params.checkpointId} of route ${route.name}`);
      return presentRoute(await routeFor(req, route.id));
    },
  );

  app.get('/patrol-routes/:id/stats', { schema: { tags, summary: 'A route’s month: rounds due, on time, late, missed; checkpoints missed; hazards by severity', params: routeParams, querystring: statsQuery, response: { 200: statsSchema, ...commonErrors } } }, async (req) => {
    const route = await routeFor(req, req.params.id);
    const property = await getProperty(db, route.propertyId);
    const bounds = monthBounds(req.query.month, property?.timezone ?? 'Asia/Shanghai');
    const from = new Date(bounds.startMs);
    const to = new Date(bounds.endMs);
    return { routeId: route.id, month: req.query.month, from: from.toISOString(), to: to.toISOString(), ...(await routeStats(db, route.id, from, to)) };
  });

  app.post('/patrol-schedules', { schema: { tags, summary: 'Schedule a route: one round every interval from the anchor', body: createScheduleBody, response: { 201: scheduleSchema, ...commonErrors, 503: errorBody } } }, async (req, reply) => {
    const route = await routeFor(req, req.body.routeId).catch((err: unknown) => {
      if (err instanceof HttpProblem && err.statusCode === 404) throw badRequest('body.routeId', 'is not a patrol route');
      throw err;
    });
    requireRole(req, plannerRoles, 'schedule patrols');
    const plans = engine();
    const schedule = await createSchedule(db, route.propertyId, req.body, actorOf(req));
    await plans.started(schedule.id);
    return reply.status(201).header('location', `/v1/patrol-schedules/${schedule.id}`).send(presentSchedule(schedule));
  });

  app.get('/patrol-schedules', { schema: { tags, summary: 'The patrol schedules of your properties', querystring: scheduleListQuery, response: { 200: z.object({ items: z.array(scheduleSchema) }), ...commonErrors } } }, async (req) => {
    if (req.query.propertyId) requirePropertyAccess(req, req.query.propertyId);
    return { items: (await listSchedules(db, { propertyIds: visibleProperties(req), ...req.query })).map(presentSchedule) };
  });

  app.post(
    '/patrol-schedules/:id/status',
    { schema: { tags, summary: 'Pause, resume or retire a schedule, with a reason (rounds a pause covers are recorded skipped)', params: routeParams, body: scheduleStatusBody, response: { 200: scheduleSchema, ...commonErrors, 503: errorBody } } },
    async (req) => {
      const found = await getSchedule(db, req.params.id);
      if (!found) throw notFound(`patrol schedule ${req.params.id}`);
      requirePropertyAccess(req, found.propertyId);
      requireRole(req, plannerRoles, 'change patrol schedules');
      if (found.status === 'retired') throw conflict(`patrol schedule ${found.id} is retired`, { status: found.status });
      const plans = engine();
      const changed = await changeScheduleStatus(db, found.id, req.body.status, req.body.reason, actorOf(req));
      await (req.body.status === 'retired' ? plans.retired(found.id) : plans.changed(found.id));
      return presentSchedule(changed!);
    },
  );

  app.post('/patrol-rounds', { schema: { tags, summary: 'Start a round of a route by hand (due now unless given); a second start lands on the same round', body: startRoundBody, response: { 201: roundSchema, ...commonErrors, 503: errorBody } } }, async (req, reply) => {
    const route = await routeFor(req, req.body.routeId).catch((err: unknown) => {
      if (err instanceof HttpProblem && err.statusCode === 404) throw badRequest('body.routeId', 'is not a patrol route');
      throw err;
    });
    requireRole(req, patrolRoles, 'start patrol rounds');
    if (route.status !== 'active') throw conflict(`patrol route ${route.name} is ${route.status}`);
    if (!route.checkpoints.length) throw conflict(`patrol route ${route.name} has no checkpoint`);
    // Whole seconds: the ID carries the due time, and a retry within the second lands on the same round.
    const due = Math.floor((req.body.due?.getTime() ?? Date.now()) / 1000) * 1000;
    const id = roundWorkflowId(route.id, due);
    await startProcess(temporal, { workflowType: patrolRoundWorkflowType, workflowId: id, taskQueue, args: [roundInput(route, due, { scheduleId: null, late: false, createdBy: actorOf(req) })], replayed: true });
    return reply.status(201).header('location', `/v1/patrol-rounds/${id}`).send(await shown.read(req, id));
  });

  app.get('/patrol-rounds', { schema: { tags, summary: 'Rounds from the projection, newest due first', querystring: roundListQuery, response: { 200: z.object({ items: z.array(roundSummary) }), ...commonErrors } } }, async (req) => {
    const q = req.query;
    if (q.propertyId) requirePropertyAccess(req, q.propertyId);
    return { items: (await listRounds(db, { ...q, propertyIds: visibleProperties(req) })).map(summarise) };
  });

  app.get('/patrol-rounds/:id', { schema: { tags, summary: 'One round: checkpoints, scans, observations, exceptions, report, timeline', params: roundParams, response: { 200: roundSchema, ...commonErrors, 503: errorBody } } }, async (req) =>
    shown.read(req, req.params.id),
  );

  const step = <B extends z.ZodType>(summary: string, body: B) => ({ schema: { tags, summary, params: roundParams, body, response: { 200: roundSchema, ...commonErrors, 503: errorBody } } });

  app.post('/patrol-rounds/:id/start', step('The guard starts the round', emptyBody), async (req) => shown.step(req, req.params.id, startRoundUpdate, { actor: actorOf(req) }));

  app.post('/patrol-rounds/:id/check-in', step('Scan a checkpoint: the tag code must be the checkpoint’s (400 otherwise); the time is the server’s', checkInBody), async (req) => {
    const b = req.body;
    const route = await getRoute(db, parseRoundWorkflowId(req.params.id)!.routeId);
    const checkpoint = route?.checkpoints.find((c) => c.id === b.checkpointId);
    if (!checkpoint) throw badRequest('body.checkpointId', 'is not a checkpoint of this round’s route');
    if (checkpoint.tagCode !== b.tagCode.trim()) throw badRequest('body.tagCode', `does not match checkpoint ${checkpoint.position} (${checkpoint.location})`);
    return shown.step(req, req.params.id, checkInUpdate, { actor: actorOf(req), checkpointId: b.checkpointId, ...(b.deviceTime ? { deviceTime: Date.parse(b.deviceTime) } : {}), ...(b.gps ? { gps: b.gps } : {}) });
  });

  app.post('/patrol-rounds/:id/observe', step('What the guard saw at a scanned checkpoint: ok, or an issue with a photo', observeBody), async (req) => {
    const b = req.body;
    return shown.step(req, req.params.id, observeUpdate, { actor: actorOf(req), checkpointId: b.checkpointId, result: b.result, ...(b.note ? { note: b.note } : {}), ...(b.photo ? { photo: b.photo } : {}) });
  });

  app.post('/patrol-rounds/:id/finish', step('End the round; before every checkpoint is scanned only with a reason (400 without)', finishBody), async (req) =>
    shown.step(req, req.params.id, finishRoundUpdate, { actor: actorOf(req), ...(req.body?.reason ? { reason: req.body.reason } : {}) }),
  );
};
