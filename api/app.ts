/**
 * The HTTP API as a factory: `buildApp(deps)` returns a ready Fastify instance, so
 * server.ts listens on it and tests `inject` into it.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '../db/index.js';
import type { ReplacementRule } from '../db/maintenance.js';
import { auditRoutes } from './audit/routes.js';
import { authenticate, authPlugin } from './auth.js';
import { checklistTemplateRoutes } from './checklist-templates/routes.js';
import { complaintPolicyRoutes } from './complaint-policies/routes.js';
import { complaintRoutes } from './complaints/routes.js';
import { drillScheduleRoutes } from './drill-schedules/routes.js';
import { emergencyPlanRoutes } from './emergency-plans/routes.js';
import { incidentRoutes } from './incidents/routes.js';
import { equipmentRoutes } from './equipment/routes.js';
import { installErrorHandler } from './errors.js';
import { healthRoutes, ProbesAtDebugLogController } from './health/routes.js';
import type { PlanEngine } from './recurring-plans/engine.js';
import { maintenancePlanRoutes } from './maintenance-plans/routes.js';
import { maintenanceTaskRoutes } from './maintenance-tasks/routes.js';
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
  auth: { jwtSecret: string; tokenTtl: string };
  /** How long a request waits for a worker to answer a query or finish a step (default 20 s). */
  stepTimeoutMs?: number;
  /** How long a replay check waits for the replay worker's verdict (default 60 s). */
  replayTimeoutMs?: number;
  logger?: FastifyBaseLogger | false;
  /** Starts, tells and retires the workflow of each maintenance plan (see maintenance-plans/engine.ts); without it plan writes answer 503. */
  planEngine?: PlanEngine;
  /** When equipment is flagged for replacement (default 3 repair orders in 6 months). */
  replacementRule?: ReplacementRule;
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
        description: 'Closed-loop property-management processes (repairs, complaints, maintenance, emergencies) as durable workflows.',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearerAuth: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());

  await app.register(authPlugin, { secret: deps.auth.jwtSecret, tokenTtl: deps.auth.tokenTtl });
  await app.register(healthRoutes);
  await registerMetrics(app, deps.db);
  await app.register(
    async (v1) => {
      v1.addHook('onRequest', authenticate);
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
      await v1.register(emergencyPlanRoutes);
      await v1.register(incidentRoutes);
      await v1.register(drillScheduleRoutes);
    },
    { prefix: '/v1' },
  );
  return app;
}
