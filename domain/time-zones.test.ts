import { describe, expect, it } from 'vitest';
import { dateStamp, instantAt } from './time-zones.js';

describe('dateStamp', () => {
  it('dates an order by the calendar at the property, not in UTC', () => {
    const lateEveningUtc = new Date('2026-11-21T17:00:00Z');
    expect(dateStamp(lateEveningUtc, 'Asia/Shanghai')).toBe('20261122');
    expect(dateStamp(lateEveningUtc, 'UTC')).toBe('20261121');
    expect(dateStamp(new Date('2026-01-01T04:59:59Z'), 'America/New_York')).toBe('20251231');
  });

  it('refuses a time zone it does not know rather than inventing a date', () => {
    expect(() => dateStamp(new Date('2026-11-21T00:00:00Z'), 'Mars/Olympus_Mons')).toThrow(/Mars\/Olympus_Mons/);
  });
});

describe('instantAt', () => {
  it('reads a bare date as midnight at the property', () => {
    expect(instantAt('2026-11-01', 'Asia/Shanghai').toISOString()).toBe('2026-10-31T16:00:00.000Z');
    expect(instantAt('2026-11-01', 'UTC').toISOString()).toBe('2026-11-01T00:00:00.000Z');
  });

  it('follows daylight saving: the offset of the day itself, on either side of the change', () => {
    expect(instantAt('2026-03-08', 'America/New_York').toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(instantAt('2026-03-09', 'America/New_York').toISOString()).toBe('2026-03-09T04:00:00.000Z');
  });

  it('starts a day whose midnight the clocks skip at its first instant, still on that day', () => {
    // Chile moves from -04 to -03 at midnight on 6 September 2026: the day starts at 01:00 -03.
    expect(instantAt('2026-09-06', 'America/Santiago').toISOString()).toBe('2026-09-06T04:00:00.000Z');
  });

  it('takes a date-time with its offset as that instant, whatever the property zone', () => {
    expect(instantAt('2026-11-01T08:30:00+08:00', 'UTC').toISOString()).toBe('2026-11-01T00:30:00.000Z');
    expect(instantAt('2026-11-01T08:30:00Z', 'Asia/Shanghai').toISOString()).toBe('2026-11-01T08:30:00.000Z');
  });

  it('refuses a date that does not exist', () => {
    expect(() => instantAt('2026-02-30', 'UTC')).toThrow(/"2026-02-30" is not a date/);
  });
});
