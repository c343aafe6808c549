/**
 * The replay process: `replayHistories` (replay.ts beside it) runs this file as a child
 * process and talks to it over IPC. It takes the workflow bundle, asks for histories one
 * at a time, and answers with a verdict for each. Replaying here, not in the worker process,
 * means a history that breaks the SDK's replayer (which can leave the native runtime unable
 * to replay again) costs only this process.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { replayInProcess, type ReplaySourceText } from './replay-runner.js';

/** Messages from the parent. */
export type ToChild = { type: 'start'; code: string } | ({ type: 'source' } & ReplaySourceText) | { type: 'end' };
/** Messages to the parent. */
export type FromChild = { type: 'next' } | { type: 'report'; index: number; report: unknown } | { type: 'failed'; message: string } | { type: 'done' };

if (!process.send) {
  process.stderr.write('replay-child runs only as a child process of replayHistories (activities/replay/replay.ts)\n');
  process.exit(2);
}

// Core's own warnings ("Failing workflow task …") are what the verdicts report; keep them off stderr.
Runtime.install({ logger: new DefaultLogger('ERROR', () => undefined) });

const send = (message: FromChild) =>
  new Promise<void>((resolve, reject) => process.send!(message, undefined, {}, (err) => (err ? reject(err) : resolve())));

const inbox: ToChild[] = [];
let waiting: ((m: ToChild) => void) | undefined;
process.on('message', (m: ToChild) => {
  if (waiting) {
    const resolve = waiting;
    waiting = undefined;
    resolve(m);
  } else {
    inbox.push(m);
  }
});
const receive = () => new Promise<ToChild>((resolve) => (inbox.length ? resolve(inbox.shift()!) : (waiting = resolve)));

async function* sources(): AsyncGenerator<ReplaySourceText> {
  for (;;) {
    await send({ type: 'next' });
    const m = await receive();
    if (m.type !== 'source') return;
    yield { index: m.index, name: m.name, text: m.text };
  }
}

try {
  const start = await receive();
  if (start.type !== 'start') throw new Error(`expected the workflow bundle first, got ${start.type}`);
  for await (const { index, report } of replayInProcess(sources(), start.code)) await send({ type: 'report', index, report });
  await send({ type: 'done' });
  process.exit(0);
} catch (err) {
  await send({ type: 'failed', message: (err as Error).message }).catch(() => undefined);
  process.exit(1);
}
