/**
 * The bare comparison workflows: the shape of a work order with nothing of ours in it. The
 * same updates, the same one-timer-at-a-time loop and the same number of activity calls as
 * the real happy path, but every activity is empty and the state is a status string. What
 * Temporal itself costs for that shape on this machine is the ceiling the bench compares to.
 * The same holds for a maintenance plan and its task (barePlanWorkflow, bareTaskWorkflow).
 * Deterministic workflow code: only @temporalio/workflow.
 */
import {
  ApplicationFailure,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineUpdate,
  proxyActivities,
  setHandler,
  sleep,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import type { BareActivities } from './bare-activities.js';

/** Where a bare order stands (the real status union, cut down to the happy path). */
export type BareStatus = 'received' | 'dispatched' | 'accepted' | 'on_site' | 'completed' | 'closed';

/** The bare order's status, as the bench polls it for the automatic dispatch. */
export const bareStatusQuery = defineQuery<BareStatus>('state');
/** Take the job (the real `accept`). */
export const bareAcceptUpdate = defineUpdate<BareStatus>('accept');
/** On site (the real `arrive`). */
export const bareArriveUpdate = defineUpdate<BareStatus>('arrive');
/** Work done (the real `complete`, which reads the policy first). */
export const bareCompleteUpdate = defineUpdate<BareStatus>('complete');
/** Owner satisfied: closes (the real `revisit`). */
export const bareRevisitUpdate = defineUpdate<BareStatus>('revisit');

// The same retry policies as the real workflow's activities.
const { step, pick, policy } = proxyActivities<BareActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});
const { deliver, wake } = proxyActivities<BareActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', maximumInterval: '5 minutes', backoffCoefficient: 2, maximumAttempts: 8 },
});

/** Input of a bare order: how long each turn of its loop may sleep (the real one sleeps to the nearest SLA deadline). */
export interface BareOrderInput {
  timerMs: number;
}

/**
 * A repair order's happy path with empty activities: receive, automatic dispatch, accept,
 * arrive, complete, revisit → closed. Each step is one activity call (two for complete), a
 * notified step starts a background delivery, and the loop keeps one timer that every
 * change cancels and starts again, as the real SLA loop does.
 */
export async function bareOrderWorkflow(input: BareOrderInput): Promise<BareStatus> {
  let status: BareStatus = 'received';
  let changes = 0;
  const deliveries: Promise<unknown>[] = [];
  const record = async (template?: string) => {
    changes += 1;
    await step();
    if (template) deliveries.push(deliver({ template }).catch(() => undefined));
  };
  const from = (action: string, expected: BareStatus) => () => {
    if (status !== expected) {
      throw ApplicationFailure.create({ type: 'IllegalTransition', message: `cannot ${action} from ${status}`, nonRetryable: true });
    }
  };

  setHandler(bareStatusQuery, () => status);
  setHandler(bareAcceptUpdate, async () => {
    status = 'accepted';
    await record();
    return status;
  }, { validator: from('accept', 'dispatched') });
  setHandler(bareArriveUpdate, async () => {
    status = 'on_site';
    await record();
    return status;
  }, { validator: from('arrive', 'accepted') });
  setHandler(bareCompleteUpdate, async () => {
    await policy();
    status = 'completed';
    await record('work-order.completed');
    return status;
  }, { validator: from('complete', 'on_site') });
  setHandler(bareRevisitUpdate, async () => {
    status = 'closed';
    await record('work-order.closed');
    return status;
  }, { validator: from('revisit', 'completed') });

  await record();
  await pick();
  status = 'dispatched';
  await record('work-order.assigned');
  const open = () => status !== 'closed';
  while (open()) {
    const seen = changes;
    await condition(() => changes !== seen, input.timerMs);
  }
  await condition(allHandlersFinished);
  await Promise.all(deliveries);
  return status;
}

/** How many wake-ups a bare timer workflow has had; answering it at all means its first timer is set. */
export const bareWokenQuery = defineQuery<number>('woken');

/** Input of a bare timer workflow: absolute wake-up times (epoch ms), each with a label the bench reads back. */
export interface BareTimersInput {
  wakeUps: { at: number; label: string }[];
}

/**
 * Open-order timers with nothing else: sleep to each absolute time in turn (one timer at a
 * time, like the SLA loop) and report the wake-up through an activity. After the last one
 * the workflow stays open, as a real order waits for its next escalation level.
 */
export async function bareTimersWorkflow(input: BareTimersInput): Promise<void> {
  let woken = 0;
  setHandler(bareWokenQuery, () => woken);
  for (const { at, label } of input.wakeUps) {
    await sleep(Math.max(1, at - Date.now()));
    await wake({ label, at });
    woken += 1;
  }
  await condition(() => false);
}

/** Input of a bare plan: the one instant its occurrence falls due, and the label its task reports. */
export interface BarePlanInput {
  dueAt: number;
  label: string;
}

/**
 * A maintenance plan's engine with nothing of ours in it: sleep to the due time on one timer,
 * start the occurrence as an abandoned child, continue as new for the next round (which sleeps
 * a day, as a daily plan would).
 */
export async function barePlanWorkflow(input: BarePlanInput): Promise<void> {
  await sleep(Math.max(1, input.dueAt - Date.now()));
  await startChild(bareTaskWorkflow, {
    workflowId: `${workflowInfo().workflowId}:task`,
    args: [input],
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
  await continueAsNew<typeof barePlanWorkflow>({ dueAt: input.dueAt + 24 * 3_600_000, label: input.label });
}

/** A maintenance task with nothing of ours in it: report that it is open, then stay open. */
export async function bareTaskWorkflow(input: BarePlanInput): Promise<void> {
  await wake({ label: input.label, at: input.dueAt });
  await condition(() => false);
}
