/**
 * The application half of `npm start` and `npm run cluster`: migrations, the demo seed, then the
 * worker and the API as supervised child processes, and the banner once the API is ready.
 */
import type { Config } from '../config.js';
import { createDb, runMigrations } from '../db/index.js';
import { demoPropertyId, demoStaff, seedDemo } from '../db/seed.js';
import { startEmbeddedPostgres } from '../db/embedded.js';
import { nodeChild, urlAnswers, type ChildSpec, type Supervisor } from './supervisor.js';

/** The embedded PostgreSQL server with the app's database, as a supervised child. */
export function embeddedPostgresChild(config: Config, dataDir: string): ChildSpec {
  return {
    name: 'embedded PostgreSQL',
    async start() {
      const pg = await startEmbeddedPostgres({ dataDir, port: config.database.embeddedPort, password: config.database.embeddedPassword });
      await pg.ensureDatabase('property_ops');
      return { exited: pg.exited.then(() => 'the server process exited'), stop: () => pg.stop() };
    },
  };
}

/** Starts the worker and the API under `supervisor` once the database is migrated; prints where everything is. */
export async function startApplication(supervisor: Supervisor, config: Config, opts: { temporalUi?: string; engine: string }): Promise<void> {
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
    `Property Ops is up (${opts.engine}).`,
    `  API           ${base}/v1`,
    `  API docs      ${base}/docs   (OpenAPI: ${base}/openapi.json)`,
    `  Readiness     ${base}/readyz`,
    ...(opts.temporalUi ? [`  Temporal UI   ${opts.temporalUi}`] : []),
    `  Temporal gRPC ${config.temporal.address}  (namespace ${config.temporal.namespace}, task queue ${config.temporal.taskQueue})`,
    '',
    `Demo property: ${demoPropertyId}. Demo users (get a token with: npm run token -- <username>):`,
    ...demoStaff.map((s) => `  ${s.username.padEnd(18)} ${s.role}`),
    '',
    'Press Ctrl-C to stop everything.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
