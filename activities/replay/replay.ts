/**
 * The replay check as the worker's replay activity and `npm run replay` use it: build the
 * workflow bundle of this build once, then replay histories in a child process (replay-child.ts)
 * and collect a verdict per history: deterministic, or the first divergence as "event,
 * expected, got". A history that breaks the replayer, or one that takes too long, gets an
 * "unreadable" verdict and a fresh child process carries on with the rest.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { ReplayReport } from '../../workflows/audit-replay.contract.js';
import type { FromChild, ToChild } from './replay-child.js';
import { projectPath } from '../../paths.js';

export type { Divergence, ReplayReport } from '../../workflows/audit-replay.contract.js';

/** The workflows module of this build, as the worker registers it. */
export const workflowsModule = projectPath('workflows', 'index.ts');

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

/** Bundle a workflows module (by default this build's) as the worker would: takes a few seconds, do it once. */
export async function buildWorkflowBundle(workflowsPath: string = workflowsModule): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: path.resolve(workflowsPath), logger: quiet });
  return code;
}

/** A history to check: a name for the report and a way to read its JSON text when its turn comes. */
export interface ReplaySource {
  name: string;
  load(): Promise<string>;
}

/** Options for one run. */
export interface ReplayOptions {
  /** Called with each verdict as soon as it is known, in order. */
  onReport?: (report: ReplayReport, index: number) => void;
  /** A child that says nothing for this long is stopped and its history reported unreadable. */
  idleTimeoutMs?: number;
  /** Stops the replay (the child is killed) and makes the call reject with the signal's reason. */
  signal?: AbortSignal;
}

const childModule = projectPath('activities', 'replay', 'replay-child.ts');
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Run one child over the sources from `next()`; resolves when it exits, with whether it got anywhere. */
function runChild(
  code: string,
  next: () => Promise<(ToChild & { type: 'source' }) | undefined>,
  onReport: (index: number, report: ReplayReport) => void,
  idleTimeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<{ why: string; progressed: boolean; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', tsxLoader, childModule], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
    let progressed = false;
    let why = 'the replay process stopped';
    let stderr = '';
    // Kept only to explain a child that cannot start; never logged (a panic may quote history data).
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        why = `the replay did not finish within ${Math.round(idleTimeoutMs / 1000)} s`;
        child.kill('SIGKILL');
      }, idleTimeoutMs);
    };
    const send = (m: ToChild) => {
      if (child.connected) child.send(m);
    };
    child.on('message', (m: FromChild) => {
      arm();
      progressed = true;
      switch (m.type) {
        case 'next':
          void next().then(
            (source) => send(source ?? { type: 'end' }),
            (err: Error) => {
              why = `could not read the next history: ${err.message}`;
              child.kill('SIGKILL');
            },
          );
          break;
        case 'report':
          onReport(m.index, m.report as ReplayReport);
          break;
        case 'failed':
          why = `the replayer failed on this history: ${m.message}`;
          break;
        case 'done':
          break;
      }
    });
    child.on('error', (err) => {
      why = `could not start the replay process: ${err.message}`;
    });
    const abort = () => {
      why = 'the replay was called off';
      child.kill('SIGKILL');
    };
    signal?.addEventListener('abort', abort, { once: true });
    child.on('exit', () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
      resolve({ why, progressed, stderr });
    });
    if (signal?.aborted) abort();
    arm();
    send({ type: 'start', code });
  });
}

/**
 * Replay `sources` against the workflow bundle `code`. Returns one verdict per source, in
 * order. A source that cannot be loaded, breaks the replayer or stalls is "unreadable".
 */
export async function replayHistories(sources: ReplaySource[], code: string, opts: ReplayOptions = {}): Promise<ReplayReport[]> {
  const reports: (ReplayReport | undefined)[] = sources.map(() => undefined);
  let nextReported = 0;
  // Handed to a child and not answered yet: if the child goes, these have no verdict.
  const pending = new Set<number>();
  const report = (index: number, r: ReplayReport) => {
    pending.delete(index);
    if (reports[index]) return;
    reports[index] = r;
    // Verdicts go out in source order, even when a failed child is replaced mid-way.
    while (nextReported < sources.length && reports[nextReported]) {
      opts.onReport?.(reports[nextReported]!, nextReported);
      nextReported++;
    }
  };
  const unreadable = (name: string, error: string): ReplayReport => ({ name, workflowId: null, workflowType: null, events: 0, outcome: 'unreadable', error });

  let cursor = 0;
  const next = async (): Promise<(ToChild & { type: 'source' }) | undefined> => {
    while (cursor < sources.length) {
      const index = cursor++;
      const source = sources[index]!;
      try {
        const text = await source.load();
        pending.add(index);
        return { type: 'source', index, name: source.name, text };
      } catch (err) {
        report(index, unreadable(source.name, `could not be read: ${(err as Error).message}`));
      }
    }
    return undefined;
  };

  while (nextReported < sources.length) {
    const before = cursor;
    const run = await runChild(code, next, report, opts.idleTimeoutMs ?? 120_000, opts.signal);
    opts.signal?.throwIfAborted();
    for (const index of [...pending]) report(index, unreadable(sources[index]!.name, run.why));
    if (nextReported < sources.length && cursor === before && !run.progressed) {
      throw new Error(`${run.why}${run.stderr ? `: ${run.stderr.trim().split('\n').slice(-3).join(' ')}` : ''}`);
    }
  }
  return reports as ReplayReport[];
}

/** Counts of each verdict. */
export interface ReplaySummary {
  total: number;
  deterministic: number;
  diverged: number;
  unreadable: number;
}

/** Count the verdicts. */
export function summarise(reports: ReplayReport[]): ReplaySummary {
  const count = (o: ReplayReport['outcome']) => reports.filter((r) => r.outcome === o).length;
  return { total: reports.length, deterministic: count('deterministic'), diverged: count('diverged'), unreadable: count('unreadable') };
}

/** One verdict as a line (or three) for a terminal. */
export function formatReport(r: ReplayReport): string {
  const what = [r.workflowType, r.workflowId && r.workflowId !== r.name ? r.workflowId : null, r.events ? `${r.events} events` : null].filter(Boolean).join(', ');
  const head = `${r.outcome.padEnd(13)} ${r.name}${what ? ` (${what})` : ''}`;
  if (r.outcome === 'unreadable') return `${head}\n    ${r.error ?? ''}`;
  if (!r.divergence) return head;
  const d = r.divergence;
  return [
    head,
    `    event:    ${d.eventId ?? 'not named by the SDK'}${d.eventType ? ` (${d.eventType})` : ''}`,
    `    expected: ${d.expected}`,
    `    got:      ${d.got}`,
  ].join('\n');
}

/** The closing line of a run. */
export function formatSummary(s: ReplaySummary): string {
  const noun = s.total === 1 ? 'history' : 'histories';
  return `${s.total} ${noun} replayed: ${s.deterministic} deterministic, ${s.diverged} diverged, ${s.unreadable} unreadable`;
}
