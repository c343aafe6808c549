/**
 * The isolated stack one bench run measures: a Temporal dev server on a file-backed SQLite
 * database in a temporary directory, PostgreSQL (embedded on a free port, or a fresh database
 * on DATABASE_URL), migrations and the demo seed, then worker.ts, server.ts and the bare
 * comparison worker as their own processes, exactly as `npm start` and the e2e test run them.
 * Everything it starts is stopped by `stop()`, which is safe to call more than once.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import protos from '@temporalio/proto';
import Fastify from 'fastify';
import pg from 'pg';
import { authPlugin, signToken } from '../api/auth.js';
import { envSchema, loadConfig } from '../config.js';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from '../db/embedded.js';
import { createDb, runMigrations, type DbHandle } from '../db/index.js';
import { findStaffByUsername } from '../db/reference.js';
import { seedDemo } from '../db/seed.js';
import type { Role } from '../domain/roles.js';
import * as cluster from '../scripts/cluster.js';
import type { Running } from '../scripts/supervisor.js';
import { ensureTemporalCli, ensureTemporalCluster, TEMPORAL_SERVER_VERSION } from '../scripts/toolchain.js';
import type { BareMessage } from './bare-activities.js';
import { startReceiver, type Receiver } from './notifications.js';
import { freePort, portOpen } from './ports.js';
import { devServerWorkerHeartbeats } from '../temporal.js';
import { devServerSearchAttributes } from '../workflows/search-attributes.js';
import { buildEntryPoint } from '../scripts/entry-points.js';
import { ensureWorkflowBundle } from '../scripts/workflow-bundle.js';
import { projectRoot } from '../paths.js';


/** Task queues of the two workers: the product's and the bare comparison's. */
export const taskQueues = { real: 'bench-property-ops', bare: 'bench-bare' } as const;

/** Demo staff the bench acts as. */
export const benchUsers = ['frontdesk.li', 'dispatcher.zhang', 'tech.chen', 'tech.liu', 'manager.zhou'] as const;
export type BenchUser = (typeof benchUsers)[number];

/** A process of the stack whose CPU time and memory the bench reads from /proc. */
export interface Measured {
  name: 'temporal' | 'postgres' | 'worker' | 'api' | 'bare-worker';
  pids: () => number[];
}

export interface StackOptions {
  /** The dev server (SQLite), or the production server as `npm run cluster` runs it (PostgreSQL). */
  engine: 'dev' | 'cluster';
  /** Run worker and API with `--cpu-prof` into this folder. */
  cpuProfileDir?: string;
  say: (line: string) => void;
}

export interface Stack {
  dir: string;
  temporalAddress: string;
  /** `temporal --version` of the dev server binary, or the production server's version. */
  temporalVersion: string;
  /** The Prometheus endpoints of the Temporal process(es). */
  temporalMetricsUrls: string[];
  apiBase: string;
  client: Client;
  db: DbHandle;
  /** A second pool for the bench's own bookkeeping queries, so they never queue behind the load. */
  admin: pg.Pool;
  databaseUrl: string;
  /** Whether pg_stat_statements is loaded (statement counts per phase). */
  statementStats: boolean;
  /** Where the worker's notifications and the bare worker's reports arrive. */
  receiver: Receiver;
  tokens: Record<BenchUser, string>;
  staff: Record<BenchUser, { id: string; name: string; role: Role }>;
  workerPid: () => number | undefined;
  apiPid: () => number | undefined;
  bareWorker: () => ChildProcess | undefined;
  /** SIGKILL the worker or the bare worker and start it again at once (it is ready when it polls); resolves when the new one is launched. */
  killAndRelaunch(name: 'worker' | 'bare-worker'): Promise<{ killedAt: number }>;
  measured: Measured[];
  stop(): Promise<void>;
}

async function waitFor(what: string, check: () => Promise<boolean>, seconds: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`${what} exited (${child.signalCode ?? child.exitCode}) while starting`);
    await delay(200);
  }
  throw new Error(`${what} did not come up within ${seconds} s`);
}

