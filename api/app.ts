/**
 * The HTTP API as a factory: `buildApp(deps)` returns a ready Fastify instance, so
 * server.ts listens on it and tests `inject` into it.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransformObject, serializerCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../db/index.js';
import type { ReplacementRule } from '../db/maintenance.js';
import { auditRoutes } from './audit/routes.js';
import { authenticate, authPlugin } from './auth.js';
import { jsonSchemaTransform, validatorCompiler } from './boundary.js';
import { defaultRateLimits, limitsPlugin, type RateLimits } from './limits.js';
import { checklistTemplateRoutes } from './checklist-templates/routes.js';
import { codecRoutes } from './codec/routes.js';
import { complaintPolicyRoutes } from './complaint-policies/routes.js';
import { complaintRoutes } from './complaints/routes.js';
import { drillScheduleRoutes } from './drill-schedules/routes.js';
import { emergencyPlanRoutes } from './emergency-plans/routes.js';
import { incidentRoutes } from './incidents/routes.js';
import { equipmentRoutes } from './equipment/routes.js';
import { hazardPolicyRoutes } from './hazard-policies/routes.js';
import { hazardRoutes } from './hazards/routes.js';
import { installErrorHandler } from './errors.js';
import { inspectionRoutes } from './inspections/routes.js';
import { healthRoutes, ProbesAtDebugLogController } from './health/routes.js';
import type { PlanEngine } from './recurring-plans/engine.js';
import { maintenancePlanRoutes } from './maintenance-plans/routes.js';
import { maintenanceTaskRoutes } from './maintenance-tasks/routes.js';
import { patrolRoutes } from './patrols/routes.js';
import { maintenanceRoutes } from './maintenance/routes.js';
import { registerMetrics } from './metrics/routes.js';
import { processRoutes } from './processes/routes.js';
import { propertyRoutes } from './properties/routes.js';
import { slaPolicyRoutes } from './sla-policies/routes.js';
import { staffRoutes } from './staff/routes.js';
import { workOrderRoutes } from './work-orders/routes.js';

// A missing field says so plainly, rather than "expected string, received undefined".
z.config({ customError: (issue) => (issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : undefined) });

/** Everything the API needs from the outside world. */
export interface AppDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  /** `standingTtlMs`: how long a token subject's standing is cached (default 3 s; deactivation takes effect within it). */
  auth: { jwtSecret: string; tokenTtl: string; standingTtlMs?: number };
  /** How long a request waits for a worker to answer a query or finish a step (default 20 s). */
  stepTimeoutMs?: number;
  /** How long a replay check waits for the replay worker's verdict (default 60 s). */
  replayTimeoutMs?: number;
  logger?: FastifyBaseLogger | false;
  /** Starts, tells and retires the workflow of each maintenance plan (see recurring-plans/engine.ts); without it plan writes answer 503. */
  planEngine?: PlanEngine;
  /** Starts, tells and retires the workflow of each patrol schedule (the same engine, for patrol schedules); without it schedule writes answer 503. */
  patrolEngine?: PlanEngine;
  /** Requests a minute per address, per token and on expensive routes, and the replay queue's size (defaults in limits.ts). */
  limits?: RateLimits;
  /** When equipment is flagged for replacement (default 3 repair orders in 6 months). */
  replacementRule?: ReplacementRule;
  /** The codec payloads are sealed with (PAYLOAD_KEYS): histories are opened with it for export, timeline and the Web UI. */
  payloadCodec?: PayloadCodec;
  /** Browser origins (the Temporal Web UI's) allowed to call /codec. */
  codecCorsOrigins?: readonly string[];
  /** A declaration of the same incident type at the same property within this window reaches the open incident (default 30 minutes). */
  incidentDedupeWindowMs?: number;
  /** Starts, tells and retires the workflow of each drill schedule; without it schedule writes answer 503. */
  drillScheduleEngine?: PlanEngine;
}

declare module 'fastify' {
  interface FastifyInstance {
    deps: AppDeps;
  }
}

/** Build the API. Call `ready()` (or `listen`) before use. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    trustProxy: true,
    logController: new ProbesAtDebugLogController(),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorate('deps', deps);
  installErrorHandler(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Property Ops API',
        version: '0.1.0',
        description: [
          'Closed-loop property-management processes (repairs, complaints, maintenance, emergencies) as durable workflows.',
          '',
          'Every path answers a method it does not list with 405 Method Not Allowed and an `Allow` header naming the methods it has (the `MethodNotAllowed` response).',
          'Every route may answer 429 (a rate limit; `Retry-After` and `x-ratelimit-*` headers) and 503 (PostgreSQL or Temporal unavailable; `Retry-After`).',
        ].join('\n'),
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        responses: {
          MethodNotAllowed: {
            description: 'The path exists but not with this method',
            headers: { Allow: { description: 'the methods the path has, such as "GET, HEAD, POST"', schema: { type: 'string' } } },
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        },
      },
      security: [{ bearerAuth: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());

  await app.register(authPlugin, {
    secret: deps.auth.jwtSecret,
    tokenTtl: deps.auth.tokenTtl,
    standing: { db: deps.db, ...(deps.auth.standingTtlMs !== undefined ? { ttlMs: deps.auth.standingTtlMs } : {}) },
  });
  await app.register(limitsPlugin, deps.limits ?? defaultRateLimits);
  await app.register(healthRoutes);
  // Only with payload keys: without them nothing is sealed, and the API is as it was.
  if (deps.payloadCodec) await app.register(codecRoutes, { prefix: '/codec', codec: deps.payloadCodec, origins: deps.codecCorsOrigins ?? [] });
  await registerMetrics(app, deps.db);
  await app.register(
    async (v1) => {
      v1.addHook('onRequest', authenticate);
      v1.addHook('onRequest', (req, reply) => app.limitByToken(req, reply));
      await v1.register(propertyRoutes);
      await v1.register(staffRoutes);
      await v1.register(slaPolicyRoutes);
      await v1.register(workOrderRoutes);
      await v1.register(complaintPolicyRoutes);
      await v1.register(complaintRoutes);
      await v1.register(processRoutes);
      await v1.register(auditRoutes);
      await v1.register(equipmentRoutes);
      await v1.register(checklistTemplateRoutes);
      await v1.register(maintenancePlanRoutes);
      await v1.register(maintenanceRoutes);
      await v1.register(maintenanceTaskRoutes);
      await v1.register(hazardPolicyRoutes);
      await v1.register(hazardRoutes);
      await v1.register(patrolRoutes);
      await v1.register(inspectionRoutes);
      await v1.register(emergencyPlanRoutes);
      await v1.register(incidentRoutes);
      await v1.register(drillScheduleRoutes);
    },
    { prefix: '/v1' },
  );
  return app;
}
