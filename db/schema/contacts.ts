/**
 * Who raised a process and how to reach them: the reporter of a repair order, the
 * complainant. Personal data lives here only, keyed by the process's workflow ID, written by
 * the API before the workflow starts; workflow inputs and histories never carry it.
 */
import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

export const processContacts = pgTable('process_contacts', {
  workflowId: text('workflow_id').primaryKey(),
  propertyId: text('property_id').notNull(),
  name: text('name').notNull(),
  /** Shown to staff who call back and used by the SMS channel; never logged. */
  phone: text('phone'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
