/**
 * `npm start`: the whole system on the embedded default, in one terminal. Starts the
 * Temporal dev server (SQLite state and Web UI under DATA_DIR), embedded PostgreSQL
 * (unless DATABASE_URL is set), applies migrations, seeds the demo property, then runs
 * the worker and the API as separate child processes, restarting either if it dies.
 * Ctrl-C stops everything; the next start finds all data where it was left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { bootConfig } from '../config.js';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../db/embedded.js';
import { createDb, runMigrations } from '../db/index.js';
import { demoPropertyId, demoStaff, seedDemo } from '../db/seed.js';
import { devServerSearchAttributes } from '../workflows/search-attributes.js';
import { ensureTemporalCli, MissingPrerequisiteError } from './toolchain.js';

const config = bootConfig();
const say = (line: string) => process.stdout.write(`[start] ${line}\n`);
const children = new Map<string, ChildProcess>();
let stopping = false;
let postgres: EmbeddedPostgresHandle | undefined;

function portOpen(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitFor(what: string, check: () => Promise<boolean>, seconds: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (await check()) return;
    if (child && child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} during start-up`);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not come up within ${seconds} s`);
}

async function stopAll(code: number): Promise<never> {
  if (stopping) return new Promise(() => undefined);
  stopping = true;
  say('stopping…');
  const exits = [...children.entries()].reverse().map(
    ([, child]) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
      }),
  );
  await Promise.all(exits);
  await postgres?.stop();
  say('stopped');
  process.exit(code);
}

/**
 * Run `node --import tsx <entry>` as a supervised child, restarted if it dies (kill the
 * worker mid-process and watch nothing get lost). Three quick crashes in a row stop the
 * whole system: that is a bug or a bad configuration, not a passing fault.
 */
function supervise(name: string, entry: string, quickCrashes = 0): ChildProcess {
  const startedAt = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { stdio: 'inherit', env: process.env });
  children.set(name, child);
  child.once('exit', (code, signal) => {
    if (stopping) return;
    const crashes = Date.now() - startedAt < 10_000 ? quickCrashes + 1 : 0;
    if (crashes >= 3) {
      say(`${name} keeps exiting right after start (${signal ?? `code ${code}`}); giving up`);
      void stopAll(1);
      return;
    }
    say(`${name} exited (${signal ?? `code ${code}`}); restarting it in 1 s`);
    setTimeout(() => {
      if (!stopping) supervise(name, entry, crashes);
    }, 1000);
  });
  return child;
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

try {
  mkdirSync(config.dataDir, { recursive: true });

  const [temporalHost = '127.0.0.1', temporalPort = '7233'] = config.temporal.address.split(':');
  const local = ['127.0.0.1', 'localhost'].includes(temporalHost);
  if (!local) {
    say(`using the Temporal server at ${config.temporal.address}`);
  } else if (await portOpen(temporalHost, Number(temporalPort))) {
    say(`a server already listens on ${config.temporal.address}; using it as the Temporal server`);
  } else {
    const cli = await ensureTemporalCli({ cacheDir: config.toolsCacheDir, ...(config.temporal.cliPath ? { cliPath: config.temporal.cliPath } : {}) });
    const logFile = path.join(config.dataDir, 'temporal.log');
    const out = openSync(logFile, 'a');
    const args = [
      'server', 'start-dev',
      '--db-filename', path.join(config.dataDir, 'temporal.db'),
      '--ip', temporalHost,
      '--port', temporalPort,
      '--ui-port', String(config.temporal.uiPort),
      '--namespace', config.temporal.namespace,
      ...devServerSearchAttributes.flatMap((sa) => ['--search-attribute', sa]),
    ];
    say(`starting the Temporal dev server (log: ${path.relative(process.cwd(), logFile)})`);
    const temporal = spawn(cli, args, { stdio: ['ignore', out, out] });
    children.set('temporal', temporal);
    temporal.once('exit', (code, signal) => {
      if (!stopping) {
        say(`the Temporal dev server exited (${signal ?? `code ${code}`}); see ${logFile}`);
        void stopAll(1);
      }
    });
    await waitFor('the Temporal dev server', () => portOpen(temporalHost, Number(temporalPort)), 60, temporal);
  }

  if (config.database.embedded) {
    say(`starting embedded PostgreSQL on port ${config.database.embeddedPort} (data: ${path.relative(process.cwd(), config.database.dataDir)})`);
    postgres = await startEmbeddedPostgres({
      dataDir: config.database.dataDir,
      port: config.database.embeddedPort,
      password: config.database.embeddedPassword,
    });
    await postgres.ensureDatabase('property_ops');
  } else {
    say('using the PostgreSQL server at DATABASE_URL');
  }

  const database = createDb(config.database.url, { max: 2 });
  await runMigrations(database);
  if (await seedDemo(database.db)) say(`seeded the demo property ${demoPropertyId}`);
  await database.close();

  supervise('worker', 'worker.ts');
  supervise('api', 'server.ts');
  const base = `http://${config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host}:${config.http.port}`;
  await waitFor(
    'the API',
    async () => {
      try {
        return (await fetch(`${base}/readyz`)).status === 200;
      } catch {
        return false;
      }
    },
    120,
  );
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
} catch (err) {
  if (err instanceof MissingPrerequisiteError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`start failed: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  await stopAll(1);
}
