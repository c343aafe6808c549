import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { outboxOf, type TestDatabase } from '../test/harness/db.js';
import { openRound, roundStep, waitForRound } from '../test/harness/patrols.js';
import { eventually, saveFixture, updateFailure } from '../test/harness/processes.js';
import { workflowStack } from '../test/harness/workflow-stack.js';
import { actor } from '../test/harness/work-orders.js';
import { checkInUpdate, finishRoundUpdate, observeUpdate, patrolRoundQuery, startRoundUpdate, type PatrolRoundInput } from './patrol-round.contract.js';
import { processErrors } from './shared/steps.js';

const MIN = 60_000;

const stack = workflowStack();
let env: TestWorkflowEnvironment;
let database: TestDatabase;
let worker: Worker;
beforeAll(() => ({ env, database, worker } = stack));
const rows = stack.rows;

const open = async (overrides: Partial<PatrolRoundInput> = {}) => openRound(env.client, worker.options.taskQueue, database.db, await env.currentTimeMs(), overrides);
const guard = () => actor(database.db, 'security.zhao');
const opened = (h: WorkflowHandle) => waitForRound(h, (s) => s.timeline.some((t) => t.action === 'receive'), 'receipt');


describe('a patrol round', () => {
  it('turns a checkpoint nobody scanned by window + grace into one exception, escalated once per level, and closes itself as incomplete', async () => {
    const h = await open();
    const s = await opened(h);
    const [gate, carPark, roof] = s.checkpoints;
    const zhao = await guard();
    await roundStep(h, startRoundUpdate, { actor: zhao });
    await roundStep(h, checkInUpdate, { actor: zhao, checkpointId: gate!.id, gps: { lat: 22.28, lng: 114.16 } });
    await roundStep(h, observeUpdate, { actor: zhao, checkpointId: gate!.id, result: 'ok' });
    await env.sleep(20 * MIN);
    await roundStep(h, checkInUpdate, { actor: zhao, checkpointId: carPark!.id });
    const noPhoto = await updateFailure(h.executeUpdate(observeUpdate, { args: [{ actor: zhao, checkpointId: carPark!.id, result: 'issue', note: 'fire door wedged open' }] }));
    expect(noPhoto.message).toMatch(/^photo: /);
    const issue = await roundStep(h, observeUpdate, { actor: zhao, checkpointId: carPark!.id, result: 'issue', note: 'fire door wedged open', photo: 'https://photos.example/door.jpg' });
    expect(issue.report).toMatchObject({ checked: 2, issues: 1 });
    expect(issue.report.minGapMs).toBe(issue.report.maxGapMs);
    expect(issue.report.minGapMs).toBeGreaterThanOrEqual(20 * MIN);
    expect(issue.report.minGapMs).toBeLessThan(21 * MIN);
    // Past the window (60 min) and grace (10 min), then past the project manager's level (30 min more).
    await env.sleep(2 * 60 * MIN);
    const closed = await waitForRound(h, (r) => r.status === 'incomplete', 'the round closed');
    expect(closed.exceptions.map((e) => [e.checkpointId, e.levels.map((l) => [l.level, l.role])])).toEqual([
      [
        roof!.id,
        [
          [1, 'dispatcher'],
          [2, 'manager'],
        ],
      ],
    ]);
    const events = await rows<{ clock: string; level: number }>('SELECT clock, level FROM sla_events WHERE workflow_id = $1 ORDER BY level', [h.workflowId]);
    expect(events).toEqual([
      { clock: `checkpoint:${roof!.id}`, level: 1 },
      { clock: `checkpoint:${roof!.id}`, level: 2 },
    ]);
    const [row] = await rows<{ status: string; checked: number; missed: number; exceptions: number; issues: number; escalation_level: number }>(
      'SELECT status, checked, missed, exceptions, issues, escalation_level FROM patrol_rounds WHERE workflow_id = $1',
      [h.workflowId],
    );
    expect(row).toEqual({ status: 'incomplete', checked: 2, missed: 1, exceptions: 1, issues: 1, escalation_level: 2 });
    expect((await outboxOf(database, h.workflowId)).map((m) => m.template)).toEqual(expect.arrayContaining(['patrol.issue', 'sla.escalation']));
    await saveFixture(h, 'patrol-round', 'missed-checkpoint-escalated');
  });

  it('accepts an offline scan and flags it when its device time is too far from the server time', async () => {
    const h = await open();
    const s = await opened(h);
    const zhao = await guard();
    await roundStep(h, startRoundUpdate, { actor: zhao });
    const now = await env.currentTimeMs();
    await roundStep(h, checkInUpdate, { actor: zhao, checkpointId: s.checkpoints[0]!.id, deviceTime: now - 60_000 });
    const skewed = await roundStep(h, checkInUpdate, { actor: zhao, checkpointId: s.checkpoints[1]!.id, deviceTime: now - 40 * MIN });
    expect(skewed.scans.map((x) => x.skewFlagged)).toEqual([false, true]);
    expect(skewed.report.skewFlags).toBe(1);
    expect(skewed.timeline[skewed.timeline.length - 1]).toMatchObject({ action: 'check-in', reason: expect.stringMatching(/^device time -2400 s from the server's/) });
    await roundStep(h, checkInUpdate, { actor: zhao, checkpointId: s.checkpoints[2]!.id });
    const done = await roundStep(h, finishRoundUpdate, { actor: zhao });
    expect(done.status).toBe('completed');
    await h.result();
    await saveFixture(h, 'patrol-round', 'completed-with-skewed-scan');
  });

  it('refuses an early finish without a reason (400) and records it with one', async () => {
    const h = await open();
    const s = await opened(h);
    const zhao = await guard();
    await roundStep(h, startRoundUpdate, { actor: zhao });
    await roundStep(h, checkInUpdate, { actor: zhao, checkpointId: s.checkpoints[0]!.id });
    const before = await h.query(patrolRoundQuery);
    const refused = await updateFailure(h.executeUpdate(finishRoundUpdate, { args: [{ actor: zhao }] }));
    expect(refused.type).toBe(processErrors.invalidArgument);
    expect(refused.message).toMatch(/^reason: 2 checkpoint\(s\) not checked yet/);
    expect((await h.query(patrolRoundQuery)).seq).toBe(before.seq);
    const early = await roundStep(h, finishRoundUpdate, { actor: zhao, reason: 'called to an incident at the gate' });
    expect(early).toMatchObject({ status: 'finished_early', earlyReason: 'called to an incident at the gate' });
    expect(early.report.missed).toEqual([s.checkpoints[1]!.id, s.checkpoints[2]!.id]);
    await h.result();
    await saveFixture(h, 'patrol-round', 'finished-early');
  });

  it('walks an ordered route in order only (409 naming the next checkpoint)', async () => {
    const h = await open({ ordered: true });
    const s = await opened(h);
    const zhao = await guard();
    await roundStep(h, startRoundUpdate, { actor: zhao });
    const skipped = await updateFailure(h.executeUpdate(checkInUpdate, { args: [{ actor: zhao, checkpointId: s.checkpoints[1]!.id }] }));
    expect(skipped.type).toBe(processErrors.illegalTransition);
    expect(skipped.message).toMatch(/checkpoint 1 \(Main gate\) comes next/);
    const other = await actor(database.db, 'tech.chen');
    const notTheirs = await updateFailure(h.executeUpdate(checkInUpdate, { args: [{ actor: other, checkpointId: s.checkpoints[0]!.id }] }));
    expect(notTheirs.type).toBe(processErrors.notAllowed);
    await h.terminate('test over');
  });

  it('is recorded missed when nobody starts it, after its exceptions have climbed', async () => {
    const h = await open();
    await opened(h);
    await env.sleep(2 * 60 * MIN);
    const missed = await waitForRound(h, (r) => r.status === 'missed', 'the round missed');
    expect(missed.exceptions).toHaveLength(3);
    const events = await eventually(() => rows('SELECT 1 FROM sla_events WHERE workflow_id = $1', [h.workflowId]), (r) => r.length === 6, 'two levels for each of three checkpoints');
    expect(events).toHaveLength(6);
  });
});
