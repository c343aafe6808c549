/** The write every projection shares: insert the row, or update it unless it already reflects a newer step. */
import { sql } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Tx } from '../../db/audit.js';
import type { complaints, workOrders } from '../../db/schema/index.js';

type ProjectionTable = typeof workOrders | typeof complaints;

/**
 * Upsert `row` by its ID; an existing row takes `changing` only when the step's `seq` is
 * newer. `personal` (a phone number, sent only with the first step) keeps its value when a
 * later step carries none.
 */
export async function upsertNewest<T extends ProjectionTable>(
  tx: Tx,
  table: T,
  row: T['$inferInsert'],
  changing: Partial<T['$inferInsert']>,
  personal: keyof T['$inferInsert'] & keyof T & string,
): Promise<void> {
  const column = table[personal] as PgColumn;
  // Widened to the union: drizzle cannot type an insert into a generic table.
  const into: ProjectionTable = table;
  await tx
    .insert(into)
    .values(row)
    .onConflictDoUpdate({
      target: table.id,
      set: { ...changing, [personal]: sql`coalesce(excluded.${sql.identifier(column.name)}, ${column})` },
      setWhere: sql`${table.seq} < excluded.seq`,
    });
}
