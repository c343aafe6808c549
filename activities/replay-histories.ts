/**
 * The audit replay check as an activity. It runs on a task queue of its own
 * (`<taskQueue>-replay`), served by a worker that takes few at a time (worker.ts): each
 * replay takes a core. The HTTP API only starts auditReplayWorkflow and waits for its verdict.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { Context } from '@temporalio/activity';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { ReplayReport, ReplaySourceRef } from '../workflows/audit-replay.contract.js';
import { replayHistories, type ReplaySource } from './replay/replay.js';

const gunzipAsync = promisify(gunzip);

export interface ReplayActivityDeps {
  /** The workflow bundle of this build, as the worker runs it (see worker.ts). */
  workflowBundle: () => Promise<string>;
}

/** A source as the replayer reads it: text sent by the caller, or a process's history fetched through the worker's client. */
function readable(source: ReplaySourceRef): ReplaySource {
  if (source.kind === 'history') {
    return { name: source.name, load: async () => (await gunzipAsync(Buffer.from(source.gzippedJson, 'base64'))).toString('utf8') };
  }
  return {
    name: source.name,
    load: async () => historyToJSON(await Context.current().client.workflow.getHandle(source.workflowId, source.runId).fetchHistory()),
  };
}

export function createReplayActivities(deps: ReplayActivityDeps) {
  return {
    /** Replay histories against the workflow code of this build: a verdict per history, in order. */
    async replayHistories(input: { sources: ReplaySourceRef[] }): Promise<ReplayReport[]> {
      const context = Context.current();
      // Heartbeats let the server tell a lost worker, and let a check nobody waits for any more be called off.
      const beat = setInterval(() => context.heartbeat(), 5_000);
      try {
        return await replayHistories(input.sources.map(readable), await deps.workflowBundle(), { signal: context.cancellationSignal });
      } finally {
        clearInterval(beat);
      }
    },
  };
}
