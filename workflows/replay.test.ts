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

const root = path.resolve('test/fixtures/histories');
const workflowTypes = ['work-order', 'complaint'];

describe('committed workflow histories', () => {
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
