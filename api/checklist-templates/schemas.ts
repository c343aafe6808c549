/** Request and response schemas for checklist templates (versioned: a change is a new version). */
import { z } from 'zod';
import { checklistItemTypes, equipmentKinds, type ChecklistItem } from '../../domain/maintenance.js';
import { propertyParams } from '../common.js';
import { text } from '../maintenance-schemas.js';
import { isoSchema } from '../process-views.js';


/** A template or item key: a short lowercase code that stays stable across versions. */
export const templateCode = z.string().regex(/^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$/, 'must be a lowercase code of letters, digits, dashes and underscores');

export const checklistItemInput = z
  .object({
    key: templateCode,
    label: text(300),
    type: z.enum(checklistItemTypes),
    required: z.boolean().default(true),
    unit: text(20).optional().meta({ description: 'readings only, e.g. MPa' }),
    min: z.number().optional().meta({ description: 'readings only: the lowest acceptable value' }),
    max: z.number().optional().meta({ description: 'readings only: the highest acceptable value' }),
  })
  .strict();

/** The items of a checklist: at least one, keys unique, readings with a unit and limits in order. */
export const checklistItems = z
  .array(checklistItemInput)
  .min(1, 'must have at least one item')
  .max(200)
  .superRefine((items, ctx) => {
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      const first = seen.get(item.key);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'key'], message: `duplicates the key of item ${first}` });
      else seen.set(item.key, i);
      if (item.type === 'reading' && item.unit === undefined) ctx.addIssue({ code: 'custom', path: [i, 'unit'], message: 'is required for a reading' });
      if (item.type !== 'reading') {
        for (const f of ['unit', 'min', 'max'] as const) {
          if (item[f] !== undefined) ctx.addIssue({ code: 'custom', path: [i, f], message: 'only a reading has a unit and limits' });
        }
      }
      if (item.min !== undefined && item.max !== undefined && item.min > item.max) {
        ctx.addIssue({ code: 'custom', path: [i, 'min'], message: `must not be greater than max (${item.max})` });
      }
    });
  });

export const putTemplateBody = z
  .object({ name: text(200), equipmentKind: z.enum(equipmentKinds), items: checklistItems })
  .strict();

export const templateParams = propertyParams.extend({ code: templateCode });
export const templateVersionParams = templateParams.extend({ version: z.coerce.number().int().min(1).max(2_147_483_647) });
export const templatesQuery = z.object({ equipmentKind: z.enum(equipmentKinds).optional() }).strict();

export const checklistItem = z.object({
  key: z.string(),
  label: z.string(),
  type: z.enum(checklistItemTypes),
  required: z.boolean(),
  unit: z.string().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
}) satisfies z.ZodType<ChecklistItem>;

export const checklistTemplate = z
  .object({
    propertyId: z.string(),
    code: z.string(),
    version: z.number(),
    name: z.string(),
    equipmentKind: z.enum(equipmentKinds),
    items: z.array(checklistItem),
    isDefault: z.boolean(),
    createdAt: isoSchema,
    createdBy: z.string(),
  })
  .meta({ id: 'ChecklistTemplate' });
