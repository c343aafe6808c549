/** Request and response schemas for work orders (repair / service requests). */
import { z } from 'zod';
import { workOrderCategories } from '../../domain/categories.js';
import { workOrderChannels, workOrderPriorities, workOrderStatuses } from '../../workflows/work-order.contract.js';
import { needsAttentionQuery, phone, propertyId } from '../common.js';
import { actorSchema, cursorQuery, csv, deadlineSchema, isoSchema, limitQuery, reportSummaryShape, timelineSchema } from '../process-views.js';

const text = (max: number) => z.string().trim().min(1).max(max);

export const createWorkOrderBody = z
  .object({
    propertyId,
    location: z
      .object({ unitId: z.uuid().optional(), commonArea: text(200).optional() })
      .strict()
      .refine((l) => (l.unitId ? 1 : 0) + (l.commonArea ? 1 : 0) === 1, 'must name exactly one of unitId or commonArea'),
    category: z.enum(workOrderCategories),
    priority: z.enum(workOrderPriorities).default('normal'),
    channel: z.enum(workOrderChannels),
    description: text(4000),
    photos: z.array(z.url({ protocol: /^https?$/ })).max(20).default([]),
    reporter: z.object({ name: text(100), phone: phone.optional() }).strict(),
  })
  .strict();

export const orderParams = z.object({ id: z.string().regex(/^WO-\d{8}-\d{4,}$/, 'must be a work order ID like WO-20261121-0001') });

export const dispatchBody = z.object({ assigneeId: z.uuid(), reason: text(500).optional() }).strict();
export const emptyBody = z.object({}).strict().optional();
export const completeBody = z
  .object({
    summary: text(4000),
    materials: z.array(z.object({ name: text(200), quantity: z.number().positive(), unit: text(20).optional() }).strict()).max(100).default([]),
    photos: z.array(z.url({ protocol: /^https?$/ })).max(20).default([]),
  })
  .strict();
export const revisitBody = z
  .object({ satisfied: z.boolean(), score: z.int().min(1).max(5), comment: text(2000).optional() })
  .strict()
  .refine((b) => b.satisfied || b.comment, { message: 'must say why the owner is not satisfied', path: ['comment'] });
export const reasonBody = z.object({ reason: text(1000) }).strict();
export const optionalReasonBody = z.object({ reason: text(1000).optional() }).strict().optional();

export const workOrder = z
  .object({
    id: z.string(),
    workflowId: z.string(),
    propertyId: z.string(),
    location: z.object({ unitId: z.string().optional(), unitCode: z.string().optional(), commonArea: z.string().optional() }),
    category: z.string(),
    priority: z.string(),
    channel: z.string(),
    description: z.string(),
    photos: z.array(z.string()),
    reporter: z.object({ name: z.string(), phone: z.string().nullable() }),
    status: z.enum(workOrderStatuses),
    holdReason: z.string().optional(),
    assignee: z.object({ id: z.string(), name: z.string() }).nullable(),
    deadlines: z.array(deadlineSchema),
    escalations: z.array(z.object({ clock: z.string(), run: z.number(), level: z.number(), role: z.string(), deadline: isoSchema, firedAt: isoSchema, recipients: z.number() })),
    rectifications: z.object({ count: z.number(), reasons: z.array(z.object({ at: isoSchema, reason: z.string(), by: actorSchema })) }),
    completion: z
      .object({ at: isoSchema, by: actorSchema, summary: z.string(), materials: z.array(z.object({ name: z.string(), quantity: z.number(), unit: z.string().optional() })), photos: z.array(z.string()) })
      .nullable(),
    revisits: z.array(z.object({ at: isoSchema, by: actorSchema, satisfied: z.boolean(), score: z.number(), comment: z.string().optional() })),
    satisfaction: z.number().nullable(),
    cancelReason: z.string().optional(),
    policyVersion: z.number(),
    createdBy: actorSchema,
    createdAt: isoSchema,
    closedAt: isoSchema.nullable(),
    timeline: timelineSchema,
  })
  .meta({ id: 'WorkOrder' });

export const workOrderSummary = z
  .object({
    ...reportSummaryShape,
    assignee: z.object({ id: z.string(), name: z.string() }).nullable(),
    rectifications: z.number(),
  })
  .meta({ id: 'WorkOrderSummary' });

export const listQuery = z
  .object({
    propertyId: propertyId.optional(),
    status: csv(workOrderStatuses).optional().meta({ description: 'one status or several, comma-separated' }),
    category: z.enum(workOrderCategories).optional(),
    assigneeId: z.uuid().optional(),
    overdue: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
    needsAttention: needsAttentionQuery,
    limit: limitQuery,
    cursor: cursorQuery,
  })
  .strict();
