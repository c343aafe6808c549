/**
 * When a maintenance plan's occurrences fall due: pure, deterministic and free of I/O, so
 * the plan workflow computes its timers with it and the API its calendar.
 *
 * A plan's series is anchored: the n-th occurrence (n = 0, 1, 2…) is `anchor + n × interval`,
 * never "the previous one + interval", so nothing drifts. Seconds, minutes and hours are
 * exact lengths of time. Days, weeks and months are calendar steps in the property's time
 * zone: an occurrence keeps the anchor's wall-clock time across a daylight-saving change, and
 * a month step past the end of a shorter month lands on its last day (Jan 31 → Feb 28 or 29
 * → Mar 31: the third is anchor + 2 months, not Feb 28 + 1 month).
 *
 * Time-zone arithmetic is luxon's (pure JavaScript over the runtime's `Intl` data; it never
 * reads the clock unless asked for "now", which this module never does), as in time-zones.ts,
 * whose local midnights bound the calendar's years and months.
 */
import { DateTime } from 'luxon';
import { parseIsoDuration } from './durations.js';
import { instantAt } from './time-zones.js';
import type { CatchUpPolicy, IntervalUnit, PlanMode } from './maintenance.js';

/** What the schedule needs to know of a plan. */
export interface Schedule {
  mode: PlanMode;
  /** How many units between occurrences: an integer ≥ 1. */
  every: number;
  unit: IntervalUnit;
  /**
   * The first nominal due time. A floating plan is re-anchored at each completion: its
   * anchor becomes `nextDue(schedule, completedAt)`.
   */
  anchorMs: number;
  /** IANA time zone of the property, for calendar units. */
  timeZone: string;
}

/** When a task opens before its due time and becomes overdue after it (ISO 8601 durations). */
export interface TaskWindowDurations {
  opensBefore: string;
  overdueAfter: string;
}

/** A time during which a plan was paused: occurrences due in [fromMs, toMs) are skipped. */
export interface PauseWindow {
  fromMs: number;
  /** null while the plan is still paused. */
  toMs: number | null;
  reason: string;
}

const exactUnitMs: Partial<Record<IntervalUnit, number>> = { seconds: 1_000, minutes: 60_000, hours: 3_600_000 };

/** The longest a calendar step of one unit can last (a day is 25 h across a DST change, a month 31 days). */
const longestUnitMs: Record<IntervalUnit, number> = {
  seconds: 1_000,
  minutes: 60_000,
  hours: 3_600_000,
  days: 25 * 3_600_000,
  weeks: 7 * 24 * 3_600_000 + 3_600_000,
  months: 31 * 24 * 3_600_000 + 3_600_000,
};

/** The shortest a step of one unit can last. */
const shortestUnitMs: Record<IntervalUnit, number> = {
  ...longestUnitMs,
  days: 23 * 3_600_000,
  weeks: 7 * 24 * 3_600_000 - 3_600_000,
  months: 28 * 24 * 3_600_000 - 3_600_000,
};

/** The longest window a task may have on either side of its due time: a year. */
export const maxWindowMs = 365 * 24 * 3_600_000;

/** Default cap on the occurrences one call returns, so a seconds plan over a year cannot exhaust memory. */
export const defaultOccurrenceLimit = 1_000;

function check(s: Schedule): void {
  if (!Number.isSafeInteger(s.every) || s.every < 1) throw new RangeError(`interval must be a whole number ≥ 1, got ${s.every}`);
  if (!Number.isFinite(s.anchorMs)) throw new RangeError('anchor must be an instant');
  if (!exactUnitMs[s.unit] && !DateTime.fromMillis(0, { zone: s.timeZone }).isValid) throw new RangeError(`unknown time zone ${s.timeZone}`);
}

/** `fromMs` plus `n` intervals of the schedule (calendar steps in its zone for days, weeks and months). */
export function addIntervals(s: Schedule, fromMs: number, n: number): number {
  const exact = exactUnitMs[s.unit];
  if (exact) return fromMs + n * s.every * exact;
  return DateTime.fromMillis(fromMs, { zone: s.timeZone })
    .plus({ [s.unit]: n * s.every })
    .toMillis();
}

/** The n-th nominal due time of the series (n = 0 is the anchor). */
export function occurrenceAt(s: Schedule, n: number): number {
  return addIntervals(s, s.anchorMs, n);
}

