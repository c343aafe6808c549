/**
 * Measurement 3, escalation lag. With `size` orders open (real ones, started straight from
 * the client on the stored policy, so their clocks run out an hour later), `sample` more are
 * opened whose respond deadlines fall at known instants, `rate` per second, in a window that
 * starts once they are all open. The lag is the time from each deadline to the escalation's
 * row in PostgreSQL (`sla_events.recorded_at - deadline`); the warnings before it (80 % of the
 * respond time, as the policy says) fire in the same window. Lost (no row within the grace
 * after the window) and duplicated escalations are counted in sla_events, the audit log, the
 * outbox and the messages the webhook received. Then the same population and sample as bare
 * timer workflows, whose wake-up activity reports when it ran. Each window also records where
 * the lag went (bench/stages.ts) and what the dev server did (bench/server-metrics.ts).
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { SlaPolicySnapshot } from '../domain/sla-policy.js';
import { BarePopulation, RealPopulation, type OpenSpec, type Opened } from './population.js';
import { cpuBetween, cpuSnapshot, rssMiB } from './proc.js';
import { statementsRead, statementsStart, type StatementProfile } from './profile.js';
import { fetchHistories } from './replay.js';
import { scrape, serverProfile, type ServerProfile } from './server-metrics.js';
import { stages, trace, type Stages } from './stages.js';
import { percentiles, round, type Percentiles } from './stats.js';
import type { Stack } from './stack.js';

/** What a lag measurement needs besides the stack. */
export interface EscalationPlan {
  sample: number;
  ratePerSecond: number;
  /** How long after the window's last deadline a missing escalation still counts as late rather than lost. */
  graceSeconds: number;
}

/** Counts that must be zero. */
export interface Integrity {
  lost: number;
  duplicated: number;
  /** Where each count was looked for. */
  checks: Record<string, number>;
}

/** One side (real or bare) at one population size. */
export interface LagSide {
  openBefore: number;
  /** How the population grew to the size (sample included), and how fast orders opened. */
  grew: { count: number; seconds: number; perSecond: number };
  /** Deadlines per second the window had (lower than planned when opening fell behind). */
  deadlinesPerSecond: number;
  /** Sample deadlines that came before the last order was open. */
  earlyDeadlines: number;
  /** Deadline → recorded escalation (ms). */
  lagMs: Percentiles;
  /** Warning due time → recorded warning (ms). */
  warningLagMs?: Percentiles;
  /** The lag in stages, traced through the workflow histories. */
  stages: Stages;
  /** Deadline → the escalation message at the webhook (ms), real only. */
  notifiedLagMs?: Percentiles;
  integrity: Integrity;
  cpuSeconds: Record<string, number>;
  /** The dev server during the window: task times, state cache misses, persistence. */
  server: ServerProfile;
  statements?: StatementProfile;
}

/** Both sides at one population size. */
export interface LagResult {
  openOrders: number;
  sample: number;
  ratePerSecond: number;
  real: LagSide;
  bare: LagSide;
  workerRssMiB?: number;
}

/** Either population: opens orders (or bare timer workflows) in the order given. */
interface Population {
  workflowIds: string[];
  open(specs: OpenSpec[]): Promise<Opened>;
}

/** How a population grew to a size, with the sample spread among the new orders. */
interface Grown {
  grew: LagSide['grew'];
  sampleIds: string[];
  deadlines: number[];
  /** Sample deadlines that fell before the last order was open (they fired while orders were still opening). */
  early: number;
}

/** A sample deadline is never earlier than this after its own order opens. */
const minLeadMs = 5000;

/**
 * Grow `population` to `size`: a first few orders measure how fast orders open; the rest go
 * in one pass with the sample spread evenly among them, so that in a population larger than
 * the worker's cache the early sample orders have long left the cache when their deadlines
 * come, as an order's would after an hour of other orders. The deadlines fall `rate` per
 * second from a little after the last order should be open.
 */
