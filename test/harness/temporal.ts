/**
 * Temporal environments for tests: the Java time-skipping test server (timers skip ahead,
 * nothing waits on the wall clock) and the real dev server (the CLI's start-dev), both
 * started from the binaries the toolchain built, plus a worker over the prebuilt bundle and
 * the replay worker the audit replay check needs.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Runtime, DefaultLogger, TransportError, Worker, type WorkerOptions } from '@temporalio/worker';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { inject } from 'vitest';
import { createReplayActivities } from '../../activities/replay-histories.js';
import { replayTaskQueue } from '../../workflows/audit-replay.contract.js';
import { devServerWorkerHeartbeats, workerHeartbeatIntervalMs } from '../../temporal.js';
import { assigneeKey, categoryKey, processStatusKey, propertyIdKey } from '../../workflows/search-attributes.js';

const searchAttributes = [propertyIdKey, processStatusKey, categoryKey, assigneeKey];

let runtimeInstalled = false;
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  // Workers report as often as worker.ts makes them, so /readyz sees them as in production.
  Runtime.install({ logger: new DefaultLogger('WARN'), workerHeartbeatInterval: workerHeartbeatIntervalMs });
}

/** The time-skipping test server, with our search attributes registered. */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: inject('testServer') } },
  });
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(searchAttributes.map((k) => [k.name, 2 /* KEYWORD */])),
  });
  return env;
}

/** The real dev server (in memory), with our search attributes registered. */
export async function devServerEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: inject('temporalCli') },
      searchAttributes,
      extraArgs: ['--headless', '--log-level', 'error', ...devServerWorkerHeartbeats],
    },
  });
}

/** A worker on a fresh task queue, running the prebuilt bundle of workflows/ (or `workflowsPath` for test-only workflows). */
export async function testWorker(
  env: TestWorkflowEnvironment,
  opts: Partial<WorkerOptions> & Pick<WorkerOptions, 'activities'>,
): Promise<Worker> {
  const taskQueue = opts.taskQueue ?? `test-${randomUUID()}`;
  return withTransientRetry(() =>
    Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      ...(opts.workflowsPath ? {} : { workflowBundle: { codePath: inject('workflowBundle') } }),
      ...opts,
      taskQueue,
    }),
  );
}

/**
 * A worker describes its namespace when it is created. On a loaded CI machine the dev
 * server's SQLite can cut that call short ("GetNamespace operation failed. Error
 * interrupted", status Unavailable); three tries a second apart ride that out, and any
 * other error, or a fourth failure, still fails the test.
 */
async function withTransientRetry<T>(create: () => Promise<T>, tries = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await create();
    } catch (error) {
      const transient = error instanceof TransportError && /code: Unavailable/.test(error.message);
      if (!transient || attempt > tries) throw error;
      await new Promise((r) => setTimeout(r, 1_000));
    }
  }
}

/**
 * The replay worker beside a worker on `taskQueue`, as worker.ts runs it: the replay
 * activity on `<taskQueue>-replay`, one at a time, against the prebuilt bundle.
 */
export async function replayWorker(env: TestWorkflowEnvironment, taskQueue: string): Promise<Worker> {
  const bundlePath = inject('workflowBundle');
  return withTransientRetry(() =>
    Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue: replayTaskQueue(taskQueue),
      activities: createReplayActivities({ workflowBundle: () => readFile(bundlePath, 'utf8') }),
      maxConcurrentActivityTaskExecutions: 1,
    }),
  );
}
