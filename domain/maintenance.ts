/**
 * The vocabulary of preventive maintenance (预防性维护, 保养): kinds of equipment, checklist
 * items, plan intervals and task statuses. Pure, so the API, the database and the
 * maintenance workflows share one list of each.
 */
import type { WorkOrderCategory } from './categories.js';
import type { Role } from './roles.js';

/** Kinds of equipment a property keeps in its register (issue 11; PROCESSES.md §D). */
export const equipmentKinds = [
  'elevator',
  'fire_alarm',
  'sprinkler',
  'hydrant',
  'extinguisher',
  'water_pump',
  'water_tank',
  'power_distribution',
  'generator',
  'hvac',
  'cctv',
  'access_control',
  'low_voltage_other',
  'measuring_instrument',
] as const;
export type EquipmentKind = (typeof equipmentKinds)[number];

/** A piece of equipment is in service, out of service (a defect awaits repair) or retired (for good). */
export const equipmentStatuses = ['in_service', 'out_of_service', 'retired'] as const;
export type EquipmentStatus = (typeof equipmentStatuses)[number];

/** The repair-order category a defect found on each kind of equipment is filed under. */
export const defectCategory: Record<EquipmentKind, WorkOrderCategory> = {
  elevator: 'elevator',
  fire_alarm: 'fire_safety',
  sprinkler: 'fire_safety',
  hydrant: 'fire_safety',
  extinguisher: 'fire_safety',
  water_pump: 'water',
  water_tank: 'water',
  power_distribution: 'electricity',
  generator: 'electricity',
  hvac: 'hvac',
  cctv: 'security',
  access_control: 'security',
  low_voltage_other: 'electricity',
  measuring_instrument: 'other',
};

/** What a checklist item asks for: a pass/fail check, a reading with its unit and limits, a text answer, a photo. */
export const checklistItemTypes = ['pass_fail', 'reading', 'text', 'photo'] as const;
export type ChecklistItemType = (typeof checklistItemTypes)[number];

/** One item of a checklist template version. `unit`, `min` and `max` belong to readings. */
export interface ChecklistItem {
  key: string;
  label: string;
  type: ChecklistItemType;
  required: boolean;
  unit?: string;
  min?: number;
  max?: number;
}

/** Fixed plans keep their calendar whatever happens; floating plans count from the last completion. */
export const planModes = ['fixed', 'floating'] as const;
export type PlanMode = (typeof planModes)[number];

/** Units of a plan's interval. Seconds and minutes exist so a person can watch a plan work in a demo. */
export const intervalUnits = ['seconds', 'minutes', 'hours', 'days', 'weeks', 'months'] as const;
export type IntervalUnit = (typeof intervalUnits)[number];

/** After an outage: start every occurrence that came due (`all`), or only the latest and record the others as missed. */
export const catchUpPolicies = ['all', 'latest_only'] as const;
export type CatchUpPolicy = (typeof catchUpPolicies)[number];

export const planStatuses = ['active', 'paused', 'retired'] as const;
export type PlanStatus = (typeof planStatuses)[number];

/**
 * States of one maintenance task (one occurrence of a plan). `completed_late`, `missed` and
 * `skipped` are final like `completed`; only a supervisor may skip, with a reason.
 */
export const maintenanceTaskStatuses = [
  'scheduled',
  'open',
  'assigned',
  'in_progress',
  'completed',
  'completed_late',
  'missed',
  'skipped',
] as const;
export type MaintenanceTaskStatus = (typeof maintenanceTaskStatuses)[number];

/** Task statuses still waiting for someone to finish the work. */
export const pendingTaskStatuses: readonly MaintenanceTaskStatus[] = ['scheduled', 'open', 'assigned', 'in_progress'];

/** How a repair order came to be linked to a piece of equipment. */
export const equipmentLinkSources = ['defect', 'manual'] as const;
export type EquipmentLinkSource = (typeof equipmentLinkSources)[number];

/**
 * Roles that may change the equipment register, checklist templates and plans. A dispatcher
 * may only as a supervisor of the engineering department at that property.
 */
export const maintenanceWriterRoles: readonly Role[] = ['admin', 'director', 'manager', 'dispatcher'];

/** Equipment with at least `repairs` repair orders within `months` is due for replacement (seed 001). */
export const defaultReplacementRule = { repairs: 3, months: 6 } as const;

/**
 * How long before it opens a task's workflow is started by its plan, by default: a quarter
 * of an hour. The task is listed as scheduled meanwhile, so the plans due at one instant
 * (every pump at 08:00) cost the worker nothing at that instant: each task is already there
 * and is shown open from its opening time (`visibleTaskStatus`).
 */
export const defaultTaskLeadMs = 15 * 60_000;

/**
 * A task's status as staff see it: a scheduled task past its opening time is open, though its
 * workflow may not have recorded the opening yet (its timer waits behind a burst of others);
 * a step taken on it then records the opening first. `visibleStatusSql` in db/maintenance.ts says the same in SQL.
 */
export function visibleTaskStatus(status: MaintenanceTaskStatus, opensAtMs: number, nowMs: number): MaintenanceTaskStatus {
  return status === 'scheduled' && opensAtMs <= nowMs ? 'open' : status;
}
