/**
 * Profiling evidence for the bench's notes: PostgreSQL statement counts and times per phase
 * (pg_stat_statements), transactions per phase, and the heaviest functions of a CPU profile.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';
import { round } from './stats.js';

/** What PostgreSQL did during a phase, per unit of work (an order, an escalation). */
export interface StatementProfile {
  transactions: number;
  statements: number;
  perUnit: { transactions: number; statements: number };
  /** The statements with the most total execution time. */
  top: { query: string; calls: number; totalMs: number; meanMs: number }[];
}

/** Start counting afresh: the statement statistics and the transaction counter baseline. */
export async function statementsStart(admin: pg.Pool, enabled: boolean): Promise<number> {
  if (enabled) await admin.query('SELECT pg_stat_statements_reset()');
  return transactions(admin);
}

async function transactions(admin: pg.Pool): Promise<number> {
  // The counters are per backend and flushed now and then: ask for a fresh snapshot.
  await admin.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await admin.query<{ n: string }>('SELECT xact_commit + xact_rollback AS n FROM pg_stat_database WHERE datname = current_database()');
  return Number(rows[0]?.n ?? 0);
}

/** What PostgreSQL did since `statementsStart`, divided over `units`. */
export async function statementsRead(admin: pg.Pool, enabled: boolean, since: number, units: number): Promise<StatementProfile> {
  // Let the backends flush their transaction counters (they report at most every second).
  await new Promise((r) => setTimeout(r, 1100));
  const xacts = (await transactions(admin)) - since;
  let statements = 0;
  let top: StatementProfile['top'] = [];
  if (enabled) {
    const { rows } = await admin.query<{ query: string; calls: string; total: number; mean: number }>(
      `SELECT query, calls, total_exec_time AS total, mean_exec_time AS mean FROM pg_stat_statements
        WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND toplevel ORDER BY total_exec_time DESC`,
    );
    const own = (q: string) => /pg_stat_|pg_database|FROM sla_events|bench_/.test(q);
    const mine = rows.filter((r) => !own(r.query));
    statements = mine.reduce((sum, r) => sum + Number(r.calls), 0);
    top = mine.slice(0, 6).map((r) => ({ query: r.query.replace(/\s+/g, ' ').slice(0, 140), calls: Number(r.calls), totalMs: round(r.total, 0), meanMs: round(r.mean, 3) }));
  }
  return {
    transactions: xacts,
    statements,
    perUnit: { transactions: round(xacts / Math.max(units, 1), 1), statements: round(statements / Math.max(units, 1), 1) },
    top,
  };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** Where one process spent its CPU, over all its threads, as shares of the samples that were not idle. */
export interface CpuProfileSummary {
  /** Samples that were not idle, over all threads (each sample is about 1 ms). */
  busySamples: number;
  byPackage: Record<string, number>;
  topFunctions: { fn: string; selfPct: number }[];
}

const idle = new Set(['(idle)', '(program)']);

function packageOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (functionName === '(garbage collector)') return 'garbage collection';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.startsWith('node:')) return 'node internals';
  // The workflow bundle runs from an in-memory script; everything else is this repository.
  if (url === '' && functionName) return 'native / bridge';
  return url.includes('/work') || url.startsWith('file:') ? 'property-ops code' : 'workflow bundle';
}

/** Summarise every .cpuprofile in `dir` (one per thread of one process). */
export async function summariseProfiles(dir: string, count = 12): Promise<CpuProfileSummary | undefined> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.cpuprofile'));
  if (files.length === 0) return undefined;
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  let busy = 0;
  for (const file of files) {
    const profile = JSON.parse(await readFile(path.join(dir, file), 'utf8')) as { nodes: ProfileNode[] };
    for (const node of profile.nodes) {
      const hits = node.hitCount ?? 0;
      const { functionName, url, lineNumber } = node.callFrame;
      if (hits === 0 || idle.has(functionName)) continue;
      busy += hits;
      const where = url ? `${url.replace(/^file:\/\//, '').replace(/^.*node_modules\//, '~/')}:${lineNumber + 1}` : '';
      const key = `${functionName || '(anonymous)'} ${where}`.trim();
      byFunction.set(key, (byFunction.get(key) ?? 0) + hits);
      const pkg = packageOf(node);
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + hits);
    }
  }
  const share = (hits: number) => round((100 * hits) / Math.max(busy, 1), 1);
  return {
    busySamples: busy,
    byPackage: Object.fromEntries([...byPackage.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([k, v]) => [k, share(v)])),
    topFunctions: [...byFunction.entries()].sort((a, b) => b[1] - a[1]).slice(0, count).map(([fn, hits]) => ({ fn, selfPct: share(hits) })),
  };
}
