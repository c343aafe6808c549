import { readdirSync, readFileSync } from 'node:fs';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { describe, expect, it } from 'vitest';
import type { AuditTrailRow } from '../../db/audit-trail.js';
import { decodeFirst, historyShapeProblem, maskPhonesInHistoryJson, workflowIdOf, type History } from './history.js';
import { buildTimeline, compareWithAudit, type DecodedTimeline } from './timeline.js';

const fixture = (name: string) => JSON.parse(readFileSync(`test/fixtures/histories/${name}.json`, 'utf8')) as { events: Record<string, unknown>[] };
const load = (json: unknown): History => historyFromJSON(json);

/** Audit rows exactly as recordStep would have written them for the history's steps. */
const rowsFor = (timeline: DecodedTimeline): AuditTrailRow[] =>
  timeline.recorded.map((s, i) => ({
    id: 100 + i,
    seq: s.seq,
    occurredAt: new Date(s.at),
    recordedAt: new Date(s.at),
    action: s.action,
    actorId: s.actor.id,
    actorRole: s.actor.role,
    fromStatus: s.from ?? null,
    toStatus: s.to ?? null,
    reason: s.reason ?? null,
    chainPosition: i + 1,
  }));

describe('the timeline of a repair order rectified twice', () => {
  const timeline = buildTimeline(load(fixture('work-order/rectified-twice')));

  it('lists both rectifications with their reasons and the escalation to the project manager that followed', () => {
    const steps = timeline.steps.filter((s) => s.kind === 'step');
    const rectify = steps.filter((s) => s.action === 'rectify');
    expect(rectify).toHaveLength(2);
    expect(rectify.every((s) => s.reason && s.from === 'completed' && s.actor?.role === 'front_desk')).toBe(true);
    const escalated = steps.find((s) => s.action === 'rectification.escalated')!;
    expect(escalated.escalation).toMatchObject({ clock: 'rectification', level: 1, role: 'manager' });
    expect(escalated.escalation!.recipients).toBeGreaterThan(0);
    expect(escalated.summary).toMatch(/notified$/);
  });

  it('names everyone who acted, the system included, once each', () => {
    const ids = timeline.actors.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(timeline.actors.map((a) => a.role)).toEqual(expect.arrayContaining(['admin', 'front_desk', 'technician']));
    expect(timeline.actors.find((a) => a.id === 'system')).toMatchObject({ name: 'Property Ops' });
  });

  it('agrees with audit rows written for the same steps', () => {
    expect(compareWithAudit(timeline, rowsFor(timeline))).toEqual([]);
  });
});

describe('the timeline of another kind of process', () => {
  const complaints = readdirSync('test/fixtures/histories/complaint')
    .filter((f) => f.endsWith('.json'))
    .map((f) => buildTimeline(load(fixture(`complaint/${f.replace(/\.json$/, '')}`))));

  it('reads every committed complaint history with the same decoding: each step with its actor, and the repair orders it started', () => {
    expect(complaints.length).toBeGreaterThan(0);
    for (const timeline of complaints) {
      expect(timeline.workflowType).toBe('complaintWorkflow');
      expect(timeline.recorded.length).toBeGreaterThan(0);
      expect(timeline.steps.filter((s) => s.kind === 'step').every((s) => s.actor && timeline.actors.some((a) => a.id === s.actor!.id))).toBe(true);
      expect(compareWithAudit(timeline, rowsFor(timeline))).toEqual([]);
    }
    const children = complaints.flatMap((t) => t.steps.filter((s) => s.kind === 'child-workflow'));
    expect(children.length).toBeGreaterThan(0);
    expect(children[0]).toMatchObject({ action: 'workOrderWorkflow', detail: { workflowId: expect.stringMatching(/^work-order:/) } });
  });
});

