import { sql } from 'drizzle-orm';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyActivityError } from '../activities/errors.js';
import { createLogger } from '../logger.js';
import { freshDatabase, type TestDatabase } from '../test/harness/db.js';
import { isUniqueViolation, pgError, withoutQueryParameters } from './errors.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(async () => {
  await database?.drop();
});

const phone = '13800138000';
/** The error drizzle throws for a query whose parameter PostgreSQL refuses. */
const failedQuery = () => database.db.execute(sql`SELECT ${`${phone}\u0000`}::text AS t`).then(
  () => expect.fail('the query should fail'),
  (err: unknown) => err,
);

describe('a failed query', () => {
  it('is read through drizzle’s wrapper: its SQLSTATE and whether it is a unique violation', async () => {
    const err = await failedQuery();
    expect(String((err as Error).message)).toContain(phone);
    expect(pgError(err)?.code).toBe('22021');
    expect(isUniqueViolation(err)).toBe(false);
    await database.pool.query('CREATE TABLE uq_probe (k text UNIQUE)');
    await database.db.execute(sql`INSERT INTO uq_probe VALUES ('a')`);
    const dup = await database.db.execute(sql`INSERT INTO uq_probe VALUES ('a')`).catch((e: unknown) => e);
    expect(isUniqueViolation(dup)).toBe(true);
    expect(isUniqueViolation(dup, 'uq_probe_k_key')).toBe(true);
    expect(isUniqueViolation(dup, 'another')).toBe(false);
  });

  it('reaches neither the log nor a retried activity’s failure with its parameters', async () => {
    const err = await failedQuery();
    const safe = withoutQueryParameters(err) as Error;
    expect(safe.message).toMatch(/^Failed query: SELECT \$1::text AS t: invalid byte sequence/);
    expect(`${safe.message}${safe.stack}`).not.toContain(phone);
    const lines: string[] = [];
    const logger = createLogger('info', 'test', new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) }));
    logger.error({ err }, 'request failed');
    expect(lines.join('')).toContain('Failed query: SELECT $1::text');
    expect(lines.join('')).not.toContain(phone);
    // A connection error is retried, so classification passes it on: without the parameters too.
    const down = Object.assign(new Error(`Failed query: SELECT $1\nparams: ${phone}`), { query: 'SELECT $1', params: [phone], cause: Object.assign(new Error('Connection terminated'), {}) });
    const retried = classifyActivityError(down) as Error;
    expect(retried.message).toBe('Failed query: SELECT $1: Connection terminated');
  });
});
