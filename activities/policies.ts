/** Reading the policy in force when a clock starts. */
import { toComplaintPolicySnapshot } from '../db/complaints.js';
import { getComplaintPolicy, getSlaPolicy } from '../db/reference.js';
import type { Db } from '../db/index.js';
import { toPolicySnapshot, type SlaPolicySnapshot } from '../domain/sla-policy.js';
import type { ComplaintPolicySnapshot } from '../workflows/complaint.contract.js';

/** Build the loadSlaPolicy activity: the property's current policy for a category, or null if it has none. */
export function loadSlaPolicyActivity(db: Db) {
  return async function loadSlaPolicy(input: { propertyId: string; category: string }): Promise<SlaPolicySnapshot | null> {
    const row = await getSlaPolicy(db, input.propertyId, input.category);
    return row ? toPolicySnapshot(row) : null;
  };
}

/** Build the loadComplaintPolicy activity: the property's current complaint policy for a priority, or null if it has none. */
export function loadComplaintPolicyActivity(db: Db) {
  return async function loadComplaintPolicy(input: { propertyId: string; priority: string }): Promise<ComplaintPolicySnapshot | null> {
    const row = await getComplaintPolicy(db, input.propertyId, input.priority);
    return row ? toComplaintPolicySnapshot(row) : null;
  };
}
