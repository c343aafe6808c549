import { describe, expect, it } from 'vitest';
import {
  addIntervals,
  classifyOccurrences,
  lateToleranceMs,
  monthBounds,
  nextDue,
  occurrences,
  parseTaskWorkflowId,
  planWorkflowId,
  taskWindow,
  taskWorkflowId,
  yearBounds,
  type Schedule,
} from './maintenance-schedule.js';

const at = (iso: string) => Date.parse(iso);
const isos = (ms: number[]) => ms.map((m) => new Date(m).toISOString());
const shanghai = (over: Partial<Schedule>): Schedule => ({
  mode: 'fixed',
  every: 1,
  unit: 'days',
  anchorMs: at('2026-01-01T01:00:00Z'), // 09:00 in Shanghai
  timeZone: 'Asia/Shanghai',
  ...over,
});

describe('a fixed plan over a year', () => {
  it('gives 25 occurrences of a 15-day plan anchored on the first day of the year', () => {
    const s = shanghai({ every: 15 });
    const y = yearBounds(2026, 'Asia/Shanghai');
    const list = occurrences(s, y.fromMs, y.toMs);
    expect(list).toHaveLength(25); // day 1, 16, … 361
    expect(isos(list.slice(0, 3))).toEqual(['2026-01-01T01:00:00.000Z', '2026-01-16T01:00:00.000Z', '2026-01-31T01:00:00.000Z']);
    expect(isos(list.slice(-1))).toEqual(['2026-12-27T01:00:00.000Z']);
  });

  it('gives 24 occurrences of a 15-day plan anchored late in the previous year', () => {
    const s = shanghai({ every: 15, anchorMs: at('2025-12-25T01:00:00Z') });
    const y = yearBounds(2026, 'Asia/Shanghai');
    const list = occurrences(s, y.fromMs, y.toMs);
    expect(list).toHaveLength(24);
    expect(isos([list[0]!])).toEqual(['2026-01-09T01:00:00.000Z']);
  });

  it('counts the year in the property zone: an occurrence at 00:30 Shanghai on 1 January belongs to the new year', () => {
    const s = shanghai({ every: 1, unit: 'months', anchorMs: at('2025-12-31T16:30:00Z') }); // 2026-01-01 00:30 local
    const y2025 = yearBounds(2025, 'Asia/Shanghai');
    const y2026 = yearBounds(2026, 'Asia/Shanghai');
    expect(occurrences(s, y2025.fromMs, y2025.toMs)).toEqual([]);
    expect(occurrences(s, y2026.fromMs, y2026.toMs)).toHaveLength(12);
  });

  it('excludes the lower bound and includes the upper one', () => {
    const s = shanghai({ every: 1, unit: 'days' });
    const d1 = at('2026-01-01T01:00:00Z');
    const d3 = at('2026-01-03T01:00:00Z');
    expect(isos(occurrences(s, d1, d3))).toEqual(['2026-01-02T01:00:00.000Z', '2026-01-03T01:00:00.000Z']);
    expect(isos(occurrences(s, d1 - 1, d3 - 1))).toEqual(['2026-01-01T01:00:00.000Z', '2026-01-02T01:00:00.000Z']);
    expect(occurrences(s, d3, d3)).toEqual([]);
  });

  it('starts at the anchor: nothing is due before it', () => {
    const s = shanghai({ anchorMs: at('2026-06-01T01:00:00Z'), unit: 'weeks', every: 2 });
    expect(occurrences(s, at('2026-01-01T00:00:00Z'), at('2026-06-30T00:00:00Z')).map((m) => new Date(m).toISOString().slice(0, 10))).toEqual([
      '2026-06-01',
      '2026-06-15',
      '2026-06-29',
    ]);
  });

  it('returns at most the limit asked for', () => {
    const s = shanghai({ unit: 'seconds', every: 1 });
    const list = occurrences(s, s.anchorMs, s.anchorMs + 365 * 86_400_000, 101);
    expect(list).toHaveLength(101);
    expect(list[100]! - list[0]!).toBe(100_000);
  });

  it('steps exactly in seconds, minutes and hours', () => {
    const anchorMs = at('2026-03-01T00:00:00Z');
    expect(occurrences(shanghai({ unit: 'seconds', every: 30, anchorMs }), anchorMs, anchorMs + 120_000)).toEqual(
      [30_000, 60_000, 90_000, 120_000].map((d) => anchorMs + d),
    );
    expect(addIntervals(shanghai({ unit: 'minutes', every: 5, anchorMs }), anchorMs, 3)).toBe(anchorMs + 15 * 60_000);
    expect(addIntervals(shanghai({ unit: 'hours', every: 8, anchorMs }), anchorMs, 2)).toBe(anchorMs + 16 * 3_600_000);
  });

  it('refuses an interval of 0 or a fraction, and an unknown zone', () => {
    expect(() => occurrences(shanghai({ every: 0 }), 0, 1)).toThrow(/≥ 1/);
    expect(() => occurrences(shanghai({ every: 1.5 }), 0, 1)).toThrow(/whole number/);
    expect(() => occurrences(shanghai({ timeZone: 'Mars/Olympus' }), 0, 1)).toThrow(/time zone/);
  });
});

