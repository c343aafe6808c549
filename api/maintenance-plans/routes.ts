/**
 * Maintenance plans: what is maintained, how often, with which checklist and by whom. The
 * routes keep the definitions; after each committed change they tell the plan engine
 * (engine.ts), which runs the plan's workflow.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../../db/index.js';
import {
  changePlan,
  createPlan,
  getEquipment,
  getPlan,
  getTemplate,
  lastCompletions,
  listPlans,
  scheduleOf,
  type MaintenancePlanRow,
} from '../../db/maintenance.js';
import type { CatchUpPolicy, EquipmentKind, IntervalUnit, PlanMode, PlanStatus } from '../../domain/maintenance.js';
import { addIntervals, nextDue, planWorkflowId } from '../../domain/maintenance-schedule.js';
import { actorOf, requirePropertyAccess } from '../auth.js';
import { badRequest, commonErrors, conflict, errorBody, HttpProblem, notFound } from '../errors.js';
import { propertyFor, requireMaintenanceWriter } from '../maintenance-access.js';
import { decodeCursor, encodeCursor, iso } from '../process-views.js';
import type { PlanEngine } from '../recurring-plans/engine.js';
import { retireBody } from '../maintenance-schemas.js';
import { createPlanBody, planListQuery, planParams, planSchema, updatePlanBody } from './schemas.js';

type PlanDefinition = Pick<MaintenancePlanRow, 'equipmentId' | 'equipmentKind' | 'assignee' | 'templateCode' | 'templateVersion'>;

/**
 * 400 naming the field unless the plan's equipment, template and assignee fit together at
 * the property: the equipment exists there and is not retired, the template (and a pinned
 * version) exists and is for the plan's kind, and a contractor plan's equipment has one.
 */
async function checkDefinition(db: Db, propertyId: string, p: PlanDefinition): Promise<void> {
  if (p.equipmentId) {
    const item = await getEquipment(db, p.equipmentId);
    if (!item || item.propertyId !== propertyId) throw badRequest('body.equipmentId', `no equipment ${p.equipmentId} at ${propertyId}`);
    if (item.status === 'retired') throw badRequest('body.equipmentId', `equipment ${item.code} is retired`);
    if ('contractor' in p.assignee && !item.contractorName) throw badRequest('body.assignee', `equipment ${item.code} has no contractor`);
  }
  const template = await getTemplate(db, propertyId, p.templateCode);
  if (!template) throw badRequest('body.template.code', `no checklist template ${p.templateCode} at ${propertyId}`);
  if (p.templateVersion && !(await getTemplate(db, propertyId, p.templateCode, p.templateVersion))) {
    throw badRequest('body.template.version', `checklist template ${p.templateCode} has no version ${p.templateVersion} (latest ${template.version})`);
  }
  if (template.equipmentKind !== p.equipmentKind) {
    throw badRequest('body.template.code', `is a checklist for ${template.equipmentKind}; the plan covers ${p.equipmentKind}`);
  }
}

