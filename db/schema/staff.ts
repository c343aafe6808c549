/** Departments of a property, and the staff who work in them. */
import { sql } from 'drizzle-orm';
import { boolean, index, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { properties } from './properties.js';

export const departments = pgTable(
  'departments',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    propertyId: text('property_id').notNull().references(() => properties.id),
    code: text('code').notNull(),
    name: text('name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('departments_property_code_uq').on(t.propertyId, t.code)],
);

export const staff = pgTable('staff', {
  id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
  username: text('username').notNull().unique(),
  name: text('name').notNull(),
  role: text('role').notNull(),
  phone: text('phone'),
  active: boolean('active').notNull().default(true),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A staff member's place at a property: which department and which zones (buildings, areas) they cover. */
export const staffMemberships = pgTable(
  'staff_memberships',
  {
    staffId: uuid('staff_id').notNull().references(() => staff.id),
    propertyId: text('property_id').notNull().references(() => properties.id),
    departmentId: uuid('department_id').references(() => departments.id),
    zones: text('zones').array().notNull().default(sql`'{}'::text[]`),
    /** The role this person holds at this property (a person may be a technician here and a dispatcher there). */
    role: text('role').notNull(),
    /** Whether this membership is in force: switching someone off at one property leaves their others alone. */
    active: boolean('active').notNull().default(true),
    /** When automatic dispatch last gave this member an order here: ties go to whoever waited longest. */
    lastAssignedAt: timestamp('last_assigned_at', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.staffId, t.propertyId] }), index('staff_memberships_property_idx').on(t.propertyId)],
);
