/**
 * What the outside world may know about a patrol round (巡查): one pass along a route's
 * checkpoints inside a window plus grace, as one workflow `patrol:<route>:<due>`. IDs,
 * input, updates, the query, the state with its report, and the projection.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Actor, Role } from '../domain/roles.js';
import type { EscalationStep, SlaClockView } from './sla/clocks.js';
import type { Assignee, StepOutcome, TimelineEntry } from './shared/steps.js';

export const roundStatuses = ['scheduled', 'in_progress', 'completed', 'completed_late', 'finished_early', 'incomplete', 'missed', 'skipped'] as const;
/**
 * Where a round stands. `completed`: every checkpoint checked within the window;
 * `completed_late`: the last one after the window (within or past the grace);
 * `finished_early`: ended by the guard, with a reason, before every checkpoint was checked;
 * `incomplete`: started, but checkpoints were still unchecked when its exceptions had run
 * their course; `missed`: nobody started it; `skipped`: its schedule was paused.
 */
export type RoundStatus = (typeof roundStatuses)[number];
export const finalRoundStatuses: readonly RoundStatus[] = ['completed', 'completed_late', 'finished_early', 'incomplete', 'missed', 'skipped'];

export const routeKinds = ['security', 'fire', 'cleaning', 'landscaping'] as const;
export type RouteKind = (typeof routeKinds)[number];

/** The registered name of the round workflow (`patrolRoundWorkflow` in workflows/patrol-round.ts). */
export const patrolRoundWorkflowType = 'patrolRoundWorkflow';

/** Workflow ID of a round: `patrol:<route ID>:<due, ISO 8601 UTC>`. */
export const roundWorkflowId = (routeId: string, dueMs: number): string => `patrol:${routeId}:${new Date(dueMs).toISOString()}`;

/** The route and due time of a round's workflow ID, or undefined if it is not one. */
export function parseRoundWorkflowId(id: string): { routeId: string; dueMs: number } | undefined {
  const m = /^patrol:([0-9a-f-]{36}):(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)$/.exec(id);
  if (!m) return undefined;
  const dueMs = Date.parse(m[2]!);
  return Number.isNaN(dueMs) || roundWorkflowId(m[1]!, dueMs) !== id ? undefined : { routeId: m[1]!, dueMs };
}

/** A checkpoint as a round carries it: never its tag code (the API checks scans against the register). */
export interface RoundCheckpoint {
  id: string;
  position: number;
  location: string;
  check: string;
}

/** Everything a round starts from, as its schedule (or a supervisor) hands it over. */
export interface PatrolRoundInput {
  routeId: string;
  routeName: string;
  routeKind: RouteKind;
  scheduleId: string | null;
  propertyId: string;
  /** The window opens at its due time and closes `windowMs` later; checkpoints are missed `graceMs` after that. */
  due: number;
  windowMs: number;
  graceMs: number;
  ordered: boolean;
  checkpoints: RoundCheckpoint[];
  /** How far a scan's device time may be from the server's before it is flagged. */
  skewToleranceMs: number;
  /** The chain a missed checkpoint climbs: the security captain (supervisor) at once, then the project manager. */
  escalation: EscalationStep[];
  /** Started after its due time had passed (the schedule was catching up after an outage). */
  late: boolean;
  /** Set when the occurrence is only to be recorded: skipped (the schedule was paused) or missed. */
  outcome?: { status: 'skipped' | 'missed'; reason: string };
  createdBy: Actor;
}

/** One scan of a checkpoint's tag, at the server's time; the device's own time when it was taken offline. */
export interface RoundScan {
  checkpointId: string;
  at: number;
  by: Actor;
  deviceTime?: number;
  /** Device time minus server time; flagged when beyond the tolerance. */
  skewMs?: number;
  skewFlagged: boolean;
  gps?: { lat: number; lng: number; accuracyM?: number };
  /** The checkpoint was scanned before in this round. */
  repeat: boolean;
}

/** What the guard saw at a checkpoint: ok, or an issue with its photo. */
export interface RoundObservation {
  checkpointId: string;
  at: number;
  by: Actor;
  result: 'ok' | 'issue';
  note?: string;
  photo?: string;
}

/** A checkpoint not checked by window + grace: an exception, escalated once per level. */
export interface RoundException {
  checkpointId: string;
  at: number;
  levels: { level: number; role: Role; firedAt: number; recipients: number }[];
}

/** The round report: checkpoints checked and missed, and the gaps between scans (short gaps expose padded rounds). */
export interface RoundReport {
  checkpoints: number;
  checked: number;
  missed: string[];
  scans: number;
  repeatScans: number;
  skewFlags: number;
  issues: number;
  minGapMs: number | null;
  maxGapMs: number | null;
  firstScanAt: number | null;
  lastScanAt: number | null;
}