export const maintenancePlanRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;

  /** The engine, or 503 before anything is written when none is configured. */
  const engine = (): PlanEngine => {
    const found = app.deps.planEngine;
    if (!found) throw new HttpProblem(503, 'unavailable', 'maintenance plans cannot be changed: no plan engine is configured');
    return found;
  };

  const present = (p: MaintenancePlanRow, timeZone: string, lastCompletedAt: Date | undefined, now = Date.now()): z.infer<typeof planSchema> => {
    const s = scheduleOf(p, timeZone);
    return {
      id: p.id,
      workflowId: planWorkflowId(p.id),
      propertyId: p.propertyId,
      name: p.name,
      equipmentId: p.equipmentId,
      equipmentKind: p.equipmentKind as EquipmentKind,
      interval: { mode: p.mode as PlanMode, every: p.every, unit: p.unit as IntervalUnit, anchor: iso(p.anchor.getTime()) },
      window: { opensBefore: p.opensBefore, overdueAfter: p.overdueAfter },
      assignee: p.assignee,
      template: { code: p.templateCode, version: p.templateVersion },
      catchUp: p.catchUp as CatchUpPolicy,
      outOfServiceOnDefect: p.outOfServiceOnDefect,
      status: p.status as PlanStatus,
      statusReason: p.statusReason,
      statusChangedAt: iso(p.statusChangedAt.getTime()),
      revision: p.revision,
      nextDue: p.status === 'active' ? iso(nextDue(s, lastCompletedAt?.getTime() ?? null, now)) : null,
      createdAt: iso(p.createdAt.getTime()),
      updatedAt: iso(p.updatedAt.getTime()),
    };
  };

  /** A plan the caller may see, with its property: 404 if unknown or at another property. */
  const visible = async (req: FastifyRequest, id: string) => {
    const plan = await getPlan(db, id);
    if (!plan) throw notFound(`maintenance plan ${id}`);
    requirePropertyAccess(req, plan.propertyId, `maintenance plan ${id}`);
    const property = await propertyFor(req, db, plan.propertyId);
    return { plan, property };
  };

  const presentOne = async (p: MaintenancePlanRow, timeZone: string) => present(p, timeZone, (await lastCompletions(db, [p.id])).get(p.id));

  const writeErrors = { ...commonErrors, 503: errorBody };

  app.post(
    '/maintenance-plans',
    { schema: { tags: ['maintenance'], summary: 'Create a plan; its workflow starts', body: createPlanBody, response: { 201: planSchema, ...writeErrors } } },
    async (req, reply) => {
      const b = req.body;
      const property = await propertyFor(req, db, b.propertyId);
      await requireMaintenanceWriter(req, db, b.propertyId, 'create maintenance plans');
      const planEngine = engine();
      const item = b.equipmentId ? await getEquipment(db, b.equipmentId) : undefined;
      const definition: PlanDefinition = {
        equipmentId: b.equipmentId ?? null,
        equipmentKind: b.equipmentKind ?? item?.kind ?? '',
        assignee: b.assignee,
        templateCode: b.template.code,
        templateVersion: b.template.version ?? null,
      };
      await checkDefinition(db, b.propertyId, definition);
      const now = Date.now();
      const anchorMs = b.interval.anchor
        ? Date.parse(b.interval.anchor)
        : addIntervals({ mode: b.interval.mode, every: b.interval.every, unit: b.interval.unit, anchorMs: now, timeZone: property.timezone }, now, 1);
      const plan = await createPlan(
        db,
        b.propertyId,
        {
          ...definition,
          name: b.name,
          mode: b.interval.mode,
          every: b.interval.every,
          unit: b.interval.unit,
          anchor: new Date(anchorMs),
          opensBefore: b.window.opensBefore,
          overdueAfter: b.window.overdueAfter,
          catchUp: b.catchUp,
          outOfServiceOnDefect: b.outOfServiceOnDefect,
        },
        actorOf(req),
      );
      await planEngine.started(plan.id);
      return reply.status(201).header('location', `/v1/maintenance-plans/${plan.id}`).send(present(plan, property.timezone, undefined));
    },
  );

  app.get(
    '/maintenance-plans',
    {
      schema: {
        tags: ['maintenance'],
        summary: "A property's plans, newest first, keyset paging",
        querystring: planListQuery,
        response: { 200: z.object({ items: z.array(planSchema), nextCursor: z.string().nullable() }), ...commonErrors },
      },
    },
    async (req) => {
      const q = req.query;
      const property = await propertyFor(req, db, q.propertyId);
      const result = await listPlans(db, {
        propertyId: q.propertyId,
        status: q.status,
        kind: q.equipmentKind,
        equipmentId: q.equipmentId,
        limit: q.limit,
        cursor: q.cursor ? decodeCursor(q.cursor) : undefined,
      });
      const completions = await lastCompletions(db, result.items.map((p) => p.id));
      return { items: result.items.map((p) => present(p, property.timezone, completions.get(p.id))), nextCursor: result.next ? encodeCursor(result.next) : null };
    },
  );

  app.get(
    '/maintenance-plans/:id',
    { schema: { tags: ['maintenance'], params: planParams, response: { 200: planSchema, ...commonErrors } } },
    async (req) => {
      const { plan, property } = await visible(req, req.params.id);
      return presentOne(plan, property.timezone);
    },
  );

  app.patch(
    '/maintenance-plans/:id',
    {
      schema: {
        tags: ['maintenance'],
        summary: 'Change, pause or resume a plan: a new revision, applied by its workflow from the next occurrence',
        params: planParams,
        body: updatePlanBody,
        response: { 200: planSchema, ...writeErrors },
      },
    },
    async (req) => {
      const { plan: current, property } = await visible(req, req.params.id);
      await requireMaintenanceWriter(req, db, current.propertyId, 'change maintenance plans');
      const planEngine = engine();
      const b = req.body;
      const changed = await changePlan(
        db,
        current.id,
        {
          ...(b.name !== undefined ? { name: b.name } : {}),
          ...(b.interval ? { mode: b.interval.mode, every: b.interval.every, unit: b.interval.unit, anchor: b.interval.anchor ? new Date(b.interval.anchor) : current.anchor } : {}),
          ...(b.window ? { opensBefore: b.window.opensBefore, overdueAfter: b.window.overdueAfter } : {}),
          ...(b.assignee ? { assignee: b.assignee } : {}),
          ...(b.template ? { templateCode: b.template.code, templateVersion: b.template.version ?? null } : {}),
          ...(b.catchUp !== undefined ? { catchUp: b.catchUp } : {}),
          ...(b.outOfServiceOnDefect !== undefined ? { outOfServiceOnDefect: b.outOfServiceOnDefect } : {}),
          ...(b.status !== undefined ? { status: b.status } : {}),
          ...(b.reason !== undefined ? { reason: b.reason } : {}),
        },
        actorOf(req),
        async (locked, merged) => {
          if (locked.status === 'retired') throw conflict(`maintenance plan ${locked.id} is retired`, { status: 'retired' });
          await checkDefinition(db, locked.propertyId, merged);
        },
      );
      if (!changed) throw notFound(`maintenance plan ${current.id}`);
      await planEngine.changed(changed.id);
      return presentOne(changed, property.timezone);
    },
  );

  app.post(
    '/maintenance-plans/:id/retire',
    {
      schema: {
        tags: ['maintenance'],
        summary: 'Retire a plan: no further occurrence is started, and a task started ahead that has not opened is skipped',
        params: planParams,
        body: retireBody,
        response: { 200: planSchema, ...writeErrors },
      },
    },
    async (req) => {
      const { plan: current, property } = await visible(req, req.params.id);
      await requireMaintenanceWriter(req, db, current.propertyId, 'retire maintenance plans');
      const planEngine = engine();
      const retired = await changePlan(db, current.id, { status: 'retired', reason: req.body.reason }, actorOf(req), (locked) => {
        if (locked.status === 'retired') throw conflict(`maintenance plan ${locked.id} is already retired`, { status: 'retired' });
      });
      if (!retired) throw notFound(`maintenance plan ${current.id}`);
      await planEngine.retired(retired.id);
      return presentOne(retired, property.timezone);
    },
  );
};
