/** Helpers for work-order workflow tests: a worker over real activities and a way to open orders. */
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { pino } from 'pino';
import { createActivities } from '../../activities/index.js';
import type { Notifier, OutboundMessage } from '../../activities/notifier.js';
import { saveContact } from '../../db/contacts.js';
import type { Db } from '../../db/index.js';
import { findStaffByUsername, getSlaPolicy } from '../../db/reference.js';
import { toPolicySnapshot } from '../../domain/sla-policy.js';
import type { Role } from '../../domain/roles.js';
import { workOrderQuery, workOrderWorkflowId, type WorkOrderInput, type WorkOrderState } from '../../workflows/work-order.contract.js';
import { eventually, stepThenRead } from './processes.js';
import { testWorker } from './temporal.js';

/** A notifier that keeps what it was asked to send, for assertions. */
export function recordingNotifier(): Notifier & { sent: OutboundMessage[] } {
  const sent: OutboundMessage[] = [];
  return {
    name: 'log',
    sent,
    send(message) {
      sent.push(message);
      return Promise.resolve();
    },
  };
}

export const silentLogger = pino({ level: 'silent' });

export interface WorkerSetup {
  notifier?: Notifier;
  /** Replace or wrap activities (e.g. to inject a failure). */
  wrap?: (a: ReturnType<typeof createActivities>) => object;
  /** Reuse a task queue (a second worker taking over from a stopped one). */
  taskQueue?: string;
}

/** A worker running the real workflows and activities over `db`. */
export async function workOrderWorker(env: TestWorkflowEnvironment, db: Db, setup: WorkerSetup = {}): Promise<Worker> {
  const activities = createActivities({ db, notifier: setup.notifier ?? recordingNotifier(), logger: silentLogger });
  return testWorker(env, { activities: setup.wrap ? setup.wrap(activities) : activities, ...(setup.taskQueue ? { taskQueue: setup.taskQueue } : {}) });
}

/** The actor a demo username acts as. */
export async function actor(db: Db, username: string): Promise<{ id: string; role: Role; name: string }> {
  const person = await findStaffByUsername(db, username);
  if (!person) throw new Error(`no staff member ${username}`);
  return { id: person.id, role: person.role as Role, name: person.name };
}

let counter = 0;
/** Start a work order the way the API does, with the property's current policy for the category. */
export async function openOrder(
  client: Client,
  taskQueue: string,
  db: Db,
  overrides: Partial<WorkOrderInput> = {},
  reporter: { name: string; phone?: string } = { name: 'Owner Huang', phone: '13800000101' },
): Promise<WorkflowHandle> {
  const category = overrides.category ?? 'water';
  const propertyId = overrides.propertyId ?? 'harbour-view';
  const policy = await getSlaPolicy(db, propertyId, category);
  if (!policy) throw new Error(`no policy for ${category}`);
  counter += 1;
  const orderId = overrides.orderId ?? `WO-20261121-${String(counter).padStart(4, '0')}${randomUUID().slice(0, 4)}`;
  const input: WorkOrderInput = {
    orderId,
    propertyId,
    location: { commonArea: 'B1 car park' },
    category,
    priority: 'normal',
    channel: 'phone',
    description: 'water leaking from the ceiling',
    photos: [],
    createdBy: await actor(db, 'frontdesk.li'),
    policy: toPolicySnapshot(policy),
    ...overrides,
  };
  // As the API does: the reporter's contact goes to PostgreSQL, never into the workflow.
  await saveContact(db, workOrderWorkflowId(orderId), propertyId, reporter);
  return client.workflow.start('workOrderWorkflow', { workflowId: workOrderWorkflowId(orderId), taskQueue, args: [input] });
}

/** Poll the workflow's state until `predicate` holds (activities run asynchronously to the test). */
export function waitForState(handle: WorkflowHandle, predicate: (s: WorkOrderState) => boolean, what = 'state'): Promise<WorkOrderState> {
  return eventually(
    () => handle.query(workOrderQuery),
    predicate,
    what,
    (last) => `last status ${last?.status}, timeline ${last?.timeline.map((t) => t.action).join(', ')}`,
  );
}

/** Replay fixtures are kept the same way for every process. */
export { saveFixture } from './processes.js';

/** Take a step and read the order back (updates return only a StepOutcome). */
export const orderStep = stepThenRead(workOrderQuery);
