/**
 * One repair order's closed loop, three ways: through the HTTP API (the product), through
 * the Temporal client against the real workflow (what the API's Temporal calls cost on
 * their own), and through the client against the bare workflow (Temporal's own ceiling).
 * Each call goes through `time(op, fn)`, so the same flows serve the throughput and the
 * latency measurements. Between create and accept a loop waits for the assignment message
 * (the worker's webhook, or the bare worker's report), as a technician acts on the push.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { setTimeout as delay } from 'node:timers/promises';
import { getSlaPolicy } from '../db/reference.js';
import { allocateWorkOrderId } from '../db/work-orders.js';
import type { WorkOrderCategory } from '../domain/categories.js';
import { toPolicySnapshot, type SlaPolicySnapshot } from '../domain/sla-policy.js';
import {
  acceptUpdate,
  arriveUpdate,
  completeUpdate,
  revisitUpdate,
  workOrderQuery,
  workOrderWorkflowId,
  type WorkOrderInput,
} from '../workflows/work-order.contract.js';
import { bareAcceptUpdate, bareArriveUpdate, bareCompleteUpdate, bareRevisitUpdate, bareStatusQuery, type BareOrderInput } from './bare-workflows.js';
import { taskQueues, type BenchUser, type Stack } from './stack.js';

/** The calls a loop makes. */
export type Op = 'create' | 'get' | 'list' | 'accept' | 'arrive' | 'complete' | 'revisit';
/** Runs one call, possibly timing it. */
export type Timer = <T>(op: Op, fn: () => Promise<T>) => Promise<T>;
/** A timer that only runs the call. */
export const untimed: Timer = (_op, fn) => fn();

/**
 * How one flow runs a whole order. `inspect` makes it a person's pace: a moment after the
 * assignment message the order is opened (get) and the list looked at, then accepted, then
 * opened and listed again; so each get, list and accept finds the workflow at rest, as it
 * would between a person's taps, on either path.
 */
export type OrderFlow = (time: Timer, inspect: boolean) => Promise<string>;

/** How long a person takes between the push and opening the order. */
const thinkMs = 200;

/** The property and category every bench order is raised for (seeded: respond 1 h, so no SLA fires during a loop). */
export const benchProperty = 'harbour-view';
export const benchCategory = 'water';
/** The category of the open backlog in the escalation measurement (seeded: respond within a day, so none falls due in a run). */
export const backlogCategory = 'hvac';
/** The message that tells the technician the job is theirs; the loop goes on when it arrives. */
const assigned = 'work-order.assigned';

/** An HTTP response the bench did not expect. */
class UnexpectedResponse extends Error {
  override name = 'UnexpectedResponse';
}

