/**
 * Drill schedules in PostgreSQL: create, list, pause, resume and retire, read one as the recurring-plan engine
 * runs it, and count the drills they required in a period.
 */
import { asc, eq, inArray } from 'drizzle-orm';
import { parseIsoDuration } from '../domain/durations.js';
import type { IncidentType } from '../domain/emergency.js';
import type { IntervalUnit } from '../domain/maintenance.js';
import { occurrences, type Schedule } from '../domain/maintenance-schedule.js';
import type { Actor } from '../domain/roles.js';
import { appendAudit } from './audit.js';
import type { Db } from './index.js';
import { drillSchedules, properties } from './schema/index.js';

export type DrillScheduleRow = typeof drillSchedules.$inferSelect;

export interface NewDrillSchedule {
  incidentType: IncidentType;
  every: number;
  unit: IntervalUnit;
  anchor: Date;
  holdWithin: string;
}

/** Create a schedule, with its audit row. */
export async function createDrillSchedule(db: Db, propertyId: string, input: NewDrillSchedule, actor: Actor): Promise<DrillScheduleRow> {
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(drillSchedules).values({ propertyId, ...input, createdBy: actor.id }).returning();
    await appendAudit(tx, { occurredAt: row!.createdAt, propertyId, subject: `drill-schedule:${row!.id}`, action: 'drill-schedule.created', actor, detail: { ...input, anchor: input.anchor.toISOString() } });
    return row!;
  });
}

/**
 * Pause, resume or retire a schedule, with its audit row (a pause's occurrences are recorded
 * skipped by the engine). Undefined when it does not exist, is retired, or is already so.
 */
export async function changeDrillScheduleStatus(db: Db, id: string, status: 'active' | 'paused' | 'retired', reason: string, actor: Actor): Promise<DrillScheduleRow | undefined> {
  return db.transaction(async (tx) => {
    const [before] = await tx.select().from(drillSchedules).where(eq(drillSchedules.id, id)).for('update');
    if (!before || before.status === 'retired' || before.status === status) return undefined;
    const [row] = await tx.update(drillSchedules).set({ status, statusReason: reason, statusChangedAt: new Date() }).where(eq(drillSchedules.id, id)).returning();
    await appendAudit(tx, { occurredAt: row!.statusChangedAt, propertyId: row!.propertyId, subject: `drill-schedule:${id}`, action: `drill-schedule.${status}`, actor, fromStatus: before.status, toStatus: status, reason });
    return row;
  });
}

export async function listDrillSchedules(db: Db, propertyId: string): Promise<DrillScheduleRow[]> {
  return db.select().from(drillSchedules).where(eq(drillSchedules.propertyId, propertyId)).orderBy(asc(drillSchedules.incidentType), asc(drillSchedules.createdAt));
}

export async function getDrillSchedule(db: Db, id: string): Promise<(DrillScheduleRow & { timeZone: string }) | undefined> {
  const [row] = await db
    .select({ schedule: drillSchedules, timeZone: properties.timezone })
    .from(drillSchedules)
    .innerJoin(properties, eq(properties.id, drillSchedules.propertyId))
    .where(eq(drillSchedules.id, id));
  return row && { ...row.schedule, timeZone: row.timeZone };
}

/** Every active or paused schedule (the engine's catch-up ensures each runs). */
export async function liveDrillScheduleIds(db: Db): Promise<string[]> {
  const rows = await db.select({ id: drillSchedules.id }).from(drillSchedules).where(inArray(drillSchedules.status, ['active', 'paused'])).orderBy(asc(drillSchedules.createdAt));
  return rows.map((r) => r.id);
}

/** A schedule's series, as the engine computes it. */
export function drillSeries(row: DrillScheduleRow, timeZone: string): Schedule {
  return { mode: 'fixed', every: row.every, unit: row.unit as IntervalUnit, anchorMs: row.anchor.getTime(), timeZone };
}

/** Per incident type, the drills the property's schedules made due in [fromMs, toMs), each since its schedule was created. */
export async function drillOccurrencesDue(db: Db, propertyId: string, fromMs: number, toMs: number): Promise<Record<string, number>> {
  const [property] = await db.select({ timeZone: properties.timezone }).from(properties).where(eq(properties.id, propertyId));
  const out: Record<string, number> = {};
  for (const row of await listDrillSchedules(db, propertyId)) {
    const start = Math.max(fromMs, row.createdAt.getTime());
    const end = row.status === 'retired' ? Math.min(toMs, row.statusChangedAt.getTime()) : toMs;
    if (start >= end) continue;
    const due = occurrences(drillSeries(row, property?.timeZone ?? 'Asia/Shanghai'), start - 1, end - 1).length;
    out[row.incidentType] = (out[row.incidentType] ?? 0) + due;
  }
  return out;
}

/** How long a drill of the schedule may be held after its due time. */
export const holdWithinMs = (row: DrillScheduleRow): number => parseIsoDuration(row.holdWithin);
