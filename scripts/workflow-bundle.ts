/**
 * The workflow bundle built ahead of time (`npm run build`), so a (re)started worker loads one
 * file instead of running webpack for 5–10 s before it polls — a restarted worker fires overdue
 * escalations sooner. The worker uses the file only while it is newer than every source it was
 * built from; otherwise it bundles at start as before. Built by scripts/build.ts.
 */
import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { buildWorkflowBundle } from '../activities/replay/replay.js';
import { projectRoot as root } from '../paths.js';

/** Where `npm run build` writes the bundle (git-ignored). */
export const workflowBundlePath = path.join(root, '.build', 'workflow-bundle.js');

// What the bundle is made of: the workflow code, the pure vocabulary it imports, and the locked
// dependency versions (the SDK's workflow runtime is bundled too).
const sourceDirs = ['workflows', 'domain'].map((dir) => path.join(root, dir));
const sourceFiles = [path.join(root, 'package-lock.json')];

async function newestSourceMtime(): Promise<number> {
  let newest = 0;
  for (const dir of sourceDirs) {
    for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !/\.[cm]?[jt]s$/.test(entry.name) || /\.test\.ts$/.test(entry.name)) continue;
      newest = Math.max(newest, (await stat(path.join(entry.parentPath, entry.name))).mtimeMs);
    }
  }
  for (const file of sourceFiles) newest = Math.max(newest, (await stat(file).catch(() => undefined))?.mtimeMs ?? 0);
  return newest;
}

/** Why the prebuilt bundle cannot be used (missing or older than a source), or undefined when it can. */
export async function staleBundleReason(): Promise<string | undefined> {
  const built = await stat(workflowBundlePath).catch(() => undefined);
  if (!built) return `${path.relative(process.cwd(), workflowBundlePath)} does not exist`;
  if (built.mtimeMs < (await newestSourceMtime())) return `${path.relative(process.cwd(), workflowBundlePath)} is older than the workflow sources`;
  return undefined;
}

/** Builds the bundle unless it is fresh; returns whether it built one. */
export async function ensureWorkflowBundle(): Promise<boolean> {
  if ((await staleBundleReason()) === undefined) return false;
  const code = await buildWorkflowBundle();
  await mkdir(path.dirname(workflowBundlePath), { recursive: true });
  // Written aside and renamed, so a worker starting meanwhile never loads half a file.
  const tmp = `${workflowBundlePath}.tmp-${process.pid}`;
  await writeFile(tmp, code);
  await rename(tmp, workflowBundlePath);
  return true;
}
