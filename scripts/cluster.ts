/**
 * `npm run cluster`: the production engine on one machine. Temporal's services run as separate
 * processes on PostgreSQL persistence — frontend, matching, the internal worker and two history
 * hosts sharing the history shards — configured from the server module's own
 * development-postgres12.yaml; the namespace and the custom search attributes are registered;
 * the Web UI server points at the frontend; then the same worker and API as `npm start`.
 * Everything is supervised as in `npm start` (a dead child is restarted with backoff).
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { bootConfig } from '../config.js';
import { devServerSearchAttributes } from '../workflows/search-attributes.js';
import { embeddedPostgresChild, startApplication } from './application.js';
import { Supervisor, portOpen, processChild, type ChildSpec } from './supervisor.js';
import { ensureTemporalCli, ensureTemporalCluster, TEMPORAL_SERVER_VERSION, type TemporalClusterTools } from './toolchain.js';
import { ensureWorkflowBundle } from './workflow-bundle.js';

const execFileAsync = promisify(execFile);

/** Fixed for the life of a cluster's database: Temporal refuses to start with another count. */
export const HISTORY_SHARDS = 8;

/** The Temporal processes of the cluster, each with its own config file (its ports). */
export const clusterServices = ['history-1', 'history-2', 'matching', 'frontend', 'worker'] as const;
export type ClusterService = (typeof clusterServices)[number];

/** Where a cluster lives and what it talks to. */
export interface ClusterLayout {
  /** Config, logs and UI config go here. */
  dir: string;
  host: string;
  /** The frontend's gRPC port; every other port is an offset from it (it and the next 45 must be free). */
  frontendPort: number;
  uiPort: number;
  namespace: string;
  postgres: { host: string; port: number; user: string; password: string; database: string; visibilityDatabase: string };
}

function ports(layout: ClusterLayout, service: ClusterService): { grpcPort: number; membershipPort: number; metricsPort: number } {
  const offset = service === 'frontend' ? 0 : clusterServices.indexOf(service) + 1;
  const port = layout.frontendPort;
  return { grpcPort: port + offset, membershipPort: port + 30 + offset, metricsPort: port + 40 + offset };
}

/** Where each Temporal process serves its Prometheus metrics. */
export function clusterMetricsUrls(layout: ClusterLayout): string[] {
  return clusterServices.map((service) => `http://${layout.host}:${ports(layout, service).metricsPort}/metrics`);
}

/**
 * A free frontend port for a cluster beside others (tests, the bench): the 45 ports after it are
 * free too, and all stay below 32768, since Temporal stores membership ports as a smallint.
 */
export async function freeClusterPort(host = '127.0.0.1'): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const taken = await Promise.all(Array.from({ length: 46 }, (_, i) => portOpen(host, port + i)));
    if (!taken.some(Boolean)) return port;
  }
}

/** The log file of one cluster process. */
export function clusterLog(layout: ClusterLayout, name: ClusterService | 'ui'): string {
  return path.join(layout.dir, 'logs', `${name}.log`);
}

const sqlStore = z.looseObject({ sql: z.looseObject({ databaseName: z.string(), connectAddr: z.string(), user: z.string(), password: z.string() }) });
// The parts of the module's config this script changes; everything else is kept as it is.
const serverConfigSchema = z.looseObject({
  log: z.unknown(),
  persistence: z.looseObject({ numHistoryShards: z.number(), datastores: z.looseObject({ 'postgres-default': sqlStore, 'postgres-visibility': sqlStore }) }),
  global: z.looseObject({ pprof: z.unknown().optional(), metrics: z.unknown().optional(), membership: z.looseObject({ broadcastAddress: z.string() }) }),
  clusterMetadata: z.looseObject({ clusterInformation: z.looseObject({ active: z.looseObject({ rpcAddress: z.string() }) }) }),
  publicClient: z.unknown().optional(),
  dynamicConfigClient: z.looseObject({ filepath: z.string() }),
  services: z.unknown(),
});

