import { spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/** Run `npx tsx scripts/replay.ts …` as a person would; its exit code and output. */
function replay(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'scripts/replay.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const scratch: string[] = [];
afterAll(async () => {
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

describe('npm run replay', () => {
  it('replays every committed history under a directory, says each is deterministic and exits 0', async () => {
    const root = 'test/fixtures/histories';
    const count = (await readdir(root, { recursive: true })).filter((f) => f.endsWith('.json')).length;
    const run = await replay(root);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('deterministic'))).toHaveLength(count);
    expect(lines.at(-1)).toBe(`${count} histories replayed: ${count} deterministic, 0 diverged, 0 unreadable`);
  });

  it('reports a history with an event removed as diverged with event, expected and got, and exits 1', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'replay-cli-'));
    scratch.push(dir);
    await cp('test/fixtures/histories/work-order/cancelled.json', path.join(dir, 'archive', 'cancelled.json'), { recursive: true });
    const edited = JSON.parse(await readFile('test/fixtures/histories/work-order/on-time-closure.json', 'utf8')) as { events: { eventId: string }[] };
    const [removed] = edited.events.splice(20, 1);
    await writeFile(path.join(dir, 'archive', 'edited.json'), JSON.stringify(edited));
    const run = await replay(dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`diverged      ${path.join(dir, 'archive', 'edited.json')}`);
    expect(run.stdout).toMatch(new RegExp(`event: +${removed!.eventId}\\n +expected: .+\\n +got: +.*event ${removed!.eventId} is missing`));
    expect(run.stdout.trim().split('\n').at(-1)).toBe('2 histories replayed: 1 deterministic, 1 diverged, 0 unreadable');
  });

  it('prints the verdicts and the summary as JSON with --json', async () => {
    const run = await replay('--json', 'test/fixtures/histories/work-order/cancelled.json');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.summary).toEqual({ total: 1, deterministic: 1, diverged: 0, unreadable: 0 });
    expect(out.reports[0]).toMatchObject({ outcome: 'deterministic', workflowType: 'workOrderWorkflow', name: 'test/fixtures/histories/work-order/cancelled.json' });
  });

  it('explains its usage and exits 2 for something that is neither a file nor a workflow ID', async () => {
    const run = await replay('no/such/place.json');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no such file or directory, and not a workflow ID/);
  });
});
