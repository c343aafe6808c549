/** Writing the work-order projection row from a step, newest step wins. */
import { eq } from 'drizzle-orm';
import type { Tx } from '../../db/audit.js';
import { workOrders } from '../../db/schema/index.js';
import { upsertNewest } from './upsert.js';

/** The projection fields a work-order step carries (built in the workflow from its state). */
export interface WorkOrderProjection {
  orderId: string;
  propertyId: string;
  unitId: string | null;
  unitCode: string | null;
  commonArea: string | null;
  category: string;
  priority: string;
  channel: string;
  description: string;
  reporterName: string;
  reporterPhone?: string;
  status: string;
  assigneeId: string | null;
  assigneeName: string | null;
  assignmentRound: number;
  rectifications: number;
  escalationLevel: number;
  nextDeadline: number | null;
  deadlines: unknown[];
  satisfaction: number | null;
  createdAt: number;
  closedAt: number | null;
  createdById: string;
}

const ms = (v: number | null) => (v === null ? null : new Date(v));

/** Upsert the row unless it already reflects a newer step. */
export async function upsertWorkOrder(tx: Tx, workflowId: string, seq: number, at: number, p: WorkOrderProjection): Promise<void> {
  const row = {
    id: p.orderId,
    workflowId,
    propertyId: p.propertyId,
    unitId: p.unitId,
    unitCode: p.unitCode,
    commonArea: p.commonArea,
    category: p.category,
    priority: p.priority,
    channel: p.channel,
    description: p.description,
    reporterName: p.reporterName,
    reporterPhone: p.reporterPhone ?? null,
    status: p.status,
    assigneeId: p.assigneeId,
    assigneeName: p.assigneeName,
    assignmentRound: p.assignmentRound,
    rectifications: p.rectifications,
    escalationLevel: p.escalationLevel,
    nextDeadline: ms(p.nextDeadline),
    deadlines: p.deadlines,
    satisfaction: p.satisfaction,
    createdById: p.createdById,
    createdAt: new Date(p.createdAt),
    updatedAt: new Date(at),
    closedAt: ms(p.closedAt),
    seq,
  };
  const { id: _id, workflowId: _w, createdAt: _c, createdById: _b, reporterPhone: _p, ...changing } = row;
  await upsertNewest(tx, workOrders, row, changing, 'reporterPhone');
}

/** The reporter's phone for a notification, looked up when it is sent (it is never copied into the outbox). */
export async function workOrderReporterPhone(tx: Tx, workflowId: string): Promise<string | null> {
  const [row] = await tx.select({ phone: workOrders.reporterPhone }).from(workOrders).where(eq(workOrders.workflowId, workflowId));
  return row?.phone ?? null;
}
