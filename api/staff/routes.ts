/** Staff of a property: add, change (department, zones, active) and list. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { addStaff, getProperty, listStaff, updateStaff } from '../../db/reference.js';
import { propertyAdminRoles } from '../../domain/roles.js';
import { actorOf, requirePropertyAccess, requireRole } from '../auth.js';
import { maskPhone, propertyParams } from '../common.js';
import { commonErrors, conflict, forbidden, notFound } from '../errors.js';
import { createStaffBody, staffMember, staffParams, staffQuery, updateStaffBody } from './schemas.js';

export const staffRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;

  const propertyFor = async (req: Parameters<typeof requirePropertyAccess>[0], id: string) => {
    if (!(await getProperty(db, id))) throw notFound(`property ${id}`);
    requirePropertyAccess(req, id);
  };

  app.post(
    '/properties/:propertyId/staff',
    { schema: { tags: ['staff'], summary: 'Add a staff member to a property', params: propertyParams, body: createStaffBody, response: { 201: staffMember, ...commonErrors } } },
    async (req, reply) => {
      await propertyFor(req, req.params.propertyId);
      requireRole(req, propertyAdminRoles, 'add staff');
      // Nobody hands out a role above their own: only an admin creates admins.
      if (req.body.role === 'admin' && req.user.role !== 'admin') throw forbidden('only an admin may add an admin');
      const result = await addStaff(db, req.params.propertyId, req.body, actorOf(req));
      if (result === 'role-mismatch') throw conflict(`username ${req.body.username} already exists with another role`);
      if (result === 'already-member') throw conflict(`${req.body.username} already belongs to ${req.params.propertyId}`);
      return reply.status(201).send(result);
    },
  );

  app.get(
    '/properties/:propertyId/staff',
    { schema: { tags: ['staff'], params: propertyParams, querystring: staffQuery, response: { 200: z.object({ items: z.array(staffMember) }), ...commonErrors } } },
    async (req) => {
      await propertyFor(req, req.params.propertyId);
      const items = await listStaff(db, req.params.propertyId, req.query);
      return { items: req.user.role === 'auditor' ? items.map((s) => ({ ...s, phone: maskPhone(s.phone) })) : items };
    },
  );

  app.patch(
    '/properties/:propertyId/staff/:staffId',
    { schema: { tags: ['staff'], summary: 'Change department, zones or active flag', params: staffParams, body: updateStaffBody, response: { 200: staffMember, ...commonErrors } } },
    async (req) => {
      await propertyFor(req, req.params.propertyId);
      requireRole(req, propertyAdminRoles, 'change staff');
      const row = await updateStaff(db, req.params.propertyId, req.params.staffId, req.body, actorOf(req));
      if (!row) throw notFound(`staff member ${req.params.staffId} at ${req.params.propertyId}`);
      return row;
    },
  );
};
