/**
 * Histories encrypted at rest (issue 14): the AES-256-GCM payload codec, key rotation, and
 * a whole order run with keys configured — what Temporal stores is ciphertext, while the
 * export, the timeline, the replay check and the Web UI's codec endpoint read it in clear.
 */
import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import { ApplicationFailure, defaultPayloadConverter, type Payload } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from './activities/index.js';
import { ConfigError, loadConfig } from './config.js';
import { seedDemo } from './db/seed.js';
import { decodeSealedPayloads, EncryptionCodec, encryptedEncoding, isSealed, parsePayloadKeys, type PayloadKeys } from './payload-codec.js';
import { testApp, type TestApp } from './test/harness/api.js';
import { freshDatabase, type TestDatabase } from './test/harness/db.js';
import { replayWorker, testWorker, timeSkippingEnv } from './test/harness/temporal.js';
import { openOrder, recordingNotifier, silentLogger, waitForState } from './test/harness/work-orders.js';

const key = () => randomBytes(32).toString('base64');
const keys = (spec: string): PayloadKeys => {
  const parsed = parsePayloadKeys(spec);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
};
const plain = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const text = (p: Payload) => Buffer.from(p.data ?? new Uint8Array()).toString('utf8');
const failureOf = async (p: Promise<unknown>): Promise<ApplicationFailure> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ApplicationFailure)) throw new Error('expected an ApplicationFailure');
  return err;
};

