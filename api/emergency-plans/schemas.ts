/** Request and response schemas for emergency plans, their versions and the duty roster. */
import { z } from 'zod';
import { incidentTypes, responseRoles } from '../../domain/emergency.js';
import { roles } from '../../domain/roles.js';
import { propertyParams, timestamp } from '../common.js';
import { duration } from '../sla-policies/schemas.js';

const key = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a lowercase slug of letters, digits and dashes');

const planRole = z
  .object({
    role: z.enum(responseRoles),
    staffRole: z.enum(roles).meta({ description: 'the staff role that fills it' }),
    ackWithin: duration.default('PT30M').meta({ description: 'the page must be acknowledged within this (30 minutes, seed 001)' }),
  })
  .strict();

const planStep = z
  .object({
    key,
    title: z.string().trim().min(1).max(200),
    role: z.enum(responseRoles).meta({ description: 'the role that owns the step' }),
    deadline: duration.meta({ description: 'counted from activation' }),
    dependsOn: z.array(key).max(20).default([]),
    required: z.boolean().default(true),
    condition: z
      .object({ attribute: key, in: z.array(z.string().min(1).max(60)).min(1).max(20) })
      .strict()
      .optional()
      .meta({ description: 'the step applies only when the incident attribute has one of these values (e.g. cause in [burst_pipe])' }),
  })
  .strict();

/** The content of a new plan version. */
export const planBody = z
  .object({
    title: z.string().trim().min(1).max(200),
    roles: z.array(planRole).min(1).max(10),
    steps: z.array(planStep).min(1).max(50),
    measures: z.array(z.string().min(1).max(500)).max(50).default([]),
    resources: z.array(z.string().min(1).max(500)).max(50).default([]),
    escalateEvery: duration.default('PT15M').meta({ description: 'between escalation levels of a missed page or an overdue step' }),
    updateEvery: duration.default('PT30M').meta({ description: 'owners get an update this often while the incident is active' }),
    reviewWithin: duration.default('P3D').meta({ description: 'the post-incident review is due this long after resolution' }),
    drillTarget: duration.default('PT1H').meta({ description: 'a drill is on target when it is resolved within this long of activation' }),
    note: z.string().max(500).optional().meta({ description: 'what changed in this version' }),
  })
  .strict();

export const planParams = propertyParams.extend({ type: z.enum(incidentTypes) });
export const planVersionParams = planParams.extend({ version: z.coerce.number().int().min(1).max(2_147_483_647) });
export const dutyParams = propertyParams.extend({ role: z.enum(responseRoles) });
export const dutyBody = z.object({ staffIds: z.array(z.uuid()).max(20).meta({ description: 'in paging order: the first is paged, the next is the first escalation' }) }).strict();

const content = planBody.omit({ note: true });

export const planVersion = z.object({ version: z.number(), note: z.string().nullable(), createdAt: timestamp, createdBy: z.string(), content }).meta({ id: 'EmergencyPlanVersion' });

export const plan = z
  .object({
    id: z.string(),
    propertyId: z.string(),
    incidentType: z.enum(incidentTypes),
    currentVersion: z.number(),
    content,
    versions: z.array(z.object({ version: z.number(), note: z.string().nullable(), createdAt: timestamp, createdBy: z.string() })).optional(),
  })
  .meta({ id: 'EmergencyPlan' });

export const duty = z.object({ propertyId: z.string(), roster: z.record(z.string(), z.array(z.object({ id: z.string(), name: z.string() }))) }).meta({ id: 'EmergencyDuty' });
