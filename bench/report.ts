/** The run's results: their JSON shape, the targets checked against them, and the markdown table printed at the end. */
import type { LagResult } from './escalation.js';
import type { LatencyResult, RestingLatency } from './latency.js';
import type { MaintenanceResult } from './maintenance.js';
import type { CpuProfileSummary } from './profile.js';
import type { Op } from './orders.js';
import type { Recorded, ReplayRate } from './replay.js';
import type { RestartResult } from './restart.js';
import { ratio, round } from './stats.js';
import type { ThroughputSide } from './throughput.js';

/** Everything one run measured; written to bench/results/<date>.json. */
export interface Results {
  date: string;
  quick: boolean;
  machine: { cpus: number; model: string; memoryGiB: number; loadAverage: { start: number[]; end: number[] } };
  versions: { node: string; temporalCli: string; engine?: 'dev' | 'cluster' };
  options: Record<string, unknown>;
  seconds: number;
  throughput?: { real: Omit<ThroughputSide, 'workflowIds'>; bare: Omit<ThroughputSide, 'workflowIds'>; ratio: number | null };
  latency?: Omit<LatencyResult, 'workflowIds'>;
  escalation?: LagResult[];
  restart?: RestartResult;
  maintenance?: MaintenanceResult;
  replay?: { real: ReplayRate; bare: ReplayRate; ratio: number | null };
  resources?: {
    rssMiB: Record<string, Record<string, number | undefined>>;
    closedOrderHistory?: { real: Omit<Recorded, 'histories'>; bare: Omit<Recorded, 'histories'> };
  };
  profile?: Record<string, CpuProfileSummary>;
  targets: Target[];
}

/** One of the targets, checked. `met` is null when the run did not measure it. */
export interface Target {
  name: string;
  target: string;
  value: string;
  met: boolean | null;
}

const fmt = (v: number | null | undefined, digits = 1) => (v === null || v === undefined || Number.isNaN(v) ? '–' : String(round(v, digits)));
const mark = (met: boolean | null) => (met === null ? '–' : met ? 'met' : 'missed');

/** The reported action of the latency table. */
export const latencyOps: Op[] = ['create', 'get', 'list', 'accept'];

/** How much longer a call took through the API than straight to Temporal, at rest (ms; NaN when either side lacks it). */
export function restingAbove(rest: RestingLatency, op: Op, m: 'p50' | 'p99'): number {
  return (rest.api[op]?.[m] ?? NaN) - (rest.direct[op]?.[m] ?? NaN);
}

/** Check every target the run measured. */
export function checkTargets(r: Omit<Results, 'targets'>): Target[] {
  const targets: Target[] = [];
  if (r.throughput) {
    const x = r.throughput.ratio;
    targets.push({ name: 'throughput', target: '≥ 0.6 × bare', value: `${fmt(x, 2)} ×`, met: x === null ? null : x >= 0.6 });
  }
  if (r.latency) {
    for (const op of latencyOps) {
      const api = r.latency.api[op];
      const direct = r.latency.direct[op];
      const extra = api && direct ? api.p99 - direct.p99 : null;
      targets.push({ name: `API p99 ${op}`, target: '≤ direct + 15 ms', value: `${fmt(extra)} ms above`, met: extra === null ? null : extra <= 15 });
    }
  }
  for (const e of r.escalation ?? []) {
    const p99 = e.real.lagMs.p99;
    const bare = e.bare.lagMs.p99;
    targets.push({ name: `escalation lag p99 at ${e.openOrders} open`, target: '≤ 2 s', value: `${fmt(p99, 0)} ms`, met: Number.isNaN(p99) ? null : p99 <= 2000 });
    const x = ratio(p99, bare);
    targets.push({ name: `escalation lag p99 at ${e.openOrders} open vs bare`, target: '≤ 1.2 × bare', value: `${fmt(x, 2)} × (bare ${fmt(bare, 0)} ms)`, met: x === null ? null : x <= 1.2 });
    const wrong = e.real.integrity.lost + e.real.integrity.duplicated;
    targets.push({ name: `escalations lost or duplicated at ${e.openOrders} open`, target: '0', value: `${e.real.integrity.lost} lost, ${e.real.integrity.duplicated} duplicated`, met: wrong === 0 });
  }
  const rs = r.restart;
  if (rs) {
    const first = rs.real.killToFirstMs;
    targets.push({ name: 'worker SIGKILL → first overdue escalation', target: '≤ 3 s', value: `${fmt(first, 0)} ms (bare ${fmt(rs.bare.killToFirstMs, 0)} ms)`, met: first === null ? false : first <= 3000 });
    targets.push({ name: 'overdue escalations lost across a worker SIGKILL', target: '0', value: String(rs.real.lost), met: rs.real.lost === 0 });
  }
  const m = r.maintenance;
  if (m) {
    const p99 = m.real.lagMs.p99;
    targets.push({ name: `maintenance: due → open task p99, ${m.plans} plans due at once`, target: '≤ 2 s', value: `${fmt(p99, 0)} ms (${fmt(m.lagRatio, 2)} × bare)`, met: Number.isNaN(p99) ? null : p99 <= 2000 });
    targets.push({ name: `maintenance: tasks missing, ${m.plans} plans due at once`, target: '0', value: String(m.real.missing), met: m.real.missing === 0 });
  }
  if (r.replay) {
    const x = r.replay.ratio;
    targets.push({ name: 'replay', target: '≥ 0.5 × bare', value: `${fmt(x, 2)} ×`, met: x === null ? null : x >= 0.5 });
  }
  return targets;
}

