/** Delivering outbox rows through the configured channel, with the attempt recorded on each row. */
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/index.js';
import { outbox } from '../db/schema/index.js';
import type { Tx } from '../db/audit.js';
import { owners, processContacts } from '../db/schema/index.js';
import type { Notifier } from './notifier.js';

/** The phone of whoever raised the process behind `workflowId`, or null; read when the message is sent, never copied. */
async function reporterPhone(tx: Tx, workflowId: string): Promise<string | null> {
  const [row] = await tx.select({ phone: processContacts.phone }).from(processContacts).where(eq(processContacts.workflowId, workflowId));
  return row?.phone ?? null;
}

/** An owner's phone, read when the message is sent, never copied. */
async function ownerPhone(tx: Tx, ownerId: string | null): Promise<string | null> {
  if (!ownerId) return null;
  const [row] = await tx.select({ phone: owners.phone }).from(owners).where(eq(owners.id, ownerId));
  return row?.phone ?? null;
}

/** Build the deliverNotifications activity. Throws (and so retries) while any row failed. */
export function deliverNotificationsActivity(db: Db, notifier: Notifier) {
  return async function deliverNotifications(input: { ids: number[] }): Promise<{ sent: number }> {
    let sent = 0;
    const failures: string[] = [];
    for (const id of input.ids) {
      await db.transaction(async (tx) => {
        // SKIP LOCKED: a second delivery of the same row (a retry racing a slow first try) leaves it alone.
        const [row] = await tx
          .select()
          .from(outbox)
          .where(and(eq(outbox.id, id), inArray(outbox.status, ['pending', 'failed'])))
          .for('update', { skipLocked: true });
        if (!row) return;
        const workflowId = row.subject.split('#')[0] ?? row.subject;
        const address = row.recipientKind === 'reporter' ? await reporterPhone(tx, workflowId) : row.recipientKind === 'owner' ? await ownerPhone(tx, row.recipientId) : null;
        try {
          await notifier.send({
            id: row.id,
            template: row.template,
            channel: row.channel,
            recipient: { kind: row.recipientKind, id: row.recipientId, role: row.recipientRole, address },
            payload: row.payload,
          });
          await tx
            .update(outbox)
            .set({ status: 'sent', attempts: sql`${outbox.attempts} + 1`, sentAt: sql`now()`, lastError: null, channel: notifier.name === 'log' ? `${row.channel}:log` : row.channel })
            .where(eq(outbox.id, id));
          sent += 1;
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          failures.push(`${id}: ${message}`);
          await tx.update(outbox).set({ status: 'failed', attempts: sql`${outbox.attempts} + 1`, lastError: message }).where(eq(outbox.id, id));
        }
      });
    }
    if (failures.length) throw new Error(`delivery failed for outbox rows ${failures.join('; ')}`);
    return { sent };
  };
}
