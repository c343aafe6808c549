/**
 * Reading a Temporal event history without I/O, for any process: event names and times,
 * decoded payloads, the workflow ID it recorded, a structural check that finds a removed
 * or misplaced event before the replayer sees it, and phone masking for read-only roles.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import protos from '@temporalio/proto';
import { maskPhone } from '../common.js';

/** A history as `fetchHistory()` returns it and `historyFromJSON` loads it. */
export type History = protos.temporal.api.history.v1.IHistory;
/** One event of a history. */
export type HistoryEvent = protos.temporal.api.history.v1.IHistoryEvent;
type Payload = protos.temporal.api.common.v1.IPayload;

const EventType = protos.temporal.api.enums.v1.EventType;

/** A protobuf int64 (a Long object, a number or a numeric string) as a number. */
export function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  if (value && typeof (value as { toNumber?: unknown }).toNumber === 'function') return (value as { toNumber(): number }).toNumber();
  return 0;
}

/** The event's number within its history (1, 2, …). */
export const eventIdOf = (event: HistoryEvent): number => toNumber(event.eventId);

/** The event's type in the short form people read: `ActivityTaskScheduled`. */
export function eventTypeName(event: HistoryEvent): string {
  const raw = EventType[event.eventType ?? 0] ?? 'EVENT_TYPE_UNSPECIFIED';
  return raw
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_m, _sep, c: string) => c.toUpperCase());
}

/** When the event happened, in epoch milliseconds. */
export function eventTimeOf(event: HistoryEvent): number {
  const t = event.eventTime;
  if (!t) return 0;
  return toNumber(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1_000_000);
}

/** A protobuf Duration (`{ seconds, nanos }`) in milliseconds. */
export function durationMs(d: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (!d) return 0;
  return toNumber(d.seconds) * 1000 + Math.floor((d.nanos ?? 0) / 1_000_000);
}

/** The one `…EventAttributes` object an event carries, whatever its type. */
export function attributesOf(event: HistoryEvent): Record<string, unknown> {
  for (const [key, value] of Object.entries(event)) {
    if (key.endsWith('EventAttributes') && value && typeof value === 'object') return value as Record<string, unknown>;
  }
  return {};
}

/** Decode a payload with the default data converter; undefined if it is not in a format it knows (binary, encrypted). */
export function decodePayload(payload: Payload | null | undefined): unknown {
  if (!payload) return undefined;
  try {
    return defaultPayloadConverter.fromPayload(payload);
  } catch {
    return undefined;
  }
}

/** The first value of a Payloads list (workflow input, update and activity arguments), decoded. */
export const decodeFirst = (payloads: { payloads?: Payload[] | null } | null | undefined): unknown => decodePayload(payloads?.payloads?.[0]);

/** `value` if it is a plain object. */
export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** An actor as processes record it: `{ id, role, name? }`. */
export interface RecordedActor {
  id: string;
  role: string;
  name?: string;
}

/** `value` if it has the shape of an actor. */
export function asActor(value: unknown): RecordedActor | undefined {
  const r = asRecord(value);
  if (!r || typeof r.id !== 'string' || typeof r.role !== 'string') return undefined;
  return { id: r.id, role: r.role, ...(typeof r.name === 'string' ? { name: r.name } : {}) };
}

const T = EventType;
const activityTypeOf = (event: HistoryEvent): string | undefined => event.activityTaskScheduledEventAttributes?.activityType?.name ?? undefined;

/** The workflow type the history belongs to, from its first event. */
export function workflowTypeOf(history: History): string | undefined {
  return history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? undefined;
}

/**
 * The workflow ID a history belongs to. Histories do not carry it, but every process step
 * hands it to the recording activity, so the first activity input with a `workflowId` says.
 */
export function workflowIdOf(history: History): string | undefined {
  for (const event of history.events ?? []) {
    if (event.eventType !== T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) continue;
    const id = asRecord(decodeFirst(event.activityTaskScheduledEventAttributes?.input))?.workflowId;
    if (typeof id === 'string') return id;
  }
  return undefined;
}

