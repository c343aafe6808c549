/**
 * Hazards (安全隐患): the per-property policy that gives each severity its rectification
 * deadline and escalation chain, the hazard numbers, and the projection the hazard workflow
 * writes after every step (lists and statistics read it, never the workflow).
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgSequence, pgTable, primaryKey, real, text, timestamp } from 'drizzle-orm/pg-core';
import { properties } from './properties.js';
import type { EscalationRung } from './sla-policies.js';

/** The hazard policy of one severity at a property: how long rectification may take, and who hears when it runs late. */
export const hazardPolicies = pgTable(
  'hazard_policies',
  {
    propertyId: text('property_id').notNull().references(() => properties.id),
    severity: text('severity').notNull(),
    /** ISO 8601, counted from the report (and afresh from each failed re-inspection). */
    rectify: text('rectify').notNull(),
    warnRatio: real('warn_ratio').notNull().default(0.8),
    escalation: jsonb('escalation').$type<EscalationRung[]>().notNull(),
    version: integer('version').notNull().default(1),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    updatedBy: text('updated_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.propertyId, t.severity] })],
);

/** Human-readable hazard numbers: HZ-<date>-<n>. */
export const hazardNumbers = pgSequence('hazard_number_seq', { startWith: 1 });

export const hazards = pgTable(
  'hazards',
  {
    id: text('id').primaryKey(),
    workflowId: text('workflow_id').notNull().unique(),
    propertyId: text('property_id').notNull(),
    unitId: text('unit_id'),
    unitCode: text('unit_code'),
    commonArea: text('common_area'),
    severity: text('severity').notNull(),
    description: text('description').notNull(),
    /** patrol, maintenance or staff; `sourceRef` is the round or task it was found in. */
    sourceKind: text('source_kind').notNull(),
    sourceRef: text('source_ref'),
    /** The patrol route it was found on, for the route's statistics. */
    routeId: text('route_id'),
    status: text('status').notNull(),
    rectifierId: text('rectifier_id'),
    rectifierName: text('rectifier_name'),
    escalationLevel: integer('escalation_level').notNull().default(0),
    failedReinspections: integer('failed_reinspections').notNull().default(0),
    nextDeadline: timestamp('next_deadline', { withTimezone: true }),
    rectifyDeadline: timestamp('rectify_deadline', { withTimezone: true }),
    /** A rectification window ran out before the rectification was reported. */
    overdue: boolean('overdue').notNull().default(false),
    openWorkOrders: integer('open_work_orders').notNull().default(0),
    createdById: text('created_by_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    /** A step of the process could not be recorded: a person must look (an admin retries it once the cause is fixed). */
    needsAttention: boolean('needs_attention').notNull().default(false),
    /** The workflow step this row reflects: an older step never overwrites a newer one. */
    seq: bigint('seq', { mode: 'number' }).notNull(),
  },
  (t) => [
    index('hazards_needs_attention_idx').on(t.propertyId).where(sql`needs_attention`),
    index('hazards_property_created_idx').on(t.propertyId, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('hazards_property_status_idx').on(t.propertyId, t.status),
    index('hazards_route_created_idx').on(t.routeId, t.createdAt).where(sql`route_id IS NOT NULL`),
  ],
);
