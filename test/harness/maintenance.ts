/** Helpers for tests of maintenance tasks. */
import { getTemplate } from '../../db/maintenance.js';
import type { Db } from '../../db/index.js';
import type { ChecklistAnswer } from '../../workflows/maintenance-task.contract.js';

/** Passing answers to every item of a property's checklist template: readings in the middle of their limits. */
export async function passingAnswers(db: Db, propertyId: string, templateCode: string): Promise<Record<string, ChecklistAnswer>> {
  const template = await getTemplate(db, propertyId, templateCode);
  if (!template) throw new Error(`no checklist template ${templateCode} at ${propertyId}`);
  return Object.fromEntries(
    template.items.map((i): [string, ChecklistAnswer] => [
      i.key,
      i.type === 'pass_fail' ? { pass: true } : i.type === 'reading' ? { value: i.min !== undefined && i.max !== undefined ? (i.min + i.max) / 2 : (i.max ?? 1) - 1 } : i.type === 'photo' ? { photo: 'https://photos.example/record.jpg' } : { text: 'ok' },
    ]),
  );
}
