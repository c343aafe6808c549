/**
 * ISO 8601 durations (`PT1H`, `PT30M`, `P2D`, `P1DT2H30M`, `PT1.5S`) as used by SLA
 * policies. Pure code: the API validates with it and workflows compute deadlines with it.
 */

const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;
const MS_PER_DAY = 24 * MS_PER_HOUR;
const MS_PER_WEEK = 7 * MS_PER_DAY;

/**
 * Milliseconds in an ISO 8601 duration such as "PT1H", "PT30M", "P1D", "P1DT2H30M", "PT1.5S"
 * or "P2W" (days count as 24 hours). Years and months have no fixed length and are refused,
 * as are weeks combined with other parts. A fraction is allowed on the last part only.
 * Throws an Error naming the text. A single left-to-right scan: no regular expressions.
 */
export function parseIsoDuration(text: string): number {
  const invalid = (reason: string): Error => {
    const shown = text.length > 64 ? `${text.slice(0, 64)}...` : text;
    return new Error(`Invalid ISO 8601 duration ${JSON.stringify(shown)}: ${reason}`);
  };
  if (text.length === 0) throw invalid('it is empty');
  if (text[0] === '-' || text[0] === '+') throw invalid('a signed duration is not allowed');
  if (text[0] !== 'P') throw invalid('it must start with "P"');

  let total = 0;
  let parts = 0;
  let inTime = false;
  let timeParts = 0;
  let sawWeeks = false;
  let sawFraction = false;
  // Position of the last designator in its section, to enforce the order D, then H, M, S.
  let lastOrder = -1;
  let i = 1;

  while (i < text.length) {
    if (text[i] === 'T') {
      if (inTime) throw invalid('"T" appears twice');
      inTime = true;
      lastOrder = -1;
      i += 1;
      continue;
    }
    const numberStart = i;
    while (i < text.length && isDigit(text.charCodeAt(i))) i += 1;
    if (i === numberStart) throw invalid(`expected a number at position ${i}`);
    let fraction = false;
    if (text[i] === '.' || text[i] === ',') {
      fraction = true;
      i += 1;
      const fractionStart = i;
      while (i < text.length && isDigit(text.charCodeAt(i))) i += 1;
      if (i === fractionStart) throw invalid(`expected digits after the decimal mark at position ${fractionStart}`);
    }
    const value = Number(text.slice(numberStart, i).replace(',', '.'));
    const designator = text[i];
    if (designator === undefined) throw invalid('the last number has no unit');
    i += 1;
    if (sawFraction) throw invalid('only the last part may have a fraction');
    sawFraction = fraction;

    let unitMs: number;
    let order: number;
    if (!inTime) {
      switch (designator) {
        case 'Y':
          throw invalid('years have no fixed length; use days');
        case 'M':
          throw invalid('months have no fixed length; use days (minutes are written after "T", as in PT30M)');
        case 'W':
          unitMs = MS_PER_WEEK;
          order = 0;
          sawWeeks = true;
          break;
        case 'D':
          unitMs = MS_PER_DAY;
          order = 1;
          break;
        default:
          throw invalid(`unknown date unit "${designator}"`);
      }
    } else {
      switch (designator) {
        case 'H':
          unitMs = MS_PER_HOUR;
          order = 0;
          break;
        case 'M':
          unitMs = MS_PER_MINUTE;
          order = 1;
          break;
        case 'S':
          unitMs = MS_PER_SECOND;
          order = 2;
          break;
        default:
          throw invalid(`unknown time unit "${designator}"`);
      }
      timeParts += 1;
    }
    if (order <= lastOrder) throw invalid(`unit "${designator}" is repeated or out of order`);
    lastOrder = order;
    parts += 1;
    total += value * unitMs;
  }

  if (inTime && timeParts === 0) throw invalid('"T" must be followed by at least one time part');
  if (parts === 0) throw invalid('it has no parts');
  if (sawWeeks && parts > 1) throw invalid('weeks cannot be combined with other parts');
  const ms = Math.round(total);
  if (!Number.isSafeInteger(ms)) throw invalid('it is too long');
  return ms;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
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

/** Render milliseconds as a compact ISO 8601 duration (`PT1H30M`). */
export function formatIsoDuration(ms: number): string {
  if (ms <= 0) return 'PT0S';
  const days = Math.floor(ms / 86_400_000);
  let rest = ms - days * 86_400_000;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = rest / 1000;
  const time = `${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${seconds ? `${seconds}S` : ''}`;
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}
