/** Small statistics helpers for the bench: percentiles and rounding. */

/** Percentiles of a sample (nearest rank), in the sample's unit. */
export interface Percentiles {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/** The value at quantile `q` (0..1) by nearest rank; NaN for an empty sample. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** p50, p99 and max of `values`, rounded to `digits` decimals. */
export function percentiles(values: readonly number[], digits = 1): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, p50: round(quantile(sorted, 0.5), digits), p99: round(quantile(sorted, 0.99), digits), max: round(sorted[sorted.length - 1] ?? Number.NaN, digits) };
}

/** `value` rounded to `digits` decimals. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** a / b rounded, or null when b is zero or either is not a number. */
export function ratio(a: number, b: number, digits = 2): number | null {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? round(a / b, digits) : null;
}
