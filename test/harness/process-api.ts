/**
 * What an API test of a process resource runs on: the time-skipping server (or the dev server), a fresh demo
 * database, a worker over the real workflows and activities, and the API over them — set up
 * before the file's tests and torn down after them.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll } from 'vitest';
import { seedDemo } from '../../db/seed.js';
import { testApp, type TestApp } from './api.js';
import { freshDatabase, type TestDatabase } from './db.js';
import { devServerEnv, timeSkippingEnv } from './temporal.js';
import { workOrderWorker } from './work-orders.js';

export interface ProcessApiStack {
  env: TestWorkflowEnvironment;
  database: TestDatabase;
  t: TestApp;
}

const ready = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new Error(`${what} is not set up yet: read it inside a test or a later hook`);
  return value;
};

/** Register the set-up and tear-down hooks; the stack's parts are there from the first test on. `server`: the time-skipping one by default, or the dev server. */
export function processApiStack(server: 'time-skipping' | 'dev' = 'time-skipping'): ProcessApiStack {
  let env: TestWorkflowEnvironment | undefined;
  let database: TestDatabase | undefined;
  let t: TestApp | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  beforeAll(async () => {
    [env, database] = await Promise.all([server === 'dev' ? devServerEnv() : timeSkippingEnv(), freshDatabase()]);
    await seedDemo(database.db);
    worker = await workOrderWorker(env, database.db);
    running = worker.run();
    t = await testApp(database.db, { temporal: env.client, taskQueue: worker.options.taskQueue });
  });
  afterAll(async () => {
    await t?.close();
    worker?.shutdown();
    await running;
    await env?.teardown();
    await database?.drop();
  });
  return {
    get env() {
      return ready(env, 'the Temporal environment');
    },
    get database() {
      return ready(database, 'the database');
    },
    get t() {
      return ready(t, 'the API');
    },
  };
}
