/** The HTTP API process: config, database, Temporal client, Fastify. Wiring only. */
import { bootConfig } from './config.js';
import { createDb, runMigrations } from './db/index.js';
import { buildApp } from './api/app.js';
import { patrolScheduleWorkflows } from './api/patrols/schedule-engine.js';
import { drillScheduleWorkflows, TemporalPlanEngine } from './api/recurring-plans/temporal-engine.js';
import { connectClient } from './temporal.js';
import { EncryptionCodec } from './payload-codec.js';
import { createLogger } from './logger.js';

const config = bootConfig();
const logger = createLogger(config.logLevel, 'api');
const database = createDb(config.database.url);
await runMigrations(database);
const temporal = await connectClient(config.temporal, logger, config.payloadKeys);
const payloadCodec = config.payloadKeys ? new EncryptionCodec(config.payloadKeys) : undefined;
const planEngine = new TemporalPlanEngine({ temporal, db: database.db, taskQueue: config.temporal.taskQueue, logger });
const patrolEngine = new TemporalPlanEngine({ temporal, db: database.db, taskQueue: config.temporal.taskQueue, logger, kind: patrolScheduleWorkflows });
const drillScheduleEngine = new TemporalPlanEngine({ temporal, db: database.db, taskQueue: config.temporal.taskQueue, logger, kind: drillScheduleWorkflows });
const app = await buildApp({
  db: database.db,
  temporal,
  taskQueue: config.temporal.taskQueue,
  auth: config.auth,
  limits: config.limits,
  replacementRule: config.maintenance.replacementRule,
  incidentDedupeWindowMs: config.incidents.dedupeWindowMs,
  planEngine,
  patrolEngine,
  drillScheduleEngine,
  logger,
  ...(payloadCodec ? { payloadCodec } : {}),
  codecCorsOrigins: config.codecCorsOrigins,
});
await app.listen({ host: config.http.host, port: config.http.port });
// Plans written without an engine (the demo seed) or while Temporal was down get their workflow;
// in the background, retried until Temporal answers: the API serves meanwhile.
planEngine.ensureInBackground();
patrolEngine.ensureInBackground();
drillScheduleEngine.ensureInBackground();

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping');
  await app.close();
  await planEngine.close();
  await patrolEngine.close();
  await drillScheduleEngine.close();
  await temporal.connection.close();
  await database.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
