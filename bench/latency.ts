/**
 * Measurement 2, API latency under a steady load: orders arrive at a fixed rate (half the
 * closed-loop maximum) and each runs its whole loop, every other one through the HTTP API and
 * the rest through the client straight to Temporal, so both kinds of call see the same load
 * at the same moments. Each loop times create, get, list and the four actions. Before it, the
 * projection is filled to `projectionRows` orders so that the list reads a table of that size.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { benchProperty, apiFlow, directFlow, type Op, type OrderFlow, type Timer } from './orders.js';
import { cpuBetween, cpuSnapshot } from './proc.js';
import { percentiles, round, type Percentiles } from './stats.js';
import type { Stack } from './stack.js';
import type { SlaPolicySnapshot } from '../domain/sla-policy.js';

/** Latencies (ms) per call of loops run one at a time on an otherwise idle stack. */
export interface RestingLatency {
  loops: number;
  api: Partial<Record<Op, Percentiles>>;
  direct: Partial<Record<Op, Percentiles>>;
}

/** Latencies (ms) per call, through the API and straight to Temporal. */
export interface LatencyResult {
  ratePerSecond: number;
  seconds: number;
  sessions: { api: number; direct: number; failed: number };
  firstErrors: string[];
  projectionRows: number;
  api: Partial<Record<Op, Percentiles>>;
  direct: Partial<Record<Op, Percentiles>>;
  cpuSeconds: Record<string, number>;
  /** The same loops one at a time before the load: what a call costs when nothing waits for the CPU. */
  atRest?: RestingLatency;
  workflowIds: string[];
}

/** Collects each call's time per operation. */
function recorder(): { time: Timer; summary: () => Partial<Record<Op, Percentiles>> } {
  const samples = new Map<Op, number[]>();
  return {
    time: async (op, fn) => {
      const start = performance.now();
      const result = await fn();
      const list = samples.get(op) ?? [];
      list.push(performance.now() - start);
      samples.set(op, list);
      return result;
    },
    summary: () => Object.fromEntries([...samples.entries()].map(([op, v]) => [op, percentiles(v, 1)])),
  };
}

/**
 * Fill the work-order projection with closed orders of the past year up to `rows` in all,
 * as a site with a few years of history has them (two technicians, every category's mix).
 */
export async function fillProjection(stack: Stack, rows: number): Promise<number> {
  const { rows: existing } = await stack.admin.query<{ n: number }>('SELECT count(*)::int AS n FROM work_orders');
  const missing = rows - (existing[0]?.n ?? 0);
  if (missing > 0) {
    const techs = [stack.staff['tech.chen'], stack.staff['tech.liu']];
    await stack.admin.query(
      `INSERT INTO work_orders (id, workflow_id, property_id, unit_code, category, priority, channel, description,
         status, assignee_id, assignee_name, assignment_round, rectifications, escalation_level, next_deadline,
         satisfaction, created_by_id, created_at, updated_at, closed_at, seq)
       SELECT 'WO-' || to_char(t.created, 'YYYYMMDD') || '-H' || lpad(g::text, 7, '0'), 'work-order:WO-' || to_char(t.created, 'YYYYMMDD') || '-H' || lpad(g::text, 7, '0'),
         $1, '1-' || (100 + g % 900), (ARRAY['water','electricity','elevator','doors_windows','public_area','cleaning'])[1 + g % 6],
         CASE WHEN g % 50 = 0 THEN 'urgent' ELSE 'normal' END, 'phone', 'Earlier repair ' || g,
         CASE WHEN g % 40 = 0 THEN 'cancelled' ELSE 'closed' END,
         CASE WHEN g % 2 = 0 THEN $2 ELSE $3 END, CASE WHEN g % 2 = 0 THEN $4 ELSE $5 END, 1, (g % 17 = 0)::int, (g % 23 = 0)::int, NULL,
         CASE WHEN g % 40 = 0 THEN NULL ELSE 3 + g % 3 END, $6, t.created, t.created + interval '2 days', t.created + interval '2 days', 6
       FROM generate_series(1, $7::int) AS g, LATERAL (SELECT now() - interval '366 days' + (g * interval '365 days') / $7::int AS created) AS t`,
      [benchProperty, techs[0]!.id, techs[1]!.id, techs[0]!.name, techs[1]!.name, stack.staff['frontdesk.li'].id, missing],
    );
    await stack.admin.query('ANALYZE work_orders');
  }
  const { rows: after } = await stack.admin.query<{ n: number }>('SELECT count(*)::int AS n FROM work_orders');
  return after[0]?.n ?? 0;
}

/** Run loops at `ratePerSecond` for `seconds`, alternating API and direct, and wait for the last to finish. */
export async function steadyLoad(stack: Stack, policy: SlaPolicySnapshot, ratePerSecond: number, seconds: number, projectionRows: number): Promise<LatencyResult> {
  const samples = { api: recorder(), direct: recorder() };
  const flows: Record<'api' | 'direct', OrderFlow> = { api: apiFlow(stack), direct: directFlow(stack, policy) };
  const sessions = { api: 0, direct: 0, failed: 0 };
  const errors: string[] = [];
  const ids: string[] = [];
  const running: Promise<void>[] = [];
  const intervalMs = 1000 / ratePerSecond;
  const cpuBefore = cpuSnapshot(stack.measured);
  const t0 = performance.now();
  for (let i = 0; performance.now() - t0 < seconds * 1000; i++) {
    const mode = i % 2 === 0 ? 'api' : 'direct';
    running.push(
      flows[mode](samples[mode].time, true).then(
        (id) => {
          sessions[mode] += 1;
          ids.push(id);
        },
        (err: unknown) => {
          sessions.failed += 1;
          errors.push(err instanceof Error ? err.message : String(err));
        },
      ),
    );
    // A fixed schedule, not "interval after the last one": a slow call does not lower the load.
    const next = t0 + (i + 1) * intervalMs;
    await delay(Math.max(0, next - performance.now()));
  }
  await Promise.all(running);
  const cpu = cpuBetween(cpuBefore, cpuSnapshot(stack.measured));
  return {
    ratePerSecond: round(ratePerSecond, 2),
    seconds,
    sessions,
    firstErrors: errors.slice(0, 3),
    projectionRows,
    api: samples.api.summary(),
    direct: samples.direct.summary(),
    cpuSeconds: cpu,
    workflowIds: ids,
  };
}

/**
 * The same loops, one at a time and alternating API and direct, before any load: the calls
 * never wait for a busy core, so the difference is what the API itself adds to each call.
 */
export async function restingLatency(stack: Stack, policy: SlaPolicySnapshot, loops: number): Promise<RestingLatency & { workflowIds: string[] }> {
  const samples = { api: recorder(), direct: recorder() };
  const flows: Record<'api' | 'direct', OrderFlow> = { api: apiFlow(stack), direct: directFlow(stack, policy) };
  const workflowIds: string[] = [];
  for (let i = 0; i < loops; i++) {
    for (const mode of ['api', 'direct'] as const) workflowIds.push(await flows[mode](samples[mode].time, true));
  }
  return { loops, api: samples.api.summary(), direct: samples.direct.summary(), workflowIds };
}
