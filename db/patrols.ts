/**
 * Patrols in PostgreSQL: routes and their checkpoints, schedules (recurring plans whose
 * occurrence is a round), the input a round starts from, and reads of the round projection
 * (a page, a route's monthly statistics). Every write appends its audit row in the same
 * transaction.
 */
import { and, asc, count, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import { parseIsoDuration } from '../domain/durations.js';
import type { IntervalUnit } from '../domain/maintenance.js';
import type { Actor } from '../domain/roles.js';
import { hazardSeverities, type HazardSeverity } from '../workflows/hazard.contract.js';
import type { PatrolRoundInput, RouteKind } from '../workflows/patrol-round.contract.js';
import { appendAudit } from './audit.js';
import type { Db } from './index.js';
import { hazards, patrolCheckpoints, patrolRounds, patrolRoutes, patrolSchedules } from './schema/index.js';

export type RouteRow = typeof patrolRoutes.$inferSelect;
export type CheckpointRow = typeof patrolCheckpoints.$inferSelect;
export type ScheduleRow = typeof patrolSchedules.$inferSelect;
export type RoundRow = typeof patrolRounds.$inferSelect;

export interface NewCheckpoint {
  tagCode: string;
  location: string;
  check: string;
}

export interface NewRoute {
  name: string;
  kind: RouteKind;
  ordered: boolean;
  window: string;
  grace: string;
  skewTolerance?: string | undefined;
  escalateAfter?: string | undefined;
  checkpoints: NewCheckpoint[];
}

/** A route with its active checkpoints, in their order. */
export type RouteWithCheckpoints = RouteRow & { checkpoints: CheckpointRow[] };

/** Register a route and its checkpoints (positions 1, 2, 3… in the given order); undefined if the property has a route of that name. */
export async function createRoute(db: Db, propertyId: string, input: NewRoute, actor: Actor): Promise<RouteWithCheckpoints | undefined> {
  return db.transaction(async (tx) => {
    const [route] = await tx
      .insert(patrolRoutes)
      .values({
        propertyId,
        name: input.name,
        kind: input.kind,
        ordered: input.ordered,
        window: input.window,
        grace: input.grace,
        ...(input.skewTolerance ? { skewTolerance: input.skewTolerance } : {}),
        ...(input.escalateAfter ? { escalateAfter: input.escalateAfter } : {}),
        createdBy: actor.id,
      })
      .onConflictDoNothing()
      .returning();
    if (!route) return undefined;
    const checkpoints = await tx
      .insert(patrolCheckpoints)
      .values(input.checkpoints.map((c, i) => ({ routeId: route.id, position: i + 1, ...c })))
      .returning();
    await appendAudit(tx, {
      occurredAt: route.createdAt,
      propertyId,
      subject: `patrol-route:${route.id}`,
      action: 'patrol-route.created',
      actor,
      toStatus: route.status,
      detail: { name: route.name, kind: route.kind, ordered: route.ordered, checkpoints: checkpoints.map((c) => ({ id: c.id, location: c.location })) },
    });
    return { ...route, checkpoints };
  });
}

export async function getRoute(db: Db, id: string): Promise<RouteWithCheckpoints | undefined> {
  const [route] = await db.select().from(patrolRoutes).where(eq(patrolRoutes.id, id));
  if (!route) return undefined;
  const checkpoints = await db
    .select()
    .from(patrolCheckpoints)
    .where(and(eq(patrolCheckpoints.routeId, id), eq(patrolCheckpoints.active, true)))
    .orderBy(asc(patrolCheckpoints.position));
  return { ...route, checkpoints };
}

/** The routes of the properties asked for, oldest first. */
export async function listRoutes(db: Db, f: { propertyIds?: string[] | undefined; propertyId?: string | undefined }): Promise<RouteRow[]> {
  return db
    .select()
    .from(patrolRoutes)
    .where(and(f.propertyIds ? inArray(patrolRoutes.propertyId, f.propertyIds) : undefined, f.propertyId ? eq(patrolRoutes.propertyId, f.propertyId) : undefined))
    .orderBy(asc(patrolRoutes.createdAt));
}

export type RouteChange = Partial<Pick<RouteRow, 'name' | 'ordered' | 'window' | 'grace' | 'skewTolerance' | 'escalateAfter' | 'status'>>;

/** Change a route (the next round it starts uses the new figures); the audit row keeps the previous ones. */
export async function changeRoute(db: Db, id: string, change: RouteChange, actor: Actor): Promise<RouteRow | undefined> {
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(patrolRoutes).where(eq(patrolRoutes.id, id)).for('update');
    if (!before) return undefined;
    const [after] = await tx
      .update(patrolRoutes)
      .set({ ...change, revision: sql`${patrolRoutes.revision} + 1`, updatedAt: new Date() })
      .where(eq(patrolRoutes.id, id))
      .returning();
    const previous = Object.fromEntries(Object.keys(change).map((k) => [k, before[k as keyof RouteRow]]));
    await appendAudit(tx, { occurredAt: after!.updatedAt, propertyId: before.propertyId, subject: `patrol-route:${id}`, action: 'patrol-route.changed', actor, detail: { change, previous } });
    return after;
  });
}

