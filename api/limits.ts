/**
 * Request limits: per address (before authentication, so a flood without a token is cut off
 * too), per token subject, and stricter ones on the expensive routes (history replays and
 * statistics). Counting is @fastify/rate-limit's (its store and window); this module only
 * composes three of its limiters, since the plugin's own hook runs one limiter per request.
 * Over a limit is 429 with the plugin's headers (x-ratelimit-limit, -remaining, -reset and
 * retry-after).
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { RateLimits } from '../config.js';
import { HttpProblem } from './errors.js';

export { defaultRateLimits, type RateLimits } from '../config.js';

/** Routes whose every call costs a worker or a large query. */
export const expensiveRoutes = new Set(['/v1/audit/replay', '/v1/complaints/stats', '/v1/maintenance/compliance', '/v1/audit/verify']);

type Check = (req: FastifyRequest) => Promise<{ isAllowed: boolean; isExceeded?: boolean; max?: number; remaining?: number; ttlInSeconds?: number }>;

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook for authenticated routes: the per-token and the expensive-route limits. */
    limitByToken(req: FastifyRequest, reply: FastifyReply): Promise<void>;
    /** Take a place in the replay queue for `fn`, or 429 when it is full. */
    inReplayQueue<T>(fn: () => Promise<T>): Promise<T>;
  }
}

/** Run `check`: set the rate-limit headers, and throw 429 when the limit is exceeded. */
async function enforce(check: Check, req: FastifyRequest, reply: FastifyReply, what: string): Promise<void> {
  const r = await check(req);
  if (r.isAllowed || r.max === undefined) return;
  void reply.header('x-ratelimit-limit', r.max).header('x-ratelimit-remaining', r.remaining ?? 0).header('x-ratelimit-reset', r.ttlInSeconds ?? 0);
  if (!r.isExceeded) return;
  void reply.header('retry-after', r.ttlInSeconds ?? 1);
  throw new HttpProblem(429, 'rate_limited', `too many requests ${what}: at most ${r.max} a minute; retry in ${r.ttlInSeconds ?? 1} s`);
}

/** Register the limits. */
export const limitsPlugin = fp<RateLimits>(
  async (app: FastifyInstance, limits) => {
    await app.register(rateLimit, { global: false });
    const minute = 60_000;
    const byAddress = app.createRateLimit({ max: limits.perAddressPerMinute, timeWindow: minute, keyGenerator: (req) => `address:${req.ip}` }) as Check;
    const byToken = app.createRateLimit({ max: limits.perTokenPerMinute, timeWindow: minute, keyGenerator: (req) => `token:${req.user.sub}` }) as Check;
    const expensive = app.createRateLimit({ max: limits.expensivePerMinute, timeWindow: minute, keyGenerator: (req) => `expensive:${req.user.sub}` }) as Check;

    app.addHook('onRequest', async (req, reply) => enforce(byAddress, req, reply, 'from this address'));
    app.decorate('limitByToken', async (req: FastifyRequest, reply: FastifyReply) => {
      await enforce(byToken, req, reply, 'with this token');
      if (expensiveRoutes.has(req.routeOptions.url ?? '')) await enforce(expensive, req, reply, `to ${req.routeOptions.url}`);
    });

    let replaying = 0;
    app.decorate('inReplayQueue', async <T>(fn: () => Promise<T>): Promise<T> => {
      if (replaying >= limits.replayQueue) {
        throw new HttpProblem(429, 'rate_limited', `the replay queue is full (${limits.replayQueue} checks in progress); retry in a few seconds`);
      }
      replaying++;
      try {
        return await fn();
      } finally {
        replaying--;
      }
    });
  },
  { name: 'limits' },
);
