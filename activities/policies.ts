/** Reading the SLA policy in force when a clock starts. */
import { getSlaPolicy } from '../db/reference.js';
import type { Db } from '../db/index.js';
import { toPolicySnapshot, type SlaPolicySnapshot } from '../domain/sla-policy.js';

/** Build the loadSlaPolicy activity: the property's current policy for a category, or null if it has none. */
export function loadSlaPolicyActivity(db: Db) {
  return async function loadSlaPolicy(input: { propertyId: string; category: string }): Promise<SlaPolicySnapshot | null> {
    const row = await getSlaPolicy(db, input.propertyId, input.category);
    return row ? toPolicySnapshot(row) : null;
  };
}
