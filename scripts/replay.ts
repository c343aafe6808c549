/**
 * `npm run replay -- <file | directory | workflow ID>…`: replay archived histories (files,
 * or every *.json under a directory) and live processes (fetched by workflow ID from the
 * configured Temporal server) against the workflow code of this build. Prints a verdict per
 * history (deterministic, or the first divergence: event, expected, got) and a summary
 * line; exits 1 if any history diverged or could not be replayed, 2 on a usage error.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { buildWorkflowBundle, formatReport, formatSummary, replayHistories, summarise, type ReplaySource } from '../activities/replay/replay.js';
import { processWorkflowId } from '../api/processes/schemas.js';
import { bootConfig } from '../config.js';
import { decodeSealedPayloads, EncryptionCodec } from '../payload-codec.js';

const usage = `usage: npm run replay -- [--json] <history.json | directory | workflow ID>…
  files and directories (searched recursively for *.json) are read from disk;
  a workflow ID (work-order:WO-20261121-0001, complaint:…) is fetched from TEMPORAL_ADDRESS.
  --json   print the verdicts as JSON instead of lines`;

async function jsonFilesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.json'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

const args = process.argv.slice(2);
const json = args.includes('--json');
const targets = args.filter((a) => a !== '--json');
if (targets.length === 0 || targets.some((a) => a === '-h' || a === '--help')) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}

let client: Client | undefined;
let codec: EncryptionCodec | undefined;
const temporalClient = async (): Promise<Client> => {
  if (client) return client;
  const config = bootConfig();
  // With PAYLOAD_KEYS, histories are sealed at rest: opened here before they are replayed.
  codec = config.payloadKeys ? new EncryptionCodec(config.payloadKeys) : undefined;
  try {
    const connection = await Connection.connect({ address: config.temporal.address, connectTimeout: '5s' });
    client = new Client({ connection, namespace: config.temporal.namespace });
  } catch (err) {
    throw new Error(`cannot reach Temporal at ${config.temporal.address} (TEMPORAL_ADDRESS): ${(err as Error).message}`);
  }
  return client;
};

const sources: ReplaySource[] = [];
for (const target of targets) {
  const info = await stat(target).catch(() => undefined);
  if (info?.isDirectory()) {
    const files = await jsonFilesUnder(target);
    if (files.length === 0) process.stderr.write(`no *.json histories under ${target}\n`);
    for (const file of files) sources.push({ name: file, load: () => readFile(file, 'utf8') });
  } else if (info?.isFile()) {
    sources.push({ name: target, load: () => readFile(target, 'utf8') });
  } else if (processWorkflowId.safeParse(target).success) {
    sources.push({
      name: target,
      load: async () => {
        const history = await (await temporalClient()).workflow.getHandle(target).fetchHistory();
        return historyToJSON(await decodeSealedPayloads(history, codec));
      },
    });
  } else {
    process.stderr.write(`${target}: no such file or directory, and not a workflow ID\n${usage}\n`);
    process.exit(2);
  }
}
if (sources.length === 0) {
  process.stderr.write('nothing to replay\n');
  process.exit(1);
}

const code = await buildWorkflowBundle();
const reports = await replayHistories(sources, code, {
  onReport: (r) => {
    if (!json) process.stdout.write(`${formatReport(r)}\n`);
  },
});
const summary = summarise(reports);
if (json) process.stdout.write(`${JSON.stringify({ reports, summary }, null, 2)}\n`);
else process.stdout.write(`${formatSummary(summary)}\n`);
await client?.connection.close();
process.exit(summary.deterministic === summary.total ? 0 : 1);
