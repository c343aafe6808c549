/**
 * Steps that cannot succeed (issue 14, findings 5 and 6 on the workflow side): a value the
 * database refuses must not stall a process. The workflow is started directly, bypassing
 * the API's checks, as a stored policy or an older client could.
 */
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { auditTrail } from '../test/harness/db.js';
import { eventually, updateFailure } from '../test/harness/processes.js';
import { workflowStack } from '../test/harness/workflow-stack.js';
import { actor, openOrder, recordingNotifier, saveFixture, waitForState, workOrderWorker } from '../test/harness/work-orders.js';
import { processErrors } from './shared/steps.js';
import { retryErrors, retryFailedStepsUpdate, stepFailureTypes } from './shared/step-failures.js';
import { openComplaint, waitForComplaint } from '../test/harness/complaints.js';
import { withdrawUpdate } from './complaint.contract.js';
import { cancelUpdate } from './work-order.contract.js';

const MIN = 60_000;

const notifier = recordingNotifier();
const stack = workflowStack({ notifier });

const open = (overrides = {}) => openOrder(stack.env.client, stack.worker.options.taskQueue, stack.database.db, overrides);
const as = (username: string) => actor(stack.database.db, username);

const rows = <T = Record<string, unknown>>(query: string, params: unknown[]) => stack.rows<T>(query, params);

interface Projected {
  status: string;
  description: string;
  needs_attention: boolean;
  escalation_level: number;
}

/** The order's projection row once it shows `expected` (activities write it a moment after the workflow moves). */
const projection = (workflowId: string, expected: Partial<Projected>) =>
  eventually(
    async () => (await rows<Projected>('SELECT status, description, needs_attention, escalation_level FROM work_orders WHERE workflow_id = $1', [workflowId]))[0],
    (row) => !!row && Object.entries(expected).every(([k, v]) => row[k as keyof Projected] === v),
    `the projection to show ${JSON.stringify(expected)}`,
    (row) => JSON.stringify(row),
  );

/** Messages about a failed step, to whom. */
const failureNotices = (workflowId: string) =>
  rows<{ recipient_role: string; payload: Record<string, unknown> }>("SELECT recipient_role, payload FROM outbox WHERE subject LIKE $1 AND template = 'process.step-failed' ORDER BY recipient_role", [`${workflowId}#%`]);

/**
 * Make the audit log refuse one action of one process with a constraint error (SQLSTATE
 * 23514), as a broken reference or a new rule would; the returned function lifts it.
 */
async function refuseAudit(workflowId: string, action: string): Promise<() => Promise<void>> {
  const name = `refuse_${Math.random().toString(36).slice(2, 10)}`;
  await stack.database.pool.query(`
    CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.subject = '${workflowId}' AND NEW.action = '${action}' THEN
        RAISE EXCEPTION 'audit row refused for the test' USING ERRCODE = 'check_violation';
      END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER ${name} BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION ${name}();`);
  return async () => {
    await stack.database.pool.query(`DROP TRIGGER ${name} ON audit_log; DROP FUNCTION ${name}();`);
  };
}

