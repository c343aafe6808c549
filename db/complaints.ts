/**
 * Complaints in PostgreSQL: complaint numbers, the policy snapshot a complaint starts
 * from, and reads of the projection (one row, a filtered page, the statistics).
 */
import { and, eq, gt, sql, type SQL } from 'drizzle-orm';
import { parseIsoDuration } from '../domain/durations.js';
import type { Role } from '../domain/roles.js';
import { dateStamp } from '../domain/time-zones.js';
import type { ComplaintPolicySnapshot, ComplaintPriority } from '../workflows/complaint.contract.js';
import type { Db } from './index.js';
import { processListPage, toPage, type Page, type ProcessListFilter } from './lists.js';
import type { ComplaintPolicyRow } from './reference.js';
import { complaintNumbers, complaints, slaEvents } from './schema/index.js';

export type ComplaintRow = typeof complaints.$inferSelect;

/** Allocate a new complaint number: CP-<date in the property's zone>-<sequence, 4+ digits>. */
export async function allocateComplaintId(db: Db, timeZone: string, at = new Date()): Promise<string> {
  const { rows } = await db.execute<{ n: string }>(sql`SELECT nextval(${sql.raw(`'${complaintNumbers.seqName}'`)}) AS n`);
  return `CP-${dateStamp(at, timeZone)}-${String(rows[0]!.n).padStart(4, '0')}`;
}

/** Resolve a stored complaint policy's durations to milliseconds. */
export function toComplaintPolicySnapshot(p: ComplaintPolicyRow): ComplaintPolicySnapshot {
  return {
    version: p.version,
    priority: p.priority as ComplaintPriority,
    respondMs: parseIsoDuration(p.respond),
    resolveMs: parseIsoDuration(p.resolve),
    revisitMs: parseIsoDuration(p.revisit),
    warnRatio: p.warnRatio,
    escalation: p.escalation.map((r) => ({ level: r.level, afterMs: parseIsoDuration(r.after), role: r.role as Role })),
    reopenEscalateAfter: p.reopenEscalateAfter,
  };
}

export async function getComplaintRow(db: Db, id: string): Promise<ComplaintRow | undefined> {
  const [row] = await db.select().from(complaints).where(eq(complaints.id, id));
  return row;
}

export interface ComplaintFilter extends ProcessListFilter {
  priority?: string | undefined;
  channel?: string | undefined;
  handlerId?: string | undefined;
  escalated?: boolean | undefined;
}

/** The list query: the complaints `f` asks for, newest first, one page and one row more. */
export function complaintListQuery(db: Db, f: ComplaintFilter) {
  const c = complaints;
  return processListPage(db.select().from(c).$dynamic(), c, f, [
    f.priority ? eq(c.priority, f.priority) : undefined,
    f.channel ? eq(c.channel, f.channel) : undefined,
    f.handlerId ? eq(c.handlerId, f.handlerId) : undefined,
    f.escalated === undefined ? undefined : f.escalated ? gt(c.escalationLevel, 0) : eq(c.escalationLevel, 0),
  ]);
}

/** A page of complaints, newest first, with keyset paging on (created_at, id). */
export async function listComplaints(db: Db, f: ComplaintFilter): Promise<Page<ComplaintRow>> {
  return toPage(await complaintListQuery(db, f), f.limit);
}

/** Share of `part` in `whole`, or null when there is nothing to share. */
const share = (part: number, whole: number) => (whole === 0 ? null : part / whole);

/** How a window was kept: decided = answered/resolved, or known to be late. */
export interface SlaShare {
  done: number;
  decided: number;
  withinSla: number;
  shareWithinSla: number | null;
  medianMs: number | null;
}

export interface ComplaintStats {
  total: number;
  byCategory: Record<string, number>;
  byChannel: Record<string, number>;
  byPriority: Record<string, number>;
  byStatus: Record<string, number>;
  response: SlaShare;
  resolution: SlaShare;
  reopen: { resolved: number; reopened: number; reopens: number; rate: number | null };
  escalated: number;
  satisfaction: { scored: number; average: number | null };
  recurring: {
    categories: { category: string; count: number }[];
    locations: { location: string; count: number; categories: string[] }[];
  };
}

/**
 * Statistics of the complaints received at a property in [from, to), from the projection
 * alone. A window counts as missed once it ran out unanswered, even before the next step.
 */
