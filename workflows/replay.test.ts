/**
 * The determinism guard: every committed history fixture replays against the workflow
 * code of this build. A change that would break runs in flight fails here; such a change
 * goes behind `patched()` (see the README).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { describe, expect, inject, it } from 'vitest';
import { buildWorkflowBundle, replayHistories, type ReplaySource } from '../activities/replay/replay.js';
import { buildTimeline } from '../api/processes/timeline.js';

const root = path.resolve('test/fixtures/histories');
const workflowTypes = ['work-order', 'complaint', 'audit-replay', 'maintenance-plan', 'maintenance-task', 'hazard', 'patrol-round', 'patrol-schedule', 'incident', 'improvement-action', 'drill-schedule'];

/** Every payload of a history as text (workflow inputs, activity arguments, update results). */
function payloadTexts(json: unknown): string[] {
  if (Array.isArray(json)) return json.flatMap(payloadTexts);
  if (!json || typeof json !== 'object') return [];
  return Object.entries(json).flatMap(([key, value]) => (key === 'data' && typeof value === 'string' ? [Buffer.from(value, 'base64').toString('utf8')] : payloadTexts(value)));
}

describe('committed workflow histories', () => {
  it('hold no phone number: contacts live in PostgreSQL, never in a history', async () => {
    const phone = /(?<!\d)1[3-9]\d{9}(?!\d)/;
    const found: string[] = [];
    for (const type of await readdir(root)) {
      for (const f of (await readdir(path.join(root, type))).filter((x) => x.endsWith('.json'))) {
        const texts = payloadTexts(JSON.parse(await readFile(path.join(root, type, f), 'utf8')));
        if (texts.some((t) => phone.test(t))) found.push(`${type}/${f}`);
      }
    }
    expect(found).toEqual([]);
  });

  it.each(workflowTypes)('include at least one %s history', async (type) => {
    const files = (await readdir(path.join(root, type)).catch(() => [])).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(workflowTypes)('all replay deterministically against this build: %s', async (type) => {
    const dir = path.join(root, type);
    const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
    const histories = await Promise.all(
      files.map(async (f) => ({ workflowId: `${type}/${f}`, history: historyFromJSON(JSON.parse(await readFile(path.join(dir, f), 'utf8'))) })),
    );
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: inject('workflowBundle') } }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});

/** The committed work-order histories as replay sources. */
async function workOrderSources(): Promise<ReplaySource[]> {
  const dir = path.join(root, 'work-order');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  return files.map((f) => ({ name: f, load: () => readFile(path.join(dir, f), 'utf8') }));
}

describe('the replay check', () => {
  it('catches a deliberately incompatible change to the repair-order workflow in every committed history, at the first event it changes', async () => {
    const code = await buildWorkflowBundle('test/fixtures/incompatible/extra-activity.ts');
    const sources = await workOrderSources();
    const reports = await replayHistories(sources, code);
    expect(reports).toHaveLength(sources.length);
    for (const report of reports) {
      expect(report).toMatchObject({
        outcome: 'diverged',
        workflowType: 'workOrderWorkflow',
        divergence: { eventId: 5, eventType: 'UpsertWorkflowSearchAttributes', locatedBy: 'sdk-message', got: 'the code scheduled an activity at this point instead' },
      });
      expect(report.divergence!.expected).toBe('UpsertWorkflowSearchAttributes: Category, PropertyId');
    }
  });

  it('finds the diverging event itself when the SDK does not name it: another activity where the history has recordStep', async () => {
    const code = await buildWorkflowBundle('test/fixtures/incompatible/other-activity.ts');
    // A history from before the `lean-steps` patch: the incompatible build shares its first commands.
    const [report] = await replayHistories((await workOrderSources()).filter((s) => s.name === 'v1-on-time-closure.json'), code);
    expect(report!.divergence).toMatchObject({
      eventId: 7,
      eventType: 'ActivityTaskScheduled',
      expected: 'ActivityTaskScheduled: activity recordStep (step 1: receive)',
      got: 'the code scheduled activity loadSlaPolicy instead',
      locatedBy: 'prefix-replay',
    });
  });

  it('reports a committed history with one event removed by hand as diverged at that event, next to the untouched original', async () => {
    const code = await readFile(inject('workflowBundle'), 'utf8');
    const text = await readFile(path.join(root, 'work-order', 'rectified-twice.json'), 'utf8');
    const edited = JSON.parse(text) as { events: { eventId: string; eventType: string }[] };
    const index = edited.events.findIndex((e, i) => i > 100 && e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED');
    const [removed] = edited.events.splice(index, 1);
    const reports = await replayHistories(
      [
        { name: 'original', load: async () => text },
        { name: 'edited', load: async () => JSON.stringify(edited) },
      ],
      code,
    );
    expect(reports.map((r) => r.outcome)).toEqual(['deterministic', 'diverged']);
    expect(reports[1]!.divergence).toMatchObject({
      eventId: Number(removed!.eventId),
      locatedBy: 'history-check',
      expected: expect.stringMatching(/^event \d+: ActivityTaskScheduled \(event \d+ ActivityTaskStarted refers to it\)$/),
    });
  });

  it('keep a history of every main path of the repair order, rectification and escalation included', async () => {
    const dir = path.join(root, 'work-order');
    const actions = new Set<string>();
    for (const f of (await readdir(dir)).filter((x) => x.endsWith('.json'))) {
      const history = historyFromJSON(JSON.parse(await readFile(path.join(dir, f), 'utf8')));
      for (const step of buildTimeline(history).recorded) actions.add(step.action);
    }
    const mainPaths = ['receive', 'dispatch', 'dispatch.manual-needed', 'accept', 'arrive', 'complete', 'revisit', 'rectify', 'rectification.escalated', 'sla.warning', 'sla.escalated', 'hold', 'resume', 'cancel'];
    expect(mainPaths.filter((a) => !actions.has(a))).toEqual([]);
  });
});
