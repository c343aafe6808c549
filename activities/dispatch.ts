/** Automatic dispatch (派单): the least-loaded active field worker of the right department. */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { departments, staff, staffMemberships, workOrders } from '../db/schema/index.js';
import { fieldRoles, openWorkOrderStatuses, type Assignee } from '../workflows/work-order.contract.js';

export interface AssignInput {
  workflowId: string;
  propertyId: string;
  departmentCode: string;
  /** The order's assignment round this pick is for; a retry of the same round returns the same person. */
  round: number;
  /** Keep this person if they can still take it (rectification goes back to who did the work). */
  preferredId?: string;
}

/** Build the assignTechnician activity over a database handle. */
export function assignTechnicianActivity(db: Db) {
  return async function assignTechnician(input: AssignInput): Promise<Assignee | null> {
    return db.transaction(async (tx) => {
      // One pick at a time per department, so two orders arriving together see each other's load.
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`dispatch:${input.propertyId}:${input.departmentCode}`}, 0))`);
      const [order] = await tx
        .select({ round: workOrders.assignmentRound, id: workOrders.assigneeId, name: workOrders.assigneeName })
        .from(workOrders)
        .where(eq(workOrders.workflowId, input.workflowId));
      if (order && order.round >= input.round && order.id && order.name) return { id: order.id, name: order.name };

      const openCount = sql<number>`(
        SELECT count(*)::int FROM ${workOrders}
        WHERE ${workOrders.propertyId} = ${input.propertyId}
          AND ${workOrders.assigneeId} = ${staff.id}::text
          AND ${workOrders.status} IN (${sql.join(openWorkOrderStatuses.map((s) => sql`${s}`), sql`, `)})
      )`;
      const candidates = await tx
        .select({ id: staff.id, name: staff.name, open: openCount })
        .from(staffMemberships)
        .innerJoin(staff, eq(staff.id, staffMemberships.staffId))
        .innerJoin(departments, eq(departments.id, staffMemberships.departmentId))
        .where(
          and(
            eq(staffMemberships.propertyId, input.propertyId),
            eq(departments.code, input.departmentCode),
            eq(staff.active, true),
            eq(staffMemberships.active, true),
            inArray(staffMemberships.role, [...fieldRoles]),
          ),
        )
        // Fewest open orders first; ties go to whoever has waited longest since their last order.
        .orderBy(asc(openCount), sql`${staffMemberships.lastAssignedAt} ASC NULLS FIRST`, asc(staff.username));
      const picked = candidates.find((c) => c.id === input.preferredId) ?? candidates[0];
      if (!picked) return null;
      await tx
        .update(staffMemberships)
        .set({ lastAssignedAt: sql`now()` })
        .where(and(eq(staffMemberships.staffId, picked.id), eq(staffMemberships.propertyId, input.propertyId)));
      // Count the order against its new assignee at once, before the step's own projection write.
      await tx
        .update(workOrders)
        .set({ assigneeId: picked.id, assigneeName: picked.name, assignmentRound: input.round })
        .where(and(eq(workOrders.workflowId, input.workflowId), sql`${workOrders.assignmentRound} < ${input.round}`));
      return { id: picked.id, name: picked.name };
    });
  };
}
