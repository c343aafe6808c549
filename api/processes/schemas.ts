/** Request and response schemas for reading any process's record: its history and its timeline. */
import { z } from 'zod';
import { disagreementKinds, timelineKinds } from './timeline.js';

/** A process's workflow ID: `<kind>:<business key>`, e.g. `work-order:WO-20261121-0001`. */
export const processWorkflowId = z
  .string()
  .regex(/^[a-z][a-z0-9-]*:[^\s/?#]{1,200}$/, 'must be a process workflow ID like work-order:WO-20261121-0001');

export const processParams = z.object({ workflowId: processWorkflowId });

/** The admin's retry of a process's failed steps. */
export const retryStepBody = z
  .object({ reason: z.string().trim().min(1).max(500).optional().meta({ description: 'what was fixed; recorded with the step' }) })
  .strict()
  .optional();

/** What the retry recorded: the process's status and step number after it. */
export const retryStepResult = z
  .object({ workflowId: z.string(), status: z.string(), seq: z.number(), recorded: z.array(z.string()) })
  .meta({ id: 'RetryStepResult' });

export const runQuery = z
  .object({ runId: z.uuid().optional().meta({ description: 'one run of the process; the latest run when left out' }) })
  .strict();

const iso = z.string().meta({ format: 'date-time' });
const actor = z.object({ id: z.string(), role: z.string(), name: z.string().optional() });

/** The history in `temporal workflow show --output json` form (documented, not re-serialised: it goes out as Temporal wrote it). */
export const historyJson = z
  .looseObject({ events: z.array(z.looseObject({ eventId: z.string(), eventType: z.string() })) })
  .meta({ id: 'TemporalHistory', description: 'the JSON of `temporal workflow show --output json`; replayable with `npm run replay`' });

const timelineStep = z.object({
  eventId: z.number(),
  at: iso,
  kind: z.enum(timelineKinds),
  summary: z.string(),
  actor: actor.optional(),
  action: z.string().optional(),
  seq: z.number().optional(),
  from: z.string().optional(),
  to: z.string().optional(),
  reason: z.string().optional(),
  deadline: iso.optional(),
  escalation: z
    .object({ clock: z.string(), run: z.number().optional(), level: z.number(), role: z.string().optional(), deadline: iso.optional(), recipients: z.number().optional() })
    .optional(),
  notification: z.object({ template: z.string(), targets: z.array(z.unknown()) }).optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
  outcome: z.string().optional(),
  audit: z.object({ rowId: z.number(), chainPosition: z.number().nullable() }).nullable().optional(),
});

const disagreement = z.object({
  kind: z.enum(disagreementKinds),
  seq: z.number(),
  eventId: z.number().optional(),
  auditRowId: z.number().optional(),
  field: z.string().optional(),
  history: z.string().nullable().optional(),
  auditLog: z.string().nullable().optional(),
  message: z.string(),
});

export const processTimeline = z
  .object({
    workflowId: z.string(),
    runId: z.string(),
    kind: z.string(),
    workflowType: z.string(),
    propertyId: z.string().nullable(),
    status: z.string(),
    actors: z.array(actor).meta({ description: 'everyone who acted on the process, the system included' }),
    steps: z.array(timelineStep),
    audit: z.object({
      consistent: z.boolean().meta({ description: 'true when the history and the audit log tell the same story' }),
      stepsInHistory: z.number(),
      rowsMatched: z.number(),
      disagreements: z.array(disagreement),
      otherRows: z
        .array(z.object({ id: z.number(), at: iso, action: z.string(), actor: z.object({ id: z.string(), role: z.string() }) }))
        .meta({ description: 'audit rows about the process that are not workflow steps, such as who read its history' }),
    }),
  })
  .meta({ id: 'ProcessTimeline' });
