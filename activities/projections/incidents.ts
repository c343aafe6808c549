/** Writing the incident and improvement-action projection rows from a step, newest step wins. */
import type { Tx } from '../../db/audit.js';
import { improvementActions, incidents } from '../../db/schema/index.js';
import type { StepRecordOf } from '../../workflows/shared/steps.js';
import { identityColumns, project } from './upsert.js';

const at = (v: number | null) => (v === null ? null : new Date(v));

/** Project one incident (or drill) step. */
export async function projectIncident(tx: Tx, step: StepRecordOf<'incident'>): Promise<void> {
  const { identity, live } = step;
  const changing = {
    ...live,
    activatedAt: at(live.activatedAt),
    acknowledgedAt: at(live.acknowledgedAt),
    resolvedAt: at(live.resolvedAt),
    closedAt: at(live.closedAt),
    nextDeadline: at(live.nextDeadline),
    updatedAt: new Date(step.at),
    seq: step.seq,
  };
  await project(tx, incidents, step, identity && { ...changing, ...identityColumns(step, identity) }, changing);
}

/** Project one improvement-action step. */
export async function projectImprovementAction(tx: Tx, step: StepRecordOf<'improvement-action'>): Promise<void> {
  const { identity, live } = step;
  const changing = {
    ...live,
    completedAt: at(live.completedAt),
    verifiedAt: at(live.verifiedAt),
    nextDeadline: at(live.nextDeadline),
    updatedAt: new Date(step.at),
    seq: step.seq,
  };
  await project(tx, improvementActions, step, identity && { ...changing, ...identityColumns(step, identity), dueAt: new Date(identity.dueAt) }, changing);
}
