/** Request and response schemas for maintenance plans (definitions; their workflows run elsewhere). */
import { z } from 'zod';
import { departmentCodes } from '../../domain/categories.js';
import { catchUpPolicies, equipmentKinds, intervalUnits, planModes, planStatuses } from '../../domain/maintenance.js';
import { roles } from '../../domain/roles.js';
import { templateCode } from '../checklist-templates/schemas.js';
import { isoDuration, isoInstant, propertyId } from '../common.js';
import { changeBody, text, uuidParams } from '../maintenance-schemas.js';
import { cursorQuery, csv, isoSchema, limitQuery } from '../process-views.js';


const windowDuration = isoDuration(['P3D', 'PT12H', 'PT30S']);

// A month counts as its longest for the cap: a stored plan's next due time must stay a date the workflow can wait for.
const unitMs: Record<(typeof intervalUnits)[number], number> = { seconds: 1000, minutes: 60_000, hours: 3_600_000, days: 86_400_000, weeks: 7 * 86_400_000, months: 31 * 86_400_000 };
/** The longest interval a plan may have: ten years (inspections of lifts and pressure vessels run to five or ten). */
const maxIntervalMs = 3720 * 86_400_000;

export const intervalInput = z
  .object({
    mode: z.enum(planModes),
    every: z.int().min(1, 'must be at least 1').max(10_000),
    unit: z.enum(intervalUnits),
    anchor: isoInstant
      .optional()
      .meta({ description: 'the first due time; required for a fixed plan, one interval from now by default for a floating one' }),
  })
  .strict()
  .refine((i) => i.mode !== 'fixed' || i.anchor !== undefined, { message: 'is required for a fixed plan', path: ['anchor'] })
  .refine((i) => i.every * unitMs[i.unit] <= maxIntervalMs, { message: 'must come to at most 120 months of 31 days (3720 days, about ten years)', path: ['every'] });

export const windowInput = z.object({ opensBefore: windowDuration, overdueAfter: windowDuration }).strict();

const assigneeRoles = roles.filter((r) => r !== 'auditor' && r !== 'admin') as [string, ...string[]];

export const assigneeInput = z
  .union([
    z.object({ department: z.enum(departmentCodes) }).strict(),
    z.object({ role: z.enum(assigneeRoles) }).strict(),
    z.object({ contractor: z.literal(true) }).strict(),
  ])
  .meta({ description: "a department, a role, or { contractor: true } for the contractor registered on the equipment" });

export const templateRef = z
  .object({ code: templateCode, version: z.int().min(1).optional().meta({ description: 'pin a version; the latest at each occurrence by default' }) })
  .strict();

export const createPlanBody = z
  .object({
    propertyId,
    name: text(200),
    equipmentId: z.uuid().optional().meta({ description: 'one piece of equipment…' }),
    equipmentKind: z.enum(equipmentKinds).optional().meta({ description: '…or every piece of one kind at the property' }),
    interval: intervalInput,
    window: windowInput,
    assignee: assigneeInput,
    template: templateRef,
    catchUp: z.enum(catchUpPolicies).default('all'),
    outOfServiceOnDefect: z.boolean().default(false),
  })
  .strict()
  .refine((b) => (b.equipmentId ? 1 : 0) + (b.equipmentKind ? 1 : 0) === 1, { message: 'must name exactly one of equipmentId or equipmentKind', path: ['equipmentId'] });

export const updatePlanBody = changeBody({
  name: text(200).optional(),
  interval: intervalInput.optional(),
  window: windowInput.optional(),
  assignee: assigneeInput.optional(),
  template: templateRef.optional(),
  catchUp: z.enum(catchUpPolicies).optional(),
  outOfServiceOnDefect: z.boolean().optional(),
  status: z.enum(['active', 'paused']).optional().meta({ description: 'pause or resume; retire with POST …/retire' }),
});

export const planParams = uuidParams;

export const planListQuery = z
  .object({
    propertyId,
    status: csv(planStatuses).optional(),
    equipmentKind: csv(equipmentKinds).optional(),
    equipmentId: z.uuid().optional(),
    limit: limitQuery,
    cursor: cursorQuery,
  })
  .strict();

export const planSchema = z
  .object({
    id: z.uuid(),
    workflowId: z.string(),
    propertyId: z.string(),
    name: z.string(),
    equipmentId: z.uuid().nullable(),
    equipmentKind: z.enum(equipmentKinds),
    interval: z.object({ mode: z.enum(planModes), every: z.number(), unit: z.enum(intervalUnits), anchor: isoSchema }),
    window: z.object({ opensBefore: z.string(), overdueAfter: z.string() }),
    assignee: z.union([z.object({ department: z.string() }), z.object({ role: z.string() }), z.object({ contractor: z.literal(true) })]),
    template: z.object({ code: z.string(), version: z.number().nullable() }),
    catchUp: z.enum(catchUpPolicies),
    outOfServiceOnDefect: z.boolean(),
    status: z.enum(planStatuses),
    statusReason: z.string().nullable(),
    statusChangedAt: isoSchema,
    revision: z.number(),
    nextDue: isoSchema.nullable().meta({ description: 'the next nominal due time of an active plan' }),
    createdAt: isoSchema,
    updatedAt: isoSchema,
  })
  .meta({ id: 'MaintenancePlan' });
