/** Reading the work-order projection, allocating order numbers and recording idempotency keys. */
import { createHash } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { dateStamp } from '../domain/time-zones.js';
import type { Db } from './index.js';
import { processListPage, toPage, type Page, type ProcessListFilter } from './lists.js';
import { idempotencyKeys, workOrderNumbers, workOrders } from './schema/index.js';

export type WorkOrderRow = typeof workOrders.$inferSelect;

/** Allocate a new order number: WO-<date in the property's zone>-<sequence, 4+ digits>. */
export async function allocateWorkOrderId(db: Db, timeZone: string, at = new Date()): Promise<string> {
  const [row] = await db.execute<{ n: string }>(sql`SELECT nextval(${sql.raw(`'${workOrderNumbers.seqName}'`)}) AS n`).then((r) => r.rows);
  return `WO-${dateStamp(at, timeZone)}-${String(row!.n).padStart(4, '0')}`;
}

/** SHA-256 of a request body in a stable form, to tell a true retry from a reused key. */
export function requestHash(body: unknown): string {
  const stable = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(stable) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, stable(x)])) : v;
  return createHash('sha256').update(JSON.stringify(stable(body))).digest('hex');
}

/**
 * Claim an idempotency key for a new resource. Returns the resource ID the key stands for:
 * `fresh` when this call claimed it, otherwise the earlier one's, with whether the bodies match.
 */
export async function claimIdempotencyKey(
  db: Db,
  scope: string,
  key: string,
  hash: string,
  allocate: () => Promise<string>,
): Promise<{ resourceId: string; fresh: boolean; sameRequest: boolean }> {
  const [existing] = await db.select().from(idempotencyKeys).where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
  if (existing) return { resourceId: existing.resourceId, fresh: false, sameRequest: existing.requestHash === hash };
  const resourceId = await allocate();
  const [inserted] = await db.insert(idempotencyKeys).values({ scope, key, resourceId, requestHash: hash }).onConflictDoNothing().returning();
  if (inserted) return { resourceId, fresh: true, sameRequest: true };
  // Two retries raced: the other one claimed the key first.
  const [winner] = await db.select().from(idempotencyKeys).where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
  return { resourceId: winner!.resourceId, fresh: false, sameRequest: winner!.requestHash === hash };
}

export async function getWorkOrderRow(db: Db, id: string): Promise<WorkOrderRow | undefined> {
  const [row] = await db.select().from(workOrders).where(eq(workOrders.id, id));
  return row;
}

/** Several orders' rows at once (those that exist). */
export async function getWorkOrderRows(db: Db, ids: string[]): Promise<WorkOrderRow[]> {
  return ids.length ? db.select().from(workOrders).where(inArray(workOrders.id, ids)) : [];
}

export interface WorkOrderFilter extends ProcessListFilter {
  assigneeId?: string | undefined;
}

/** The list query: the orders `f` asks for, newest first, one page and one row more. */
export function workOrderListQuery(db: Db, f: WorkOrderFilter) {
  return processListPage(db.select().from(workOrders).$dynamic(), workOrders, f, [f.assigneeId ? eq(workOrders.assigneeId, f.assigneeId) : undefined]);
}

/** A page of orders, newest first, with keyset paging on (created_at, id). */
export async function listWorkOrders(db: Db, f: WorkOrderFilter): Promise<Page<WorkOrderRow>> {
  return toPage(await workOrderListQuery(db, f), f.limit);
}
