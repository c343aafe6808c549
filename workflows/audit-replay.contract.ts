/**
 * The audit replay check as the outside world may know it: a short workflow that replays
 * one history against the workflow code of the worker's build, on a task queue of its own
 * (`<taskQueue>-replay`) whose worker takes few replays at a time, and returns the verdict.
 */

/** Workflow ID of one replay check: `audit-replay:<uuid>`. */
export const auditReplayWorkflowId = (id: string): string => `audit-replay:${id}`;

/** The task queue the replay activity runs on, beside the main one. */
export const replayTaskQueue = (taskQueue: string): string => `${taskQueue}-replay`;

/**
 * Largest history a check carries in its input, gzipped and in base64: under the 2 MB a
 * Temporal payload may hold, with room for the rest of the input.
 */
export const maxGzippedHistoryChars = 1_800_000;

/** A history to replay: one the caller sent (its JSON text, gzipped, base64), or a process's own, fetched by the worker. */
export type ReplaySourceRef =
  | { kind: 'history'; name: string; gzippedJson: string }
  | { kind: 'workflow'; name: string; workflowId: string; runId?: string };

/** Input of auditReplayWorkflow. */
export interface AuditReplayInput {
  source: ReplaySourceRef;
}

/** How the diverging event was found. */
export const locatedBy = ['sdk-message', 'history-check', 'prefix-replay', 'unknown'] as const;

/** The first place where a history and the code of this build disagree. */
export interface Divergence {
  /** The history event where they part, or null when it could not be told. */
  eventId: number | null;
  eventType: string | null;
  /** What the history recorded there (what the code was expected to do). */
  expected: string;
  /** What the code of this build did instead. */
  got: string;
  locatedBy: (typeof locatedBy)[number];
  /** The SDK's own sentence, for the record. */
  message: string;
}

/** The verdicts a replay can give. */
export const replayOutcomes = ['deterministic', 'diverged', 'unreadable'] as const;

/** The verdict on one history: the result of auditReplayWorkflow. */
export interface ReplayReport {
  /** The file, workflow ID or label the history came from. */
  name: string;
  workflowId: string | null;
  workflowType: string | null;
  events: number;
  outcome: (typeof replayOutcomes)[number];
  /** Where it first diverges, when it does. */
  divergence?: Divergence;
  /** Why it could not be read or replayed at all, when unreadable. */
  error?: string;
}
