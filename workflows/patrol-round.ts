/**
 * A patrol round (巡查, shared/DOMAIN.md §4; PROCESSES.md M9) as one durable workflow: the
 * guard starts it, scans each checkpoint (in order, or in any order), records what they saw,
 * and finishes it — early only with a reason. Every checkpoint has its own clock on the
 * shared SLA engine, running out at window + grace: a checkpoint not scanned by then is an
 * exception, escalated to the security captain (supervisor) and then the project manager,
 * each level once. The round closes itself once its exceptions have run their course.
 * Its transition table, clocks and handlers; everything else is the process kit's.
 */
import { condition, workflowInfo } from '@temporalio/workflow';
import {
  checkInUpdate,
  finalRoundStatuses,
  finishRoundUpdate,
  newRoundState,
  observeUpdate,
  patrolRoles,
  patrolRoundQuery,
  patrolSupervisorRoles,
  roundReport,
  startRoundUpdate,
  type PatrolRoundInput,
  type PatrolRoundState,
  type RoundStatus,
} from './patrol-round.contract.js';
import { createProcess, type Process, type TransitionTable } from './shared/process.js';
import { blockedStep, invalidArgument, systemActor } from './shared/steps.js';
import { nextWakeUp } from './sla/clocks.js';

/** Every step of a round: where it may start, where it leads, who may take it. */
export const patrolRoundTransitions = {
  start: { from: ['scheduled'], to: ['in_progress'], roles: patrolRoles },
  checkIn: { from: ['in_progress'], roles: patrolSupervisorRoles, parties: ['assignee'] },
  observe: { from: ['in_progress'], roles: patrolSupervisorRoles, parties: ['assignee'] },
  finish: { from: ['in_progress'], to: ['completed', 'completed_late', 'finished_early'], roles: patrolSupervisorRoles, parties: ['assignee'] },
  expire: { from: ['scheduled', 'in_progress'], to: ['completed', 'completed_late', 'incomplete', 'missed'], roles: [] },
  record: { from: ['scheduled'], to: ['skipped', 'missed'], roles: [] },
} as const satisfies TransitionTable<RoundStatus, string>;
type Action = keyof typeof patrolRoundTransitions;

/** A checkpoint's clock: `checkpoint:<checkpoint ID>`. */
type RoundClock = `checkpoint:${string}`;
const clockOf = (checkpointId: string): RoundClock => `checkpoint:${checkpointId}`;

interface Round {
  state: PatrolRoundState;
  p: Process<'patrol-round', RoundStatus, Action, RoundClock>;
  payload: (extra?: Record<string, unknown>) => Record<string, unknown>;
}

/** A patrol round, from its schedule's start of it until it is finished, closes itself, or is recorded skipped or missed. */
export async function patrolRoundWorkflow(input: PatrolRoundInput): Promise<{ roundId: string; status: RoundStatus; checked: number; missed: number }> {
  const r = round(input);
  const { state, p } = r;
  p.snapshot(patrolRoundQuery, (deadlines) => ({ ...state, report: roundReport(state), deadlines }));
  for (const register of [startStep, checkInStep, observeStep, finishStep]) register(r);

  if (input.outcome) {
    await p.open({ category: state.routeKind, clocks: [], detail: { late: state.late, outcome: input.outcome.status } });
    const { status, reason } = input.outcome;
    await p.transition('record', systemActor, {
      to: status,
      reason,
      apply: (now) => {
        state.outcomeReason = reason;
        state.closedAt = now;
      },
    });
  } else {
    await p.open({ category: state.routeKind, clocks: state.checkpoints.map((c) => clockOf(c.id)), detail: { late: state.late, due: state.due, deadline: state.deadline } });
  }
  // Runs beside the SLA loop, which awaits it once the round has ended.
  const closing = closeWhenDone(r);
  await p.runToEnd(() => closing);
  const report = roundReport(state);
  return { roundId: state.roundId, status: state.status, checked: report.checked, missed: report.missed.length };
}

