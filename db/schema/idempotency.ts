/** Idempotency-Key → created resource, so a retried create lands on the same process. */
import { pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    /** The kind of create (`work-order`) and the caller: keys are scoped per caller. */
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    resourceId: text('resource_id').notNull(),
    /** SHA-256 of the request body: the same key with another body is refused. */
    requestHash: text('request_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key] })],
);
