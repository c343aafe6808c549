/**
 * Spec fuzzing (issue 14): schemathesis, from PyPI in a virtual environment the toolchain
 * script keeps under the tools cache, generates requests from `/openapi.json` and sends them
 * to the API listening over the real workflows and a fresh database. Bounded in examples per
 * operation and in time; it fails on any server error and any answer the spec does not allow.
 */
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { ensureSchemathesis } from '../scripts/toolchain.js';
import { processApiStack } from './harness/process-api.js';

const stack = processApiStack(process.env.SPEC_FUZZ_SERVER === 'dev' ? 'dev' : 'time-skipping');

/**
 * The checks run. Left out: `unsupported_method` (the API answers 405 with Allow to a method a
 * known path lacks, but schemathesis also sends QUERY, a method with a body, which Fastify
 * refuses with 400 "must provide a Content-Type header" before routing), `positive_data_acceptance` (the spec allows some
 * requests validation refuses: reference data the generator cannot know), and
 * `missing_required_header` and `ignored_auth` (the auth header is not in every operation's spec).
 */
const checks = ['not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_schema_conformance', 'response_headers_conformance', 'negative_data_rejection'];

/**
 * Operations left out, each for a reason: `/readyz` asks for live workers, which the
 * time-skipping server cannot tell (503 here, not under `npm start`); the replay check needs the
 * replay worker, which this stack does not run.
 */
const excluded = ['/readyz', '/v1/audit/replay'];

/**
 * The failure blocks of a schemathesis report (one per operation), or null when the output
 * has no failures section.
 */
function reportedFailures(output: string): string[] | null {
  const start = output.indexOf('= FAILURES =');
  if (start < 0) return null;
  const end = output.indexOf('= WARNINGS =', start);
  const section = output.slice(output.indexOf('\n', start) + 1, end < 0 ? undefined : output.lastIndexOf('\n', end));
  // Each block is headed by its method and path between underscores (a long path leaves none on the left).
  const header = /^_* ?[A-Z]+ \/\S* _+$/;
  const blocks: string[] = [];
  for (const line of section.split('\n')) {
    if (header.test(line)) blocks.push(line);
    else if (blocks.length) blocks[blocks.length - 1] += `\n${line}`;
  }
  return blocks;
}

/**
 * A negative case whose only fault is the path's `propertyId`: the config file pins that to
 * `harbour-view`, so schemathesis's invalid value never reaches the API and the valid request
 * it really sent was rightly answered 200.
 */
function pinnedPropertyArtefact(block: string): boolean {
  const checksFailed = block.match(/^- ST\d+ .*$/gm) ?? [];
  return checksFailed.length > 0 && checksFailed.every((c) => c.startsWith('- ST201 ')) && /Invalid component: parameter `propertyId` in path/.test(block) && !/Invalid component: (?!parameter `propertyId` in path)/.test(block);
}

/** Run `st` to the end (or until `timeoutMs`), with its output. */
function schemathesis(st: string, args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // In the temporary directory: schemathesis keeps caches in its working directory, not in the worktree.
    const child = spawn(st, args, { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', SCHEMATHESIS_TELEMETRY: 'false' } });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/**
 * The run CI makes: seeded, bounded in examples and time. A longer or other run, to look for
 * what this one does not reach: SPEC_FUZZ_SEED, SPEC_FUZZ_EXAMPLES, SPEC_FUZZ_SECONDS, and
 * SPEC_FUZZ_SERVER=dev for the dev server instead of the time-skipping one. (A 15-minute run on
 * the time-skipping server, seed 7, ended in 503s, its workflows no longer answering; the same
 * run on the dev server, 40,581 requests, found nothing.)
 */
const fuzz = {
  seed: Number(process.env.SPEC_FUZZ_SEED ?? 14),
  examples: Number(process.env.SPEC_FUZZ_EXAMPLES ?? 15),
  seconds: Number(process.env.SPEC_FUZZ_SECONDS ?? 150),
};

describe('the OpenAPI document', () => {
  it('holds against requests schemathesis generates from it: no server error, no answer the spec does not allow', { timeout: (fuzz.seconds + 90) * 1_000 }, async () => {
    const config = loadConfig({ ...process.env, JWT_SECRET: 'x'.repeat(32), DATABASE_URL: 'postgres://unused@127.0.0.1/unused' });
    const st = await ensureSchemathesis({ cacheDir: config.toolsCacheDir });
    const { t } = stack;
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as AddressInfo;
    const { authorization } = await t.as('admin');
    // The seeded property for every `propertyId` in a path, so property-scoped operations get past 404.
    const configFile = path.join(tmpdir(), `spec-fuzz-${process.pid}.toml`);
    await writeFile(configFile, '[parameters]\n"path.propertyId" = "harbour-view"\n');
    const { code, output } = await schemathesis(
      st,
      [
        '--config-file',
        configFile,
        'run',
        `http://127.0.0.1:${port}/openapi.json`,
        '--header',
        `Authorization: ${authorization}`,
        '--checks',
        checks.join(','),
        ...excluded.flatMap((p) => ['--exclude-path', p]),
        '--phases',
        'examples,coverage,fuzzing',
        '--max-examples',
        String(fuzz.examples),
        '--max-time',
        String(fuzz.seconds),
        // One worker: schemathesis's generator is not safe on Python 3.11 with several (AST recursion errors).
        '--workers',
        '1',
        '--seed',
        String(fuzz.seed),
        '--request-timeout',
        '30',
        // No example database between runs: each run is the same bounded, seeded one.
        '--generation-database',
        'none',
        '--suppress-health-check',
        'all',
        '--no-color',
      ],
      (fuzz.seconds + 50) * 1_000,
    );
    const log = path.join(tmpdir(), `spec-fuzz-${process.pid}.log`);
    await writeFile(log, output);
    if (code === 0) return;
    // Only failures it reported, each one not an artefact of the pinned propertyId, fail the run; anything else (a crash) fails too.
    const failures = reportedFailures(output);
    expect(failures, `schemathesis failed (whole output: ${log}):\n${output.slice(-20_000)}`).not.toBeNull();
    expect(failures!.filter((f) => !pinnedPropertyArtefact(f)), `schemathesis found failures (whole output: ${log})`).toEqual([]);
  });
});
