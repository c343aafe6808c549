/**
 * Measurement 1, closed-loop throughput: `concurrency` clients each run whole orders back to
 * back (create → automatic dispatch → accept → arrive → complete → revisit → closed) until
 * `orders` are closed; once through the API, worker, dev server and PostgreSQL, once with the
 * bare workflow started straight from the client on the same server. A warm-up round of
 * `concurrency` orders goes first, untimed, on each side.
 */
import { cpus } from 'node:os';
import { cpuBetween, cpuSnapshot } from './proc.js';
import { statementsRead, statementsStart, type StatementProfile } from './profile.js';
import { scrape, serverProfile, type ServerProfile } from './server-metrics.js';
import { untimed, type OrderFlow } from './orders.js';
import { round } from './stats.js';
import type { Stack } from './stack.js';

/** One side of the throughput comparison. */
export interface ThroughputSide {
  orders: number;
  concurrency: number;
  seconds: number;
  ordersPerSecond: number;
  failures: number;
  firstErrors: string[];
  /** CPU time each process used per closed order (ms). */
  cpuMsPerOrder: Record<string, number>;
  /** CPU per closed order over the processes this side runs on (not the bench's own client work), ms. */
  stackCpuMsPerOrder: number;
  /** Orders per second the stack's CPU cost allows on this machine's cores, were they all its own. */
  cpuCeilingPerSecond: number;
  statements: StatementProfile;
  /** The dev server during the timed part: task times, state cache misses, persistence. */
  server: ServerProfile;
  workflowIds: string[];
}

/** The processes each side runs on: the product's whole stack, or the server and the bare worker. */
export const sideProcesses = { real: ['temporal', 'postgres', 'worker', 'api'], bare: ['temporal', 'bare-worker'] };

/** Run `orders` loops of `flow` with `concurrency` clients; throws when more than 2 % fail. */
export async function closedLoop(stack: Stack, flow: OrderFlow, orders: number, concurrency: number, side: keyof typeof sideProcesses): Promise<ThroughputSide> {
  const errors: string[] = [];
  const runBatch = async (count: number, ids: string[]) => {
    let started = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (started < count) {
          started += 1;
          try {
            ids.push(await flow(untimed, false));
          } catch (err) {
            errors.push(err instanceof Error ? err.message : String(err));
          }
        }
      }),
    );
  };
  await runBatch(concurrency, []);
  errors.length = 0;

  const ids: string[] = [];
  const since = await statementsStart(stack.admin, stack.statementStats);
  const cpuBefore = cpuSnapshot(stack.measured);
  const serverBefore = await scrape(stack.temporalMetricsUrls);
  const t0 = performance.now();
  await runBatch(orders, ids);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuBetween(cpuBefore, cpuSnapshot(stack.measured));
  const server = serverProfile(serverBefore, await scrape(stack.temporalMetricsUrls));
  const statements = await statementsRead(stack.admin, stack.statementStats, since, ids.length);
  const perOrder = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, round((1000 * v) / Math.max(ids.length, 1), 1)]));
  const stackMs = sideProcesses[side].reduce((sum, name) => sum + (perOrder[name] ?? 0), 0);
  if (errors.length > orders * 0.02) throw new Error(`${errors.length} of ${orders} orders failed; first: ${errors.slice(0, 3).join(' | ')}`);
  return {
    orders: ids.length,
    concurrency,
    seconds: round(seconds, 1),
    ordersPerSecond: round(ids.length / seconds, 2),
    failures: errors.length,
    firstErrors: errors.slice(0, 3),
    cpuMsPerOrder: perOrder,
    stackCpuMsPerOrder: round(stackMs, 0),
    cpuCeilingPerSecond: round((cpus().length * 1000) / Math.max(stackMs, 1), 1),
    statements,
    server,
    workflowIds: ids,
  };
}