/** A short description of one event for reports: `ActivityTaskScheduled: activity recordStep (step 3: accept)`. */
export function describeEvent(event: HistoryEvent | undefined): string {
  if (!event) return 'no event';
  const type = eventTypeName(event);
  switch (event.eventType) {
    case T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: {
      const input = asRecord(decodeFirst(event.activityTaskScheduledEventAttributes?.input));
      const step = input && typeof input.seq === 'number' && typeof input.action === 'string' ? ` (step ${input.seq}: ${input.action})` : '';
      return `${type}: activity ${activityTypeOf(event) ?? '?'}${step}`;
    }
    case T.EVENT_TYPE_TIMER_STARTED: {
      const a = event.timerStartedEventAttributes;
      return `${type}: timer ${a?.timerId ?? '?'} for ${Math.round(durationMs(a?.startToFireTimeout) / 1000)} s`;
    }
    case T.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
      const keys = Object.keys(event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {}).sort();
      return `${type}: ${keys.join(', ')}`;
    }
    case T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
      return `${type}: update ${event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name ?? '?'}`;
    case T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
      return `${type}: signal ${event.workflowExecutionSignaledEventAttributes?.signalName ?? '?'}`;
    case T.EVENT_TYPE_MARKER_RECORDED:
      return `${type}: marker ${event.markerRecordedEventAttributes?.markerName ?? '?'}`;
    case T.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED: {
      const a = event.startChildWorkflowExecutionInitiatedEventAttributes;
      return `${type}: child ${a?.workflowType?.name ?? '?'} ${a?.workflowId ?? ''}`.trimEnd();
    }
    default:
      return type;
  }
}

/** Events that a workflow task's commands (or accepted messages) write, as opposed to what the server reports back. */
export function isCommandEvent(event: HistoryEvent): boolean {
  return commandEventTypes.has(event.eventType ?? 0);
}
const commandEventTypes = new Set<number>([
  T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
  T.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED,
  T.EVENT_TYPE_TIMER_STARTED,
  T.EVENT_TYPE_TIMER_CANCELED,
  T.EVENT_TYPE_MARKER_RECORDED,
  T.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
  T.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED,
  T.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
  T.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
  T.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED,
  T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
  T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED,
  T.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  T.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  T.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  T.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
  T.EVENT_TYPE_NEXUS_OPERATION_SCHEDULED,
]);

/** Where a history's structure is broken, in the terms of a replay divergence. */
export interface ShapeProblem {
  eventId: number;
  /** The type of the event found at that place, if there is one. */
  eventType: string | null;
  expected: string;
  got: string;
}

/** What kind of event another event's `…EventId` field points at. */
function referredType(referrer: string, field: string): string | undefined {
  const family = ['ActivityTask', 'WorkflowTask', 'Timer', 'ChildWorkflowExecution'].find((f) => referrer.startsWith(f));
  switch (field) {
    case 'workflowTaskCompletedEventId':
      return 'WorkflowTaskCompleted';
    case 'scheduledEventId':
      return family === 'ActivityTask' || family === 'WorkflowTask' ? `${family}Scheduled` : undefined;
    case 'startedEventId':
      return family ? `${family}Started` : undefined;
    case 'acceptedEventId':
      return 'WorkflowExecutionUpdateAccepted';
    case 'latestCancelRequestedEventId':
      return 'ActivityTaskCancelRequested';
    case 'initiatedEventId':
      if (referrer.includes('ChildWorkflowExecution')) return 'StartChildWorkflowExecutionInitiated';
      if (referrer.includes('Signal')) return 'SignalExternalWorkflowExecutionInitiated';
      if (referrer.includes('Cancel')) return 'RequestCancelExternalWorkflowExecutionInitiated';
      return undefined;
    default:
      return undefined;
  }
}

/** What the rest of the history says a missing event was: from the events that refer to it, or the event before it. */
function inferMissing(events: HistoryEvent[], id: number): string | undefined {
  const before = events[id - 2];
  if (before?.eventType === T.EVENT_TYPE_WORKFLOW_TASK_STARTED) return 'WorkflowTaskCompleted (a started workflow task completes next)';
  if (before?.eventType === T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) return 'WorkflowTaskStarted (a scheduled workflow task starts next)';
  for (const event of events) {
    for (const [field, value] of Object.entries(attributesOf(event))) {
      if (!field.endsWith('EventId') || toNumber(value) !== id) continue;
      const referrer = eventTypeName(event);
      const kind = referredType(referrer, field);
      if (kind) return `${kind} (event ${eventIdOf(event)} ${referrer} refers to it)`;
    }
  }
  return undefined;
}

// References whose target is certain on every server. Not checked: `workflowTaskCompletedEventId`
// (the test server points it elsewhere) and an activity's `startedEventId` (servers write the
// ActivityTaskStarted event late, when the activity ends, so it may come after its referrer).
const checkedReferences: [RegExp, string][] = [
  [/^WorkflowTask/, 'scheduledEventId'],
  [/^WorkflowTask/, 'startedEventId'],
  [/^ActivityTask/, 'scheduledEventId'],
  [/^Timer/, 'startedEventId'],
  [/ChildWorkflowExecution/, 'initiatedEventId'],
  [/^WorkflowExecutionUpdateCompleted$/, 'acceptedEventId'],
];
const isCheckedReference = (referrer: string, field: string) => checkedReferences.some(([re, f]) => f === field && re.test(referrer));

const workflowTaskEnds = new Set<number>([
  T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
  T.EVENT_TYPE_WORKFLOW_TASK_FAILED,
  T.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
  T.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
  T.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
]);

