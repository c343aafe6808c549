/** Appending to the audit log: the one way rows get into it (the table refuses changes). */
import type { Actor } from '../domain/roles.js';
import type { Db } from './index.js';
import { auditLog } from './schema/index.js';

/** One audit entry: who did what to which subject, when and why. */
export interface AuditEntry {
  occurredAt: Date;
  propertyId: string | null;
  subject: string;
  seq?: number | null;
  action: string;
  actor: Actor;
  fromStatus?: string | null;
  toStatus?: string | null;
  reason?: string | null;
  detail?: Record<string, unknown>;
}

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * Append an entry inside the caller's transaction. Entries that carry a workflow
 * sequence number are idempotent: a retried activity's duplicate is ignored.
 */
export async function appendAudit(tx: Db | Tx, entry: AuditEntry): Promise<boolean> {
  const inserted = await tx
    .insert(auditLog)
    .values({
      occurredAt: entry.occurredAt,
      propertyId: entry.propertyId,
      subject: entry.subject,
      seq: entry.seq ?? null,
      action: entry.action,
      actorId: entry.actor.id,
      actorRole: entry.actor.role,
      fromStatus: entry.fromStatus ?? null,
      toStatus: entry.toStatus ?? null,
      reason: entry.reason ?? null,
      detail: entry.detail ?? {},
    })
    .onConflictDoNothing({ target: [auditLog.subject, auditLog.seq] })
    .returning({ id: auditLog.id });
  return inserted.length > 0;
}

export type { Tx };
