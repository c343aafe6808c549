/**
 * Preventive maintenance: the equipment register, versioned checklist templates, plans,
 * the task projection the task workflow upserts, and the links between equipment and the
 * repair orders raised for it.
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, date, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { ChecklistItem } from '../../domain/maintenance.js';
import { properties } from './properties.js';

/** One piece of equipment at a property. A contractor's phone is personal data: it lives here only. */
export const equipment = pgTable(
  'equipment',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    propertyId: text('property_id').notNull().references(() => properties.id),
    kind: text('kind').notNull(),
    code: text('code').notNull(),
    /** Building or area. */
    location: text('location').notNull(),
    make: text('make'),
    model: text('model'),
    installedOn: date('installed_on'),
    status: text('status').notNull().default('in_service'),
    statusReason: text('status_reason'),
    contractorName: text('contractor_name'),
    contractorContact: text('contractor_contact'),
    contractorPhone: text('contractor_phone'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('equipment_property_code_uq').on(t.propertyId, t.code),
    // In the list's order (newest first), so a page is read from the index without a sort.
    index('equipment_property_created_idx').on(t.propertyId, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
  ],
);

/** One immutable version of a checklist template; editing a template adds the next version. */
export const checklistTemplates = pgTable(
  'checklist_templates',
  {
    propertyId: text('property_id').notNull().references(() => properties.id),
    code: text('code').notNull(),
    version: integer('version').notNull(),
    name: text('name').notNull(),
    equipmentKind: text('equipment_kind').notNull(),
    items: jsonb('items').$type<ChecklistItem[]>().notNull(),
    /** Seeded with the property; still editable like any other. */
    isDefault: boolean('is_default').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.propertyId, t.code, t.version] })],
);

/** Who carries out a plan's tasks: a department, a role, or the contractor registered on the equipment. */
export type PlanAssignee = { department: string } | { role: string } | { contractor: true };

/** A maintenance plan: what is maintained, how often, with which checklist and by whom. */
export const maintenancePlans = pgTable(
  'maintenance_plans',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    propertyId: text('property_id').notNull().references(() => properties.id),
    name: text('name').notNull(),
    /** The one piece of equipment covered, or null when the plan covers every piece of `equipmentKind`. */
    equipmentId: uuid('equipment_id').references(() => equipment.id),
    equipmentKind: text('equipment_kind').notNull(),
    mode: text('mode').notNull(),
    every: integer('every').notNull(),
    unit: text('unit').notNull(),
    /** The first nominal due time; a fixed plan's n-th occurrence is anchor + n × interval. */
    anchor: timestamp('anchor', { withTimezone: true }).notNull(),
    opensBefore: text('opens_before').notNull(),
    overdueAfter: text('overdue_after').notNull(),
    assignee: jsonb('assignee').$type<PlanAssignee>().notNull(),
    templateCode: text('template_code').notNull(),
    /** Pinned version, or null for the latest version at each occurrence. */
    templateVersion: integer('template_version'),
    catchUp: text('catch_up').notNull(),
    outOfServiceOnDefect: boolean('out_of_service_on_defect').notNull().default(false),
    status: text('status').notNull().default('active'),
    statusReason: text('status_reason'),
    statusChangedAt: timestamp('status_changed_at', { withTimezone: true }).notNull().defaultNow(),
    /** Grows on every update; the plan workflow applies a new revision from its next occurrence. */
    revision: integer('revision').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    updatedBy: text('updated_by').notNull(),
  },
  (t) => [
    index('maintenance_plans_property_created_idx').on(t.propertyId, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('maintenance_plans_equipment_idx').on(t.equipmentId),
  ],
);

/**
 * The maintenance-task projection: one row per occurrence (`pm-task:<plan>:<nominal due>`),
 * upserted by the task workflow's recording activity after every step (never by the API).
 * `equipment_id` is null for a plan covering every piece of one kind.
 */
export const maintenanceTasks = pgTable(
  'maintenance_tasks',
  {
    workflowId: text('workflow_id').primaryKey(),
    planId: uuid('plan_id').notNull(),
    planRevision: integer('plan_revision').notNull(),
    propertyId: text('property_id').notNull(),
    equipmentId: uuid('equipment_id'),
    equipmentKind: text('equipment_kind').notNull(),
    templateCode: text('template_code').notNull(),
    templateVersion: integer('template_version').notNull(),
    nominalDue: timestamp('nominal_due', { withTimezone: true }).notNull(),
    opensAt: timestamp('opens_at', { withTimezone: true }).notNull(),
    overdueAt: timestamp('overdue_at', { withTimezone: true }).notNull(),
    status: text('status').notNull(),
    /** Started after its due time had passed (the plan was catching up after an outage). */
    late: boolean('late').notNull().default(false),
    assigneeId: text('assignee_id'),
    assigneeName: text('assignee_name'),
    escalationLevel: integer('escalation_level').notNull().default(0),
    startedAt: timestamp('started_at', { withTimezone: true }),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    completedById: text('completed_by_id'),
    skippedReason: text('skipped_reason'),
    missedReason: text('missed_reason'),
    /** Checklist items failed or out of limits. */
    defects: integer('defects').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    /** A step of the process could not be recorded: a person must look (an admin retries it once the cause is fixed). */
    needsAttention: boolean('needs_attention').notNull().default(false),
    /** The workflow step this row reflects: an older step never overwrites a newer one. */
    seq: bigint('seq', { mode: 'number' }).notNull(),
  },
  (t) => [
    // In the task list's order (newest due first, then ID), so a page is read from the index
    // without a sort; compliance's range on (property, nominal_due) reads it too.
    index('maintenance_tasks_property_due_idx').on(t.propertyId, t.nominalDue.desc().nullsFirst(), t.workflowId.desc().nullsFirst()),
    index('maintenance_tasks_plan_due_idx').on(t.planId, t.nominalDue),
    index('maintenance_tasks_equipment_idx').on(t.equipmentId),
    index('maintenance_tasks_needs_attention_idx').on(t.propertyId).where(sql`needs_attention`),
  ],
);

/** A repair order raised for a piece of equipment: from a defect a task found, or linked by hand. */
export const equipmentWorkOrders = pgTable(
  'equipment_work_orders',
  {
    equipmentId: uuid('equipment_id').notNull().references(() => equipment.id),
    /** The work order's ID; no foreign key, since the link may be written before the order's first projection row. */
    workOrderId: text('work_order_id').notNull(),
    source: text('source').notNull(),
    taskWorkflowId: text('task_workflow_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.equipmentId, t.workOrderId] }), index('equipment_work_orders_equipment_created_idx').on(t.equipmentId, t.createdAt)],
);