/** Add a checkpoint at the end of the route; undefined if the route already has the tag code. */
export async function addCheckpoint(db: Db, route: RouteRow, input: NewCheckpoint, actor: Actor): Promise<CheckpointRow | undefined> {
  return db.transaction(async (tx) => {
    const [last] = await tx.select({ n: sql<number>`coalesce(max(${patrolCheckpoints.position}), 0)` }).from(patrolCheckpoints).where(eq(patrolCheckpoints.routeId, route.id));
    const [row] = await tx
      .insert(patrolCheckpoints)
      .values({ routeId: route.id, position: Number(last?.n ?? 0) + 1, ...input })
      .onConflictDoNothing()
      .returning();
    if (!row) return undefined;
    await appendAudit(tx, { occurredAt: row.createdAt, propertyId: route.propertyId, subject: `patrol-route:${route.id}`, action: 'patrol-checkpoint.added', actor, detail: { id: row.id, location: row.location } });
    return row;
  });
}

export type CheckpointChange = Partial<Pick<CheckpointRow, 'tagCode' | 'location' | 'check' | 'position' | 'active'>>;

/** Change a checkpoint of a route; undefined if it is not one of the route's. */
export async function changeCheckpoint(db: Db, route: RouteRow, checkpointId: string, change: CheckpointChange, actor: Actor): Promise<CheckpointRow | undefined> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(patrolCheckpoints)
      .set(change)
      .where(and(eq(patrolCheckpoints.id, checkpointId), eq(patrolCheckpoints.routeId, route.id)))
      .returning();
    if (!row) return undefined;
    await appendAudit(tx, { occurredAt: new Date(), propertyId: route.propertyId, subject: `patrol-route:${route.id}`, action: 'patrol-checkpoint.changed', actor, detail: { id: row.id, change } });
    return row;
  });
}

/** The round of `route` due at `dueMs`, as the workflow starts from it (tag codes stay in PostgreSQL). */
export function roundInput(
  route: RouteWithCheckpoints,
  dueMs: number,
  o: { scheduleId: string | null; late: boolean; outcome?: PatrolRoundInput['outcome'] | undefined; createdBy: Actor },
): PatrolRoundInput {
  return {
    routeId: route.id,
    routeName: route.name,
    routeKind: route.kind as RouteKind,
    scheduleId: o.scheduleId,
    propertyId: route.propertyId,
    due: dueMs,
    windowMs: parseIsoDuration(route.window),
    graceMs: parseIsoDuration(route.grace),
    ordered: route.ordered,
    checkpoints: route.checkpoints.map((c) => ({ id: c.id, position: c.position, location: c.location, check: c.check })),
    skewToleranceMs: parseIsoDuration(route.skewTolerance),
    // The security captain (the site supervisor) at once, the project manager after the route's delay.
    escalation: [
      { level: 1, afterMs: 0, role: 'dispatcher' },
      { level: 2, afterMs: parseIsoDuration(route.escalateAfter), role: 'manager' },
    ],
    late: o.late,
    ...(o.outcome ? { outcome: o.outcome } : {}),
    createdBy: o.createdBy,
  };
}

