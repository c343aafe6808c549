/**
 * Authentication (JWT via @fastify/jwt) and the role and property checks every route uses.
 * The actor of every action comes from the verified token, never from a request body.
 */
import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { allPropertyRoles, readOnlyRoles, type Actor, type Role } from '../domain/roles.js';
import { forbidden, HttpProblem } from './errors.js';

/** What a token says about its bearer. */
export interface TokenClaims {
  sub: string;
  username: string;
  name: string;
  role: Role;
  properties: string[];
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims;
    user: TokenClaims;
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A POST that only reads (e.g. a replay check) and so stays open to read-only roles. */
    readOnly?: boolean;
  }
}

/** Register JWT verification. Routes under /v1 call `authenticate` as an onRequest hook. */
export const authPlugin = fp<{ secret: string; tokenTtl: string }>(
  async (app, opts) => {
    await app.register(fastifyJwt, { secret: opts.secret, sign: { expiresIn: opts.tokenTtl } });
  },
  { name: 'auth' },
);

/** onRequest hook: 401 unless a valid bearer token is present; read-only roles may not write. */
export async function authenticate(req: FastifyRequest): Promise<void> {
  try {
    await req.jwtVerify();
  } catch (err) {
    const why = (err as { message?: string }).message ?? 'invalid token';
    throw new HttpProblem(401, 'unauthorized', `a valid bearer token is required: ${why}`);
  }
  const writes = !['GET', 'HEAD', 'OPTIONS'].includes(req.method);
  if (writes && readOnlyRoles.includes(req.user.role) && !req.routeOptions.config.readOnly) {
    throw forbidden(`role ${req.user.role} is read-only`);
  }
}

/** The actor behind this request, as recorded in workflow histories and the audit log. */
export function actorOf(req: FastifyRequest): Actor {
  return { id: req.user.sub, role: req.user.role, name: req.user.name };
}

/** 403 unless the caller has one of `allowed` roles. */
export function requireRole(req: FastifyRequest, allowed: readonly Role[], doing: string): void {
  if (!allowed.includes(req.user.role)) {
    throw forbidden(`role ${req.user.role} may not ${doing} (allowed: ${allowed.join(', ')})`);
  }
}

/** Whether the caller may see `propertyId` at all. */
export function canSeeProperty(req: FastifyRequest, propertyId: string): boolean {
  return allPropertyRoles.includes(req.user.role) || req.user.properties.includes(propertyId);
}

/** 403 unless the caller belongs to `propertyId` (or sees every property). */
export function requirePropertyAccess(req: FastifyRequest, propertyId: string): void {
  if (!canSeeProperty(req, propertyId)) throw forbidden(`you do not belong to property ${propertyId}`);
}

/** The property IDs the caller may list, or undefined for every property. */
export function visibleProperties(req: FastifyRequest): string[] | undefined {
  return allPropertyRoles.includes(req.user.role) ? undefined : req.user.properties;
}

/** Sign a token for a staff member (used by `npm run token` and tests). */
export function signToken(app: FastifyInstance, claims: TokenClaims): string {
  return app.jwt.sign(claims);
}
