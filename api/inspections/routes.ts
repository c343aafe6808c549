/**
 * Scored inspections of cleaning and landscaping: record one (each area scored 0–100); an
 * area below its threshold starts a rectification with the inspection's deadline (a hazard
 * workflow, re-inspected before it closes); and the month's scores per area and contractor.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { allocateHazardId, toHazardPolicySnapshot } from '../../db/hazards.js';
import { inspectionScoresOf, linkRectification, recordInspection } from '../../db/inspections.js';
import { getHazardPolicy, getProperty } from '../../db/reference.js';
import { isIsoDuration, parseIsoDuration } from '../../domain/durations.js';
import { monthBounds } from '../../domain/maintenance-schedule.js';
import { hazardWorkflowId, hazardWorkflowType, type HazardInput } from '../../workflows/hazard.contract.js';
import { actorOf, requirePropertyAccess, requireRole } from '../auth.js';
import { isoMonth, propertyId } from '../common.js';
import { commonErrors, conflict, notFound } from '../errors.js';
import { text } from '../maintenance-schemas.js';
import { startProcess } from '../process-calls.js';
import { isoSchema } from '../process-views.js';

const kinds = ['cleaning', 'landscaping'] as const;
const inspectorRoles = ['dispatcher', 'manager', 'director', 'admin'] as const;

const body = z
  .object({
    propertyId,
    kind: z.enum(kinds),
    rectifyWithin: z
      .string()
      .refine((s) => isIsoDuration(s) && parseIsoDuration(s) > 0, 'must be an ISO 8601 duration such as PT24H')
      .default('PT24H')
      .meta({ description: 'the deadline of the rectification an area below its threshold starts' }),
    areas: z
      .array(z.object({ area: text(200), contractor: text(200).optional(), score: z.int().min(0).max(100), threshold: z.int().min(0).max(100).default(80), note: text(2000).optional() }).strict())
      .min(1)
      .max(200)
      .refine((a) => new Set(a.map((x) => x.area)).size === a.length, 'each area once'),
  })
  .strict();

const inspectionSchema = z
  .object({
    id: z.string(),
    propertyId: z.string(),
    kind: z.enum(kinds),
    inspectedAt: isoSchema,
    inspectorId: z.string(),
    areas: z.array(z.object({ area: z.string(), contractor: z.string().nullable(), score: z.number(), threshold: z.number(), note: z.string().nullable(), rectification: z.string().nullable().meta({ description: 'the hazard ID of the rectification it started' }) })),
  })
  .meta({ id: 'Inspection' });

const figures = { scores: z.number(), average: z.number().nullable(), lowest: z.number().nullable(), belowThreshold: z.number() };
const scoresSchema = z.object({
  propertyId: z.string(),
  kind: z.enum(kinds),
  month: z.string(),
  areas: z.array(z.object({ area: z.string(), ...figures })),
  contractors: z.array(z.object({ contractor: z.string(), ...figures })),
});

export const inspectionRoutes: FastifyPluginAsyncZod = async (app) => {
  const { db, temporal, taskQueue } = app.deps;

  app.post('/inspections', { schema: { tags: ['inspections'], summary: 'Record a scored inspection; each area below its threshold starts a rectification', body, response: { 201: inspectionSchema, ...commonErrors } } }, async (req, reply) => {
    const b = req.body;
    const property = await getProperty(db, b.propertyId);
    if (!property) throw notFound(`property ${b.propertyId}`);
    requirePropertyAccess(req, b.propertyId);
    requireRole(req, inspectorRoles, 'record inspections');
    const policy = await getHazardPolicy(db, b.propertyId, 'general');
    if (!policy) throw conflict(`property ${b.propertyId} has no hazard policy for general hazards: set one with PUT /v1/properties/${b.propertyId}/hazard-policies/general`);
    const actor = actorOf(req);
    const inspection = await recordInspection(db, b.propertyId, { kind: b.kind, inspectedAt: new Date(), areas: b.areas }, actor);
    const rectifications = new Map<string, string>();
    for (const a of inspection.scores.filter((s) => s.score < s.threshold)) {
      const hazardId = await allocateHazardId(db, property.timezone);
      const input: HazardInput = {
        hazardId,
        propertyId: b.propertyId,
        location: { commonArea: a.area },
        severity: 'general',
        description: `${b.kind} inspection: ${a.area} scored ${a.score}, below ${a.threshold}${a.note ? ` (${a.note})` : ''}`,
        photos: [],
        source: { kind: 'inspection', inspectionId: inspection.id, area: a.area },
        createdBy: actor,
        // The escalation chain of general hazards, on the inspection's own deadline.
        policy: { ...toHazardPolicySnapshot(policy), rectifyMs: parseIsoDuration(b.rectifyWithin) },
      };
      await startProcess(temporal, { workflowType: hazardWorkflowType, workflowId: hazardWorkflowId(hazardId), taskQueue, args: [input], replayed: false });
      await linkRectification(db, inspection.id, a.area, hazardId);
      rectifications.set(a.area, hazardId);
    }
    return reply.status(201).send({
      id: inspection.id,
      propertyId: inspection.propertyId,
      kind: b.kind,
      inspectedAt: inspection.inspectedAt.toISOString(),
      inspectorId: inspection.inspectorId,
      areas: inspection.scores.map((s) => ({ area: s.area, contractor: s.contractor, score: s.score, threshold: s.threshold, note: s.note, rectification: rectifications.get(s.area) ?? null })),
    });
  });

  app.get(
    '/inspections/scores',
    {
      schema: {
        tags: ['inspections'],
        summary: 'A month of inspection scores per area and per contractor (the cleaning-quality figure of the monthly evaluation)',
        querystring: z.object({ propertyId, kind: z.enum(kinds), month: isoMonth }).strict(),
        response: { 200: scoresSchema, ...commonErrors },
      },
    },
    async (req) => {
      const { propertyId: id, kind, month } = req.query;
      const property = await getProperty(db, id);
      if (!property) throw notFound(`property ${id}`);
      requirePropertyAccess(req, id);
      const bounds = monthBounds(month, property.timezone);
      return { propertyId: id, kind, month, ...(await inspectionScoresOf(db, id, kind, new Date(bounds.startMs), new Date(bounds.endMs))) };
    },
  );
};
