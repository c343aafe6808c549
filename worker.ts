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
import { dataConverterFor } from './payload-codec.js';
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
// Side by side, so a restarted worker polls (and fires what fell due meanwhile) as soon as it can.
const [connection, stale] = await Promise.all([connectWorker(config.temporal, logger), staleBundleReason(), runMigrations(database)]);
if (stale) logger.info(`${stale}: bundling the workflow code now (run \`npm run build\` to start faster)`);
// One bundle for both workers: the workflows run from it, and replay checks replay against it.
const workflowCode = stale ? await buildWorkflowBundle() : await readFile(workflowBundlePath, 'utf8');
// With keys configured, every payload goes to Temporal sealed (histories encrypted at rest).
const converter = dataConverterFor(config.payloadKeys);
const codec = converter.dataConverter?.payloadCodecs[0];
const worker = await Worker.create({
  connection,
  ...converter,
  namespace: config.temporal.namespace,
  taskQueue: config.temporal.taskQueue,
  workflowBundle: { code: workflowCode },
  activities: createActivities({ db: database.db, notifier: createNotifier(config.notifications, logger), logger, taskLeadMs: config.maintenance.taskLeadMs }),
  // A worker that dies without saying so (SIGKILL, a lost node) keeps its workflows' next tasks on
  // its own queue until this runs out; 10 s by default, which would delay every overdue escalation
  // by that much after a crash. A live worker polls its own queue all the time, so 1 s is missed
  // only by a worker already saturated, and then the task goes to the shared queue (a replay).
  stickyQueueScheduleToStartTimeout: '1s',
});
const replayWorker = await Worker.create({
  connection,
  namespace: config.temporal.namespace,
  taskQueue: replayTaskQueue(config.temporal.taskQueue),
  ...converter,
  activities: createReplayActivities({ workflowBundle: () => Promise.resolve(workflowCode), ...(codec ? { codec } : {}) }),
  maxConcurrentActivityTaskExecutions: config.temporal.replayConcurrency,
});
logger.info({ taskQueue: config.temporal.taskQueue, replayTaskQueue: replayTaskQueue(config.temporal.taskQueue), startupMs: Math.round(performance.now()) }, 'worker polling');
// The workers stop on SIGINT/SIGTERM by themselves, finishing the tasks in hand.
await Promise.all([worker.run(), replayWorker.run()]);
await connection.close();
await database.close();
logger.info('worker stopped');
