/**
 * ISO 8601 durations (`PT1H`, `PT30M`, `P2D`, `P1DT2H30M`, `PT1.5S`) as used by SLA
 * policies. Pure code: the API validates with it and workflows may compute deadlines with
 * it. `tinyduration` reads the parts; this module adds what a deadline needs of them.
 */
import { parse } from 'tinyduration';

const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;
const MS_PER_DAY = 24 * MS_PER_HOUR;
const MS_PER_WEEK = 7 * MS_PER_DAY;

// tinyduration finds a duration anywhere in a text and lets a part be signed; a policy
// figure must be nothing but unsigned parts after "P", with at least one after a "T".
const part = String.raw`\d+(?:[.,]\d+)?`;
const wholeText = new RegExp(String.raw`^P(?:${part}[YMWD])*(?:T(?:${part}[HMS])+)?$`);
const parts = new RegExp(String.raw`${part}[A-Z]`, 'g');
const maxLength = 64;

/**
 * Milliseconds in an ISO 8601 duration such as "PT1H", "PT30M", "P1D", "P1DT2H30M", "PT1.5S"
 * or "P2W" (days count as 24 hours). Years and months have no fixed length and are refused,
 * as are weeks combined with other parts. A fraction is allowed on the last part only.
 * Throws an Error naming the text.
 */
export function parseIsoDuration(text: string): number {
  const invalid = (reason: string): Error => {
    const shown = text.length > 64 ? `${text.slice(0, 64)}...` : text;
    return new Error(`Invalid ISO 8601 duration ${JSON.stringify(shown)}: ${reason}`);
  };
  // Longer than any policy figure, and long enough to make a backtracking parser crawl.
  if (text.length > maxLength) throw invalid('it is too long');
  if (text.startsWith('-') || text.startsWith('+')) throw invalid('a signed duration is not allowed');
  const written = wholeText.test(text) ? (text.match(parts) ?? []) : [];
  if (written.length === 0) throw invalid('expected "P", days, then "T" and hours, minutes, seconds, as in P1DT2H30M');
  // tinyduration stops at a unit out of order; a part it did not read means one was.
  const d = parse(text);
  const values = [d.years, d.months, d.weeks, d.days, d.hours, d.minutes, d.seconds];
  if (values.filter((v) => v !== undefined).length !== written.length) throw invalid('a unit is repeated or out of order');
  if (d.years !== undefined) throw invalid('years have no fixed length; use days');
  if (d.months !== undefined) throw invalid('months have no fixed length; use days (minutes are written after "T", as in PT30M)');
  if (d.weeks !== undefined && written.length > 1) throw invalid('weeks cannot be combined with other parts');
  if (written.slice(0, -1).some((p) => /[.,]/.test(p))) throw invalid('only the last part may have a fraction');
  const total =
    (d.weeks ?? 0) * MS_PER_WEEK + (d.days ?? 0) * MS_PER_DAY + (d.hours ?? 0) * MS_PER_HOUR + (d.minutes ?? 0) * MS_PER_MINUTE + (d.seconds ?? 0) * MS_PER_SECOND;
  const ms = Math.round(total);
  if (!Number.isSafeInteger(ms)) throw invalid('it is too long');
  return ms;
}

/** Whether `text` is a duration parseIsoDuration accepts. */
export function isIsoDuration(text: string): boolean {
  try {
    parseIsoDuration(text);
    return true;
  } catch {
    return false;
  }
}
