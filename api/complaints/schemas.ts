/** Request and response schemas for complaints (投诉). */
import { z } from 'zod';
import { departmentCodes } from '../../domain/categories.js';
import { complaintCategories, complaintChannels, complaintPriorities, complaintStatuses } from '../../workflows/complaint.contract.js';
import { isoDay, isoInstant, phone, propertyId, yearRange } from '../common.js';
import { actorSchema, csv, deadlineSchema, isoSchema, reportSummaryShape, timelineSchema } from '../process-views.js';
import { createWorkOrderBody, listQuery as workOrderListQuery, workOrderSummary } from '../work-orders/schemas.js';

const text = (max: number) => z.string().trim().min(1).max(max);
// The same rules as for repair orders: a unit or a common area.
const { location } = createWorkOrderBody.shape;
const { overdue, limit, cursor } = workOrderListQuery.shape;

export const createComplaintBody = z
  .object({
    propertyId,
    location,
    category: z.enum(complaintCategories),
    urgent: z.boolean().default(false).meta({ description: 'raises the priority the category gives by one step' }),
    priority: z.enum(complaintPriorities).optional().meta({ description: 'set by front desk; overrides category and urgency' }),
    channel: z.enum(complaintChannels),
    description: text(4000),
    complainant: z.object({ name: text(100), phone: phone.optional() }).strict(),
  })
  .strict();

export const complaintParams = z.object({ id: z.string().regex(/^CP-\d{8}-\d{4,}$/, 'must be a complaint ID like CP-20261121-0001') });

export const assignBody = z
  .object({
    handlerId: z.uuid(),
    department: z.enum(departmentCodes).optional().meta({ description: "defaults to the handler's department" }),
    reason: text(500).optional(),
  })
  .strict();
export const respondBody = z.object({ message: text(2000).meta({ description: 'the first answer, sent to the complainant' }) }).strict();
export const resolveBody = z
  .object({
    resolution: text(4000),
    followUp: z.boolean().default(true).meta({ description: 'front desk calls the complainant back (the revisit clock starts); false leaves it resolved, to be closed' }),
  })
  .strict();
export const revisitBody = z
  .object({ satisfied: z.boolean(), score: z.int().min(1).max(5), comment: text(2000).optional() })
  .strict()
  .refine((b) => b.satisfied || b.comment, { message: 'must say why the complainant is not satisfied', path: ['comment'] });
export const closeBody = z.object({ reason: text(1000), score: z.int().min(1).max(5).optional() }).strict();
export const escalateBody = z
  .object({ reason: text(1000), level: z.int().min(0).max(10).optional().meta({ description: 'the level to go to; one step by default' }) })
  .strict();
export const reasonBody = z.object({ reason: text(1000) }).strict();


export const complaint = z
  .object({
    id: z.string(),
    workflowId: z.string(),
    propertyId: z.string(),
    location: z.object({ unitId: z.string().optional(), unitCode: z.string().optional(), commonArea: z.string().optional() }),
    category: z.enum(complaintCategories),
    priority: z.enum(complaintPriorities),
    urgent: z.boolean(),
    channel: z.enum(complaintChannels),
    description: z.string(),
    complainant: z.object({ name: z.string(), phone: z.string().nullable() }),
    status: z.enum(complaintStatuses),
    department: z.string().nullable(),
    handler: z.object({ id: z.string(), name: z.string() }).nullable(),
    assignmentRound: z.number(),
    deadlines: z.array(deadlineSchema),
    escalationLevel: z.number(),
    escalations: z.array(
      z.object({
        clock: z.string(),
        run: z.number(),
        level: z.number(),
        direction: z.enum(['up', 'down']),
        role: z.string().nullable(),
        deadline: isoSchema,
        firedAt: isoSchema,
        recipients: z.number(),
        by: actorSchema.optional(),
        reason: z.string().optional(),
      }),
    ),
    responses: z.array(z.object({ at: isoSchema, by: actorSchema, message: z.string() })),
    resolutions: z.array(z.object({ at: isoSchema, by: actorSchema, resolution: z.string(), followUp: z.boolean() })),
    revisits: z.array(z.object({ at: isoSchema, by: actorSchema, satisfied: z.boolean(), score: z.number(), comment: z.string().optional() })),
    reopens: z.object({ count: z.number(), reasons: z.array(z.object({ at: isoSchema, reason: z.string(), by: actorSchema })) }),
    workOrders: z.array(
      z.object({
        orderId: z.string(),
        category: z.string(),
        startedAt: isoSchema,
        startedBy: actorSchema,
        status: z.string().meta({ description: 'the order as it stands now (from its projection); final once it finished' }),
        finishedAt: isoSchema.nullable(),
        open: z.boolean(),
        progress: workOrderSummary.pick({ status: true, assignee: true, escalationLevel: true, nextDeadline: true, overdue: true, satisfaction: true }).nullable(),
      }),
    ),
    satisfaction: z.number().nullable(),
    closeReason: z.string().optional(),
    withdrawReason: z.string().optional(),
    policyVersion: z.number(),
    createdBy: actorSchema,
    createdAt: isoSchema,
    closedAt: isoSchema.nullable(),
    timeline: timelineSchema,
  })
  .meta({ id: 'Complaint' });

