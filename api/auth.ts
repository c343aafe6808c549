/**
 * Authentication (JWT via @fastify/jwt) and the role and property checks every route uses.
 * The actor of every action comes from the verified token, never from a request body.
 */
import fastifyJwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { LRUCache } from 'lru-cache';
import type { Db } from '../db/index.js';
import { staffStanding, type Membership } from '../db/reference.js';
import { allPropertyRoles, readOnlyRoles, type Actor, type Role } from '../domain/roles.js';
import { forbidden, HttpProblem, notFound } from './errors.js';

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

/** What the database says about a token's subject now (null: no such person). */
interface Standing {
  person: { role: string; active: boolean; memberships: Membership[] } | null;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The subject's current standing, cached for at most the configured few seconds. */
    standingOf(sub: string): Promise<Standing>;
  }
  interface FastifyContextConfig {
    /** A POST that only reads (e.g. a replay check) and so stays open to read-only roles. */
    readOnly?: boolean;
  }
}

/** How often a token's subject is looked up again: deactivation takes effect within this time. */
export const defaultStandingTtlMs = 3000;

/**
 * Register JWT verification and, given the database, the standing check every authenticated
 * request makes. Routes under /v1 call `authenticate` as an onRequest hook.
 */
export const authPlugin = fp<{ secret: string; tokenTtl: string; standing?: { db: Db; ttlMs?: number } }>(
  async (app, opts) => {
    await app.register(fastifyJwt, { secret: opts.secret, sign: { expiresIn: opts.tokenTtl } });
    const standing = opts.standing;
    if (!standing) return;
    // One lookup per subject per TTL, shared by concurrent requests (fetchMethod dedupes in-flight loads).
    const cache = new LRUCache<string, Standing>({
      max: 10_000,
      ttl: standing.ttlMs ?? defaultStandingTtlMs,
      fetchMethod: async (sub) => ({ person: (await staffStanding(standing.db, sub)) ?? null }),
    });
    app.decorate('standingOf', async (sub: string) => (await cache.fetch(sub)) ?? { person: null });
  },
  { name: 'auth' },
);

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const revoked = (why: string) => new HttpProblem(401, 'unauthorized', `a valid bearer token is required: ${why}`);

/**
 * Whether the token still stands: its subject exists and is active, and still holds the
 * token's role at a property in force (or company-wide, for admins and directors). The
 * properties the request may see narrow to those still held.
 */
async function checkStanding(req: FastifyRequest): Promise<void> {
  const { sub, role } = req.user;
  const { person } = uuidPattern.test(sub) ? await req.server.standingOf(sub) : { person: null };
  if (!person) throw revoked('unknown staff member');
  if (!person.active) throw revoked('staff member is no longer active');
  const held = person.memberships.filter((m) => m.active && m.role === role).map((m) => m.propertyId);
  const companyWide = allPropertyRoles.includes(role) && person.role === role;
  if (!companyWide && held.length === 0) throw revoked(`role ${role} is no longer held at any property`);
  req.user = { ...req.user, properties: req.user.properties.filter((p) => held.includes(p)) };
}

/** onRequest hook: 401 unless a valid bearer token is present; read-only roles may not write. */
export async function authenticate(req: FastifyRequest): Promise<void> {
  try {
    await req.jwtVerify();
  } catch (err) {
    const why = (err as { message?: string }).message ?? 'invalid token';
    throw revoked(why);
  }
  await checkStanding(req);
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

/**
 * 404 unless the caller belongs to `propertyId` (or sees every property): answered exactly as
 * an unknown `what` would be, so nobody learns that an object exists elsewhere, nor where.
 */
export function requirePropertyAccess(req: FastifyRequest, propertyId: string, what = `property ${propertyId}`): void {
  if (!canSeeProperty(req, propertyId)) throw notFound(what);
}

/** The property IDs the caller may list, or undefined for every property. */
export function visibleProperties(req: FastifyRequest): string[] | undefined {
  return allPropertyRoles.includes(req.user.role) ? undefined : req.user.properties;
}

/** Sign a token for a staff member (used by `npm run token` and tests). */
export function signToken(app: FastifyInstance, claims: TokenClaims): string {
  return app.jwt.sign(claims);
}
