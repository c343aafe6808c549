/**
 * Reference data: properties, buildings, units and owners, departments, staff and SLA
 * policies. Every write appends its audit row in the same transaction.
 */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { DepartmentCode } from '../domain/categories.js';
import type { Actor, Role } from '../domain/roles.js';
import { appendAudit, type Tx } from './audit.js';
import type { Db } from './index.js';
import {
  buildings,
  complaintPolicies,
  departments,
  hazardPolicies,
  owners,
  properties,
  slaPolicies,
  staff,
  staffMemberships,
  units,
  type EscalationRung,
} from './schema/index.js';

/** The departments every property starts with (shared/DOMAIN.md). */
export const standardDepartments: Record<DepartmentCode, string> = {
  customer_service: '客服部 Customer service',
  engineering: '工程部 Engineering',
  security: '安保部 Security',
  cleaning: '保洁部 Cleaning',
  landscaping: '绿化 Landscaping',
  management: '物业管理部 Property management',
};

export type PropertyRow = typeof properties.$inferSelect;
export type SlaPolicyRow = typeof slaPolicies.$inferSelect;
export type ComplaintPolicyRow = typeof complaintPolicies.$inferSelect;
export type HazardPolicyRow = typeof hazardPolicies.$inferSelect;

export interface NewProperty {
  id: string;
  name: string;
  kind: string;
  address?: string | undefined;
  timezone?: string | undefined;
}

/** Create a property with its standard departments. Returns undefined if the ID is taken. */
export async function createProperty(db: Db, input: NewProperty, actor: Actor): Promise<PropertyRow | undefined> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(properties)
      .values({ id: input.id, name: input.name, kind: input.kind, address: input.address ?? null, ...(input.timezone ? { timezone: input.timezone } : {}) })
      .onConflictDoNothing()
      .returning();
    if (!row) return undefined;
    await tx.insert(departments).values(
      Object.entries(standardDepartments).map(([code, name]) => ({ propertyId: row.id, code, name })),
    );
    await appendAudit(tx, {
      occurredAt: row.createdAt,
      propertyId: row.id,
      subject: `property:${row.id}`,
      action: 'property.created',
      actor,
      detail: { name: row.name, kind: row.kind },
    });
    return row;
  });
}

/** Properties, optionally limited to `ids`. */
export async function listProperties(db: Db, ids?: string[]): Promise<PropertyRow[]> {
  if (ids && ids.length === 0) return [];
  return db
    .select()
    .from(properties)
    .where(ids ? inArray(properties.id, ids) : undefined)
    .orderBy(asc(properties.id));
}

export async function getProperty(db: Db, id: string): Promise<PropertyRow | undefined> {
  const [row] = await db.select().from(properties).where(eq(properties.id, id));
  return row;
}

/** Create a building; undefined if the property already has one of that name. */
export async function createBuilding(db: Db, propertyId: string, name: string, actor: Actor) {
  return db.transaction(async (tx) => {
    const [row] = await tx.insert(buildings).values({ propertyId, name }).onConflictDoNothing().returning();
    if (!row) return undefined;
    await appendAudit(tx, {
      occurredAt: row.createdAt,
      propertyId,
      subject: `property:${propertyId}`,
      action: 'building.created',
      actor,
      detail: { buildingId: row.id, name },
    });
    return row;
  });
}

export async function listBuildings(db: Db, propertyId: string) {
  return db.select().from(buildings).where(eq(buildings.propertyId, propertyId)).orderBy(asc(buildings.name));
}

export interface NewUnit {
  code: string;
  buildingId?: string | undefined;
  floor?: string | undefined;
  owners: { name: string; phone?: string | undefined; primary?: boolean | undefined }[];
}

export type UnitWithOwners = typeof units.$inferSelect & { owners: (typeof owners.$inferSelect)[] };

/**
 * Create a unit with its owners. Returns 'unknown-building' when the building is not the
 * property's, and undefined when the unit code is taken.
 */