function round(input: PatrolRoundInput): Round {
  const state = newRoundState(workflowInfo().workflowId, input, Date.now());
  const payload = (extra: Record<string, unknown> = {}) => ({ roundId: state.roundId, route: state.routeName, due: state.due, ...extra });
  const checkpoint = (clock: string) => state.checkpoints.find((c) => clockOf(c.id) === clock);
  const p = createProcess({
    kind: 'patrol-round',
    noun: 'patrol round',
    reporter: 'guard',
    table: patrolRoundTransitions,
    final: finalRoundStatuses,
    state,
    // Every checkpoint runs out at window + grace; no warning before (the guard has the route in hand).
    clock: (name: RoundClock) => ({ name, durationMs: Math.max(0, state.deadline - Date.now()), warnRatio: 0, escalation: state.escalation }),
    assignee: () => state.guard,
    identity: () => ({
      routeId: state.routeId,
      scheduleId: state.scheduleId,
      routeKind: state.routeKind,
      due: state.due,
      windowEnd: state.windowEnd,
      deadline: state.deadline,
      late: state.late,
      checkpoints: state.checkpoints.length,
      createdAt: state.createdAt,
    }),
    live: () => {
      const report = roundReport(state);
      state.report = report;
      return {
        status: state.status,
        guardId: state.guard?.id ?? null,
        guardName: state.guard?.name ?? null,
        checked: report.checked,
        missed: report.missed.length,
        exceptions: state.exceptions.length,
        issues: report.issues,
        skewFlags: report.skewFlags,
        scans: report.scans,
        minGapMs: report.minGapMs,
        maxGapMs: report.maxGapMs,
        escalationLevel: state.escalationLevel,
        startedAt: state.startedAt ?? null,
        finishedAt: state.finishedAt ?? null,
        earlyReason: state.earlyReason ?? null,
      };
    },
    sla: {
      warningTargets: () => [],
      payload,
      escalationPayload: () => ({ guard: state.guard?.name ?? null }),
      // A missed checkpoint becomes an exception at its first level.
      escalating: (e) => {
        state.escalationLevel = Math.max(state.escalationLevel, e.level);
        const cp = checkpoint(e.clock);
        if (cp && !state.exceptions.some((x) => x.checkpointId === cp.id)) state.exceptions.push({ checkpointId: cp.id, at: Date.now(), levels: [] });
      },
      escalated: ({ clock, level, role, firedAt, recipients }) => {
        const cp = checkpoint(clock);
        state.exceptions.find((x) => x.checkpointId === cp?.id)?.levels.push({ level, role, firedAt, recipients });
      },
    },
  });
  return { state, p, payload };
}

/**
 * Once the deadline has passed and no exception has a level left to fire, a round nobody
 * finished closes itself: missed if nobody scanned anything, incomplete if checkpoints are
 * unchecked, completed (late if the last scan came after the window) otherwise.
 */
async function closeWhenDone(r: Round): Promise<void> {
  const { state, p } = r;
  const done = () => finalRoundStatuses.includes(state.status);
  if (done()) return;
  await condition(done, Math.max(1, state.deadline - Date.now()));
  await condition(() => done() || nextWakeUp(p.clocks) === undefined);
  if (done()) return;
  const report = roundReport(state);
  const to: RoundStatus =
    report.scans === 0 ? 'missed' : report.missed.length ? 'incomplete' : report.lastScanAt !== null && report.lastScanAt > state.windowEnd ? 'completed_late' : 'completed';
  await p.transition('expire', systemActor, {
    to,
    reason: to === 'missed' ? 'nobody started the round' : to === 'incomplete' ? `${report.missed.length} checkpoint(s) not checked` : 'every checkpoint checked; not finished by hand',
    apply: (now) => {
      p.stopAllClocks(now);
      state.closedAt = now;
    },
  });
}

function startStep(r: Round): void {
  const { state, p } = r;
  p.step(startRoundUpdate, 'start', {
    run: ({ actor }) =>
      p.transition('start', actor, {
        apply: (now) => {
          state.guard = { id: actor.id, name: actor.name ?? actor.id };
          state.startedAt = now;
        },
      }),
  });
}

const checkpointOf = (state: PatrolRoundState, id: string) => {
  const cp = state.checkpoints.find((c) => c.id === id);
  if (!cp) throw invalidArgument('checkpointId', `is not a checkpoint of route ${state.routeName}`);
  return cp;
};
const isChecked = (state: PatrolRoundState, id: string) => state.scans.some((s) => s.checkpointId === id);

