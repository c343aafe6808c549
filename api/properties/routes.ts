/** Properties, their buildings, units (with owners) and departments. */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createBuilding,
  createProperty,
  createUnit,
  getProperty,
  getUnit,
  listBuildings,
  listDepartments,
  listProperties,
  listUnits,
  type UnitWithOwners,
} from '../../db/reference.js';
import { propertyAdminRoles, propertyCreatorRoles } from '../../domain/roles.js';
import { actorOf, requirePropertyAccess, requireRole, visibleProperties } from '../auth.js';
import { maskPhone } from '../common.js';
import { commonErrors, conflict, notFound } from '../errors.js';
import {
  building,
  createBuildingBody,
  createPropertyBody,
  createUnitBody,
  department,
  property,
  propertyParams,
  unit,
  unitParams,
  unitsQuery,
} from './schemas.js';

export const propertyRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;

  /** Load a property the caller may see, or answer 404/403. */
  const visibleProperty = async (req: Parameters<typeof requirePropertyAccess>[0], id: string) => {
    const row = await getProperty(db, id);
    if (!row) throw notFound(`property ${id}`);
    requirePropertyAccess(req, id);
    return row;
  };

  app.post(
    '/properties',
    { schema: { tags: ['properties'], summary: 'Create a property with its standard departments', body: createPropertyBody, response: { 201: property, ...commonErrors } } },
    async (req, reply) => {
      requireRole(req, propertyCreatorRoles, 'create properties');
      const row = await createProperty(db, req.body, actorOf(req));
      if (!row) throw conflict(`property ${req.body.id} already exists`);
      return reply.status(201).header('location', `/v1/properties/${row.id}`).send(row);
    },
  );

  app.get(
    '/properties',
    { schema: { tags: ['properties'], summary: 'Properties the caller belongs to', response: { 200: z.object({ items: z.array(property) }), ...commonErrors } } },
    async (req) => ({ items: await listProperties(db, visibleProperties(req)) }),
  );

  app.get(
    '/properties/:propertyId',
    { schema: { tags: ['properties'], params: propertyParams, response: { 200: property, ...commonErrors } } },
    async (req) => visibleProperty(req, req.params.propertyId),
  );

  app.post(
    '/properties/:propertyId/buildings',
    { schema: { tags: ['properties'], params: propertyParams, body: createBuildingBody, response: { 201: building, ...commonErrors } } },
    async (req, reply) => {
      await visibleProperty(req, req.params.propertyId);
      requireRole(req, propertyAdminRoles, 'add buildings');
      const row = await createBuilding(db, req.params.propertyId, req.body.name, actorOf(req));
      if (!row) throw conflict(`building ${req.body.name} already exists at ${req.params.propertyId}`);
      return reply.status(201).send(row);
    },
  );

  app.get(
    '/properties/:propertyId/buildings',
    { schema: { tags: ['properties'], params: propertyParams, response: { 200: z.object({ items: z.array(building) }), ...commonErrors } } },
    async (req) => {
      await visibleProperty(req, req.params.propertyId);
      return { items: await listBuildings(db, req.params.propertyId) };
    },
  );

  const present = (req: Parameters<typeof actorOf>[0], u: UnitWithOwners) =>
    req.user.role === 'auditor' ? { ...u, owners: u.owners.map((o) => ({ ...o, phone: maskPhone(o.phone) })) } : u;

  app.post(
    '/properties/:propertyId/units',
    { schema: { tags: ['properties'], summary: 'Create a unit with its owners', params: propertyParams, body: createUnitBody, response: { 201: unit, ...commonErrors } } },
    async (req, reply) => {
      await visibleProperty(req, req.params.propertyId);
      requireRole(req, propertyAdminRoles, 'add units');
      const row = await createUnit(db, req.params.propertyId, req.body, actorOf(req));
      if (row === 'unknown-building') throw notFound(`building ${req.body.buildingId} at ${req.params.propertyId}`);
      if (!row) throw conflict(`unit ${req.body.code} already exists at ${req.params.propertyId}`);
      return reply.status(201).header('location', `/v1/properties/${row.propertyId}/units/${row.id}`).send(row);
    },
  );

  app.get(
    '/properties/:propertyId/units',
    { schema: { tags: ['properties'], params: propertyParams, querystring: unitsQuery, response: { 200: z.object({ items: z.array(unit) }), ...commonErrors } } },
    async (req) => {
      await visibleProperty(req, req.params.propertyId);
      const rows = await listUnits(db, req.params.propertyId, req.query.buildingId);
      return { items: rows.map((u) => present(req, u)) };
    },
  );

  app.get(
    '/properties/:propertyId/units/:unitId',
    { schema: { tags: ['properties'], params: unitParams, response: { 200: unit, ...commonErrors } } },
    async (req) => {
      await visibleProperty(req, req.params.propertyId);
      const row = await getUnit(db, req.params.propertyId, req.params.unitId);
      if (!row) throw notFound(`unit ${req.params.unitId} at ${req.params.propertyId}`);
      return present(req, row);
    },
  );

  app.get(
    '/properties/:propertyId/departments',
    { schema: { tags: ['properties'], params: propertyParams, response: { 200: z.object({ items: z.array(department) }), ...commonErrors } } },
    async (req) => {
      await visibleProperty(req, req.params.propertyId);
      return { items: await listDepartments(db, req.params.propertyId) };
    },
  );
};
