/** The notifications outbox: every message owed, written in the same transaction as the change that owes it. */
import { sql } from 'drizzle-orm';
import { bigserial, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    propertyId: text('property_id'),
    /** The step that owes it: `<workflowId>#<seq>`, e.g. `work-order:WO-20261121-0001#4`. */
    subject: text('subject').notNull(),
    /** Makes a retried write land once: `<workflowId>#<seq>:<recipient>`, e.g. `work-order:WO-20261121-0001#4:staff:<id>`. */
    dedupeKey: text('dedupe_key').notNull(),
    recipientKind: text('recipient_kind').notNull(),
    recipientId: text('recipient_id'),
    recipientRole: text('recipient_role'),
    channel: text('channel').notNull(),
    template: text('template').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('outbox_dedupe_uq').on(t.dedupeKey),
    index('outbox_pending_idx').on(t.id).where(sql`status = 'pending'`),
    index('outbox_subject_idx').on(t.subject),
  ],
);
