/**
 * Demo patrols: a night security route walked every 2 hours from 22:00 to 04:00 (one daily
 * schedule per round time, so the day has none), and the daily fire patrol the norms require
 * of key units (公安部令第61号 art. 25, shared/PROCESSES.md §D), walked in order. Idempotent:
 * a property that already has patrol routes is left as it is.
 */
import type { Actor } from '../domain/roles.js';
import type { Db } from './index.js';
import { createRoute, createSchedule, listRoutes, type NewRoute } from './patrols.js';

/** 22:00 at Shanghai on 2026-01-05; the engine starts with the first occurrence after a schedule is made. */
const nightAnchor = Date.parse('2026-01-05T14:00:00Z');
const HOUR = 3_600_000;

export const demoRoutes: (NewRoute & { schedules: { name: string; anchor: Date }[] })[] = [
  {
    name: '夜间安保巡逻 Night security round',
    kind: 'security',
    ordered: false,
    window: 'PT1H',
    grace: 'PT15M',
    escalateAfter: 'PT30M',
    checkpoints: [
      { tagCode: 'HV-SEC-GATE', location: 'Main gate 正门', check: 'gate and barrier locked, guard booth manned' },
      { tagCode: 'HV-SEC-B1', location: 'B1 car park, exit 2 地下车库2号出口', check: 'fire door closed, no smell of fuel, lights on' },
      { tagCode: 'HV-SEC-B2ROOF', location: 'Building 2 roof door 2栋天台门', check: 'door locked, alarm armed' },
      { tagCode: 'HV-SEC-POOL', location: 'Pool and garden 泳池花园', check: 'gates shut, nobody inside' },
    ],
    schedules: [0, 2, 4, 6].map((h) => ({ name: `Night round ${String((22 + h) % 24).padStart(2, '0')}:00`, anchor: new Date(nightAnchor + h * HOUR) })),
  },
  {
    name: '每日防火巡查 Daily fire patrol',
    kind: 'fire',
    ordered: true,
    window: 'PT2H',
    grace: 'PT30M',
    escalateAfter: 'PT1H',
    checkpoints: [
      { tagCode: 'HV-FIRE-CTRL', location: 'Fire control room 消防控制室', check: 'two staff on duty, panel without faults' },
      { tagCode: 'HV-FIRE-PUMP', location: 'Fire pump room 消防泵房', check: 'pumps on automatic, valves open, pressure normal' },
      { tagCode: 'HV-FIRE-B1STAIR', location: 'Building 1 stairwells 1栋楼梯间', check: 'exits clear, fire doors closed, emergency lights on' },
      { tagCode: 'HV-FIRE-B1PARK', location: 'B1 car park sprinklers 地下车库喷淋', check: 'sprinklers unobstructed, extinguishers in date' },
    ],
    schedules: [{ name: 'Fire patrol 09:00', anchor: new Date('2026-01-05T01:00:00Z') }],
  },
];

/** Add the demo routes and their schedules to a property without patrol routes. Returns whether anything was written. */
export async function seedPatrols(db: Db, propertyId: string, actor: Actor): Promise<boolean> {
  if ((await listRoutes(db, { propertyId })).length > 0) return false;
  for (const { schedules, ...route } of demoRoutes) {
    const created = await createRoute(db, propertyId, route, actor);
    if (!created) continue;
    for (const s of schedules) await createSchedule(db, propertyId, { routeId: created.id, name: s.name, every: 1, unit: 'days', anchor: s.anchor, opensBefore: 'PT10M' }, actor);
  }
  return true;
}