/** The short markdown table printed at the end of a run and copied into the README. */
export function markdown(r: Results): string {
  const rows: string[][] = [];
  const t = r.throughput;
  if (t) {
    rows.push([
      `Closed-loop throughput (orders/s, ${t.real.concurrency} clients, ${t.real.orders} orders)`,
      fmt(t.real.ordersPerSecond, 2),
      fmt(t.bare.ordersPerSecond, 2),
      `${fmt(t.ratio, 2)} ×`,
    ]);
    rows.push([
      `CPU per closed order: server, database, workers, API (ms; orders/s that allows on ${r.machine.cpus} cores)`,
      `${fmt(t.real.stackCpuMsPerOrder, 0)} (${fmt(t.real.cpuCeilingPerSecond, 1)})`,
      `${fmt(t.bare.stackCpuMsPerOrder, 0)} (${fmt(t.bare.cpuCeilingPerSecond, 1)})`,
      `${fmt(ratio(t.real.cpuCeilingPerSecond, t.bare.cpuCeilingPerSecond), 2)} ×`,
    ]);
  }
  const l = r.latency;
  if (l) {
    for (const op of latencyOps) {
      const api = l.api[op];
      const direct = l.direct[op];
      const what = op === 'list' ? `list, ${Math.round(l.projectionRows / 1000)}k in projection (direct: visibility list)` : op === 'accept' ? 'action (accept)' : op;
      rows.push([
        `API ${what}: p50 / p99 ms at ${fmt(l.ratePerSecond, 2)} orders/s`,
        api ? `${fmt(api.p50)} / ${fmt(api.p99)}` : '–',
        direct ? `${fmt(direct.p50)} / ${fmt(direct.p99)} (direct)` : '–',
        api && direct ? `+${fmt(api.p99 - direct.p99)} ms p99` : '–',
      ]);
    }
    const rest = l.atRest;
    if (rest) {
      const above = (m: 'p50' | 'p99') => latencyOps.map((op) => fmt(restingAbove(rest, op, m))).join(' / ');
      rows.push([
        `API above direct at rest (${rest.loops} loops one at a time), create / get / list / accept: p50; p99 ms`,
        `${above('p50')}; ${above('p99')}`,
        '',
        '',
      ]);
    }
  }
  for (const e of r.escalation ?? []) {
    rows.push([
      `Escalation lag at ${e.openOrders} open (${e.sample} deadlines at ${e.ratePerSecond}/s): p50 / p99 / max ms`,
      `${fmt(e.real.lagMs.p50, 0)} / ${fmt(e.real.lagMs.p99, 0)} / ${fmt(e.real.lagMs.max, 0)}`,
      `${fmt(e.bare.lagMs.p50, 0)} / ${fmt(e.bare.lagMs.p99, 0)} / ${fmt(e.bare.lagMs.max, 0)}`,
      `${fmt(ratio(e.real.lagMs.p99, e.bare.lagMs.p99), 2)} × p99`,
    ]);
    rows.push([
      `Escalations lost / duplicated at ${e.openOrders} open`,
      `${e.real.integrity.lost} / ${e.real.integrity.duplicated}`,
      `${e.bare.integrity.lost} / ${e.bare.integrity.duplicated}`,
      '',
    ]);
  }
  const rs = r.restart;
  if (rs) {
    rows.push([
      `Worker SIGKILL → first / last overdue escalation by the restarted worker (${rs.orders} orders due just after the kill; ms)`,
      `${fmt(rs.real.killToFirstMs, 0)} / ${fmt(rs.real.killToLastMs, 0)}`,
      `${fmt(rs.bare.killToFirstMs, 0)} / ${fmt(rs.bare.killToLastMs, 0)}`,
      `${fmt(ratio(rs.real.killToFirstMs ?? NaN, rs.bare.killToFirstMs ?? NaN), 2)} ×`,
    ]);
  }
  const m = r.maintenance;
  if (m) {
    rows.push([
      `Maintenance: due → visible open task, ${m.plans} plans due at once: p50 / p99 / max ms`,
      `${fmt(m.real.lagMs.p50, 0)} / ${fmt(m.real.lagMs.p99, 0)} / ${fmt(m.real.lagMs.max, 0)}`,
      `${fmt(m.bare.lagMs.p50, 0)} / ${fmt(m.bare.lagMs.p99, 0)} / ${fmt(m.bare.lagMs.max, 0)}`,
      `${fmt(m.lagRatio, 2)} × p99`,
    ]);
    const recorded = m.real.recorded;
    if (recorded) {
      rows.push([
        `Maintenance: due → the task workflow's own open step (assignment, notification): p50 / p99 / max ms (${recorded.missing} not within the grace)`,
        `${fmt(recorded.lagMs.p50, 0)} / ${fmt(recorded.lagMs.p99, 0)} / ${fmt(recorded.lagMs.max, 0)}`,
        '',
        '',
      ]);
    }
    rows.push([`Maintenance: events per plan per cycle`, fmt(m.real.eventsPerPlanPerCycle, 0), fmt(m.bare.eventsPerPlanPerCycle, 0), `${fmt(ratio(m.real.eventsPerPlanPerCycle, m.bare.eventsPerPlanPerCycle), 2)} ×`]);
    const idle = (name: string) => fmt((m.idleCpuPerSecond[name] ?? 0) * 1000, 1);
    rows.push([`Idle CPU with ${m.plans} plans asleep per side (ms per s): worker; Temporal, PostgreSQL for both`, `${idle('worker')}; ${idle('temporal')}, ${idle('postgres')}`, idle('bare-worker'), '']);
  }
  const rp = r.replay;
  if (rp) {
    rows.push([
      `Replay (histories/s, ${rp.real.replays} replays of ${rp.real.distinct} closed orders)`,
      fmt(rp.real.perSecond, 0),
      fmt(rp.bare.perSecond, 0),
      `${fmt(rp.ratio, 2)} ×`,
    ]);
  }
  const res = r.resources;
  if (res) {
    const cached = Object.entries(res.rssMiB).find(([k]) => k.startsWith('at '));
    if (cached) rows.push([`RSS ${cached[0]} (MiB): worker / API`, `${fmt(cached[1].worker, 0)} / ${fmt(cached[1].api, 0)}`, '', '']);
    const h = res.closedOrderHistory;
    if (h) {
      rows.push([
        'Events per closed order (history bytes)',
        `${fmt(h.real.eventsPerHistory, 0)} (${h.real.bytesPerHistory})`,
        `${fmt(h.bare.eventsPerHistory, 0)} (${h.bare.bytesPerHistory})`,
        '',
      ]);
    }
  }
  const table = [
    '| measurement | Property Ops | bare Temporal | ratio |',
    '|---|---:|---:|---:|',
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ];
  const targets = [
    '',
    '| target | wanted | measured | |',
    '|---|---|---|---|',
    ...r.targets.map((x) => `| ${x.name} | ${x.target} | ${x.value} | ${mark(x.met)} |`),
  ];
  const load = (v: number[]) => v.map((x) => x.toFixed(2)).join(' ');
  const footer = [
    '',
    `${r.date}${r.quick ? ' (--quick)' : ''}, ${r.seconds} s; ${r.machine.cpus} × ${r.machine.model}, ${r.machine.memoryGiB} GiB; ` +
      `load average ${load(r.machine.loadAverage.start)} at the start, ${load(r.machine.loadAverage.end)} at the end; ` +
      `Node ${r.versions.node}, ${r.versions.temporalCli}${r.versions.engine === 'cluster' ? ' (cluster: 5 processes on PostgreSQL)' : ''}.`,
  ];
  return [...table, ...targets, ...footer].join('\n');
}
