/** Request and response schemas for incidents and drills (突发事件, 演练) and their improvement actions. */
import { z } from 'zod';
import { repairOrderLinkSchema } from '../repair-orders.js';
import { incidentKinds, incidentSeverities, incidentTypes, responseRoles } from '../../domain/emergency.js';
import { actionStatuses } from '../../workflows/improvement-action.contract.js';
import { incidentStatuses, stepStatuses } from '../../workflows/incident.contract.js';
import { isoInstant, propertyId } from '../common.js';
import { text } from '../maintenance-schemas.js';
import { actorSchema, csv, deadlineSchema, isoSchema, timelineSchema } from '../process-views.js';
import { listQuery as workOrderListQuery } from '../work-orders/schemas.js';
import { statsQuery as complaintStatsQuery } from '../complaints/schemas.js';

const { overdue, limit, cursor } = workOrderListQuery.shape;

const attribute = z.string().regex(/^[a-z0-9_]{1,40}$/, 'must be a lowercase word');

export const declareBody = z
  .object({
    propertyId,
    incidentType: z.enum(incidentTypes),
    kind: z.enum(incidentKinds).default('incident').meta({ description: 'drill: the same process, owners get the drill notice, kept out of incident figures' }),
    severity: z.enum(incidentSeverities).default('major'),
    buildingIds: z.array(z.uuid()).max(50).default([]),
    unitIds: z.array(z.uuid()).max(500).default([]),
    attributes: z.record(attribute, z.string().min(1).max(60)).default({}).meta({ description: 'what step conditions look at, e.g. {"cause": "burst_pipe"}' }),
    description: text(2000),
  })
  .strict();

const incidentId = z.string().regex(/^(EM|DR)-\d{8}-[0-9a-f]{4,}$/, 'must be an incident ID like EM-20261201-0001 or a drill ID like DR-20261201-0002');
export const incidentParams = z.object({ id: incidentId });
export const stepParams = incidentParams.extend({ step: z.string().min(1).max(64) });
export const actionParams = z.object({ id: z.string().regex(/^(EM|DR)-\d{8}-[0-9a-f]{4,}-A\d+$/, 'must be an improvement action ID like EM-20261201-0001-A1') });

export const acknowledgeBody = z.object({ role: z.enum(responseRoles).meta({ description: 'the role whose page is acknowledged' }) }).strict();
export const noteBody = z.object({ note: text(2000).optional() }).strict();
export const reasonBody = z.object({ reason: text(1000) }).strict();
export const messageBody = z.object({ message: text(2000) }).strict();
export const severityBody = z.object({ severity: z.enum(incidentSeverities), reason: text(1000) }).strict();
export const reviewBody = z
  .object({
    summary: text(5000),
    actions: z
      .array(z.object({ title: text(500), ownerId: z.uuid(), due: isoInstant }).strict())
      .max(20)
      .default([]),
  })
  .strict();
export const completeActionBody = z.object({ note: text(2000) }).strict();
export const verifyActionBody = z.object({ accepted: z.boolean(), comment: text(2000).optional() }).strict();

const person = z.object({ id: z.string(), name: z.string() });