async function growWithSample(population: Population, size: number, plan: EscalationPlan, fallbackPerSecond: number): Promise<Grown> {
  const toOpen = size - population.workflowIds.length;
  if (toOpen < plan.sample) throw new Error(`${size} open orders leave no room for a sample of ${plan.sample} after the ${population.workflowIds.length} open already`);
  const backgroundCount = toOpen - plan.sample;
  const probe = await population.open(Array.from({ length: Math.min(backgroundCount, 40) }, () => ({})));
  const perSecond = probe.workflowIds.length >= 20 ? probe.perSecond : fallbackPerSecond;
  const rest = toOpen - probe.workflowIds.length;
  const firstDeadline = Date.now() + (1.2 * rest * 1000) / perSecond + 6000;
  const samplePositions = new Set(Array.from({ length: plan.sample }, (_, j) => Math.floor(((j + 1) * rest) / plan.sample) - 1));
  let j = 0;
  const specs: OpenSpec[] = Array.from({ length: rest }, (_, i) =>
    samplePositions.has(i) ? { deadline: Math.round(firstDeadline + (j++ * 1000) / plan.ratePerSecond), minLeadMs } : {},
  );
  const opened = await population.open(specs);
  const allOpen = Date.now();
  const sampleIds = opened.workflowIds.filter((_, i) => samplePositions.has(i));
  const deadlines = opened.deadlines.filter((_, i) => samplePositions.has(i));
  const seconds = probe.seconds + opened.seconds;
  return {
    grew: { count: toOpen, seconds: round(seconds, 1), perSecond: round(toOpen / Math.max(seconds, 0.001), 1) },
    sampleIds,
    deadlines,
    early: deadlines.filter((d) => d < allOpen).length,
  };
}

/** Deadlines per second the window actually had. */
function achievedRate(deadlines: number[]): number {
  const sorted = [...deadlines].sort((a, b) => a - b);
  const span = (sorted[sorted.length - 1]! - sorted[0]!) / 1000;
  return span > 0 ? round((sorted.length - 1) / span, 1) : 0;
}

const isRespondLevel1 = (event: unknown): boolean => {
  const e = event as { clock?: string; level?: number } | undefined;
  return e?.clock === 'respond' && e.level === 1;
};

async function waitUntil(at: number): Promise<void> {
  await delay(Math.max(0, at - Date.now()));
}

interface EventRow {
  workflow_id: string;
  level: number;
  lag_ms: number;
  task_ms: number;
  recorded_ms: number;
}