export async function createUnit(
  db: Db,
  propertyId: string,
  input: NewUnit,
  actor: Actor,
): Promise<UnitWithOwners | 'unknown-building' | undefined> {
  return db.transaction(async (tx) => {
    if (input.buildingId) {
      const [b] = await tx
        .select({ id: buildings.id })
        .from(buildings)
        .where(and(eq(buildings.id, input.buildingId), eq(buildings.propertyId, propertyId)));
      if (!b) return 'unknown-building';
    }
    const [unit] = await tx
      .insert(units)
      .values({ propertyId, code: input.code, buildingId: input.buildingId ?? null, floor: input.floor ?? null })
      .onConflictDoNothing()
      .returning();
    if (!unit) return undefined;
    const ownerRows = input.owners.length
      ? await tx
          .insert(owners)
          .values(input.owners.map((o, i) => ({ unitId: unit.id, name: o.name, phone: o.phone ?? null, primary: o.primary ?? i === 0 })))
          .returning()
      : [];
    // Owners' names and phones stay out of the audit detail: the row says that owners were recorded, not who.
    await appendAudit(tx, {
      occurredAt: unit.createdAt,
      propertyId,
      subject: `property:${propertyId}`,
      action: 'unit.created',
      actor,
      detail: { unitId: unit.id, code: unit.code, owners: ownerRows.length },
    });
    return { ...unit, owners: ownerRows };
  });
}

/** Units of a property with their owners, optionally of one building. */
export async function listUnits(db: Db, propertyId: string, buildingId?: string): Promise<UnitWithOwners[]> {
  const rows = await db
    .select()
    .from(units)
    .where(and(eq(units.propertyId, propertyId), buildingId ? eq(units.buildingId, buildingId) : undefined))
    .orderBy(asc(units.code));
  if (rows.length === 0) return [];
  const ownerRows = await db
    .select()
    .from(owners)
    .where(inArray(owners.unitId, rows.map((u) => u.id)))
    .orderBy(asc(owners.createdAt));
  return rows.map((u) => ({ ...u, owners: ownerRows.filter((o) => o.unitId === u.id) }));
}

export async function getUnit(db: Db, propertyId: string, unitId: string): Promise<UnitWithOwners | undefined> {
  const [unit] = await db.select().from(units).where(and(eq(units.propertyId, propertyId), eq(units.id, unitId)));
  if (!unit) return undefined;
  const ownerRows = await db.select().from(owners).where(eq(owners.unitId, unit.id)).orderBy(asc(owners.createdAt));
  return { ...unit, owners: ownerRows };
}

export async function listDepartments(db: Db, propertyId: string) {
  return db.select().from(departments).where(eq(departments.propertyId, propertyId)).orderBy(asc(departments.code));
}

export interface NewStaff {
  username: string;
  name: string;
  role: Role;
  phone?: string | undefined;
  department?: DepartmentCode | undefined;
  zones?: string[] | undefined;
}

/** A staff member as seen at one property. */
export interface StaffAtProperty {
  id: string;
  username: string;
  name: string;
  role: string;
  phone: string | null;
  active: boolean;
  propertyId: string;
  department: string | null;
  zones: string[];
}

const staffAtPropertyColumns = {
  id: staff.id,
  username: staff.username,
  name: staff.name,
  role: staffMemberships.role,
  phone: staff.phone,
  active: staffMemberships.active,
  propertyId: staffMemberships.propertyId,
  department: departments.code,
  zones: staffMemberships.zones,
};

/**
 * Add a staff member at a property: a new username creates the person, a known one (of
 * the same role) gains a membership. Returns a reason string when it cannot.
 */
export async function addStaff(
  db: Db,
  propertyId: string,
  input: NewStaff,
  actor: Actor,
): Promise<StaffAtProperty | 'role-mismatch' | 'already-member'> {
  return db.transaction(async (tx) => {
    let departmentId: string | null = null;
    if (input.department) {
      const [d] = await tx
        .select({ id: departments.id })
        .from(departments)
        .where(and(eq(departments.propertyId, propertyId), eq(departments.code, input.department)));
      departmentId = d?.id ?? null;
    }
    const [created] = await tx
      .insert(staff)
      .values({ username: input.username, name: input.name, role: input.role, phone: input.phone ?? null })
      .onConflictDoNothing()
      .returning();
    const person = created ?? (await tx.select().from(staff).where(eq(staff.username, input.username)))[0]!;
    if (!created && person.role !== input.role) return 'role-mismatch';
    const [membership] = await tx
      .insert(staffMemberships)
      .values({ staffId: person.id, propertyId, departmentId, zones: input.zones ?? [], role: input.role, active: true })
      .onConflictDoNothing()
      .returning();
    if (!membership) return 'already-member';
    await appendAudit(tx, {
      occurredAt: new Date(),
      propertyId,
      subject: `property:${propertyId}`,
      action: 'staff.added',
      actor,
      detail: { staffId: person.id, username: person.username, role: person.role, department: input.department ?? null },
    });
    return {
      id: person.id,
      username: person.username,
      name: person.name,
      role: membership.role,
      phone: person.phone,
      active: membership.active,
      propertyId,
      department: input.department ?? null,
      zones: membership.zones,
    };
  });
}

