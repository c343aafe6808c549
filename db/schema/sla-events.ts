/**
 * Every SLA warning and escalation ever fired, unique on (workflow, clock, run, level):
 * the constraint that makes a retried activity or a replayed workflow fire at most once.
 */
import { bigserial, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const slaEvents = pgTable(
  'sla_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    workflowId: text('workflow_id').notNull(),
    propertyId: text('property_id').notNull(),
    clock: text('clock').notNull(),
    run: integer('run').notNull(),
    /** 0 = warning before the deadline; 1… = escalation level. */
    level: integer('level').notNull(),
    role: text('role'),
    deadline: timestamp('deadline', { withTimezone: true }).notNull(),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull(),
    firedAt: timestamp('fired_at', { withTimezone: true }).notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
    recipients: integer('recipients').notNull(),
  },
  (t) => [
    uniqueIndex('sla_events_once_uq').on(t.workflowId, t.clock, t.run, t.level),
    index('sla_events_property_idx').on(t.propertyId, t.firedAt),
  ],
);
