/** Schemas shared by several resources. */
import { z } from 'zod';
import { isIsoDuration, parseIsoDuration } from '../domain/durations.js';
import { maxWindowMs } from '../domain/maintenance-schedule.js';

/** A property ID: a short lowercase slug chosen when the property is created. */
export const propertyId = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'must be a lowercase slug of letters, digits and dashes');

export const propertyParams = z.object({ propertyId });

/** The list filter on processes with a step that could not be recorded (an admin retries it). */
export const needsAttentionQuery = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .optional()
  .meta({ description: 'true: a step of it could not be recorded and waits for an admin (POST /v1/processes/{workflowId}/retry-step)' });

/** Timestamps: Dates in handlers, ISO 8601 strings on the wire (JSON.stringify) and in the OpenAPI document. */
export const timestamp = z.date();

/** A phone number as people write it: digits with optional +, spaces and dashes. */
export const phone = z.string().regex(/^\+?[0-9][0-9 -]{4,19}$/, 'must be a phone number');

/** Mask a phone number for roles that need not see it (auditors): 138****5678. */
export function maskPhone(value: string | null): string | null {
  if (!value) return value;
  const digits = value.replace(/\D/g, '');
  return digits.length <= 4 ? '****' : `${digits.slice(0, 3)}****${digits.slice(-4)}`;
}

/** The longest duration any stored policy or plan may hold: a year (P365D). Longer ones would put deadlines past what a process can keep. */
export const maxDurationMs = maxWindowMs;

/** An ISO 8601 duration of at most a year, checked where a policy is stored so a stored figure can never break a process. */
export const isoDuration = (examples: string[] = ['PT1H', 'PT30M', 'P2D']) =>
  z
    .string()
    .refine((d) => isIsoDuration(d) && parseIsoDuration(d) <= maxDurationMs, 'must be an ISO 8601 duration of at most a year (P365D), such as PT1H, PT30M or P2D')
    .meta({ examples });

/** Years a date in a query or body may name: wide enough for any installation date or report, narrow enough that no date sum overflows. */
export const yearRange = { min: 1900, max: 2199 } as const;
// Only a well-formed date is judged here: a malformed one already has its format's issue.
const withinYears = (s: string) => {
  const year = /^(\d{4})-/.exec(s)?.[1];
  return year === undefined || (Number(year) >= yearRange.min && Number(year) <= yearRange.max);
};
const yearsMessage = `must be between ${yearRange.min}-01-01 and ${yearRange.max}-12-31`;

/** A calendar date, YYYY-MM-DD, within `yearRange`. */
export const isoDay = z.iso.date().refine(withinYears, yearsMessage);

/** A calendar month, YYYY-MM, within `yearRange`. */
export const isoMonth = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month such as 2026-12')
  .refine(withinYears, `must be between ${yearRange.min}-01 and ${yearRange.max}-12`);

/** An instant with its offset, within `yearRange`. */
export const isoInstant = z.iso.datetime({ offset: true }).refine(withinYears, yearsMessage);
