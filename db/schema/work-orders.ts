/**
 * The work-order projection: one row per order, written by the workflow's recording
 * activity after every step (never by the API), read by lists, filters and statistics.
 */
import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, pgSequence, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Human-readable order numbers: WO-<date>-<n>. */
export const workOrderNumbers = pgSequence('work_order_number_seq', { startWith: 1 });

export const workOrders = pgTable(
  'work_orders',
  {
    id: text('id').primaryKey(),
    workflowId: text('workflow_id').notNull().unique(),
    propertyId: text('property_id').notNull(),
    unitId: text('unit_id'),
    unitCode: text('unit_code'),
    commonArea: text('common_area'),
    category: text('category').notNull(),
    priority: text('priority').notNull(),
    channel: text('channel').notNull(),
    description: text('description').notNull(),
    status: text('status').notNull(),
    assigneeId: text('assignee_id'),
    assigneeName: text('assignee_name'),
    assignmentRound: integer('assignment_round').notNull().default(0),
    rectifications: integer('rectifications').notNull().default(0),
    escalationLevel: integer('escalation_level').notNull().default(0),
    /** Earliest deadline of a running clock; `overdue` means it is in the past. */
    nextDeadline: timestamp('next_deadline', { withTimezone: true }),
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
    index('work_orders_property_created_idx').on(t.propertyId, t.createdAt.desc().nullsFirst(), t.id.desc().nullsFirst()),
    index('work_orders_property_status_idx').on(t.propertyId, t.status),
    index('work_orders_assignee_status_idx').on(t.assigneeId, t.status),
    index('work_orders_next_deadline_idx').on(t.nextDeadline).where(sql`next_deadline IS NOT NULL`),
    index('work_orders_needs_attention_idx').on(t.propertyId).where(sql`needs_attention`),
  ],
);
