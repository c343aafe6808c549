/** Staff of a property: add, change (department, zones, active) and list. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { addStaff, findStaffByUsername, getProperty, listStaff, staffStanding, updateStaff } from '../../db/reference.js';
import { allPropertyRoles, grantableRoles, propertyAdminRoles, type Role } from '../../domain/roles.js';
import { actorOf, canSeeProperty, requirePropertyAccess, requireRole } from '../auth.js';
import { maskPhone, propertyParams } from '../common.js';
import { commonErrors, conflict, forbidden, notFound } from '../errors.js';
import { createStaffBody, staffMember, staffParams, staffQuery, updateStaffBody } from './schemas.js';

export const staffRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;

  type Req = Parameters<typeof requirePropertyAccess>[0];
  const propertyFor = async (req: Req, id: string) => {
    requirePropertyAccess(req, id);
    if (!(await getProperty(db, id))) throw notFound(`property ${id}`);
  };

  /** 403 unless the caller may give `role`: nobody hands out a role above what they manage. */
  const mayGrant = (req: Req, role: string, doing: string) => {
    if (!grantableRoles(req.user.role).includes(role as Role)) throw forbidden(`role ${req.user.role} may not ${doing} a ${role}`);
  };

  /**
   * 403 unless every membership the person holds is at a property the caller manages: a
   * manager manages their own properties' people, not someone who also works elsewhere.
   */
  const managesPerson = async (req: Req, staffId: string) => {
    if (allPropertyRoles.includes(req.user.role)) return;
    const standing = await staffStanding(db, staffId);
    const elsewhere = standing?.memberships.some((m) => !canSeeProperty(req, m.propertyId)) ?? false;
    if (elsewhere) throw forbidden(`you may not add a person who already works at a property you do not manage`);
  };

  app.post(
    '/properties/:propertyId/staff',
    { schema: { tags: ['staff'], summary: 'Add a staff member to a property', params: propertyParams, body: createStaffBody, response: { 201: staffMember, ...commonErrors } } },
    async (req, reply) => {
      await propertyFor(req, req.params.propertyId);
      requireRole(req, propertyAdminRoles, 'add staff');
      mayGrant(req, req.body.role, 'add');
      const existing = await findStaffByUsername(db, req.body.username);
      if (existing) await managesPerson(req, existing.id);
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
      const current = (await listStaff(db, req.params.propertyId)).find((m) => m.id === req.params.staffId);
      if (!current) throw notFound(`staff member ${req.params.staffId} at ${req.params.propertyId}`);
      // Only this membership changes: the person's places at other properties are not the caller's to touch.
      mayGrant(req, current.role, 'change');
      const row = await updateStaff(db, req.params.propertyId, req.params.staffId, req.body, actorOf(req));
      if (!row) throw notFound(`staff member ${req.params.staffId} at ${req.params.propertyId}`);
      return row;
    },
  );
};
