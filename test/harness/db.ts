/** A fresh, migrated PostgreSQL database for one test file. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createDb, runMigrations, type DbHandle } from '../../db/index.js';

export interface TestDatabase extends DbHandle {
  url: string;
  /** Close the pool and drop the database. */
  drop(): Promise<void>;
}

/** Create `test_<random>` on the run's server, apply every migration, and hand it over. */
export async function freshDatabase(): Promise<TestDatabase> {
  const database = await emptyDatabase();
  await runMigrations(database);
  return database;
}

/** Create `test_<random>` on the run's server with no migration applied (for tests of a migration). */
export async function emptyDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl');
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const handle = createDb(url.toString());
  return {
    ...handle,
    url: url.toString(),
    async drop() {
      await handle.close();
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** The audit trail of one process, oldest step first: what was done, by whom, from and to which status. */
type AuditTrailRow = { action: string; actor_id: string; actor_role: string; from_status: string | null; to_status: string | null };
export async function auditTrail(database: TestDatabase, workflowId: string): Promise<AuditTrailRow[]> {
  const { rows } = await database.pool.query<AuditTrailRow>(
    'SELECT action, actor_id, actor_role, from_status, to_status FROM audit_log WHERE subject = $1 ORDER BY seq',
    [workflowId],
  );
  return rows;
}

/** The messages one process owed, in the order its steps wrote them: template and kind of recipient. */
export async function outboxOf(database: TestDatabase, workflowId: string): Promise<{ template: string; recipient_kind: string }[]> {
  const { rows } = await database.pool.query<{ template: string; recipient_kind: string }>('SELECT template, recipient_kind FROM outbox WHERE subject LIKE $1 ORDER BY id', [`${workflowId}#%`]);
  return rows;
}
