/** Request and response schemas for complaint policies (per property and priority). */
import { z } from 'zod';
import { complaintPriorities } from '../../workflows/complaint.contract.js';
import { propertyParams, timestamp } from '../common.js';
import { slaPolicyBody } from '../sla-policies/schemas.js';

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

export const complaintPolicy = z
  .object({
    propertyId: z.string(),
    priority: z.enum(complaintPriorities),
    respond: z.string(),
    resolve: z.string(),
    revisit: z.string(),
    warnRatio: z.number(),
    escalation: z.array(z.object({ level: z.number(), after: z.string(), role: z.string() })),
    reopenEscalateAfter: z.number(),
    version: z.number(),
    updatedAt: timestamp,
    updatedBy: z.string(),
  })
  .meta({ id: 'ComplaintPolicy' });
