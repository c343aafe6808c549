import { describe, expect, it } from 'vitest';
import { isIsoDuration, parseIsoDuration } from './durations.js';

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

  const malformed = /expected "P", days, then "T" and hours, minutes, seconds/;
  it.each([
    ['', malformed],
    ['P', malformed],
    ['PT', malformed],
    ['P1DT', malformed],
    ['P1Y', /years/],
    ['P1M', /months/],
    ['P1Y2M3DT4H', /years/],
    ['P1W2D', /weeks cannot be combined/],
    ['PT1.5H30M', /only the last part/],
    ['-PT1H', /signed/],
    ['+PT1H', /signed/],
    ['P-1D', malformed],
    ['PT-1H', malformed],
    ['1H', malformed],
    ['pt1h', malformed],
    ['xPT1H', malformed],
    ['PT1H trailing', malformed],
    ['PT1H1H', /repeated or out of order/],
    ['PT1S1M', /repeated or out of order/],
    ['P1DT1HT1M', malformed],
    ['PT1', malformed],
    ['PTH', malformed],
    ['PT1.S', malformed],
    ['PT1X', malformed],
    ['P1H', malformed],
    ['P 1D', malformed],
    ['P99999999999999999999D', /too long/],
  ])('rejects %j', (text, reason) => {
    expect(() => parseIsoDuration(text)).toThrow(reason);
    expect(() => parseIsoDuration(text)).toThrow(`Invalid ISO 8601 duration ${JSON.stringify(text)}`);
  });

  it('rejects a very long text promptly, quoting only its beginning', () => {
    const text = `P${'1'.repeat(200_000)}D`;
    const started = performance.now();
    expect(() => parseIsoDuration(text)).toThrow(/^Invalid ISO 8601 duration "P1{63}\.\.\.": it is too long$/);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('isIsoDuration', () => {
  it('tells policy figures from free text', () => {
    expect(isIsoDuration('PT30M')).toBe(true);
    expect(isIsoDuration('P1DT2H30M')).toBe(true);
    expect(isIsoDuration('30 minutes')).toBe(false);
    expect(isIsoDuration('P1M')).toBe(false);
  });
});
