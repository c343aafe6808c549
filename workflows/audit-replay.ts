/**
 * The audit replay check: one history replayed against the workflow code of this build.
 * A workflow so the HTTP API never loads the replayer: it starts this and waits for the
 * verdict, and the replay runs as an activity on the replay task queue.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createReplayActivities } from '../activities/replay-histories.js';
import { replayTaskQueue, type AuditReplayInput, type ReplayReport } from './audit-replay.contract.js';

/** Replay one history (sent by the caller, or a process's own) and return the verdict. */
export async function auditReplayWorkflow(input: AuditReplayInput): Promise<ReplayReport> {
  const { replayHistories } = proxyActivities<ReturnType<typeof createReplayActivities>>({
    taskQueue: replayTaskQueue(workflowInfo().taskQueue),
    // A replay that stalls is stopped by the replayer itself after 2 minutes; the prefix search of a long history takes a few.
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '30 seconds',
    // Only a replayer that cannot start at all fails the activity; twice more is enough to tell.
    retry: { maximumAttempts: 3 },
  });
  const [report] = await replayHistories({ sources: [input.source] });
  return report!;
}
