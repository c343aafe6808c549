/**
 * SLA clocks as data, one timer at a time (shared/DESIGN.md).
 *
 * A process keeps every clock it runs ("respond", "arrive", "resolve", ...) in one plain
 * `SlaClocks` object inside its workflow state. Nothing in this module sleeps or reads the
 * time: every function is given `now` (epoch ms) and only computes or edits plain records,
 * so the same code serves every process, replays deterministically, rides through
 * continue-as-new and can be returned unchanged from a query.
 *
 * The workflow runs a single loop (`runSlaLoop` in workflows/shared/process.ts), so its
 * history holds one timer at a time:
 *
 *   while (!done()) {
 *     for (let event = dueEvents(clocks, now())[0]; event; event = dueEvents(clocks, now())[0]) {
 *       await fire(event); // fireSlaEvent: markFired, then record the warning or escalation as a step
 *     }
 *     const seen = changes();
 *     const next = nextWakeUp(clocks);
 *     await condition(() => changes() !== seen, next === undefined ? undefined : Math.max(1, next - now()));
 *   }
 *
 * It wakes at `nextWakeUp` or on a state change (an update that stops, restarts, pauses
 * or resumes clocks), and fires each due warning or escalation once: `fireSlaEvent` marks
 * it fired, then records it as a step whose SLA event row is unique on (workflow, clock,
 * run, level), a warning being level 0. That makes a retried activity or a replayed
 * workflow harmless; the run number tells a restarted clock (a rectification restarts
 * "respond") from the run before it, so it escalates again.
 *
 * Commands (`startClock`, `stopClock`, `pauseAll`, `resumeAll`, `markFired`) edit the given
 * object in place; reads (`nextWakeUp`, `dueEvents`, `clockView`) never change it.
 * All times are absolute epoch milliseconds; all durations are milliseconds.
 */
import type { Role } from '../../domain/roles.js';

/** One rung of an escalation ladder: `afterMs` after the (hold-adjusted) deadline, tell `role`. */
export interface EscalationStep {
  level: number;
  afterMs: number;
  role: Role;
}

/** What a process asks for when it starts a clock, usually read from the property's SLA policy. */
export interface ClockSpec {
  name: string;
  durationMs: number;
  /** Share of the window after which a warning fires, in (0, 1); absent or 0 means no warning. */
  warnRatio?: number;
  escalation: readonly EscalationStep[];
}

/** A running (or held) clock. */
export interface SlaClock {
  name: string;
  /** 1 for the first start of this name in the process, then 2, 3, ... after each restart. */
  run: number;
  startedAt: number;
  durationMs: number;
  /** startedAt + durationMs + pausedTotalMs; a hold in progress is added when it ends. */
  deadline: number;
  pausedSince?: number;
  pausedTotalMs: number;
  warnRatio?: number;
  warned: boolean;
  escalation: EscalationStep[];
  firedLevels: number[];
}

/** How a clock ended: its step was done (`stopped`), or it was started afresh (`restarted`). */
export type SlaClockOutcome = 'stopped' | 'restarted';

/** The record kept of a clock once it has ended, for reporting. */
export interface SlaClockResult {
  name: string;
  run: number;
  startedAt: number;
  deadline: number;
  stoppedAt: number;
  pausedTotalMs: number;
  /** stoppedAt <= deadline: nobody was late (for a restarted clock: it had not run out yet). */
  met: boolean;
  outcome: SlaClockOutcome;
  warned: boolean;
  firedLevels: number[];
}

/** All SLA clocks of one process: the live ones, the ended ones, and whether the process is on hold. */
export interface SlaClocks {
  clocks: SlaClock[];
  finished: SlaClockResult[];
  /** Set while the process is on hold; clocks started during a hold start held. */
  pausedSince?: number;
}

/** Something the workflow must do now: warn that a clock is running out, or escalate a breach. */
export type SlaEvent =
  | { kind: 'warning'; clock: string; run: number; at: number; deadline: number }
  | { kind: 'escalation'; clock: string; run: number; level: number; role: Role; at: number; deadline: number };

/** Read model of one clock for queries and the API. */
export interface SlaClockView {
  name: string;
  run: number;
  state: 'running' | 'paused' | SlaClockOutcome;
  startedAt: number;
  /** For a held clock: the deadline it would have if the hold ended now. */
  deadline: number;
  stoppedAt?: number;
  paused: boolean;
  /** Undefined while the clock runs and has not run out yet. */
  met?: boolean;
  breached: boolean;
  /** Time left (negative when late); frozen during a hold; for an ended clock, what was left when it ended. */
  remainingMs: number;
  warned: boolean;
  firedLevels: number[];
}

