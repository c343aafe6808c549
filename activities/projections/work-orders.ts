/** Writing the work-order projection row from a step, newest step wins. */
import type { Tx } from '../../db/audit.js';
import { workOrders } from '../../db/schema/index.js';
import type { StepRecordOf } from '../../workflows/shared/steps.js';
import { identityColumns, project } from './upsert.js';

const at = (v: number | null) => (v === null ? null : new Date(v));

/** Project one work-order step. */
export async function projectWorkOrder(tx: Tx, step: StepRecordOf<'work-order'>): Promise<void> {
  const { identity, live } = step;
  const changing = { ...live, nextDeadline: at(live.nextDeadline), closedAt: at(live.closedAt), updatedAt: new Date(step.at), seq: step.seq };
  await project(tx, workOrders, step, identity && { ...changing, ...identityColumns(step, identity) }, changing);
}
