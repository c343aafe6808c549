/**
 * Measurement 3, escalation lag. Each side grows to `size` open orders: real ones, started
 * straight from the client on the backlog's stored policy (respond within a day, so none falls
 * due in a run), and as many bare timer workflows with the same timers. Among the last ones
 * opened, `sample` per side have respond deadlines at known instants: `rate` per second on each
 * side, interleaved (real, then bare half a slot later) in one window that starts once both
 * sides are open, their warnings in the seconds just before it (see warningLeadMs). The real
 * lag runs from each deadline to the escalation's row in PostgreSQL
 * (`sla_events.recorded_at - due_at`), the bare one to its wake-up activity's own clock. Lost
 * (nothing within the grace after the window) and duplicated escalations are counted in
 * sla_events, the audit log, the outbox and the messages the webhook received. Each window also
 * records where the lag went (bench/stages.ts) and what the dev server did
 * (bench/server-metrics.ts).
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
  /** Sample deadlines that came before the last order of either side was open. */
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
}

/** The window both sides' deadlines fell in: what the stack did meanwhile. */
export interface LagWindow {
  /** First to last deadline, both sides (s). */
  seconds: number;
  cpuSeconds: Record<string, number>;
  /** The dev server during the window: task times, state cache misses, persistence. */
  server: ServerProfile;
  /** PostgreSQL's share, per real escalation. */
  statements?: StatementProfile;
}

/** Both sides at one population size. */
export interface LagResult {
  openOrders: number;
  sample: number;
  ratePerSecond: number;
  real: LagSide;
  bare: LagSide;
  window: LagWindow;
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
}

/** A sample deadline is never earlier than this after its own order opens. */
const minLeadMs = 5000;

/**
 * How long before its deadline a sample order's warning comes: all the warnings fall after the
 * last order is open and before the first deadline. The timer that runs out at a deadline is
 * set by the workflow task after the warning, and Temporal starts a timer when that task
 * completes: set while the machine is saturated opening thousands of orders, the deadline
 * would drift by that task's queueing, which says how busy the bench kept the machine, not
 * how late an escalation comes on a running system. The policy's own ratio (80 %) would put
 * the warnings in the middle of the opening.
 */
const warningLeadMs = (plan: EscalationPlan) => Math.round((1000 * plan.sample) / plan.ratePerSecond) + 5000;

/** A population on its way to a size: the first few orders opened to measure how fast it opens. */
interface Probed {
  population: Population;
  toOpen: number;
  probe: Opened;
  perSecond: number;
  /** Orders still to open after the probe, the sample among them. */
  rest: number;
}

/** Open the first few orders of the growth to `size` and see how fast they go. */
async function probe(population: Population, size: number, plan: EscalationPlan, fallbackPerSecond: number): Promise<Probed> {
  const toOpen = size - population.workflowIds.length;
  if (toOpen < plan.sample) throw new Error(`${size} open orders leave no room for a sample of ${plan.sample} after the ${population.workflowIds.length} open already`);
  const opened = await population.open(Array.from({ length: Math.min(toOpen - plan.sample, 40) }, () => ({})));
  const perSecond = opened.workflowIds.length >= 20 ? opened.perSecond : fallbackPerSecond;
  return { population, toOpen, probe: opened, perSecond, rest: toOpen - opened.workflowIds.length };
}

/**
 * Open the rest in one pass with the sample spread evenly among them, so that in a population
 * larger than the worker's cache the early sample orders have long left the cache when their
 * deadlines come, as an order's would after an hour of other orders. The sample's deadlines
 * fall `rate` per second from `firstDeadline`, each `offsetMs` later than its slot.
 */
