/**
 * Drill schedules (演练计划) per property: each is a plan of the recurring-plan engine whose
 * occurrence is a drill that waits for staff to start it and escalates if it is not held
 * within its window. Create, list, pause, resume, retire.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { changeDrillScheduleStatus, createDrillSchedule, drillSeries, getDrillSchedule, listDrillSchedules, type DrillScheduleRow } from '../../db/drill-schedules.js';
import { getProperty } from '../../db/reference.js';
import type { IncidentType } from '../../domain/emergency.js';
import type { IntervalUnit } from '../../domain/maintenance.js';
import { occurrences } from '../../domain/maintenance-schedule.js';
import { propertyAdminRoles } from '../../domain/roles.js';
import { drillScheduleWorkflowId } from '../../workflows/drill-schedule.contract.js';
import { actorOf, requirePropertyAccess, requireRole } from '../auth.js';
import { propertyParams } from '../common.js';
import { commonErrors, conflict, errorBody, HttpProblem, notFound } from '../errors.js';
import type { PlanEngine } from '../recurring-plans/engine.js';
import { createDrillScheduleBody, drillSchedule, drillScheduleParams, retireScheduleBody, scheduleStatusBody } from './schemas.js';

const tags = ['emergency-plans'];
const writeErrors = { ...commonErrors, 503: errorBody };

function present(row: DrillScheduleRow, timeZone: string): z.infer<typeof drillSchedule> {
  // A paused schedule's due times are recorded skipped: it has no next drill until it is resumed.
  const [next] = row.status === 'active' ? occurrences(drillSeries(row, timeZone), Date.now(), Number.MAX_SAFE_INTEGER, 1) : [];
  return {
    id: row.id,
    workflowId: drillScheduleWorkflowId(row.id),
    propertyId: row.propertyId,
    incidentType: row.incidentType as IncidentType,
    every: row.every,
    unit: row.unit as IntervalUnit,
    anchor: row.anchor,
    holdWithin: row.holdWithin,
    status: row.status,
    statusReason: row.statusReason,
    nextDue: next === undefined ? null : new Date(next),
    createdAt: row.createdAt,
  };
}

export const drillScheduleRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;

  /** The engine, or 503 before anything is written when none is configured. */
  const engine = (): PlanEngine => {
    const found = app.deps.drillScheduleEngine;
    if (!found) throw new HttpProblem(503, 'unavailable', 'drill schedules cannot be changed: no plan engine is configured');
    return found;
  };
  const propertyFor = async (req: FastifyRequest, id: string) => {
    const property = await getProperty(db, id);
    if (!property) throw notFound(`property ${id}`);
    requirePropertyAccess(req, id);
    return property;
  };

  app.get(
    '/properties/:propertyId/drill-schedules',
    { schema: { tags, summary: 'The drill schedules of a property, with each one’s next due time', params: propertyParams, response: { 200: z.object({ items: z.array(drillSchedule) }), ...commonErrors } } },
    async (req) => {
      const property = await propertyFor(req, req.params.propertyId);
      return { items: (await listDrillSchedules(db, property.id)).map((r) => present(r, property.timezone)) };
    },
  );

  app.post(
    '/properties/:propertyId/drill-schedules',
    { schema: { tags, summary: 'Schedule drills of one incident type; the schedule’s workflow starts', params: propertyParams, body: createDrillScheduleBody, response: { 201: drillSchedule, ...writeErrors } } },
    async (req, reply) => {
      const property = await propertyFor(req, req.params.propertyId);
      requireRole(req, propertyAdminRoles, 'schedule drills');
      const drillEngine = engine();
      const row = await createDrillSchedule(db, property.id, { ...req.body, anchor: new Date(req.body.anchor) }, actorOf(req));
      await drillEngine.started(row.id);
      return reply.status(201).send(present(row, property.timezone));
    },
  );

  /** Change a schedule's status and tell its workflow; 409 naming the status when it is retired or already so. */
  const changeStatus = async (req: FastifyRequest & { params: { id: string } }, status: 'active' | 'paused' | 'retired', reason: string) => {
    const current = await getDrillSchedule(db, req.params.id);
    if (!current) throw notFound(`drill schedule ${req.params.id}`);
    requirePropertyAccess(req, current.propertyId);
    requireRole(req, propertyAdminRoles, 'change drill schedules');
    const drillEngine = engine();
    const changed = await changeDrillScheduleStatus(db, current.id, status, reason, actorOf(req));
    if (!changed) throw conflict(`drill schedule ${current.id} is ${current.status === 'retired' ? 'retired' : `already ${status}`}`, { status: current.status });
    await (status === 'retired' ? drillEngine.retired(changed.id) : drillEngine.changed(changed.id));
    return present(changed, current.timeZone);
  };

  app.post(
    '/drill-schedules/:id/status',
    { schema: { tags, summary: 'Pause, resume or retire a schedule, with a reason (drills a pause covers are recorded skipped)', params: drillScheduleParams, body: scheduleStatusBody, response: { 200: drillSchedule, ...writeErrors } } },
    async (req) => changeStatus(req, req.body.status, req.body.reason),
  );

  app.post(
    '/drill-schedules/:id/retire',
    { schema: { tags, summary: 'Retire a schedule: no further drill falls due', params: drillScheduleParams, body: retireScheduleBody, response: { 200: drillSchedule, ...writeErrors } } },
    async (req) => changeStatus(req, 'retired', req.body.reason),
  );
};
