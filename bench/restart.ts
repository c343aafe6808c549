/**
 * Measurement 6, restart. A few orders per side have their respond deadline a moment after
 * their worker is killed with SIGKILL and started again at once, so the deadlines pass while
 * no worker runs. Reported per side: the time from the SIGKILL to the first overdue escalation
 * the restarted worker fires (real: its sla_events row, `recorded_at`; bare: its wake-up
 * activity's own clock), and how many of the overdue escalations came once, late or never.
 * A worker that loads the prebuilt workflow bundle (npm run build) is up in about a second;
 * the rest is the server noticing the dead worker's sticky queue.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Populations } from './escalation.js';
import { round } from './stats.js';
import type { Stack } from './stack.js';

export interface RestartOptions {
  /** Orders per side whose deadline falls while the worker is down. */
  orders: number;
  /** How long after the kill an escalation may still come before it counts as lost (s). */
  graceSeconds: number;
}

export interface RestartSide {
  /** SIGKILL → the first overdue escalation fired by the restarted worker (ms). */
  killToFirstMs: number | null;
  /** SIGKILL → the last of them (ms). */
  killToLastMs: number | null;
  fired: number;
  lost: number;
}

export interface RestartResult {
  orders: number;
  real: RestartSide;
  bare: RestartSide;
}

/** The deadlines fall this long after the kill: before any new worker could be polling. */
const deadlineAfterKillMs = 300;

function side(firedAt: number[], killedAt: number, orders: number): RestartSide {
  const sorted = firedAt.map((t) => t - killedAt).sort((a, b) => a - b);
  return { killToFirstMs: sorted.length ? round(sorted[0]!, 0) : null, killToLastMs: sorted.length ? round(sorted[sorted.length - 1]!, 0) : null, fired: sorted.length, lost: orders - sorted.length };
}

/** One side: open the orders, kill the worker just before their deadlines, relaunch it, wait for the escalations. */
async function killBeforeDeadlines(
  s: Stack,
  worker: 'worker' | 'bare-worker',
  open: (deadline: number) => Promise<string[]>,
  fired: (ids: string[]) => Promise<number[]>,
  opts: RestartOptions,
): Promise<RestartSide> {
  // Deadlines far enough ahead for the opening, then the kill just before them.
  const deadline = Date.now() + 3_000 + opts.orders * 200;
  const ids = await open(deadline);
  await delay(Math.max(0, deadline - deadlineAfterKillMs - Date.now()));
  const { killedAt } = await s.killAndRelaunch(worker);
  let times: number[] = [];
  while (times.length < ids.length && Date.now() < killedAt + opts.graceSeconds * 1_000) {
    await delay(50);
    times = await fired(ids);
  }
  return side(times, killedAt, ids.length);
}

export async function restartToEscalation(s: Stack, pops: Populations, opts: RestartOptions, say: (line: string) => void): Promise<RestartResult> {
  say(`restart: ${opts.orders} orders per side fall due just after their worker is killed with SIGKILL and started again…`);
  const real = await killBeforeDeadlines(
    s,
    'worker',
    async (deadline) => (await pops.real.open(Array.from({ length: opts.orders }, () => ({ deadline, minLeadMs: 1_000 })))).workflowIds,
    async (ids) =>
      (
        await s.admin.query<{ at: Date }>(`SELECT recorded_at AS at FROM sla_events WHERE workflow_id = ANY($1) AND clock = 'respond' AND run = 1 AND level = 1`, [ids])
      ).rows.map((r) => r.at.getTime()),
    opts,
  );
  say(`  real: SIGKILL → first overdue escalation ${real.killToFirstMs} ms, last ${real.killToLastMs} ms (${real.lost} not within ${opts.graceSeconds} s)`);
  const bare = await killBeforeDeadlines(
    s,
    'bare-worker',
    async (deadline) => (await pops.bare.open(Array.from({ length: opts.orders }, () => ({ deadline, minLeadMs: 1_000 })))).workflowIds,
    async (ids) => {
      const wanted = new Set(ids);
      return s.receiver
        .wakes()
        .filter((w) => w.label === 'deadline' && wanted.has(w.workflowId))
        .map((w) => w.ranAt);
    },
    opts,
  );
  say(`  bare: SIGKILL → first overdue wake-up ${bare.killToFirstMs} ms, last ${bare.killToLastMs} ms (${bare.lost} not within ${opts.graceSeconds} s)`);
  return { orders: opts.orders, real, bare };
}
