/** Helpers for work-order workflow tests: a worker over real activities and a way to open orders. */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { pino } from 'pino';
import { createActivities } from '../../activities/index.js';
import type { Notifier, OutboundMessage } from '../../activities/notifier.js';
import type { Db } from '../../db/index.js';
import { findStaffByUsername, getSlaPolicy } from '../../db/reference.js';
import { toPolicySnapshot } from '../../domain/sla-policy.js';
import type { Role } from '../../domain/roles.js';
import { workOrderQuery, workOrderWorkflowId, type WorkOrderInput, type WorkOrderState } from '../../workflows/work-order.contract.js';
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
    reporter: { name: 'Owner Huang', phone: '13800000101' },
    createdBy: await actor(db, 'frontdesk.li'),
    policy: toPolicySnapshot(policy),
    ...overrides,
  };
  return client.workflow.start('workOrderWorkflow', { workflowId: workOrderWorkflowId(orderId), taskQueue, args: [input] });
}

/** Poll the workflow's state until `predicate` holds (activities run asynchronously to the test). */
export async function waitForState(handle: WorkflowHandle, predicate: (s: WorkOrderState) => boolean, what = 'state'): Promise<WorkOrderState> {
  let last: WorkOrderState | undefined;
  for (let i = 0; i < 200; i++) {
    last = await handle.query(workOrderQuery);
    if (predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}; last status ${last?.status}, timeline ${last?.timeline.map((t) => t.action).join(', ')}`);
}

const fixturesRoot = path.resolve('test/fixtures/histories');

/**
 * Export a finished workflow's history as a replay fixture (the JSON of
 * `temporal workflow show --output json`). Writes only when RECORD_FIXTURES=1, so a normal
 * run never rewrites committed fixtures.
 */
export async function saveFixture(handle: WorkflowHandle, kind: string, name: string): Promise<void> {
  if (!process.env.RECORD_FIXTURES) return;
  const history = await handle.fetchHistory();
  await mkdir(path.join(fixturesRoot, kind), { recursive: true });
  await writeFile(path.join(fixturesRoot, kind, `${name}.json`), `${historyToJSON(history)}\n`);
}
