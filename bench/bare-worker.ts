/**
 * The bare comparison worker, a process of its own like worker.ts: the bare workflows on
 * their own task queue, with the SDK's default worker options (as worker.ts uses them).
 * Deliveries and wake-ups go to the bench over the IPC channel.
 * Usage: node --import tsx bench/bare-worker.ts --address 127.0.0.1:7233 --task-queue bench-bare
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DefaultLogger, NativeConnection, Runtime, Worker, makeTelemetryFilterString } from '@temporalio/worker';
import { createBareActivities } from './bare-activities.js';

const { values } = parseArgs({ options: { address: { type: 'string' }, 'task-queue': { type: 'string' } } });
if (!values.address || !values['task-queue']) {
  process.stderr.write('usage: bare-worker.ts --address <host:port> --task-queue <name>\n');
  process.exit(2);
}

Runtime.install({
  logger: new DefaultLogger('WARN'),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} } },
});

const connection = await NativeConnection.connect({ address: values.address });
const worker = await Worker.create({
  connection,
  namespace: 'default',
  taskQueue: values['task-queue'],
  workflowsPath: fileURLToPath(new URL('./bare-workflows.ts', import.meta.url)),
  activities: createBareActivities((message) => process.send?.(message)),
});
// Like worker.ts: SIGINT/SIGTERM make run() finish the tasks in hand and return. Should the
// bench die without stopping it, the IPC channel closes: stop then too.
process.once('disconnect', () => {
  if (worker.getState() === 'RUNNING') worker.shutdown();
});
await worker.run();
await connection.close();
if (process.connected) process.disconnect();