async function realSide(stack: Stack, population: RealPopulation, size: number, plan: EscalationPlan, say: (l: string) => void): Promise<LagSide> {
  const openBefore = population.workflowIds.length;
  const grown = await growWithSample(population, size, plan, 10);
  say(`  real: opened ${grown.grew.count} orders in ${grown.grew.seconds} s (${grown.grew.perSecond}/s), ${population.workflowIds.length} open`);
  const lastDeadline = Math.max(...grown.deadlines);

  const since = await statementsStart(stack.admin, stack.statementStats);
  const cpuBefore = cpuSnapshot(stack.measured);
  const serverBefore = await scrape(stack.temporalMetricsUrl);
  const ids = grown.sampleIds;
  const giveUp = lastDeadline + plan.graceSeconds * 1000;
  await waitUntil(lastDeadline);
  for (;;) {
    const { rows } = await stack.admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sla_events WHERE workflow_id = ANY($1) AND clock = 'respond' AND run = 1 AND level = 1`,
      [ids],
    );
    if ((rows[0]?.n ?? 0) >= ids.length || Date.now() > giveUp) break;
    await delay(500);
  }
  const cpu = cpuBetween(cpuBefore, cpuSnapshot(stack.measured));
  const server = serverProfile(serverBefore, await scrape(stack.temporalMetricsUrl));
  const statements = await statementsRead(stack.admin, stack.statementStats, since, ids.length);

  const { rows } = await stack.admin.query<EventRow>(
    `SELECT workflow_id, level, (extract(epoch FROM recorded_at - due_at) * 1000)::float8 AS lag_ms,
            (extract(epoch FROM fired_at - due_at) * 1000)::float8 AS task_ms, (extract(epoch FROM recorded_at) * 1000)::float8 AS recorded_ms
       FROM sla_events WHERE workflow_id = ANY($1) AND clock = 'respond' AND run = 1 AND level IN (0, 1)`,
    [ids],
  );
  const escalations = rows.filter((r) => r.level === 1);
  const warnings = rows.filter((r) => r.level === 0);
  // The unique index makes a second sla_events row impossible; a double fire would show as a second audit row or message.
  const audit = await stack.admin.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT subject FROM audit_log WHERE subject = ANY($1) AND action = 'sla.escalated'
       AND detail->'slaEvent'->>'clock' = 'respond' AND detail->'slaEvent'->>'level' = '1' GROUP BY subject HAVING count(*) > 1) AS d`,
    [ids],
  );
  const outbox = await stack.admin.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT split_part(o.subject, '#', 1) AS wf, count(*) AS messages FROM outbox o
       WHERE split_part(o.subject, '#', 1) = ANY($1) AND o.template = 'sla.escalation' GROUP BY 1) AS m
     JOIN (SELECT workflow_id, sum(recipients) AS owed FROM sla_events WHERE workflow_id = ANY($1) AND level > 0 GROUP BY 1) AS e
       ON e.workflow_id = m.wf WHERE m.messages > e.owed`,
    [ids],
  );
  const orderOf = (wf: string) => wf.slice('work-order:'.length);
  const sampleOrders = new Set(ids.map(orderOf));
  const deliveries = new Map<string, Set<string>>();
  const notified: number[] = [];
  for (const m of stack.receiver.received('sla.escalation')) {
    if (!sampleOrders.has(m.orderId) || m.payload.level !== 1 || m.payload.clock !== 'respond') continue;
    const set = deliveries.get(m.orderId) ?? new Set<string>();
    if (set.size === 0) notified.push(m.at - Number(m.payload.deadline));
    set.add(m.deliveryId);
    deliveries.set(m.orderId, set);
  }
  const lost = ids.length - new Set(escalations.map((r) => r.workflow_id)).size;
  const recordedAt = new Map(escalations.map((r) => [r.workflow_id, r.recorded_ms]));
  const traces = (await fetchHistories(stack.client, ids)).flatMap(({ workflowId, history }) => {
    const t = trace(
      history,
      (type, arg) => type === 'recordStep' && arg?.action === 'sla.escalated' && isRespondLevel1(arg.slaEvent),
      (arg) => (arg?.slaEvent as { dueAt?: number } | undefined)?.dueAt,
      recordedAt.get(workflowId),
    );
    return t ? [t] : [];
  });
  const checks = {
    'no sla_events row': lost,
    'audit rows > 1': audit.rows[0]?.n ?? 0,
    'outbox rows > recipients': outbox.rows[0]?.n ?? 0,
    'webhook: no message': ids.length - deliveries.size,
    'webhook: > 1 message': [...deliveries.values()].filter((s) => s.size > 1).length,
  };
  return {
    openBefore,
    grew: grown.grew,
    deadlinesPerSecond: achievedRate(grown.deadlines),
    earlyDeadlines: grown.early,
    lagMs: percentiles(escalations.map((r) => r.lag_ms), 0),
    warningLagMs: percentiles(warnings.map((r) => r.lag_ms), 0),
    stages: stages(traces),
    notifiedLagMs: percentiles(notified, 0),
    integrity: { lost, duplicated: checks['audit rows > 1'] + checks['outbox rows > recipients'] + checks['webhook: > 1 message'], checks },
    cpuSeconds: cpu,
    server,
    statements,
  };
}

async function bareSide(stack: Stack, population: BarePopulation, size: number, plan: EscalationPlan, say: (l: string) => void): Promise<LagSide> {
  const openBefore = population.workflowIds.length;
  const grown = await growWithSample(population, size, plan, 50);
  say(`  bare: opened ${grown.grew.count} timer workflows in ${grown.grew.seconds} s (${grown.grew.perSecond}/s)`);
  const lastDeadline = Math.max(...grown.deadlines);
  const ids = new Set(grown.sampleIds);
  const cpuBefore = cpuSnapshot(stack.measured);
  const serverBefore = await scrape(stack.temporalMetricsUrl);
  const giveUp = lastDeadline + plan.graceSeconds * 1000;
  const deadlineWakes = () => stack.receiver.wakes().filter((w) => w.label === 'deadline' && ids.has(w.workflowId));
  await waitUntil(lastDeadline);
  while (new Set(deadlineWakes().map((w) => w.workflowId)).size < ids.size && Date.now() <= giveUp) await delay(500);
  const cpu = cpuBetween(cpuBefore, cpuSnapshot(stack.measured));
  const server = serverProfile(serverBefore, await scrape(stack.temporalMetricsUrl));
  const wakes = deadlineWakes();
  const first = new Map<string, number>();
  const count = new Map<string, number>();
  for (const w of wakes) {
    if (!first.has(w.workflowId)) first.set(w.workflowId, w.ranAt - w.at);
    count.set(w.workflowId, (count.get(w.workflowId) ?? 0) + 1);
  }
  const warnings = stack.receiver.wakes().filter((w) => w.label === 'warning' && ids.has(w.workflowId));
  const lost = ids.size - first.size;
  const ranAt = new Map(wakes.map((w) => [w.workflowId, w.ranAt]));
  const traces = (await fetchHistories(stack.client, [...ids])).flatMap(({ workflowId, history }) => {
    const t = trace(history, (type, arg) => type === 'wake' && arg?.label === 'deadline', (arg) => arg?.at as number | undefined, ranAt.get(workflowId));
    return t ? [t] : [];
  });
  const duplicated = [...count.values()].filter((n) => n > 1).length;
  return {
    openBefore,
    grew: grown.grew,
    deadlinesPerSecond: achievedRate(grown.deadlines),
    earlyDeadlines: grown.early,
    lagMs: percentiles([...first.values()], 0),
    warningLagMs: percentiles(warnings.map((w) => w.ranAt - w.at), 0),
    stages: stages(traces),
    integrity: { lost, duplicated, checks: { 'no wake-up': lost, '> 1 wake-up': duplicated } },
    cpuSeconds: cpu,
    server,
  };
}

const timers = (p: ServerProfile) => {
  const t = p.tasks.TimerActiveTaskUserTimer;
  const cache = `state cache misses ${p.stateCacheMisses.misses}/${p.stateCacheMisses.lookups}`;
  return t ? `${t.count} tasks, mean ms queue ${t.queueMs} load ${t.loadMs} processing ${t.processingMs}; ${cache}` : cache;
};
const describe = (s: Stages) => Object.entries(s).map(([name, p]) => `${name} ${p.p50}/${p.p99}`).join(', ');

/** Both populations, kept between sizes so that each size adds to the last. */
export interface Populations {
  real: RealPopulation;
  bare: BarePopulation;
}

/**
 * Create the two populations over the stack: the open backlog on `backlog` (a policy that
 * answers within a day, so nothing of it falls due during a run), the sample on `sample`
 * with its respond time cut to put each deadline where the window wants it.
 */
export function populations(stack: Stack, policies: { backlog: SlaPolicySnapshot; sample: SlaPolicySnapshot }, runId: string, say: (line: string) => void): Populations {
  return {
    real: new RealPopulation(stack, policies, say),
    bare: new BarePopulation(stack.client, runId, policies.backlog.respondMs, policies.sample.warnRatio, say),
  };
}

/** Measure the lag with `size` orders open (of which `plan.sample` run out in the window), real first, then bare. */
export async function escalationLag(stack: Stack, pops: Populations, size: number, plan: EscalationPlan, say: (l: string) => void): Promise<LagResult> {
  const real = await realSide(stack, pops.real, size, plan, say);
  say(`  real: ${plan.sample} deadlines at ${real.deadlinesPerSecond}/s (${real.earlyDeadlines} before all were open), lag p50 ${real.lagMs.p50} ms, p99 ${real.lagMs.p99} ms, max ${real.lagMs.max} ms; lost ${real.integrity.lost}, duplicated ${real.integrity.duplicated}`);
  say(`    stages p50/p99 ms: ${describe(real.stages)}; server timers ${timers(real.server)}`);
  const workerRss = rssMiB(stack.workerPid());
  const bare = await bareSide(stack, pops.bare, size, plan, say);
  say(`  bare: ${plan.sample} deadlines at ${bare.deadlinesPerSecond}/s (${bare.earlyDeadlines} before all were open), lag p50 ${bare.lagMs.p50} ms, p99 ${bare.lagMs.p99} ms, max ${bare.lagMs.max} ms; lost ${bare.integrity.lost}, duplicated ${bare.integrity.duplicated}`);
  say(`    stages p50/p99 ms: ${describe(bare.stages)}; server timers ${timers(bare.server)}`);
  return {
    openOrders: pops.real.workflowIds.length,
    sample: plan.sample,
    ratePerSecond: plan.ratePerSecond,
    real,
    bare,
    ...(workerRss !== undefined ? { workerRssMiB: round(workerRss, 0) } : {}),
  };
}
