/**
 * The audit replay check as an activity. It runs on a task queue of its own
 * (`<taskQueue>-replay`), served by a worker that takes few at a time (worker.ts): each
 * replay takes a core. The HTTP API only starts auditReplayWorkflow and waits for its verdict.
 */
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { Context } from '@temporalio/activity';
import type { PayloadCodec } from '@temporalio/common';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { decodeSealedPayloads, encryptedEncoding } from '../payload-codec.js';
import type { ReplayReport, ReplaySourceRef } from '../workflows/audit-replay.contract.js';
import { replayHistories, type ReplaySource } from './replay/replay.js';

const gunzipAsync = promisify(gunzip);

export interface ReplayActivityDeps {
  /** The workflow bundle of this build, as the worker runs it (see worker.ts). */
  workflowBundle: () => Promise<string>;
  /** The payload codec histories were sealed with, if any: the replayer reads them opened. */
  codec?: PayloadCodec;
}

/**
 * A source as the replayer reads it: text sent by the caller, or a process's history fetched
 * through the worker's client; sealed payloads opened with `codec` (an uploaded history may be
 * a raw one, sealed too).
 */
function readable(source: ReplaySourceRef, codec: PayloadCodec | undefined): ReplaySource {
  if (source.kind === 'history') {
    return {
      name: source.name,
      load: async () => {
        const text = (await gunzipAsync(Buffer.from(source.gzippedJson, 'base64'))).toString('utf8');
        if (!codec || !text.includes(sealedMarker)) return text;
        // A text the replayer will refuse anyway (not JSON, not a history) goes to it as it came, for its own verdict.
        const history = (() => {
          try {
            return historyFromJSON(JSON.parse(text));
          } catch {
            return undefined;
          }
        })();
        return history ? historyToJSON(await decodeSealedPayloads(history, codec)) : text;
      },
    };
  }
  return {
    name: source.name,
    load: async () => historyToJSON(await decodeSealedPayloads(await Context.current().client.workflow.getHandle(source.workflowId, source.runId).fetchHistory(), codec)),
  };
}

// `binary/encrypted` in base64, as a sealed payload's metadata shows in a history's JSON.
const sealedMarker = Buffer.from(encryptedEncoding).toString('base64');

export function createReplayActivities(deps: ReplayActivityDeps) {
  return {
    /** Replay histories against the workflow code of this build: a verdict per history, in order. */
    async replayHistories(input: { sources: ReplaySourceRef[] }): Promise<ReplayReport[]> {
      const context = Context.current();
      // Heartbeats let the server tell a lost worker, and let a check nobody waits for any more be called off.
      const beat = setInterval(() => context.heartbeat(), 5_000);
      try {
        return await replayHistories(input.sources.map((s) => readable(s, deps.codec)), await deps.workflowBundle(), { signal: context.cancellationSignal });
      } finally {
        clearInterval(beat);
      }
    },
  };
}
