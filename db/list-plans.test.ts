/**
 * The lists read their index in order: a page of the newest orders or complaints of a property
 * costs a few index rows however many the projection holds, not a sort of all of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../test/harness/db.js';
import { complaintListQuery } from './complaints.js';
import { workOrderListQuery } from './work-orders.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(async () => {
  await database?.drop();
});

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}
const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

/** The plan PostgreSQL picks for `query` when it may not scan the table whole (the tables here are nearly empty). */
async function plan(query: { toSQL(): { sql: string; params: unknown[] } }): Promise<PlanNode[]> {
  const { sql, params } = query.toSQL();
  const client = await database.pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SET LOCAL enable_seqscan = off');
    const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${sql}`, params);
    await client.query('ROLLBACK');
    return nodes(rows[0]!['QUERY PLAN'][0].Plan);
  } finally {
    client.release();
  }
}

describe('list queries', () => {
  const page = { propertyIds: ['harbour-view'], propertyId: 'harbour-view', limit: 50 };
  const cursor = { createdAt: new Date('2026-11-01T00:00:00Z'), id: 'X-1' };

  it('page through work orders in index order, without a sort', async () => {
    for (const f of [page, { ...page, cursor }]) {
      const steps = await plan(workOrderListQuery(database.db, f));
      expect(steps.map((s) => s['Node Type'])).not.toContain('Sort');
      expect(steps.map((s) => s['Index Name'])).toContain('work_orders_property_created_idx');
    }
  });

  it('page through complaints in index order, without a sort', async () => {
    for (const f of [page, { ...page, cursor }]) {
      const steps = await plan(complaintListQuery(database.db, f));
      expect(steps.map((s) => s['Node Type'])).not.toContain('Sort');
      expect(steps.map((s) => s['Index Name'])).toContain('complaints_property_created_idx');
    }
  });
});
