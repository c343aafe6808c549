/** Schemas shared by several resources. */
import { z } from 'zod';

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
