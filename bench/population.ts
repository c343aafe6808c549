/**
 * Open orders that stay open: the population the escalation and memory measurements run
 * against. Real orders are started straight from the client (as the API would start them, with
 * the property's stored policy) and run the real workflow on the real worker; each counts as
 * open once its automatic dispatch has sent the assignment message. Bare ones are timer
 * workflows with the same wake-ups. Both grow cumulatively across the sizes measured.
 */
import type { Client } from '@temporalio/client';
import type { SlaPolicySnapshot } from '../domain/sla-policy.js';
import { bareWokenQuery, type BareTimersInput } from './bare-workflows.js';
import { backlogCategory, orderInput, startOrder } from './orders.js';
import { round } from './stats.js';
import { taskQueues, type Stack } from './stack.js';

/** How many creations are in flight at once. */
const inFlight = 32;
/** Escalation level 2 comes this long after the deadline (the seeded chain): never within a run. */
const level2AfterMs = 30 * 60_000;

/** One order to open: by default on the stored policy, or with a respond deadline at a chosen instant. */
export interface OpenSpec {
  deadline?: number;
  /** The deadline is moved to at least this long after the order opens (when opening falls behind). */
  minLeadMs?: number;
  /** The warning comes this long before the deadline, rather than at the policy's share of the respond time. */
  warnLeadMs?: number;
}

/** The warn ratio that puts an order's warning `spec.warnLeadMs` before its deadline, `respondMs` from now. */
function warnRatioOf(spec: OpenSpec, respondMs: number, policyRatio: number): number {
  if (spec.warnLeadMs === undefined || respondMs <= spec.warnLeadMs) return policyRatio;
  return 1 - spec.warnLeadMs / respondMs;
}

/** How fast a batch of orders was opened, and the respond deadlines they got (epoch ms). */
export interface Opened {
  workflowIds: string[];
  deadlines: number[];
  seconds: number;
  perSecond: number;
}

/** The respond deadline an order opened now gets under `spec`. */
function deadlineOf(spec: OpenSpec, respondMs: number): number {
  const now = Date.now();
  if (spec.deadline === undefined) return now + respondMs;
  return Math.max(spec.deadline, now + (spec.minLeadMs ?? 1000));
}

/** A long batch says how far it got this often. */
const progressEvery = 2000;

async function inBatches(count: number, open: (i: number) => Promise<[string, number]>, say: (line: string) => void, what: string): Promise<Opened> {
  const ids: string[] = new Array<string>(count);
  const deadlines: number[] = new Array<number>(count);
  let next = 0;
  let done = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(inFlight, count) }, async () => {
      while (next < count) {
        const i = next++;
        [ids[i], deadlines[i]] = await open(i);
        done += 1;
        if (done % progressEvery === 0 && done < count) {
          say(`    ${done} of ${count} ${what} open (${round(done / ((performance.now() - t0) / 1000), 1)}/s)`);
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return { workflowIds: ids, deadlines, seconds: round(seconds, 1), perSecond: round(count / seconds, 1) };
}

/** Real open orders on the real worker: the backlog on its stored policy, the sample on another with its respond time set. */
export class RealPopulation {
  readonly workflowIds: string[] = [];
  constructor(
    private readonly stack: Stack,
    private readonly policies: { backlog: SlaPolicySnapshot; sample: SlaPolicySnapshot },
    private readonly say: (line: string) => void,
  ) {}

  /** Open `specs.length` orders and wait until each has been dispatched. */
  async open(specs: OpenSpec[]): Promise<Opened> {
    const opened = await inBatches(specs.length, async (i) => {
      const spec = specs[i]!;
      const { backlog, sample } = this.policies;
      const label = `open ${this.workflowIds.length + i}`;
      const input = spec.deadline === undefined ? await orderInput(this.stack, backlog, label, backlogCategory) : await orderInput(this.stack, sample, label);
      const deadline = deadlineOf(spec, backlog.respondMs);
      if (spec.deadline !== undefined) {
        const respondMs = Math.round(deadline - Date.now());
        input.policy = { ...sample, respondMs, warnRatio: warnRatioOf(spec, respondMs, sample.warnRatio) };
      }
      const handle = await startOrder(this.stack.client, input);
      await this.stack.receiver.arrival(input.orderId, 'work-order.assigned', 600_000);
      return [handle.workflowId, deadline];
    }, this.say, 'orders');
    this.workflowIds.push(...opened.workflowIds);
    return opened;
  }
}

/** Bare timer workflows with the same wake-ups as real orders: warning, deadline, level 2. */
export class BarePopulation {
  readonly workflowIds: string[] = [];
  private n = 0;
  constructor(
    private readonly client: Client,
    private readonly runId: string,
    private readonly respondMs: number,
    private readonly warnRatio: number,
    private readonly say: (line: string) => void,
  ) {}

  /** Start `specs.length` timer workflows, each open once its first timer is set. */
  async open(specs: OpenSpec[]): Promise<Opened> {
    const opened = await inBatches(specs.length, async (i) => {
      const now = Date.now();
      const spec = specs[i]!;
      const deadline = deadlineOf(spec, this.respondMs);
      const warnRatio = warnRatioOf(spec, deadline - now, this.warnRatio);
      const input: BareTimersInput = {
        wakeUps: [
          ...(warnRatio > 0 ? [{ at: Math.round(now + warnRatio * (deadline - now)), label: 'warning' }] : []),
          { at: deadline, label: 'deadline' },
          { at: deadline + level2AfterMs, label: 'level 2' },
        ],
      };
      this.n += 1;
      const handle = await this.client.workflow.start('bareTimersWorkflow', {
        workflowId: `bare-timers:${this.runId}-${this.n}`,
        taskQueue: taskQueues.bare,
        args: [input],
      });
      // Open once its first workflow task has run and set the timer, as a real order counts as open once dispatched.
      await handle.query(bareWokenQuery);
      return [handle.workflowId, deadline];
    }, this.say, 'bare timer workflows');
    this.workflowIds.push(...opened.workflowIds);
    return opened;
  }
}
