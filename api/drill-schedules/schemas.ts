/** Request and response schemas for drill schedules. */
import { z } from 'zod';
import { incidentTypes } from '../../domain/emergency.js';
import { intervalUnits } from '../../domain/maintenance.js';
import { isoInstant, timestamp } from '../common.js';
import { text } from '../maintenance-schemas.js';
import { duration } from '../sla-policies/schemas.js';

export const createDrillScheduleBody = z
  .object({
    incidentType: z.enum(incidentTypes),
    every: z.int().min(1).max(1000),
    unit: z.enum(intervalUnits).meta({ description: 'fire drills: every 6 months (seed 001); network security: every 3 months' }),
    anchor: isoInstant.meta({ description: 'the first due time; the n-th is anchor + n × interval' }),
    holdWithin: duration.meta({ description: 'a drill not held (resolved) this long after its due time escalates' }),
  })
  .strict();

export const drillScheduleParams = z.object({ id: z.uuid() });
export const retireScheduleBody = z.object({ reason: text(1000) }).strict();
export const scheduleStatusBody = z
  .object({ status: z.enum(['active', 'paused', 'retired']).meta({ description: 'paused: drills falling due meanwhile are recorded skipped; active resumes' }), reason: text(1000) })
  .strict();

export const drillSchedule = z
  .object({
    id: z.string(),
    workflowId: z.string(),
    propertyId: z.string(),
    incidentType: z.enum(incidentTypes),
    every: z.number(),
    unit: z.enum(intervalUnits),
    anchor: timestamp,
    holdWithin: z.string(),
    status: z.string(),
    statusReason: z.string().nullable(),
    nextDue: timestamp.nullable(),
    createdAt: timestamp,
  })
  .meta({ id: 'DrillSchedule' });
