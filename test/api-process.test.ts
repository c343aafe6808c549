/**
 * The HTTP API process never loads the worker SDK, not even through a module it imports:
 * lint forbids the direct imports (eslint.config.js), this finds an indirect one.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

/** What server.ts imports (not server.ts itself: importing it boots the API). */
async function serverImports(): Promise<string[]> {
  const source = await readFile('server.ts', 'utf8');
  return [...source.matchAll(/^import\s[^'"]*['"]([^'"]+)['"]/gm)].map((m) => (m[1]!.startsWith('.') ? path.resolve(m[1]!.replace(/\.js$/, '.ts')) : m[1]!));
}

describe('the API process', () => {
  it('loads no part of the worker SDK through anything server.ts imports', async () => {
    const modules = await serverImports();
    expect(modules).toContain(path.resolve('api/app.ts'));
    const script = `
      import { createRequire } from 'node:module';
      for (const m of ${JSON.stringify(modules)}) await import(m);
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      process.stdout.write(JSON.stringify({ client: loaded.some((k) => /@temporalio[\\/]client[\\/]/.test(k)), worker: loaded.filter((k) => /@temporalio[\\\\/](worker|core-bridge)[\\\\/]/.test(k)) }));
    `;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { timeout: 60_000 });
    const { client, worker } = JSON.parse(stdout) as { client: boolean; worker: string[] };
    // The Temporal client is found the same way, so an empty list means something.
    expect(client).toBe(true);
    expect(worker).toEqual([]);
  });
});