/** A fresh, empty set of clocks for a new process. */
export function emptyClocks(): SlaClocks {
  return { clocks: [], finished: [] };
}

/** Why a spec cannot be used, one sentence per problem; empty when it is fine. Use it where policies come in. */
export function clockSpecProblems(spec: ClockSpec): string[] {
  const problems: string[] = [];
  if (spec.name.length === 0) problems.push('the clock name is empty');
  if (!isNonNegativeMs(spec.durationMs)) {
    problems.push(`durationMs must be a non-negative whole number of milliseconds, got ${spec.durationMs}`);
  }
  const ratio = spec.warnRatio;
  if (ratio !== undefined && !(Number.isFinite(ratio) && ratio >= 0 && ratio < 1)) {
    problems.push(`warnRatio must be at least 0 and below 1, got ${ratio}`);
  }
  const levels = new Set<number>();
  for (const step of spec.escalation) {
    if (!Number.isSafeInteger(step.level) || step.level < 1) {
      problems.push(`escalation level must be a whole number from 1, got ${step.level}`);
    } else if (levels.has(step.level)) {
      problems.push(`escalation level ${step.level} appears twice`);
    }
    levels.add(step.level);
    if (!isNonNegativeMs(step.afterMs)) {
      problems.push(`escalation level ${step.level}: afterMs must be a non-negative whole number of milliseconds, got ${step.afterMs}`);
    }
  }
  return problems;
}

/**
 * Starts a clock, or restarts it: a live clock of the same name is archived to `finished`
 * (outcome "restarted") and replaced. A clock started while the process is on hold starts held.
 * Throws a RangeError for a spec that `clockSpecProblems` rejects.
 */
export function startClock(c: SlaClocks, spec: ClockSpec, now: number): void {
  const problems = clockSpecProblems(spec);
  if (problems.length > 0) {
    throw new RangeError(`Invalid SLA clock spec "${spec.name}": ${problems.join('; ')}`);
  }
  let run = 1;
  for (const old of c.finished) if (old.name === spec.name) run = Math.max(run, old.run + 1);
  const index = c.clocks.findIndex((clock) => clock.name === spec.name);
  const previous = c.clocks[index];
  if (previous !== undefined) {
    run = Math.max(run, previous.run + 1);
    c.clocks.splice(index, 1);
    c.finished.push(endClock(previous, now, 'restarted'));
  }
  const clock: SlaClock = {
    name: spec.name,
    run,
    startedAt: now,
    durationMs: spec.durationMs,
    deadline: now + spec.durationMs,
    pausedTotalMs: 0,
    warned: false,
    // Copied so that a policy object shared by many processes is never aliased into state.
    escalation: spec.escalation.map(({ level, afterMs, role }) => ({ level, afterMs, role })),
    firedLevels: [],
  };
  if (spec.warnRatio !== undefined && spec.warnRatio > 0) clock.warnRatio = spec.warnRatio;
  if (c.pausedSince !== undefined) clock.pausedSince = now;
  c.clocks.push(clock);
}

/**
 * Stops a clock because its step was done, archives it and returns its result; its pending
 * warning and escalations never fire. Unknown or already stopped: nothing happens, undefined.
 */
export function stopClock(c: SlaClocks, name: string, now: number): SlaClockResult | undefined {
  const index = c.clocks.findIndex((clock) => clock.name === name);
  const clock = c.clocks[index];
  if (clock === undefined) return undefined;
  c.clocks.splice(index, 1);
  const result = endClock(clock, now, 'stopped');
  c.finished.push(result);
  return { ...result, firedLevels: [...result.firedLevels] };
}

/** Puts the process on hold: every live clock stops counting. Pausing again changes nothing. */
export function pauseAll(c: SlaClocks, now: number): void {
  if (c.pausedSince === undefined) c.pausedSince = now;
  for (const clock of c.clocks) {
    if (clock.pausedSince === undefined) clock.pausedSince = now;
  }
}

/** Ends the hold: each held clock's deadline, warning and escalations move later by the time it was held. */
export function resumeAll(c: SlaClocks, now: number): void {
  delete c.pausedSince;
  for (const clock of c.clocks) settlePause(clock, now);
}

/**
 * The earliest time at which something may be due: a pending warning or escalation level of a
 * running clock, or one that fell due before a hold began. Undefined when nothing is pending.
 * The result may lie in the past (the workflow was busy or down): fire `dueEvents` right away.
 */
export function nextWakeUp(c: SlaClocks): number | undefined {
  let earliest: number | undefined;
  for (const clock of c.clocks) {
    const horizon = clock.pausedSince ?? Number.POSITIVE_INFINITY;
    for (const event of pendingEvents(clock)) {
      if (event.at <= horizon && (earliest === undefined || event.at < earliest)) earliest = event.at;
    }
  }
  return earliest;
}

