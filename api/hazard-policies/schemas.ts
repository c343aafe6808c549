/** Request and response schemas for hazard policies (per property and severity). */
import { z } from 'zod';
import { hazardSeverities } from '../../workflows/hazard.contract.js';
import { propertyParams } from '../common.js';
import { slaPolicy, slaPolicyBody } from '../sla-policies/schemas.js';

// The same duration, ratio and chain rules as the repair SLA policies.
const { respond: duration, warnRatio, escalation } = slaPolicyBody.shape;

export const hazardPolicyBody = z
  .object({
    rectify: duration.meta({ description: 'rectification deadline, from the report (and afresh from each failed re-inspection)' }),
    warnRatio,
    escalation,
  })
  .strict();

export const hazardPolicyParams = propertyParams.extend({ severity: z.enum(hazardSeverities) });

const shown = slaPolicy.shape;

export const hazardPolicy = z
  .object({
    propertyId: shown.propertyId,
    severity: z.enum(hazardSeverities),
    rectify: z.string(),
    warnRatio: shown.warnRatio,
    escalation: shown.escalation,
    version: shown.version,
    updatedAt: shown.updatedAt,
    updatedBy: shown.updatedBy,
  })
  .meta({ id: 'HazardPolicy' });
