/**
 * `npm start`: the whole system on the embedded default, in one terminal. Builds the workflow
 * bundle if it is stale, starts the Temporal dev server (SQLite state and Web UI under
 * DATA_DIR), embedded PostgreSQL (unless DATABASE_URL is set), applies migrations, seeds the
 * demo property, then runs the worker and the API as separate child processes.
 *
 * A supervisor: every child that dies is restarted, after 1 s and then up to 30 s apart while it
 * keeps dying; timers, escalations and data survive in the dev server's and PostgreSQL's files.
 * A failure during start-up stops what was already started and says what failed in one sentence.
 * Ctrl-C stops everything; the next start finds all data where it was left.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { bootConfig } from '../config.js';
import { devServerSearchAttributes } from '../workflows/search-attributes.js';
import { devServerWorkerHeartbeats } from '../temporal.js';
import { embeddedPostgresChild, startApplication } from './application.js';
import { Supervisor, portOpen, processChild } from './supervisor.js';
import { ensureTemporalCli } from './toolchain.js';
import { ensureWorkflowBundle } from './workflow-bundle.js';

const config = bootConfig();
const supervisor = new Supervisor('start');

await supervisor.run(async () => {
  mkdirSync(config.dataDir, { recursive: true });
  if (await ensureWorkflowBundle()) supervisor.say('built the workflow bundle (.build/workflow-bundle.js)');

  const [temporalHost = '127.0.0.1', temporalPort = '7233'] = config.temporal.address.split(':');
  const local = ['127.0.0.1', 'localhost'].includes(temporalHost);
  if (!local) {
    supervisor.say(`using the Temporal server at ${config.temporal.address}`);
  } else if (await portOpen(temporalHost, Number(temporalPort))) {
    supervisor.say(`a server already listens on ${config.temporal.address}; using it as the Temporal server`);
  } else {
    const cli = await ensureTemporalCli({ cacheDir: config.toolsCacheDir, ...(config.temporal.cliPath ? { cliPath: config.temporal.cliPath } : {}) });
    const logFile = path.join(config.dataDir, 'temporal.log');
    const args = [
      'server', 'start-dev',
      '--db-filename', path.join(config.dataDir, 'temporal.db'),
      '--ip', temporalHost,
      '--port', temporalPort,
      '--ui-port', String(config.temporal.uiPort),
      '--namespace', config.temporal.namespace,
      ...devServerSearchAttributes.flatMap((sa) => ['--search-attribute', sa]),
      ...devServerWorkerHeartbeats,
    ];
    supervisor.say(`starting the Temporal dev server (log: ${path.relative(process.cwd(), logFile)})`);
    await supervisor.start(
      processChild({
        name: 'the Temporal dev server',
        command: cli,
        args,
        ready: () => portOpen(temporalHost, Number(temporalPort)),
        readySeconds: 60,
        logFile,
      }),
    );
  }

  if (config.database.embedded) {
    supervisor.say(`starting embedded PostgreSQL on port ${config.database.embeddedPort} (data: ${path.relative(process.cwd(), config.database.dataDir)})`);
    await supervisor.start(embeddedPostgresChild(config, config.database.dataDir));
  } else {
    supervisor.say('using the PostgreSQL server at DATABASE_URL');
  }

  await startApplication(supervisor, config, {
    engine: 'Temporal dev server',
    ...(local ? { temporalUi: `http://${temporalHost}:${config.temporal.uiPort}` } : {}),
  });
});
