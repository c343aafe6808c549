/**
 * Checking a property's audit log chain: walk its rows in chain order, recompute each row's
 * hash in PostgreSQL (`audit_log_row_hash`, the function the insert trigger uses) and check
 * each link to the row before. The first fault found is where the table was tampered with.
 */
import { sql } from 'drizzle-orm';
import type { Db } from './index.js';

export const chainProblems = ['gap', 'link-broken', 'content-changed'] as const;

/** The first faulty row of a chain. */
export interface ChainBreak {
  rowId: number;
  chainPosition: number | null;
  problem: (typeof chainProblems)[number];
  detail: string;
}

/** The verdict on one property's chain. */
export interface ChainReport {
  propertyId: string;
  ok: boolean;
  rows: number;
  lastPosition: number | null;
  firstBreak: ChainBreak | null;
}

interface Row extends Record<string, unknown> {
  rows: number;
  last_position: string | null;
  id: string | null;
  chain_position: string | null;
  previous_position: string | null;
  problem: ChainBreak['problem'] | null;
}

const num = (v: string | null) => (v === null ? null : Number(v));

function explain(r: Row): string {
  const position = num(r.chain_position);
  const previous = num(r.previous_position);
  switch (r.problem) {
    case 'gap':
      if (position === null) return 'the row has no chain position: it was written with the chaining trigger switched off';
      if (previous === null) return `the chain starts at position ${position}: the rows at positions 1–${position - 1} are missing`;
      if (position <= previous) return `position ${position} comes again after ${previous}: the chain was rewritten`;
      return position - previous === 2
        ? `the chain jumps from position ${previous} to ${position}: the row at position ${previous + 1} is missing`
        : `the chain jumps from position ${previous} to ${position}: the rows at positions ${previous + 1}–${position - 1} are missing`;
    case 'link-broken':
      return `its prev_hash does not match the hash of the row at position ${previous}: that row was changed and re-hashed, or a row was put in between`;
    case 'content-changed':
      return 'its content no longer matches its hash: the row was changed after it was written';
    default:
      return '';
  }
}

/** Verify the chain of `propertyId`: ok with the row count, or the first broken link and what is wrong with it. */
export async function verifyAuditChain(db: Db, propertyId: string): Promise<ChainReport> {
  const result = await db.execute<Row>(sql`
    WITH chain AS (
      SELECT a.id, a.chain_position, a.prev_hash, a.hash,
             audit_log_row_hash(a) AS recomputed,
             lag(a.hash) OVER w AS previous_hash,
             lag(a.chain_position) OVER w AS previous_position
      FROM audit_log a
      WHERE a.property_id = ${propertyId}
      WINDOW w AS (ORDER BY a.chain_position NULLS LAST, a.id)
    ), checked AS (
      SELECT *, CASE
        WHEN chain_position IS NULL OR chain_position <> coalesce(previous_position, 0) + 1 THEN 'gap'
        WHEN prev_hash IS DISTINCT FROM previous_hash THEN 'link-broken'
        WHEN hash IS DISTINCT FROM recomputed THEN 'content-changed'
      END AS problem
      FROM chain
    ), first_break AS (
      SELECT id, chain_position, previous_position, problem FROM checked
      WHERE problem IS NOT NULL ORDER BY chain_position NULLS LAST, id LIMIT 1
    )
    SELECT (SELECT count(*) FROM chain)::int AS rows,
           (SELECT max(chain_position) FROM chain)::text AS last_position,
           b.id::text AS id, b.chain_position::text AS chain_position,
           b.previous_position::text AS previous_position, b.problem
    FROM (SELECT 1) AS one LEFT JOIN first_break b ON true
  `);
  const r = result.rows[0]!;
  const firstBreak: ChainBreak | null =
    r.problem && r.id !== null ? { rowId: Number(r.id), chainPosition: num(r.chain_position), problem: r.problem, detail: explain(r) } : null;
  return { propertyId, ok: firstBreak === null, rows: r.rows, lastPosition: num(r.last_position), firstBreak };
}
