/** Writing the hazard projection row from a step, newest step wins. */
import type { Tx } from '../../db/audit.js';
import { hazards } from '../../db/schema/index.js';
import type { StepRecordOf } from '../../workflows/shared/steps.js';
import { identityColumns, project } from './upsert.js';

const at = (v: number | null) => (v === null ? null : new Date(v));

/** Project one hazard step. */
export async function projectHazard(tx: Tx, step: StepRecordOf<'hazard'>): Promise<void> {
  const { identity, live } = step;
  const changing = {
    ...live,
    nextDeadline: at(live.nextDeadline),
    rectifyDeadline: at(live.rectifyDeadline),
    closedAt: at(live.closedAt),
    updatedAt: new Date(step.at),
    seq: step.seq,
  };
  await project(tx, hazards, step, identity && { ...changing, ...identityColumns(step, identity) }, changing);
}
