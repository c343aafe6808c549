/**
 * The append-only audit log. PostgreSQL itself refuses UPDATE, DELETE and TRUNCATE
 * (triggers in the migrations), and a BEFORE INSERT trigger chains each row to the
 * previous row of the same property with a SHA-256 hash, so tampering is detectable.
 */
import { bigint, bigserial, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
    propertyId: text('property_id'),
    /** What the row is about: a workflow ID (`work-order:WO-…`) or a reference record (`property:harbour-view`). */
    subject: text('subject').notNull(),
    /** Transition sequence number within the subject's workflow; null for reference data. */
    seq: integer('seq'),
    action: text('action').notNull(),
    actorId: text('actor_id').notNull(),
    actorRole: text('actor_role').notNull(),
    fromStatus: text('from_status'),
    toStatus: text('to_status'),
    reason: text('reason'),
    detail: jsonb('detail').$type<Record<string, unknown>>().notNull().default({}),
    /** Position in the property's hash chain, assigned by the insert trigger under a per-property lock. */
    chainPosition: bigint('chain_position', { mode: 'number' }),
    prevHash: text('prev_hash'),
    hash: text('hash'),
  },
  (t) => [
    uniqueIndex('audit_log_subject_seq_uq').on(t.subject, t.seq),
    index('audit_log_property_idx').on(t.propertyId, t.id),
    index('audit_log_subject_idx').on(t.subject, t.id),
  ],
);