/**
 * Every warning and escalation due at `now` and not yet marked fired, oldest first (after a
 * long outage: warning, level 1, level 2, ... each once). Held time does not count: a clock on
 * hold yields only what fell due before the hold began. Does not mark anything.
 */
export function dueEvents(c: SlaClocks, now: number): SlaEvent[] {
  const due: { event: SlaEvent; clockIndex: number }[] = [];
  c.clocks.forEach((clock, clockIndex) => {
    const horizon = Math.min(now, clock.pausedSince ?? now);
    for (const event of pendingEvents(clock)) {
      if (event.at <= horizon) due.push({ event, clockIndex });
    }
  });
  // Ties: the warning before escalations, lower levels first, then the order clocks were started.
  due.sort(
    (a, b) =>
      a.event.at - b.event.at ||
      eventRank(a.event) - eventRank(b.event) ||
      a.clockIndex - b.clockIndex,
  );
  return due.map(({ event }) => event);
}

/** Records that an event was fired so it is never due again. Idempotent; an event of an ended clock is ignored. */
export function markFired(c: SlaClocks, event: SlaEvent): void {
  const clock = c.clocks.find((candidate) => candidate.name === event.clock && candidate.run === event.run);
  if (clock === undefined) return;
  if (event.kind === 'warning') {
    clock.warned = true;
  } else if (!clock.firedLevels.includes(event.level)) {
    clock.firedLevels.push(event.level);
  }
}

/** Read model for queries and the API: live clocks first (in start order), then ended ones (oldest first). */
export function clockView(c: SlaClocks, now: number): SlaClockView[] {
  const live = c.clocks.map((clock): SlaClockView => {
    const paused = clock.pausedSince !== undefined;
    // A held clock's deadline keeps moving with the hold, so it cannot run out while held.
    const deadline = clock.deadline + (clock.pausedSince === undefined ? 0 : Math.max(0, now - clock.pausedSince));
    const breached = now > deadline;
    const view: SlaClockView = {
      name: clock.name,
      run: clock.run,
      state: paused ? 'paused' : 'running',
      startedAt: clock.startedAt,
      deadline,
      paused,
      breached,
      remainingMs: deadline - now,
      warned: clock.warned,
      firedLevels: [...clock.firedLevels],
    };
    if (breached) view.met = false;
    return view;
  });
  const ended = c.finished.map(
    (result): SlaClockView => ({
      name: result.name,
      run: result.run,
      state: result.outcome,
      startedAt: result.startedAt,
      deadline: result.deadline,
      stoppedAt: result.stoppedAt,
      paused: false,
      met: result.met,
      breached: !result.met,
      remainingMs: result.deadline - result.stoppedAt,
      warned: result.warned,
      firedLevels: [...result.firedLevels],
    }),
  );
  return [...live, ...ended];
}

function isNonNegativeMs(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** Folds a hold in progress into the clock's deadline and paused total. */
function settlePause(clock: SlaClock, now: number): void {
  if (clock.pausedSince === undefined) return;
  const held = Math.max(0, now - clock.pausedSince);
  clock.pausedTotalMs += held;
  clock.deadline += held;
  delete clock.pausedSince;
}

function endClock(clock: SlaClock, now: number, outcome: SlaClockOutcome): SlaClockResult {
  // A clock ended during a hold first takes the hold into account, so a hold never makes it late.
  settlePause(clock, now);
  return {
    name: clock.name,
    run: clock.run,
    startedAt: clock.startedAt,
    deadline: clock.deadline,
    stoppedAt: now,
    pausedTotalMs: clock.pausedTotalMs,
    met: now <= clock.deadline,
    outcome,
    warned: clock.warned,
    firedLevels: [...clock.firedLevels],
  };
}

/** Every warning and level of a clock not yet fired, at its hold-adjusted time (unordered). */
function pendingEvents(clock: SlaClock): SlaEvent[] {
  const events: SlaEvent[] = [];
  const base = { clock: clock.name, run: clock.run, deadline: clock.deadline };
  if (clock.warnRatio !== undefined && !clock.warned) {
    // Rounded down so that the warning is never later than the ratio asks.
    const at = clock.startedAt + clock.pausedTotalMs + Math.floor(clock.warnRatio * clock.durationMs);
    events.push({ kind: 'warning', ...base, at });
  }
  for (const step of clock.escalation) {
    if (!clock.firedLevels.includes(step.level)) {
      events.push({ kind: 'escalation', ...base, level: step.level, role: step.role, at: clock.deadline + step.afterMs });
    }
  }
  return events;
}

function eventRank(event: SlaEvent): number {
  return event.kind === 'warning' ? 0 : event.level;
}
