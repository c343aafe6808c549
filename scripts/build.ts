/**
 * `npm run build`: the workflow bundle the worker loads (scripts/workflow-bundle.ts), and the
 * worker and the API as plain JavaScript (scripts/entry-points.ts).
 */
import path from 'node:path';
import { buildEntryPoint } from './entry-points.js';
import { ensureWorkflowBundle, workflowBundlePath } from './workflow-bundle.js';

const started = Date.now();
const built = await ensureWorkflowBundle();
const where = path.relative(process.cwd(), workflowBundlePath);
process.stdout.write(built ? `built ${where} in ${((Date.now() - started) / 1000).toFixed(1)} s\n` : `${where} is up to date\n`);
for (const entry of ['worker.ts', 'server.ts'] as const) process.stdout.write(`built ${path.relative(process.cwd(), await buildEntryPoint(entry))}\n`);
