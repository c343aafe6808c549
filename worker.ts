/**
 * The worker process: runs workflow code and activities on the task queue, and the audit
 * replay checks on `<taskQueue>-replay`, a few at a time. Wiring only.
 */
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { createActivities } from './activities/index.js';
import { createReplayActivities } from './activities/replay-histories.js';
import { cachedWorkflowBundle } from './activities/replay/replay.js';
import { bootConfig } from './config.js';
import { createDb, runMigrations } from './db/index.js';
import { createLogger } from './logger.js';
import { createNotifier } from './activities/notifier.js';
import { connectWorker } from './temporal-worker.js';
import { replayTaskQueue } from './workflows/audit-replay.contract.js';

const config = bootConfig();
const logger = createLogger(config.logLevel, 'worker');
const sdkLevel = config.logLevel === 'debug' || config.logLevel === 'trace' ? 'DEBUG' : 'WARN';
Runtime.install({
  logger: new DefaultLogger(sdkLevel, (entry) => logger[entry.level === 'WARN' ? 'warn' : entry.level === 'ERROR' ? 'error' : 'debug'](entry.meta ?? {}, entry.message)),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} } },
});

const database = createDb(config.database.url);
await runMigrations(database);
const connection = await connectWorker(config.temporal, logger);
const worker = await Worker.create({
  connection,
  namespace: config.temporal.namespace,
  taskQueue: config.temporal.taskQueue,
  workflowsPath: fileURLToPath(new URL('./workflows/index.ts', import.meta.url)),
  activities: createActivities({ db: database.db, notifier: createNotifier(config.notifications, logger), logger }),
});
// Built now, not on the first check: bundling takes seconds.
const workflowBundle = cachedWorkflowBundle();
workflowBundle().catch((err: unknown) => logger.warn({ err }, 'could not bundle the workflow code for replay checks; trying again on the first check'));
const replayWorker = await Worker.create({
  connection,
  namespace: config.temporal.namespace,
  taskQueue: replayTaskQueue(config.temporal.taskQueue),
  activities: createReplayActivities({ workflowBundle }),
  maxConcurrentActivityTaskExecutions: config.temporal.replayConcurrency,
});
logger.info({ taskQueue: config.temporal.taskQueue, replayTaskQueue: replayTaskQueue(config.temporal.taskQueue) }, 'worker polling');
// The workers stop on SIGINT/SIGTERM by themselves, finishing the tasks in hand.
await Promise.all([worker.run(), replayWorker.run()]);
await connection.close();
await database.close();
logger.info('worker stopped');
