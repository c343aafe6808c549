/** Request and response schemas for properties, buildings and units. */
import { z } from 'zod';
import { propertyKinds } from '../../domain/categories.js';
import { phone, propertyId, propertyParams, timestamp } from '../common.js';

export { propertyParams };

export const createPropertyBody = z
  .object({
    id: propertyId,
    name: z.string().trim().min(1).max(200),
    kind: z.enum(propertyKinds),
    address: z.string().trim().max(500).optional(),
    timezone: z
      .string()
      .refine((tz) => Intl.supportedValuesOf('timeZone').includes(tz) || tz === 'UTC', 'must be an IANA time zone')
      .optional(),
  })
  .strict();

export const property = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.string(),
    address: z.string().nullable(),
    timezone: z.string(),
    createdAt: timestamp,
  })
  .meta({ id: 'Property' });

export const createBuildingBody = z.object({ name: z.string().trim().min(1).max(100) }).strict();

export const building = z
  .object({ id: z.uuid(), propertyId: z.string(), name: z.string(), createdAt: timestamp })
  .meta({ id: 'Building' });

export const ownerInput = z
  .object({ name: z.string().trim().min(1).max(100), phone: phone.optional(), primary: z.boolean().optional() })
  .strict();

export const createUnitBody = z
  .object({
    code: z.string().trim().min(1).max(50),
    buildingId: z.uuid().optional(),
    floor: z.string().trim().max(20).optional(),
    owners: z.array(ownerInput).max(20).default([]),
  })
  .strict();

export const owner = z.object({ id: z.uuid(), name: z.string(), phone: z.string().nullable(), primary: z.boolean() });

export const unit = z
  .object({
    id: z.uuid(),
    propertyId: z.string(),
    buildingId: z.uuid().nullable(),
    code: z.string(),
    floor: z.string().nullable(),
    owners: z.array(owner),
    createdAt: timestamp,
  })
  .meta({ id: 'Unit' });

export const unitParams = propertyParams.extend({ unitId: z.uuid() });
export const unitsQuery = z.object({ buildingId: z.uuid().optional() }).strict();

export const department = z.object({ id: z.uuid(), code: z.string(), name: z.string() }).meta({ id: 'Department' });
