/**
 * Emergency plans, duty rosters, declarations and incidents in PostgreSQL: plans and their
 * immutable versions, who is on duty for each role, the declaration that makes declaring
 * idempotent by property and type, and reads of the incident projection (one row, a page,
 * the statistics).
 */
import { and, asc, desc, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import { toPlanSnapshot, type IncidentType, type PlanContent, type PlanSnapshot, type ResponseRole } from '../domain/emergency.js';
import type { Actor } from '../domain/roles.js';
import { dateStamp } from '../domain/time-zones.js';
import { activeIncidentStatuses } from '../workflows/incident.contract.js';
import { appendAudit, type Tx } from './audit.js';
import type { Db } from './index.js';
import { processListPage, toPage, type Page, type ProcessListFilter } from './lists.js';
import { emergencyDuty, emergencyPlans, emergencyPlanVersions, improvementActions, incidentDeclarations, incidentNumbers, incidents, outbox, owners, staff, staffMemberships, units } from './schema/index.js';

export type EmergencyPlanRow = typeof emergencyPlans.$inferSelect;
export type PlanVersionRow = typeof emergencyPlanVersions.$inferSelect;
export type IncidentRow = typeof incidents.$inferSelect;

/** A plan with the content of its current version. */
export type PlanWithContent = EmergencyPlanRow & { content: PlanContent; versionCreatedAt: Date; versionCreatedBy: string };

/**
 * A new version of the property's plan for `type` (the first creates the plan). Versions are
 * never changed: an incident already running keeps the one it started with.
 */
export async function addPlanVersion(db: Db, propertyId: string, type: IncidentType, content: PlanContent, actor: Actor, note?: string): Promise<PlanWithContent> {
  return db.transaction(async (tx) => {
    await tx.insert(emergencyPlans).values({ propertyId, incidentType: type, currentVersion: 0, createdBy: actor.id }).onConflictDoNothing();
    // One writer at a time per plan: the version numbers never collide.
    const [plan] = await tx
      .update(emergencyPlans)
      .set({ currentVersion: sql`${emergencyPlans.currentVersion} + 1` })
      .where(and(eq(emergencyPlans.propertyId, propertyId), eq(emergencyPlans.incidentType, type)))
      .returning();
    const [version] = await tx
      .insert(emergencyPlanVersions)
      .values({ planId: plan!.id, version: plan!.currentVersion, content, note: note ?? null, createdBy: actor.id })
      .returning();
    await appendAudit(tx, {
      occurredAt: version!.createdAt,
      propertyId,
      subject: `emergency-plan:${plan!.id}`,
      action: plan!.currentVersion === 1 ? 'plan.created' : 'plan.versioned',
      actor,
      detail: { incidentType: type, version: plan!.currentVersion, ...(note ? { note } : {}) },
    });
    return { ...plan!, content, versionCreatedAt: version!.createdAt, versionCreatedBy: version!.createdBy };
  });
}

/** Every plan of a property with its current content. */
export async function listEmergencyPlans(db: Db, propertyId: string): Promise<PlanWithContent[]> {
  const rows = await db
    .select({ plan: emergencyPlans, version: emergencyPlanVersions })
    .from(emergencyPlans)
    .innerJoin(emergencyPlanVersions, and(eq(emergencyPlanVersions.planId, emergencyPlans.id), eq(emergencyPlanVersions.version, emergencyPlans.currentVersion)))
    .where(eq(emergencyPlans.propertyId, propertyId))
    .orderBy(asc(emergencyPlans.incidentType));
  return rows.map(({ plan, version }) => ({ ...plan, content: version.content, versionCreatedAt: version.createdAt, versionCreatedBy: version.createdBy }));
}

/** The property's plan for a type, with its current content. */
export async function getEmergencyPlan(db: Db, propertyId: string, type: string): Promise<PlanWithContent | undefined> {
  return (await listEmergencyPlans(db, propertyId)).find((p) => p.incidentType === type);
}

/** Every version of a plan, newest first. */
export async function listPlanVersions(db: Db, planId: string): Promise<PlanVersionRow[]> {
  return db.select().from(emergencyPlanVersions).where(eq(emergencyPlanVersions.planId, planId)).orderBy(desc(emergencyPlanVersions.version));
}

/** The current version of the property's plan for `type`, as an incident carries it; undefined when there is no plan. */
export async function currentPlanSnapshot(db: Db, propertyId: string, type: IncidentType): Promise<PlanSnapshot | undefined> {
  const plan = await getEmergencyPlan(db, propertyId, type);
  return plan && toPlanSnapshot(plan.id, plan.currentVersion, type, plan.content);
}

/** Replace the duty roster of one role at a property: `staffIds` in paging order. */
export async function setDuty(db: Db, propertyId: string, role: ResponseRole, staffIds: string[], actor: Actor): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.delete(emergencyDuty).where(and(eq(emergencyDuty.propertyId, propertyId), eq(emergencyDuty.role, role)));
    if (staffIds.length) await tx.insert(emergencyDuty).values(staffIds.map((staffId, i) => ({ propertyId, role, position: i + 1, staffId })));
    await appendAudit(tx, { occurredAt: new Date(), propertyId, subject: `property:${propertyId}`, action: 'duty.set', actor, detail: { role, staffIds } });
  });
}

