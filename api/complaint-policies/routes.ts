/** Complaint policies per property and priority: the windows and escalation chain every new complaint clock starts from. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { getComplaintPolicy, getProperty, listComplaintPolicies, putComplaintPolicy } from '../../db/reference.js';
import { propertyAdminRoles } from '../../domain/roles.js';
import { complaintPriorities, type ComplaintPriority } from '../../workflows/complaint.contract.js';
import { actorOf, requirePropertyAccess, requireRole } from '../auth.js';
import { propertyParams } from '../common.js';
import { commonErrors, notFound } from '../errors.js';
import { complaintPolicy, complaintPolicyBody, complaintPolicyParams } from './schemas.js';

const rank = (p: string) => complaintPriorities.indexOf(p as ComplaintPriority);

export const complaintPolicyRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;

  const propertyFor = async (req: Parameters<typeof requirePropertyAccess>[0], id: string) => {
    if (!(await getProperty(db, id))) throw notFound(`property ${id}`);
    requirePropertyAccess(req, id);
  };

  app.put(
    '/properties/:propertyId/complaint-policies/:priority',
    {
      schema: {
        tags: ['complaint-policies'],
        summary: 'Create or replace the complaint policy of a priority (applies to clocks started from now on)',
        params: complaintPolicyParams,
        body: complaintPolicyBody,
        response: { 200: complaintPolicy, 201: complaintPolicy, ...commonErrors },
      },
    },
    async (req, reply) => {
      await propertyFor(req, req.params.propertyId);
      requireRole(req, propertyAdminRoles, 'change complaint policies');
      const { policy, created } = await putComplaintPolicy(db, req.params.propertyId, req.params.priority, req.body, actorOf(req));
      return reply.status(created ? 201 : 200).send({ ...policy, priority: req.params.priority });
    },
  );

  app.get(
    '/properties/:propertyId/complaint-policies',
    { schema: { tags: ['complaint-policies'], summary: 'Every complaint policy of a property, lowest priority first', params: propertyParams, response: { 200: z.object({ items: z.array(complaintPolicy) }), ...commonErrors } } },
    async (req) => {
      await propertyFor(req, req.params.propertyId);
      const rows = await listComplaintPolicies(db, req.params.propertyId);
      return { items: rows.sort((a, b) => rank(a.priority) - rank(b.priority)).map((r) => ({ ...r, priority: r.priority as ComplaintPriority })) };
    },
  );

  app.get(
    '/properties/:propertyId/complaint-policies/:priority',
    { schema: { tags: ['complaint-policies'], params: complaintPolicyParams, response: { 200: complaintPolicy, ...commonErrors } } },
    async (req) => {
      await propertyFor(req, req.params.propertyId);
      const row = await getComplaintPolicy(db, req.params.propertyId, req.params.priority);
      if (!row) throw notFound(`complaint policy for ${req.params.priority} priority at ${req.params.propertyId}`);
      return { ...row, priority: req.params.priority };
    },
  );
};
