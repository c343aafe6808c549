import { describe, expect, it } from 'vitest';
import { formatIsoDuration, isIsoDuration, parseIsoDuration } from './durations.js';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('parseIsoDuration', () => {
  it.each([
    ['PT1H', HOUR],
    ['PT30M', 30 * MIN],
    ['P1D', 24 * HOUR],
    ['PT0S', 0],
    ['P1DT2H30M', 26 * HOUR + 30 * MIN],
    ['PT1.5S', 1500],
    ['PT0,5S', 500],
    ['PT1.5H', 90 * MIN],
    ['PT36H', 36 * HOUR],
    ['P2W', 14 * 24 * HOUR],
    ['P0D', 0],
    ['PT1H0M30S', HOUR + 30_000],
  ])('reads %s as %i ms', (text, ms) => {
    expect(parseIsoDuration(text)).toBe(ms);
  });

  it.each([
    ['', /empty/],
    ['P', /no parts/],
    ['PT', /"T" must be followed/],
    ['P1DT', /"T" must be followed/],
    ['P1Y', /years/],
    ['P1M', /months/],
    ['P1Y2M3DT4H', /years/],
    ['P1W2D', /weeks cannot be combined/],
    ['PT1.5H30M', /only the last part/],
    ['-PT1H', /signed/],
    ['1H', /start with "P"/],
    ['pt1h', /start with "P"/],
    ['PT1H1H', /repeated or out of order/],
    ['PT1S1M', /repeated or out of order/],
    ['P1DT1HT1M', /"T" appears twice/],
    ['PT1', /no unit/],
    ['PTH', /expected a number/],
    ['PT1.S', /digits after the decimal mark/],
    ['PT1X', /unknown time unit "X"/],
    ['P1H', /unknown date unit "H"/],
    ['P 1D', /expected a number/],
    ['P99999999999999999999D', /too long/],
  ])('rejects %j', (text, reason) => {
    expect(() => parseIsoDuration(text)).toThrow(reason);
    expect(() => parseIsoDuration(text)).toThrow(`Invalid ISO 8601 duration ${JSON.stringify(text)}`);
  });

  it('rejects a very long malformed text promptly, quoting only its beginning', () => {
    const text = `P${'1'.repeat(200_000)}`;
    expect(() => parseIsoDuration(text)).toThrow(/^Invalid ISO 8601 duration "P1{63}\.\.\.": the last number has no unit$/);
  });
});

describe('isIsoDuration and formatIsoDuration', () => {
  it('tells policy figures from free text', () => {
    expect(isIsoDuration('PT30M')).toBe(true);
    expect(isIsoDuration('30 minutes')).toBe(false);
  });

  it('writes back durations that parse to the same milliseconds', () => {
    for (const ms of [0, 1500, 30 * MIN, HOUR + 30 * MIN, 26 * HOUR, 49 * HOUR + 1000]) {
      expect(parseIsoDuration(formatIsoDuration(ms))).toBe(ms);
    }
    expect(formatIsoDuration(HOUR + 30 * MIN)).toBe('PT1H30M');
    expect(formatIsoDuration(26 * HOUR)).toBe('P1DT2H');
  });
});
