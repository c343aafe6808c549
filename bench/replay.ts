/**
 * Measurement 4, replay speed: the recorded histories of real closed orders replayed with
 * `Worker.runReplayHistories` over a workflow bundle built once, against the bare workflow's
 * histories. Also the history figures of measurement 5: events and bytes per closed order.
 */
import path from 'node:path';
import type { Client } from '@temporalio/client';
import protos from '@temporalio/proto';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { round } from './stats.js';

type History = protos.temporal.api.history.v1.IHistory;

/** Fetched histories with their workflow IDs. */
export interface Recorded {
  histories: { workflowId: string; history: History }[];
  /** Mean events and encoded bytes per history. */
  eventsPerHistory: number;
  bytesPerHistory: number;
  /** Mean count of each kind of event that costs the server a task or a write. */
  shape: Record<string, number>;
}

/** The replay rate of one set of histories. */
export interface ReplayRate {
  replays: number;
  distinct: number;
  seconds: number;
  perSecond: number;
  failures: number;
  firstFailure?: string;
}

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

/** Bundle a workflows module once, as the worker would. */
export async function bundle(workflowsPath: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: path.resolve(workflowsPath), logger: quiet });
  return code;
}

const EventType = protos.temporal.api.enums.v1.EventType;
const counted: Record<string, number[]> = {
  activities: [EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED],
  'workflow tasks': [EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED],
  'timers started': [EventType.EVENT_TYPE_TIMER_STARTED],
  updates: [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED],
  'search attribute upserts': [EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES],
};

/** Fetch the histories of `workflowIds`, a few at a time. */
export async function fetchHistories(client: Client, ids: string[]): Promise<Recorded['histories']> {
  const histories: Recorded['histories'] = new Array(ids.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < ids.length) {
        const i = next++;
        histories[i] = { workflowId: ids[i]!, history: await client.workflow.getHandle(ids[i]!).fetchHistory() };
      }
    }),
  );
  return histories;
}

/** Fetch the histories of `workflowIds` (up to `limit`) with their figures. */
export async function record(client: Client, workflowIds: string[], limit: number): Promise<Recorded> {
  const histories = await fetchHistories(client, workflowIds.slice(0, limit));
  const n = Math.max(histories.length, 1);
  const events = histories.reduce((sum, h) => sum + (h.history.events?.length ?? 0), 0);
  const bytes = histories.reduce((sum, h) => sum + protos.temporal.api.history.v1.History.encode(h.history).finish().length, 0);
  const shape = Object.fromEntries(
    Object.entries(counted).map(([name, types]) => [
      name,
      round(histories.reduce((sum, h) => sum + (h.history.events ?? []).filter((e) => types.includes(e.eventType ?? 0)).length, 0) / n, 1),
    ]),
  );
  return { histories, eventsPerHistory: round(events / n, 1), bytesPerHistory: Math.round(bytes / n), shape };
}

async function replayAll(code: string, histories: Recorded['histories'], name: string): Promise<{ failures: number; firstFailure?: string }> {
  let failures = 0;
  let firstFailure: string | undefined;
  for await (const result of Worker.runReplayHistories({ workflowBundle: { code }, replayName: name }, histories)) {
    if (result.error) {
      failures += 1;
      firstFailure ??= `${result.workflowId}: ${result.error.message}`;
    }
  }
  return { failures, ...(firstFailure ? { firstFailure } : {}) };
}

/** Replay `count` histories (cycling through the recorded ones when fewer were recorded), after a short warm-up. */
export async function replayRate(code: string, recorded: Recorded, count: number, name: string): Promise<ReplayRate> {
  const { histories } = recorded;
  if (histories.length === 0) return { replays: 0, distinct: 0, seconds: 0, perSecond: 0, failures: 0 };
  await replayAll(code, histories.slice(0, 20), `${name}-warm-up`);
  const work = Array.from({ length: count }, (_, i) => histories[i % histories.length]!);
  const t0 = performance.now();
  const { failures, firstFailure } = await replayAll(code, work, name);
  const seconds = (performance.now() - t0) / 1000;
  return {
    replays: count,
    distinct: histories.length,
    seconds: round(seconds, 2),
    perSecond: round(count / seconds, 1),
    failures,
    ...(firstFailure ? { firstFailure } : {}),
  };
}
