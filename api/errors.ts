/** The API's one error vocabulary and its one error handler. */
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorChain, pgError } from '../db/errors.js';

/** A problem the caller can act on, with its HTTP status and a stable code. */
export class HttpProblem extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'HttpProblem';
  }
}

export const notFound = (what: string) => new HttpProblem(404, 'not_found', `${what} not found`);
export const forbidden = (message: string) => new HttpProblem(403, 'forbidden', message);
export const conflict = (message: string, extra: Record<string, unknown> = {}) =>
  new HttpProblem(409, 'conflict', message, extra);
export const badRequest = (field: string, message: string) =>
  new HttpProblem(400, 'validation_failed', `${field}: ${message}`, { fields: [{ field, message }] });

/** The body of every error response. */
export const errorBody = z
  .object({
    error: z.string().meta({ description: 'stable machine-readable code' }),
    message: z.string(),
    fields: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    status: z.string().optional().meta({ description: 'current state of the process, on a 409' }),
    requestId: z.string().optional(),
  })
  .loose()
  .meta({ id: 'Error' });

/** Response schemas for the error statuses every authenticated route can answer (429: a rate limit; 503: a dependency is down). */
export const commonErrors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody, 409: errorBody, 429: errorBody, 503: errorBody };

/** Seconds a client should wait before retrying a 503. */
export const retryAfterSeconds = 5;

// Connection-level failures: SQLSTATE class 08 (connection exception), 57P01-57P03 (shutting down,
// cannot connect now), 53300 (too many connections), and the socket errors node-postgres passes on.
const pgDownCodes = new Set(['57P01', '57P02', '57P03', '53300', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'EPIPE', 'EAI_AGAIN']);
const pgDownMessages = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection refused|Query read timeout/i;
// gRPC UNAVAILABLE (14) and DEADLINE_EXCEEDED (4): the Temporal frontend is down or unreachable.
const temporalDownCodes = new Set([4, 14]);

/**
 * Which dependency an error says is down, if any: PostgreSQL (a connection error, possibly
 * wrapped by drizzle) or Temporal (a gRPC UNAVAILABLE, or a connection that could not be made).
 */
export function unavailableDependency(err: unknown): 'PostgreSQL' | 'Temporal' | undefined {
  for (const link of errorChain(err, 5)) {
    if (typeof link !== 'object') return undefined;
    const e = link as { code?: unknown; message?: unknown; name?: unknown };
    const message = typeof e.message === 'string' ? e.message : '';
    if (typeof e.code === 'string' && (pgDownCodes.has(e.code) || e.code.startsWith('08'))) return 'PostgreSQL';
    if (pgDownMessages.test(message)) return 'PostgreSQL';
    if (typeof e.code === 'number' && temporalDownCodes.has(e.code)) return 'Temporal';
    if (e.name === 'TransportError' || /Failed to connect before the deadline|failed to connect to Temporal/i.test(message)) return 'Temporal';
  }
  return undefined;
}

/** A route's path pattern (`/v1/properties/:propertyId`) as a regular expression over concrete paths. */
function pathPattern(url: string): RegExp {
  const source = url
    .split('/')
    .map((part) => (part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}

/**
 * Install the single error handler: 4xx say what is wrong, 5xx say nothing about internals.
 * A known path asked with a method it does not have is 405 with `Allow`; an unknown path 404.
 */
export function installErrorHandler(app: FastifyInstance): void {
  const routes = new Map<string, { pattern: RegExp; methods: Set<string> }>();
  app.addHook('onRoute', (route) => {
    const entry = routes.get(route.url) ?? { pattern: pathPattern(route.url), methods: new Set<string>() };
    for (const m of [route.method].flat()) entry.methods.add(m);
    routes.set(route.url, entry);
  });
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    const allowed = new Set([...routes.values()].filter((r) => r.pattern.test(path)).flatMap((r) => [...r.methods]));
    if (allowed.size > 0) {
      const allow = [...allowed].sort().join(', ');
      void reply.status(405).header('allow', allow).send({ error: 'method_not_allowed', message: `${req.method} is not allowed on ${path} (allowed: ${allow})` });
      return;
    }
    void reply.status(404).send({ error: 'not_found', message: `route ${req.method} ${path} not found` });
  });
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const fields = err.validation.map((v) => {
        const at = v.instancePath.replace(/^\//, '').replaceAll('/', '.');
        const field = [err.validationContext, at].filter(Boolean).join('.');
        return { field, message: v.message ?? 'invalid' };
      });
      return reply.status(400).send({
        error: 'validation_failed',
        message: fields.map((f) => `${f.field}: ${f.message}`).join('; '),
        fields,
      });
    }
    if (err instanceof HttpProblem) {
      if ((err.statusCode === 503 || err.statusCode === 429) && !reply.hasHeader('retry-after')) void reply.header('retry-after', String(retryAfterSeconds));
      return reply.status(err.statusCode).send({ error: err.code, message: err.message, ...err.extra });
    }
    const down = unavailableDependency(err);
    if (down) {
      req.log.warn({ err }, `${down} is unavailable`);
      return reply
        .status(503)
        .header('retry-after', String(retryAfterSeconds))
        .send({ error: 'unavailable', message: `${down} is unavailable; retry in a few seconds` });
    }
    const pgErr = pgError(err);
    if (pgErr?.code === '23505') {
      return reply.status(409).send({ error: 'conflict', message: `already exists (${pgErr.detail ?? pgErr.constraint ?? 'unique key'})` });
    }
    if (pgErr?.code === '23503') {
      return reply.status(409).send({ error: 'conflict', message: `refers to a record that does not exist (${pgErr.constraint ?? 'foreign key'})` });
    }
    if (isResponseSerializationError(err)) {
      req.log.error({ err }, 'response did not match its schema');
    } else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      // Fastify's own client errors (malformed JSON, wrong content type, body too large).
      const field = err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'body' : undefined;
      return reply.status(err.statusCode).send({
        error: err.statusCode === 400 ? 'validation_failed' : 'bad_request',
        message: err.message,
        ...(field ? { fields: [{ field, message: err.message }] } : {}),
      });
    } else {
      req.log.error({ err }, 'request failed');
    }
    return reply.status(500).send({ error: 'internal', message: 'internal server error', requestId: req.id });
  });
}
