/** What the patrol schedule workflow needs of the database: the schedule as the engine runs it, with its route as it stands now. */
import type { Db } from '../db/index.js';
import { getRoute, getSchedule, roundInput } from '../db/patrols.js';
import { getProperty } from '../db/reference.js';
import { parseIsoDuration } from '../domain/durations.js';
import type { IntervalUnit } from '../domain/maintenance.js';
import type { PatrolRoundInput } from '../workflows/patrol-round.contract.js';
import type { PatrolScheduleForEngine } from '../workflows/patrol-schedule.contract.js';
import { systemActor } from '../workflows/shared/steps.js';

/** Build the loadPatrolSchedule activity: the schedule now, or null if it does not exist. */
export function loadPatrolScheduleActivity(db: Db) {
  return async function loadPatrolSchedule(input: { scheduleId: string }): Promise<PatrolScheduleForEngine | null> {
    const schedule = await getSchedule(db, input.scheduleId);
    if (!schedule) return null;
    const [route, property] = await Promise.all([getRoute(db, schedule.routeId), getProperty(db, schedule.propertyId)]);
    const runnable = route && route.status === 'active' && route.checkpoints.length > 0;
    const round = runnable ? withoutOccurrence(roundInput(route, 0, { scheduleId: schedule.id, late: false, createdBy: systemActor })) : null;
    return {
      id: schedule.id,
      status: schedule.status as PatrolScheduleForEngine['status'],
      statusReason: schedule.statusReason,
      statusChangedAt: schedule.statusChangedAt.getTime(),
      createdAt: schedule.createdAt.getTime(),
      schedule: { mode: 'fixed', every: schedule.every, unit: schedule.unit as IntervalUnit, anchorMs: schedule.anchor.getTime(), timeZone: property?.timezone ?? 'Asia/Shanghai' },
      opensBeforeMs: parseIsoDuration(schedule.opensBefore),
      catchUp: schedule.catchUp as PatrolScheduleForEngine['catchUp'],
      // Rounds are fixed: the engine never waits for one to finish.
      lastCompletedAt: null,
      pendingTasks: 0,
      round,
    };
  };
}

/** A round's input without what each occurrence sets. */
function withoutOccurrence({ due: _due, late: _late, outcome: _outcome, ...round }: PatrolRoundInput): NonNullable<PatrolScheduleForEngine['round']> {
  return round;
}