/** Writes one config per Temporal process, derived from the module's PostgreSQL development config. */
export async function writeClusterConfig(layout: ClusterLayout, tools: TemporalClusterTools): Promise<void> {
  const configDir = path.join(layout.dir, 'config');
  await mkdir(path.join(configDir, 'dynamicconfig'), { recursive: true });
  await mkdir(path.join(layout.dir, 'logs'), { recursive: true });
  const dynamicConfig = path.join(configDir, 'dynamicconfig', 'cluster.yaml');
  await writeFile(dynamicConfig, await readFile(tools.baseDynamicConfig, 'utf8'));

  const { postgres: db } = layout;
  for (const service of clusterServices) {
    const config = serverConfigSchema.parse(parse(await readFile(tools.baseConfig, 'utf8')));
    config.log = { stdout: true, level: 'warn' };
    config.persistence.numHistoryShards = HISTORY_SHARDS;
    for (const [store, database] of [['postgres-default', db.database], ['postgres-visibility', db.visibilityDatabase]] as const) {
      Object.assign(config.persistence.datastores[store].sql, {
        databaseName: database,
        connectAddr: `${db.host}:${db.port}`,
        user: db.user,
        password: db.password,
      });
    }
    // Several processes on one machine: no fixed debug port to collide on, a metrics port each.
    delete config.global.pprof;
    config.global.metrics = { prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `${layout.host}:${ports(layout, service).metricsPort}` } };
    config.global.membership.broadcastAddress = layout.host;
    const frontend = `${layout.host}:${layout.frontendPort}`;
    config.clusterMetadata.clusterInformation.active.rpcAddress = frontend;
    config.publicClient = { hostPort: frontend };
    config.dynamicConfigClient.filepath = dynamicConfig;
    const rpc = (s: ClusterService) => {
      const { grpcPort, membershipPort } = ports(layout, s);
      return { grpcPort, membershipPort, bindOnLocalHost: layout.host === '127.0.0.1' };
    };
    config.services = {
      frontend: { rpc: { ...rpc('frontend'), httpPort: layout.frontendPort + 20 } },
      matching: { rpc: rpc('matching') },
      worker: { rpc: rpc('worker') },
      history: { rpc: rpc(service === 'history-2' ? 'history-2' : 'history-1') },
    };
    await writeFile(path.join(configDir, `${service}.yaml`), `# Generated by scripts/cluster.ts from development-postgres12.yaml\n${stringify(config)}`);
  }

  const uiConfigDir = path.join(layout.dir, 'ui', 'config');
  await mkdir(uiConfigDir, { recursive: true });
  await writeFile(
    path.join(uiConfigDir, 'cluster.yaml'),
    stringify({
      temporalGrpcAddress: `${layout.host}:${layout.frontendPort}`,
      host: layout.host,
      port: layout.uiPort,
      enableUi: true,
      defaultNamespace: layout.namespace,
      cors: { allowOrigins: [], cookieInsecure: true },
    }),
  );
}

/**
 * Creates Temporal's two databases and brings their schemas up to date with the schema tool's
 * embedded PostgreSQL schemas. Every step is a no-op when already done (an existing database, a
 * version above 0.0, no missing versions), so this runs on every start; docker-compose.yml runs
 * the same three steps.
 */
export async function setupSchemas(layout: ClusterLayout, tools: TemporalClusterTools): Promise<void> {
  const { postgres: db } = layout;
  for (const [database, schema] of [[db.database, 'temporal'], [db.visibilityDatabase, 'visibility']] as const) {
    const sql = (...args: string[]) =>
      execFileAsync(tools.sqlTool, ['--plugin', 'postgres12', '--ep', db.host, '-p', String(db.port), '-u', db.user, '--db', database, ...args], {
        env: { ...process.env, SQL_PASSWORD: db.password },
      }).catch((err: { stderr?: string; message: string }) => {
        throw new Error(`temporal-sql-tool ${args[0]} on ${database} failed: ${err.stderr?.trim().split('\n').slice(-2).join(' ') || err.message}`);
      });
    await sql('create-database');
    await sql('setup-schema', '-v', '0.0');
    await sql('update-schema', '-s', `postgresql/v12/${schema}`);
  }
}

/** One Temporal process; ready when its gRPC port answers. */
export function clusterProcess(layout: ClusterLayout, tools: TemporalClusterTools, service: ClusterService): ChildSpec {
  const log = clusterLog(layout, service);
  return processChild({
    name: `Temporal ${service}`,
    command: tools.server,
    args: ['--root', layout.dir, '--config', 'config', '--env', service, '--allow-no-auth', 'start', '--service', service.replace(/-\d$/, '')],
    // The internal worker serves no gRPC: it is up once it listens for membership.
    ready: () => portOpen(layout.host, ports(layout, service)[service === 'worker' ? 'membershipPort' : 'grpcPort']),
    readySeconds: 90,
    logFile: log,
  });
}

/** The Web UI server, pointed at the cluster's frontend. */
export function clusterUi(layout: ClusterLayout, tools: TemporalClusterTools): ChildSpec {
  const log = clusterLog(layout, 'ui');
  return processChild({
    name: 'the Temporal Web UI',
    command: tools.uiServer,
    args: ['--root', path.join(layout.dir, 'ui'), '--config', 'config', '--env', 'cluster', 'start'],
    ready: () => portOpen(layout.host, layout.uiPort),
    readySeconds: 30,
    logFile: log,
  });
}

/**
 * Registers the namespace and the app's search attributes, once the cluster answers; both steps
 * accept what already exists, so this runs on every start.
 */