/** Someone on duty. */
export interface OnDuty {
  id: string;
  name: string;
}

/** The duty roster of a property: per role, the active members in paging order. */
export async function dutyRoster(db: Db | Tx, propertyId: string): Promise<Record<string, OnDuty[]>> {
  const rows = await db
    .select({ role: emergencyDuty.role, id: staff.id, name: staff.name })
    .from(emergencyDuty)
    .innerJoin(staff, eq(staff.id, emergencyDuty.staffId))
    .innerJoin(staffMemberships, and(eq(staffMemberships.staffId, staff.id), eq(staffMemberships.propertyId, emergencyDuty.propertyId)))
    .where(and(eq(emergencyDuty.propertyId, propertyId), eq(staff.active, true), eq(staffMemberships.active, true)))
    .orderBy(asc(emergencyDuty.role), asc(emergencyDuty.position));
  const out: Record<string, OnDuty[]> = {};
  for (const r of rows) (out[r.role] ??= []).push({ id: r.id, name: r.name });
  return out;
}

/** Allocate an incident number: EM-<date>-<n> for an incident, DR-<date>-<n> for a drill. */
export async function allocateIncidentId(db: Db, timeZone: string, kind: 'incident' | 'drill', at = new Date()): Promise<string> {
  const { rows } = await db.execute<{ n: string }>(sql`SELECT nextval(${sql.raw(`'${incidentNumbers.seqName}'`)}) AS n`);
  return `${kind === 'drill' ? 'DR' : 'EM'}-${dateStamp(at, timeZone)}-${String(rows[0]!.n).padStart(4, '0')}`;
}

/**
 * Declare for a property and type: the incident declared for them within `windowMs` and
 * still live (not yet resolved), if any (`existing`), else a new number. Serialised per property
 * and type, so two declarations at once still give one incident.
 */
