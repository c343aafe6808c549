/** Helpers for incident workflow tests: declare incidents and drills the way the API does. */
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { currentPlanSnapshot } from '../../db/emergency.js';
import type { Db } from '../../db/index.js';
import { listBuildings } from '../../db/reference.js';
import { parseIsoDuration } from '../../domain/durations.js';
import type { IncidentType, PlanContent, ResponseRole } from '../../domain/emergency.js';
import { acknowledgeUpdate, completeStepUpdate, incidentQuery, incidentWorkflowId, skipStepUpdate, type IncidentInput, type IncidentState } from '../../workflows/incident.contract.js';
import { eventually, stepThenRead } from './processes.js';
import { actor } from './work-orders.js';

/** The ID of a demo building by name. */
export async function buildingId(db: Db, name: string, propertyId = 'harbour-view'): Promise<string> {
  const b = (await listBuildings(db, propertyId)).find((x) => x.name === name);
  if (!b) throw new Error(`no building ${name}`);
  return b.id;
}

/** Declare an incident (or drill) with the property's current plan for its type, as the API does. */
export async function declareIncident(
  client: Client,
  taskQueue: string,
  db: Db,
  overrides: Partial<Omit<IncidentInput, 'plan'>> & { incidentType?: IncidentType } = {},
): Promise<WorkflowHandle> {
  const propertyId = overrides.propertyId ?? 'harbour-view';
  const incidentType = overrides.incidentType ?? 'flood';
  const plan = await currentPlanSnapshot(db, propertyId, incidentType);
  if (!plan) throw new Error(`no ${incidentType} plan`);
  const incidentId = overrides.incidentId ?? `EM-20261201-${randomUUID().slice(0, 8)}`;
  const input: IncidentInput = {
    incidentId,
    propertyId,
    kind: 'incident',
    incidentType,
    severity: 'major',
    buildingIds: [await buildingId(db, 'Building 1', propertyId)],
    unitIds: [],
    attributes: { cause: 'burst_pipe' },
    description: 'water pouring from the riser on floor 15',
    createdBy: await actor(db, 'security.zhao'),
    ...overrides,
    plan,
  };
  return client.workflow.start('incidentWorkflow', { workflowId: incidentWorkflowId(incidentId), taskQueue, args: [input] });
}

/** A plan's content with every minute a second (PT30M becomes PT30S), for tests on the real dev server. */
export function minutesAsSeconds(c: PlanContent): PlanContent {
  const scaled = (d: string) => `PT${parseIsoDuration(d) / 60_000}S`;
  return {
    ...c,
    roles: c.roles.map((r) => ({ ...r, ackWithin: scaled(r.ackWithin) })),
    steps: c.steps.map((st) => ({ ...st, deadline: scaled(st.deadline) })),
    escalateEvery: scaled(c.escalateEvery),
    updateEvery: scaled(c.updateEvery),
    reviewWithin: scaled(c.reviewWithin),
    drillTarget: scaled(c.drillTarget),
  };
}

/** Poll the incident's state until `predicate` holds. */
export function waitForIncident(handle: WorkflowHandle, predicate: (s: IncidentState) => boolean, what = 'state', withinMs?: number): Promise<IncidentState> {
  return eventually(
    () => handle.query(incidentQuery),
    predicate,
    what,
    (last) => (last ? `last status ${last.status}, timeline ${last.timeline.map((t) => t.action).join(', ')}` : ''),
    withinMs,
  );
}

/** Take a step and read the incident back. */
export const incidentStep = stepThenRead(incidentQuery);

/** Who answers each page in the demo roster. */
export const demoHolders: Record<ResponseRole, string> = {
  commander: 'manager.zhou',
  on_site_lead: 'dispatcher.zhang',
  engineering: 'tech.chen',
  security: 'security.zhao',
  communications: 'frontdesk.li',
};

/** Every role acknowledges its page, one after the other. */
export async function acknowledgeAllPages(h: WorkflowHandle, db: Db): Promise<void> {
  for (const [role, username] of Object.entries(demoHolders) as [ResponseRole, string][]) {
    await h.executeUpdate(acknowledgeUpdate, { args: [{ actor: await actor(db, username), role }] });
  }
}

/** Everything the demo flood plan needs done for a burst pipe, in an order its dependencies allow. */
export async function workThroughFlood(h: WorkflowHandle, db: Db): Promise<void> {
  const by: Record<string, string> = { 'shut-riser-valve': 'tech.chen', 'isolate-power': 'tech.liu', cordon: 'security.zhao', 'notify-owners': 'frontdesk.li', 'pump-out': 'tech.chen', 'incident-record': 'dispatcher.zhang' };
  for (const [step, username] of Object.entries(by)) await h.executeUpdate(completeStepUpdate, { args: [{ actor: await actor(db, username), step }] });
  await h.executeUpdate(skipStepUpdate, { args: [{ actor: await actor(db, 'dispatcher.zhang'), step: 'temporary-support', reason: 'no household had to leave home' }] });
}
