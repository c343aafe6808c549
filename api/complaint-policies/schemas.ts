/** Request and response schemas for complaint policies (per property and priority). */
import { z } from 'zod';
import { complaintPriorities } from '../../workflows/complaint.contract.js';
import { propertyParams } from '../common.js';
import { slaPolicy, slaPolicyBody } from '../sla-policies/schemas.js';

// The same duration, ratio and chain rules as the repair SLA policies.
const { respond: duration, warnRatio, escalation, rectificationEscalateAfter: reopenEscalateAfter } = slaPolicyBody.shape;

export const complaintPolicyBody = z
  .object({
    respond: duration.meta({ description: 'first answer to the complainant, from receipt' }),
    resolve: duration.meta({ description: 'resolution, from receipt (and afresh from each reopening)' }),
    revisit: duration.meta({ description: 'follow-up call, from the resolution' }),
    warnRatio,
    escalation,
    reopenEscalateAfter: reopenEscalateAfter.meta({ description: 'reopened this many times or more: climbs one level at each further reopen' }),
  })
  .strict();

export const complaintPolicyParams = propertyParams.extend({ priority: z.enum(complaintPriorities) });

// The figures both kinds keep are shown alike.
const shown = slaPolicy.shape;

export const complaintPolicy = z
  .object({
    propertyId: shown.propertyId,
    priority: z.enum(complaintPriorities),
    respond: shown.respond,
    resolve: z.string(),
    revisit: shown.revisit,
    warnRatio: shown.warnRatio,
    escalation: shown.escalation,
    reopenEscalateAfter: z.number(),
    version: shown.version,
    updatedAt: shown.updatedAt,
    updatedBy: shown.updatedBy,
  })
  .meta({ id: 'ComplaintPolicy' });
