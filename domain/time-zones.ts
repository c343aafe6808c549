/**
 * Calendar dates and local midnights at a property, whose time zone (an IANA name such as
 * `Asia/Shanghai`) is in its row. Luxon carries the zone rules, daylight saving included.
 */
import { DateTime } from 'luxon';

function valid(dt: DateTime, what: string): DateTime {
  if (!dt.isValid) throw new RangeError(`${what}: ${dt.invalidExplanation ?? dt.invalidReason}`);
  return dt;
}

/** The calendar date of `at` in `timeZone` as YYYYMMDD: the date in an order or complaint number. */
export function dateStamp(at: Date, timeZone: string): string {
  return valid(DateTime.fromJSDate(at, { zone: timeZone }), `no date of ${at.toISOString()} in time zone ${timeZone}`).toFormat('yyyyMMdd');
}

/**
 * A query's day or instant: a bare date (`2026-11-01`) is the start of that day in `timeZone`
 * (its midnight, or the first instant after it on a day the clocks skip midnight); a
 * date-time with its offset (`2026-11-01T08:00:00+08:00`) is that instant wherever it is read.
 */
export function instantAt(value: string, timeZone: string): Date {
  const dt = value.includes('T') ? DateTime.fromISO(value, { setZone: true }) : DateTime.fromISO(value, { zone: timeZone }).startOf('day');
  return valid(dt, `${JSON.stringify(value)} is not a date or an instant in time zone ${timeZone}`).toJSDate();
}
