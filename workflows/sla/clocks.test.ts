import { describe, it, expect } from 'vitest';
import {
  clockSpecProblems,
  clockView,
  dueEvents,
  emptyClocks,
  markFired,
  nextWakeUp,
  pauseAll,
  resumeAll,
  startClock,
  stopClock,
  type ClockSpec,
  type SlaClocks,
  type SlaEvent,
} from './clocks.js';

const T0 = Date.UTC(2026, 10, 21, 8, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;
const at = (minutes: number): number => T0 + minutes * MIN;

/** One hour to respond, warn at half time, then dispatcher, manager (+30 min), director (+2 h). */
const respond: ClockSpec = {
  name: 'respond',
  durationMs: HOUR,
  warnRatio: 0.5,
  escalation: [
    { level: 1, afterMs: 0, role: 'dispatcher' },
    { level: 2, afterMs: 30 * MIN, role: 'manager' },
    { level: 3, afterMs: 2 * HOUR, role: 'director' },
  ],
};

function started(spec: ClockSpec = respond, now = T0): SlaClocks {
  const c = emptyClocks();
  startClock(c, spec, now);
  return c;
}

function fireAll(c: SlaClocks, now: number): SlaEvent[] {
  const events = dueEvents(c, now);
  for (const event of events) markFired(c, event);
  return events;
}

const summary = (events: SlaEvent[]): string[] =>
  events.map((e) => (e.kind === 'warning' ? `${e.clock} warning` : `${e.clock} level ${e.level} ${e.role}`));

describe('SLA clock timing', () => {
  it('has nothing to wake up for and nothing due when no clock runs', () => {
    const c = emptyClocks();
    expect(nextWakeUp(c)).toBeUndefined();
    expect(dueEvents(c, at(10_000))).toEqual([]);
    expect(clockView(c, T0)).toEqual([]);
  });

  it('warns once the given share of the window has elapsed, not before', () => {
    const c = started();
    expect(nextWakeUp(c)).toBe(at(30));
    expect(dueEvents(c, at(30) - 1)).toEqual([]);
    expect(dueEvents(c, at(30))).toEqual([
      { kind: 'warning', clock: 'respond', run: 1, at: at(30), deadline: at(60) },
    ]);
  });

  it('escalates level 1 at the deadline and level 2 thirty minutes after it', () => {
    const c = started();
    fireAll(c, at(30));
    expect(nextWakeUp(c)).toBe(at(60));
    expect(dueEvents(c, at(60) - 1)).toEqual([]);
    expect(fireAll(c, at(60))).toEqual([
      { kind: 'escalation', clock: 'respond', run: 1, level: 1, role: 'dispatcher', at: at(60), deadline: at(60) },
    ]);
    expect(nextWakeUp(c)).toBe(at(90));
    expect(summary(fireAll(c, at(90)))).toEqual(['respond level 2 manager']);
    expect(nextWakeUp(c)).toBe(at(180));
  });

  it('gives the warning and every missed level in order after a long outage, each once after marking', () => {
    const c = started();
    const events = dueEvents(c, at(600));
    expect(summary(events)).toEqual([
      'respond warning',
      'respond level 1 dispatcher',
      'respond level 2 manager',
      'respond level 3 director',
    ]);
    expect(events.map((e) => e.at)).toEqual([at(30), at(60), at(90), at(180)]);
    for (const event of events) markFired(c, event);
    expect(dueEvents(c, at(600))).toEqual([]);
    expect(nextWakeUp(c)).toBeUndefined();
  });

  it('reports a wake-up time in the past when events are overdue, so the workflow fires at once', () => {
    const c = started();
    fireAll(c, at(30));
    expect(nextWakeUp(c)).toBe(at(60));
    expect(dueEvents(c, at(75)).map((e) => e.at)).toEqual([at(60)]);
  });

  it('does not fire an event again when it is marked twice', () => {
    const c = started();
    const [warning, level1] = dueEvents(c, at(60));
    markFired(c, warning!);
    markFired(c, level1!);
    markFired(c, level1!);
    markFired(c, warning!);
    expect(c.clocks[0]?.firedLevels).toEqual([1]);
    expect(c.clocks[0]?.warned).toBe(true);
    expect(dueEvents(c, at(60))).toEqual([]);
  });

  it('leaves the clock unchanged while dueEvents is only read', () => {
    const c = started();
    const before = structuredClone(c);
    dueEvents(c, at(600));
    dueEvents(c, at(600));
    expect(c).toStrictEqual(before);
  });

  it('rounds a fractional warning time down to a whole millisecond', () => {
    const c = started({ name: 'ack', durationMs: 1000, warnRatio: 2 / 3, escalation: [] });
    expect(nextWakeUp(c)).toBe(T0 + 666);
  });

  it('never warns when warnRatio is absent or 0', () => {
    for (const warnRatio of [undefined, 0]) {
      const spec: ClockSpec = { name: 'arrive', durationMs: HOUR, escalation: [{ level: 1, afterMs: 0, role: 'dispatcher' }] };
      if (warnRatio !== undefined) spec.warnRatio = warnRatio;
      const c = started(spec);
      expect(summary(dueEvents(c, at(600)))).toEqual(['arrive level 1 dispatcher']);
      expect(nextWakeUp(c)).toBe(at(60));
    }
  });

  it('has nothing to wake up for when a clock has neither warning nor escalation', () => {
    const c = started({ name: 'report', durationMs: HOUR, escalation: [] });
    expect(nextWakeUp(c)).toBeUndefined();
    expect(dueEvents(c, at(600))).toEqual([]);
    expect(clockView(c, at(61))[0]?.breached).toBe(true);
  });

  it('orders levels that fall due at the same moment by level, after the warning', () => {
    const c = started({
      name: 'emergency',
      durationMs: 0,
      warnRatio: 0.5,
      escalation: [
        { level: 2, afterMs: 0, role: 'manager' },
        { level: 1, afterMs: 0, role: 'dispatcher' },
      ],
    });
    expect(summary(dueEvents(c, T0))).toEqual([
      'emergency warning',
      'emergency level 1 dispatcher',
      'emergency level 2 manager',
    ]);
  });

  it('interleaves the events of several clocks by time', () => {
    const c = started();
    startClock(c, { name: 'arrive', durationMs: 45 * MIN, escalation: [{ level: 1, afterMs: 0, role: 'dispatcher' }] }, at(10));
    expect(nextWakeUp(c)).toBe(at(30));
    fireAll(c, at(30));
    expect(nextWakeUp(c)).toBe(at(55));
    expect(summary(dueEvents(c, at(95)))).toEqual([
      'arrive level 1 dispatcher',
      'respond level 1 dispatcher',
      'respond level 2 manager',
    ]);
  });
});

describe('SLA clocks on hold', () => {
  it('moves the warning, the deadline and every level by the time spent on hold', () => {
    const c = started();
    pauseAll(c, at(10));
    resumeAll(c, at(40));
    expect(c.clocks[0]?.pausedTotalMs).toBe(30 * MIN);
    expect(c.clocks[0]?.deadline).toBe(at(90));
    expect(dueEvents(c, at(59))).toEqual([]);
    expect(dueEvents(c, at(600)).map((e) => e.at)).toEqual([at(60), at(90), at(120), at(210)]);
    expect(dueEvents(c, at(600)).every((e) => e.deadline === at(90))).toBe(true);
  });

  it('fires nothing while on hold, even when the original deadline passes during the hold', () => {
    const c = started();
    pauseAll(c, at(20));
    expect(nextWakeUp(c)).toBeUndefined();
    expect(dueEvents(c, at(300))).toEqual([]);
    resumeAll(c, at(300));
    // Ten minutes of the first half were left when the hold began.
    expect(nextWakeUp(c)).toBe(at(310));
    expect(summary(dueEvents(c, at(340)))).toEqual(['respond warning', 'respond level 1 dispatcher']);
  });

  it('still fires what fell due before the hold began', () => {
    const c = started();
    // The warning was due at 08:30; the hold arrived at 08:45 before the workflow got round to it.
    pauseAll(c, at(45));
    expect(nextWakeUp(c)).toBe(at(30));
    expect(summary(dueEvents(c, at(500)))).toEqual(['respond warning']);
    fireAll(c, at(500));
    expect(nextWakeUp(c)).toBeUndefined();
  });

  it('counts a repeated pause or resume only once', () => {
    const c = started();
    pauseAll(c, at(10));
    pauseAll(c, at(20));
    resumeAll(c, at(40));
    resumeAll(c, at(50));
    expect(c.clocks[0]?.pausedTotalMs).toBe(30 * MIN);
    expect(c.clocks[0]?.deadline).toBe(at(90));
    expect(c.pausedSince).toBeUndefined();
  });

  it('adds up several holds', () => {
    const c = started();
    pauseAll(c, at(10));
    resumeAll(c, at(20));
    pauseAll(c, at(30));
    resumeAll(c, at(45));
    expect(c.clocks[0]?.pausedTotalMs).toBe(25 * MIN);
    expect(c.clocks[0]?.deadline).toBe(at(85));
  });

  it('starts a clock held when it is started during a hold', () => {
    const c = emptyClocks();
    pauseAll(c, T0);
    startClock(c, respond, at(10));
    expect(c.clocks[0]?.pausedSince).toBe(at(10));
    expect(nextWakeUp(c)).toBeUndefined();
    expect(dueEvents(c, at(500))).toEqual([]);
    resumeAll(c, at(70));
    expect(c.clocks[0]?.deadline).toBe(at(130));
    expect(nextWakeUp(c)).toBe(at(100));
  });

  it('does not make a clock late when it is stopped during a hold', () => {
    const c = started();
    pauseAll(c, at(50));
    const result = stopClock(c, 'respond', at(180));
    expect(result?.met).toBe(true);
    expect(result?.pausedTotalMs).toBe(130 * MIN);
    expect(result?.deadline).toBe(at(190));
  });

  it('keeps a clock late when the hold began after its deadline', () => {
    const c = started();
    pauseAll(c, at(70));
    resumeAll(c, at(100));
    expect(stopClock(c, 'respond', at(100))?.met).toBe(false);
  });
});

describe('stopping and restarting SLA clocks', () => {
  it('fires nothing further for a clock stopped before its deadline, and counts it met', () => {
    const c = started();
    fireAll(c, at(30));
    const result = stopClock(c, 'respond', at(45));
    expect(result).toEqual({
      name: 'respond',
      run: 1,
      startedAt: T0,
      deadline: at(60),
      stoppedAt: at(45),
      pausedTotalMs: 0,
      met: true,
      outcome: 'stopped',
      warned: true,
      firedLevels: [],
    });
    expect(nextWakeUp(c)).toBeUndefined();
    expect(dueEvents(c, at(600))).toEqual([]);
  });

  it('counts a clock stopped exactly at its deadline as met', () => {
    const c = started();
    expect(stopClock(c, 'respond', at(60))?.met).toBe(true);
  });

  it('never fires level 2 of a clock stopped after level 1 fired', () => {
    const c = started();
    fireAll(c, at(60));
    const result = stopClock(c, 'respond', at(70));
    expect(result?.met).toBe(false);
    expect(result?.firedLevels).toEqual([1]);
    expect(dueEvents(c, at(600))).toEqual([]);
    expect(nextWakeUp(c)).toBeUndefined();
  });

  it('ignores a level marked after its clock was stopped', () => {
    const c = started();
    const [, level1] = dueEvents(c, at(60));
    stopClock(c, 'respond', at(61));
    markFired(c, level1!);
    expect(c.finished[0]?.firedLevels).toEqual([]);
  });

  it('changes nothing when an unknown or already stopped clock is stopped', () => {
    const c = started();
    expect(stopClock(c, 'resolve', at(10))).toBeUndefined();
    expect(stopClock(c, 'respond', at(20))?.stoppedAt).toBe(at(20));
    const before = structuredClone(c);
    expect(stopClock(c, 'respond', at(30))).toBeUndefined();
    expect(c).toStrictEqual(before);
  });

  it('archives the running clock when it is restarted and starts the new one afresh', () => {
    const c = started();
    fireAll(c, at(60));
    startClock(c, respond, at(70));
    expect(c.finished).toEqual([
      expect.objectContaining({ name: 'respond', run: 1, stoppedAt: at(70), met: false, outcome: 'restarted', firedLevels: [1] }),
    ]);
    expect(c.clocks).toHaveLength(1);
    expect(c.clocks[0]).toMatchObject({ name: 'respond', run: 2, startedAt: at(70), deadline: at(130), warned: false, firedLevels: [] });
    expect(summary(dueEvents(c, at(130)))).toEqual(['respond warning', 'respond level 1 dispatcher']);
  });

  it('does not let a late mark for the old run silence the restarted clock', () => {
    const c = started();
    const [, oldLevel1] = dueEvents(c, at(60));
    startClock(c, respond, at(61));
    markFired(c, oldLevel1!);
    const newLevel1 = dueEvents(c, at(121)).find((e) => e.kind === 'escalation');
    expect(newLevel1).toMatchObject({ level: 1, run: 2, at: at(121) });
    expect(oldLevel1).toMatchObject({ level: 1, run: 1 });
  });

  it('keeps every run of a clock in the history when it is stopped, restarted and stopped again', () => {
    const c = started();
    stopClock(c, 'respond', at(45));
    startClock(c, respond, at(300));
    stopClock(c, 'respond', at(400));
    expect(c.finished.map((r) => [r.run, r.outcome, r.met])).toEqual([
      [1, 'stopped', true],
      [2, 'stopped', false],
    ]);
    expect(c.clocks).toEqual([]);
  });

  it('tells each due event apart by clock, run and level (a warning is level 0), the key its SLA event row is unique on', () => {
    const c = started();
    const keys = dueEvents(c, at(600)).map((e) => [e.clock, e.run, e.kind === 'warning' ? 0 : e.level]);
    expect(keys).toEqual([
      ['respond', 1, 0],
      ['respond', 1, 1],
      ['respond', 1, 2],
      ['respond', 1, 3],
    ]);
  });

  it('does not share the escalation ladder with the policy it was started from', () => {
    const spec: ClockSpec = { name: 'arrive', durationMs: HOUR, escalation: [{ level: 1, afterMs: 0, role: 'dispatcher' }] };
    const c = started(spec);
    (spec.escalation as { level: number; afterMs: number; role: 'director' }[])[0]!.role = 'director';
    expect(c.clocks[0]?.escalation[0]?.role).toBe('dispatcher');
  });

  it('refuses a spec it cannot keep, naming the clock and the problem', () => {
    const bad = (patch: Partial<ClockSpec>): (() => void) => () => startClock(emptyClocks(), { ...respond, ...patch }, T0);
    expect(bad({ durationMs: -1 })).toThrow(/"respond".*durationMs/);
    expect(bad({ durationMs: 1.5 })).toThrow(/durationMs/);
    expect(bad({ warnRatio: 1 })).toThrow(/warnRatio/);
    expect(bad({ warnRatio: Number.NaN })).toThrow(/warnRatio/);
    expect(bad({ escalation: [{ level: 1, afterMs: 0, role: 'dispatcher' }, { level: 1, afterMs: 5, role: 'manager' }] })).toThrow(
      /level 1 appears twice/,
    );
    expect(bad({ escalation: [{ level: 0, afterMs: 0, role: 'dispatcher' }] })).toThrow(/level/);
    expect(bad({ escalation: [{ level: 1, afterMs: -5, role: 'dispatcher' }] })).toThrow(/afterMs/);
    expect(clockSpecProblems(respond)).toEqual([]);
  });
});

describe('SLA clock view', () => {
  it('shows a running clock with time left and no verdict yet', () => {
    const [view] = clockView(started(), at(20));
    expect(view).toStrictEqual({
      name: 'respond',
      run: 1,
      state: 'running',
      startedAt: T0,
      deadline: at(60),
      paused: false,
      breached: false,
      remainingMs: 40 * MIN,
      warned: false,
      firedLevels: [],
    });
  });

  it('shows a running clock past its deadline as breached and not met', () => {
    const c = started();
    fireAll(c, at(75));
    expect(clockView(c, at(75))[0]).toMatchObject({ breached: true, met: false, remainingMs: -15 * MIN, firedLevels: [1] });
  });

  it('freezes the time left of a held clock and pushes its deadline with the hold', () => {
    const c = started();
    pauseAll(c, at(50));
    const [view] = clockView(c, at(200));
    expect(view).toMatchObject({ state: 'paused', paused: true, breached: false, remainingMs: 10 * MIN, deadline: at(210) });
    expect(view?.met).toBeUndefined();
  });

  it('shows ended clocks after the live ones with their verdict', () => {
    const c = started();
    stopClock(c, 'respond', at(45));
    startClock(c, respond, at(50));
    fireAll(c, at(200));
    startClock(c, respond, at(200));
    const views = clockView(c, at(210));
    expect(views.map((v) => [v.run, v.state, v.met, v.breached, v.stoppedAt, v.remainingMs])).toEqual([
      [3, 'running', undefined, false, undefined, 50 * MIN],
      [1, 'stopped', true, false, at(45), 15 * MIN],
      [2, 'restarted', false, true, at(200), -90 * MIN],
    ]);
    expect(views[2]?.firedLevels).toEqual([1, 2]);
  });
});

describe('SLA clock state', () => {
  it('survives a JSON round trip unchanged, as a query result or continue-as-new input', () => {
    const c = started();
    startClock(c, { name: 'arrive', durationMs: 2 * HOUR, escalation: [{ level: 1, afterMs: 0, role: 'dispatcher' }] }, at(5));
    fireAll(c, at(30));
    pauseAll(c, at(40));
    stopClock(c, 'arrive', at(41));
    const copy = JSON.parse(JSON.stringify(c)) as SlaClocks;
    expect(copy).toStrictEqual(c);
    resumeAll(c, at(100));
    resumeAll(copy, at(100));
    expect(dueEvents(copy, at(1000))).toStrictEqual(dueEvents(c, at(1000)));
    expect(nextWakeUp(copy)).toBe(nextWakeUp(c));
  });
});
