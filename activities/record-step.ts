/**
 * The one activity every process step goes through: in a single transaction it writes
 * the projection row, the audit row, the SLA event record and the outbox rows. Idempotent:
 * a retried step (same workflow, same sequence number) writes nothing twice.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { and, eq, inArray, or } from 'drizzle-orm';
import { appendAudit, type Tx } from '../db/audit.js';
import type { Db } from '../db/index.js';
import { departments, outbox, owners, slaEvents, staff, staffMemberships, units } from '../db/schema/index.js';
import type { NotifyTarget, ProcessKind, StepInput, StepRecordBase, StepRecordOf, StepResult } from '../workflows/shared/steps.js';
import { projectComplaint } from './projections/complaints.js';
import { projectImprovementAction, projectIncident } from './projections/incidents.js';
import { projectMaintenanceTask } from './projections/maintenance-tasks.js';
import { projectWorkOrder } from './projections/work-orders.js';

interface Recipient {
  key: string;
  kind: 'staff' | 'reporter' | 'owner';
  id: string | null;
  role: string | null;
  channel: string;
}

/** Resolve targets to people at the moment the step is recorded (who is on the roster now). */
async function resolveRecipients(tx: Tx, step: StepRecordBase, targets: NotifyTarget[]): Promise<Recipient[]> {
  const out = new Map<string, Recipient>();
  // Everyone active here in a targeted role or department, in one query.
  const roles = targets.flatMap((t) => (t.kind === 'role' ? [t.role] : []));
  const departmentCodes = targets.flatMap((t) => (t.kind === 'department' ? [t.department] : []));
  if (roles.length || departmentCodes.length) {
    const rows = await tx
      .select({ id: staff.id, role: staff.role })
      .from(staff)
      .innerJoin(staffMemberships, eq(staffMemberships.staffId, staff.id))
      .leftJoin(departments, eq(departments.id, staffMemberships.departmentId))
      .where(
        and(
          eq(staffMemberships.propertyId, step.propertyId),
          eq(staff.active, true),
          or(roles.length ? inArray(staff.role, roles) : undefined, departmentCodes.length ? inArray(departments.code, departmentCodes) : undefined),
        ),
      );
    for (const r of rows) out.set(`staff:${r.id}`, { key: `staff:${r.id}`, kind: 'staff', id: r.id, role: r.role, channel: 'app' });
  }
  // Owners of the affected units and buildings, by ID only: the notifier looks their numbers up when it sends.
  const unitIds = targets.flatMap((t) => (t.kind === 'owners' ? t.unitIds : []));
  const buildingIds = targets.flatMap((t) => (t.kind === 'owners' ? t.buildingIds : []));
  if (unitIds.length || buildingIds.length) {
    const rows = await tx
      .select({ id: owners.id })
      .from(owners)
      .innerJoin(units, eq(units.id, owners.unitId))
      .where(and(eq(units.propertyId, step.propertyId), or(unitIds.length ? inArray(units.id, unitIds) : undefined, buildingIds.length ? inArray(units.buildingId, buildingIds) : undefined)));
    for (const r of rows) out.set(`owner:${r.id}`, { key: `owner:${r.id}`, kind: 'owner', id: r.id, role: null, channel: 'webhook' });
  }
  for (const t of targets) {
    if (t.kind === 'staff') out.set(`staff:${t.id}`, { key: `staff:${t.id}`, kind: 'staff', id: t.id, role: null, channel: 'app' });
    if (t.kind === 'reporter') out.set('reporter', { key: 'reporter', kind: 'reporter', id: step.workflowId, role: null, channel: 'sms' });
  }
  return [...out.values()];
}

/** Each process's projection writer; a new process adds its own. */
const projections: { [K in ProcessKind]: (tx: Tx, step: StepRecordOf<K>) => Promise<void> } = {
  'work-order': projectWorkOrder,
  complaint: projectComplaint,
  'maintenance-task': projectMaintenanceTask,
  incident: projectIncident,
  'improvement-action': projectImprovementAction,
};

/** How long a step waits for its notifications to go out before leaving them to the retrying delivery activity. */
const inlineDeliveryMs = 2_000;

