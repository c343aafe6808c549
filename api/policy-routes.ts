/**
 * The routes every kind of policy has: create or replace one (PUT), list a property's, read
 * one. A kind brings its schemas, its table functions and how its rows are shown.
 */
import type { FastifyRequest, FastifySchema } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../db/index.js';
import { getProperty } from '../db/reference.js';
import { propertyAdminRoles, type Actor } from '../domain/roles.js';
import { actorOf, requirePropertyAccess, requireRole } from './auth.js';
import { propertyParams } from './common.js';
import { commonErrors, notFound } from './errors.js';

/** One kind of policy, kept per property under a key named by `key` (a category, a priority). */
export interface PolicyKind<K extends string, Input, Row, Out> {
  /** The URL segment and the OpenAPI tag: `sla-policies`. */
  tag: string;
  key: K;
  params: z.ZodType<{ propertyId: string } & Record<K, string>>;
  body: z.ZodType<Input>;
  policy: z.ZodType<Out>;
  summaries: { put: string; list?: string };
  /** What admins may change, in the refusal: `SLA policies`. */
  noun: string;
  /** What is missing when no policy has the key: `SLA policy for water`. */
  missing: (key: string) => string;
  put: (db: Db, propertyId: string, key: string, input: Input, actor: Actor) => Promise<{ policy: Row; created: boolean }>;
  list: (db: Db, propertyId: string) => Promise<Row[]>;
  get: (db: Db, propertyId: string, key: string) => Promise<Row | undefined>;
  present: (row: Row) => Out;
  /** The list order when the table's (by key) is not the one people read in. */
  order?: (a: Row, b: Row) => number;
}

/** A plugin with PUT, list and GET for one kind of policy; changes are for property admins. */
export function policyRoutes<K extends string, Input, Row, Out>(kind: PolicyKind<K, Input, Row, Out>): FastifyPluginAsyncZod {
  // The type provider cannot see through a generic kind's schemas, so the routes take them as
  // plain schemas (they still validate, serialize and document) and the handlers read their
  // already validated input again through the same schemas, which gives it the kind's types.
  const put: FastifySchema = {
    tags: [kind.tag],
    summary: kind.summaries.put,
    params: kind.params,
    body: kind.body,
    response: { 200: kind.policy, 201: kind.policy, ...commonErrors },
  };
  const list: FastifySchema = {
    tags: [kind.tag],
    ...(kind.summaries.list === undefined ? {} : { summary: kind.summaries.list }),
    params: propertyParams,
    response: { 200: z.object({ items: z.array(kind.policy) }), ...commonErrors },
  };
  const one: FastifySchema = { tags: [kind.tag], params: kind.params, response: { 200: kind.policy, ...commonErrors } };

  return async (app) => {
    const { db } = app.deps;

    const propertyFor = async (req: FastifyRequest, id: string) => {
      if (!(await getProperty(db, id))) throw notFound(`property ${id}`);
      requirePropertyAccess(req, id);
    };

    app.put(`/properties/:propertyId/${kind.tag}/:${kind.key}`, { schema: put }, async (req, reply) => {
      const params = kind.params.parse(req.params);
      await propertyFor(req, params.propertyId);
      requireRole(req, propertyAdminRoles, `change ${kind.noun}`);
      const { policy, created } = await kind.put(db, params.propertyId, params[kind.key], kind.body.parse(req.body), actorOf(req));
      return reply.status(created ? 201 : 200).send(kind.present(policy));
    });

    app.get(`/properties/:propertyId/${kind.tag}`, { schema: list }, async (req) => {
      const { propertyId } = propertyParams.parse(req.params);
      await propertyFor(req, propertyId);
      const rows = await kind.list(db, propertyId);
      return { items: (kind.order ? rows.sort(kind.order) : rows).map(kind.present) };
    });

    app.get(`/properties/:propertyId/${kind.tag}/:${kind.key}`, { schema: one }, async (req) => {
      const params = kind.params.parse(req.params);
      await propertyFor(req, params.propertyId);
      const row = await kind.get(db, params.propertyId, params[kind.key]);
      if (!row) throw notFound(`${kind.missing(params[kind.key])} at ${params.propertyId}`);
      return kind.present(row);
    });
  };
}
