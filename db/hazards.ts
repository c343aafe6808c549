/**
 * Hazards in PostgreSQL: hazard numbers, the policy snapshot a hazard starts from, the
 * demo policies, and reads of the projection (one row, a filtered page).
 */
import { eq, sql } from 'drizzle-orm';
import { parseIsoDuration } from '../domain/durations.js';
import type { Actor, Role } from '../domain/roles.js';
import { dateStamp } from '../domain/time-zones.js';
import type { HazardPolicySnapshot, HazardSeverity } from '../workflows/hazard.contract.js';
import type { Db } from './index.js';
import { processListPage, toPage, type Page, type ProcessListFilter } from './lists.js';
import { listHazardPolicies, putHazardPolicy, type HazardPolicyInput, type HazardPolicyRow } from './reference.js';
import { hazardNumbers, hazards } from './schema/index.js';

export type HazardRow = typeof hazards.$inferSelect;

/** Allocate a new hazard number: HZ-<date in the property's zone>-<sequence, 4+ digits>. */
export async function allocateHazardId(db: Db, timeZone: string, at = new Date()): Promise<string> {
  const { rows } = await db.execute<{ n: string }>(sql`SELECT nextval(${sql.raw(`'${hazardNumbers.seqName}'`)}) AS n`);
  return `HZ-${dateStamp(at, timeZone)}-${String(rows[0]!.n).padStart(4, '0')}`;
}

/** Resolve a stored hazard policy's durations to milliseconds. */
export function toHazardPolicySnapshot(p: HazardPolicyRow): HazardPolicySnapshot {
  return {
    version: p.version,
    severity: p.severity as HazardSeverity,
    rectifyMs: parseIsoDuration(p.rectify),
    warnRatio: p.warnRatio,
    escalation: p.escalation.map((r) => ({ level: r.level, afterMs: parseIsoDuration(r.after), role: r.role as Role })),
  };
}

/**
 * The default hazard policies (our defaults; the manuals only say 立即整改, "rectify at
 * once"): a general hazard within 7 days, a serious one within 3 days, a major one within
 * 24 hours, each climbing supervisor → project manager → general manager when late.
 */
export const defaultHazardPolicies: Record<HazardSeverity, HazardPolicyInput> = {
  general: { rectify: 'P7D', escalation: [{ level: 1, after: 'PT0S', role: 'dispatcher' }, { level: 2, after: 'P1D', role: 'manager' }, { level: 3, after: 'P3D', role: 'director' }] },
  serious: { rectify: 'P3D', escalation: [{ level: 1, after: 'PT0S', role: 'dispatcher' }, { level: 2, after: 'PT8H', role: 'manager' }, { level: 3, after: 'P1D', role: 'director' }] },
  major: { rectify: 'PT24H', escalation: [{ level: 1, after: 'PT0S', role: 'manager' }, { level: 2, after: 'PT4H', role: 'director' }] },
};

/** Add the default hazard policies a property lacks; a policy someone changed is left as it is. */
export async function seedHazardPolicies(db: Db, propertyId: string, actor: Actor): Promise<boolean> {
  const present = new Set((await listHazardPolicies(db, propertyId)).map((p) => p.severity));
  const missing = Object.entries(defaultHazardPolicies).filter(([severity]) => !present.has(severity));
  for (const [severity, policy] of missing) await putHazardPolicy(db, propertyId, severity, policy, actor);
  return missing.length > 0;
}

export async function getHazardRow(db: Db, id: string): Promise<HazardRow | undefined> {
  const [row] = await db.select().from(hazards).where(eq(hazards.id, id));
  return row;
}

export interface HazardFilter extends ProcessListFilter {
  routeId?: string | undefined;
  rectifierId?: string | undefined;
  sourceKind?: string | undefined;
}

/** A page of hazards, newest first, keyset paging on (created_at, id); `category` filters the severity. */
export async function listHazards(db: Db, f: HazardFilter): Promise<Page<HazardRow>> {
  const h = hazards;
  const rows = await processListPage(db.select().from(h).$dynamic(), { ...h, category: h.severity }, f, [
    f.routeId ? eq(h.routeId, f.routeId) : undefined,
    f.rectifierId ? eq(h.rectifierId, f.rectifierId) : undefined,
    f.sourceKind ? eq(h.sourceKind, f.sourceKind) : undefined,
  ]);
  return toPage(rows, f.limit);
}
