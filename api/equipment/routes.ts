/** The equipment register: register, read, list, change, retire, and each piece's maintenance history. */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { changeEquipment, createEquipment, equipmentHistory, getEquipment, listEquipment, type EquipmentRow } from '../../db/maintenance.js';
import { defaultReplacementRule, type EquipmentKind, type EquipmentStatus } from '../../domain/maintenance.js';
import { actorOf, requirePropertyAccess } from '../auth.js';
import { maskPhone } from '../common.js';
import { commonErrors, conflict, notFound } from '../errors.js';
import { propertyFor, requireMaintenanceWriter } from '../maintenance-access.js';
import { retireBody } from '../maintenance-schemas.js';
import { decodeCursor, encodeCursor, iso, isoOrNull } from '../process-views.js';
import {
  createEquipmentBody,
  equipmentHistorySchema,
  equipmentListQuery,
  equipmentParams,
  equipmentSchema,

  updateEquipmentBody,
} from './schemas.js';

/** A piece of equipment on the wire; auditors see the contractor's phone masked. */
export function presentEquipment(req: FastifyRequest, e: EquipmentRow): z.infer<typeof equipmentSchema> {
  return {
    id: e.id,
    propertyId: e.propertyId,
    kind: e.kind as EquipmentKind,
    code: e.code,
    location: e.location,
    make: e.make,
    model: e.model,
    installedOn: e.installedOn,
    status: e.status as EquipmentStatus,
    statusReason: e.statusReason,
    contractor: e.contractorName
      ? { name: e.contractorName, contact: e.contractorContact, phone: req.user.role === 'auditor' ? maskPhone(e.contractorPhone) : e.contractorPhone }
      : null,
    createdAt: iso(e.createdAt.getTime()),
    updatedAt: iso(e.updatedAt.getTime()),
  };
}

export const equipmentRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.deps;

  /** A piece of equipment the caller may see: 404 if unknown or at another property. */
  const visible = async (req: FastifyRequest, id: string) => {
    const row = await getEquipment(db, id);
    if (!row) throw notFound(`equipment ${id}`);
    requirePropertyAccess(req, row.propertyId, `equipment ${id}`);
    return row;
  };

  app.post(
    '/equipment',
    { schema: { tags: ['equipment'], summary: 'Register a piece of equipment', body: createEquipmentBody, response: { 201: equipmentSchema, ...commonErrors } } },
    async (req, reply) => {
      const { propertyId, ...input } = req.body;
      await propertyFor(req, db, propertyId);
      await requireMaintenanceWriter(req, db, propertyId, 'register equipment');
      const row = await createEquipment(db, propertyId, input, actorOf(req));
      if (!row) throw conflict(`equipment ${input.code} already exists at ${propertyId}`);
      return reply.status(201).header('location', `/v1/equipment/${row.id}`).send(presentEquipment(req, row));
    },
  );

  app.get(
    '/equipment',
    {
      schema: {
        tags: ['equipment'],
        summary: "A property's equipment, newest first, keyset paging",
        querystring: equipmentListQuery,
        response: { 200: z.object({ items: z.array(equipmentSchema), nextCursor: z.string().nullable() }), ...commonErrors },
      },
    },
    async (req) => {
      const q = req.query;
      await propertyFor(req, db, q.propertyId);
      const result = await listEquipment(db, { propertyId: q.propertyId, kind: q.kind, status: q.status, limit: q.limit, cursor: q.cursor ? decodeCursor(q.cursor) : undefined });
      return { items: result.items.map((e) => presentEquipment(req, e)), nextCursor: result.next ? encodeCursor(result.next) : null };
    },
  );

  app.get(
    '/equipment/:id',
    { schema: { tags: ['equipment'], params: equipmentParams, response: { 200: equipmentSchema, ...commonErrors } } },
    async (req) => presentEquipment(req, await visible(req, req.params.id)),
  );

  app.patch(
    '/equipment/:id',
    {
      schema: {
        tags: ['equipment'],
        summary: 'Change location, make, model, installation date, contractor, or take out of / back into service (with a reason)',
        params: equipmentParams,
        body: updateEquipmentBody,
        response: { 200: equipmentSchema, ...commonErrors },
      },
    },
    async (req) => {
      const current = await visible(req, req.params.id);
      await requireMaintenanceWriter(req, db, current.propertyId, 'change equipment');
      const row = await changeEquipment(db, current.id, req.body, actorOf(req));
      if (!row) throw notFound(`equipment ${current.id}`);
      if (row === 'retired') throw conflict(`equipment ${current.code} is retired`, { status: 'retired' });
      return presentEquipment(req, row);
    },
  );

  app.post(
    '/equipment/:id/retire',
    { schema: { tags: ['equipment'], summary: 'Retire a piece of equipment for good', params: equipmentParams, body: retireBody, response: { 200: equipmentSchema, ...commonErrors } } },
    async (req) => {
      const current = await visible(req, req.params.id);
      await requireMaintenanceWriter(req, db, current.propertyId, 'retire equipment');
      const row = await changeEquipment(db, current.id, { retire: true, reason: req.body.reason }, actorOf(req));
      if (!row) throw notFound(`equipment ${current.id}`);
      if (row === 'retired') throw conflict(`equipment ${current.code} is already retired`, { status: 'retired' });
      return presentEquipment(req, row);
    },
  );

  app.get(
    '/equipment/:id/history',
    {
      schema: {
        tags: ['equipment'],
        summary: 'Maintenance tasks, defects and repair orders of a piece of equipment, and whether it is due for replacement',
        params: equipmentParams,
        response: { 200: equipmentHistorySchema, ...commonErrors },
      },
    },
    async (req) => {
      const item = await visible(req, req.params.id);
      const h = await equipmentHistory(db, item, app.deps.replacementRule ?? defaultReplacementRule);
      return {
        equipment: presentEquipment(req, item),
        counts: h.counts,
        replacement: h.replacement,
        tasks: h.tasks.map((t) => ({
          workflowId: t.workflowId,
          planId: t.planId,
          nominalDue: iso(t.nominalDue.getTime()),
          status: t.status,
          late: t.late,
          completedAt: isoOrNull(t.completedAt?.getTime()),
          defects: t.defects,
          skippedReason: t.skippedReason,
        })),
        repairOrders: h.repairOrders.map((r) => ({ ...r, linkedAt: iso(r.linkedAt.getTime()), closedAt: isoOrNull(r.closedAt?.getTime()) })),
      };
    },
  );
};