function checkInStep(r: Round): void {
  const { state, p } = r;
  p.step(checkInUpdate, 'checkIn', {
    validate: ({ checkpointId }) => {
      const cp = checkpointOf(state, checkpointId);
      if (!state.ordered || isChecked(state, cp.id)) return;
      const next = [...state.checkpoints].sort((a, b) => a.position - b.position).find((c) => !isChecked(state, c.id));
      if (next && next.id !== cp.id) throw blockedStep('checkIn', state.status, `the route is walked in order: checkpoint ${next.position} (${next.location}) comes next`);
    },
    run: ({ actor, checkpointId, deviceTime, gps }) => {
      const now = Date.now();
      const repeat = isChecked(state, checkpointId);
      const skewMs = deviceTime === undefined ? undefined : deviceTime - now;
      const skewFlagged = skewMs !== undefined && Math.abs(skewMs) > state.skewToleranceMs;
      const scan = { checkpointId, at: now, by: actor, repeat, skewFlagged, ...(deviceTime !== undefined ? { deviceTime, skewMs: skewMs! } : {}), ...(gps ? { gps } : {}) };
      state.scans.push(scan);
      if (!repeat) p.stopClocks([clockOf(checkpointId)], now);
      return p.record('check-in', actor, {
        detail: { checkpointId, repeat, ...(skewMs !== undefined ? { deviceTime, skewMs, skewFlagged } : {}), ...(gps ? { gps } : {}) },
        ...(skewFlagged ? { reason: `device time ${Math.round(skewMs / 1000)} s from the server's (tolerance ${Math.round(state.skewToleranceMs / 1000)} s)` } : {}),
      });
    },
  });
}

function observeStep(r: Round): void {
  const { state, p } = r;
  p.step(observeUpdate, 'observe', {
    validate: ({ checkpointId, result, photo }) => {
      const cp = checkpointOf(state, checkpointId);
      if (!isChecked(state, cp.id)) throw blockedStep('observe', state.status, `check in at checkpoint ${cp.position} (${cp.location}) first`);
      if (state.observations.some((o) => o.checkpointId === cp.id)) throw blockedStep('observe', state.status, `checkpoint ${cp.position} (${cp.location}) is already observed`);
      if (result === 'issue' && !photo) throw invalidArgument('photo', 'an issue needs a photo');
    },
    run: ({ actor, checkpointId, result, note, photo }) => {
      const cp = checkpointOf(state, checkpointId);
      state.observations.push({ checkpointId, at: Date.now(), by: actor, result, ...(note ? { note } : {}), ...(photo ? { photo } : {}) });
      return p.record(result === 'issue' ? 'observation.issue' : 'observation.ok', actor, {
        detail: { checkpointId, result, ...(note ? { note } : {}), ...(photo ? { photo } : {}) },
        ...(result === 'issue'
          ? { notify: { targets: [{ kind: 'role', role: 'dispatcher' }], template: 'patrol.issue', payload: r.payload({ checkpoint: cp.location, note: note ?? null }) } }
          : {}),
      });
    },
  });
}

function finishStep(r: Round): void {
  const { state, p } = r;
  p.step(finishRoundUpdate, 'finish', {
    validate: ({ reason }) => {
      const missing = roundReport(state).missed.length;
      if (missing && !reason?.trim()) throw invalidArgument('reason', `${missing} checkpoint(s) not checked yet: finishing early needs a reason`);
    },
    run: ({ actor, reason }) => {
      const report = roundReport(state);
      const to: RoundStatus = report.missed.length ? 'finished_early' : Date.now() > state.windowEnd ? 'completed_late' : 'completed';
      return p.transition('finish', actor, {
        to,
        ...(report.missed.length && reason ? { reason } : {}),
        apply: (now) => {
          p.stopAllClocks(now);
          state.finishedAt = now;
          state.closedAt = now;
          if (report.missed.length && reason) state.earlyReason = reason;
        },
        detail: { checked: report.checked, missed: report.missed },
      });
    },
  });
}
