import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maintenanceTasks } from '../db/schema/maintenance.js';
import { outbox } from '../db/schema/outbox.js';
import { slaEvents } from '../db/schema/sla-events.js';
import { seededTestApp, type TestApp } from '../test/harness/api.js';
import type { TestDatabase } from '../test/harness/db.js';

let t: TestApp & { database: TestDatabase };

beforeAll(async () => {
  t = await seededTestApp();
});
afterAll(() => t?.close());

async function scrape(): Promise<string> {
  const res = await t.app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain/);
  return res.body;
}

describe('metrics for operators', () => {
  it('counts requests per route with their latency, leaving probes and scrapes out', async () => {
    const headers = await t.as('admin');
    for (let i = 0; i < 3; i++) expect((await t.app.inject({ method: 'GET', url: '/v1/properties', headers })).statusCode).toBe(200);
    await t.app.inject({ method: 'GET', url: '/healthz' });
    const body = await scrape();
    expect(body).toMatch(/^http_request_duration_seconds_count\{method="GET",route="\/v1\/properties",status_code="200"\} 3$/m);
    expect(body).not.toContain('route="/healthz"');
    expect(body).toContain('process_cpu_seconds_total');
  });

  it('reports escalations fired by process, clock and level, and notifications failing, from the database', async () => {
    const at = new Date();
    const escalation = { propertyId: 'harbour-view', clock: 'respond', run: 1, role: 'manager', deadline: at, dueAt: at, firedAt: at, recipients: 1 };
    await t.database.db.insert(slaEvents).values([
      { ...escalation, workflowId: 'work-order:WO-20261201-0001', level: 1 },
      { ...escalation, workflowId: 'work-order:WO-20261201-0002', level: 1 },
      { ...escalation, workflowId: 'work-order:WO-20261201-0002', level: 2 },
      // A warning is not an escalation.
      { ...escalation, workflowId: 'work-order:WO-20261201-0003', level: 0 },
      { ...escalation, workflowId: 'complaint:CP-20261201-0001', clock: 'handle', level: 1 },
    ]);
    await t.database.db.insert(outbox).values([
      { subject: 'work-order:WO-20261201-0002#9', dedupeKey: 'm-1', recipientKind: 'staff', channel: 'webhook', template: 'sla.escalation', status: 'failed', attempts: 3 },
      { subject: 'work-order:WO-20261201-0002#10', dedupeKey: 'm-2', recipientKind: 'staff', channel: 'webhook', template: 'sla.escalation', status: 'sent', attempts: 1 },
    ]);
    // A maintenance task still open past its overdue time, and one done late (no longer open).
    const hourAgo = new Date(at.getTime() - 3_600_000);
    const task = { planId: randomUUID(), planRevision: 1, propertyId: 'harbour-view', equipmentKind: 'elevator', templateCode: 'elevator-half-monthly', templateVersion: 1, nominalDue: hourAgo, opensAt: hourAgo, overdueAt: hourAgo, createdAt: hourAgo, updatedAt: at, seq: 1 };
    await t.database.db.insert(maintenanceTasks).values([
      { ...task, workflowId: `pm-task:${task.planId}:${hourAgo.toISOString()}`, status: 'assigned' },
      { ...task, workflowId: `pm-task:${task.planId}:${at.toISOString()}`, status: 'completed_late' },
    ]);
    const body = await scrape();
    expect(body).toContain('property_ops_open_processes_past_deadline{process="pm-task"} 1');
    expect(body).toContain('property_ops_sla_escalations_fired{process="work-order",clock="respond",level="1"} 2');
    expect(body).toContain('property_ops_sla_escalations_fired{process="work-order",clock="respond",level="2"} 1');
    expect(body).toContain('property_ops_sla_escalations_fired{process="complaint",clock="handle",level="1"} 1');
    expect(body).not.toContain('level="0"');
    expect(body).toContain('property_ops_outbox_messages_failing{channel="webhook"} 1');
    expect(body).toContain('property_ops_open_processes_past_deadline{process="work-order"} 0');
  });
});