export async function complaintStats(db: Db, propertyId: string, from: Date, to: Date): Promise<ComplaintStats> {
  const c = complaints;
  const inPeriod = and(eq(c.propertyId, propertyId), sql`${c.createdAt} >= ${from.toISOString()}`, sql`${c.createdAt} < ${to.toISOString()}`);
  const open = sql`${c.status} NOT IN ('closed', 'withdrawn')`;
  const respondLate = sql`(${c.respondMet} IS NULL AND ${c.respondedAt} IS NULL AND ${open} AND ${c.respondDeadline} < now())`;
  const resolveLate = sql`(${c.resolveMet} IS NULL AND ${open} AND ${c.resolveDeadline} < now())`;
  const ms = (end: SQL) => sql`percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM (${end} - ${c.createdAt})) * 1000)`;

  const [totals] = await db
    .select({
      total: sql<number>`count(*)::int`,
      answered: sql<number>`count(${c.respondedAt})::int`,
      respondDecided: sql<number>`count(*) FILTER (WHERE ${c.respondMet} IS NOT NULL OR ${respondLate})::int`,
      respondMet: sql<number>`count(*) FILTER (WHERE ${c.respondMet})::int`,
      respondMedian: sql<number | null>`${ms(sql`${c.respondedAt}`)}`,
      resolved: sql<number>`count(${c.resolvedAt})::int`,
      resolveDecided: sql<number>`count(*) FILTER (WHERE ${c.resolveMet} IS NOT NULL OR ${resolveLate})::int`,
      resolveMet: sql<number>`count(*) FILTER (WHERE ${c.resolveMet})::int`,
      resolveMedian: sql<number | null>`${ms(sql`${c.resolvedAt}`)}`,
      reopened: sql<number>`count(*) FILTER (WHERE ${c.reopens} > 0)::int`,
      reopens: sql<number>`coalesce(sum(${c.reopens}), 0)::int`,
      scored: sql<number>`count(${c.satisfaction})::int`,
      satisfaction: sql<number | null>`avg(${c.satisfaction})::float`,
    })
    .from(c)
    .where(inPeriod);
  const t = totals!;

  const countBy = async (column: typeof c.category | typeof c.channel | typeof c.priority | typeof c.status) => {
    const rows = await db.select({ key: column, n: sql<number>`count(*)::int` }).from(c).where(inPeriod).groupBy(column);
    return Object.fromEntries(rows.map((r) => [r.key, r.n]));
  };
  const [byCategory, byChannel, byPriority, byStatus] = await Promise.all([countBy(c.category), countBy(c.channel), countBy(c.priority), countBy(c.status)]);

  const [escalated] = await db
    .select({ n: sql<number>`count(DISTINCT ${c.id})::int` })
    .from(c)
    .innerJoin(slaEvents, and(eq(slaEvents.workflowId, c.workflowId), sql`${slaEvents.level} > 0`))
    .where(inPeriod);

  const location = sql<string>`coalesce(${c.unitCode}, ${c.commonArea})`;
  const recurringLocations = await db
    .select({ location, count: sql<number>`count(*)::int`, categories: sql<string[]>`array_agg(DISTINCT ${c.category} ORDER BY ${c.category})` })
    .from(c)
    .where(and(inPeriod, sql`${location} IS NOT NULL`))
    .groupBy(location)
    .having(sql`count(*) > 1`)
    .orderBy(sql`count(*) DESC`, location)
    .limit(10);
  const recurringCategories = Object.entries(byCategory)
    .filter(([, n]) => n > 1)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .slice(0, 5)
    .map(([category, count]) => ({ category, count }));

  const round = (v: number | null) => (v === null ? null : Math.round(Number(v)));
  return {
    total: t.total,
    byCategory,
    byChannel,
    byPriority,
    byStatus,
    response: { done: t.answered, decided: t.respondDecided, withinSla: t.respondMet, shareWithinSla: share(t.respondMet, t.respondDecided), medianMs: round(t.respondMedian) },
    resolution: { done: t.resolved, decided: t.resolveDecided, withinSla: t.resolveMet, shareWithinSla: share(t.resolveMet, t.resolveDecided), medianMs: round(t.resolveMedian) },
    reopen: { resolved: t.resolved, reopened: t.reopened, reopens: t.reopens, rate: share(t.reopened, t.resolved) },
    escalated: escalated?.n ?? 0,
    satisfaction: { scored: t.scored, average: t.satisfaction === null ? null : Number(t.satisfaction) },
    recurring: { categories: recurringCategories, locations: recurringLocations },
  };
}
