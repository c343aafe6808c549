/**
 * Preventive maintenance in PostgreSQL: the equipment register, checklist template versions,
 * plan definitions, and the reads over the task projection (history, compliance). Every
 * write appends its audit row in the same transaction; no personal data goes into the audit.
 */
import { and, asc, count, desc, eq, getTableColumns, gte, inArray, isNull, lt, max, or, sql, type SQL } from 'drizzle-orm';
import type { EquipmentKind, EquipmentStatus, IntervalUnit, PlanMode } from '../domain/maintenance.js';
import type { Schedule } from '../domain/maintenance-schedule.js';
import type { Actor } from '../domain/roles.js';
import { appendAudit } from './audit.js';
import type { Db } from './index.js';
import { checklistTemplates, departments, equipment, equipmentWorkOrders, maintenancePlans, maintenanceTasks, staffMemberships, workOrders } from './schema/index.js';

export type EquipmentRow = typeof equipment.$inferSelect;
export type ChecklistTemplateRow = typeof checklistTemplates.$inferSelect;
export type MaintenancePlanRow = typeof maintenancePlans.$inferSelect;
export type MaintenanceTaskRow = typeof maintenanceTasks.$inferSelect;

/** A keyset position in a newest-first list. */
export interface Keyset {
  createdAt: Date;
  id: string;
}

/** The code of the department a staff member works in at a property, or null. */
export async function departmentAt(db: Db, staffId: string, propertyId: string): Promise<string | null> {
  const [row] = await db
    .select({ code: departments.code })
    .from(staffMemberships)
    .innerJoin(departments, eq(departments.id, staffMemberships.departmentId))
    .where(and(eq(staffMemberships.staffId, staffId), eq(staffMemberships.propertyId, propertyId)));
  return row?.code ?? null;
}

/** One page of a newest-first keyset list read with one row more than the page. */
function page<T extends Keyset>(rows: T[], limit: number): { items: T[]; next?: Keyset } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return rows.length > limit && last ? { items, next: { createdAt: last.createdAt, id: last.id } } : { items };
}

/** Rows after `cursor` in (created_at DESC, id DESC) order. */
function after(table: typeof equipment | typeof maintenancePlans, cursor: Keyset | undefined): SQL | undefined {
  return cursor ? or(lt(table.createdAt, cursor.createdAt), and(eq(table.createdAt, cursor.createdAt), lt(table.id, cursor.id))) : undefined;
}

// ---------------------------------------------------------------------------------------
// Equipment

export interface Contractor {
  name: string;
  contact?: string | undefined;
  phone?: string | undefined;
}

export interface NewEquipment {
  kind: EquipmentKind;
  code: string;
  location: string;
  make?: string | undefined;
  model?: string | undefined;
  installedOn?: string | undefined;
  contractor?: Contractor | undefined;
}

const contractorColumns = (c: Contractor | null | undefined) =>
  c === undefined ? {} : { contractorName: c?.name ?? null, contractorContact: c?.contact ?? null, contractorPhone: c?.phone ?? null };

/** Register a piece of equipment. Returns undefined if its code is taken at the property. */
export async function createEquipment(db: Db, propertyId: string, input: NewEquipment, actor: Actor): Promise<EquipmentRow | undefined> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(equipment)
      .values({
        propertyId,
        kind: input.kind,
        code: input.code,
        location: input.location,
        make: input.make ?? null,
        model: input.model ?? null,
        installedOn: input.installedOn ?? null,
        ...contractorColumns(input.contractor),
        createdBy: actor.id,
      })
      .onConflictDoNothing()
      .returning();
    if (!row) return undefined;
    await appendAudit(tx, {
      occurredAt: row.createdAt,
      propertyId,
      subject: `equipment:${row.id}`,
      action: 'equipment.registered',
      actor,
      toStatus: row.status,
      detail: { kind: row.kind, code: row.code, location: row.location, contractor: row.contractorName },
    });
    return row;
  });
}

export async function getEquipment(db: Db, id: string): Promise<EquipmentRow | undefined> {
  const [row] = await db.select().from(equipment).where(eq(equipment.id, id));
  return row;
}

export interface EquipmentFilter {
  propertyId: string;
  kind?: string[] | undefined;
  status?: string[] | undefined;
  limit: number;
  cursor?: Keyset | undefined;
}

