/** Request and response schemas for the equipment register. */
import { z } from 'zod';
import { equipmentKinds, equipmentStatuses } from '../../domain/maintenance.js';
import { isoDay, phone, propertyId } from '../common.js';
import { changeBody, text, uuidParams } from '../maintenance-schemas.js';
import { cursorQuery, csv, isoSchema, limitQuery } from '../process-views.js';

const day = isoDay.meta({ description: 'a calendar date, YYYY-MM-DD' });

/** The outside company that maintains a piece of equipment (lifts usually have one). */
export const contractorInput = z
  .object({ name: text(200), contact: text(100).optional().meta({ description: 'the person to call there' }), phone: phone.optional() })
  .strict();

export const createEquipmentBody = z
  .object({
    propertyId,
    kind: z.enum(equipmentKinds),
    code: text(50).meta({ description: 'unique at the property, e.g. EL-1-A' }),
    location: text(200).meta({ description: 'building or area' }),
    make: text(100).optional(),
    model: text(100).optional(),
    installedOn: day.optional(),
    contractor: contractorInput.optional(),
  })
  .strict();

export const updateEquipmentBody = changeBody({
  location: text(200).optional(),
  make: text(100).nullable().optional(),
  model: text(100).nullable().optional(),
  installedOn: day.nullable().optional(),
  contractor: contractorInput.nullable().optional(),
  status: z.enum(['in_service', 'out_of_service']).optional().meta({ description: 'retire with POST …/retire' }),
});

export const equipmentParams = uuidParams;

export const equipmentListQuery = z
  .object({
    propertyId,
    kind: csv(equipmentKinds).optional().meta({ description: 'one kind or several, comma-separated' }),
    status: csv(equipmentStatuses).optional().meta({ description: 'one status or several, comma-separated' }),
    limit: limitQuery,
    cursor: cursorQuery,
  })
  .strict();

export const equipmentSchema = z
  .object({
    id: z.uuid(),
    propertyId: z.string(),
    kind: z.enum(equipmentKinds),
    code: z.string(),
    location: z.string(),
    make: z.string().nullable(),
    model: z.string().nullable(),
    installedOn: z.string().nullable(),
    status: z.enum(equipmentStatuses),
    statusReason: z.string().nullable(),
    contractor: z.object({ name: z.string(), contact: z.string().nullable(), phone: z.string().nullable() }).nullable(),
    createdAt: isoSchema,
    updatedAt: isoSchema,
  })
  .meta({ id: 'Equipment' });

export const equipmentHistorySchema = z
  .object({
    equipment: equipmentSchema,
    counts: z.object({ maintenanceTasks: z.number(), defects: z.number(), repairOrders: z.number() }),
    replacement: z
      .object({ flagged: z.boolean(), repairOrdersInWindow: z.number(), threshold: z.number(), windowMonths: z.number() })
      .meta({ description: 'flagged when the repair orders of the last windowMonths reach threshold' }),
    tasks: z.array(
      z.object({
        workflowId: z.string(),
        planId: z.string(),
        nominalDue: isoSchema,
        status: z.string(),
        late: z.boolean(),
        completedAt: isoSchema.nullable(),
        defects: z.number(),
        skippedReason: z.string().nullable(),
      }),
    ),
    repairOrders: z.array(
      z.object({
        workOrderId: z.string(),
        source: z.string(),
        taskWorkflowId: z.string().nullable(),
        linkedAt: isoSchema,
        status: z.string().nullable(),
        category: z.string().nullable(),
        closedAt: isoSchema.nullable(),
      }),
    ),
  })
  .meta({ id: 'EquipmentHistory' });
