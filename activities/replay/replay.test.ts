import { readFile } from 'node:fs/promises';
import { describe, expect, inject, it } from 'vitest';
import { replayHistories } from './replay.js';

describe('replayHistories', () => {
  it('stops the replay and rejects with the reason when the caller calls it off', async () => {
    const code = await readFile(inject('workflowBundle'), 'utf8');
    const controller = new AbortController();
    // A history that never arrives: without the signal the child would wait for it until the idle timeout (2 minutes).
    const replay = replayHistories([{ name: 'never arrives', load: () => new Promise<string>(() => undefined) }], code, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('nobody waits for this check any more')), 500);
    const started = Date.now();
    await expect(replay).rejects.toThrow('nobody waits for this check any more');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
