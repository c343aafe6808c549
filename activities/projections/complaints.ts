/** Writing the complaint projection row from a step, newest step wins. */
import type { Tx } from '../../db/audit.js';
import { complaints } from '../../db/schema/index.js';
import type { StepRecordOf } from '../../workflows/shared/steps.js';
import { identityColumns, project } from './upsert.js';

const at = (v: number | null) => (v === null ? null : new Date(v));

/** Project one complaint step. */
export async function projectComplaint(tx: Tx, step: StepRecordOf<'complaint'>): Promise<void> {
  const { identity, live } = step;
  const changing = {
    ...live,
    nextDeadline: at(live.nextDeadline),
    respondedAt: at(live.respondedAt),
    respondDeadline: at(live.respondDeadline),
    resolvedAt: at(live.resolvedAt),
    resolveDeadline: at(live.resolveDeadline),
    closedAt: at(live.closedAt),
    updatedAt: new Date(step.at),
    seq: step.seq,
  };
  await project(tx, complaints, step, identity && { ...changing, ...identityColumns(step, identity) }, changing);
}
