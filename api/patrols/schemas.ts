/** Request and response schemas for patrol routes, checkpoints, schedules, rounds and route statistics. */
import { z } from 'zod';
import { isIsoDuration, parseIsoDuration } from '../../domain/durations.js';
import { catchUpPolicies, intervalUnits } from '../../domain/maintenance.js';
import { hazardSeverities } from '../../workflows/hazard.contract.js';
import { parseRoundWorkflowId, roundStatuses, routeKinds } from '../../workflows/patrol-round.contract.js';
import { isoInstant, isoMonth, propertyId } from '../common.js';
import { text } from '../maintenance-schemas.js';
import { actorSchema, csv, deadlineSchema, isoSchema, timelineSchema } from '../process-views.js';

/** An ISO 8601 duration of a fixed length, at most a day (a window, a grace, a tolerance). */
const span = (what: string) =>
  z
    .string()
    .refine((s) => isIsoDuration(s) && parseIsoDuration(s) <= 86_400_000, 'must be an ISO 8601 duration of at most a day, such as PT1H or PT10M')
    .meta({ description: what, examples: ['PT1H', 'PT10M'] });

const tagCode = z.string().trim().min(4).max(100).regex(/^[A-Za-z0-9_-]+$/, 'must be letters, digits, dashes or underscores (as printed on the QR code or held on the NFC tag)');

export const checkpointBody = z.object({ tagCode, location: text(200), check: text(1000).meta({ description: 'what to check there' }) }).strict();

export const createRouteBody = z
  .object({
    propertyId,
    name: text(200),
    kind: z.enum(routeKinds),
    ordered: z.boolean().default(false).meta({ description: 'true: the checkpoints are scanned in their order' }),
    window: span('how long a round stays open from its due time'),
    grace: span('after the window, until a checkpoint not scanned becomes an exception'),
    skewTolerance: span("how far a scan's device time may be from the server's before it is flagged").optional(),
    escalateAfter: span('after the security captain hears of a missed checkpoint, when the project manager does').optional(),
    checkpoints: z
      .array(checkpointBody)
      .min(1)
      .max(100)
      .refine((cps) => new Set(cps.map((c) => c.tagCode)).size === cps.length, 'tag codes must differ'),
  })
  .strict();

