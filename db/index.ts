/** Database handle factory and migrations. No global pool: callers create one and pass it in. */
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import * as schema from './schema/index.js';
import { projectPath } from '../paths.js';

export { schema };
export type Db = NodePgDatabase<typeof schema>;

/** A drizzle handle over its own pg pool; `close()` ends the pool. */
export interface DbHandle {
  db: Db;
  pool: pg.Pool;
  close(): Promise<void>;
}

/** How long a request waits for a database connection before it fails (and the API answers 503). */
export const defaultConnectTimeoutMs = 3000;

/** How long a query may wait for PostgreSQL's answer: longer than any report, short of a hang when the server stops answering. */
export const defaultQueryTimeoutMs = 60_000;

/** Create a database handle for `url`. */
export function createDb(url: string, opts: { max?: number; connectTimeoutMs?: number; queryTimeoutMs?: number } = {}): DbHandle {
  // Bounded: with PostgreSQL down, unreachable or hung a request fails rather than hanging on the pool.
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? defaultConnectTimeoutMs,
    query_timeout: opts.queryTimeoutMs ?? defaultQueryTimeoutMs,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const db = drizzle(pool, { schema });
  return { db, pool, close: () => pool.end() };
}

/** The folder of drizzle-kit migrations shipped with this build. */
export const migrationsFolder = projectPath('db', 'migrations');

const migrationLockKey = 7_202_611_21;

/**
 * Apply every pending migration. Safe on every start and from several processes at
 * once (API and worker both boot): a session advisory lock lets one run them at a time.
 */
export async function runMigrations(handle: DbHandle): Promise<void> {
  const client = await handle.pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [migrationLockKey]);
    try {
      await migrate(drizzle(client, { schema }), { migrationsFolder });
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [migrationLockKey]);
    }
  } finally {
    client.release();
  }
}