/**
 * The first structural fault of a history: it must start with WorkflowExecutionStarted, number
 * its events 1, 2, 3… with none missing, close every started workflow task before anything
 * else happens, and each event that belongs to an earlier one (an activity's start to its
 * scheduling, a timer's firing to its start) must name an earlier event of the right kind.
 * An event removed by hand shows up here, named, before the replayer sees it (a history with
 * these faults makes the SDK's replayer fail without saying where, or abort).
 */
export function historyShapeProblem(history: History): ShapeProblem | undefined {
  const events = history.events ?? [];
  if (events.length === 0) return { eventId: 1, eventType: null, expected: 'WorkflowExecutionStarted', got: 'a history with no events' };
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    const id = eventIdOf(event);
    const want = i + 1;
    if (id > want) {
      const missing = id - want === 1 ? `event ${want} is missing` : `events ${want}–${id - 1} are missing`;
      const was = inferMissing(events, want);
      return {
        eventId: want,
        eventType: null,
        expected: `event ${want}${was ? `: ${was}` : ''}`,
        got: `event ${id} (${eventTypeName(event)}) directly after event ${want - 1}: ${missing} from this history`,
      };
    }
    if (id < want) {
      return { eventId: want, eventType: eventTypeName(event), expected: `event ${want}`, got: `event ${id} (${eventTypeName(event)}) again, out of order` };
    }
  }
  if (events[0]!.eventType !== T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED) {
    return { eventId: 1, eventType: eventTypeName(events[0]!), expected: 'WorkflowExecutionStarted', got: eventTypeName(events[0]!) };
  }
  for (let i = 1; i < events.length; i++) {
    const event = events[i]!;
    const id = i + 1;
    const before = events[i - 1]!;
    if (before.eventType === T.EVENT_TYPE_WORKFLOW_TASK_STARTED && !workflowTaskEnds.has(event.eventType ?? 0)) {
      return {
        eventId: id,
        eventType: eventTypeName(event),
        expected: `WorkflowTaskCompleted (the workflow task started at event ${id - 1} must complete, fail or time out next)`,
        got: eventTypeName(event),
      };
    }
    const type = eventTypeName(event);
    for (const [field, value] of Object.entries(attributesOf(event))) {
      if (!isCheckedReference(type, field)) continue;
      const kind = referredType(type, field);
      const ref = toNumber(value);
      if (!kind || ref === 0) continue;
      const target = events[ref - 1];
      if (ref < id && target && eventTypeName(target) === kind) continue;
      return {
        eventId: id,
        eventType: type,
        expected: `${type} whose ${field} names the earlier ${kind} it belongs to`,
        got: `its ${field} is ${ref}${target ? `, a ${eventTypeName(target)}` : ', which does not exist'}: events before it were removed or renumbered`,
      };
    }
  }
  return undefined;
}

/** Indexes just past each WorkflowTaskStarted event: the ends of the prefixes a replay can stop at. */
export function workflowTaskPrefixEnds(history: History): number[] {
  const ends: number[] = [];
  (history.events ?? []).forEach((e, i) => {
    if (e.eventType === T.EVENT_TYPE_WORKFLOW_TASK_STARTED) ends.push(i + 1);
  });
  return ends;
}

const jsonPlain = Buffer.from('json/plain').toString('base64');

/** `value` with every string under a `…phone…` key masked (138****5678), and whether anything changed. */
export function maskPhonesIn(value: unknown): { value: unknown; changed: boolean } {
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const r = maskPhonesIn(v);
      changed ||= r.changed;
      return r.value;
    });
    return { value: out, changed };
  }
  const record = asRecord(value);
  if (!record) return { value, changed: false };
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(record)) {
    if (/phone/i.test(key) && typeof v === 'string') {
      out[key] = maskPhone(v);
      changed ||= out[key] !== v;
    } else {
      const r = maskPhonesIn(v);
      out[key] = r.value;
      changed ||= r.changed;
    }
  }
  return { value: out, changed };
}

/**
 * Mask phone numbers (any `…phone…` field) inside the JSON payloads of a history in
 * `temporal workflow show --output json` form, the way the API masks them for read-only
 * roles everywhere else. Only payload data changes: the events, their order and their
 * types stay as they are, so the masked history still replays.
 */
export function maskPhonesInHistoryJson(json: unknown): unknown {
  if (Array.isArray(json)) return json.map(maskPhonesInHistoryJson);
  const record = asRecord(json);
  if (!record) return json;
  const metadata = asRecord(record.metadata);
  if (metadata && metadata.encoding === jsonPlain && typeof record.data === 'string') {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(record.data, 'base64').toString('utf8'));
    } catch {
      return record;
    }
    const masked = maskPhonesIn(decoded);
    return masked.changed ? { ...record, data: Buffer.from(JSON.stringify(masked.value)).toString('base64') } : record;
  }
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, maskPhonesInHistoryJson(v)]));
}
