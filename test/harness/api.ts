/** The API over a test database and Temporal client, with tokens for the demo staff. */
import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app.js';
import { drillScheduleWorkflows, TemporalPlanEngine } from '../../api/recurring-plans/temporal-engine.js';
import { signToken, type TokenClaims } from '../../api/auth.js';
import type { Db } from '../../db/index.js';
import { findStaffByUsername } from '../../db/reference.js';
import { seedDemo } from '../../db/seed.js';
import type { Role } from '../../domain/roles.js';
import { freshDatabase, type TestDatabase } from './db.js';

export interface TestApp {
  app: FastifyInstance;
  /** A bearer header for a staff member, as `npm run token` would sign it. */
  as(username: string): Promise<{ authorization: string }>;
  /** A bearer header for arbitrary claims (e.g. a staff member of another property). */
  bearer(claims: TokenClaims): { authorization: string };
  close(): Promise<void>;
}

/**
 * Build the API. Without `temporal`, the client is lazy and never connects: enough for
 * routes that only touch PostgreSQL.
 */
export async function testApp(db: Db, opts: { temporal?: Client; taskQueue?: string; stepTimeoutMs?: number; replayTimeoutMs?: number } = {}): Promise<TestApp> {
  const temporal = opts.temporal ?? new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  const taskQueue = opts.taskQueue ?? 'unused';
  // With a real Temporal, plans run as server.ts runs them; without one, plan writes answer 503.
  const engineOf = (kind?: typeof drillScheduleWorkflows) =>
    opts.temporal ? new TemporalPlanEngine({ temporal, db, taskQueue, ...(kind ? { kind } : {}), ...(opts.stepTimeoutMs ? { timeoutMs: opts.stepTimeoutMs } : {}) }) : undefined;
  const planEngine = engineOf();
  const drillScheduleEngine = engineOf(drillScheduleWorkflows);
  const app = await buildApp({ db, temporal, taskQueue, auth: { jwtSecret: 'test-secret-'.padEnd(40, 'x'), tokenTtl: '1h' }, ...(planEngine ? { planEngine } : {}), ...(drillScheduleEngine ? { drillScheduleEngine } : {}), ...(opts.stepTimeoutMs ? { stepTimeoutMs: opts.stepTimeoutMs } : {}), ...(opts.replayTimeoutMs ? { replayTimeoutMs: opts.replayTimeoutMs } : {}) });
  await app.ready();
  const bearer = (claims: TokenClaims) => ({ authorization: `Bearer ${signToken(app, claims)}` });
  return {
    app,
    bearer,
    async as(username) {
      const person = await findStaffByUsername(db, username);
      if (!person) throw new Error(`no staff member ${username}`);
      return bearer({ sub: person.id, username, name: person.name, role: person.role as Role, properties: person.properties });
    },
    async close() {
      await app.close();
      await planEngine?.close();
      await drillScheduleEngine?.close();
    },
  };
}

/** A fresh database with the demo property seeded, and the API over it; close() drops both. */
export async function seededTestApp(): Promise<TestApp & { database: TestDatabase }> {
  const database = await freshDatabase();
  await seedDemo(database.db);
  const t = await testApp(database.db);
  return {
    ...t,
    database,
    async close() {
      await t.close();
      await database.drop();
    },
  };
}
