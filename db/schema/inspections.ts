/**
 * Scored inspections of cleaning and landscaping (保洁, 绿化 quality checks): each area gets
 * a score from 0 to 100; an area below its threshold starts a rectification (a hazard
 * workflow with the inspection's deadline). Monthly averages per area and per contractor are
 * the cleaning-quality figure of the monthly evaluation.
 */
import { sql } from 'drizzle-orm';
import { index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { properties } from './properties.js';

export const inspections = pgTable(
  'inspections',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    propertyId: text('property_id').notNull().references(() => properties.id),
    /** cleaning or landscaping. */
    kind: text('kind').notNull(),
    inspectedAt: timestamp('inspected_at', { withTimezone: true }).notNull(),
    inspectorId: text('inspector_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('inspections_property_inspected_idx').on(t.propertyId, t.inspectedAt)],
);

export const inspectionScores = pgTable(
  'inspection_scores',
  {
    inspectionId: uuid('inspection_id').notNull().references(() => inspections.id),
    area: text('area').notNull(),
    contractor: text('contractor'),
    score: integer('score').notNull(),
    threshold: integer('threshold').notNull(),
    note: text('note'),
    /** The rectification a score below the threshold started. */
    hazardId: text('hazard_id'),
  },
  (t) => [primaryKey({ columns: [t.inspectionId, t.area] })],
);