/** The index of the first occurrence due strictly after `afterMs`. */
function firstIndexAfter(s: Schedule, afterMs: number): number {
  if (afterMs < s.anchorMs) return 0;
  // Every step lasts at most longestUnitMs, so occurrence n0 is never after `afterMs`: start
  // there and walk forward (a few steps at most: the shortest step is ≥ 90 % of the longest).
  let n = Math.floor((afterMs - s.anchorMs) / (longestUnitMs[s.unit] * s.every));
  while (occurrenceAt(s, n) <= afterMs) n += 1;
  return n;
}

/**
 * Nominal due times of the series in (fromMs, toMs]: `fromMs` excluded, `toMs` included, in
 * order, at most `limit` of them (ask for one more than you show to learn whether more exist).
 * For a floating plan this is a forecast: the series as it would run if every task were
 * completed exactly when due.
 */
export function occurrences(s: Schedule, fromMs: number, toMs: number, limit = defaultOccurrenceLimit): number[] {
  check(s);
  const out: number[] = [];
  for (let n = firstIndexAfter(s, fromMs); out.length < limit; n += 1) {
    const at = occurrenceAt(s, n);
    if (at > toMs) break;
    out.push(at);
  }
  return out;
}

/**
 * When the plan is next due. A floating plan: one interval after the last completion (its
 * anchor before any completion). A fixed plan ignores completions: its first nominal
 * occurrence strictly after `afterMs`.
 */
export function nextDue(s: Schedule, lastCompletedAtMs: number | null, afterMs: number): number {
  check(s);
  if (s.mode === 'floating') return lastCompletedAtMs === null ? s.anchorMs : addIntervals(s, lastCompletedAtMs, 1);
  return occurrenceAt(s, firstIndexAfter(s, afterMs));
}

/**
 * How far past its due time an occurrence may be started and still count as on time: the
 * timer's own lag. A minute, or half the shortest interval for plans shorter than two minutes.
 */
export function lateToleranceMs(s: Schedule): number {
  return Math.min(60_000, Math.floor((shortestUnitMs[s.unit] * s.every) / 2));
}

/**
 * How long before it opens an occurrence's task is started (listed as scheduled): `leadMs`,
 * or half the shortest interval for plans whose interval is shorter than twice that, so a
 * plan every few seconds keeps only its next task ahead.
 */
export function taskLeadMs(s: Schedule, leadMs: number): number {
  return Math.max(0, Math.min(leadMs, Math.floor((shortestUnitMs[s.unit] * s.every) / 2)));
}

/** An occurrence to start now, and whether it starts late (it came due while nobody was processing the plan). */
export interface DueOccurrence {
  nominalDueMs: number;
  late: boolean;
}

/** An occurrence that a pause covered: recorded as skipped, with the pause's reason. */
export interface SkippedOccurrence {
  nominalDueMs: number;
  reason: string;
}

/** What a plan must do with the occurrences that came due since it last looked. */
export type CatchUp =
  | {
      policy: 'all';
      /** Start these, on time. */
      due: number[];
      /** Start these too, flagged late. */
      late: number[];
      skipped: SkippedOccurrence[];
      /** Where the plan has now looked up to: `nowMs`, or the last occurrence returned when there were more than `limit`. */
      processedUntilMs: number;
    }
  | {
      policy: 'latest_only';
      /** The latest occurrence not skipped, to start (late or not); null when there is none. */
      start: DueOccurrence | null;
      /** Every other occurrence not skipped: record each as missed. */
      missed: number[];
      skipped: SkippedOccurrence[];
      processedUntilMs: number;
    };

export interface CatchUpInput {
  /** The point up to which occurrences were already processed (excluded). */
  afterMs: number;
  /** Now (included). */
  nowMs: number;
  policy: CatchUpPolicy;
  pauses?: readonly PauseWindow[];
  /** Defaults to lateToleranceMs(s). */
  toleranceMs?: number;
  /** At most this many occurrences per call; defaults to defaultOccurrenceLimit. */
  limit?: number;
}

/** The pause covering `atMs`, if any. */
export function pauseAt(pauses: readonly PauseWindow[], atMs: number): PauseWindow | undefined {
  return pauses.find((p) => p.fromMs <= atMs && (p.toMs === null || atMs < p.toMs));
}

/**
 * Sort the occurrences due in (afterMs, nowMs] into what to start, what starts late, what
 * was missed and what was skipped. An occurrence is late when more than the tolerance has
 * passed since its due time. Under `latest_only` only the latest unskipped occurrence is
 * started and the rest are missed, never left out. A floating plan has at most one
 * occurrence pending (its next due, which is its anchor). When more than `limit` came due,
 * the first `limit` are sorted and `processedUntilMs` says where to continue; under
 * `latest_only` all of them are then missed, since a later one exists.
 */
