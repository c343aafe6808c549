/** Helpers for complaint workflow tests: open complaints and repair orders the way the API does. */
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { toComplaintPolicySnapshot } from '../../db/complaints.js';
import { saveContact } from '../../db/contacts.js';
import type { Db } from '../../db/index.js';
import { getComplaintPolicy, getSlaPolicy } from '../../db/reference.js';
import type { WorkOrderCategory } from '../../domain/categories.js';
import type { Actor } from '../../domain/roles.js';
import { toPolicySnapshot } from '../../domain/sla-policy.js';
import {
  complaintPriority,
  complaintQuery,
  complaintWorkflowId,
  type ComplaintCategory,
  type ComplaintInput,
  type ComplaintState,
} from '../../workflows/complaint.contract.js';
import type { WorkOrderInput } from '../../workflows/work-order.contract.js';
import { eventually, stepThenRead } from './processes.js';
import { actor } from './work-orders.js';

let counter = 0;
/** Start a complaint the way the API does: priority from category and urgency, the property's policy for it. */
export async function openComplaint(
  client: Client,
  taskQueue: string,
  db: Db,
  { complainant = { name: 'Owner Huang', phone: '13800000101' }, ...overrides }: Partial<Omit<ComplaintInput, 'policy'>> & { category?: ComplaintCategory; complainant?: { name: string; phone?: string } } = {},
): Promise<WorkflowHandle> {
  const category = overrides.category ?? 'noise';
  const propertyId = overrides.propertyId ?? 'harbour-view';
  const priority = overrides.priority ?? complaintPriority(category, overrides.urgent ?? false);
  const policy = await getComplaintPolicy(db, propertyId, priority);
  if (!policy) throw new Error(`no complaint policy for ${priority}`);
  counter += 1;
  const complaintId = overrides.complaintId ?? `CP-20261121-${String(counter).padStart(4, '0')}${randomUUID().slice(0, 4)}`;
  const input: ComplaintInput = {
    complaintId,
    propertyId,
    location: { unitCode: '1-101' },
    category,
    priority,
    urgent: false,
    channel: 'phone',
    description: 'loud music from upstairs after midnight',
    createdBy: await actor(db, 'frontdesk.li'),
    ...overrides,
    policy: toComplaintPolicySnapshot(policy),
  };
  // As the API does: the complainant's contact goes to PostgreSQL, never into the workflow.
  await saveContact(db, complaintWorkflowId(complaintId), propertyId, complainant);
  return client.workflow.start('complaintWorkflow', { workflowId: complaintWorkflowId(complaintId), taskQueue, args: [input] });
}

/** A repair order for a complaint, as POST /v1/complaints/{id}/work-orders builds it. */
export async function childOrderInput(db: Db, complaint: ComplaintState, createdBy: Actor, category: WorkOrderCategory = 'public_area'): Promise<WorkOrderInput> {
  const policy = await getSlaPolicy(db, complaint.propertyId, category);
  if (!policy) throw new Error(`no SLA policy for ${category}`);
  return {
    orderId: `WO-20261121-${randomUUID().slice(0, 8)}`,
    propertyId: complaint.propertyId,
    location: complaint.location,
    category,
    priority: 'normal',
    channel: 'phone',
    description: `fix what the complaint is about (complaint ${complaint.complaintId})`,
    photos: [],
    createdBy,
    policy: toPolicySnapshot(policy),
  };
}

/** Poll the complaint's state until `predicate` holds. */
export function waitForComplaint(handle: WorkflowHandle, predicate: (s: ComplaintState) => boolean, what = 'state'): Promise<ComplaintState> {
  return eventually(
    () => handle.query(complaintQuery),
    predicate,
    what,
    (last) => (last ? `last status ${last.status}, timeline ${last.timeline.map((t) => t.action).join(', ')}` : ''),
  );
}

/** Take a step and read the complaint back (updates return only a StepOutcome). */
export const complaintStep = stepThenRead(complaintQuery);