export async function claimDeclaration(
  db: Db,
  o: { propertyId: string; type: IncidentType; kind: 'incident' | 'drill'; windowMs: number; allocate: () => Promise<string> },
): Promise<{ incidentId: string; existing: boolean }> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`incident:${o.propertyId}:${o.type}:${o.kind}`}))`);
    const since = new Date(Date.now() - o.windowMs);
    const [open] = await tx
      .select({ incidentId: incidentDeclarations.incidentId, status: incidents.status })
      .from(incidentDeclarations)
      .leftJoin(incidents, eq(incidents.id, incidentDeclarations.incidentId))
      .where(
        and(
          eq(incidentDeclarations.propertyId, o.propertyId),
          eq(incidentDeclarations.incidentType, o.type),
          eq(incidentDeclarations.kind, o.kind),
          gt(incidentDeclarations.declaredAt, since),
          // Not projected yet: it is still starting, so it is live. Once resolved, the same type again is a new incident.
          or(isNull(incidents.status), inArray(incidents.status, ['reported', ...activeIncidentStatuses])),
        ),
      )
      .orderBy(desc(incidentDeclarations.declaredAt))
      .limit(1);
    if (open) return { incidentId: open.incidentId, existing: true };
    const incidentId = await o.allocate();
    await tx.insert(incidentDeclarations).values({ incidentId, propertyId: o.propertyId, incidentType: o.type, kind: o.kind });
    return { incidentId, existing: false };
  });
}

/** Record a declaration made through an Idempotency-Key, so the window finds it too. */
export async function noteDeclaration(db: Db, o: { incidentId: string; propertyId: string; type: IncidentType; kind: 'incident' | 'drill' }): Promise<void> {
  await db.insert(incidentDeclarations).values({ incidentId: o.incidentId, propertyId: o.propertyId, incidentType: o.type, kind: o.kind }).onConflictDoNothing();
}

export async function getIncidentRow(db: Db, id: string): Promise<IncidentRow | undefined> {
  const [row] = await db.select().from(incidents).where(eq(incidents.id, id));
  return row;
}

export interface IncidentFilter extends ProcessListFilter {
  kind?: string | undefined;
}

/** A page of incidents and drills, newest first. */
export async function listIncidents(db: Db, f: IncidentFilter): Promise<Page<IncidentRow>> {
  const t = incidents;
  const rows = await processListPage(db.select().from(t).$dynamic(), { ...t, category: t.incidentType }, f, [f.kind ? eq(t.kind, f.kind) : undefined]);
  return toPage(rows, f.limit);
}

/** MTTA and MTTR of one incident type in a period, real incidents only. */
export interface IncidentTypeStats {
  incidentType: string;
  incidents: number;
  acknowledged: number;
  resolved: number;
  mttaMs: number | null;
  mttrMs: number | null;
}

/**
 * Per type, the incidents declared at a property in [from, to) (drills excluded): how many,
 * mean time from activation to the first acknowledgement (MTTA) and to resolution (MTTR),
 * and the drills held (resolved or closed) in the period.
 */
export async function incidentStats(db: Db, propertyId: string, from: Date, to: Date): Promise<{ byType: IncidentTypeStats[]; drillsHeld: Record<string, number> }> {
  const t = incidents;
  const inPeriod = and(eq(t.propertyId, propertyId), sql`${t.createdAt} >= ${from.toISOString()}`, sql`${t.createdAt} < ${to.toISOString()}`);
  const mean = (end: typeof t.acknowledgedAt | typeof t.resolvedAt) => sql<number | null>`avg(extract(epoch FROM (${end} - ${t.activatedAt})) * 1000)::float`;
  const rows = await db
    .select({
      incidentType: t.incidentType,
      incidents: sql<number>`count(*)::int`,
      acknowledged: sql<number>`count(${t.acknowledgedAt})::int`,
      resolved: sql<number>`count(${t.resolvedAt})::int`,
      mttaMs: mean(t.acknowledgedAt),
      mttrMs: mean(t.resolvedAt),
    })
    .from(t)
    .where(and(inPeriod, eq(t.kind, 'incident'), sql`${t.status} <> 'cancelled'`))
    .groupBy(t.incidentType)
    .orderBy(t.incidentType);
  const drills = await db
    .select({ incidentType: t.incidentType, n: sql<number>`count(*)::int` })
    .from(t)
    .where(and(inPeriod, eq(t.kind, 'drill'), inArray(t.status, ['resolved', 'reviewing', 'closed'])))
    .groupBy(t.incidentType);
  const round = (v: number | null) => (v === null ? null : Math.round(Number(v)));
  return {
    byType: rows.map((r) => ({ ...r, mttaMs: round(r.mttaMs), mttrMs: round(r.mttrMs) })),
    drillsHeld: Object.fromEntries(drills.map((d) => [d.incidentType, d.n])),
  };
}

export type ImprovementActionRow = typeof improvementActions.$inferSelect;

export async function getImprovementActionRow(db: Db, id: string): Promise<ImprovementActionRow | undefined> {
  const [row] = await db.select().from(improvementActions).where(eq(improvementActions.id, id));
  return row;
}

/** A message an incident owed, as staff may see it: whom (an owner by unit, a staff member), which template, whether it went out; never a phone number. */
export interface IncidentMessage {
  seq: number;
  template: string;
  recipientKind: string;
  recipientId: string | null;
  unitCode: string | null;
  channel: string;
  status: string;
}

/** Every message an incident's steps wrote to the outbox, oldest first. */
export async function incidentMessages(db: Db, workflowId: string): Promise<IncidentMessage[]> {
  const rows = await db
    .select({ subject: outbox.subject, template: outbox.template, recipientKind: outbox.recipientKind, recipientId: outbox.recipientId, unitCode: units.code, channel: outbox.channel, status: outbox.status })
    .from(outbox)
    .leftJoin(owners, and(eq(outbox.recipientKind, 'owner'), sql`${owners.id}::text = ${outbox.recipientId}`))
    .leftJoin(units, eq(units.id, owners.unitId))
    .where(sql`${outbox.subject} LIKE ${`${workflowId}#%`}`)
    .orderBy(asc(outbox.id));
  return rows.map(({ subject, ...r }) => ({ ...r, seq: Number(subject.slice(subject.lastIndexOf('#') + 1)) }));
}