export const changeRouteBody = z
  .object({
    name: text(200).optional(),
    ordered: z.boolean().optional(),
    window: span('round window').optional(),
    grace: span('grace after the window').optional(),
    skewTolerance: span('device-time tolerance').optional(),
    escalateAfter: span('delay to the project manager').optional(),
    status: z.enum(['active', 'retired']).optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'must change at least one field');

export const changeCheckpointBody = z
  .object({ tagCode: tagCode.optional(), location: text(200).optional(), check: text(1000).optional(), position: z.int().min(1).max(1000).optional(), active: z.boolean().optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'must change at least one field');

export const routeParams = z.object({ id: z.uuid() });
export const checkpointParams = z.object({ id: z.uuid(), checkpointId: z.uuid() });
export const routeListQuery = z.object({ propertyId: propertyId.optional() }).strict();

const checkpointSchema = z.object({ id: z.string(), position: z.number(), tagCode: z.string(), location: z.string(), check: z.string(), active: z.boolean() });

export const routeSchema = z
  .object({
    id: z.string(),
    propertyId: z.string(),
    name: z.string(),
    kind: z.string(),
    ordered: z.boolean(),
    window: z.string(),
    grace: z.string(),
    skewTolerance: z.string(),
    escalateAfter: z.string(),
    status: z.string(),
    revision: z.number(),
    checkpoints: z.array(checkpointSchema).optional(),
    createdAt: isoSchema,
    updatedAt: isoSchema,
  })
  .meta({ id: 'PatrolRoute' });

export const createScheduleBody = z
  .object({
    routeId: z.uuid(),
    name: text(200),
    every: z.int().min(1).max(1000),
    unit: z.enum(intervalUnits),
    anchor: isoInstant.transform((s) => new Date(s)).meta({ description: 'the first round’s due time' }),
    opensBefore: span('how long before its due time a round can be started').optional(),
    catchUp: z.enum(catchUpPolicies).optional(),
  })
  .strict();
export const scheduleStatusBody = z.object({ status: z.enum(['active', 'paused', 'retired']), reason: text(1000) }).strict();
export const scheduleListQuery = z.object({ propertyId: propertyId.optional(), routeId: z.uuid().optional() }).strict();

export const scheduleSchema = z
  .object({
    id: z.string(),
    propertyId: z.string(),
    routeId: z.string(),
    name: z.string(),
    every: z.number(),
    unit: z.string(),
    anchor: isoSchema,
    opensBefore: z.string(),
    catchUp: z.string(),
    status: z.string(),
    statusReason: z.string().nullable(),
    revision: z.number(),
    createdAt: isoSchema,
  })
  .meta({ id: 'PatrolSchedule' });

/** A round's ID is its workflow ID, `patrol:<route ID>:<due, ISO 8601 UTC>`. */
export const roundParams = z.object({
  id: z.string().refine((id) => parseRoundWorkflowId(id) !== undefined, { message: 'must be a patrol round ID like patrol:<route ID>:2026-12-01T14:00:00.000Z' }),
});

export const startRoundBody = z
  .object({ routeId: z.uuid(), due: isoInstant.transform((s) => new Date(s)).optional().meta({ description: 'now by default' }) })
  .strict();
export const emptyBody = z.object({}).strict().optional();
export const checkInBody = z
  .object({
    checkpointId: z.uuid(),
    tagCode: z.string().min(1).max(100).meta({ description: 'as read from the QR code or NFC tag; must match the checkpoint' }),
    deviceTime: isoInstant.optional().meta({ description: 'the device clock when the scan was taken (offline scans); flagged when too far from the server time' }),
    gps: z.object({ lat: z.number().min(-90).max(90), lng: z.number().min(-180).max(180), accuracyM: z.number().min(0).max(100_000).optional() }).strict().optional(),
  })
  .strict();
export const observeBody = z
  .object({
    checkpointId: z.uuid(),
    result: z.enum(['ok', 'issue']),
    note: text(2000).optional(),
    photo: z.url({ protocol: /^https?$/ }).optional(),
  })
  .strict();
export const finishBody = z.object({ reason: text(1000).optional().meta({ description: 'required while a checkpoint is not checked' }) }).strict().optional();
export const roundListQuery = z
  .object({
    propertyId: propertyId.optional(),
    routeId: z.uuid().optional(),
    status: csv(roundStatuses).optional(),
    dueFrom: isoInstant.transform((s) => new Date(s)).optional(),
    dueTo: isoInstant.transform((s) => new Date(s)).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();

export const roundSummary = z
  .object({
    id: z.string(),
    propertyId: z.string(),
    routeId: z.string(),
    scheduleId: z.string().nullable(),
    due: isoSchema,
    windowEnd: isoSchema,
    deadline: isoSchema,
    late: z.boolean(),
    status: z.enum(roundStatuses),
    guard: z.object({ id: z.string(), name: z.string() }).nullable(),
    checkpoints: z.number(),
    checked: z.number(),
    missed: z.number(),
    exceptions: z.number(),
    issues: z.number(),
    skewFlags: z.number(),
    minGapMs: z.number().nullable(),
    maxGapMs: z.number().nullable(),
    escalationLevel: z.number(),
    earlyReason: z.string().nullable(),
  })
  .meta({ id: 'PatrolRoundSummary' });

const gps = z.object({ lat: z.number(), lng: z.number(), accuracyM: z.number().optional() });

export const roundSchema = z
  .object({
    id: z.string(),
    propertyId: z.string(),
    routeId: z.string(),
    routeName: z.string(),
    scheduleId: z.string().nullable(),
    status: z.enum(roundStatuses),
    due: isoSchema,
    windowEnd: isoSchema,
    deadline: isoSchema,
    late: z.boolean(),
    ordered: z.boolean(),
    guard: z.object({ id: z.string(), name: z.string() }).nullable(),
    checkpoints: z.array(
      z.object({
        id: z.string(),
        position: z.number(),
        location: z.string(),
        check: z.string(),
        checkedAt: isoSchema.nullable(),
        observation: z.object({ result: z.enum(['ok', 'issue']), note: z.string().optional(), photo: z.string().optional(), at: isoSchema }).nullable(),
        exception: z.object({ at: isoSchema, levels: z.array(z.object({ level: z.number(), role: z.string(), firedAt: isoSchema, recipients: z.number() })) }).nullable(),
      }),
    ),
    scans: z.array(
      z.object({ checkpointId: z.string(), at: isoSchema, by: actorSchema, deviceTime: isoSchema.optional(), skewMs: z.number().optional(), skewFlagged: z.boolean(), gps: gps.optional(), repeat: z.boolean() }),
    ),
    report: z.object({
      checkpoints: z.number(),
      checked: z.number(),
      missed: z.array(z.string()),
      scans: z.number(),
      repeatScans: z.number(),
      skewFlags: z.number(),
      issues: z.number(),
      minGapMs: z.number().nullable(),
      maxGapMs: z.number().nullable(),
      firstScanAt: isoSchema.nullable(),
      lastScanAt: isoSchema.nullable(),
    }),
    earlyReason: z.string().nullable(),
    outcomeReason: z.string().nullable(),
    escalationLevel: z.number(),
    deadlines: z.array(deadlineSchema),
    startedAt: isoSchema.nullable(),
    finishedAt: isoSchema.nullable(),
    timeline: timelineSchema,
  })
  .meta({ id: 'PatrolRound' });

export const statsQuery = z.object({ month: isoMonth }).strict();

const severityFigures = z.object({ open: z.number(), overdue: z.number(), closed: z.number(), medianMsToClose: z.number().nullable() });
export const statsSchema = z
  .object({
    routeId: z.string(),
    month: z.string(),
    from: isoSchema,
    to: isoSchema,
    rounds: z.object({ due: z.number(), onTime: z.number(), late: z.number(), missed: z.number(), finishedEarly: z.number(), open: z.number(), skipped: z.number() }),
    checkpoints: z.object({ due: z.number(), checked: z.number(), missed: z.number() }),
    exceptions: z.number(),
    skewFlags: z.number(),
    hazards: z.object(Object.fromEntries(hazardSeverities.map((s) => [s, severityFigures])) as Record<(typeof hazardSeverities)[number], typeof severityFigures>),
  })
  .meta({ id: 'PatrolRouteStats' });
