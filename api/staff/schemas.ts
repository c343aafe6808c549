/** Request and response schemas for staff at a property. */
import { z } from 'zod';
import { departmentCodes } from '../../domain/categories.js';
import { roles } from '../../domain/roles.js';
import { phone, propertyParams } from '../common.js';

export const createStaffBody = z
  .object({
    username: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,62}$/, 'must be 2-63 lowercase letters, digits, dots, dashes or underscores'),
    name: z.string().trim().min(1).max(100),
    role: z.enum(roles),
    phone: phone.optional(),
    department: z.enum(departmentCodes).optional(),
    zones: z.array(z.string().trim().min(1).max(50)).max(50).optional(),
  })
  .strict();

export const updateStaffBody = z
  .object({
    active: z.boolean().optional(),
    department: z.enum(departmentCodes).nullable().optional(),
    zones: z.array(z.string().trim().min(1).max(50)).max(50).optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'must change at least one of active, department, zones');

export const staffMember = z
  .object({
    id: z.uuid(),
    username: z.string(),
    name: z.string(),
    role: z.string(),
    phone: z.string().nullable(),
    active: z.boolean(),
    propertyId: z.string(),
    department: z.string().nullable(),
    zones: z.array(z.string()),
  })
  .meta({ id: 'StaffMember' });

export const staffParams = propertyParams.extend({ staffId: z.uuid() });

export const staffQuery = z
  .object({
    role: z.enum(roles).optional(),
    department: z.enum(departmentCodes).optional(),
    active: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  })
  .strict();
