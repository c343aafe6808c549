/** What an incident needs from PostgreSQL when it activates: who is on duty for each role, and the chain above them. */
import { dutyRoster } from '../db/emergency.js';
import type { Db } from '../db/index.js';
import { listStaff } from '../db/reference.js';
import type { Assignee } from '../workflows/shared/steps.js';

/** The people an incident pages and escalates to, by ID and name. */
export interface Responders {
  /** Per role of the response organisation, the active staff on duty in paging order. */
  duty: Record<string, Assignee[]>;
  managers: Assignee[];
  directors: Assignee[];
}

/** Build the findResponders activity: the roster and the chain as they stand when the incident activates. */
export function findRespondersActivity(db: Db) {
  return async function findResponders(input: { propertyId: string }): Promise<Responders> {
    const [duty, managers, directors] = await Promise.all([
      dutyRoster(db, input.propertyId),
      listStaff(db, input.propertyId, { role: 'manager', active: true }),
      listStaff(db, input.propertyId, { role: 'director', active: true }),
    ]);
    const person = (s: { id: string; name: string }): Assignee => ({ id: s.id, name: s.name });
    return { duty, managers: managers.map(person), directors: directors.map(person) };
  };
}