describe('the payload codec', () => {
  it('seals a payload so its text is gone, names the key, and opens it again', async () => {
    const codec = new EncryptionCodec(keys(`k1:${key()}`));
    const [sealed] = await codec.encode([plain({ description: 'water leaking from the ceiling' })]);
    expect(isSealed(sealed)).toBe(true);
    expect(Buffer.from(sealed!.metadata!['encryption-key-id']!).toString()).toBe('k1');
    expect(text(sealed!)).not.toContain('leaking');
    const [opened] = await codec.decode([sealed!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual({ description: 'water leaking from the ceiling' });
    // Each seal has its own IV: the same value never seals the same way twice.
    const [again] = await codec.encode([plain({ description: 'water leaking from the ceiling' })]);
    expect(Buffer.from(again!.data!).equals(Buffer.from(sealed!.data!))).toBe(false);
  });

  it('opens what an earlier key sealed after rotation, seals with the new one, and names a key it does not have', async () => {
    const [k1, k2] = [key(), key()];
    const before = new EncryptionCodec(keys(`k1:${k1}`));
    const after = new EncryptionCodec(keys(`k2:${k2},k1:${k1}`));
    const [old] = await before.encode([plain('sealed before the rotation')]);
    expect(defaultPayloadConverter.fromPayload((await after.decode([old!]))[0]!)).toBe('sealed before the rotation');
    const [fresh] = await after.encode([plain('after')]);
    expect(Buffer.from(fresh!.metadata!['encryption-key-id']!).toString()).toBe('k2');
    const retired = new EncryptionCodec(keys(`k2:${k2}`));
    const failure = await failureOf(retired.decode([old!]));
    expect(failure).toMatchObject({ type: 'UnknownPayloadKey', nonRetryable: true });
    expect(failure.message).toContain('k1');
  });

  it('refuses a sealed payload that was altered, and passes one that was never sealed', async () => {
    const codec = new EncryptionCodec(keys(`k1:${key()}`));
    const [sealed] = await codec.encode([plain('intact')]);
    const data = Buffer.from(sealed!.data!);
    data[20] = data[20]! ^ 1;
    expect(await failureOf(codec.decode([{ ...sealed!, data: new Uint8Array(data) }]))).toMatchObject({ type: 'CorruptPayload' });
    const [untouched] = await codec.decode([plain('never sealed')]);
    expect(defaultPayloadConverter.fromPayload(untouched!)).toBe('never sealed');
  });

  it('is configured by PAYLOAD_KEYS, the first key sealing, and refuses a key of the wrong length naming the variable', () => {
    const [k1, k2] = [key(), key()];
    expect(loadConfig({ JWT_SECRET: 'x'.repeat(32), DATABASE_URL: 'postgres://localhost/x', PAYLOAD_KEYS: `new:${k2}, old:${k1}` }).payloadKeys).toMatchObject({ current: 'new' });
    expect(loadConfig({ JWT_SECRET: 'x'.repeat(32), DATABASE_URL: 'postgres://localhost/x' }).payloadKeys).toBeUndefined();
    expect(() => loadConfig({ JWT_SECRET: 'x'.repeat(32), DATABASE_URL: 'postgres://localhost/x', PAYLOAD_KEYS: `k1:${randomBytes(16).toString('base64')}` })).toThrow(ConfigError);
    expect(() => loadConfig({ JWT_SECRET: 'x'.repeat(32), DATABASE_URL: 'postgres://localhost/x', PAYLOAD_KEYS: 'k1' })).toThrow(/PAYLOAD_KEYS/);
  });
});

describe('an order run with payload keys configured', () => {
  const codec = new EncryptionCodec(keys(`current:${key()},retired:${key()}`));
  const dataConverter = { payloadCodecs: [codec] };
  const uiOrigin = 'http://localhost:8233';
  let env: TestWorkflowEnvironment;
  let database: TestDatabase;
  let worker: Worker;
  let replays: Worker;
  let running: Promise<unknown>;
  let client: Client;
  let t: TestApp;
  let plainApp: TestApp;

  beforeAll(async () => {
    [env, database] = await Promise.all([timeSkippingEnv(), freshDatabase()]);
    await seedDemo(database.db);
    worker = await testWorker(env, { activities: createActivities({ db: database.db, notifier: recordingNotifier(), logger: silentLogger }), dataConverter });
    replays = await replayWorker(env, worker.options.taskQueue, codec);
    running = Promise.all([worker.run(), replays.run()]);
    client = new Client({ connection: env.connection, namespace: env.namespace ?? 'default', dataConverter });
    t = await testApp(database.db, { temporal: client, taskQueue: worker.options.taskQueue, payloadCodec: codec, codecCorsOrigins: [uiOrigin] });
    plainApp = await testApp(database.db);
  });
  afterAll(async () => {
    await t?.close();
    await plainApp?.close();
    worker?.shutdown();
    replays?.shutdown();
    await running;
    await env?.teardown();
    await database?.drop();
  });

  it('stores every payload of its history as ciphertext, and export, timeline and replay read it in clear', async () => {
    const h = await openOrder(client, worker.options.taskQueue, database.db, { description: 'a secret leak in 1-1502' });
    await waitForState(h, (s) => s.status === 'dispatched', 'dispatch');

    // What Temporal holds: not one payload in clear.
    const raw = await env.client.workflow.getHandle(h.workflowId).fetchHistory();
    // Every payload but search attributes (the server indexes them) and patch markers (the SDK
    // core writes the patch ID itself), which never pass through a codec and hold no business data.
    const encodings = new Set<string>();
    const visit = (node: unknown, key = ''): void => {
      if (!node || typeof node !== 'object' || key === 'searchAttributes' || key === 'patch-data') return;
      const encoding = (node as { metadata?: { encoding?: string } }).metadata?.encoding;
      if (typeof encoding === 'string' && 'data' in node) encodings.add(Buffer.from(encoding, 'base64').toString());
      for (const [k, v] of Object.entries(node)) visit(v, k);
    };
    visit(JSON.parse(historyToJSON(raw)));
    expect(encodings).toEqual(new Set([encryptedEncoding]));
    expect(historyToJSON(raw)).not.toContain(Buffer.from('a secret leak').toString('base64').slice(0, 12));
    const opened = historyToJSON(await decodeSealedPayloads(raw, codec));
    expect(opened).toContain(Buffer.from('json/plain').toString('base64'));

    const auditor = await t.as('auditor.qian');
    const exported = await t.app.inject({ method: 'GET', url: `/v1/processes/${h.workflowId}/history`, headers: auditor });
    expect(exported.statusCode).toBe(200);
    const started = exported.json<{ events: { workflowExecutionStartedEventAttributes?: { input: { payloads: { data: string }[] } } }[] }>().events[0]!;
    expect(Buffer.from(started.workflowExecutionStartedEventAttributes!.input.payloads[0]!.data, 'base64').toString()).toContain('a secret leak in 1-1502');

    const timeline = await t.app.inject({ method: 'GET', url: `/v1/processes/${h.workflowId}/timeline`, headers: auditor });
    expect(timeline.statusCode).toBe(200);
    const body = timeline.json<{ steps: { action?: string }[]; audit: { consistent: boolean } }>();
    expect(body.steps.map((s) => s.action).filter(Boolean)).toEqual(expect.arrayContaining(['receive', 'dispatch']));
    expect(body.audit.consistent).toBe(true);

    const replay = await t.app.inject({ method: 'POST', url: '/v1/audit/replay', headers: auditor, payload: { workflowId: h.workflowId } });
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toMatchObject({ outcome: 'deterministic', workflowType: 'workOrderWorkflow' });
    // A raw (sealed) history sent as a body replays too: the replay worker opens it.
    const sent = await t.app.inject({ method: 'POST', url: '/v1/audit/replay', headers: auditor, payload: { history: JSON.parse(historyToJSON(raw)) as unknown } });
    expect(sent.json()).toMatchObject({ outcome: 'deterministic' });
  });

  it('serves the Web UI codec endpoint: decode for those who read every history, encode for admins, CORS for the UI origin only', async () => {
    const [sealed] = await codec.encode([plain({ orderId: 'WO-1', description: 'in clear for the UI' })]);
    const asJson = (p: Payload) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata!).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      data: Buffer.from(p.data!).toString('base64'),
    });
    const decode = (headers: Record<string, string>, app = t) =>
      app.app.inject({ method: 'POST', url: '/codec/decode', headers: { ...headers, 'x-namespace': 'default', origin: uiOrigin }, payload: { payloads: [asJson(sealed!)] } });

    const ok = await decode(await t.as('auditor.qian'));
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe(uiOrigin);
    const [out] = ok.json<{ payloads: { metadata: Record<string, string>; data: string }[] }>().payloads;
    expect(Buffer.from(out!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(out!.data, 'base64').toString())).toEqual({ orderId: 'WO-1', description: 'in clear for the UI' });

    expect((await decode({})).statusCode).toBe(401);
    expect((await decode(await t.as('dispatcher.zhang'))).statusCode).toBe(403);
    // Without keys there is no codec endpoint: the API is as it was.
    expect((await decode(await plainApp.as('admin'), plainApp)).statusCode).toBe(404);

    const encoded = await t.app.inject({ method: 'POST', url: '/codec/encode', headers: await t.as('admin'), payload: { payloads: [asJson(plain('from the UI'))] } });
    expect(encoded.statusCode).toBe(200);
    const [back] = await codec.decode([
      (([p]) => ({ metadata: Object.fromEntries(Object.entries(p!.metadata).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])), data: new Uint8Array(Buffer.from(p!.data, 'base64')) }))(
        encoded.json<{ payloads: { metadata: Record<string, string>; data: string }[] }>().payloads,
      ),
    ]);
    expect(defaultPayloadConverter.fromPayload(back!)).toBe('from the UI');
    expect((await t.app.inject({ method: 'POST', url: '/codec/encode', headers: await t.as('auditor.qian'), payload: { payloads: [] } })).statusCode).toBe(403);

    const preflight = (origin: string) =>
      t.app.inject({ method: 'OPTIONS', url: '/codec/decode', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-namespace' } });
    const fromUi = await preflight(uiOrigin);
    expect(fromUi.statusCode).toBeLessThan(300);
    expect(fromUi.headers['access-control-allow-origin']).toBe(uiOrigin);
    expect(String(fromUi.headers['access-control-allow-headers'])).toContain('authorization');
    expect((await preflight('https://elsewhere.example')).headers['access-control-allow-origin']).toBeUndefined();
  });
});
