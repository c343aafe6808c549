/**
 * Patrols (巡查): routes with their checkpoints (tag codes printed as QR or held on NFC),
 * the schedules that start rounds (recurring plans), and the round projection the round
 * workflow writes after every step.
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { properties } from './properties.js';

/** A patrol route at a property: its checkpoints, walked in order or in any order, inside a window plus grace. */
export const patrolRoutes = pgTable(
  'patrol_routes',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    propertyId: text('property_id').notNull().references(() => properties.id),
    name: text('name').notNull(),
    /** security, fire, cleaning or landscaping. */
    kind: text('kind').notNull(),
    ordered: boolean('ordered').notNull().default(false),
    /** ISO 8601: how long a round's window stays open from its due time, and the grace after it. */
    window: text('window').notNull(),
    grace: text('grace').notNull(),
    /** ISO 8601: a scan whose device time is further than this from the server's is flagged. */
    skewTolerance: text('skew_tolerance').notNull().default('PT5M'),
    /** ISO 8601: after a missed checkpoint reached the security captain, when it reaches the project manager. */
    escalateAfter: text('escalate_after').notNull().default('PT30M'),
    status: text('status').notNull().default('active'),
    revision: integer('revision').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('patrol_routes_property_name_uq').on(t.propertyId, t.name), index('patrol_routes_property_created_idx').on(t.propertyId, t.createdAt)],
);

/** A checkpoint of a route: its tag code, where it is and what to check there. */
export const patrolCheckpoints = pgTable(
  'patrol_checkpoints',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    routeId: uuid('route_id').notNull().references(() => patrolRoutes.id),
    position: integer('position').notNull(),
    tagCode: text('tag_code').notNull(),
    location: text('location').notNull(),
    check: text('what_to_check').notNull(),
    active: boolean('active').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('patrol_checkpoints_route_tag_uq').on(t.routeId, t.tagCode), index('patrol_checkpoints_route_idx').on(t.routeId, t.position)],
);

/** A patrol schedule: a recurring plan (workflows/shared/recurring-plan.ts) whose occurrence is a round of its route. */
export const patrolSchedules = pgTable(
  'patrol_schedules',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    propertyId: text('property_id').notNull().references(() => properties.id),
    routeId: uuid('route_id').notNull().references(() => patrolRoutes.id),
    name: text('name').notNull(),
    every: integer('every').notNull(),
    unit: text('unit').notNull(),
    /** The first round's due time; the n-th is anchor + n × interval. */
    anchor: timestamp('anchor', { withTimezone: true }).notNull(),
    /** ISO 8601: how long before its due time a round starts (the guard may start it from then on). */
    opensBefore: text('opens_before').notNull().default('PT0S'),
    catchUp: text('catch_up').notNull().default('all'),
    status: text('status').notNull().default('active'),
    statusReason: text('status_reason'),
    statusChangedAt: timestamp('status_changed_at', { withTimezone: true }).notNull().defaultNow(),
    revision: integer('revision').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    createdBy: text('created_by').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('patrol_schedules_property_idx').on(t.propertyId), index('patrol_schedules_route_idx').on(t.routeId)],
);

/** The round projection: one row per round (`patrol:<route>:<due>`), written by its workflow's recording activity. */
export const patrolRounds = pgTable(
  'patrol_rounds',
  {
    workflowId: text('workflow_id').primaryKey(),
    propertyId: text('property_id').notNull(),
    routeId: uuid('route_id').notNull(),
    scheduleId: uuid('schedule_id'),
    routeKind: text('route_kind').notNull(),
    due: timestamp('due', { withTimezone: true }).notNull(),
    windowEnd: timestamp('window_end', { withTimezone: true }).notNull(),
    deadline: timestamp('deadline', { withTimezone: true }).notNull(),
    late: boolean('late').notNull().default(false),
    status: text('status').notNull(),
    guardId: text('guard_id'),
    guardName: text('guard_name'),
    checkpoints: integer('checkpoints').notNull(),
    checked: integer('checked').notNull().default(0),
    missed: integer('missed').notNull().default(0),
    exceptions: integer('exceptions').notNull().default(0),
    issues: integer('issues').notNull().default(0),
    skewFlags: integer('skew_flags').notNull().default(0),
    scans: integer('scans').notNull().default(0),
    minGapMs: bigint('min_gap_ms', { mode: 'number' }),
    maxGapMs: bigint('max_gap_ms', { mode: 'number' }),
    escalationLevel: integer('escalation_level').notNull().default(0),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    earlyReason: text('early_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    /** A step of the process could not be recorded: a person must look (an admin retries it once the cause is fixed). */
    needsAttention: boolean('needs_attention').notNull().default(false),
    seq: bigint('seq', { mode: 'number' }).notNull(),
  },
  (t) => [
    index('patrol_rounds_needs_attention_idx').on(t.propertyId).where(sql`needs_attention`),
    index('patrol_rounds_property_due_idx').on(t.propertyId, t.due.desc().nullsFirst(), t.workflowId.desc().nullsFirst()),
    index('patrol_rounds_route_due_idx').on(t.routeId, t.due),
  ],
);
