/**
 * Complaint SLA policy per property and priority: how soon the complainant gets a first
 * answer, how soon the complaint is resolved, how soon front desk calls back, and who
 * hears of it, level by level, when a window runs out.
 */
import { integer, jsonb, pgTable, primaryKey, real, text, timestamp } from 'drizzle-orm/pg-core';
import { properties } from './properties.js';
import type { EscalationRung } from './sla-policies.js';

export const complaintPolicies = pgTable(
  'complaint_policies',
  {
    propertyId: text('property_id').notNull().references(() => properties.id),
    priority: text('priority').notNull(),
    /** ISO 8601 windows, counted from receipt (respond, resolve) and from the resolution (revisit). */
    respond: text('respond').notNull(),
    resolve: text('resolve').notNull(),
    revisit: text('revisit').notNull(),
    warnRatio: real('warn_ratio').notNull().default(0.8),
    escalation: jsonb('escalation').$type<EscalationRung[]>().notNull(),
    /** A complaint reopened this many times (or more) climbs one level at each further reopen. */
    reopenEscalateAfter: integer('reopen_escalate_after').notNull().default(2),
    version: integer('version').notNull().default(1),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    updatedBy: text('updated_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.propertyId, t.priority] })],
);