export interface NewSchedule {
  routeId: string;
  name: string;
  every: number;
  unit: IntervalUnit;
  anchor: Date;
  opensBefore?: string | undefined;
  catchUp?: 'all' | 'latest_only' | undefined;
}

/** Register a schedule of a route. */
export async function createSchedule(db: Db, propertyId: string, input: NewSchedule, actor: Actor): Promise<ScheduleRow> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(patrolSchedules)
      .values({ propertyId, ...input, opensBefore: input.opensBefore ?? 'PT0S', catchUp: input.catchUp ?? 'all', createdBy: actor.id })
      .returning();
    await appendAudit(tx, {
      occurredAt: row!.createdAt,
      propertyId,
      subject: `patrol-schedule:${row!.id}`,
      action: 'patrol-schedule.created',
      actor,
      toStatus: row!.status,
      detail: { routeId: input.routeId, every: input.every, unit: input.unit, anchor: input.anchor.toISOString() },
    });
    return row!;
  });
}

export async function getSchedule(db: Db, id: string): Promise<ScheduleRow | undefined> {
  const [row] = await db.select().from(patrolSchedules).where(eq(patrolSchedules.id, id));
  return row;
}

export async function listSchedules(db: Db, f: { propertyIds?: string[] | undefined; propertyId?: string | undefined; routeId?: string | undefined }): Promise<ScheduleRow[]> {
  return db
    .select()
    .from(patrolSchedules)
    .where(
      and(
        f.propertyIds ? inArray(patrolSchedules.propertyId, f.propertyIds) : undefined,
        f.propertyId ? eq(patrolSchedules.propertyId, f.propertyId) : undefined,
        f.routeId ? eq(patrolSchedules.routeId, f.routeId) : undefined,
      ),
    )
    .orderBy(asc(patrolSchedules.createdAt));
}

/** Pause, resume or retire a schedule, with a reason; each change is a new revision. */
export async function changeScheduleStatus(db: Db, id: string, status: 'active' | 'paused' | 'retired', reason: string, actor: Actor): Promise<ScheduleRow | undefined> {
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(patrolSchedules).where(eq(patrolSchedules.id, id)).for('update');
    if (!before) return undefined;
    const now = new Date();
    const [after] = await tx
      .update(patrolSchedules)
      .set({ status, statusReason: reason, statusChangedAt: now, revision: sql`${patrolSchedules.revision} + 1`, updatedAt: now })
      .where(eq(patrolSchedules.id, id))
      .returning();
    await appendAudit(tx, { occurredAt: now, propertyId: before.propertyId, subject: `patrol-schedule:${id}`, action: `patrol-schedule.${status}`, actor, fromStatus: before.status, toStatus: status, reason });
    return after;
  });
}

/** Every schedule that is active or paused (the plan engine's catch-up ensures each runs). */
export async function liveScheduleIds(db: Db): Promise<string[]> {
  const rows = await db
    .select({ id: patrolSchedules.id })
    .from(patrolSchedules)
    .where(inArray(patrolSchedules.status, ['active', 'paused']))
    .orderBy(asc(patrolSchedules.createdAt));
  return rows.map((r) => r.id);
}

export async function getRoundRow(db: Db, workflowId: string): Promise<RoundRow | undefined> {
  const [row] = await db.select().from(patrolRounds).where(eq(patrolRounds.workflowId, workflowId));
  return row;
}

/** Rounds from the projection, newest due first. */
export async function listRounds(
  db: Db,
  f: { propertyIds?: string[] | undefined; propertyId?: string | undefined; routeId?: string | undefined; status?: string[] | undefined; dueFrom?: Date | undefined; dueTo?: Date | undefined; limit: number },
): Promise<RoundRow[]> {
  const r = patrolRounds;
  return db
    .select()
    .from(r)
    .where(
      and(
        f.propertyIds ? inArray(r.propertyId, f.propertyIds) : undefined,
        f.propertyId ? eq(r.propertyId, f.propertyId) : undefined,
        f.routeId ? eq(r.routeId, f.routeId) : undefined,
        f.status?.length ? inArray(r.status, f.status) : undefined,
        f.dueFrom ? gte(r.due, f.dueFrom) : undefined,
        f.dueTo ? lt(r.due, f.dueTo) : undefined,
      ),
    )
    .orderBy(desc(r.due), desc(r.workflowId))
    .limit(f.limit);
}

