/**
 * What every process resource shares in its API shape: ISO times, actors, SLA deadlines,
 * timelines, and the keyset cursors and filters of its list.
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Contact } from '../db/contacts.js';
import { roles, systemRole, type Actor } from '../domain/roles.js';
import type { SlaClockView } from '../workflows/sla/clocks.js';
import type { ProcessLocation, TimelineEntry } from '../workflows/shared/steps.js';
import { maskPhone } from './common.js';
import { badRequest } from './errors.js';

/** An instant on the wire. */
export const isoSchema = z.string().meta({ format: 'date-time' });
export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : iso(ms));

/** Who took a step, as recorded. */
/** Who took a step: a staff member in their role, or `system` for automatic steps (SLA clocks, automatic dispatch). */
export const actorSchema = z.object({ id: z.string(), role: z.enum([...roles, systemRole]), name: z.string().optional() });

/** One SLA clock of a process: when it started, its deadline, whether it was met, which levels fired. */
export const deadlineSchema = z.object({
  name: z.string(),
  run: z.number(),
  state: z.enum(['running', 'paused', 'stopped', 'restarted']),
  startedAt: isoSchema,
  deadline: isoSchema,
  stoppedAt: isoSchema.optional(),
  met: z.boolean().optional(),
  breached: z.boolean(),
  remainingMs: z.number(),
  warned: z.boolean(),
  escalationLevelsFired: z.array(z.number()),
});

export function presentDeadlines(views: SlaClockView[]): z.infer<typeof deadlineSchema>[] {
  return views.map((d) => ({
    name: d.name,
    run: d.run,
    state: d.state,
    startedAt: iso(d.startedAt),
    deadline: iso(d.deadline),
    ...(d.stoppedAt !== undefined ? { stoppedAt: iso(d.stoppedAt) } : {}),
    ...(d.met !== undefined ? { met: d.met } : {}),
    breached: d.breached,
    remainingMs: d.remainingMs,
    warned: d.warned,
    escalationLevelsFired: d.firedLevels,
  }));
}

/** Every step of a process with its actor and time. */
export const timelineSchema = z.array(
  z.object({
    seq: z.number(),
    at: isoSchema,
    action: z.string(),
    actor: actorSchema,
    from: z.string().optional(),
    to: z.string().optional(),
    reason: z.string().optional(),
    detail: z.record(z.string(), z.unknown()).optional(),
  }),
);

export const presentTimeline = (entries: TimelineEntry[]): z.infer<typeof timelineSchema> => entries.map((t) => ({ ...t, at: iso(t.at) }));

/** A query parameter of one value or several, comma-separated, each from `values`. */
export const csv = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()))
    .pipe(z.array(z.enum(values)));

/** Page size and cursor of every list. */
export const limitQuery = z.coerce.number().int().min(1).max(200).default(50);
export const cursorQuery = z.string().max(200).optional();

/** A keyset position in a newest-first list: (created_at, id). */
export interface ListCursor {
  createdAt: Date;
  id: string;
}

export const encodeCursor = (c: ListCursor): string => Buffer.from(`${c.createdAt.toISOString()}|${c.id}`).toString('base64url');

/** Decode a cursor this API gave out, or answer 400. */
export function decodeCursor(cursor: string): ListCursor {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (!id || Number.isNaN(createdAt.getTime())) throw badRequest('querystring.cursor', 'is not a cursor this API gave out');
  return { createdAt, id };
}

/** What a list item of every reported problem (a repair, a complaint) holds, whatever its kind. */
export const reportSummaryShape = {
  id: z.string(),
  propertyId: z.string(),
  location: z.string().nullable(),
  category: z.string(),
  priority: z.string(),
  channel: z.string(),
  description: z.string(),
  status: z.string(),
  escalationLevel: z.number(),
  nextDeadline: isoSchema.nullable(),
  overdue: z.boolean(),
  satisfaction: z.number().nullable(),
  createdAt: isoSchema,
  updatedAt: isoSchema,
  closedAt: isoSchema.nullable(),
};

/** A reported problem's projection row, as its list reads it. */
export interface ReportRow {
  id: string;
  propertyId: string;
  unitCode: string | null;
  commonArea: string | null;
  category: string;
  priority: string;
  channel: string;
  description: string;
  status: string;
  escalationLevel: number;
  nextDeadline: Date | null;
  satisfaction: number | null;
  createdAt: Date;
  updatedAt: Date;
  closedAt: Date | null;
}

/** The list item fields every reported problem shares, from its projection row. */
export function summariseReport(row: ReportRow) {
  return {
    id: row.id,
    propertyId: row.propertyId,
    location: row.unitCode ?? row.commonArea,
    category: row.category,
    priority: row.priority,
    channel: row.channel,
    description: row.description,
    status: row.status,
    escalationLevel: row.escalationLevel,
    nextDeadline: row.nextDeadline?.toISOString() ?? null,
    overdue: row.nextDeadline !== null && row.nextDeadline.getTime() < Date.now(),
    satisfaction: row.satisfaction,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    closedAt: row.closedAt?.toISOString() ?? null,
  };
}

/** What every reported problem's live state shows, whatever its kind. */
interface ReportState {
  propertyId: string;
  location: ProcessLocation;
  description: string;
  deadlines: SlaClockView[];
  satisfaction?: number;
  policy: { version: number };
  createdBy: Actor;
  createdAt: number;
  closedAt?: number;
  timeline: TimelineEntry[];
}

/**
 * The detail fields every reported problem shares: ISO times, its clocks and steps, and the
 * contact of whoever raised it for staff who call back (the phone masked for auditors).
 */
export function presentReport(state: ReportState, contact: Contact | undefined, req: FastifyRequest) {
  const phone = contact?.phone ?? null;
  return {
    propertyId: state.propertyId,
    location: state.location,
    description: state.description,
    contact: { name: contact?.name ?? '', phone: req.user.role === 'auditor' ? maskPhone(phone) : phone },
    deadlines: presentDeadlines(state.deadlines),
    satisfaction: state.satisfaction ?? null,
    policyVersion: state.policy.version,
    createdBy: state.createdBy,
    createdAt: iso(state.createdAt),
    closedAt: isoOrNull(state.closedAt),
    timeline: presentTimeline(state.timeline),
  };
}
