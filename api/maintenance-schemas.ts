/** Schema pieces the maintenance resources (equipment, templates, plans) share. */
import { z } from 'zod';

/** Trimmed, non-empty text of at most `max` characters. */
export const text = (max: number) => z.string().trim().min(1).max(max);

/** A resource addressed by its UUID. */
export const uuidParams = z.object({ id: z.uuid() });

/** Retiring needs a reason. */
export const retireBody = z.object({ reason: text(1000) }).strict();

/**
 * A PATCH body: at least one field besides `reason`, and a `reason` whenever `status` changes
 * (the reason of the last change is kept with the status).
 */
export const changeBody = <S extends z.ZodRawShape & { status: z.ZodOptional<z.ZodType<string>> }>(shape: S) =>
  z
    .object({ ...shape, reason: text(1000).optional() })
    .strict()
    .refine((b) => Object.keys(b).some((k) => k !== 'reason'), 'must change at least one field')
    .refine((b) => (b as { status?: string }).status === undefined || (b as { reason?: string }).reason !== undefined, {
      message: 'is required when the status changes',
      path: ['reason'],
    });