export interface PatrolRoundState extends Omit<PatrolRoundInput, 'outcome'> {
  roundId: string;
  status: RoundStatus;
  guard?: Assignee;
  windowEnd: number;
  deadline: number;
  scans: RoundScan[];
  observations: RoundObservation[];
  exceptions: RoundException[];
  escalationLevel: number;
  startedAt?: number;
  finishedAt?: number;
  earlyReason?: string;
  outcomeReason?: string;
  report: RoundReport;
  deadlines: SlaClockView[];
  timeline: TimelineEntry[];
  seq: number;
  createdAt: number;
  closedAt?: number;
}

/** The round projection's fixed part. */
export interface PatrolRoundIdentity {
  routeId: string;
  scheduleId: string | null;
  routeKind: RouteKind;
  due: number;
  windowEnd: number;
  deadline: number;
  late: boolean;
  checkpoints: number;
  createdAt: number;
}

/** The round projection's changing part. */
export interface PatrolRoundLive {
  status: RoundStatus;
  guardId: string | null;
  guardName: string | null;
  checked: number;
  missed: number;
  exceptions: number;
  issues: number;
  skewFlags: number;
  scans: number;
  minGapMs: number | null;
  maxGapMs: number | null;
  escalationLevel: number;
  startedAt: number | null;
  finishedAt: number | null;
  earlyReason: string | null;
}

interface ActorArg {
  actor: Actor;
}
export type StartRoundArgs = ActorArg;
export type CheckInArgs = ActorArg & { checkpointId: string; deviceTime?: number; gps?: { lat: number; lng: number; accuracyM?: number } };
export type ObserveArgs = ActorArg & { checkpointId: string; result: 'ok' | 'issue'; note?: string; photo?: string };
export type FinishRoundArgs = ActorArg & { reason?: string };

/** The guard starts the round and becomes its guard. */
export const startRoundUpdate = defineUpdate<StepOutcome, [StartRoundArgs]>('start');
/** A scan at a checkpoint (its tag already checked by the API); the time is the server's. */
export const checkInUpdate = defineUpdate<StepOutcome, [CheckInArgs]>('checkIn');
/** What the guard saw at a checked checkpoint: ok, or an issue with a photo. */
export const observeUpdate = defineUpdate<StepOutcome, [ObserveArgs]>('observe');
/** End the round; before every checkpoint is checked only with a reason. */
export const finishRoundUpdate = defineUpdate<StepOutcome, [FinishRoundArgs]>('finish');
/** The round's live state and report. */
export const patrolRoundQuery = defineQuery<PatrolRoundState>('state');

/** Roles that supervise patrols: act for the guard. */
export const patrolSupervisorRoles: readonly Role[] = ['dispatcher', 'manager', 'director', 'admin'];
/** Roles that walk rounds. */
export const patrolRoles: readonly Role[] = ['security', 'cleaning', 'technician', ...patrolSupervisorRoles];

/** The report of a round from its scans and observations. */
export function roundReport(s: Pick<PatrolRoundState, 'checkpoints' | 'scans' | 'observations'>): RoundReport {
  const checkedIds = new Set(s.scans.map((x) => x.checkpointId));
  const times = s.scans.map((x) => x.at).sort((a, b) => a - b);
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  return {
    checkpoints: s.checkpoints.length,
    checked: checkedIds.size,
    missed: s.checkpoints.filter((c) => !checkedIds.has(c.id)).map((c) => c.id),
    scans: s.scans.length,
    repeatScans: s.scans.filter((x) => x.repeat).length,
    skewFlags: s.scans.filter((x) => x.skewFlagged).length,
    issues: s.observations.filter((o) => o.result === 'issue').length,
    minGapMs: gaps.length ? Math.min(...gaps) : null,
    maxGapMs: gaps.length ? Math.max(...gaps) : null,
    firstScanAt: times[0] ?? null,
    lastScanAt: times[times.length - 1] ?? null,
  };
}

/** A new round's state, before its first step. */
export function newRoundState(roundId: string, input: PatrolRoundInput, now: number): PatrolRoundState {
  const { outcome: _outcome, ...rest } = input;
  const windowEnd = input.due + input.windowMs;
  const base = { ...rest, scans: [], observations: [] };
  return { ...base, roundId, status: 'scheduled', windowEnd, deadline: windowEnd + input.graceMs, exceptions: [], escalationLevel: 0, report: roundReport(base), deadlines: [], timeline: [], seq: 0, createdAt: now };
}