/** A JSON call to the API as one of the bench users; throws unless the status is `expect`. */
export async function apiCall<T = any>(stack: Stack, method: 'GET' | 'POST', path: string, user: BenchUser, body?: unknown, expect = 200): Promise<T> {
  const res = await fetch(`${stack.apiBase}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.tokens[user]}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status !== expect) throw new UnexpectedResponse(`${method} ${path} answered ${res.status}, expected ${expect}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** The technician the automatic dispatch chose: the recipient of the assignment message. */
async function assignee(stack: Stack, orderId: string): Promise<BenchUser> {
  const message = await stack.receiver.arrival(orderId, assigned);
  return message?.recipientId === stack.staff['tech.liu'].id ? 'tech.liu' : 'tech.chen';
}

/** The loop through the HTTP API, as staff would drive it: front desk registers, the assignee works it, front desk calls back. */
export function apiFlow(stack: Stack): OrderFlow {
  let n = 0;
  return async (time, inspect) => {
    n += 1;
    const created = await time('create', () =>
      apiCall(stack, 'POST', '/v1/work-orders', 'frontdesk.li', {
        propertyId: benchProperty,
        location: { commonArea: `Bench corridor ${n}` },
        category: benchCategory,
        channel: 'phone',
        description: 'Water dripping from the corridor ceiling',
        reporter: { name: 'Owner Bench', phone: '13800000000' },
      }, 201),
    );
    const id = created.id as string;
    const tech = await assignee(stack, id);
    const look = async () => {
      await time('get', () => apiCall(stack, 'GET', `/v1/work-orders/${id}`, tech));
      await time('list', () => apiCall(stack, 'GET', `/v1/work-orders?propertyId=${benchProperty}&limit=50`, 'dispatcher.zhang'));
    };
    if (inspect) {
      await delay(thinkMs);
      await look();
    }
    await time('accept', () => apiCall(stack, 'POST', `/v1/work-orders/${id}/accept`, tech, {}));
    if (inspect) await look();
    await time('arrive', () => apiCall(stack, 'POST', `/v1/work-orders/${id}/arrive`, tech, {}));
    await time('complete', () => apiCall(stack, 'POST', `/v1/work-orders/${id}/complete`, tech, { summary: 'Resealed the joint' }));
    const closed = await time('revisit', () => apiCall(stack, 'POST', `/v1/work-orders/${id}/revisit`, 'frontdesk.li', { satisfied: true, score: 5 }));
    if (closed.status !== 'closed') throw new Error(`order ${id} is ${closed.status} after the revisit`);
    return created.workflowId as string;
  };
}

/** The property's current policy for the bench category, as the API would put it into an order. */
export async function benchPolicy(stack: Stack, category: WorkOrderCategory = benchCategory): Promise<SlaPolicySnapshot> {
  const row = await getSlaPolicy(stack.db.db, benchProperty, category);
  if (!row) throw new Error(`the seed has no ${category} policy`);
  return toPolicySnapshot(row);
}

/** A work order's input as the API builds it, with an order number from the same sequence. */
export async function orderInput(stack: Stack, policy: SlaPolicySnapshot, label: string, category: WorkOrderCategory = benchCategory): Promise<WorkOrderInput> {
  const clerk = stack.staff['frontdesk.li'];
  return {
    orderId: await allocateWorkOrderId(stack.db.db, 'Asia/Shanghai'),
    propertyId: benchProperty,
    location: { commonArea: `Bench ${label}` },
    category,
    priority: 'normal',
    channel: 'phone',
    description: category === benchCategory ? 'Water dripping from the corridor ceiling' : `Bench order (${category})`,
    photos: [],
    createdBy: { id: clerk.id, role: clerk.role, name: clerk.name },
    policy,
  };
}

/** Start the real workflow with the options the API uses. */
export function startOrder(client: Client, input: WorkOrderInput): Promise<WorkflowHandle> {
  return client.workflow.start('workOrderWorkflow', {
    workflowId: workOrderWorkflowId(input.orderId),
    taskQueue: taskQueues.real,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'REJECT_DUPLICATE',
  });
}

/** The same loop with the Temporal calls the API makes, straight from the client (no HTTP, no database reads). */
export function directFlow(stack: Stack, policy: SlaPolicySnapshot): OrderFlow {
  const actor = (u: BenchUser) => ({ id: stack.staff[u].id, role: stack.staff[u].role, name: stack.staff[u].name });
  let n = 0;
  return async (time, inspect) => {
    n += 1;
    const input = await orderInput(stack, policy, `direct ${n}`);
    const handle = await time('create', async () => {
      const h = await startOrder(stack.client, input);
      await h.query(workOrderQuery);
      return h;
    });
    const tech = await assignee(stack, input.orderId);
    const look = async () => {
      await time('get', () => handle.query(workOrderQuery));
      await time('list', () =>
        stack.client.workflowService.listWorkflowExecutions({ namespace: stack.client.options.namespace, pageSize: 50, query: `PropertyId = '${benchProperty}'` }),
      );
    };
    if (inspect) {
      await delay(thinkMs);
      await look();
    }
    await time('accept', () => handle.executeUpdate(acceptUpdate, { args: [{ actor: actor(tech) }] }));
    if (inspect) await look();
    await time('arrive', () => handle.executeUpdate(arriveUpdate, { args: [{ actor: actor(tech) }] }));
    await time('complete', () => handle.executeUpdate(completeUpdate, { args: [{ actor: actor(tech), summary: 'Resealed the joint', materials: [], photos: [] }] }));
    const closed = await time('revisit', () => handle.executeUpdate(revisitUpdate, { args: [{ actor: actor('frontdesk.li'), satisfied: true, score: 5 }] }));
    if (closed.status !== 'closed') throw new Error(`order ${input.orderId} is ${closed.status} after the revisit`);
    return handle.workflowId;
  };
}

/** The bare workflow's loop from the client: start (and read it, as the API's create does), wait for its dispatch, four updates. */
export function bareFlow(stack: Stack, runId: string): OrderFlow {
  let n = 0;
  return async (time) => {
    n += 1;
    const input: BareOrderInput = { timerMs: 60 * 60_000 };
    const workflowId = `bare-order:${runId}-${n}`;
    const handle = await time('create', async () => {
      const h = await stack.client.workflow.start('bareOrderWorkflow', {
        workflowId,
        taskQueue: taskQueues.bare,
        args: [input],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
      await h.query(bareStatusQuery);
      return h;
    });
    await stack.receiver.arrival(workflowId, assigned);
    await time('accept', () => handle.executeUpdate(bareAcceptUpdate));
    await time('arrive', () => handle.executeUpdate(bareArriveUpdate));
    await time('complete', () => handle.executeUpdate(bareCompleteUpdate));
    const closed = await time('revisit', () => handle.executeUpdate(bareRevisitUpdate));
    if (closed !== 'closed') throw new Error(`bare order ${handle.workflowId} is ${closed} after the revisit`);
    return handle.workflowId;
  };
}
