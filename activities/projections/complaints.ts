/** Writing the complaint projection row from a step, newest step wins. */
import { eq } from 'drizzle-orm';
import type { Tx } from '../../db/audit.js';
import { complaints, type ComplaintWorkOrderLink } from '../../db/schema/index.js';
import { upsertNewest } from './upsert.js';

/** The projection fields a complaint step carries (built in the workflow from its state). */
export interface ComplaintProjection {
  complaintId: string;
  propertyId: string;
  unitId: string | null;
  unitCode: string | null;
  commonArea: string | null;
  category: string;
  priority: string;
  urgent: boolean;
  channel: string;
  description: string;
  complainantName: string;
  complainantPhone?: string;
  status: string;
  department: string | null;
  handlerId: string | null;
  handlerName: string | null;
  assignmentRound: number;
  escalationLevel: number;
  reopens: number;
  nextDeadline: number | null;
  deadlines: unknown[];
  workOrders: ComplaintWorkOrderLink[];
  openWorkOrders: number;
  respondedAt: number | null;
  respondDeadline: number | null;
  respondMet: boolean | null;
  resolvedAt: number | null;
  resolveDeadline: number | null;
  resolveMet: boolean | null;
  satisfaction: number | null;
  createdAt: number;
  closedAt: number | null;
  createdById: string;
}

const ms = (v: number | null) => (v === null ? null : new Date(v));

/** Upsert the row unless it already reflects a newer step. */
export async function upsertComplaint(tx: Tx, workflowId: string, seq: number, at: number, p: ComplaintProjection): Promise<void> {
  const { complaintId, complainantPhone, createdAt, createdById, ...rest } = p;
  const changing = {
    ...rest,
    nextDeadline: ms(p.nextDeadline),
    respondedAt: ms(p.respondedAt),
    respondDeadline: ms(p.respondDeadline),
    resolvedAt: ms(p.resolvedAt),
    resolveDeadline: ms(p.resolveDeadline),
    closedAt: ms(p.closedAt),
    updatedAt: new Date(at),
    seq,
  };
  const row = { ...changing, id: complaintId, workflowId, complainantPhone: complainantPhone ?? null, createdAt: new Date(createdAt), createdById };
  await upsertNewest(tx, complaints, row, changing, 'complainantPhone');
}

/** The complainant's phone for a notification, looked up when it is sent (it is never copied into the outbox). */
export async function complainantPhone(tx: Tx, workflowId: string): Promise<string | null> {
  const [row] = await tx.select({ phone: complaints.complainantPhone }).from(complaints).where(eq(complaints.workflowId, workflowId));
  return row?.phone ?? null;
}
