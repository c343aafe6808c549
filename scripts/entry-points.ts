/**
 * The worker and the API as plain JavaScript (`.build/worker.mjs`, `.build/server.mjs`): the
 * project's own TypeScript bundled by esbuild in a few tens of milliseconds, the packages left
 * as imports. Node then starts them without a TypeScript loader, which resolves and compiles
 * every module through a hook on another thread: a restarted worker polls about half a second
 * sooner. Built before every (re)start by `npm start` and the benchmarks, and by `npm run build`
 * (the Docker image runs them).
 */
import path from 'node:path';
import { build } from 'esbuild';
import { projectPath } from '../paths.js';

export type EntryPoint = 'worker.ts' | 'server.ts';

/** Where `entry` is built to. */
export const builtEntryPath = (entry: EntryPoint): string => projectPath('.build', `${path.basename(entry, '.ts')}.mjs`);

/** Build `entry` and return the file to run with `node`. */
export async function buildEntryPoint(entry: EntryPoint): Promise<string> {
  const outfile = builtEntryPath(entry);
  await build({
    entryPoints: [projectPath(entry)],
    outfile,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    // paths.ts: the built file sits one folder below the project root.
    define: { __BUILT_ENTRY_POINT__: 'true' },
    logLevel: 'warning',
  });
  return outfile;
}