export interface StaffChange {
  active?: boolean | undefined;
  department?: DepartmentCode | null | undefined;
  zones?: string[] | undefined;
}

/** Change a member's department, zones or active flag; undefined if not a member here. */
export async function updateStaff(
  db: Db,
  propertyId: string,
  staffId: string,
  change: StaffChange,
  actor: Actor,
): Promise<StaffAtProperty | undefined> {
  return db.transaction(async (tx) => {
    const [current] = await tx
      .select()
      .from(staffMemberships)
      .where(and(eq(staffMemberships.propertyId, propertyId), eq(staffMemberships.staffId, staffId)))
      .for('update');
    if (!current) return undefined;
    if (change.department !== undefined || change.zones !== undefined || change.active !== undefined) {
      let departmentId = current.departmentId;
      if (change.department !== undefined) {
        const [d] = change.department
          ? await tx
              .select({ id: departments.id })
              .from(departments)
              .where(and(eq(departments.propertyId, propertyId), eq(departments.code, change.department)))
          : [];
        departmentId = d?.id ?? null;
      }
      await tx
        .update(staffMemberships)
        .set({ departmentId, zones: change.zones ?? current.zones, active: change.active ?? current.active })
        .where(and(eq(staffMemberships.propertyId, propertyId), eq(staffMemberships.staffId, staffId)));
    }
    await appendAudit(tx, {
      occurredAt: new Date(),
      propertyId,
      subject: `property:${propertyId}`,
      action: 'staff.updated',
      actor,
      detail: { staffId, ...change },
    });
    const [row] = await tx
      .select(staffAtPropertyColumns)
      .from(staffMemberships)
      .innerJoin(staff, eq(staff.id, staffMemberships.staffId))
      .leftJoin(departments, eq(departments.id, staffMemberships.departmentId))
      .where(and(eq(staffMemberships.propertyId, propertyId), eq(staffMemberships.staffId, staffId)));
    return row;
  });
}

export interface StaffFilter {
  role?: string | undefined;
  department?: string | undefined;
  active?: boolean | undefined;
}

export async function listStaff(db: Db, propertyId: string, filter: StaffFilter = {}): Promise<StaffAtProperty[]> {
  return db
    .select(staffAtPropertyColumns)
    .from(staffMemberships)
    .innerJoin(staff, eq(staff.id, staffMemberships.staffId))
    .leftJoin(departments, eq(departments.id, staffMemberships.departmentId))
    .where(
      and(
        eq(staffMemberships.propertyId, propertyId),
        filter.role ? eq(staffMemberships.role, filter.role) : undefined,
        filter.department ? eq(departments.code, filter.department) : undefined,
        filter.active === undefined ? undefined : eq(staffMemberships.active, filter.active),
      ),
    )
    .orderBy(asc(staff.username));
}

/** One of a person's places of work, with the role they hold there and whether it is in force. */
export interface Membership {
  propertyId: string;
  role: string;
  active: boolean;
}

/** A person and every membership they hold, active or not; undefined for an unknown ID. */
export async function staffStanding(db: Db, staffId: string): Promise<{ id: string; role: string; active: boolean; memberships: Membership[] } | undefined> {
  const [person] = await db.select({ id: staff.id, role: staff.role, active: staff.active }).from(staff).where(eq(staff.id, staffId));
  if (!person) return undefined;
  return { ...person, memberships: await membershipsOf(db, staffId) };
}

