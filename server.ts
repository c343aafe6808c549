/** The HTTP API process: config, database, Temporal client, Fastify. Wiring only. */
import { bootConfig } from './config.js';
import { createDb, runMigrations } from './db/index.js';
import { buildApp } from './api/app.js';
import { connectClient } from './temporal.js';
import { createLogger } from './logger.js';

const config = bootConfig();
const logger = createLogger(config.logLevel, 'api');
const database = createDb(config.database.url);
await runMigrations(database);
const temporal = await connectClient(config.temporal, logger);
const app = await buildApp({
  db: database.db,
  temporal,
  taskQueue: config.temporal.taskQueue,
  auth: config.auth,
  replacementRule: config.maintenance.replacementRule,
  logger,
});
await app.listen({ host: config.http.host, port: config.http.port });

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping');
  await app.close();
  await temporal.connection.close();
  await database.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
