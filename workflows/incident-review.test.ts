/**
 * An incident's hand-sent broadcast, its severity change, and a review not written in time
 * (a file of its own: it sleeps three days, and every other live incident's timers would fire
 * in between).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { TestDatabase } from '../test/harness/db.js';
import { acknowledgeAllPages, declareIncident, incidentStep, waitForIncident, workThroughFlood } from '../test/harness/incidents.js';
import { updateFailure } from '../test/harness/processes.js';
import { actor } from '../test/harness/work-orders.js';
import { workflowStack } from '../test/harness/workflow-stack.js';
import { broadcastUpdate, resolveIncidentUpdate, severityUpdate } from './incident.contract.js';
import { processErrors } from './shared/steps.js';

const MIN = 60_000;
vi.setConfig({ testTimeout: 180_000 });

const stack = workflowStack();
let env: TestWorkflowEnvironment;
let database: TestDatabase;
beforeAll(() => ({ env, database } = stack));

const as = (username: string) => actor(database.db, username);
const rows = async <T>(query: string, params: unknown[]): Promise<T[]> => (await database.pool.query(query, params)).rows as T[];

describe('while it runs and after it is resolved', () => {
  it('broadcasts by hand, changes severity only with a reason, and escalates a review not written within its window', async () => {
    const h = await declareIncident(env.client, stack.worker.options.taskQueue, database.db);
    await waitForIncident(h, (s) => s.timeline.some((t) => t.action === 'page'), 'the pages');
    await acknowledgeAllPages(h, database.db);
    const lead = await as('dispatcher.zhang');
    await h.executeUpdate(broadcastUpdate, { args: [{ actor: lead, message: 'Water is off in Building 1 until 18:00; bottled water at the lobby.' }] });
    const [told] = await rows<{ n: number }>("SELECT count(*)::int AS n FROM outbox WHERE subject LIKE $1 AND template = 'incident.update' AND recipient_kind = 'owner' AND payload->>'message' LIKE 'Water is off%'", [`${h.workflowId}#%`]);
    expect(told!.n).toBeGreaterThan(1);
    const noReason = await updateFailure(h.executeUpdate(severityUpdate, { args: [{ actor: lead, severity: 'critical', reason: '' }] }));
    expect([noReason.type, noReason.message]).toEqual([processErrors.invalidArgument, 'reason: must say why the severity changes']);
    expect((await incidentStep(h, severityUpdate, { actor: lead, severity: 'critical', reason: 'water reached the switch room' })).severity).toBe('critical');
    await workThroughFlood(h, database.db);
    const resolved = await incidentStep(h, resolveIncidentUpdate, { actor: lead });
    await env.sleep(resolved.review!.dueAt - (await env.currentTimeMs()) + MIN);
    await waitForIncident(h, (x) => x.timeline.some((t) => t.action === 'sla.escalated' && t.detail?.clock === 'review'), 'the review escalated');
    const [pm] = await rows<{ recipient_id: string }>("SELECT recipient_id FROM outbox WHERE subject LIKE $1 AND template = 'sla.escalation' AND payload->>'clock' = 'review'", [`${h.workflowId}#%`]);
    expect(pm?.recipient_id).toBe((await as('manager.zhou')).id);
  });
});
