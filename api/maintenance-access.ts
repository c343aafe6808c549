/**
 * Who may see and change a property's maintenance data (equipment, checklist templates,
 * plans): every member of the property reads (auditors read-only, as everywhere); the
 * project manager, general manager, admin and the engineering supervisor write.
 */
import type { FastifyRequest } from 'fastify';
import { departmentAt } from '../db/maintenance.js';
import type { Db } from '../db/index.js';
import { getProperty, type PropertyRow } from '../db/reference.js';
import { maintenanceWriterRoles } from '../domain/maintenance.js';
import { requirePropertyAccess, requireRole } from './auth.js';
import { forbidden, notFound } from './errors.js';

/** The property, if it exists and the caller belongs to it (else 404, the same either way). */
export async function propertyFor(req: FastifyRequest, db: Db, propertyId: string): Promise<PropertyRow> {
  const row = await getProperty(db, propertyId);
  if (!row) throw notFound(`property ${propertyId}`);
  requirePropertyAccess(req, propertyId);
  return row;
}

/** 403 unless the caller may change maintenance data at `propertyId` (call after propertyFor). */
export async function requireMaintenanceWriter(req: FastifyRequest, db: Db, propertyId: string, doing: string): Promise<void> {
  requireRole(req, maintenanceWriterRoles, doing);
  if (req.user.role === 'dispatcher' && (await departmentAt(db, req.user.sub, propertyId)) !== 'engineering') {
    throw forbidden(`only the engineering department's dispatcher may ${doing}`);
  }
}