export const complaintSummary = z
  .object({
    ...reportSummaryShape,
    department: z.string().nullable(),
    handler: z.object({ id: z.string(), name: z.string() }).nullable(),
    reopens: z.number(),
    openWorkOrders: z.number(),
    respondedAt: isoSchema.nullable(),
    resolvedAt: isoSchema.nullable(),
  })
  .meta({ id: 'ComplaintSummary' });

export const listQuery = z
  .object({
    propertyId: propertyId.optional(),
    status: csv(complaintStatuses).optional().meta({ description: 'one status or several, comma-separated' }),
    category: z.enum(complaintCategories).optional(),
    priority: z.enum(complaintPriorities).optional(),
    channel: z.enum(complaintChannels).optional(),
    handlerId: z.uuid().optional(),
    overdue,
    escalated: overdue.meta({ description: 'true: above level 0 now' }),
    needsAttention: workOrderListQuery.shape.needsAttention,
    limit,
    cursor,
  })
  .strict();

/** A day (`2026-11-01`, midnight in the property's time zone) or an instant with its offset. */
const instant = z.union([isoDay, isoInstant], { error: `must be a day (YYYY-MM-DD) or an instant with its offset, between ${yearRange.min} and ${yearRange.max}` });
export const statsQuery = z
  .object({
    propertyId,
    from: instant.optional().meta({ description: 'start of the period (inclusive); 30 days before `to` by default' }),
    to: instant.optional().meta({ description: 'end of the period (exclusive); now by default' }),
  })
  .strict();

const countMap = z.record(z.string(), z.number());
const slaShare = z.object({
  done: z.number().meta({ description: 'answered (response) or resolved at least once (resolution)' }),
  decided: z.number().meta({ description: 'done, or known to be late: the denominator of the share' }),
  withinSla: z.number(),
  shareWithinSla: z.number().nullable(),
  medianMs: z.number().nullable().meta({ description: 'from receipt to the first answer / the latest resolution' }),
});
export const complaintStats = z
  .object({
    propertyId: z.string(),
    from: isoSchema,
    to: isoSchema,
    total: z.number(),
    byCategory: countMap,
    byChannel: countMap,
    byPriority: countMap,
    byStatus: countMap,
    response: slaShare,
    resolution: slaShare,
    reopen: z.object({ resolved: z.number(), reopened: z.number(), reopens: z.number(), rate: z.number().nullable() }),
    escalated: z.number().meta({ description: 'complaints that climbed at least one level' }),
    satisfaction: z.object({ scored: z.number(), average: z.number().nullable() }),
    recurring: z.object({
      categories: z.array(z.object({ category: z.string(), count: z.number() })),
      locations: z.array(z.object({ location: z.string(), count: z.number(), categories: z.array(z.string()) })),
    }),
  })
  .meta({ id: 'ComplaintStats' });
