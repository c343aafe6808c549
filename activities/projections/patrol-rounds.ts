/** Writing the patrol-round projection row from a step, newest step wins. */
import type { Tx } from '../../db/audit.js';
import { patrolRounds } from '../../db/schema/index.js';
import type { StepRecordOf } from '../../workflows/shared/steps.js';
import { identityColumns, project } from './upsert.js';

const at = (v: number | null) => (v === null ? null : new Date(v));

/** Project one round step. */
export async function projectPatrolRound(tx: Tx, step: StepRecordOf<'patrol-round'>): Promise<void> {
  const { identity, live } = step;
  const changing = { ...live, startedAt: at(live.startedAt), finishedAt: at(live.finishedAt), updatedAt: new Date(step.at), seq: step.seq };
  const row = identity && {
    ...changing,
    ...identityColumns(step, identity),
    due: new Date(identity.due),
    windowEnd: new Date(identity.windowEnd),
    deadline: new Date(identity.deadline),
  };
  await project(tx, patrolRounds, step, row, changing);
}
