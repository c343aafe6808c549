/**
 * The one activity every process step goes through: in a single transaction it writes
 * the projection row, the audit row, the SLA event record and the outbox rows. Idempotent:
 * a retried step (same workflow, same sequence number) writes nothing twice.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { and, eq, inArray, or } from 'drizzle-orm';
import { appendAudit, type Tx } from '../db/audit.js';
import { dutyRoster } from '../db/emergency.js';
import type { Db } from '../db/index.js';
import { complaints, departments, hazards, improvementActions, incidents, maintenanceTasks, outbox, owners, patrolRounds, slaEvents, staff, staffMemberships, units, workOrders } from '../db/schema/index.js';
import { sanitise } from '../workflows/shared/step-failures.js';
import type { NotifyTarget, ProcessKind, StepInput, StepRecordBase, StepRecordOf, StepResult } from '../workflows/shared/steps.js';
import { projectComplaint } from './projections/complaints.js';
import { projectHazard } from './projections/hazards.js';
import { projectImprovementAction, projectIncident } from './projections/incidents.js';
import { projectPatrolRound } from './projections/patrol-rounds.js';
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
      .select({ id: staff.id, role: staffMemberships.role })
      .from(staff)
      .innerJoin(staffMemberships, eq(staffMemberships.staffId, staff.id))
      .leftJoin(departments, eq(departments.id, staffMemberships.departmentId))
      .where(
        and(
          eq(staffMemberships.propertyId, step.propertyId),
          eq(staff.active, true),
          eq(staffMemberships.active, true),
          or(roles.length ? inArray(staffMemberships.role, roles) : undefined, departmentCodes.length ? inArray(departments.code, departmentCodes) : undefined),
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
  // The emergency duty roster as it is now: a page's next level reaches whoever is next on duty when it fires.
  const onDuty = targets.flatMap((t) => (t.kind === 'on-duty' ? [t] : []));
  if (onDuty.length) {
    const roster = await dutyRoster(tx, step.propertyId);
    for (const t of onDuty) {
      const person = roster[t.role]?.[t.position - 1];
      if (person) out.set(`staff:${person.id}`, { key: `staff:${person.id}`, kind: 'staff', id: person.id, role: null, channel: 'app' });
    }
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
  hazard: projectHazard,
  'patrol-round': projectPatrolRound,
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
  const settle = deliverForAWhile(db, deliver);
  return async function recordStep<K extends ProcessKind>(input: StepInput<K>): Promise<StepResult> {
    return settle(await write({ ...input, workflowId: currentWorkflowId() }));
  };
}

/** The workflow the running activity was scheduled by. */
function currentWorkflowId(): string {
  const workflowId = Context.current().info.workflowExecution?.workflowId;
  if (!workflowId) throw ApplicationFailure.nonRetryable('recording a step runs only for a workflow', 'NotForAWorkflow');
  return workflowId;
}

/** Send what a step wrote at once, for a couple of seconds at most; what is not sent by then comes back as `pending`. */
function deliverForAWhile(db: Db, deliver: (input: { ids: number[] }) => Promise<unknown>) {
  return async (written: StepResult): Promise<StepResult> => {
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

/** What a step that cannot be written leaves: the step, and the record of its failure. */
export interface FailedStepInput<K extends ProcessKind> {
  /** The step that could not be written; absent when what failed was another activity. */
  failed?: StepInput<K>;
  /** The `step.failed` step: who/when/why, the needs-attention flag and the message to the dispatcher and admin. */
  failure: StepInput<K>;
}

/** What recording a failure wrote: the failed step as far as it could be written, and the failure record. */
export interface FailedStepResult {
  /** The failed step, sanitised, when that much could be written (its notifications, its SLA event); null when not. */
  failed: StepResult | null;
  failure: StepResult;
  /** Whether the projection row exists now (the failed step may have been the process's first). */
  projected: boolean;
}

/**
 * Build the recordFailedStep activity: in one transaction, the failed step sanitised (in a
 * savepoint: a step refused for its text goes in with that text made storable, so its
 * notifications and SLA event are not lost; one refused for a constraint leaves nothing),
 * then the failure record, sanitised too, which raises the needs-attention flag and tells
 * the dispatcher and admin. Sanitised, nothing in it can be refused for its data.
 */
export function recordFailedStepActivity(db: Db, deliver: (input: { ids: number[] }) => Promise<unknown>) {
  const settle = deliverForAWhile(db, deliver);
  return async function recordFailedStep<K extends ProcessKind>(input: FailedStepInput<K>): Promise<FailedStepResult> {
    const workflowId = currentWorkflowId();
    const failed = input.failed && ({ ...sanitise(input.failed), workflowId } as StepRecordOf<K>);
    const failure = { ...sanitise(input.failure), workflowId } as StepRecordOf<K>;
    const written = await db.transaction(async (tx) => {
      const first = failed ? await tx.transaction((sp) => writeStepIn(sp, { ...failed, detail: { ...(failed.detail ?? {}), sanitised: true } })).catch(() => null) : null;
      const record = await writeStepIn(tx, failure, { projection: 'best-effort' });
      return { first, record, projected: await flagAttention(tx, failure.process, workflowId, true) };
    });
    return {
      failed: written.first && (await settle(written.first)),
      failure: await settle(written.record),
      projected: written.projected,
    };
  };
}

/** The step's transaction: projection, audit row, SLA event record and outbox rows. */
function writeStep(db: Db) {
  return async function write<K extends ProcessKind>(step: StepRecordOf<K>): Promise<StepResult> {
    return db.transaction((tx) => writeStepIn(tx, step));
  };
}

/** Each process's projection table, for the needs-attention flag every projection has. */
const projectionTables = { 'work-order': workOrders, complaint: complaints, 'maintenance-task': maintenanceTasks, hazard: hazards, 'patrol-round': patrolRounds, incident: incidents, 'improvement-action': improvementActions } as const satisfies Record<ProcessKind, unknown>;

/** Raise or clear the process's needs-attention flag; false when its projection has no row yet. */
async function flagAttention(tx: Tx, process: ProcessKind, workflowId: string, on: boolean): Promise<boolean> {
  const table: (typeof projectionTables)[ProcessKind] = projectionTables[process];
  const rows = await tx.update(table).set({ needsAttention: on }).where(eq(table.workflowId, workflowId)).returning({ workflowId: table.workflowId });
  return rows.length > 0;
}

/** Write one step inside `tx`: projection, needs-attention flag, audit row, SLA event record and outbox rows. */
async function writeStepIn<K extends ProcessKind>(tx: Tx, step: StepRecordOf<K>, opts: { projection: 'required' | 'best-effort' } = { projection: 'required' }): Promise<StepResult> {
  const writeProjection = projections[step.process];
  if (opts.projection === 'required') await writeProjection(tx, step);
  else {
    // A savepoint: a projection that cannot be written leaves the audit row and the notifications to be written.
    await tx.transaction((sp) => writeProjection(sp, step)).catch(() => undefined);
  }
  if (step.attention !== undefined) await flagAttention(tx, step.process, step.workflowId, step.attention);
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
}
