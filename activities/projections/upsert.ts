/**
 * The write every projection shares. The first step of a process carries its identity and
 * inserts the row; every step updates the changing columns unless the row already reflects
 * a newer step. A later step that arrives before the first one is written retries.
 */
import { and, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/audit.js';
import type { complaints, hazards, improvementActions, incidents, maintenanceTasks, patrolRounds, workOrders } from '../../db/schema/index.js';

type ProjectionTable = typeof workOrders | typeof complaints | typeof maintenanceTasks | typeof hazards | typeof patrolRounds | typeof incidents | typeof improvementActions;

/** The step a projection write belongs to. */
export interface ProjectedStep {
  workflowId: string;
  seq: number;
  at: number;
}

/** The identity columns every projection row starts with. */
export function identityColumns<I extends { createdAt: number }>(step: ProjectedStep & { propertyId: string }, identity: I) {
  return { ...identity, createdAt: new Date(identity.createdAt), workflowId: step.workflowId, propertyId: step.propertyId };
}

/** Raised while a process's first step is not written yet: the activity retries. */
export class ProjectionNotReadyError extends Error {
  constructor(workflowId: string) {
    super(`the projection of ${workflowId} has no row yet (its first step is still being recorded)`);
    this.name = 'ProjectionNotReadyError';
  }
}

/**
 * Write `changing` for `step` unless the row reflects a newer step. `row` (the whole row,
 * `changing` included) comes with the process's first step, which inserts it.
 */
export async function project<T extends ProjectionTable>(tx: Tx, table: T, step: ProjectedStep, row: T['$inferInsert'] | undefined, changing: Partial<T['$inferInsert']>): Promise<void> {
  // Widened to the union: drizzle cannot type a write to a generic table.
  const into: ProjectionTable = table;
  if (row) {
    await tx.insert(into).values(row).onConflictDoUpdate({ target: table.workflowId, set: changing, setWhere: sql`${table.seq} < excluded.seq` });
    return;
  }
  const written = await tx
    .update(into)
    .set(changing)
    .where(and(eq(table.workflowId, step.workflowId), sql`${table.seq} < ${step.seq}`))
    .returning({ workflowId: table.workflowId });
  if (written.length) return;
  const [exists] = await tx.select({ workflowId: table.workflowId }).from(into).where(eq(table.workflowId, step.workflowId));
  if (!exists) throw new ProjectionNotReadyError(step.workflowId);
}
