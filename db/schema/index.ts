/** The whole drizzle schema, one file per aggregate. */
export * from './properties.js';
export * from './staff.js';
export * from './sla-policies.js';
export * from './audit-log.js';
export * from './outbox.js';
export * from './work-orders.js';
export * from './sla-events.js';
export * from './idempotency.js';
export * from './complaint-policies.js';
export * from './complaints.js';
export * from './contacts.js';
export * from './maintenance.js';
export * from './hazards.js';
export * from './patrols.js';
export * from './inspections.js';
export * from './emergency.js';
