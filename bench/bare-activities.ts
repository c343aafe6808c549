/** The bare workflows' activities: empty, but for telling the bench what a real one would announce. */
import { Context } from '@temporalio/activity';

/** One wake-up of a bare timer workflow, as the bare worker reports it to the bench. */
export interface WakeReport {
  workflowId: string;
  label: string;
  /** The time the workflow slept to (epoch ms). */
  at: number;
  /** When the activity ran (epoch ms): the bare counterpart of an escalation's `recorded_at`. */
  ranAt: number;
  attempt: number;
}

/** A message the bare worker sends the bench over IPC. */
export type BareMessage = { kind: 'deliver'; workflowId: string; template: string } | ({ kind: 'wake' } & WakeReport);

/** Build the bare activities; `report` receives each delivery and wake-up. */
export function createBareActivities(report: (message: BareMessage) => void) {
  const workflowId = () => Context.current().info.workflowExecution?.workflowId ?? '';
  return {
    /** A step's database write, without the database. */
    step: async (): Promise<void> => undefined,
    /** The automatic dispatch, without the pick. */
    pick: async (): Promise<void> => undefined,
    /** The policy read before completion, without the read. */
    policy: async (): Promise<void> => undefined,
    /** A notification delivery: only says which message it stands for. */
    deliver: async (input: { template: string }): Promise<void> => {
      report({ kind: 'deliver', workflowId: workflowId(), template: input.template });
    },
    /** A timer's wake-up: tells the bench when it ran. */
    wake: async (input: { label: string; at: number }): Promise<void> => {
      const info = Context.current().info;
      report({ kind: 'wake', workflowId: workflowId(), label: input.label, at: input.at, ranAt: Date.now(), attempt: info.attempt });
    },
  };
}

export type BareActivities = ReturnType<typeof createBareActivities>;
