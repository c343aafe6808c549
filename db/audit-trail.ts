/** Reading the audit log of one subject (a process's workflow ID): its rows, and the property it belongs to. */
import { and, asc, eq, isNotNull } from 'drizzle-orm';
import type { Db } from './index.js';
import { auditLog } from './schema/index.js';

/** One audit row as the timeline shows it. */
export interface AuditTrailRow {
  id: number;
  seq: number | null;
  occurredAt: Date;
  recordedAt: Date;
  action: string;
  actorId: string;
  actorRole: string;
  fromStatus: string | null;
  toStatus: string | null;
  reason: string | null;
  chainPosition: number | null;
}

/** Every audit row about `subject`, steps first by sequence number, then the rest in the order written. */
export async function auditRowsFor(db: Db, subject: string): Promise<AuditTrailRow[]> {
  return db
    .select({
      id: auditLog.id,
      seq: auditLog.seq,
      occurredAt: auditLog.occurredAt,
      recordedAt: auditLog.recordedAt,
      action: auditLog.action,
      actorId: auditLog.actorId,
      actorRole: auditLog.actorRole,
      fromStatus: auditLog.fromStatus,
      toStatus: auditLog.toStatus,
      reason: auditLog.reason,
      chainPosition: auditLog.chainPosition,
    })
    .from(auditLog)
    .where(eq(auditLog.subject, subject))
    .orderBy(asc(auditLog.seq), asc(auditLog.id));
}

/** The property the audit log files `subject` under, if it has any row about it. */
export async function propertyOfSubject(db: Db, subject: string): Promise<string | undefined> {
  const [row] = await db
    .select({ propertyId: auditLog.propertyId })
    .from(auditLog)
    .where(and(eq(auditLog.subject, subject), isNotNull(auditLog.propertyId)))
    .orderBy(asc(auditLog.id))
    .limit(1);
  return row?.propertyId ?? undefined;
}
