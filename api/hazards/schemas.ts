/** Request and response schemas for hazards (安全隐患). */
import { z } from 'zod';
import { hazardSeverities, hazardStatuses } from '../../workflows/hazard.contract.js';
import { propertyId } from '../common.js';
import { actorSchema, csv, cursorQuery, deadlineSchema, isoSchema, limitQuery, timelineSchema } from '../process-views.js';
import { repairOrderLinkSchema } from '../repair-orders.js';
import { createWorkOrderBody } from '../work-orders/schemas.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const { location, photos } = createWorkOrderBody.shape;

/** Where the hazard was found: a patrol round's checkpoint (its issue observation), a maintenance task, or neither (raised directly). */
const source = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('patrol'), roundId: z.string().min(1).max(300), checkpointId: z.uuid() }).strict(),
  z.object({ kind: z.literal('maintenance'), taskId: z.string().min(1).max(300) }).strict(),
  z.object({ kind: z.literal('staff') }).strict(),
]);

export const createHazardBody = z
  .object({
    propertyId,
    location,
    severity: z.enum(hazardSeverities),
    description: text(4000),
    photos,
    source: source.default({ kind: 'staff' }),
  })
  .strict();

export const hazardParams = z.object({ id: z.string().regex(/^HZ-\d{8}-\d{4,}$/, 'must be a hazard ID like HZ-20261201-0001') });

export const hazardListQuery = z
  .object({
    propertyId: propertyId.optional(),
    status: csv(hazardStatuses).optional().meta({ description: 'one status or several, comma-separated' }),
    severity: z.enum(hazardSeverities).optional(),
    routeId: z.uuid().optional().meta({ description: 'hazards found on this patrol route' }),
    rectifierId: z.uuid().optional(),
    overdue: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional()
      .meta({ description: 'true: a deadline now running has passed' }),
    limit: limitQuery,
    cursor: cursorQuery,
  })
  .strict();

export const assignBody = z.object({ rectifierId: z.uuid(), reason: text(500).optional() }).strict();
export const emptyBody = z.object({}).strict().optional();
export const rectifiedBody = z.object({ note: text(2000).meta({ description: 'what was done' }), photos }).strict();
export const reinspectBody = z
  .object({ passed: z.boolean(), note: text(2000).optional() })
  .strict()
  .refine((b) => b.passed || b.note, { message: 'must say what is still wrong', path: ['note'] });

const person = z.object({ id: z.string(), name: z.string() });

export const hazardSummary = z
  .object({
    id: z.string(),
    propertyId: z.string(),
    location: z.string().nullable(),
    severity: z.enum(hazardSeverities),
    description: z.string(),
    source: z.object({ kind: z.string(), ref: z.string().nullable(), routeId: z.string().nullable() }),
    status: z.enum(hazardStatuses),
    rectifier: person.nullable(),
    escalationLevel: z.number(),
    failedReinspections: z.number(),
    rectifyDeadline: isoSchema.nullable(),
    overdue: z.boolean().meta({ description: 'a rectification deadline was missed' }),
    openWorkOrders: z.number(),
    createdAt: isoSchema,
    updatedAt: isoSchema,
    closedAt: isoSchema.nullable(),
  })
  .meta({ id: 'HazardSummary' });

export const hazard = z
  .object({
    id: z.string(),
    workflowId: z.string(),
    propertyId: z.string(),
    location: z.object({ unitId: z.string().optional(), unitCode: z.string().optional(), commonArea: z.string().optional() }),
    severity: z.enum(hazardSeverities),
    description: z.string(),
    photos: z.array(z.string()),
    source: z.union([
      z.object({ kind: z.literal('patrol'), roundId: z.string(), routeId: z.string(), checkpointId: z.string() }),
      z.object({ kind: z.literal('maintenance'), taskId: z.string() }),
      z.object({ kind: z.literal('inspection'), inspectionId: z.string(), area: z.string() }),
      z.object({ kind: z.literal('staff') }),
    ]),
    status: z.enum(hazardStatuses),
    rectifier: person.nullable(),
    policyVersion: z.number(),
    deadlines: z.array(deadlineSchema),
    escalationLevel: z.number(),
    escalations: z.array(z.object({ run: z.number(), level: z.number(), role: z.string(), deadline: isoSchema, firedAt: isoSchema, recipients: z.number() })),
    rectifications: z.array(z.object({ at: isoSchema, by: actorSchema, note: z.string(), photos: z.array(z.string()) })),
    reinspections: z.array(z.object({ at: isoSchema, by: actorSchema, passed: z.boolean(), note: z.string().optional() })),
    failedReinspections: z.number(),
    workOrders: z.array(repairOrderLinkSchema),
    createdBy: actorSchema,
    createdAt: isoSchema,
    closedAt: isoSchema.nullable(),
    timeline: timelineSchema,
  })
  .meta({ id: 'Hazard' });
