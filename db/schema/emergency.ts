/**
 * Emergency plans and incidents: one plan per property and incident type with its
 * immutable versions, the duty roster that says who fills each role of the response
 * organisation, the declarations that make declaring idempotent, and the incident
 * projection the incident workflow upserts (never the API).
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgSequence, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import type { PlanContent } from '../../domain/emergency.js';
import { properties } from './properties.js';
import { staff } from './staff.js';

/** A property's plan for one incident type; its content lives in its versions. */
export const emergencyPlans = pgTable(
  'emergency_plans',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    propertyId: text('property_id').notNull().references(() => properties.id),
    incidentType: text('incident_type').notNull(),
    /** The version a new incident starts with. */
    currentVersion: integer('current_version').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [uniqueIndex('emergency_plans_property_type_uq').on(t.propertyId, t.incidentType)],
);

/** One immutable version of a plan: editing a plan adds the next version, never changes one. */
export const emergencyPlanVersions = pgTable(
  'emergency_plan_versions',
  {
    planId: uuid('plan_id').notNull().references(() => emergencyPlans.id),
    version: integer('version').notNull(),
    content: jsonb('content').$type<PlanContent>().notNull(),
    note: text('note'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.planId, t.version] })],
);

/**
 * Who is on duty for a role of the response organisation at a property, in paging order:
 * the first active one is paged, the next is the first escalation level.
 */
export const emergencyDuty = pgTable(
  'emergency_duty',
  {
    propertyId: text('property_id').notNull().references(() => properties.id),
    role: text('role').notNull(),
    position: integer('position').notNull(),
    staffId: uuid('staff_id').notNull().references(() => staff.id),
  },
  (t) => [primaryKey({ columns: [t.propertyId, t.role, t.position] }), uniqueIndex('emergency_duty_member_uq').on(t.propertyId, t.role, t.staffId)],
);

/** Human-readable incident numbers: EM-<date>-<n> (drills DR-<date>-<n>). */
export const incidentNumbers = pgSequence('incident_number_seq', { startWith: 1 });

/** Every declaration made, so that a second one for the same property and type within the window reaches the first. */
export const incidentDeclarations = pgTable(
  'incident_declarations',
  {
    incidentId: text('incident_id').primaryKey(),
    propertyId: text('property_id').notNull(),
    incidentType: text('incident_type').notNull(),
    kind: text('kind').notNull(),
    declaredAt: timestamp('declared_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('incident_declarations_recent_idx').on(t.propertyId, t.incidentType, t.declaredAt)],
);

/** The incident projection: one row per incident or drill, written after every step of its workflow. */
export const incidents = pgTable(
  'incidents',
  {
    id: text('id').primaryKey(),
    workflowId: text('workflow_id').notNull().unique(),
    propertyId: text('property_id').notNull(),
    kind: text('kind').notNull(),
    incidentType: text('incident_type').notNull(),
    planId: text('plan_id').notNull(),
    planVersion: integer('plan_version').notNull(),
    severity: text('severity').notNull(),
    buildingIds: jsonb('building_ids').$type<string[]>().notNull().default([]),
    unitIds: jsonb('unit_ids').$type<string[]>().notNull().default([]),
    status: text('status').notNull(),
    activatedAt: timestamp('activated_at', { withTimezone: true }),
    /** When the first role acknowledged its page: MTTA counts from activation to here. */
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    cancelReason: text('cancel_reason'),
    escalations: integer('escalations').notNull().default(0),
    openActions: integer('open_actions').notNull().default(0),
    /** A drill's score out of 100, once it is resolved. */
    drillScore: integer('drill_score'),
    nextDeadline: timestamp('next_deadline', { withTimezone: true }),
    createdById: text('created_by_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    /** A step of the process could not be recorded: a person must look (an admin retries it once the cause is fixed). */
    needsAttention: boolean('needs_attention').notNull().default(false),
    seq: bigint('seq', { mode: 'number' }).notNull(),
  },
  (t) => [
    index('incidents_property_created_idx').on(t.propertyId, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('incidents_property_type_idx').on(t.propertyId, t.incidentType, t.kind, t.createdAt),
    index('incidents_needs_attention_idx').on(t.propertyId).where(sql`needs_attention`),
  ],
);

/** The improvement-action projection (纠正预防措施): one row per action a post-incident review started. */
export const improvementActions = pgTable(
  'improvement_actions',
  {
    id: text('id').primaryKey(),
    workflowId: text('workflow_id').notNull().unique(),
    propertyId: text('property_id').notNull(),
    /** The incident whose review started it. */
    sourceId: text('source_id').notNull(),
    title: text('title').notNull(),
    ownerId: text('owner_id').notNull(),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    status: text('status').notNull(),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    verifiedAt: timestamp('verified_at', { withTimezone: true }),
    droppedReason: text('dropped_reason'),
    nextDeadline: timestamp('next_deadline', { withTimezone: true }),
    createdById: text('created_by_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    /** A step of the process could not be recorded: a person must look (an admin retries it once the cause is fixed). */
    needsAttention: boolean('needs_attention').notNull().default(false),
    seq: bigint('seq', { mode: 'number' }).notNull(),
  },
  (t) => [
    index('improvement_actions_property_created_idx').on(t.propertyId, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('improvement_actions_source_idx').on(t.sourceId),
    index('improvement_actions_needs_attention_idx').on(t.propertyId).where(sql`needs_attention`),
  ],
);

/**
 * A drill schedule (演练计划): a plan of the recurring-plan engine whose occurrence is a drill
 * of one incident type, due at each nominal time and to be held within its window.
 */
export const drillSchedules = pgTable(
  'drill_schedules',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    propertyId: text('property_id').notNull().references(() => properties.id),
    incidentType: text('incident_type').notNull(),
    every: integer('every').notNull(),
    unit: text('unit').notNull(),
    /** The first nominal due time; the n-th is anchor + n × interval. */
    anchor: timestamp('anchor', { withTimezone: true }).notNull(),
    /** How long after its due time a drill may still be held before it is overdue (ISO 8601). */
    holdWithin: text('hold_within').notNull(),
    status: text('status').notNull().default('active'),
    statusReason: text('status_reason'),
    statusChangedAt: timestamp('status_changed_at', { withTimezone: true }).notNull().defaultNow(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
  },
  (t) => [index('drill_schedules_property_idx').on(t.propertyId, t.incidentType)],
);