async function membershipsOf(db: Db | Tx, staffId: string): Promise<Membership[]> {
  return db
    .select({ propertyId: staffMemberships.propertyId, role: staffMemberships.role, active: staffMemberships.active })
    .from(staffMemberships)
    .where(eq(staffMemberships.staffId, staffId))
    .orderBy(asc(staffMemberships.propertyId));
}

/** A staff member with every property they hold their role at, in force: what a token is made from. */
export async function findStaffByUsername(db: Db, username: string) {
  const [person] = await db.select().from(staff).where(eq(staff.username, username));
  if (!person) return undefined;
  const memberships = await membershipsOf(db, person.id);
  const properties = memberships.filter((m) => m.active && m.role === person.role).map((m) => m.propertyId);
  return { ...person, active: person.active && (properties.length > 0 || memberships.length === 0), properties };
}

/** The tables policies live in: one row per property and key (a category, a priority). */
type PolicyTable = typeof slaPolicies | typeof complaintPolicies | typeof hazardPolicies;

/** What tells one kind of policy from another: its table, the column it is keyed on within a property, and its audit name. */
interface PolicyKind<T extends PolicyTable> {
  table: T;
  key: AnyPgColumn;
  audit: PolicyAuditName;
}

/** The subject prefix of a policy kind's audit rows. */
type PolicyAuditName = 'sla-policy' | 'complaint-policy' | 'hazard-policy';

const slaPolicyKind: PolicyKind<typeof slaPolicies> = { table: slaPolicies, key: slaPolicies.category, audit: 'sla-policy' };
const complaintPolicyKind: PolicyKind<typeof complaintPolicies> = { table: complaintPolicies, key: complaintPolicies.priority, audit: 'complaint-policy' };
const hazardPolicyKind: PolicyKind<typeof hazardPolicies> = { table: hazardPolicies, key: hazardPolicies.severity, audit: 'hazard-policy' };

/**
 * Create or replace a policy. The version grows on every change, and the audit row keeps the
 * previous figures, so a change made while processes run is traceable.
 */
async function putPolicy<T extends PolicyTable>(
  db: Db,
  kind: PolicyKind<T>,
  propertyId: string,
  key: string,
  values: T['$inferInsert'],
  actor: Actor,
): Promise<{ policy: T['$inferSelect']; created: boolean }> {
  // Widened to the union: drizzle cannot type a write to a generic table.
  const table: PolicyTable = kind.table;
  return db.transaction(async (tx) => {
    const [previous] = await tx
      .select()
      .from(table)
      .where(and(eq(table.propertyId, propertyId), eq(kind.key, key)))
      .for('update');
    const [policy] = await tx
      .insert(table)
      .values(values)
      .onConflictDoUpdate({
        target: [table.propertyId, kind.key],
        set: { ...values, version: sql`${table.version} + 1`, updatedAt: sql`now()` },
      })
      .returning();
    await auditPolicyChange(tx, kind.audit, `${propertyId}:${key}`, actor, policy!, previous);
    return { policy: policy!, created: !previous };
  });
}

/** A property's policies of one kind, in key order. */
async function listPolicies<T extends PolicyTable>(db: Db, kind: PolicyKind<T>, propertyId: string): Promise<T['$inferSelect'][]> {
  const table: PolicyTable = kind.table;
  return db.select().from(table).where(eq(table.propertyId, propertyId)).orderBy(asc(kind.key));
}

async function getPolicy<T extends PolicyTable>(db: Db, kind: PolicyKind<T>, propertyId: string, key: string): Promise<T['$inferSelect'] | undefined> {
  const table: PolicyTable = kind.table;
  const [row] = await db
    .select()
    .from(table)
    .where(and(eq(table.propertyId, propertyId), eq(kind.key, key)));
  return row;
}

/**
 * Audit a policy written in `tx`: created, or changed with the previous figures kept, so a
 * change made while processes run is traceable.
 */
async function auditPolicyChange(
  tx: Tx,
  kind: PolicyAuditName,
  key: string,
  actor: Actor,
  policy: { propertyId: string; version: number; updatedAt: Date },
  previous: { updatedAt: Date } | undefined,
): Promise<void> {
  await appendAudit(tx, {
    occurredAt: policy.updatedAt,
    propertyId: policy.propertyId,
    subject: `${kind}:${key}`,
    action: previous ? `${kind}.changed` : `${kind}.created`,
    actor,
    detail: { version: policy.version, ...(previous ? { previous: { ...previous, updatedAt: previous.updatedAt.toISOString() } } : {}) },
  });
}