async function growWithSample(p: Probed, plan: EscalationPlan, firstDeadline: number, offsetMs: number): Promise<Grown> {
  const warnLeadMs = warningLeadMs(plan);
  const samplePositions = new Set(Array.from({ length: plan.sample }, (_, j) => Math.floor(((j + 1) * p.rest) / plan.sample) - 1));
  let j = 0;
  const specs: OpenSpec[] = Array.from({ length: p.rest }, (_, i) =>
    samplePositions.has(i) ? { deadline: Math.round(firstDeadline + offsetMs + (j++ * 1000) / plan.ratePerSecond), minLeadMs, warnLeadMs } : {},
  );
  const opened = await p.population.open(specs);
  const sampleIds = opened.workflowIds.filter((_, i) => samplePositions.has(i));
  const deadlines = opened.deadlines.filter((_, i) => samplePositions.has(i));
  const seconds = p.probe.seconds + opened.seconds;
  return {
    grew: { count: p.toOpen, seconds: round(seconds, 1), perSecond: round(p.toOpen / Math.max(seconds, 0.001), 1) },
    sampleIds,
    deadlines,
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

/** What either side reports of how it grew and how its window went: the same for real and bare. */
function growth(grown: Grown, openBefore: number, allOpen: number): Pick<LagSide, 'openBefore' | 'grew' | 'deadlinesPerSecond' | 'earlyDeadlines'> {
  return {
    openBefore,
    grew: grown.grew,
    deadlinesPerSecond: achievedRate(grown.deadlines),
    earlyDeadlines: grown.deadlines.filter((d) => d < allOpen).length,
  };
}

/** Real sample orders whose level-1 respond escalation is recorded. */
async function realRecorded(stack: Stack, ids: string[]): Promise<number> {
  const { rows } = await stack.admin.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM sla_events WHERE workflow_id = ANY($1) AND clock = 'respond' AND run = 1 AND level = 1`,
    [ids],
  );
  return rows[0]?.n ?? 0;
}

/** The bare sample's deadline wake-ups so far. */
const deadlineWakes = (stack: Stack, ids: Set<string>) => stack.receiver.wakes().filter((w) => w.label === 'deadline' && ids.has(w.workflowId));

/** The real side's figures: lag from sla_events, stages from the histories, and every place a double escalation would show. */
async function realSide(stack: Stack, grown: Grown, openBefore: number, allOpen: number): Promise<LagSide> {
  const ids = grown.sampleIds;
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
    ...growth(grown, openBefore, allOpen),
    lagMs: percentiles(escalations.map((r) => r.lag_ms), 0),
    warningLagMs: percentiles(warnings.map((r) => r.lag_ms), 0),
    stages: stages(traces),
    notifiedLagMs: percentiles(notified, 0),
    integrity: { lost, duplicated: checks['audit rows > 1'] + checks['outbox rows > recipients'] + checks['webhook: > 1 message'], checks },
  };
}

/** The bare side's figures: lag from the wake-up reports, stages from the histories. */
async function bareSide(stack: Stack, grown: Grown, openBefore: number, allOpen: number): Promise<LagSide> {
  const ids = new Set(grown.sampleIds);
  const wakes = deadlineWakes(stack, ids);
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
    ...growth(grown, openBefore, allOpen),
    lagMs: percentiles([...first.values()], 0),
    warningLagMs: percentiles(warnings.map((w) => w.ranAt - w.at), 0),
    stages: stages(traces),
    integrity: { lost, duplicated, checks: { 'no wake-up': lost, '> 1 wake-up': duplicated } },
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

/**
 * Measure the lag with `size` orders open on each side, of which `plan.sample` run out in one
 * window shared by both: a real deadline, then a bare one half a slot later, and so on. Both
 * sides meet the same server at the same moments (its timer queue, its database, whatever the
 * machine is doing), so a hiccup costs both alike rather than whichever window it fell in.
 */
export async function escalationLag(stack: Stack, pops: Populations, size: number, plan: EscalationPlan, say: (l: string) => void): Promise<LagResult> {
  const before = { real: pops.real.workflowIds.length, bare: pops.bare.workflowIds.length };
  const real = await probe(pops.real, size, plan, 10);
  const bare = await probe(pops.bare, size, plan, 50);
  // Room to open both, with a fifth to spare, then the warnings, then the window.
  const firstDeadline = Date.now() + 1.2 * 1000 * (real.rest / real.perSecond + bare.rest / bare.perSecond) + 6000 + warningLeadMs(plan);
  const slotMs = 1000 / plan.ratePerSecond;
  const grownReal = await growWithSample(real, plan, firstDeadline, 0);
  say(`  real: opened ${grownReal.grew.count} orders in ${grownReal.grew.seconds} s (${grownReal.grew.perSecond}/s), ${pops.real.workflowIds.length} open`);
  const grownBare = await growWithSample(bare, plan, firstDeadline, slotMs / 2);
  say(`  bare: opened ${grownBare.grew.count} timer workflows in ${grownBare.grew.seconds} s (${grownBare.grew.perSecond}/s), ${pops.bare.workflowIds.length} open`);

  // Deadlines before this fell while orders were still opening: counted, as the window was meant to be quiet.
  const allOpen = Date.now();
  const deadlines = [...grownReal.deadlines, ...grownBare.deadlines];
  const firstDue = Math.min(...deadlines);
  const lastDue = Math.max(...deadlines);
  await waitUntil(firstDue);
  const since = await statementsStart(stack.admin, stack.statementStats);
  const cpuBefore = cpuSnapshot(stack.measured);
  const serverBefore = await scrape(stack.temporalMetricsUrls);
  await waitUntil(lastDue);
  const giveUp = lastDue + plan.graceSeconds * 1000;
  const bareIds = new Set(grownBare.sampleIds);
  for (;;) {
    const realDone = (await realRecorded(stack, grownReal.sampleIds)) >= grownReal.sampleIds.length;
    const bareDone = new Set(deadlineWakes(stack, bareIds).map((w) => w.workflowId)).size >= bareIds.size;
    if ((realDone && bareDone) || Date.now() > giveUp) break;
    await delay(500);
  }
  const window: LagWindow = {
    seconds: round((lastDue - firstDue) / 1000, 1),
    cpuSeconds: cpuBetween(cpuBefore, cpuSnapshot(stack.measured)),
    server: serverProfile(serverBefore, await scrape(stack.temporalMetricsUrls)),
    statements: await statementsRead(stack.admin, stack.statementStats, since, grownReal.sampleIds.length),
  };
  const workerRss = rssMiB(stack.workerPid());

  const realLag = await realSide(stack, grownReal, before.real, allOpen);
  const bareLag = await bareSide(stack, grownBare, before.bare, allOpen);
  for (const [name, side] of [['real', realLag], ['bare', bareLag]] as const) {
    say(`  ${name}: ${plan.sample} deadlines at ${side.deadlinesPerSecond}/s (${side.earlyDeadlines} before all were open), lag p50 ${side.lagMs.p50} ms, p99 ${side.lagMs.p99} ms, max ${side.lagMs.max} ms; lost ${side.integrity.lost}, duplicated ${side.integrity.duplicated}`);
    say(`    stages p50/p99 ms: ${describe(side.stages)}`);
  }
  say(`  window: ${window.seconds} s, server timers ${timers(window.server)}`);
  return {
    openOrders: pops.real.workflowIds.length,
    sample: plan.sample,
    ratePerSecond: plan.ratePerSecond,
    real: realLag,
    bare: bareLag,
    window,
    ...(workerRss !== undefined ? { workerRssMiB: round(workerRss, 0) } : {}),
  };
}
