/**
 * The complaint projection: one row per complaint, written by the workflow's recording
 * activity after every step (never by the API), read by lists, filters and statistics.
 * The SLA columns (first answer, resolution, met flags) are what the statistics count.
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgSequence, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { ComplaintWorkOrderLink } from '../../workflows/complaint.contract.js';

/** Human-readable complaint numbers: CP-<date>-<n>. */
export const complaintNumbers = pgSequence('complaint_number_seq', { startWith: 1 });

export const complaints = pgTable(
  'complaints',
  {
    id: text('id').primaryKey(),
    workflowId: text('workflow_id').notNull().unique(),
    propertyId: text('property_id').notNull(),
    unitId: text('unit_id'),
    unitCode: text('unit_code'),
    commonArea: text('common_area'),
    category: text('category').notNull(),
    priority: text('priority').notNull(),
    urgent: boolean('urgent').notNull().default(false),
    channel: text('channel').notNull(),
    description: text('description').notNull(),
    status: text('status').notNull(),
    department: text('department'),
    handlerId: text('handler_id'),
    handlerName: text('handler_name'),
    assignmentRound: integer('assignment_round').notNull().default(0),
    escalationLevel: integer('escalation_level').notNull().default(0),
    reopens: integer('reopens').notNull().default(0),
    /** Earliest deadline of a running clock; `overdue` means it is in the past. */
    nextDeadline: timestamp('next_deadline', { withTimezone: true }),
    workOrders: jsonb('work_orders').$type<ComplaintWorkOrderLink[]>().notNull().default([]),
    openWorkOrders: integer('open_work_orders').notNull().default(0),
    /** The first answer to the complainant, and its deadline (the first respond window). */
    respondedAt: timestamp('responded_at', { withTimezone: true }),
    respondDeadline: timestamp('respond_deadline', { withTimezone: true }),
    /** Null until known: answered, or the window ran out unanswered. */
    respondMet: boolean('respond_met'),
    /** The latest resolution; a reopened complaint is resolved again. */
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    /** Deadline of the resolve window now running, if any. */
    resolveDeadline: timestamp('resolve_deadline', { withTimezone: true }),
    /** False once any resolve window ran out; true once resolved with every window met. */
    resolveMet: boolean('resolve_met'),
    satisfaction: integer('satisfaction'),
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
    // DESC NULLS FIRST is what ORDER BY … DESC means: the list query reads this index in order, without a sort.
    index('complaints_property_created_idx').on(t.propertyId, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('complaints_property_status_idx').on(t.propertyId, t.status),
    index('complaints_handler_status_idx').on(t.handlerId, t.status),
    index('complaints_next_deadline_idx').on(t.nextDeadline).where(sql`next_deadline IS NOT NULL`),
    index('complaints_needs_attention_idx').on(t.propertyId).where(sql`needs_attention`),
  ],
);
