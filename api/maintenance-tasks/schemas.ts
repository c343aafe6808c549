/** Request and response schemas for maintenance tasks (one occurrence of a plan, keyed by its workflow ID). */
import { z } from 'zod';
import { equipmentKinds, maintenanceTaskStatuses } from '../../domain/maintenance.js';
import { parseTaskWorkflowId, taskWorkflowId } from '../../domain/maintenance-schedule.js';
import { roles } from '../../domain/roles.js';
import { isoInstant, propertyId } from '../common.js';
import { checklistItem, templateCode } from '../checklist-templates/schemas.js';
import { text } from '../maintenance-schemas.js';
import { actorSchema, csv, cursorQuery, deadlineSchema, isoSchema, limitQuery, timelineSchema } from '../process-views.js';

/** A task's ID is its workflow ID, `pm-task:<plan UUID>:<nominal due, ISO 8601 UTC>`, exactly as the plan wrote it. */
export const taskParams = z.object({
  id: z.string().refine(
    (id) => {
      const parsed = parseTaskWorkflowId(id);
      return parsed !== undefined && z.uuid().safeParse(parsed.planId).success && taskWorkflowId(parsed.planId, parsed.nominalDueMs) === id;
    },
    { message: 'must be a maintenance task ID like pm-task:<plan ID>:2026-01-31T08:00:00.000Z' },
  ),
});

const instant = isoInstant.transform((s) => new Date(s));

export const taskListQuery = z
  .object({
    propertyId: propertyId.optional(),
    status: csv(maintenanceTaskStatuses).optional().meta({ description: 'one status or several, comma-separated' }),
    planId: z.uuid().optional(),
    equipmentId: z.uuid().optional().meta({ description: "its own tasks and those of plans covering every piece of its kind" }),
    assigneeId: z.string().min(1).max(200).optional().meta({ description: 'a staff member, or contractor:<equipment ID> for a contractor' }),
    overdue: z
      .enum(['true', 'false'])
      .transform((v) => v === 'true')
      .optional()
      .meta({ description: 'true: not yet done, missed or skipped, and past its overdue time' }),
    dueFrom: instant.optional().meta({ description: 'nominal due at or after' }),
    dueTo: instant.optional().meta({ description: 'nominal due at or before' }),
    limit: limitQuery,
    cursor: cursorQuery,
  })
  .strict()
  .refine((q) => !q.dueFrom || !q.dueTo || q.dueFrom <= q.dueTo, { message: 'must not be before dueFrom', path: ['dueTo'] });

export const assignBody = z.object({ assigneeId: z.uuid(), reason: text(500).optional() }).strict();
export const emptyBody = z.object({}).strict().optional();
export const skipBody = z.object({ reason: text(1000) }).strict();

/** One checklist answer: a pass/fail item takes `pass`, a reading `value`, a text `text`, a photo `photo` (its URL). */
const answer = z
  .object({
    pass: z.boolean().optional(),
    value: z.number().optional(),
    text: text(2000).optional(),
    photo: z.url({ protocol: /^https?$/ }).optional(),
  })
  .strict()
  .refine((a) => Object.keys(a).length > 0, 'must give pass, value, text or photo');

export const completeBody = z
  .object({
    answers: z.record(templateCode, answer).meta({ description: 'by checklist item key; every required item must be answered' }),
    note: text(2000).optional(),
  })
  .strict();

const checklistAnswerSchema = z.object({ pass: z.boolean().optional(), value: z.number().optional(), text: z.string().optional(), photo: z.string().optional() });

export const taskSummary = z
  .object({
    id: z.string(),
    planId: z.string(),
    planRevision: z.number(),
    propertyId: z.string(),
    equipmentId: z.string().nullable(),
    equipmentKind: z.string(),
    template: z.object({ code: z.string(), version: z.number() }),
    nominalDue: isoSchema,
    opensAt: isoSchema,
    overdueAt: isoSchema,
    status: z.enum(maintenanceTaskStatuses),
    late: z.boolean().meta({ description: 'started after its due time (the plan was catching up after an outage)' }),
    overdue: z.boolean(),
    assignee: z.object({ id: z.string(), name: z.string() }).nullable(),
    escalationLevel: z.number(),
    startedAt: isoSchema.nullable(),
    completedAt: isoSchema.nullable(),
    skippedReason: z.string().nullable(),
    missedReason: z.string().nullable(),
    defects: z.number(),
    updatedAt: isoSchema,
  })
  .meta({ id: 'MaintenanceTaskSummary' });

export const taskSchema = z
  .object({
    id: z.string(),
    planId: z.string(),
    planRevision: z.number(),
    planName: z.string(),
    propertyId: z.string(),
    equipment: z.object({ id: z.string().nullable(), kind: z.enum(equipmentKinds), code: z.string().nullable(), location: z.string().nullable() }),
    nominalDue: isoSchema,
    opensAt: isoSchema,
    overdueAt: isoSchema,
    late: z.boolean(),
    status: z.enum(maintenanceTaskStatuses),
    assignTo: z.union([z.object({ department: z.string() }), z.object({ role: z.enum(roles) }), z.object({ contractor: z.string() })]),
    assignee: z.object({ id: z.string(), name: z.string() }).nullable(),
    template: z.object({
      code: z.string(),
      version: z.number(),
      items: z.array(checklistItem),
    }),
    deadlines: z.array(deadlineSchema),
    escalationLevel: z.number(),
    startedAt: isoSchema.nullable(),
    completion: z.object({ at: isoSchema, by: actorSchema, answers: z.record(z.string(), checklistAnswerSchema), note: z.string().optional() }).nullable(),
    defects: z.array(
      z.object({
        key: z.string(),
        label: z.string(),
        reason: z.string(),
        orderId: z.string().optional().meta({ description: 'the repair order the defect started' }),
        orderStatus: z.string().optional(),
      }),
    ),
    skippedReason: z.string().nullable(),
    missedReason: z.string().nullable(),
    createdBy: actorSchema,
    createdAt: isoSchema,
    closedAt: isoSchema.nullable(),
    projectedAt: isoSchema.nullable().meta({ description: 'when the task list last saw a step of it (null: not listed yet)' }),
    timeline: timelineSchema,
  })
  .meta({ id: 'MaintenanceTask' });