describe('months', () => {
  const endOfJanuary = shanghai({ unit: 'months', every: 1, anchorMs: at('2026-01-31T02:00:00Z') }); // 10:00 on Jan 31

  it('clamps to the last day of a shorter month and returns to the 31st afterwards (no drift)', () => {
    const list = occurrences(endOfJanuary, endOfJanuary.anchorMs - 1, at('2026-07-31T12:00:00Z'));
    expect(isos(list)).toEqual([
      '2026-01-31T02:00:00.000Z',
      '2026-02-28T02:00:00.000Z',
      '2026-03-31T02:00:00.000Z',
      '2026-04-30T02:00:00.000Z',
      '2026-05-31T02:00:00.000Z',
      '2026-06-30T02:00:00.000Z',
      '2026-07-31T02:00:00.000Z',
    ]);
  });

  it('lands on 29 February in a leap year', () => {
    const s = { ...endOfJanuary, anchorMs: at('2028-01-31T02:00:00Z') };
    expect(isos(occurrences(s, s.anchorMs, at('2028-03-01T00:00:00Z')))).toEqual(['2028-02-29T02:00:00.000Z']);
  });

  it('counts every six months from the anchor for a half-yearly plan', () => {
    const s = shanghai({ unit: 'months', every: 6, anchorMs: at('2026-03-15T01:00:00Z') });
    const y = yearBounds(2027, 'Asia/Shanghai');
    expect(isos(occurrences(s, y.fromMs, y.toMs))).toEqual(['2027-03-15T01:00:00.000Z', '2027-09-15T01:00:00.000Z']);
  });

  it('finds the right occurrence far from the anchor without walking from it', () => {
    const s = { ...endOfJanuary };
    const tenYearsOn = occurrences(s, at('2036-02-01T00:00:00Z'), at('2036-03-01T00:00:00Z'));
    expect(isos(tenYearsOn)).toEqual(['2036-02-29T02:00:00.000Z']);
  });
});

describe('time zones', () => {
  it('keeps the wall-clock time across a daylight-saving change (Europe/Berlin, 29 March 2026)', () => {
    const s: Schedule = { mode: 'fixed', every: 1, unit: 'days', anchorMs: at('2026-03-27T08:00:00Z'), timeZone: 'Europe/Berlin' }; // 09:00 CET
    const list = occurrences(s, s.anchorMs - 1, at('2026-03-31T00:00:00Z'));
    expect(isos(list)).toEqual([
      '2026-03-27T08:00:00.000Z',
      '2026-03-28T08:00:00.000Z',
      '2026-03-29T07:00:00.000Z', // 09:00 CEST
      '2026-03-30T07:00:00.000Z',
    ]);
    // The step across the change is 23 hours long.
    expect(list[2]! - list[1]!).toBe(23 * 3_600_000);
  });

  it('has 24-hour days all year in Asia/Shanghai', () => {
    const s = shanghai({ every: 1, unit: 'days' });
    const y = yearBounds(2026, 'Asia/Shanghai');
    const list = occurrences(s, y.fromMs, y.toMs);
    expect(list).toHaveLength(365);
    expect(new Set(list.slice(1).map((m, i) => m - list[i]!))).toEqual(new Set([86_400_000]));
  });

  it('keeps exact units exact across a DST change: 24 hours is not a day there', () => {
    const s: Schedule = { mode: 'fixed', every: 24, unit: 'hours', anchorMs: at('2026-03-28T08:00:00Z'), timeZone: 'Europe/Berlin' };
    expect(isos(occurrences(s, s.anchorMs, at('2026-03-30T00:00:00Z')))).toEqual(['2026-03-29T08:00:00.000Z']);
  });
});

