/**
 * What the Temporal server did during a phase, from its Prometheus endpoint(s): how long its
 * task queues took over each kind of task (waiting in the queue, loading the workflow's state,
 * processing), how often the workflow state was not in its cache, and where its persistence
 * time went. Counters are read before and after; the difference is the phase's.
 */
import { round } from './stats.js';

/** One counter or histogram series: name, labels, value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A scrape of the server's metrics. */
export type Scrape = Sample[];

/** Read the metrics endpoints (Prometheus text format); a cluster's processes add up. */
export async function scrape(urls: string[]): Promise<Scrape> {
  const text = (await Promise.all(urls.map(async (url) => (await fetch(url)).text()))).join('\n');
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

function total(s: Scrape, name: string, where: (labels: Record<string, string>) => boolean = () => true): number {
  return s.filter((x) => x.name === name && where(x.labels)).reduce((sum, x) => sum + x.value, 0);
}

/** Per kind of task: how many ran, and their mean time in the queue, loading state, and processing (ms). */
export interface TaskTimes {
  count: number;
  queueMs: number;
  loadMs: number;
  processingMs: number;
}

/** The server's side of a phase. */
export interface ServerProfile {
  /** Workflow-state lookups that missed the history service's cache, of all lookups. */
  stateCacheMisses: { misses: number; lookups: number };
  /** The task kinds that took the most time, timers among them. */
  tasks: Record<string, TaskTimes>;
  /** The persistence operations that took the most time: calls and mean ms. */
  persistence: Record<string, { calls: number; meanMs: number }>;
}

/** What changed between two scrapes. */
export function serverProfile(before: Scrape, after: Scrape): ServerProfile {
  const delta = (name: string, where?: (l: Record<string, string>) => boolean) => total(after, name, where) - total(before, name, where);
  const mutableState = (l: Record<string, string>) => l.cache_type === 'mutablestate';
  const taskTypes = [...new Set(after.filter((x) => x.name === 'task_latency_processing_count').map((x) => x.labels.task_type ?? ''))];
  const tasks = taskTypes
    .map((type) => {
      const of = (l: Record<string, string>) => l.task_type === type;
      const count = delta('task_latency_processing_count', of);
      const mean = (metric: string) => round((1000 * delta(`${metric}_sum`, of)) / Math.max(delta(`${metric}_count`, of), 1), 1);
      return [type, { count, queueMs: mean('task_latency_queue'), loadMs: mean('task_latency_load'), processingMs: mean('task_latency_processing') }] as const;
    })
    .filter(([, t]) => t.count > 0)
    .sort((a, b) => b[1].count * (b[1].queueMs + b[1].processingMs) - a[1].count * (a[1].queueMs + a[1].processingMs))
    .slice(0, 6);
  const operations = [...new Set(after.filter((x) => x.name === 'persistence_latency_count').map((x) => x.labels.operation ?? ''))];
  const persistence = operations
    .map((op) => {
      const of = (l: Record<string, string>) => l.operation === op;
      const calls = delta('persistence_latency_count', of);
      return [op, { calls, totalMs: 1000 * delta('persistence_latency_sum', of) }] as const;
    })
    .filter(([, p]) => p.calls > 0)
    .sort((a, b) => b[1].totalMs - a[1].totalMs)
    .slice(0, 6)
    .map(([op, p]) => [op, { calls: p.calls, meanMs: round(p.totalMs / p.calls, 2) }] as const);
  return {
    stateCacheMisses: { misses: delta('cache_miss', mutableState), lookups: delta('cache_requests', mutableState) },
    tasks: Object.fromEntries(tasks),
    persistence: Object.fromEntries(persistence),
  };
}
