/** Request and response schemas for SLA policies. */
import { z } from 'zod';
import { departmentCodes, workOrderCategories } from '../../domain/categories.js';
import { escalationRoles } from '../../domain/roles.js';
import { isoDuration, propertyParams, timestamp } from '../common.js';

/** An ISO 8601 duration, at most a year (shared with the emergency plans' deadlines). */
export const duration = isoDuration();

const rung = z
  .object({
    level: z.int().min(1).max(10),
    after: duration.meta({ description: 'counted from the missed deadline' }),
    role: z.enum(escalationRoles as ['dispatcher', 'manager', 'director']),
  })
  .strict();

export const slaPolicyBody = z
  .object({
    department: z.enum(departmentCodes),
    respond: duration,
    arrive: duration.nullable().optional(),
    complete: duration,
    revisit: duration,
    emergencyRespond: duration.optional(),
    // Hundredths at the finest: a ratio too small to store (5e-324) is refused here, not by the database.
    warnRatio: z.number().min(0.01).max(0.99).optional(),
    escalation: z
      .array(rung)
      .min(1)
      .max(10)
      .refine((chain) => chain.every((r, i) => r.level === i + 1), 'levels must be numbered 1, 2, 3… in order'),
    rectificationEscalateAfter: z.int().min(1).max(20).optional(),
  })
  .strict();

export const slaPolicyParams = propertyParams.extend({ category: z.enum(workOrderCategories) });

export const slaPolicy = z
  .object({
    propertyId: z.string(),
    category: z.string(),
    departmentCode: z.string(),
    respond: z.string(),
    arrive: z.string().nullable(),
    complete: z.string(),
    revisit: z.string(),
    emergencyRespond: z.string(),
    warnRatio: z.number(),
    escalation: z.array(z.object({ level: z.number(), after: z.string(), role: z.string() })),
    rectificationEscalateAfter: z.number(),
    version: z.number(),
    updatedAt: timestamp,
    updatedBy: z.string(),
  })
  .meta({ id: 'SlaPolicy' });