async function stopChild(child: ChildProcess | undefined, graceMs = 15_000): Promise<void> {
  if (!child || child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** The postmaster's PID (first line of postmaster.pid) and its live children, for CPU accounting. */
function postgresPids(dataDir: string | undefined): number[] {
  if (!dataDir) return [];
  let master: number;
  try {
    master = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return [];
  }
  return [master, ...childPids(master)];
}

function childPids(parent: number): number[] {
  try {
    const children = readFileSync(`/proc/${parent}/task/${parent}/children`, 'utf8').trim();
    return children ? children.split(/\s+/).map(Number) : [];
  } catch {
    return [];
  }
}

/** Whether a Temporal worker polls `taskQueue` (the worker is up and ready for tasks). */
async function hasPoller(client: Client, taskQueue: string): Promise<boolean> {
  const res = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: protos.temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: protos.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (res.pollers?.length ?? 0) > 0;
}

interface Engine {
  temporalAddress: string;
  version: string;
  metricsUrls: string[];
  /** Log files (names without .log in the run's folder) worth quoting when start-up fails. */
  logs: string[];
  pids: () => number[];
  /** Resolves once the frontend accepts connections. */
  ready(): Promise<void>;
}

/** The Temporal dev server on a file-backed SQLite database in the run's folder. */
async function startDevServer(dir: string, cli: string, cleanups: (() => Promise<void>)[], say: (line: string) => void): Promise<Engine> {
    const temporalPort = await freePort();
    const metricsPort = await freePort();
    const temporalDbFile = path.join(dir, 'temporal.db');
    const temporalLog = createWriteStream(path.join(dir, 'temporal.log'));
    const temporalServer = spawn(
      cli,
      [
        'server', 'start-dev',
        '--db-filename', temporalDbFile,
        '--ip', '127.0.0.1',
        '--port', String(temporalPort),
        '--metrics-port', String(metricsPort),
        '--headless',
        '--log-level', 'error',
        ...devServerSearchAttributes.flatMap((sa) => ['--search-attribute', sa]),
        ...devServerWorkerHeartbeats,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    temporalServer.stdout.pipe(temporalLog);
    temporalServer.stderr.pipe(temporalLog);
    cleanups.push(() => stopChild(temporalServer));
    const temporalAddress = `127.0.0.1:${temporalPort}`;
    say(`Temporal dev server on ${temporalAddress}, database file ${temporalDbFile}`);

  return {
    temporalAddress,
    version: execFileSync(cli, ['--version'], { encoding: 'utf8' }).trim(),
    metricsUrls: [`http://127.0.0.1:${metricsPort}/metrics`],
    logs: ['temporal'],
    pids: () => (temporalServer.pid !== undefined && temporalServer.exitCode === null && temporalServer.signalCode === null ? [temporalServer.pid] : []),
    ready: () => waitFor('the Temporal dev server', () => portOpen(temporalPort), 60, temporalServer),
  };
}

/**
 * The production server as `npm run cluster` runs it (scripts/cluster.ts): five processes, two of
 * them history hosts, on the run's PostgreSQL server, with the namespace and search attributes.
 */
async function startCluster(
  dir: string,
  databaseUrl: string,
  cacheDir: string,
  cli: string,
  cleanups: (() => Promise<void>)[],
  say: (line: string) => void,
): Promise<Engine> {
  const tools = await ensureTemporalCluster({ cacheDir });
  const url = new URL(databaseUrl);
  const suffix = randomBytes(4).toString('hex');
  const layout: cluster.ClusterLayout = {
    dir: path.join(dir, 'cluster'),
    host: '127.0.0.1',
    frontendPort: await cluster.freeClusterPort(),
    uiPort: await freePort(),
    namespace: 'default',
    postgres: {
      host: url.hostname,
      port: Number(url.port || 5432),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      database: `temporal_${suffix}`,
      visibilityDatabase: `temporal_visibility_${suffix}`,
    },
  };
  await cluster.setupSchemas(layout, tools);
  await cluster.writeClusterConfig(layout, tools);
  const running: Running[] = [];
  cleanups.push(async () => {
    await Promise.all(running.map((r) => r.stop()));
  });
  for (const service of cluster.clusterServices) running.push(await cluster.clusterProcess(layout, tools, service).start());
  const temporalAddress = `127.0.0.1:${layout.frontendPort}`;
  say(`Temporal ${TEMPORAL_SERVER_VERSION} cluster (${cluster.clusterServices.join(', ')}) on ${temporalAddress}, PostgreSQL databases ${layout.postgres.database}, ${layout.postgres.visibilityDatabase}`);
  return {
    temporalAddress,
    version: `temporal-server ${TEMPORAL_SERVER_VERSION} cluster, ${cluster.HISTORY_SHARDS} shards over 2 history hosts`,
    metricsUrls: cluster.clusterMetricsUrls(layout),
    logs: cluster.clusterServices.map((service) => path.relative(dir, cluster.clusterLog(layout, service)).replace(/\.log$/, '')),
    pids: () => running.map((r) => r.pid).filter((pid): pid is number => pid !== undefined),
    ready: () => cluster.registerNamespace(layout, cli),
  };
}

/** Start the whole stack; on failure everything already started is stopped again. */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const { say } = opts;
  // The same pattern as test/global-setup.ts: only the tools cache and an optional server URL come from the environment.
  const env = envSchema.parse(process.env);
  const config = loadConfig({ ...process.env, JWT_SECRET: 'x'.repeat(32), DATABASE_URL: env.DATABASE_URL ?? 'postgres://unused@127.0.0.1/unused' });
  const dir = await mkdtemp(path.join(tmpdir(), 'property-ops-bench-'));
  // As root, PostgreSQL runs as the `postgres` user, who must be able to reach its data directory.
  await chmod(dir, 0o711);
  const cleanups: (() => Promise<void>)[] = [];
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => say(`cleanup: ${String(err)}`));
    if (process.env.BENCH_KEEP_DIR) say(`kept ${dir}`);
    else await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  };

  const logOf = (name: string) => path.join(dir, `${name}.log`);
  const tail = async (name: string) => (await readFile(logOf(name), 'utf8').catch(() => '')).split('\n').slice(-20).join('\n');

  try {
    const cli = await ensureTemporalCli({ cacheDir: config.toolsCacheDir, ...(config.temporal.cliPath ? { cliPath: config.temporal.cliPath } : {}) });
    let postgres: EmbeddedPostgresHandle | undefined;
    let databaseUrl: string;
    const pgDataDir = env.DATABASE_URL ? undefined : path.join(dir, 'postgres');
    if (env.DATABASE_URL) {
      const name = `bench_${randomBytes(5).toString('hex')}`;
      const adminClient = new pg.Client({ connectionString: env.DATABASE_URL });
      await adminClient.connect();
      await adminClient.query(`CREATE DATABASE ${name}`);
      await adminClient.end();
      const url = new URL(env.DATABASE_URL);
      url.pathname = `/${name}`;
      databaseUrl = url.toString();
      cleanups.push(async () => {
        const c = new pg.Client({ connectionString: env.DATABASE_URL });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await c.end();
      });
      say(`PostgreSQL: fresh database ${name} on DATABASE_URL`);
    } else {
      const password = randomBytes(12).toString('hex');
      const port = await freePort();
      const start = () => startEmbeddedPostgres({ dataDir: pgDataDir!, port, password });
      postgres = await start();
      // pg_stat_statements needs a preload and a restart; it is the statement profile of every phase.
      const c = new pg.Client({ connectionString: postgres.url('postgres') });
      await c.connect();
      await c.query(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`);
      await c.query(`ALTER SYSTEM SET pg_stat_statements.track = 'all'`);
      await c.end();
      await postgres.stop();
      postgres = await start();
      const handle = postgres;
      cleanups.push(() => handle.stop());
      await postgres.ensureDatabase('property_ops');
      databaseUrl = postgres.url('property_ops');
      say(`embedded PostgreSQL on port ${port}`);
    }

    const engine = opts.engine === 'cluster' ? await startCluster(dir, databaseUrl, config.toolsCacheDir, cli, cleanups, say) : await startDevServer(dir, cli, cleanups, say);
    const { temporalAddress } = engine;

    const db = createDb(databaseUrl, { max: 8 });
    cleanups.push(() => db.close());
    await runMigrations(db);
    await seedDemo(db.db);
    const admin = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    admin.on('error', () => undefined);
    cleanups.push(() => admin.end());
    const statementStats = await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements').then(
      async () => admin.query('SELECT count(*) FROM pg_stat_statements').then(() => true),
      () => false,
    );

    await engine.ready();
    const connection = await Connection.connect({ address: temporalAddress });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });
    await waitFor('the default namespace', async () => {
      await connection.workflowService.describeNamespace({ namespace: 'default' });
      return true;
    }, 120);

    // Tokens signed with the run's own secret, as `npm run token` signs them.
    const jwtSecret = randomBytes(32).toString('base64url');
    const signer = Fastify({ logger: false });
    await signer.register(authPlugin, { secret: jwtSecret, tokenTtl: '12h' });
    await signer.ready();
    const tokens = {} as Record<BenchUser, string>;
    const staff = {} as Stack['staff'];
    for (const username of benchUsers) {
      const person = await findStaffByUsername(db.db, username);
      if (!person) throw new Error(`the demo seed has no ${username}`);
      tokens[username] = signToken(signer, { sub: person.id, username, name: person.name, role: person.role as Role, properties: person.properties });
      staff[username] = { id: person.id, name: person.name, role: person.role as Role };
    }
    await signer.close();

    const receiver = await startReceiver();
    cleanups.push(() => receiver.close());
    const apiPort = await freePort();
    const childEnv: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_TASK_QUEUE: taskQueues.real,
      PORT: String(apiPort),
      JWT_SECRET: jwtSecret,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      // The bench is one address and a few tokens driving the load on purpose: limits out of its way.
      RATE_LIMIT_ADDRESS_PER_MINUTE: '100000000',
      RATE_LIMIT_TOKEN_PER_MINUTE: '100000000',
      RATE_LIMIT_EXPENSIVE_PER_MINUTE: '100000000',
      // Messages go to the bench as to a site's gateway: staff act on the assignment they receive.
      NOTIFY_WEBHOOK_URL: receiver.url,
      NOTIFY_WEBHOOK_SECRET: randomBytes(16).toString('hex'),
    };
    const launch = (name: string, args: string[], ipc = false): ChildProcess => {
      const log = createWriteStream(logOf(name), { flags: 'a' });
      const child = spawn(process.execPath, args, { cwd: projectRoot, env: childEnv, stdio: ['ignore', 'pipe', 'pipe', ...(ipc ? ['ipc' as const] : [])] });
      child.stdout?.pipe(log);
      child.stderr?.pipe(log);
      cleanups.push(() => stopChild(child));
      return child;
    };
    // One folder per process: Node writes a profile for each of its threads (the workflow thread, the module loader).
    const profile = (name: string) => (opts.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', path.join(opts.cpuProfileDir, name)] : []);
    // As `npm start` runs them: the workflow bundle fresh, the entry points built to plain
    // JavaScript (scripts/entry-points.ts); a stale bundle would be rebuilt at every worker start.
    if (await ensureWorkflowBundle()) say('built the workflow bundle (.build/workflow-bundle.js)');
    const [workerEntry, serverEntry] = await Promise.all([buildEntryPoint('worker.ts'), buildEntryPoint('server.ts')]);
    const launchWorker = () => launch('worker', [...profile('worker'), '--enable-source-maps', workerEntry]);
    const launchBare = () => {
      const child = launch('bare-worker', ['--import', 'tsx', 'bench/bare-worker.ts', '--address', temporalAddress, '--task-queue', taskQueues.bare], true);
      child.on('message', (message: BareMessage) => receiver.bare(message));
      return child;
    };
    let worker = launchWorker();
    const api = launch('api', [...profile('api'), '--enable-source-maps', serverEntry]);
    let bare = launchBare();
    const apiBase = `http://127.0.0.1:${apiPort}`;
    try {
      await waitFor('the API', async () => (await fetch(`${apiBase}/readyz`)).status === 200, 120, api);
      await waitFor('the worker', () => hasPoller(client, taskQueues.real), 120, worker);
      await waitFor('the bare worker', () => hasPoller(client, taskQueues.bare), 120, bare);
    } catch (err) {
      const logs = await Promise.all(['worker', 'api', 'bare-worker', ...engine.logs].map(async (n) => `--- ${n}.log\n${await tail(n)}`));
      throw new Error(`${(err as Error).message}\n${logs.join('\n')}`);
    }
    say(`worker (pid ${worker.pid}), API ${apiBase} (pid ${api.pid}) and the bare worker (pid ${bare.pid}) are up`);

    const alive = (c: ChildProcess) => (c.pid !== undefined && c.exitCode === null && c.signalCode === null ? c.pid : undefined);
    const pidsOf = (c: () => ChildProcess) => () => (alive(c()) === undefined ? [] : [c().pid!]);
    const killAndRelaunch = async (name: 'worker' | 'bare-worker') => {
      const child = name === 'worker' ? worker : bare;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const killedAt = Date.now();
      child.kill('SIGKILL');
      await exited;
      if (name === 'worker') worker = launchWorker();
      else bare = launchBare();
      return { killedAt };
    };
    return {
      dir,
      temporalAddress,
      temporalVersion: engine.version,
      temporalMetricsUrls: engine.metricsUrls,
      apiBase,
      client,
      db,
      admin,
      databaseUrl,
      statementStats,
      receiver,
      tokens,
      staff,
      workerPid: () => alive(worker),
      apiPid: () => alive(api),
      bareWorker: () => (alive(bare) === undefined ? undefined : bare),
      killAndRelaunch,
      measured: [
        { name: 'temporal', pids: engine.pids },
        { name: 'postgres', pids: () => postgresPids(pgDataDir) },
        { name: 'worker', pids: pidsOf(() => worker) },
        { name: 'api', pids: pidsOf(() => api) },
        { name: 'bare-worker', pids: pidsOf(() => bare) },
      ],
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
