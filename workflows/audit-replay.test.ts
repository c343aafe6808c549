import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveFixture } from '../test/harness/processes.js';
import { replayWorker, testWorker, timeSkippingEnv } from '../test/harness/temporal.js';
import type { auditReplayWorkflow } from './audit-replay.js';
import { auditReplayWorkflowId, type ReplaySourceRef } from './audit-replay.contract.js';

let env: TestWorkflowEnvironment;
let worker: Worker;
let replays: Worker;
let running: Promise<unknown>;

beforeAll(async () => {
  env = await timeSkippingEnv();
  // The workflow itself needs no activity of the main queue: only the replay worker's.
  worker = await testWorker(env, { activities: {} });
  replays = await replayWorker(env, worker.options.taskQueue);
  running = Promise.all([worker.run(), replays.run()]);
});
afterAll(async () => {
  worker?.shutdown();
  replays?.shutdown();
  await running;
  await env?.teardown();
});

const sent = (name: string, json: string): ReplaySourceRef => ({ kind: 'history', name, gzippedJson: gzipSync(json).toString('base64') });

async function check(source: ReplaySourceRef) {
  const handle = await env.client.workflow.start<typeof auditReplayWorkflow>('auditReplayWorkflow', {
    workflowId: auditReplayWorkflowId(randomUUID()),
    taskQueue: worker.options.taskQueue,
    args: [{ source }],
  });
  return { handle, report: await handle.result() };
}

const closedOrder = () => readFile('test/fixtures/histories/work-order/on-time-closure.json', 'utf8');

describe('the audit replay check as a workflow', () => {
  it('replays a history the caller sent, and a process by its workflow ID, in the replay worker', async () => {
    const fromBody = await check(sent('on-time-closure', await closedOrder()));
    expect(fromBody.report).toMatchObject({ name: 'on-time-closure', outcome: 'deterministic', workflowType: 'workOrderWorkflow' });
    expect(fromBody.report.events).toBeGreaterThan(20);

    // The first check's own history, fetched by the replay worker: a history free of personal data to keep.
    const byId = await check({ kind: 'workflow', name: fromBody.handle.workflowId, workflowId: fromBody.handle.workflowId });
    expect(byId.report).toMatchObject({ name: fromBody.handle.workflowId, workflowId: fromBody.handle.workflowId, workflowType: 'auditReplayWorkflow', outcome: 'deterministic' });
    await saveFixture(byId.handle, 'audit-replay', 'by-workflow-id');

    const again = await check(sent('a replay check', historyToJSON(await byId.handle.fetchHistory())));
    expect(again.report).toMatchObject({ outcome: 'deterministic', workflowType: 'auditReplayWorkflow' });
    await saveFixture(again.handle, 'audit-replay', 'sent-history');
  });

  it('returns the first divergence of a history edited by hand', async () => {
    const edited = JSON.parse(await closedOrder()) as { events: { eventId: string; eventType: string }[] };
    const index = edited.events.findIndex((e) => e.eventType === 'EVENT_TYPE_TIMER_STARTED');
    const [removed] = edited.events.splice(index, 1);
    const { report } = await check(sent('edited', JSON.stringify(edited)));
    expect(report).toMatchObject({ outcome: 'diverged', divergence: { eventId: Number(removed!.eventId), locatedBy: 'history-check' } });
  });

  it('says a process Temporal cannot find is unreadable, naming why', async () => {
    const { report } = await check({ kind: 'workflow', name: 'work-order:WO-19990101-0001', workflowId: 'work-order:WO-19990101-0001' });
    expect(report).toMatchObject({ name: 'work-order:WO-19990101-0001', outcome: 'unreadable', error: expect.stringMatching(/^could not be read: /) });
  });
});