describe('floating and fixed plans', () => {
  const fixed = shanghai({ every: 1, unit: 'months', anchorMs: at('2026-01-10T01:00:00Z') });
  const floating: Schedule = { ...fixed, mode: 'floating' };

  it('counts a floating plan from the last completion', () => {
    expect(new Date(nextDue(floating, at('2026-01-14T05:00:00Z'), at('2026-01-14T05:00:00Z'))).toISOString()).toBe('2026-02-14T05:00:00.000Z');
    expect(new Date(nextDue(floating, at('2026-01-08T05:00:00Z'), at('2026-01-14T05:00:00Z'))).toISOString()).toBe('2026-02-08T05:00:00.000Z');
  });

  it('is due at its anchor before a floating plan was ever completed', () => {
    expect(nextDue(floating, null, at('2026-03-01T00:00:00Z'))).toBe(floating.anchorMs);
  });

  it('ignores completion for a fixed plan', () => {
    const after = at('2026-01-14T05:00:00Z');
    const early = nextDue(fixed, at('2026-01-09T05:00:00Z'), after);
    const late = nextDue(fixed, at('2026-01-14T05:00:00Z'), after);
    expect(early).toBe(late);
    expect(new Date(early).toISOString()).toBe('2026-02-10T01:00:00.000Z');
    expect(new Date(nextDue(fixed, null, fixed.anchorMs)).toISOString()).toBe('2026-02-10T01:00:00.000Z');
  });

  it('adds days in the property zone for a floating plan', () => {
    const s: Schedule = { mode: 'floating', every: 1, unit: 'days', anchorMs: 0, timeZone: 'Europe/Berlin' };
    expect(new Date(nextDue(s, at('2026-03-28T20:00:00Z'), 0)).toISOString()).toBe('2026-03-29T19:00:00.000Z'); // 21:00 local both days
  });
});

describe('catching up after an outage', () => {
  const s = shanghai({ unit: 'minutes', every: 10, anchorMs: at('2026-05-01T00:00:00Z') });

  it('starts an occurrence that just came due on time, within the tolerance', () => {
    const due = at('2026-05-01T00:10:00Z');
    const c = classifyOccurrences(s, { afterMs: at('2026-05-01T00:00:00Z'), nowMs: due + 200, policy: 'all' });
    expect(c).toEqual({ policy: 'all', due: [due], late: [], skipped: [], processedUntilMs: due + 200 });
  });

  it('starts every occurrence that came due while the worker was down, each flagged late', () => {
    const c = classifyOccurrences(s, { afterMs: at('2026-05-01T00:00:00Z'), nowMs: at('2026-05-01T00:35:00Z'), policy: 'all' });
    if (c.policy !== 'all') throw new Error('policy');
    expect(c.due).toEqual([]);
    expect(isos(c.late)).toEqual(['2026-05-01T00:10:00.000Z', '2026-05-01T00:20:00.000Z', '2026-05-01T00:30:00.000Z']);
  });

  it('gives nothing new when asked again from where it stopped (no duplicates)', () => {
    const first = classifyOccurrences(s, { afterMs: at('2026-05-01T00:00:00Z'), nowMs: at('2026-05-01T00:35:00Z'), policy: 'all' });
    const again = classifyOccurrences(s, { afterMs: first.processedUntilMs, nowMs: at('2026-05-01T00:36:00Z'), policy: 'all' });
    expect(again).toMatchObject({ due: [], late: [], skipped: [] });
  });

  it('starts only the latest under latest_only and records the others as missed', () => {
    const c = classifyOccurrences(s, { afterMs: at('2026-05-01T00:00:00Z'), nowMs: at('2026-05-01T00:35:00Z'), policy: 'latest_only' });
    expect(c).toEqual({
      policy: 'latest_only',
      start: { nominalDueMs: at('2026-05-01T00:30:00Z'), late: true },
      missed: [at('2026-05-01T00:10:00Z'), at('2026-05-01T00:20:00Z')],
      skipped: [],
      processedUntilMs: at('2026-05-01T00:35:00Z'),
    });
  });

  it('records occurrences during a pause as skipped with its reason, and starts those after it', () => {
    const pauses = [{ fromMs: at('2026-05-01T00:15:00Z'), toMs: at('2026-05-01T00:30:00Z'), reason: 'pump replaced' }];
    const c = classifyOccurrences(s, { afterMs: at('2026-05-01T00:00:00Z'), nowMs: at('2026-05-01T00:30:00Z'), policy: 'all', pauses });
    expect(c).toMatchObject({
      due: [at('2026-05-01T00:30:00Z')],
      late: [at('2026-05-01T00:10:00Z')],
      skipped: [{ nominalDueMs: at('2026-05-01T00:20:00Z'), reason: 'pump replaced' }],
    });
  });

  it('skips everything from the start of a pause that has not ended', () => {
    const pauses = [{ fromMs: at('2026-05-01T00:05:00Z'), toMs: null, reason: 'building closed' }];
    const c = classifyOccurrences(s, { afterMs: at('2026-05-01T00:00:00Z'), nowMs: at('2026-05-01T00:30:00Z'), policy: 'latest_only', pauses });
    expect(c).toMatchObject({ start: null, missed: [] });
    expect(c.skipped.map((k) => k.reason)).toEqual(['building closed', 'building closed', 'building closed']);
  });

  it('works through a long outage in batches, never dropping one', () => {
    const seconds = shanghai({ unit: 'seconds', every: 1, anchorMs: 0 });
    const nowMs = 2_500_000;
    const first = classifyOccurrences(seconds, { afterMs: 0, nowMs, policy: 'all', limit: 1_000 });
    expect(first.processedUntilMs).toBe(1_000_000); // the 1,000th second
    if (first.policy !== 'all') throw new Error('policy');
    expect(first.late).toHaveLength(1_000);
    const second = classifyOccurrences(seconds, { afterMs: first.processedUntilMs, nowMs, policy: 'all', limit: 1_000 });
    expect(second.processedUntilMs).toBe(2_000_000);
    const third = classifyOccurrences(seconds, { afterMs: second.processedUntilMs, nowMs, policy: 'all', limit: 1_000 });
    expect(third.processedUntilMs).toBe(nowMs);
    if (second.policy !== 'all' || third.policy !== 'all') throw new Error('policy');
    // The occurrence due exactly now is on time; every earlier one is late.
    expect(third.due).toEqual([nowMs]);
    const all = [...first.late, ...second.late, ...third.late, ...third.due];
    expect(all).toHaveLength(2_500);
    expect(new Set(all).size).toBe(2_500);
  });

  it('considers only the pending due of a floating plan', () => {
    const floating: Schedule = { ...s, mode: 'floating', anchorMs: at('2026-05-01T00:10:00Z') };
    const c = classifyOccurrences(floating, { afterMs: at('2026-05-01T00:00:00Z'), nowMs: at('2026-05-01T01:00:00Z'), policy: 'all' });
    expect(c).toMatchObject({ due: [], late: [at('2026-05-01T00:10:00Z')] });
  });

  it('tolerates a minute of timer lag, less for plans shorter than two minutes', () => {
    expect(lateToleranceMs(s)).toBe(60_000);
    expect(lateToleranceMs(shanghai({ unit: 'seconds', every: 30 }))).toBe(15_000);
  });
});

