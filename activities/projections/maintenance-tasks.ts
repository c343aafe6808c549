/** Writing the maintenance-task projection row from a step, newest step wins. */
import type { Tx } from '../../db/audit.js';
import { maintenanceTasks } from '../../db/schema/index.js';
import type { StepRecordOf } from '../../workflows/shared/steps.js';
import { identityColumns, project } from './upsert.js';

const at = (v: number | null) => (v === null ? null : new Date(v));

/** Project one maintenance-task step. */
export async function projectMaintenanceTask(tx: Tx, step: StepRecordOf<'maintenance-task'>): Promise<void> {
  const { identity, live } = step;
  const changing = {
    ...live,
    startedAt: at(live.startedAt),
    completedAt: at(live.completedAt),
    updatedAt: new Date(step.at),
    seq: step.seq,
  };
  const row = identity && {
    ...changing,
    ...identityColumns(step, identity),
    nominalDue: new Date(identity.nominalDue),
    opensAt: new Date(identity.opensAt),
    overdueAt: new Date(identity.overdueAt),
  };
  await project(tx, maintenanceTasks, step, row, changing);
}
