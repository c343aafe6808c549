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
import { mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { bootConfig } from '../config.js';
import { startEmbeddedPostgres } from '../db/embedded.js';
import { createDb, runMigrations } from '../db/index.js';
import { demoPropertyId, demoStaff, seedDemo } from '../db/seed.js';
import { devServerSearchAttributes } from '../workflows/search-attributes.js';
import { Supervisor, nodeChild, portOpen, processChild, urlAnswers } from './supervisor.js';
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
    ];
    supervisor.say(`starting the Temporal dev server (log: ${path.relative(process.cwd(), logFile)})`);
    await supervisor.start(
      processChild({
        name: 'the Temporal dev server',
        command: cli,
        args,
        stdio: () => { const out = openSync(logFile, 'a'); return ['ignore', out, out]; },
        ready: () => portOpen(temporalHost, Number(temporalPort)),
        readySeconds: 60,
        logHint: `see ${path.relative(process.cwd(), logFile)}`,
      }),
    );
  }

  if (config.database.embedded) {
    supervisor.say(`starting embedded PostgreSQL on port ${config.database.embeddedPort} (data: ${path.relative(process.cwd(), config.database.dataDir)})`);
    await supervisor.start({
      name: 'embedded PostgreSQL',
      async start() {
        const pg = await startEmbeddedPostgres({
          dataDir: config.database.dataDir,
          port: config.database.embeddedPort,
          password: config.database.embeddedPassword,
        });
        await pg.ensureDatabase('property_ops');
        return { exited: pg.exited.then(() => 'the server process exited'), stop: () => pg.stop() };
      },
    });
  } else {
    supervisor.say('using the PostgreSQL server at DATABASE_URL');
  }

  const database = createDb(config.database.url, { max: 2 });
  try {
    await runMigrations(database);
    if (await seedDemo(database.db)) supervisor.say(`seeded the demo property ${demoPropertyId}`);
  } finally {
    await database.close();
  }

  const base = `http://${config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host}:${config.http.port}`;
  await supervisor.start(nodeChild({ name: 'the worker', entry: 'worker.ts' }));
  await supervisor.start(nodeChild({ name: 'the API', entry: 'server.ts', ready: () => urlAnswers(`${base}/readyz`), readySeconds: 120 }));

  const lines = [
    '',
    'Property Ops is up.',
    `  API           ${base}/v1`,
    `  API docs      ${base}/docs   (OpenAPI: ${base}/openapi.json)`,
    `  Readiness     ${base}/readyz`,
    ...(local ? [`  Temporal UI   http://${temporalHost}:${config.temporal.uiPort}`] : []),
    `  Temporal gRPC ${config.temporal.address}  (namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue})`,
    '',
    `Demo property: ${demoPropertyId}. Demo users (get a token with: npm run token -- <username>):`,
    ...demoStaff.map((s) => `  ${s.username.padEnd(18)} ${s.role}`),
    '',
    'Press Ctrl-C to stop everything.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
});
