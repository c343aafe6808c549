/**
 * A process with a step the database refused, as the API shows it: flagged in its list
 * (`?needsAttention=true`), and cleared by an admin's `POST /v1/processes/{id}/retry-step`.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { auditReplayWorkflowId } from '../workflows/audit-replay.contract.js';
import { eventually } from '../test/harness/processes.js';
import { processApiStack } from '../test/harness/process-api.js';
import { openOrder } from '../test/harness/work-orders.js';

const stack = processApiStack();

const list = async (query: string, username = 'dispatcher.zhang') => {
  const { t } = stack;
  const res = await t.app.inject({ method: 'GET', url: `/v1/work-orders?${query}`, headers: await t.as(username) });
  expect(res.statusCode).toBe(200);
  return res.json<{ items: { id: string; needsAttention: boolean; description: string }[] }>().items;
};

describe('a process with a step the database refused', () => {
  it('is listed under needsAttention=true until an admin retries the step, and only an admin may', async () => {
    const { env, database, t } = stack;
    // Started directly, past the API's own checks, as an older client or a stored value could.
    const { taskQueue } = t.app.deps;
    const h = await openOrder(env.client, taskQueue, database.db, { description: 'sink\u0000 blocked' });
    const orderId = h.workflowId.slice('work-order:'.length);

    const flagged = await eventually(
      () => list('needsAttention=true'),
      (items) => items.some((i) => i.id === orderId),
      'the order in the needs-attention list',
    );
    expect(flagged.find((i) => i.id === orderId)).toMatchObject({ needsAttention: true, description: 'sink\uFFFD blocked' });
    expect((await list('needsAttention=false')).map((i) => i.id)).not.toContain(orderId);

    // The timeline shows the failure as a step, and agrees with the audit log.
    const timeline = await t.app.inject({ method: 'GET', url: `/v1/processes/${encodeURIComponent(h.workflowId)}/timeline`, headers: await t.as('admin') });
    const read = timeline.json<{ steps: { action?: string; actor?: { id: string } }[]; audit: { consistent: boolean; disagreements: unknown[] } }>();
    expect(read.steps.filter((s) => s.action).map((s) => s.action)).toEqual(expect.arrayContaining(['receive', 'step.failed']));
    expect(read.steps.find((s) => s.action === 'step.failed')?.actor?.id).toBe('system');
    expect(read.audit.disagreements).toEqual([]);

    const url = `/v1/processes/${encodeURIComponent(h.workflowId)}/retry-step`;
    const denied = await t.app.inject({ method: 'POST', url, headers: await t.as('dispatcher.zhang'), payload: {} });
    expect(denied.statusCode).toBe(403);

    const retried = await t.app.inject({ method: 'POST', url, headers: await t.as('admin'), payload: { reason: 'checked the description' } });
    expect(retried.statusCode).toBe(200);
    // Steps taken meanwhile (the automatic dispatch) are among those the update saw recorded.
    expect(retried.json()).toMatchObject({ workflowId: h.workflowId, recorded: expect.arrayContaining(['step.retried']) as unknown });
    await eventually(
      () => list('needsAttention=false'),
      (items) => items.some((i) => i.id === orderId && !i.needsAttention),
      'the order out of the needs-attention list',
    );
    expect((await list('needsAttention=true')).map((i) => i.id)).not.toContain(orderId);

    const again = await t.app.inject({ method: 'POST', url, headers: await t.as('admin'), payload: {} });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ error: 'illegal_transition' });

    const bad = await t.app.inject({ method: 'POST', url, headers: await t.as('admin'), payload: { reason: 'x', extra: 1 } });
    expect(bad.statusCode).toBe(400);
  });

  it('answers 409 for a workflow that records no steps, such as a replay check', async () => {
    const { env, t } = stack;
    const workflowId = auditReplayWorkflowId(randomUUID());
    // Nobody serves the replay queue here: the check stays open, waiting for its activity.
    const h = await env.client.workflow.start('auditReplayWorkflow', { workflowId, taskQueue: t.app.deps.taskQueue, args: [{ source: { kind: 'workflow', name: 'x', workflowId: 'work-order:WO-1' } }] });
    const res = await t.app.inject({ method: 'POST', url: `/v1/processes/${encodeURIComponent(workflowId)}/retry-step`, headers: await t.as('admin'), payload: {} });
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json<{ message: string }>().message).toContain('records no steps');
    await h.terminate('test over');
  });
});
