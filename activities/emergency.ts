/** What incidents and drill schedules read from PostgreSQL: who is on duty for each role and the chain above them, and a drill schedule as its engine runs it. */
import { drillSeries, getDrillSchedule, holdWithinMs } from '../db/drill-schedules.js';
import { currentPlanSnapshot, dutyRoster } from '../db/emergency.js';
import type { Db } from '../db/index.js';
import { listBuildings, listStaff } from '../db/reference.js';
import type { IncidentType, PlanSnapshot } from '../domain/emergency.js';
import type { RecurringPlan } from '../workflows/shared/recurring-plan.contract.js';
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

/** A drill schedule as the recurring-plan engine runs it, with the plan its drills follow now. */
export interface DrillScheduleForEngine extends RecurringPlan {
  propertyId: string;
  incidentType: IncidentType;
  holdWithinMs: number;
  /** The property's current plan for the type; null while it has none (no drill can start). */
  plan: PlanSnapshot | null;
  /** Every building of the property: a drill notice goes to every owner. */
  buildingIds: string[];
}

/** Build the loadDrillSchedule activity. */
export function loadDrillScheduleActivity(db: Db) {
  return async function loadDrillSchedule(input: { planId: string }): Promise<DrillScheduleForEngine | null> {
    const row = await getDrillSchedule(db, input.planId);
    if (!row) return null;
    const type = row.incidentType as IncidentType;
    const [plan, buildings] = await Promise.all([currentPlanSnapshot(db, row.propertyId, type), listBuildings(db, row.propertyId)]);
    return {
      id: row.id,
      status: row.status as DrillScheduleForEngine['status'],
      statusReason: row.statusReason,
      statusChangedAt: row.statusChangedAt.getTime(),
      createdAt: row.createdAt.getTime(),
      schedule: drillSeries(row, row.timeZone),
      // A drill is due at its time; it waits for staff to start it until its window ends.
      opensBeforeMs: 0,
      catchUp: 'all',
      lastCompletedAt: null,
      pendingTasks: 0,
      propertyId: row.propertyId,
      incidentType: type,
      holdWithinMs: holdWithinMs(row),
      plan: plan ?? null,
      buildingIds: buildings.map((b) => b.id),
    };
  };
}
