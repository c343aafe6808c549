/** Scored inspections in PostgreSQL: recording one with its area scores, linking the rectifications, and the monthly figures per area and contractor. */
import { and, asc, avg, count, eq, gte, lt, min, sql } from 'drizzle-orm';
import type { Actor } from '../domain/roles.js';
import { appendAudit } from './audit.js';
import type { Db } from './index.js';
import { inspections, inspectionScores } from './schema/index.js';

export type InspectionRow = typeof inspections.$inferSelect;
export type ScoreRow = typeof inspectionScores.$inferSelect;

export interface NewInspection {
  kind: 'cleaning' | 'landscaping';
  inspectedAt: Date;
  areas: { area: string; contractor?: string | undefined; score: number; threshold: number; note?: string | undefined }[];
}

/** Record an inspection and its scores, with its audit row. */
export async function recordInspection(db: Db, propertyId: string, input: NewInspection, actor: Actor): Promise<InspectionRow & { scores: ScoreRow[] }> {
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(inspections).values({ propertyId, kind: input.kind, inspectedAt: input.inspectedAt, inspectorId: actor.id }).returning();
    const scores = await tx
      .insert(inspectionScores)
      .values(input.areas.map((a) => ({ inspectionId: row!.id, area: a.area, contractor: a.contractor ?? null, score: a.score, threshold: a.threshold, note: a.note ?? null })))
      .returning();
    await appendAudit(tx, {
      occurredAt: row!.createdAt,
      propertyId,
      subject: `inspection:${row!.id}`,
      action: 'inspection.recorded',
      actor,
      detail: { kind: input.kind, scores: input.areas.map((a) => ({ area: a.area, score: a.score, threshold: a.threshold })) },
    });
    return { ...row!, scores };
  });
}

/** Link the rectification an area's low score started. */
export async function linkRectification(db: Db, inspectionId: string, area: string, hazardId: string): Promise<void> {
  await db
    .update(inspectionScores)
    .set({ hazardId })
    .where(and(eq(inspectionScores.inspectionId, inspectionId), eq(inspectionScores.area, area)));
}

/** The inspections' average, lowest score and count of scores below threshold in [from, to), per area and per contractor. */
export async function inspectionScoresOf(db: Db, propertyId: string, kind: string, from: Date, to: Date) {
  const s = inspectionScores;
  const i = inspections;
  const figures = { scores: count(), average: avg(s.score), lowest: min(s.score), belowThreshold: sql<number>`count(*) FILTER (WHERE ${s.score} < ${s.threshold})` };
  const where = and(eq(i.propertyId, propertyId), eq(i.kind, kind), gte(i.inspectedAt, from), lt(i.inspectedAt, to));
  const [areas, contractors] = await Promise.all([
    db.select({ area: s.area, ...figures }).from(s).innerJoin(i, eq(i.id, s.inspectionId)).where(where).groupBy(s.area).orderBy(asc(s.area)),
    db.select({ contractor: s.contractor, ...figures }).from(s).innerJoin(i, eq(i.id, s.inspectionId)).where(and(where, sql`${s.contractor} IS NOT NULL`)).groupBy(s.contractor).orderBy(asc(s.contractor)),
  ]);
  const shown = (r: { scores: number; average: string | null; lowest: number | null; belowThreshold: number }) => ({
    scores: Number(r.scores),
    average: r.average === null ? null : Math.round(Number(r.average) * 10) / 10,
    lowest: r.lowest,
    belowThreshold: Number(r.belowThreshold),
  });
  return { areas: areas.map((r) => ({ area: r.area, ...shown(r) })), contractors: contractors.map((r) => ({ contractor: r.contractor!, ...shown(r) })) };
}
