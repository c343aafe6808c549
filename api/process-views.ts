/**
 * What every process resource shares in its API shape: ISO times, actors, SLA deadlines,
 * timelines, and the keyset cursors and filters of its list.
 */
import { z } from 'zod';
import { roles } from '../domain/roles.js';
import type { SlaClockView } from '../workflows/sla/clocks.js';
import type { TimelineEntry } from '../workflows/shared/steps.js';
import { badRequest } from './errors.js';

/** An instant on the wire. */
export const isoSchema = z.string().meta({ format: 'date-time' });
export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : iso(ms));

/** Who took a step, as recorded. */
export const actorSchema = z.object({ id: z.string(), role: z.enum(roles), name: z.string().optional() });

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
