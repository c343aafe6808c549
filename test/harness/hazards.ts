/** Helpers for hazard workflow tests: raise hazards the way the API does, with the property's policy for the severity. */
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { toHazardPolicySnapshot } from '../../db/hazards.js';
import type { Db } from '../../db/index.js';
import { getHazardPolicy } from '../../db/reference.js';
import { hazardQuery, hazardWorkflowId, type HazardInput, type HazardSeverity, type HazardState } from '../../workflows/hazard.contract.js';
import { eventually, stepThenRead } from './processes.js';
import { actor } from './work-orders.js';

/** Start a hazard as POST /v1/hazards does. */
export async function openHazard(client: Client, taskQueue: string, db: Db, overrides: Partial<Omit<HazardInput, 'policy'>> & { severity?: HazardSeverity } = {}): Promise<WorkflowHandle> {
  const severity = overrides.severity ?? 'general';
  const propertyId = overrides.propertyId ?? 'harbour-view';
  const policy = await getHazardPolicy(db, propertyId, severity);
  if (!policy) throw new Error(`no hazard policy for ${severity}`);
  const hazardId = overrides.hazardId ?? `HZ-20261201-${randomUUID().slice(0, 8)}`;
  const input: HazardInput = {
    hazardId,
    propertyId,
    location: { commonArea: 'B1 car park, exit 2' },
    severity,
    description: 'fire door propped open with a wedge',
    photos: ['https://photos.example/door.jpg'],
    source: { kind: 'staff' },
    createdBy: await actor(db, 'security.zhao'),
    ...overrides,
    policy: toHazardPolicySnapshot(policy),
  };
  return client.workflow.start('hazardWorkflow', { workflowId: hazardWorkflowId(hazardId), taskQueue, args: [input] });
}

/** Poll the hazard's state until `predicate` holds. */
export function waitForHazard(handle: WorkflowHandle, predicate: (s: HazardState) => boolean, what = 'state'): Promise<HazardState> {
  return eventually(
    () => handle.query(hazardQuery),
    predicate,
    what,
    (last) => `last status ${last?.status}, timeline ${last?.timeline.map((t) => t.action).join(', ')}`,
  );
}

/** Take a step and read the hazard back. */
export const hazardStep = stepThenRead(hazardQuery);