export const incident = z
  .object({
    id: z.string(),
    workflowId: z.string(),
    propertyId: z.string(),
    kind: z.enum(incidentKinds),
    incidentType: z.enum(incidentTypes),
    severity: z.enum(incidentSeverities),
    status: z.enum(incidentStatuses),
    description: z.string(),
    buildingIds: z.array(z.string()),
    unitIds: z.array(z.string()),
    attributes: z.record(z.string(), z.string()),
    plan: z.object({ planId: z.string(), version: z.number(), title: z.string() }),
    createdBy: actorSchema,
    createdAt: isoSchema,
    activatedAt: isoSchema.nullable(),
    acknowledgedAt: isoSchema.nullable(),
    resolvedAt: isoSchema.nullable(),
    closedAt: isoSchema.nullable(),
    cancelReason: z.string().nullable(),
    pages: z.array(
      z.object({
        role: z.enum(responseRoles),
        paged: person.nullable(),
        ackDeadline: isoSchema,
        acknowledgedAt: isoSchema.nullable(),
        acknowledgedBy: actorSchema.nullable(),
        escalations: z.array(z.object({ level: z.number(), at: isoSchema, skipped: z.boolean() })),
      }),
    ),
    steps: z.array(
      z.object({
        key: z.string(),
        title: z.string(),
        role: z.enum(responseRoles),
        required: z.boolean(),
        dependsOn: z.array(z.string()),
        status: z.enum(stepStatuses),
        dueAt: isoSchema,
        doneAt: isoSchema.nullable(),
        by: actorSchema.nullable(),
        note: z.string().nullable(),
        skipReason: z.string().nullable(),
      }),
    ),
    broadcasts: z.number().meta({ description: 'steps that sent owners a message' }),
    escalations: z.number(),
    review: z
      .object({
        dueAt: isoSchema,
        submittedAt: isoSchema.nullable(),
        summary: z.string().nullable(),
        draftTimeline: z.array(z.object({ at: isoSchema, action: z.string(), by: z.string(), note: z.string().optional() })),
      })
      .nullable(),
    actions: z.array(z.object({ actionId: z.string(), title: z.string(), owner: person, dueAt: isoSchema, status: z.string(), droppedReason: z.string().nullable() })),
    workOrders: z.array(repairOrderLinkSchema).meta({ description: 'repair orders started from the incident; they carry on if it closes first' }),
    drill: z
      .object({
        roles: z.array(z.object({ role: z.string(), ackMs: z.number().nullable(), targetMs: z.number(), met: z.boolean() })),
        steps: z.array(z.object({ key: z.string(), tookMs: z.number().nullable(), targetMs: z.number(), met: z.boolean() })),
        totalMs: z.number(),
        targetMs: z.number(),
        score: z.number(),
      })
      .nullable(),
    deadlines: z.array(deadlineSchema),
    timeline: timelineSchema,
  })
  .meta({ id: 'Incident' });

export const incidentSummary = z
  .object({
    id: z.string(),
    workflowId: z.string(),
    propertyId: z.string(),
    kind: z.string(),
    incidentType: z.string(),
    severity: z.string(),
    status: z.string(),
    planVersion: z.number(),
    createdAt: isoSchema,
    activatedAt: isoSchema.nullable(),
    acknowledgedAt: isoSchema.nullable(),
    resolvedAt: isoSchema.nullable(),
    escalations: z.number(),
    openActions: z.number(),
    drillScore: z.number().nullable(),
    nextDeadline: isoSchema.nullable(),
  })
  .meta({ id: 'IncidentSummary' });

export const listQuery = z
  .object({
    propertyId: propertyId.optional(),
    status: csv(incidentStatuses).optional().meta({ description: 'one status or several, comma-separated' }),
    incidentType: z.enum(incidentTypes).optional(),
    kind: z.enum(incidentKinds).optional(),
    overdue,
    limit,
    cursor,
  })
  .strict();

export const statsQuery = complaintStatsQuery;

export const incidentStats = z
  .object({
    propertyId: z.string(),
    from: isoSchema,
    to: isoSchema,
    byType: z.array(
      z.object({
        incidentType: z.string(),
        incidents: z.number(),
        acknowledged: z.number(),
        resolved: z.number(),
        mttaMs: z.number().nullable().meta({ description: 'mean time from activation to the first acknowledgement' }),
        mttrMs: z.number().nullable().meta({ description: 'mean time from activation to resolution' }),
      }),
    ),
    drills: z.array(z.object({ incidentType: z.string(), held: z.number(), required: z.number() })).meta({ description: 'drills held (resolved) in the period against those the drill schedules required' }),
  })
  .meta({ id: 'IncidentStats' });

export const improvementAction = z
  .object({
    id: z.string(),
    workflowId: z.string(),
    propertyId: z.string(),
    sourceId: z.string(),
    title: z.string(),
    owner: person,
    dueAt: isoSchema,
    status: z.enum(actionStatuses),
    completedAt: isoSchema.nullable(),
    completionNote: z.string().nullable(),
    verifiedAt: isoSchema.nullable(),
    verifiedBy: actorSchema.nullable(),
    rejections: z.array(z.object({ at: isoSchema, by: actorSchema, comment: z.string() })),
    droppedReason: z.string().nullable(),
    deadlines: z.array(deadlineSchema),
    timeline: timelineSchema,
  })
  .meta({ id: 'ImprovementAction' });

export const incidentMessage = z
  .object({
    seq: z.number().meta({ description: 'the step that owed it' }),
    template: z.string(),
    recipientKind: z.string().meta({ description: 'owner, staff' }),
    recipientId: z.string().nullable(),
    unitCode: z.string().nullable().meta({ description: "an owner's unit" }),
    channel: z.string(),
    status: z.string(),
  })
  .meta({ id: 'IncidentMessage' });