/** A page of a property's equipment, newest first. */
export async function listEquipment(db: Db, f: EquipmentFilter) {
  const rows = await db
    .select()
    .from(equipment)
    .where(
      and(
        eq(equipment.propertyId, f.propertyId),
        f.kind?.length ? inArray(equipment.kind, f.kind) : undefined,
        f.status?.length ? inArray(equipment.status, f.status) : undefined,
        after(equipment, f.cursor),
      ),
    )
    .orderBy(desc(equipment.createdAt), desc(equipment.id))
    .limit(f.limit + 1);
  return page(rows, f.limit);
}

export interface EquipmentChange {
  location?: string | undefined;
  make?: string | null | undefined;
  model?: string | null | undefined;
  installedOn?: string | null | undefined;
  contractor?: Contractor | null | undefined;
  status?: Exclude<EquipmentStatus, 'retired'> | undefined;
  reason?: string | undefined;
}

/**
 * Change a piece of equipment, or retire it (`retire`). Returns undefined if unknown, or
 * 'retired' if it was already retired (a retired piece changes no more).
 */
export async function changeEquipment(
  db: Db,
  id: string,
  change: EquipmentChange | { retire: true; reason: string },
  actor: Actor,
): Promise<EquipmentRow | 'retired' | undefined> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(equipment).where(eq(equipment.id, id)).for('update');
    if (!current) return undefined;
    if (current.status === 'retired') return 'retired';
    const now = new Date();
    const retiring = 'retire' in change;
    const status = retiring ? 'retired' : (change.status ?? current.status);
    const statusChanged = status !== current.status;
    const [row] = await tx
      .update(equipment)
      .set(
        retiring
          ? { status, statusReason: change.reason, updatedAt: now }
          : {
              ...(change.location !== undefined ? { location: change.location } : {}),
              ...(change.make !== undefined ? { make: change.make } : {}),
              ...(change.model !== undefined ? { model: change.model } : {}),
              ...(change.installedOn !== undefined ? { installedOn: change.installedOn } : {}),
              ...contractorColumns(change.contractor),
              ...(statusChanged ? { status, statusReason: change.reason ?? null } : {}),
              updatedAt: now,
            },
      )
      .where(eq(equipment.id, id))
      .returning();
    const { contractor, ...rest } = retiring ? { contractor: undefined } : change;
    await appendAudit(tx, {
      occurredAt: now,
      propertyId: current.propertyId,
      subject: `equipment:${id}`,
      action: retiring ? 'equipment.retired' : 'equipment.changed',
      actor,
      ...(statusChanged ? { fromStatus: current.status, toStatus: status } : {}),
      reason: change.reason ?? null,
      // The contractor's name only: a phone number never goes to the audit log.
      detail: retiring ? {} : { ...rest, ...(contractor !== undefined ? { contractor: contractor?.name ?? null } : {}) },
    });
    return row;
  });
}

/** How many repair orders make a piece of equipment due for replacement, within how many months. */
export interface ReplacementRule {
  repairs: number;
  months: number;
}

/**
 * A task's status as staff see it (`visibleTaskStatus` in domain/maintenance.ts): a scheduled
 * task past its opening time is open, though its workflow may not have recorded it yet.
 */
export function visibleStatusSql(): SQL<string> {
  return sql<string>`CASE WHEN ${maintenanceTasks.status} = 'scheduled' AND ${maintenanceTasks.opensAt} <= now() THEN 'open' ELSE ${maintenanceTasks.status} END`;
}

/** Every column of a task row, its status as staff see it. */
export const visibleTaskColumns = { ...getTableColumns(maintenanceTasks), status: visibleStatusSql().as('status') };

/** The tasks that maintain a piece of equipment: its own, and those of plans covering every piece of its kind at its property. */
export function tasksCovering(item: Pick<EquipmentRow, 'id' | 'propertyId' | 'kind'>): SQL {
  return or(
    eq(maintenanceTasks.equipmentId, item.id),
    and(isNull(maintenanceTasks.equipmentId), eq(maintenanceTasks.propertyId, item.propertyId), eq(maintenanceTasks.equipmentKind, item.kind)),
  )!;
}

/**
 * What a piece of equipment went through: its maintenance tasks (its own, and those of
 * plans covering every piece of its kind at its property), the defects they found, the
 * repair orders linked to it, and whether the repair count flags it for replacement.
 */
