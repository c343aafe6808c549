/** Request and response schemas for the audit checks: replaying a history, verifying the audit log chain. */
import { z } from 'zod';
import { chainProblems } from '../../db/audit-verify.js';
import { propertyId } from '../common.js';
import { processWorkflowId } from '../processes/schemas.js';
import { locatedBy, replayOutcomes } from '../../workflows/audit-replay.contract.js';

/** Largest request body the replay check takes: room for a history of tens of thousands of events. */
export const replayBodyLimit = 32 * 1024 * 1024;

export const replayBody = z
  .union([
    z
      .object({
        history: z
          .looseObject({ events: z.array(z.record(z.string(), z.unknown())).min(1) })
          .meta({ description: 'a history as `temporal workflow show --output json` or GET /v1/processes/{workflowId}/history writes it' }),
      })
      .strict(),
    z
      .object({
        workflowId: processWorkflowId,
        runId: z.uuid().optional().meta({ description: 'one run; the latest when left out' }),
      })
      .strict(),
  ])
  .meta({ description: 'either a history, or the workflow ID of a process whose history is fetched from Temporal' });

const divergence = z.object({
  eventId: z.number().nullable().meta({ description: 'the history event where code and history part; null when it could not be told' }),
  eventType: z.string().nullable(),
  expected: z.string().meta({ description: 'what the history recorded there' }),
  got: z.string().meta({ description: 'what the workflow code of this build did instead' }),
  locatedBy: z.enum(locatedBy).meta({ description: 'sdk-message: the SDK named the event; history-check: the history itself is broken there; prefix-replay: found by replaying ever longer prefixes' }),
  message: z.string().meta({ description: "the SDK's own words" }),
});

export const replayReport = z
  .object({
    name: z.string(),
    workflowId: z.string().nullable(),
    workflowType: z.string().nullable(),
    events: z.number(),
    outcome: z.enum(replayOutcomes),
    divergence: divergence.optional(),
    error: z.string().optional(),
  })
  .meta({ id: 'ReplayReport' });

export const verifyQuery = z.object({ propertyId }).strict();

export const chainReport = z
  .object({
    propertyId: z.string(),
    ok: z.boolean(),
    rows: z.number(),
    lastPosition: z.number().nullable(),
    firstBreak: z
      .object({ rowId: z.number(), chainPosition: z.number().nullable(), problem: z.enum(chainProblems), detail: z.string() })
      .nullable(),
  })
  .meta({ id: 'AuditChainReport' });
