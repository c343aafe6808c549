/**
 * Histories encrypted at rest (shared/DESIGN.md §"Personal data", issue 14): a payload codec
 * that seals every payload with AES-256-GCM under the current key and names the key in the
 * payload's metadata, so a rotated key still opens what it sealed. Used by the worker's and
 * the clients' data converter when keys are configured, and by the API to read histories
 * (export, timeline, replay) and to serve the Web UI's codec endpoint. Loaded by the API
 * process too, so it stays clear of @temporalio/worker.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { ApplicationFailure, type Payload, type PayloadCodec } from '@temporalio/common';
import { decode as decodeText, encode as encodeText } from '@temporalio/common/lib/encoding.js';
import protos from '@temporalio/proto';

const ProtoPayload = protos.temporal.api.common.v1.Payload;

/** The metadata encoding of a sealed payload (the name Temporal's samples and Web UI know). */
export const encryptedEncoding = 'binary/encrypted';
/** The metadata key naming the key a payload was sealed with. */
export const keyIdMetadata = 'encryption-key-id';

const ivBytes = 12;
const tagBytes = 16;

/** The keys: `current` seals, every key in `keys` opens. */
export interface PayloadKeys {
  current: string;
  keys: ReadonlyMap<string, Buffer>;
}

/**
 * Parse `id:base64key,id:base64key,…` (the first seals; all open). Each key is 32 bytes
 * (AES-256). Returns the problem as a message naming the entry, for the configuration.
 */
export function parsePayloadKeys(spec: string): PayloadKeys | string {
  const keys = new Map<string, Buffer>();
  const entries = spec.split(',').map((e) => e.trim()).filter(Boolean);
  if (!entries.length) return 'must list at least one key as id:base64key';
  for (const [i, entry] of entries.entries()) {
    const at = entry.indexOf(':');
    const id = entry.slice(0, at);
    if (at < 1 || !/^[A-Za-z0-9._-]{1,64}$/.test(id)) return `entry ${i + 1}: must be id:base64key, the id made of letters, digits, '.', '_' or '-'`;
    const key = Buffer.from(entry.slice(at + 1), 'base64');
    if (key.length !== 32) return `key ${id}: must be 32 bytes in base64 (openssl rand -base64 32), got ${key.length}`;
    if (keys.has(id)) return `key ${id}: listed twice`;
    keys.set(id, key);
  }
  return { current: entries[0]!.slice(0, entries[0]!.indexOf(':')), keys };
}

/** AES-256-GCM over whole payloads (metadata and data), the key named in the sealed payload's metadata. */
export class EncryptionCodec implements PayloadCodec {
  constructor(private readonly keys: PayloadKeys) {
    if (!keys.keys.has(keys.current)) throw new Error(`the current payload key ${keys.current} is not among the keys`);
  }

  // Promises that reject (never a synchronous throw), as the SDK's converters expect of a codec.
  encode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) => resolve(payloads.map((p) => this.seal(p))));
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return new Promise((resolve) => resolve(payloads.map((p) => this.open(p))));
  }

  private seal(payload: Payload): Payload {
    const key = this.keys.keys.get(this.keys.current)!;
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const plain = ProtoPayload.encode(payload).finish();
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return { metadata: { encoding: encodeText(encryptedEncoding), [keyIdMetadata]: encodeText(this.keys.current) }, data: new Uint8Array(sealed) };
  }

  private open(payload: Payload): Payload {
    if (!isSealed(payload)) return payload;
    const keyIdBytes = payload.metadata?.[keyIdMetadata];
    const keyId = keyIdBytes ? decodeText(keyIdBytes) : '';
    const key = this.keys.keys.get(keyId);
    // Non-retryable: no retry brings a retired key back; the message names the key to configure.
    if (!key) throw ApplicationFailure.nonRetryable(`payload sealed with key ${keyId || '(none named)'}, which is not configured`, 'UnknownPayloadKey');
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < ivBytes + tagBytes) throw ApplicationFailure.nonRetryable('sealed payload too short', 'CorruptPayload');
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, ivBytes));
    decipher.setAuthTag(data.subarray(data.length - tagBytes));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(ivBytes, data.length - tagBytes)), decipher.final()]);
    } catch {
      throw ApplicationFailure.nonRetryable(`sealed payload does not open with key ${keyId}: altered or a different key of that name`, 'CorruptPayload');
    }
    return ProtoPayload.decode(plain);
  }
}

/** Whether `payload` was sealed by an encryption codec. */
export function isSealed(payload: Payload | null | undefined): boolean {
  const encoding = payload?.metadata?.encoding;
  return !!encoding && decodeText(encoding) === encryptedEncoding;
}

/** The data converter options for clients and workers: the codec when keys are configured, nothing otherwise (behaviour as before). */
export function dataConverterFor(keys: PayloadKeys | undefined): { dataConverter?: { payloadCodecs: PayloadCodec[] } } {
  return keys ? { dataConverter: { payloadCodecs: [new EncryptionCodec(keys)] } } : {};
}

/**
 * Open every sealed payload of a history (or any protobuf object of it) in place: workflow and
 * activity inputs, results, update arguments, failures' details, headers and memos, wherever
 * they are. Anything not sealed is left as it is, so a history without a codec passes unchanged.
 */
export async function decodeSealedPayloads<T>(value: T, codec: PayloadCodec | undefined): Promise<T> {
  if (!codec) return value;
  const sealed: { holder: Record<string, unknown>; key: string; payload: Payload }[] = [];
  const visit = (node: unknown, depth: number): void => {
    if (!node || typeof node !== 'object' || depth > 64 || ArrayBuffer.isView(node)) return;
    for (const [key, child] of Object.entries(node)) {
      if (child && typeof child === 'object' && isSealed(child as Payload)) sealed.push({ holder: node as Record<string, unknown>, key, payload: child as Payload });
      else visit(child, depth + 1);
    }
  };
  visit(value, 0);
  if (!sealed.length) return value;
  const opened = await codec.decode(sealed.map((s) => s.payload));
  sealed.forEach((s, i) => {
    // The protobuf classes keep their prototype (a history's `toJSON` needs it): the opened fields are copied in.
    const target = s.holder[s.key] as Payload;
    target.metadata = opened[i]!.metadata ?? {};
    target.data = opened[i]!.data ?? new Uint8Array();
  });
  return value;
}
