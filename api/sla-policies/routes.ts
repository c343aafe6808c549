/** SLA policies per property and category: the figures every clock of a new process starts from. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getProperty, getSlaPolicy, listSlaPolicies, putSlaPolicy } from '../../db/reference.js';
import { propertyAdminRoles } from '../../domain/roles.js';
import { actorOf, requirePropertyAccess, requireRole } from '../auth.js';
import { propertyParams } from '../common.js';
import { commonErrors, notFound } from '../errors.js';
import { slaPolicy, slaPolicyBody, slaPolicyParams } from './schemas.js';

export const slaPolicyRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;

  const propertyFor = async (req: Parameters<typeof requirePropertyAccess>[0], id: string) => {
    if (!(await getProperty(db, id))) throw notFound(`property ${id}`);
    requirePropertyAccess(req, id);
  };

  app.put(
    '/properties/:propertyId/sla-policies/:category',
    {
      schema: {
        tags: ['sla-policies'],
        summary: 'Create or replace the SLA policy of a category (applies to clocks started from now on)',
        params: slaPolicyParams,
        body: slaPolicyBody,
        response: { 200: slaPolicy, 201: slaPolicy, ...commonErrors },
      },
    },
    async (req, reply) => {
      await propertyFor(req, req.params.propertyId);
      requireRole(req, propertyAdminRoles, 'change SLA policies');
      const { policy, created } = await putSlaPolicy(db, req.params.propertyId, req.params.category, req.body, actorOf(req));
      return reply.status(created ? 201 : 200).send(policy);
    },
  );

  app.get(
    '/properties/:propertyId/sla-policies',
    { schema: { tags: ['sla-policies'], params: propertyParams, response: { 200: z.object({ items: z.array(slaPolicy) }), ...commonErrors } } },
    async (req) => {
      await propertyFor(req, req.params.propertyId);
      return { items: await listSlaPolicies(db, req.params.propertyId) };
    },
  );

  app.get(
    '/properties/:propertyId/sla-policies/:category',
    { schema: { tags: ['sla-policies'], params: slaPolicyParams, response: { 200: slaPolicy, ...commonErrors } } },
    async (req) => {
      await propertyFor(req, req.params.propertyId);
      const row = await getSlaPolicy(db, req.params.propertyId, req.params.category);
      if (!row) throw notFound(`SLA policy for ${req.params.category} at ${req.params.propertyId}`);
      return row;
    },
  );
};