/** A route's figures for one period: rounds and checkpoints from the round projection, hazards found on it by severity. */
export interface RouteStats {
  rounds: { due: number; onTime: number; late: number; missed: number; finishedEarly: number; open: number; skipped: number };
  checkpoints: { due: number; checked: number; missed: number };
  exceptions: number;
  skewFlags: number;
  hazards: Record<HazardSeverity, { open: number; overdue: number; closed: number; medianMsToClose: number | null }>;
}

/**
 * The statistics of `routeId` for rounds due and hazards raised in [from, to). A round is on
 * time when completed within its window, late when completed after it, missed when nobody
 * started it or it closed itself with checkpoints unchecked; skipped rounds (a paused
 * schedule) are not due.
 */
export async function routeStats(db: Db, routeId: string, from: Date, to: Date): Promise<RouteStats> {
  const r = patrolRounds;
  const inPeriod = and(eq(r.routeId, routeId), gte(r.due, from), lt(r.due, to));
  const byStatus = await db
    .select({ status: r.status, n: count(), checkpoints: sql<number>`sum(${r.checkpoints})`, checked: sql<number>`sum(${r.checked})`, missed: sql<number>`sum(${r.missed})`, exceptions: sql<number>`sum(${r.exceptions})`, skew: sql<number>`sum(${r.skewFlags})` })
    .from(r)
    .where(inPeriod)
    .groupBy(r.status);
  const n = (...statuses: string[]) => byStatus.filter((b) => statuses.includes(b.status)).reduce((sum, b) => sum + Number(b.n), 0);
  // Checkpoints of rounds that have ended: an open round's unchecked checkpoints may still be checked.
  const ended = byStatus.filter((b) => !['skipped', 'scheduled', 'in_progress'].includes(b.status));
  const sum = (key: 'checkpoints' | 'checked' | 'missed' | 'exceptions' | 'skew') => ended.reduce((total, b) => total + Number(b[key] ?? 0), 0);
  const h = hazards;
  const hazardRows = await db
    .select({
      severity: h.severity,
      open: sql<number>`count(*) FILTER (WHERE ${h.status} <> 'closed')`,
      overdue: sql<number>`count(*) FILTER (WHERE ${h.status} <> 'closed' AND (${h.overdue} OR ${h.rectifyDeadline} < now()))`,
      closed: sql<number>`count(*) FILTER (WHERE ${h.status} = 'closed')`,
      median: sql<number | null>`percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM (${h.closedAt} - ${h.createdAt})) * 1000) FILTER (WHERE ${h.status} = 'closed')`,
    })
    .from(h)
    .where(and(eq(h.routeId, routeId), gte(h.createdAt, from), lt(h.createdAt, to)))
    .groupBy(h.severity);
  const bySeverity = Object.fromEntries(
    hazardSeverities.map((s) => {
      const row = hazardRows.find((x) => x.severity === s);
      return [s, { open: Number(row?.open ?? 0), overdue: Number(row?.overdue ?? 0), closed: Number(row?.closed ?? 0), medianMsToClose: row?.median == null ? null : Math.round(Number(row.median)) }];
    }),
  ) as RouteStats['hazards'];
  return {
    rounds: {
      due: n('completed', 'completed_late', 'finished_early', 'incomplete', 'missed', 'scheduled', 'in_progress'),
      onTime: n('completed'),
      late: n('completed_late'),
      missed: n('missed', 'incomplete'),
      finishedEarly: n('finished_early'),
      open: n('scheduled', 'in_progress'),
      skipped: n('skipped'),
    },
    checkpoints: { due: sum('checkpoints'), checked: sum('checked'), missed: sum('missed') },
    exceptions: sum('exceptions'),
    skewFlags: sum('skew'),
    hazards: bySeverity,
  };
}
