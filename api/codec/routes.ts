/**
 * The codec endpoint of the Temporal Web UI and CLI (Temporal's codec server protocol):
 * `POST /codec/decode` opens sealed payloads for people allowed to read every process's
 * history, `POST /codec/encode` seals payloads for an admin starting or signalling from the
 * UI. Bearer token as everywhere (the CLI's `--codec-auth`, the UI's forwarded token); CORS
 * only for the configured Web UI origins. Registered only when payload keys are configured.
 */
import cors from '@fastify/cors';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Role } from '../../domain/roles.js';
import { authenticate, requireRole } from '../auth.js';
import { commonErrors, HttpProblem } from '../errors.js';

/** Who may see decoded payloads: the roles that read every property's histories. */
export const codecDecodeRoles: readonly Role[] = ['admin', 'director', 'auditor'];
/** Who may have payloads sealed (the UI's start and signal forms). */
export const codecEncodeRoles: readonly Role[] = ['admin'];

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
/** A payload as proto3 JSON writes it: metadata values and data in base64. */
const payloadJson = z.object({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() }).meta({ id: 'CodecPayload' });
const payloadsBody = z.object({ payloads: z.array(payloadJson).max(1000) }).meta({ id: 'CodecPayloads' });

const fromJson = (p: z.infer<typeof payloadJson>): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, new Uint8Array(Buffer.from(v, 'base64'))])),
  data: new Uint8Array(Buffer.from(p.data ?? '', 'base64')),
});
const toJson = (p: Payload): z.infer<typeof payloadJson> => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')])),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

export const codecRoutes: FastifyPluginAsyncZod<{ codec: PayloadCodec; origins: readonly string[] }> = async (app, { codec, origins }) => {
  await app.register(cors, {
    origin: [...origins],
    methods: ['POST'],
    allowedHeaders: ['authorization', 'content-type', 'x-namespace'],
    credentials: true,
    maxAge: 600,
  });
  // A browser's preflight carries no token; CORS answers it.
  app.addHook('onRequest', async (req) => {
    if (req.method !== 'OPTIONS') await authenticate(req);
  });

  const run = (what: 'encode' | 'decode') => async (req: { body: z.infer<typeof payloadsBody> }) => {
    try {
      const out = await codec[what](req.body.payloads.map(fromJson));
      return { payloads: out.map(toJson) };
    } catch (err) {
      throw new HttpProblem(400, 'validation_failed', `body.payloads: ${err instanceof Error ? err.message : 'cannot be decoded'}`, { fields: [{ field: 'body.payloads', message: err instanceof Error ? err.message : 'cannot be decoded' }] });
    }
  };
  const schema = (summary: string) => ({
    tags: ['codec'],
    summary,
    body: payloadsBody,
    response: { 200: payloadsBody, ...commonErrors },
  });

  // Decoding only reads: auditors may.
  app.post('/decode', { config: { readOnly: true }, schema: schema(`Open sealed payloads for the Temporal Web UI and CLI (${codecDecodeRoles.join(', ')})`) }, async (req) => {
    requireRole(req, codecDecodeRoles, 'decode payloads');
    return run('decode')(req);
  });
  app.post('/encode', { schema: schema(`Seal payloads with the current key, for the Web UI's start and signal forms (${codecEncodeRoles.join(', ')})`) }, async (req) => {
    requireRole(req, codecEncodeRoles, 'encode payloads');
    return run('encode')(req);
  });
};