export async function registerNamespace(layout: ClusterLayout, cli: string, timeoutMs = 120_000): Promise<void> {
  const address = ['--address', `${layout.host}:${layout.frontendPort}`];
  const temporal = (...args: string[]) => execFileAsync(cli, [...args, ...address], { timeout: 30_000 });
  const deadline = Date.now() + timeoutMs;
  const until = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`${what} failed: ${(err as { stderr?: string }).stderr?.trim() || (err as Error).message}`);
        await delay(1000);
      }
    }
  };
  await until('the cluster health check', () => temporal('operator', 'cluster', 'health'));
  await until(`registering namespace ${layout.namespace}`, async () => {
    const known = await temporal('operator', 'namespace', 'describe', '--namespace', layout.namespace).then(() => true, () => false);
    if (!known) await temporal('operator', 'namespace', 'create', '--namespace', layout.namespace, '--retention', '72h');
  });
  // The frontend learns a new namespace on its next cache refresh (seconds): retried until then.
  const attributes = devServerSearchAttributes.flatMap((sa) => {
    const [name = '', type = ''] = sa.split('=');
    return ['--name', name, '--type', type];
  });
  await until('registering the search attributes', () =>
    temporal('operator', 'search-attribute', 'create', '--namespace', layout.namespace, ...attributes),
  );
}

/** Host and credentials for Temporal's databases on the server the app's DATABASE_URL names. */
function postgresOf(url: string): Pick<ClusterLayout['postgres'], 'host' | 'port' | 'user' | 'password'> {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port || 5432), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
}

async function main(): Promise<void> {
  const config = bootConfig();
  const supervisor = new Supervisor('cluster');
  await supervisor.run(async () => {
    const [host = '127.0.0.1', port = '7233'] = config.temporal.address.split(':');
    const layout: ClusterLayout = {
      dir: path.join(config.dataDir, 'cluster'),
      host: host === 'localhost' ? '127.0.0.1' : host,
      frontendPort: Number(port),
      uiPort: config.temporal.uiPort,
      namespace: config.temporal.namespace,
      postgres: { ...postgresOf(config.database.url), database: 'temporal', visibilityDatabase: 'temporal_visibility' },
    };
    if (!['127.0.0.1', 'localhost'].includes(host)) {
      throw new Error(`TEMPORAL_ADDRESS is ${config.temporal.address}, but npm run cluster runs the cluster on this machine: unset it or use 127.0.0.1:<port>`);
    }
    if (layout.frontendPort + 45 > 32_767) {
      throw new Error(`TEMPORAL_ADDRESS has port ${layout.frontendPort}, but the cluster's ports run 45 above it and Temporal stores them as a smallint: use a port below 32700`);
    }
    if (await portOpen(layout.host, layout.frontendPort)) {
      throw new Error(`something already listens on ${config.temporal.address} (npm start?): stop it or set TEMPORAL_ADDRESS to 127.0.0.1:<another port>`);
    }
    if (await ensureWorkflowBundle()) supervisor.say('built the workflow bundle (.build/workflow-bundle.js)');
    const [tools, cli] = await Promise.all([
      ensureTemporalCluster({ cacheDir: config.toolsCacheDir }),
      ensureTemporalCli({ cacheDir: config.toolsCacheDir, ...(config.temporal.cliPath ? { cliPath: config.temporal.cliPath } : {}) }),
    ]);

    if (config.database.embedded) {
      const dataDir = path.join(layout.dir, 'postgres');
      supervisor.say(`starting embedded PostgreSQL on port ${config.database.embeddedPort} (data: ${path.relative(process.cwd(), dataDir)})`);
      await supervisor.start(embeddedPostgresChild(config, dataDir));
    } else {
      supervisor.say('using the PostgreSQL server at DATABASE_URL for the app and for Temporal (databases temporal, temporal_visibility)');
    }
    await setupSchemas(layout, tools);
    await writeClusterConfig(layout, tools);
    supervisor.say(
      `starting Temporal ${TEMPORAL_SERVER_VERSION}: ${clusterServices.join(', ')} (${HISTORY_SHARDS} history shards; logs: ${path.relative(process.cwd(), path.join(layout.dir, 'logs'))})`,
    );
    // One after the other: a failure must not leave a half-started process outside the supervisor's reach.
    for (const service of clusterServices) await supervisor.start(clusterProcess(layout, tools, service));
    await registerNamespace(layout, cli);
    await supervisor.start(clusterUi(layout, tools));
    await startApplication(supervisor, config, {
      engine: `Temporal ${TEMPORAL_SERVER_VERSION} cluster: ${clusterServices.length} processes, PostgreSQL persistence`,
      temporalUi: `http://${layout.host}:${layout.uiPort}`,
    });
  });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}
