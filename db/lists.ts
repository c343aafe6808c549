/**
 * The process lists' one query shape: the filters every process shares, then keyset paging
 * newest first on (created_at, id), so a page reads the `<table>_property_created_idx` index
 * in order instead of sorting every matching row.
 */
import { and, desc, eq, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn, PgSelect } from 'drizzle-orm/pg-core';

/** Where a page ends: the last row's creation time and ID. */
export interface Cursor {
  createdAt: Date;
  id: string;
}

/** How many rows a page holds, and where the one before it ended. */
export interface PageRequest {
  limit: number;
  cursor?: Cursor | undefined;
}

/** A page of rows, with the cursor of the next one when there is more. */
export interface Page<Row> {
  items: Row[];
  next?: Cursor;
}

/** What every process list may be filtered by, besides its own columns. */
export interface ProcessListFilter extends PageRequest {
  /** The properties the caller may see; undefined for all. */
  propertyIds?: string[] | undefined;
  propertyId?: string | undefined;
  status?: string[] | undefined;
  category?: string | undefined;
  overdue?: boolean | undefined;
  /** A step of it could not be recorded and waits for an admin's retry. */
  needsAttention?: boolean | undefined;
}

/** The columns every process projection has that its list filters and pages on. */
export interface ProcessListColumns {
  propertyId: AnyPgColumn;
  status: AnyPgColumn;
  category: AnyPgColumn;
  nextDeadline: AnyPgColumn;
  needsAttention: AnyPgColumn;
  createdAt: AnyPgColumn;
  id: AnyPgColumn;
}

/**
 * Narrow `query` over the projection `t` to the rows `f` and `also` ask for, after the cursor, newest
 * first, one page and one row more (so the caller knows a next page exists).
 */
export function processListPage<Q extends PgSelect>(query: Q, t: ProcessListColumns, f: ProcessListFilter, also: (SQL | undefined)[]) {
  return query
    .where(
      and(
        f.propertyIds ? inArray(t.propertyId, f.propertyIds) : undefined,
        f.propertyId ? eq(t.propertyId, f.propertyId) : undefined,
        f.status?.length ? inArray(t.status, f.status) : undefined,
        f.category ? eq(t.category, f.category) : undefined,
        f.overdue === undefined ? undefined : f.overdue ? lt(t.nextDeadline, sql`now()`) : sql`(${t.nextDeadline} IS NULL OR ${t.nextDeadline} >= now())`,
        f.needsAttention === undefined ? undefined : eq(t.needsAttention, f.needsAttention),
        ...also,
        f.cursor ? or(lt(t.createdAt, f.cursor.createdAt), and(eq(t.createdAt, f.cursor.createdAt), lt(t.id, f.cursor.id))) : undefined,
      ),
    )
    .orderBy(desc(t.createdAt), desc(t.id))
    .limit(f.limit + 1);
}

/** The page in `rows` (a page and one row more at most), with the next cursor if that extra row came. */
export function toPage<Row extends Cursor>(rows: Row[], limit: number): Page<Row> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return rows.length > limit && last ? { items, next: { createdAt: last.createdAt, id: last.id } } : { items };
}
