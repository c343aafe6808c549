/** SLA policy per property and category: ISO 8601 windows and the escalation chain. */
import { integer, jsonb, pgTable, primaryKey, real, text, timestamp } from 'drizzle-orm/pg-core';
import { properties } from './properties.js';

/** One rung of an escalation chain: `after` (ISO 8601) counted from the missed deadline. */
export interface EscalationRung {
  level: number;
  after: string;
  role: string;
}

export const slaPolicies = pgTable(
  'sla_policies',
  {
    propertyId: text('property_id').notNull().references(() => properties.id),
    category: text('category').notNull(),
    departmentCode: text('department_code').notNull(),
    respond: text('respond').notNull(),
    arrive: text('arrive'),
    complete: text('complete').notNull(),
    revisit: text('revisit').notNull(),
    emergencyRespond: text('emergency_respond').notNull().default('PT30M'),
    warnRatio: real('warn_ratio').notNull().default(0.8),
    escalation: jsonb('escalation').$type<EscalationRung[]>().notNull(),
    rectificationEscalateAfter: integer('rectification_escalate_after').notNull().default(2),
    version: integer('version').notNull().default(1),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    updatedBy: text('updated_by').notNull(),
  },
  (t) => [primaryKey({ columns: [t.propertyId, t.category] })],
);