export async function equipmentHistory(db: Db, item: EquipmentRow, rule: ReplacementRule, now = new Date()) {
  const coversItem = tasksCovering(item);
  const windowStart = new Date(now);
  windowStart.setUTCMonth(windowStart.getUTCMonth() - rule.months);
  const [[taskCount], tasks, links, [recent]] = await Promise.all([
    db.select({ n: count() }).from(maintenanceTasks).where(coversItem),
    db.select(visibleTaskColumns).from(maintenanceTasks).where(coversItem).orderBy(desc(maintenanceTasks.nominalDue)).limit(50),
    db
      .select({
        workOrderId: equipmentWorkOrders.workOrderId,
        source: equipmentWorkOrders.source,
        taskWorkflowId: equipmentWorkOrders.taskWorkflowId,
        linkedAt: equipmentWorkOrders.createdAt,
        status: workOrders.status,
        category: workOrders.category,
        closedAt: workOrders.closedAt,
      })
      .from(equipmentWorkOrders)
      .leftJoin(workOrders, eq(workOrders.id, equipmentWorkOrders.workOrderId))
      .where(eq(equipmentWorkOrders.equipmentId, item.id))
      .orderBy(desc(equipmentWorkOrders.createdAt)),
    db
      .select({ n: count() })
      .from(equipmentWorkOrders)
      .where(and(eq(equipmentWorkOrders.equipmentId, item.id), gte(equipmentWorkOrders.createdAt, windowStart))),
  ]);
  const inWindow = recent?.n ?? 0;
  return {
    counts: { maintenanceTasks: taskCount?.n ?? 0, defects: links.filter((l) => l.source === 'defect').length, repairOrders: links.length },
    replacement: { flagged: inWindow >= rule.repairs, repairOrdersInWindow: inWindow, threshold: rule.repairs, windowMonths: rule.months },
    tasks,
    repairOrders: links,
  };
}

// ---------------------------------------------------------------------------------------
// Checklist templates

export type TemplateInput = Pick<ChecklistTemplateRow, 'name' | 'equipmentKind' | 'items'> & { isDefault?: boolean };

/** Items in a canonical form: PostgreSQL's jsonb keeps object keys in its own order. */
const canonicalItems = (items: TemplateInput['items']) =>
  JSON.stringify(items.map((i) => Object.entries(i).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b))));

const sameContent = (a: TemplateInput, b: TemplateInput) =>
  a.name === b.name && a.equipmentKind === b.equipmentKind && canonicalItems(a.items) === canonicalItems(b.items);

/** The latest version of a template, or one version of it. */
export async function getTemplate(db: Db, propertyId: string, code: string, version?: number): Promise<ChecklistTemplateRow | undefined> {
  const [row] = await db
    .select()
    .from(checklistTemplates)
    .where(and(eq(checklistTemplates.propertyId, propertyId), eq(checklistTemplates.code, code), version ? eq(checklistTemplates.version, version) : undefined))
    .orderBy(desc(checklistTemplates.version))
    .limit(1);
  return row;
}

/**
 * Save a template: the first version, or the next one when the content differs from the
 * latest (versions never change once written). Saving the same content again writes nothing.
 */