describe('a step the database refuses', () => {
  it('flags an order whose description holds a NUL, tells the dispatcher and admin, still dispatches it and escalates on time', async () => {
    const h = await open({ description: 'water\u0000 leaking' });
    const s = await waitForState(h, (x) => x.status === 'dispatched' && x.timeline.some((t) => t.action === 'step.failed'), 'dispatch after the failed receipt');
    expect(s.timeline.map((t) => t.action)).toEqual(['receive', 'step.failed', 'dispatch']);
    expect(s.timeline[1]).toMatchObject({ actor: { id: 'system' }, detail: { failedSeq: 1, failedAction: 'receive', errorType: 'DataRejected' } });

    // In the lists (sanitised), flagged, and people told.
    await projection(h.workflowId, { status: 'dispatched', description: 'water\uFFFD leaking', needs_attention: true });
    const notices = await failureNotices(h.workflowId);
    expect(notices.map((n) => n.recipient_role)).toEqual(expect.arrayContaining(['admin', 'dispatcher']));
    expect(notices[0]!.payload).toMatchObject({ failedAction: 'receive', errorType: 'DataRejected' });
    const audit = await auditTrail(stack.database, h.workflowId);
    expect(audit.map((a) => a.action)).toEqual(['receive', 'step.failed', 'dispatch']);

    // The respond clock runs: nobody accepts, the dispatcher hears of it at the deadline.
    await stack.env.sleep(60 * MIN + 1000);
    const late = await waitForState(h, (x) => x.escalations.length === 1, 'respond level 1');
    expect(late.escalations[0]).toMatchObject({ clock: 'respond', level: 1, role: 'dispatcher' });
    expect(late.escalations[0]!.firedAt - late.escalations[0]!.deadline).toBeLessThan(MIN);
    await projection(h.workflowId, { escalation_level: 1, needs_attention: true });

    // The admin looked: the retry writes nothing twice and clears the flag.
    const admin = await as('admin');
    await h.executeUpdate(retryFailedStepsUpdate, { args: [{ actor: admin, reason: 'checked the description' }] });
    await projection(h.workflowId, { needs_attention: false });
    expect((await auditTrail(stack.database, h.workflowId)).map((a) => a.action)).toEqual(['receive', 'step.failed', 'dispatch', 'sla.warning', 'sla.escalated', 'step.retried']);
    await h.executeUpdate(cancelUpdate, { args: [{ actor: await as('dispatcher.zhang'), reason: 'test over' }] });
    await h.result();
    await saveFixture(h, 'work-order', 'poison-description-retried');
  });

  it('keeps the clocks running behind a step refused on a constraint, and an admin retry after the fix writes it and clears the flag', async () => {
    const h = await open();
    const lift = await refuseAudit(h.workflowId, 'dispatch');
    try {
      const s = await waitForState(h, (x) => x.timeline.some((t) => t.action === 'step.failed'), 'the failed dispatch');
      expect(s.timeline.map((t) => t.action)).toEqual(['receive', 'dispatch', 'step.failed']);
      expect(s.timeline[2]).toMatchObject({ detail: { failedAction: 'dispatch', errorType: 'ConstraintViolated' } });
      await projection(h.workflowId, { needs_attention: true });
      expect((await failureNotices(h.workflowId)).length).toBeGreaterThan(0);

      // Nobody was told of the assignment (its step never went in), so nobody accepts: the clock escalates on time.
      await stack.env.sleep(60 * MIN + 1000);
      const late = await waitForState(h, (x) => x.escalations.length === 1, 'respond level 1');
      expect(late.escalations[0]!.firedAt - late.escalations[0]!.deadline).toBeLessThan(MIN);
      expect((await rows("SELECT level FROM sla_events WHERE workflow_id = $1 AND clock = 'respond' AND level = 1", [h.workflowId])).length).toBe(1);

      // Only an admin retries, and a retry before the fix fails and leaves the flag up.
      const refused = await updateFailure(h.executeUpdate(retryFailedStepsUpdate, { args: [{ actor: await as('dispatcher.zhang') }] }));
      expect(refused.type).toBe(processErrors.notAllowed);
      const admin = await as('admin');
      const early = await updateFailure(h.executeUpdate(retryFailedStepsUpdate, { args: [{ actor: admin }] }));
      expect(early.type).toBe(retryErrors.stillFailing);
      expect(early.message).toContain('dispatch');
      await projection(h.workflowId, { needs_attention: true });
    } finally {
      await lift();
    }

    const admin = await as('admin');
    const outcome = await h.executeUpdate(retryFailedStepsUpdate, { args: [{ actor: admin, reason: 'rule fixed' }] });
    expect(outcome.recorded).toEqual(['step.retried']);
    await projection(h.workflowId, { needs_attention: false, status: 'dispatched' });
    const audit = await auditTrail(stack.database, h.workflowId);
    expect(audit.map((a) => a.action)).toEqual(['receive', 'dispatch', 'step.failed', 'sla.warning', 'sla.escalated', 'step.retried']);
    expect(audit[5]!.actor_id).toBe(admin.id);
    // The assignment's message goes out after all, once.
    expect((await rows("SELECT id FROM outbox WHERE subject LIKE $1 AND template = 'work-order.assigned'", [`${h.workflowId}#%`])).length).toBe(1);

    // Nothing left to retry: 409.
    const again = await updateFailure(h.executeUpdate(retryFailedStepsUpdate, { args: [{ actor: admin }] }));
    expect(again.type).toBe(processErrors.illegalTransition);
    await h.executeUpdate(cancelUpdate, { args: [{ actor: await as('dispatcher.zhang'), reason: 'test over' }] });
    await h.result();
    await saveFixture(h, 'work-order', 'constraint-failure-retried');
  });

  it('withdraws a complaint at once when the reason holds a NUL: the update answers, and the database agrees with the workflow', async () => {
    const h = await openComplaint(stack.env.client, stack.worker.options.taskQueue, stack.database.db);
    await waitForComplaint(h, (c) => c.timeline.length > 0, 'the receipt');
    const outcome = await h.executeUpdate(withdrawUpdate, { args: [{ actor: await as('frontdesk.li'), reason: 'resolved\u0000 between neighbours' }] });
    expect(outcome).toMatchObject({ status: 'withdrawn', recorded: ['withdraw', 'step.failed'] });
    const row = await eventually(
      async () => (await rows<{ status: string; needs_attention: boolean }>('SELECT status, needs_attention FROM complaints WHERE workflow_id = $1', [h.workflowId]))[0],
      (r) => r?.needs_attention === true,
      'the flagged complaint',
    );
    expect(row?.status).toBe('withdrawn');
    const [audit] = await rows<{ reason: string }>("SELECT reason FROM audit_log WHERE subject = $1 AND action = 'withdraw'", [h.workflowId]);
    expect(audit!.reason).toBe('resolved\uFFFD between neighbours');
    // It ended, but stays open for the admin: a flagged process is not forgotten.
    await h.executeUpdate(retryFailedStepsUpdate, { args: [{ actor: await as('admin') }] });
    expect(await h.result()).toMatchObject({ status: 'withdrawn' });
    await saveFixture(h, 'complaint', 'poison-withdraw-retried');
  });

  it('sends an order to the dispatchers when picking its technician fails for good, flagged, and the admin acknowledges it', async () => {
    const failing = await workOrderWorker(stack.env, stack.database.db, {
      notifier,
      wrap: (a) => ({
        ...a,
        assignTechnician: () => Promise.reject(ApplicationFailure.create({ type: stepFailureTypes.constraintViolated, message: 'staff_memberships refused the pick', nonRetryable: true })),
      }),
    });
    await failing.runUntil(async () => {
      const h = await openOrder(stack.env.client, failing.options.taskQueue, stack.database.db);
      const s = await waitForState(h, (x) => x.timeline.some((t) => t.action === 'dispatch.manual-needed'), 'the call for a dispatcher');
      expect(s.status).toBe('received');
      expect(s.timeline.map((t) => t.action)).toEqual(['receive', 'step.failed', 'dispatch.manual-needed']);
      expect(s.timeline[1]).toMatchObject({ detail: { failedAction: 'assignTechnician', errorType: 'ConstraintViolated' } });
      await projection(h.workflowId, { status: 'received', needs_attention: true });
      const outcome = await h.executeUpdate(retryFailedStepsUpdate, { args: [{ actor: await as('admin'), reason: 'membership fixed' }] });
      expect(outcome.recorded).toEqual(['step.retried']);
      await projection(h.workflowId, { needs_attention: false });
      await h.executeUpdate(cancelUpdate, { args: [{ actor: await as('dispatcher.zhang'), reason: 'test over' }] });
      await h.result();
      await saveFixture(h, 'work-order', 'dispatch-pick-failed');
    });
  });
});