/**
 * Build the recordStep activity over a database handle and the delivery it tries first.
 * After the transaction commits, the step's notifications are sent at once, for at most a
 * couple of seconds; whatever is not sent by then (a slow or failing gateway, a retried
 * step whose first attempt died) comes back as `pending`, for the workflow's retrying
 * delivery activity. A gateway that stays down never holds the step up for longer.
 */
export function recordStepActivity(db: Db, deliver: (input: { ids: number[] }) => Promise<unknown>) {
  const write = writeStep(db);
  return async function recordStep<K extends ProcessKind>(input: StepInput<K>): Promise<StepResult> {
    const workflowId = Context.current().info.workflowExecution?.workflowId;
    if (!workflowId) throw ApplicationFailure.nonRetryable('recordStep runs only for a workflow', 'NotForAWorkflow');
    const step: StepRecordOf<K> = { ...input, workflowId };
    const written = await write(step);
    if (!written.pending.length) return written;
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, inlineDeliveryMs);
    });
    // A failure is recorded on its outbox row; the retrying activity takes the row over.
    await Promise.race([deliver({ ids: written.pending }).catch(() => undefined), limit]);
    clearTimeout(timer);
    const unsent = await db
      .select({ id: outbox.id })
      .from(outbox)
      .where(and(inArray(outbox.id, written.pending), inArray(outbox.status, ['pending', 'failed'])));
    return { ...written, pending: unsent.map((r) => r.id) };
  };
}

/** The step's transaction: projection, audit row, SLA event record and outbox rows. */
function writeStep(db: Db) {
  return async function write<K extends ProcessKind>(step: StepRecordOf<K>): Promise<StepResult> {
    return db.transaction(async (tx) => {
      const writeProjection = projections[step.process];
      await writeProjection(tx, step);
      const fresh = await appendAudit(tx, {
        occurredAt: new Date(step.at),
        propertyId: step.propertyId,
        subject: step.workflowId,
        seq: step.seq,
        action: step.action,
        actor: step.actor,
        fromStatus: step.from ?? null,
        toStatus: step.to ?? null,
        reason: step.reason ?? null,
        // The receipt's audit row says what was received (the step carries it once, as the projection's identity).
        detail: { ...(step.detail ?? {}), ...(step.slaEvent ? { slaEvent: step.slaEvent } : {}), ...(step.identity && step.action === 'receive' ? { received: step.identity } : {}) },
      });
      // A retry of a step already written: the first attempt wrote (and counted) everything.
      if (!fresh) {
        const existing = await tx.select({ id: outbox.id, status: outbox.status }).from(outbox).where(eq(outbox.subject, `${step.workflowId}#${step.seq}`));
        // Rows the first attempt wrote but did not get out (it died between commit and delivery) are still owed.
        return { outboxIds: [], recipients: existing.length, pending: existing.filter((r) => r.status !== 'sent').map((r) => r.id) };
      }
      const recipients = step.notify ? await resolveRecipients(tx, step, step.notify.targets) : [];
      if (step.slaEvent) {
        await tx
          .insert(slaEvents)
          .values({
            workflowId: step.workflowId,
            propertyId: step.propertyId,
            clock: step.slaEvent.clock,
            run: step.slaEvent.run,
            level: step.slaEvent.level,
            role: step.slaEvent.role ?? null,
            deadline: new Date(step.slaEvent.deadline),
            dueAt: new Date(step.slaEvent.dueAt),
            firedAt: new Date(step.at),
            recipients: recipients.length,
          })
          .onConflictDoNothing();
      }
      if (!step.notify || recipients.length === 0) return { outboxIds: [], recipients: 0, pending: [] };
      const rows = await tx
        .insert(outbox)
        .values(
          recipients.map((r) => ({
            propertyId: step.propertyId,
            subject: `${step.workflowId}#${step.seq}`,
            dedupeKey: `${step.workflowId}#${step.seq}:${r.key}`,
            recipientKind: r.kind,
            recipientId: r.id,
            recipientRole: r.role,
            channel: r.channel,
            template: step.notify!.template,
            payload: step.notify!.payload,
          })),
        )
        .onConflictDoNothing()
        .returning({ id: outbox.id });
      const ids = rows.map((r) => r.id);
      return { outboxIds: ids, recipients: recipients.length, pending: ids };
    });
  };
}
