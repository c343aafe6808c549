/**
 * What a workflow test file runs on: the time-skipping server (or the dev server), a fresh demo database and a
 * worker over the real workflows and activities (notifications recorded, not sent) — set up
 * before the file's tests and torn down after them — plus a plain SQL read of the database.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll } from 'vitest';
import { seedDemo } from '../../db/seed.js';
import { freshDatabase, type TestDatabase } from './db.js';
import { devServerEnv, timeSkippingEnv } from './temporal.js';
import type { Notifier } from '../../activities/notifier.js';
import { recordingNotifier, workOrderWorker } from './work-orders.js';

export interface WorkflowStack {
  env: TestWorkflowEnvironment;
  database: TestDatabase;
  worker: Worker;
  /** Rows of a query against the test database. */
  rows: <T = Record<string, unknown>>(query: string, params: unknown[]) => Promise<T[]>;
}

/**
 * Register the set-up and tear-down hooks (the worker's messages go to `opts.notifier`,
 * recorded by default; `opts.server: 'dev'` runs on the real dev server, in real time, for
 * paths the time-skipping server is known to wedge); read the stack's parts inside tests.
 */
export function workflowStack(opts: { notifier?: Notifier; server?: 'time-skipping' | 'dev' } = {}): WorkflowStack {
  let env: TestWorkflowEnvironment | undefined;
  let database: TestDatabase | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  beforeAll(async () => {
    [env, database] = await Promise.all([opts.server === 'dev' ? devServerEnv() : timeSkippingEnv(), freshDatabase()]);
    await seedDemo(database.db);
    worker = await workOrderWorker(env, database.db, { notifier: opts.notifier ?? recordingNotifier() });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
    await database?.drop();
  });
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not set up yet: read it inside a test`);
    return value;
  };
  return {
    get env() {
      return ready(env, 'the Temporal environment');
    },
    get database() {
      return ready(database, 'the database');
    },
    get worker() {
      return ready(worker, 'the worker');
    },
    rows: async <T>(query: string, params: unknown[]) => (await ready(database, 'the database').pool.query(query, params)).rows as T[],
  };
}
