/** The API's one error vocabulary and its one error handler. */
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { z } from 'zod';

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

/** Response schemas for the error statuses every authenticated route can answer. */
export const commonErrors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody, 409: errorBody };

interface PgError {
  code?: string;
  detail?: string;
  constraint?: string;
}

/** Install the single error handler: 4xx say what is wrong, 5xx say nothing about internals. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) => {
    void reply.status(404).send({ error: 'not_found', message: `route ${req.method} ${req.url.split('?')[0]} not found` });
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
      return reply.status(err.statusCode).send({ error: err.code, message: err.message, ...err.extra });
    }
    const pgErr = err as unknown as PgError;
    if (pgErr.code === '23505') {
      return reply.status(409).send({ error: 'conflict', message: `already exists (${pgErr.detail ?? pgErr.constraint ?? 'unique key'})` });
    }
    if (pgErr.code === '23503') {
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
