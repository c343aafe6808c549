/** The API over a test database and Temporal client, with tokens for the demo staff. */
import { Client, Connection } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../api/app.js';
import type { RateLimits } from '../../api/limits.js';
import { patrolScheduleWorkflows } from '../../api/patrols/schedule-engine.js';
import { drillScheduleWorkflows, TemporalPlanEngine, type PlanWorkflowKind } from '../../api/recurring-plans/temporal-engine.js';
import { signToken, type TokenClaims } from '../../api/auth.js';
import type { Db } from '../../db/index.js';
import { addStaff, createProperty, findStaffByUsername, getProperty } from '../../db/reference.js';
import { seedDemo } from '../../db/seed.js';
import type { Actor, Role } from '../../domain/roles.js';
import { freshDatabase, type TestDatabase } from './db.js';

export interface TestApp {
  app: FastifyInstance;
  /** A bearer header for a staff member, as `npm run token` would sign it. */
  as(username: string): Promise<{ authorization: string }>;
  /** A bearer header for arbitrary claims (a forged role, an unknown subject): the standing check judges them. */
  bearer(claims: TokenClaims): { authorization: string };
  /** A bearer header for a real staff member of another property (created with it on first use). */
  outsider(role: Role, propertyId?: string): Promise<{ authorization: string }>;
  close(): Promise<void>;
}

/** Limits no test reaches by accident (every injected request comes from one address); limit tests pass their own. */
export const unlimited: RateLimits = { perAddressPerMinute: 1_000_000, perTokenPerMinute: 1_000_000, expensivePerMinute: 1_000_000, replayQueue: 1000 };

/**
 * Build the API. Without `temporal`, the client is lazy and never connects: enough for
 * routes that only touch PostgreSQL.
 */
export async function testApp(
  db: Db,
  opts: {
    temporal?: Client;
    taskQueue?: string;
    stepTimeoutMs?: number;
    replayTimeoutMs?: number;
    standingTtlMs?: number;
    limits?: RateLimits;
    payloadCodec?: PayloadCodec;
    codecCorsOrigins?: string[];
  } = {},
): Promise<TestApp> {
  const temporal = opts.temporal ?? new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  const taskQueue = opts.taskQueue ?? 'unused';
  // With a real Temporal, plans run as server.ts runs them; without one, plan writes answer 503.
  const engineOf = (kind?: PlanWorkflowKind) =>
    opts.temporal ? new TemporalPlanEngine({ temporal, db, taskQueue, ...(kind ? { kind } : {}), ...(opts.stepTimeoutMs ? { timeoutMs: opts.stepTimeoutMs } : {}) }) : undefined;
  const planEngine = engineOf();
  const patrolEngine = engineOf(patrolScheduleWorkflows);
  const drillScheduleEngine = engineOf(drillScheduleWorkflows);
  const app = await buildApp({
    db,
    temporal,
    taskQueue,
    auth: { jwtSecret: 'test-secret-'.padEnd(40, 'x'), tokenTtl: '1h', ...(opts.standingTtlMs !== undefined ? { standingTtlMs: opts.standingTtlMs } : {}) },
    limits: opts.limits ?? unlimited,
    ...(planEngine ? { planEngine } : {}),
    ...(patrolEngine ? { patrolEngine } : {}),
    ...(drillScheduleEngine ? { drillScheduleEngine } : {}),
    ...(opts.stepTimeoutMs ? { stepTimeoutMs: opts.stepTimeoutMs } : {}),
    ...(opts.replayTimeoutMs ? { replayTimeoutMs: opts.replayTimeoutMs } : {}),
    ...(opts.payloadCodec ? { payloadCodec: opts.payloadCodec } : {}),
    ...(opts.codecCorsOrigins ? { codecCorsOrigins: opts.codecCorsOrigins } : {}),
  });
  await app.ready();
  const bearer = (claims: TokenClaims) => ({ authorization: `Bearer ${signToken(app, claims)}` });
  const as = async (username: string) => {
    const person = await findStaffByUsername(db, username);
    if (!person) throw new Error(`no staff member ${username}`);
    return bearer({ sub: person.id, username, name: person.name, role: person.role as Role, properties: person.properties });
  };
  const harness: Actor = { id: 'system:test', role: 'admin', name: 'test harness' };
  return {
    app,
    bearer,
    as,
    async outsider(role, propertyId = 'elsewhere') {
      if (!(await getProperty(db, propertyId))) await createProperty(db, { id: propertyId, name: `Property ${propertyId}`, kind: 'residential' }, harness);
      const username = `${role}.${propertyId}`.replaceAll('_', '-');
      if (!(await findStaffByUsername(db, username))) await addStaff(db, propertyId, { username, name: `${role} of ${propertyId}`, role }, harness);
      return as(username);
    },
    async close() {
      await app.close();
      await planEngine?.close();
      await patrolEngine?.close();
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
