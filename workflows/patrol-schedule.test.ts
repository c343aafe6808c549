import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { changeScheduleStatus, createRoute, createSchedule } from '../db/patrols.js';
import type { TestDatabase } from '../test/harness/db.js';
import { roundStep } from '../test/harness/patrols.js';
import { eventually, saveFixture } from '../test/harness/processes.js';
import { workflowStack } from '../test/harness/workflow-stack.js';
import { actor } from '../test/harness/work-orders.js';
import { checkInUpdate, roundWorkflowId, startRoundUpdate } from './patrol-round.contract.js';
import { patrolScheduleWorkflowId, planChangedSignal } from './patrol-schedule.contract.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

const stack = workflowStack();
let env: TestWorkflowEnvironment;
let database: TestDatabase;
let worker: Worker;
beforeAll(() => ({ env, database, worker } = stack));
const rows = stack.rows;


describe('a patrol schedule', () => {
  // The time-skipping server stops skipping once a round (a child of a schedule run that has
  // continued as new) completes, so the night's rounds stay open here: their exceptions reach
  // the security captain at once and the project manager only after 12 h. Rounds closing are
  // tried in workflows/patrol-round.test.ts.
  it('starts one round every two hours through the night, each keyed by its due time, and raises the exceptions of the ones nobody walked', async () => {
    const manager = await actor(database.db, 'manager.zhou');
    const route = await createRoute(
      database.db,
      'harbour-view',
      {
        name: 'Night round (test)',
        kind: 'security',
        ordered: false,
        window: 'PT1H',
        grace: 'PT15M',
        escalateAfter: 'PT12H',
        checkpoints: [
          { tagCode: 'NT-GATE', location: 'Main gate', check: 'gate locked' },
          { tagCode: 'NT-B1', location: 'B1 car park', check: 'fire doors closed' },
        ],
      },
      manager,
    );
    const anchor = (await env.currentTimeMs()) + HOUR;
    const schedule = await createSchedule(database.db, 'harbour-view', { routeId: route!.id, name: 'Every 2 h at night', every: 2, unit: 'hours', anchor: new Date(anchor) }, manager);
    const handle = await env.client.workflow.start('patrolScheduleWorkflow', { workflowId: patrolScheduleWorkflowId(schedule.id), taskQueue: worker.options.taskQueue, args: [{ planId: schedule.id }] });

    // The first round of the night is walked, all but its car park.
    await env.sleep(HOUR + MIN);
    const first = env.client.workflow.getHandle(roundWorkflowId(route!.id, anchor));
    const zhao = await actor(database.db, 'security.zhao');
    await eventually(() => rows('SELECT 1 FROM patrol_rounds WHERE workflow_id = $1', [first.workflowId]), (r) => r.length === 1, 'the first round');
    await roundStep(first, startRoundUpdate, { actor: zhao });
    await roundStep(first, checkInUpdate, { actor: zhao, checkpointId: route!.checkpoints[0]!.id });

    // Six rounds from 1 h to 11 h; the rest of the night passes unwalked.
    await env.sleep(11 * HOUR);
    type Row = { workflow_id: string; status: string; late: boolean; checked: number; exceptions: number; escalation_level: number };
    const rounds = await eventually(
      () => rows<Row>('SELECT workflow_id, status, late, checked, exceptions, escalation_level FROM patrol_rounds WHERE route_id = $1 ORDER BY due', [route!.id]),
      (r) => r.length === 6 && r.slice(0, 5).every((x) => x.escalation_level === 1),
      'a night of rounds',
      (r) => JSON.stringify(r),
    );
    expect(rounds.map((r) => r.workflow_id)).toEqual([0, 1, 2, 3, 4, 5].map((i) => roundWorkflowId(route!.id, anchor + i * 2 * HOUR)));
    expect(rounds.map((r) => r.late)).not.toContain(true);
    expect(rounds.slice(0, 5).map((r) => [r.status, r.checked, r.exceptions])).toEqual([
      ['in_progress', 1, 1],
      ['scheduled', 0, 2],
      ['scheduled', 0, 2],
      ['scheduled', 0, 2],
      ['scheduled', 0, 2],
    ]);

    await changeScheduleStatus(database.db, schedule.id, 'retired', 'test over', manager);
    await handle.signal(planChangedSignal);
    expect(await handle.result()).toEqual({ planId: schedule.id, status: 'retired' });
    await saveFixture(handle, 'patrol-schedule', 'night-every-two-hours');
    for (const r of await rows<{ workflow_id: string; status: string }>('SELECT workflow_id, status FROM patrol_rounds WHERE route_id = $1', [route!.id])) {
      if (['scheduled', 'in_progress'].includes(r.status)) await env.client.workflow.getHandle(r.workflow_id).terminate('test over').catch(() => undefined);
    }
  }, 120_000);
});