export async function putTemplate(
  db: Db,
  propertyId: string,
  code: string,
  input: TemplateInput,
  actor: Actor,
): Promise<{ template: ChecklistTemplateRow; outcome: 'created' | 'new-version' | 'unchanged' }> {
  return db.transaction(async (tx) => {
    // One writer per template at a time, so two edits cannot both take the same next version.
    await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext(${`checklist-template:${propertyId}:${code}`}))`);
    const [latest] = await tx
      .select()
      .from(checklistTemplates)
      .where(and(eq(checklistTemplates.propertyId, propertyId), eq(checklistTemplates.code, code)))
      .orderBy(desc(checklistTemplates.version))
      .limit(1);
    if (latest && sameContent(latest, input)) return { template: latest, outcome: 'unchanged' as const };
    const [template] = await tx
      .insert(checklistTemplates)
      .values({
        propertyId,
        code,
        version: (latest?.version ?? 0) + 1,
        name: input.name,
        equipmentKind: input.equipmentKind,
        items: input.items,
        isDefault: input.isDefault ?? latest?.isDefault ?? false,
        createdBy: actor.id,
      })
      .returning();
    await appendAudit(tx, {
      occurredAt: template!.createdAt,
      propertyId,
      subject: `checklist-template:${propertyId}:${code}`,
      action: latest ? 'checklist-template.versioned' : 'checklist-template.created',
      actor,
      detail: { version: template!.version, items: input.items.length },
    });
    return { template: template!, outcome: latest ? ('new-version' as const) : ('created' as const) };
  });
}

/** The latest version of each template at a property, optionally of one equipment kind. */
export async function listTemplates(db: Db, propertyId: string, kind?: string): Promise<ChecklistTemplateRow[]> {
  return db
    .selectDistinctOn([checklistTemplates.code])
    .from(checklistTemplates)
    .where(and(eq(checklistTemplates.propertyId, propertyId), kind ? eq(checklistTemplates.equipmentKind, kind) : undefined))
    .orderBy(asc(checklistTemplates.code), desc(checklistTemplates.version));
}

/** Every version of one template, newest first. */
export async function listTemplateVersions(db: Db, propertyId: string, code: string): Promise<ChecklistTemplateRow[]> {
  return db
    .select()
    .from(checklistTemplates)
    .where(and(eq(checklistTemplates.propertyId, propertyId), eq(checklistTemplates.code, code)))
    .orderBy(desc(checklistTemplates.version));
}

// ---------------------------------------------------------------------------------------
// Plans

export type NewPlan = Omit<
  typeof maintenancePlans.$inferInsert,
  'id' | 'propertyId' | 'status' | 'statusReason' | 'statusChangedAt' | 'revision' | 'createdAt' | 'createdBy' | 'updatedAt' | 'updatedBy'
>;

/** Audit detail of a plan: its definition, without bookkeeping. */
const planDetail = (p: MaintenancePlanRow) => ({
  revision: p.revision,
  equipmentId: p.equipmentId,
  equipmentKind: p.equipmentKind,
  interval: { mode: p.mode, every: p.every, unit: p.unit, anchor: p.anchor.toISOString() },
  window: { opensBefore: p.opensBefore, overdueAfter: p.overdueAfter },
  assignee: p.assignee,
  template: { code: p.templateCode, version: p.templateVersion },
  catchUp: p.catchUp,
  outOfServiceOnDefect: p.outOfServiceOnDefect,
});

/** The schedule of a plan at a property in `timeZone`. */
export function scheduleOf(p: Pick<MaintenancePlanRow, 'mode' | 'every' | 'unit' | 'anchor'>, timeZone: string): Schedule {
  return { mode: p.mode as PlanMode, every: p.every, unit: p.unit as IntervalUnit, anchorMs: p.anchor.getTime(), timeZone };
}

export async function createPlan(db: Db, propertyId: string, input: NewPlan, actor: Actor): Promise<MaintenancePlanRow> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(maintenancePlans)
      .values({ ...input, propertyId, createdBy: actor.id, updatedBy: actor.id })
      .returning();
    await appendAudit(tx, {
      occurredAt: row!.createdAt,
      propertyId,
      subject: `maintenance-plan:${row!.id}`,
      action: 'maintenance-plan.created',
      actor,
      toStatus: row!.status,
      detail: { name: row!.name, ...planDetail(row!) },
    });
    return row!;
  });
}

export async function getPlan(db: Db, id: string): Promise<MaintenancePlanRow | undefined> {
  const [row] = await db.select().from(maintenancePlans).where(eq(maintenancePlans.id, id));
  return row;
}

export interface PlanFilter {
  propertyId: string;
  status?: string[] | undefined;
  kind?: string[] | undefined;
  equipmentId?: string | undefined;
  limit: number;
  cursor?: Keyset | undefined;
}

/** A page of a property's plans, newest first. */
export async function listPlans(db: Db, f: PlanFilter) {
  const rows = await db
    .select()
    .from(maintenancePlans)
    .where(
      and(
        eq(maintenancePlans.propertyId, f.propertyId),
        f.status?.length ? inArray(maintenancePlans.status, f.status) : undefined,
        f.kind?.length ? inArray(maintenancePlans.equipmentKind, f.kind) : undefined,
        f.equipmentId ? eq(maintenancePlans.equipmentId, f.equipmentId) : undefined,
        after(maintenancePlans, f.cursor),
      ),
    )
    .orderBy(desc(maintenancePlans.createdAt), desc(maintenancePlans.id))
    .limit(f.limit + 1);
  return page(rows, f.limit);
}

/** The active plans of a property (for its calendar). */
export async function activePlans(db: Db, propertyId: string): Promise<MaintenancePlanRow[]> {
  return db
    .select()
    .from(maintenancePlans)
    .where(and(eq(maintenancePlans.propertyId, propertyId), eq(maintenancePlans.status, 'active')))
    .orderBy(asc(maintenancePlans.createdAt));
}

/** Every plan whose workflow should be running (active or paused), oldest first. */
export async function livePlanIds(db: Db): Promise<string[]> {
  const rows = await db
    .select({ id: maintenancePlans.id })
    .from(maintenancePlans)
    .where(inArray(maintenancePlans.status, ['active', 'paused']))
    .orderBy(asc(maintenancePlans.createdAt));
  return rows.map((r) => r.id);
}

export type PlanChange = Partial<NewPlan> & { status?: 'active' | 'paused' | 'retired'; reason?: string };

/**
 * Apply a change to a plan and bump its revision, in one transaction with its audit row.
 * `check` sees the current row (locked) and the merged one, and may refuse by throwing:
 * nothing is written then. Returns undefined if the plan is unknown.
 */
export async function changePlan(
  db: Db,
  id: string,
  change: PlanChange,
  actor: Actor,
  check: (current: MaintenancePlanRow, merged: MaintenancePlanRow) => Promise<void> | void,
): Promise<MaintenancePlanRow | undefined> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(maintenancePlans).where(eq(maintenancePlans.id, id)).for('update');
    if (!current) return undefined;
    const { reason, ...fields } = change;
    const now = new Date();
    const statusChanged = change.status !== undefined && change.status !== current.status;
    const merged: MaintenancePlanRow = {
      ...current,
      ...fields,
      ...(statusChanged ? { statusReason: reason ?? null, statusChangedAt: now } : {}),
      revision: current.revision + 1,
      updatedAt: now,
      updatedBy: actor.id,
    };
    await check(current, merged);
    const { id: _id, propertyId: _p, createdAt: _c, createdBy: _b, ...settable } = merged;
    const [row] = await tx.update(maintenancePlans).set(settable).where(eq(maintenancePlans.id, id)).returning();
    await appendAudit(tx, {
      occurredAt: now,
      propertyId: current.propertyId,
      subject: `maintenance-plan:${id}`,
      action: merged.status === 'retired' ? 'maintenance-plan.retired' : 'maintenance-plan.changed',
      actor,
      ...(statusChanged ? { fromStatus: current.status, toStatus: merged.status } : {}),
      reason: reason ?? null,
      detail: planDetail(row!),
    });
    return row;
  });
}

/** When each plan's last task was completed, for forecasting floating plans. */
export async function lastCompletions(db: Db, planIds: string[]): Promise<Map<string, Date>> {
  if (planIds.length === 0) return new Map();
  const rows = await db
    .select({ planId: maintenanceTasks.planId, at: max(maintenanceTasks.completedAt) })
    .from(maintenanceTasks)
    .where(inArray(maintenanceTasks.planId, planIds))
    .groupBy(maintenanceTasks.planId);
  return new Map(rows.flatMap((r) => (r.at ? [[r.planId, r.at] as const] : [])));
}

// ---------------------------------------------------------------------------------------
// Compliance

/** Task counts of a property in [from, to) by equipment kind, status and skip reason. */
export async function taskOutcomes(db: Db, propertyId: string, from: Date, to: Date) {
  return db
    .select({
      kind: maintenanceTasks.equipmentKind,
      status: maintenanceTasks.status,
      skippedReason: maintenanceTasks.skippedReason,
      startedLate: sql<number>`count(*) filter (where ${maintenanceTasks.late})`.mapWith(Number),
      n: count(),
    })
    .from(maintenanceTasks)
    .where(and(eq(maintenanceTasks.propertyId, propertyId), gte(maintenanceTasks.nominalDue, from), lt(maintenanceTasks.nominalDue, to)))
    .groupBy(maintenanceTasks.equipmentKind, maintenanceTasks.status, maintenanceTasks.skippedReason);
}

/** The codes of some pieces of equipment, by ID. */
export async function listEquipmentCodes(db: Db, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.select({ id: equipment.id, code: equipment.code }).from(equipment).where(inArray(equipment.id, ids));
  return new Map(rows.map((r) => [r.id, r.code]));
}