describe('task windows and workflow IDs', () => {
  it('opens a task before its due time and makes it overdue after', () => {
    const due = at('2026-05-10T01:00:00Z');
    expect(taskWindow(due, { opensBefore: 'P3D', overdueAfter: 'PT12H' })).toEqual({ opensAtMs: at('2026-05-07T01:00:00Z'), overdueAtMs: at('2026-05-10T13:00:00Z') });
  });

  it('names plans and tasks by plan and nominal due time, and reads a task ID back', () => {
    const due = at('2026-05-10T01:00:00Z');
    expect(planWorkflowId('p-1')).toBe('pm-plan:p-1');
    expect(taskWorkflowId('p-1', due)).toBe('pm-task:p-1:2026-05-10T01:00:00.000Z');
    expect(parseTaskWorkflowId(taskWorkflowId('p-1', due))).toEqual({ planId: 'p-1', nominalDueMs: due });
    expect(parseTaskWorkflowId('work-order:WO-1')).toBeUndefined();
    expect(parseTaskWorkflowId('pm-task:p-1:not-a-date')).toBeUndefined();
  });

  it('bounds months and years in the property zone', () => {
    expect(monthBounds('2026-02', 'Asia/Shanghai')).toMatchObject({ startMs: at('2026-01-31T16:00:00Z'), endMs: at('2026-02-28T16:00:00Z') });
    expect(yearBounds(2026, 'UTC')).toEqual({ startMs: at('2026-01-01T00:00:00Z'), endMs: at('2027-01-01T00:00:00Z'), fromMs: at('2026-01-01T00:00:00Z') - 1, toMs: at('2027-01-01T00:00:00Z') - 1 });
  });
});

describe('periods', () => {
  it('rolls December over into the next year and refuses a month that does not exist', () => {
    expect(monthBounds('2026-12', 'Asia/Shanghai')).toMatchObject({ startMs: at('2026-11-30T16:00:00Z'), endMs: at('2026-12-31T16:00:00Z') });
    expect(() => monthBounds('2026-13', 'Asia/Shanghai')).toThrow(RangeError);
    expect(() => yearBounds(2026, 'Mars/Olympus')).toThrow(RangeError);
  });
});
