/**
 * Emergency plans per property and incident type: read them, add a version (a running
 * incident keeps the version it started with), read any version, and the duty roster that
 * says who is paged for each role of the response organisation.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { addPlanVersion, dutyRoster, getEmergencyPlan, listEmergencyPlans, listPlanVersions, setDuty, type PlanWithContent } from '../../db/emergency.js';
import { getProperty, listStaff } from '../../db/reference.js';
import { planProblems, type IncidentType } from '../../domain/emergency.js';
import { propertyAdminRoles } from '../../domain/roles.js';
import { actorOf, requirePropertyAccess, requireRole } from '../auth.js';
import { propertyParams } from '../common.js';
import { badRequest, commonErrors, notFound } from '../errors.js';
import { duty, dutyBody, dutyParams, plan, planBody, planParams, planVersion, planVersionParams } from './schemas.js';

const tags = ['emergency-plans'];

function present(p: PlanWithContent, versions?: Awaited<ReturnType<typeof listPlanVersions>>): z.infer<typeof plan> {
  return {
    id: p.id,
    propertyId: p.propertyId,
    incidentType: p.incidentType as IncidentType,
    currentVersion: p.currentVersion,
    content: p.content,
    ...(versions ? { versions: versions.map((v) => ({ version: v.version, note: v.note, createdAt: v.createdAt, createdBy: v.createdBy })) } : {}),
  };
}

export const emergencyPlanRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;

  const propertyFor = async (req: FastifyRequest, id: string) => {
    if (!(await getProperty(db, id))) throw notFound(`property ${id}`);
    requirePropertyAccess(req, id);
  };

  app.get(
    '/properties/:propertyId/emergency-plans',
    { schema: { tags, summary: 'Every emergency plan of a property, with its current version', params: propertyParams, response: { 200: z.object({ items: z.array(plan) }), ...commonErrors } } },
    async (req) => {
      await propertyFor(req, req.params.propertyId);
      return { items: (await listEmergencyPlans(db, req.params.propertyId)).map((p) => present(p)) };
    },
  );

  app.get(
    '/properties/:propertyId/emergency-plans/:type',
    { schema: { tags, summary: 'The plan for one incident type: its current content and every version', params: planParams, response: { 200: plan, ...commonErrors } } },
    async (req) => {
      await propertyFor(req, req.params.propertyId);
      const p = await getEmergencyPlan(db, req.params.propertyId, req.params.type);
      if (!p) throw notFound(`${req.params.type} plan at ${req.params.propertyId}`);
      return present(p, await listPlanVersions(db, p.id));
    },
  );

  app.put(
    '/properties/:propertyId/emergency-plans/:type',
    {
      schema: {
        tags,
        summary: 'Add a version of the plan (the first creates it); incidents already running keep the version they started with',
        params: planParams,
        body: planBody,
        response: { 200: plan, 201: plan, ...commonErrors },
      },
    },
    async (req, reply) => {
      await propertyFor(req, req.params.propertyId);
      requireRole(req, propertyAdminRoles, 'change emergency plans');
      const { note, ...content } = req.body;
      const problem = planProblems(content)[0];
      if (problem) throw badRequest(problem.field, problem.message);
      const saved = await addPlanVersion(db, req.params.propertyId, req.params.type, content, actorOf(req), note);
      return reply.status(saved.currentVersion === 1 ? 201 : 200).send(present(saved, await listPlanVersions(db, saved.id)));
    },
  );

  app.get(
    '/properties/:propertyId/emergency-plans/:type/versions/:version',
    { schema: { tags, summary: 'One version of a plan, as the incidents that started with it run it', params: planVersionParams, response: { 200: planVersion, ...commonErrors } } },
    async (req) => {
      await propertyFor(req, req.params.propertyId);
      const p = await getEmergencyPlan(db, req.params.propertyId, req.params.type);
      const v = p && (await listPlanVersions(db, p.id)).find((x) => x.version === req.params.version);
      if (!v) throw notFound(`version ${req.params.version} of the ${req.params.type} plan at ${req.params.propertyId}`);
      return { version: v.version, note: v.note, createdAt: v.createdAt, createdBy: v.createdBy, content: v.content };
    },
  );

  app.get(
    '/properties/:propertyId/emergency-duty',
    { schema: { tags, summary: 'Who is on duty for each role of the response organisation, in paging order', params: propertyParams, response: { 200: duty, ...commonErrors } } },
    async (req) => {
      await propertyFor(req, req.params.propertyId);
      return { propertyId: req.params.propertyId, roster: await dutyRoster(db, req.params.propertyId) };
    },
  );

  app.put(
    '/properties/:propertyId/emergency-duty/:role',
    { schema: { tags, summary: 'Set who is on duty for one role, in paging order (applies to pages sent from now on)', params: dutyParams, body: dutyBody, response: { 200: duty, ...commonErrors } } },
    async (req) => {
      await propertyFor(req, req.params.propertyId);
      requireRole(req, propertyAdminRoles, 'change the duty roster');
      const members = new Set((await listStaff(db, req.params.propertyId, { active: true })).map((s) => s.id));
      const stranger = req.body.staffIds.findIndex((id) => !members.has(id));
      if (stranger >= 0) throw badRequest(`staffIds.${stranger}`, `is not active staff of ${req.params.propertyId}`);
      await setDuty(db, req.params.propertyId, req.params.role, req.body.staffIds, actorOf(req));
      return { propertyId: req.params.propertyId, roster: await dutyRoster(db, req.params.propertyId) };
    },
  );
};
