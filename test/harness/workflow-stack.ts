/**
 * What a workflow test file runs on: the time-skipping server, a fresh demo database and a
 * worker over the real workflows and activities — set up before the file's tests and torn
 * down after them.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll } from 'vitest';
import { seedDemo } from '../../db/seed.js';
import { freshDatabase, type TestDatabase } from './db.js';
import { timeSkippingEnv } from './temporal.js';
import { workOrderWorker } from './work-orders.js';

export interface WorkflowStack {
  env: TestWorkflowEnvironment;
  database: TestDatabase;
  worker: Worker;
}

/** Register the set-up and tear-down hooks; read the parts inside tests (they are there from the first test on). */
export function workflowStack(): WorkflowStack {
  const parts: Partial<WorkflowStack> = {};
  let running: Promise<void> | undefined;
  beforeAll(async () => {
    const [env, database] = await Promise.all([timeSkippingEnv(), freshDatabase()]);
    Object.assign(parts, { env, database });
    await seedDemo(database.db);
    parts.worker = await workOrderWorker(env, database.db);
    running = parts.worker.run();
  });
  afterAll(async () => {
    parts.worker?.shutdown();
    await running;
    await parts.env?.teardown();
    await parts.database?.drop();
  });
  const ready = <K extends keyof WorkflowStack>(key: K): WorkflowStack[K] => {
    const part = parts[key];
    if (part === undefined) throw new Error(`the ${key} is not set up yet: read it inside a test or a later hook`);
    return part;
  };
  return {
    get env() {
      return ready('env');
    },
    get database() {
      return ready('database');
    },
    get worker() {
      return ready('worker');
    },
  };
}
