/**
 * The worker process: runs workflow code and activities on the task queue, and the audit
 * replay checks on `<taskQueue>-replay`, a few at a time. Wiring only.
 */
import { readFile } from 'node:fs/promises';
import { DefaultLogger, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { createActivities } from './activities/index.js';
import { createReplayActivities } from './activities/replay-histories.js';
import { buildWorkflowBundle } from './activities/replay/replay.js';
import { bootConfig } from './config.js';
import { createDb, runMigrations } from './db/index.js';
import { createLogger } from './logger.js';
import { createNotifier } from './activities/notifier.js';
import { connectWorker } from './temporal-worker.js';
import { workerHeartbeatIntervalMs } from './temporal.js';
import { staleBundleReason, workflowBundlePath } from './scripts/workflow-bundle.js';
import { replayTaskQueue } from './workflows/audit-replay.contract.js';

const config = bootConfig();
const logger = createLogger(config.logLevel, 'worker');
const sdkLevel = config.logLevel === 'debug' || config.logLevel === 'trace' ? 'DEBUG' : 'WARN';
Runtime.install({
  // Frequent heartbeats let /readyz tell a worker that is polling now from one that died a moment ago.
  workerHeartbeatInterval: workerHeartbeatIntervalMs,
  logger: new DefaultLogger(sdkLevel, (entry) => logger[entry.level === 'WARN' ? 'warn' : entry.level === 'ERROR' ? 'error' : 'debug'](entry.meta ?? {}, entry.message)),
  telemetryOptions: {
    logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} },
    // The SDK's own exporter: workflow and activity task latencies, schedule-to-start, sticky cache, pollers.
    ...(config.workerMetricsAddress ? { metrics: { prometheus: { bindAddress: config.workerMetricsAddress, useSecondsForDurations: true } } } : {}),
  },
});

const database = createDb(config.database.url);
await runMigrations(database);
const connection = await connectWorker(config.temporal, logger);
const stale = await staleBundleReason();
if (stale) logger.info(`${stale}: bundling the workflow code now (run \`npm run build\` to start faster)`);
// One bundle for both workers: the workflows run from it, and replay checks replay against it.
const workflowCode = stale ? await buildWorkflowBundle() : await readFile(workflowBundlePath, 'utf8');
const worker = await Worker.create({
  connection,
  namespace: config.temporal.namespace,
  taskQueue: config.temporal.taskQueue,
  workflowBundle: { code: workflowCode },
  activities: createActivities({ db: database.db, notifier: createNotifier(config.notifications, logger), logger }),
  // A worker that dies without saying so (SIGKILL, a lost node) keeps its workflows' next tasks on
  // its own queue until this runs out; 10 s by default, which would delay every overdue escalation
  // by that much after a crash. 3 s still rides out a long GC pause under load.
  stickyQueueScheduleToStartTimeout: '3s',
});
const replayWorker = await Worker.create({
  connection,
  namespace: config.temporal.namespace,
  taskQueue: replayTaskQueue(config.temporal.taskQueue),
  activities: createReplayActivities({ workflowBundle: () => Promise.resolve(workflowCode) }),
  maxConcurrentActivityTaskExecutions: config.temporal.replayConcurrency,
});
logger.info({ taskQueue: config.temporal.taskQueue, replayTaskQueue: replayTaskQueue(config.temporal.taskQueue) }, 'worker polling');
// The workers stop on SIGINT/SIGTERM by themselves, finishing the tasks in hand.
await Promise.all([worker.run(), replayWorker.run()]);
await connection.close();
await database.close();
logger.info('worker stopped');