describe('comparing a history with the audit log', () => {
  const timeline = buildTimeline(load(fixture('work-order/on-time-closure')));

  it('names a changed field with both values and the audit row it is in', () => {
    const rows = rowsFor(timeline).map((r) => (r.seq === 2 ? { ...r, toStatus: 'accepted' } : r));
    expect(compareWithAudit(timeline, rows)).toEqual([
      expect.objectContaining({ kind: 'differs', seq: 2, field: 'to', history: 'dispatched', auditLog: 'accepted', auditRowId: 101 }),
    ]);
  });

  it('expects no audit row for a step whose recording had not completed when the history was taken', () => {
    const json = fixture('work-order/on-time-closure');
    const scheduled = json.events.findIndex((e) => e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED');
    const completed = json.events.findIndex((e, i) => i > scheduled && e.eventType === 'EVENT_TYPE_ACTIVITY_TASK_COMPLETED');
    const early = buildTimeline(load({ events: json.events.slice(0, completed) }));
    expect(early.recorded).toEqual([expect.objectContaining({ seq: 1, completed: false })]);
    expect(compareWithAudit(early, [])).toEqual([]);
    expect(compareWithAudit(timeline, rowsFor(timeline).filter((r) => r.seq !== 1))).toEqual([
      expect.objectContaining({ kind: 'missing-from-audit-log', seq: 1 }),
    ]);
  });

  it('leaves the steps of earlier runs alone when the run continued another one', () => {
    const rows = rowsFor(timeline);
    const earlier = { ...rows[0]!, id: 1, seq: 0 };
    expect(compareWithAudit(timeline, [earlier, ...rows])).toEqual([expect.objectContaining({ kind: 'missing-from-history', seq: 0 })]);
    expect(compareWithAudit({ ...timeline, continuedFromRunId: 'earlier-run' }, [earlier, ...rows])).toEqual([]);
  });
});

/** The timer a TimerFired or TimerCanceled event refers to. */
const timerOf = (e: Record<string, unknown>): unknown => {
  const attrs = (e.timerFiredEventAttributes ?? e.timerCanceledEventAttributes) as { startedEventId?: unknown } | undefined;
  return attrs?.startedEventId;
};

describe('checking a history before it is replayed', () => {
  it('finds nothing wrong with a committed history and reads the workflow ID it belongs to', () => {
    const history = load(fixture('work-order/hold-and-resume'));
    expect(historyShapeProblem(history)).toBeUndefined();
    expect(workflowIdOf(history)).toMatch(/^work-order:WO-/);
  });

  it('names a removed event and what the rest of the history says it was', () => {
    const json = fixture('work-order/hold-and-resume');
    const index = json.events.findIndex((e) => e.eventType === 'EVENT_TYPE_TIMER_STARTED' && json.events.some((later) => timerOf(later) === e.eventId));
    const [removed] = json.events.splice(index, 1);
    const problem = historyShapeProblem(load(json));
    expect(problem).toMatchObject({ eventId: Number(removed!.eventId) });
    expect(problem!.expected).toMatch(/TimerStarted \(event \d+ Timer(Fired|Canceled) refers to it\)/);
  });

  it('names the event after a workflow task that never completed', () => {
    const json = fixture('work-order/cancelled');
    json.events.splice(3, 1);
    json.events.forEach((e, i) => (e.eventId = String(i + 1)));
    expect(historyShapeProblem(load(json))).toMatchObject({ eventId: 4, eventType: 'UpsertWorkflowSearchAttributes', expected: expect.stringMatching(/^WorkflowTaskCompleted/) });
  });
});

describe('masking phone numbers in an exported history', () => {
  it('masks the reporter phone that runs started before contacts moved to PostgreSQL carry in their input, and leaves everything else as it was', () => {
    // Committed fixtures hold no phone number: put one back where those older runs had it.
    const json = fixture('work-order/v1-on-time-closure');
    const started = json.events[0] as { workflowExecutionStartedEventAttributes: { input: { payloads: { data: string }[] } } };
    const payload = started.workflowExecutionStartedEventAttributes.input.payloads[0]!;
    payload.data = Buffer.from(Buffer.from(payload.data, 'base64').toString('utf8').replace('138****0101', '13800000101')).toString('base64');
    const masked = maskPhonesInHistoryJson(json) as typeof json;
    const input = (j: typeof json) => decodeFirst(load(j).events![0]!.workflowExecutionStartedEventAttributes!.input) as { reporter: { name: string; phone: string } };
    expect(input(json).reporter.phone).toBe('13800000101');
    expect(input(masked).reporter).toEqual({ name: input(json).reporter.name, phone: '138****0101' });
    expect(masked.events.map((e) => e.eventType)).toEqual(json.events.map((e) => e.eventType));
    expect(JSON.stringify(masked.events.slice(1, 4))).toBe(JSON.stringify(json.events.slice(1, 4)));
  });
});
