/** Helpers for patrol round tests: start a round the way its schedule does, and read it back. */
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Db } from '../../db/index.js';
import { patrolRoundQuery, roundWorkflowId, type PatrolRoundInput, type PatrolRoundState } from '../../workflows/patrol-round.contract.js';
import { eventually, stepThenRead } from './processes.js';
import { actor } from './work-orders.js';

const MIN = 60_000;

/** Three checkpoints of a night security route. */
export const nightCheckpoints = () => [
  { id: randomUUID(), position: 1, location: 'Main gate', check: 'gate locked, barrier down' },
  { id: randomUUID(), position: 2, location: 'B1 car park, exit 2', check: 'fire door closed, no smell of fuel' },
  { id: randomUUID(), position: 3, location: 'Building 2 roof door', check: 'door locked, alarm armed' },
];

/** Start a round due `inMs` from the test server's now: a one-hour window, ten minutes' grace. */
export async function openRound(client: Client, taskQueue: string, db: Db, nowMs: number, overrides: Partial<PatrolRoundInput> = {}, inMs = 0): Promise<WorkflowHandle> {
  const routeId = overrides.routeId ?? randomUUID();
  const due = overrides.due ?? nowMs + inMs;
  const input: PatrolRoundInput = {
    routeId,
    routeName: 'Night security round',
    routeKind: 'security',
    scheduleId: null,
    propertyId: 'harbour-view',
    due,
    windowMs: 60 * MIN,
    graceMs: 10 * MIN,
    ordered: false,
    checkpoints: nightCheckpoints(),
    skewToleranceMs: 5 * MIN,
    escalation: [
      { level: 1, afterMs: 0, role: 'dispatcher' },
      { level: 2, afterMs: 30 * MIN, role: 'manager' },
    ],
    late: false,
    createdBy: await actor(db, 'dispatcher.zhang'),
    ...overrides,
  };
  return client.workflow.start('patrolRoundWorkflow', { workflowId: roundWorkflowId(routeId, due), taskQueue, args: [input] });
}

/** Poll the round's state until `predicate` holds. */
export function waitForRound(handle: WorkflowHandle, predicate: (s: PatrolRoundState) => boolean, what = 'state'): Promise<PatrolRoundState> {
  return eventually(
    () => handle.query(patrolRoundQuery),
    predicate,
    what,
    (last) => `last status ${last?.status}, timeline ${last?.timeline.map((t) => t.action).join(', ')}`,
  );
}

/** Take a step and read the round back. */
export const roundStep = stepThenRead(patrolRoundQuery);
