import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from './audit.js';
import { freshDatabase, type TestDatabase } from '../test/harness/db.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
  const actor = { id: 'u1', role: 'admin' as const };
  for (const action of ['one', 'two', 'three']) {
    await appendAudit(database.db, { occurredAt: new Date(), propertyId: 'p1', subject: 'work-order:WO-1', seq: ['one', 'two', 'three'].indexOf(action) + 1, action, actor });
  }
});
afterAll(async () => {
  await database?.drop();
});

describe('the audit log', () => {
  it('refuses UPDATE, DELETE and TRUNCATE in PostgreSQL itself', async () => {
    await expect(database.pool.query("UPDATE audit_log SET action = 'forged'")).rejects.toThrow(/append-only: UPDATE/);
    await expect(database.pool.query('DELETE FROM audit_log')).rejects.toThrow(/append-only: DELETE/);
    await expect(database.pool.query('TRUNCATE audit_log')).rejects.toThrow(/append-only: TRUNCATE/);
    const count = await database.pool.query('SELECT count(*)::int AS n FROM audit_log');
    expect(count.rows[0].n).toBe(3);
  });

  it('chains each row of a property to the one before by hash', async () => {
    const rows = await database.pool.query<{ chain_position: string; prev_hash: string | null; hash: string }>(
      "SELECT chain_position, prev_hash, hash FROM audit_log WHERE property_id = 'p1' ORDER BY chain_position",
    );
    expect(rows.rows.map((r) => Number(r.chain_position))).toEqual([1, 2, 3]);
    expect(rows.rows[0]!.prev_hash).toBeNull();
    expect(rows.rows[1]!.prev_hash).toBe(rows.rows[0]!.hash);
    expect(rows.rows[2]!.prev_hash).toBe(rows.rows[1]!.hash);
    const recomputed = await database.pool.query<{ ok: boolean }>('SELECT bool_and(hash = audit_log_row_hash(audit_log)) AS ok FROM audit_log');
    expect(recomputed.rows[0]!.ok).toBe(true);
  });

  it('ignores a retried step with the same workflow sequence number', async () => {
    const again = await appendAudit(database.db, { occurredAt: new Date(), propertyId: 'p1', subject: 'work-order:WO-1', seq: 2, action: 'two', actor: { id: 'u1', role: 'admin' } });
    expect(again).toBe(false);
    const count = await database.pool.query("SELECT count(*)::int AS n FROM audit_log WHERE subject = 'work-order:WO-1'");
    expect(count.rows[0].n).toBe(3);
  });
});