export interface SlaPolicyInput {
  department: DepartmentCode;
  respond: string;
  arrive?: string | null | undefined;
  complete: string;
  revisit: string;
  emergencyRespond?: string | undefined;
  warnRatio?: number | undefined;
  escalation: EscalationRung[];
  rectificationEscalateAfter?: number | undefined;
}

/** Create or replace the SLA policy of a category, with the defaults filled in. */
export async function putSlaPolicy(
  db: Db,
  propertyId: string,
  category: string,
  input: SlaPolicyInput,
  actor: Actor,
): Promise<{ policy: SlaPolicyRow; created: boolean }> {
  return putPolicy(
    db,
    slaPolicyKind,
    propertyId,
    category,
    {
      propertyId,
      category,
      departmentCode: input.department,
      respond: input.respond,
      arrive: input.arrive ?? null,
      complete: input.complete,
      revisit: input.revisit,
      emergencyRespond: input.emergencyRespond ?? 'PT30M',
      warnRatio: input.warnRatio ?? 0.8,
      escalation: input.escalation,
      rectificationEscalateAfter: input.rectificationEscalateAfter ?? 2,
      updatedBy: actor.id,
    },
    actor,
  );
}

export async function listSlaPolicies(db: Db, propertyId: string): Promise<SlaPolicyRow[]> {
  return listPolicies(db, slaPolicyKind, propertyId);
}

export async function getSlaPolicy(db: Db, propertyId: string, category: string): Promise<SlaPolicyRow | undefined> {
  return getPolicy(db, slaPolicyKind, propertyId, category);
}

export interface ComplaintPolicyInput {
  respond: string;
  resolve: string;
  revisit: string;
  warnRatio?: number | undefined;
  escalation: EscalationRung[];
  reopenEscalateAfter?: number | undefined;
}

/** Create or replace the complaint policy of a priority, with the defaults filled in. */
export async function putComplaintPolicy(
  db: Db,
  propertyId: string,
  priority: string,
  input: ComplaintPolicyInput,
  actor: Actor,
): Promise<{ policy: ComplaintPolicyRow; created: boolean }> {
  return putPolicy(
    db,
    complaintPolicyKind,
    propertyId,
    priority,
    {
      propertyId,
      priority,
      respond: input.respond,
      resolve: input.resolve,
      revisit: input.revisit,
      warnRatio: input.warnRatio ?? 0.8,
      escalation: input.escalation,
      reopenEscalateAfter: input.reopenEscalateAfter ?? 2,
      updatedBy: actor.id,
    },
    actor,
  );
}

/** A property's complaint policies, in priority-name order (callers rank them). */
export async function listComplaintPolicies(db: Db, propertyId: string): Promise<ComplaintPolicyRow[]> {
  return listPolicies(db, complaintPolicyKind, propertyId);
}

export async function getComplaintPolicy(db: Db, propertyId: string, priority: string): Promise<ComplaintPolicyRow | undefined> {
  return getPolicy(db, complaintPolicyKind, propertyId, priority);
}

export interface HazardPolicyInput {
  rectify: string;
  warnRatio?: number | undefined;
  escalation: EscalationRung[];
}

/** Create or replace the hazard policy of a severity, with the defaults filled in. */
export async function putHazardPolicy(db: Db, propertyId: string, severity: string, input: HazardPolicyInput, actor: Actor): Promise<{ policy: HazardPolicyRow; created: boolean }> {
  return putPolicy(db, hazardPolicyKind, propertyId, severity, { propertyId, severity, rectify: input.rectify, warnRatio: input.warnRatio ?? 0.8, escalation: input.escalation, updatedBy: actor.id }, actor);
}

/** A property's hazard policies, in severity-name order (callers rank them). */
export async function listHazardPolicies(db: Db, propertyId: string): Promise<HazardPolicyRow[]> {
  return listPolicies(db, hazardPolicyKind, propertyId);
}

export async function getHazardPolicy(db: Db, propertyId: string, severity: string): Promise<HazardPolicyRow | undefined> {
  return getPolicy(db, hazardPolicyKind, propertyId, severity);
}
