/** Request and response schemas for the yearly maintenance calendar and the monthly compliance report. */
import { z } from 'zod';
import { equipmentKinds } from '../../domain/maintenance.js';
import { isoMonth, propertyId } from '../common.js';
import { isoSchema } from '../process-views.js';

export const calendarQuery = z.object({ propertyId, year: z.coerce.number().int().min(2000).max(2100) }).strict();

export const calendarSchema = z
  .object({
    propertyId: z.string(),
    year: z.number(),
    timeZone: z.string(),
    plans: z.array(
      z.object({
        id: z.string(),
        name: z.string(),
        equipmentId: z.string().nullable(),
        equipmentKind: z.enum(equipmentKinds),
        occurrences: z.number(),
        truncated: z.boolean().meta({ description: 'more occurrences fall in the year than are listed (seconds or minutes plans)' }),
        forecast: z.boolean().meta({ description: 'a floating plan: dates as if each task were completed when due' }),
      }),
    ),
    items: z.array(
      z.object({
        planId: z.string(),
        planName: z.string(),
        equipmentId: z.string().nullable(),
        equipmentCode: z.string().nullable(),
        equipmentKind: z.enum(equipmentKinds),
        templateCode: z.string(),
        nominalDue: isoSchema,
        opensAt: isoSchema,
        overdueAt: isoSchema,
      }),
    ),
  })
  .meta({ id: 'MaintenanceCalendar' });

export const complianceQuery = z
  .object({ propertyId, month: isoMonth })
  .strict();

const tally = z.object({
  scheduled: z.number().meta({ description: 'every occurrence due in the month that was not skipped' }),
  onTime: z.number(),
  late: z.number().meta({ description: 'completed after the task became overdue' }),
  missed: z.number(),
  pending: z.number().meta({ description: 'not finished yet' }),
  startedLate: z.number().meta({ description: 'started after its due time (the plan caught up after an outage)' }),
  skipped: z.object({ count: z.number(), reasons: z.array(z.object({ reason: z.string(), count: z.number() })) }),
  compliancePercent: z.number().nullable().meta({ description: 'on time ÷ scheduled × 100, one decimal; null when nothing was scheduled' }),
});

export const complianceSchema = z
  .object({
    propertyId: z.string(),
    month: z.string(),
    timeZone: z.string(),
    total: tally,
    perKind: z.array(tally.extend({ kind: z.enum(equipmentKinds) })),
  })
  .meta({ id: 'MaintenanceCompliance' });