export function classifyOccurrences(s: Schedule, input: CatchUpInput): CatchUp {
  check(s);
  const limit = input.limit ?? defaultOccurrenceLimit;
  const tolerance = input.toleranceMs ?? lateToleranceMs(s);
  const pauses = input.pauses ?? [];
  let candidates: number[];
  if (s.mode === 'floating') candidates = s.anchorMs > input.afterMs && s.anchorMs <= input.nowMs ? [s.anchorMs] : [];
  else candidates = occurrences(s, input.afterMs, input.nowMs, limit + 1);
  const truncated = candidates.length > limit;
  if (truncated) candidates = candidates.slice(0, limit);
  const processedUntilMs = truncated ? candidates[candidates.length - 1]! : input.nowMs;

  const skipped: SkippedOccurrence[] = [];
  const live: number[] = [];
  for (const at of candidates) {
    const pause = pauseAt(pauses, at);
    if (pause) skipped.push({ nominalDueMs: at, reason: pause.reason });
    else live.push(at);
  }
  const isLate = (at: number) => input.nowMs - at > tolerance;

  if (input.policy === 'all') {
    return { policy: 'all', due: live.filter((at) => !isLate(at)), late: live.filter(isLate), skipped, processedUntilMs };
  }
  if (truncated) return { policy: 'latest_only', start: null, missed: live, skipped, processedUntilMs };
  const latest = live[live.length - 1];
  return {
    policy: 'latest_only',
    start: latest === undefined ? null : { nominalDueMs: latest, late: isLate(latest) },
    missed: live.slice(0, -1),
    skipped,
    processedUntilMs,
  };
}

/** When the task of an occurrence opens and when it becomes overdue. */
export function taskWindow(nominalDueMs: number, w: TaskWindowDurations): { opensAtMs: number; overdueAtMs: number } {
  return { opensAtMs: nominalDueMs - parseIsoDuration(w.opensBefore), overdueAtMs: nominalDueMs + parseIsoDuration(w.overdueAfter) };
}

/** Workflow ID of a plan: `pm-plan:<planId>`. */
export function planWorkflowId(planId: string): string {
  return `pm-plan:${planId}`;
}

/** Workflow ID of one occurrence's task: `pm-task:<planId>:<nominal due, ISO 8601 UTC>`; starting it twice is harmless. */
export function taskWorkflowId(planId: string, nominalDueMs: number): string {
  return `pm-task:${planId}:${new Date(nominalDueMs).toISOString()}`;
}

/** The plan and nominal due time a task workflow ID names, or undefined if it is not one. */
export function parseTaskWorkflowId(workflowId: string): { planId: string; nominalDueMs: number } | undefined {
  const rest = workflowId.startsWith('pm-task:') ? workflowId.slice('pm-task:'.length) : undefined;
  const cut = rest?.indexOf(':') ?? -1;
  if (rest === undefined || cut <= 0) return undefined;
  const nominalDueMs = Date.parse(rest.slice(cut + 1));
  return Number.isNaN(nominalDueMs) ? undefined : { planId: rest.slice(0, cut), nominalDueMs };
}

/** A period [startMs, endMs) as the (fromMs, toMs] that `occurrences` takes. */
function period(start: Date, end: Date): { fromMs: number; toMs: number; startMs: number; endMs: number } {
  return { fromMs: start.getTime() - 1, toMs: end.getTime() - 1, startMs: start.getTime(), endMs: end.getTime() };
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** A calendar year in a time zone: from its first instant (included) to the next year's (excluded). */
export function yearBounds(year: number, timeZone: string) {
  return period(instantAt(`${pad(year, 4)}-01-01`, timeZone), instantAt(`${pad(year + 1, 4)}-01-01`, timeZone));
}

/** A calendar month (`YYYY-MM`) in a time zone: from its first instant (included) to the next month's (excluded). */
export function monthBounds(month: string, timeZone: string) {
  const [y = Number.NaN, m = Number.NaN] = month.split('-').map(Number);
  const next = m === 12 ? `${pad(y + 1, 4)}-01` : `${pad(y, 4)}-${pad(m + 1, 2)}`;
  return period(instantAt(`${month}-01`, timeZone), instantAt(`${next}-01`, timeZone));
}
