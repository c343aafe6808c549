/**
 * Reading the maintenance-task projection (`maintenance_tasks`, written by the task workflow's
 * recording activity, never by the API): one row and the filtered list, newest due first,
 * each with its status as staff see it (a task past its opening time is open).
 */
import { and, desc, eq, gte, inArray, lt, lte, not, or, sql, type SQL } from 'drizzle-orm';
import { pendingTaskStatuses } from '../domain/maintenance.js';
import type { Db } from './index.js';
import { tasksCovering, visibleStatusSql, visibleTaskColumns, type EquipmentRow, type MaintenanceTaskRow } from './maintenance.js';
import { maintenanceTasks as t } from './schema/index.js';

export async function getTaskRow(db: Db, workflowId: string): Promise<MaintenanceTaskRow | undefined> {
  const [row] = await db.select(visibleTaskColumns).from(t).where(eq(t.workflowId, workflowId));
  return row;
}

/** Where a page of tasks ends: the last row's nominal due time and workflow ID. */
export interface TaskCursor {
  nominalDue: Date;
  workflowId: string;
}

export interface TaskFilter {
  /** The properties the caller may see; undefined for all. */
  propertyIds?: string[] | undefined;
  propertyId?: string | undefined;
  status?: string[] | undefined;
  planId?: string | undefined;
  /** The tasks maintaining this piece of equipment (its own and those of plans covering its kind). */
  equipment?: Pick<EquipmentRow, 'id' | 'propertyId' | 'kind'> | undefined;
  assigneeId?: string | undefined;
  /** Still pending (not done, missed or skipped) after its overdue time; false for every other task. */
  overdue?: boolean | undefined;
  /** A step of it could not be recorded and waits for an admin's retry. */
  needsAttention?: boolean | undefined;
  /** Nominal due time at or after. */
  dueFrom?: Date | undefined;
  /** Nominal due time at or before. */
  dueTo?: Date | undefined;
  limit: number;
  cursor?: TaskCursor | undefined;
}

/**
 * A page of tasks, newest due first with keyset paging on (nominal_due, workflow_id): for one
 * property the page is read in order from `maintenance_tasks_property_due_idx`.
 */
export async function listTasks(db: Db, f: TaskFilter): Promise<{ items: MaintenanceTaskRow[]; next?: TaskCursor }> {
  const overdue: SQL = and(inArray(t.status, [...pendingTaskStatuses]), lt(t.overdueAt, sql`now()`))!;
  const rows = await db
    .select(visibleTaskColumns)
    .from(t)
    .where(
      and(
        f.propertyIds ? inArray(t.propertyId, f.propertyIds) : undefined,
        f.propertyId ? eq(t.propertyId, f.propertyId) : undefined,
        f.status?.length ? inArray(visibleStatusSql(), f.status) : undefined,
        f.planId ? eq(t.planId, f.planId) : undefined,
        f.equipment ? tasksCovering(f.equipment) : undefined,
        f.assigneeId ? eq(t.assigneeId, f.assigneeId) : undefined,
        f.overdue === undefined ? undefined : f.overdue ? overdue : not(overdue),
        f.needsAttention === undefined ? undefined : eq(t.needsAttention, f.needsAttention),
        f.dueFrom ? gte(t.nominalDue, f.dueFrom) : undefined,
        f.dueTo ? lte(t.nominalDue, f.dueTo) : undefined,
        f.cursor ? or(lt(t.nominalDue, f.cursor.nominalDue), and(eq(t.nominalDue, f.cursor.nominalDue), lt(t.workflowId, f.cursor.workflowId))) : undefined,
      ),
    )
    .orderBy(desc(t.nominalDue), desc(t.workflowId))
    .limit(f.limit + 1);
  const items = rows.slice(0, f.limit);
  const last = items[items.length - 1];
  return rows.length > f.limit && last ? { items, next: { nominalDue: last.nominalDue, workflowId: last.workflowId } } : { items };
}
