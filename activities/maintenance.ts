/**
 * What the maintenance workflows need of the database: a plan as its engine runs it, the
 * repair order a defect starts (allocated once per task and item, linked to its equipment),
 * and the equipment back in service once its defects are repaired.
 */
import { and, count, eq, inArray, notInArray, sql } from 'drizzle-orm';
import { saveContact } from '../db/contacts.js';
import type { Db } from '../db/index.js';
import { getEquipment, getPlan, getTemplate } from '../db/maintenance.js';
import { getProperty, getSlaPolicy } from '../db/reference.js';
import { equipment, equipmentWorkOrders, maintenanceTasks, workOrders } from '../db/schema/index.js';
import { allocateWorkOrderId, claimIdempotencyKey, requestHash } from '../db/work-orders.js';
import { parseIsoDuration } from '../domain/durations.js';
import { defectCategory, pendingTaskStatuses, type ChecklistItem, type EquipmentKind, type IntervalUnit, type PlanMode } from '../domain/maintenance.js';
import { taskLeadMs, type Schedule } from '../domain/maintenance-schedule.js';
import { toPolicySnapshot } from '../domain/sla-policy.js';
import type { EscalationStep } from '../workflows/sla/clocks.js';
import type { TaskAssignment, TaskEquipment } from '../workflows/maintenance-task.contract.js';
import type { RecurringPlan } from '../workflows/shared/recurring-plan.contract.js';
import { systemActor } from '../workflows/shared/steps.js';
import { finalWorkOrderStatuses, workOrderWorkflowId, type WorkOrderInput } from '../workflows/work-order.contract.js';

/** A plan as its engine runs it: the schedule, the window, who does it, the checklist in force. */
export interface PlanForEngine extends RecurringPlan {
  name: string;
  propertyId: string;
  revision: number;
  overdueAfterMs: number;
  template: { code: string; version: number; items: ChecklistItem[] } | null;
  assignTo: TaskAssignment;
  equipment: TaskEquipment;
  outOfServiceOnDefect: boolean;
  /** The chain an overdue task climbs: the supervisor at once, the project manager one window later. */
  escalation: EscalationStep[];
}

/** Build the loadMaintenancePlan activity: the plan as it stands now, or null if it does not exist; its tasks started `leadMs` before they open. */
export function loadMaintenancePlanActivity(db: Db, leadMs: number) {
  return async function loadMaintenancePlan(input: { planId: string }): Promise<PlanForEngine | null> {
    const plan = await getPlan(db, input.planId);
    if (!plan) return null;
    const [property, template, piece, [tasks]] = await Promise.all([
      getProperty(db, plan.propertyId),
      getTemplate(db, plan.propertyId, plan.templateCode, plan.templateVersion ?? undefined),
      plan.equipmentId ? getEquipment(db, plan.equipmentId) : undefined,
      db
        .select({
          lastCompletedAt: sql<Date | null>`max(${maintenanceTasks.completedAt})`,
          pending: count(sql`CASE WHEN ${inArray(maintenanceTasks.status, [...pendingTaskStatuses])} THEN 1 END`),
        })
        .from(maintenanceTasks)
        .where(eq(maintenanceTasks.planId, plan.id)),
    ]);
    const overdueAfterMs = parseIsoDuration(plan.overdueAfter);
    const schedule: Schedule = { mode: plan.mode as PlanMode, every: plan.every, unit: plan.unit as IntervalUnit, anchorMs: plan.anchor.getTime(), timeZone: property?.timezone ?? 'Asia/Shanghai' };
    const a = plan.assignee;
    const assignTo: TaskAssignment =
      'department' in a ? { department: a.department } : 'role' in a ? { role: a.role as Extract<TaskAssignment, { role: unknown }>['role'] } : { contractor: piece?.contractorName ?? 'contractor' };
    return {
      id: plan.id,
      name: plan.name,
      propertyId: plan.propertyId,
      status: plan.status as PlanForEngine['status'],
      statusReason: plan.statusReason,
      statusChangedAt: plan.statusChangedAt.getTime(),
      revision: plan.revision,
      createdAt: plan.createdAt.getTime(),
      schedule,
      opensBeforeMs: parseIsoDuration(plan.opensBefore),
      leadMs: taskLeadMs(schedule, leadMs),
      overdueAfterMs,
      catchUp: plan.catchUp as PlanForEngine['catchUp'],
      template: template ? { code: template.code, version: template.version, items: template.items } : null,
      assignTo,
      equipment: piece
        ? { id: piece.id, kind: piece.kind as EquipmentKind, code: piece.code, location: piece.location }
        : { id: null, kind: plan.equipmentKind as EquipmentKind, code: null, location: null },
      outOfServiceOnDefect: plan.outOfServiceOnDefect,
      escalation: [
        { level: 1, afterMs: 0, role: 'dispatcher' },
        { level: 2, afterMs: Math.max(overdueAfterMs, 1_000), role: 'manager' },
      ],
      lastCompletedAt: tasks?.lastCompletedAt ? new Date(tasks.lastCompletedAt).getTime() : null,
      pendingTasks: Number(tasks?.pending ?? 0),
    };
  };
}

/** What a defect needs to become a repair order. */
export interface DefectInput {
  taskId: string;
  propertyId: string;
  planName: string;
  equipment: TaskEquipment;
  item: { key: string; label: string; reason: string };
  outOfService: boolean;
}

/**
 * Build the prepareDefectOrder activity: the repair order for one failed item, its number
 * claimed once per (task, item) so a retry gets the same order; its reporter recorded as the
 * plan; the link to the equipment; the equipment out of service if the plan says so. A
 * property without an SLA policy for the defect's category gets a problem to tell a person.
 */
export function prepareDefectOrderActivity(db: Db) {
  return async function prepareDefectOrder(input: DefectInput): Promise<{ workflowId: string; input: WorkOrderInput } | { problem: string }> {
    const category = defectCategory[input.equipment.kind];
    const [property, policy] = await Promise.all([getProperty(db, input.propertyId), getSlaPolicy(db, input.propertyId, category)]);
    if (!property || !policy) return { problem: `no SLA policy for ${category} at ${input.propertyId}: set one, then raise the repair by hand` };
    const claim = await claimIdempotencyKey(db, 'maintenance-defect', `${input.taskId}#${input.item.key}`, requestHash(input.item), () => allocateWorkOrderId(db, property.timezone));
    const orderId = claim.resourceId;
    const workflowId = workOrderWorkflowId(orderId);
    await saveContact(db, workflowId, input.propertyId, { name: `Maintenance: ${input.planName}` });
    if (input.equipment.id) {
      await db.insert(equipmentWorkOrders).values({ equipmentId: input.equipment.id, workOrderId: orderId, source: 'defect', taskWorkflowId: input.taskId }).onConflictDoNothing();
      if (input.outOfService) {
        await db
          .update(equipment)
          .set({ status: 'out_of_service', statusReason: `defect: ${input.item.label} (${orderId})`, updatedAt: new Date() })
          .where(and(eq(equipment.id, input.equipment.id), eq(equipment.status, 'in_service')));
      }
    }
    const where = input.equipment.location ?? input.equipment.code ?? input.equipment.kind;
    return {
      workflowId,
      input: {
        orderId,
        propertyId: input.propertyId,
        location: { commonArea: where },
        category,
        priority: 'normal',
        channel: 'patrol',
        description: `${input.equipment.code ?? input.equipment.kind}: ${input.item.label}, ${input.item.reason} (maintenance task ${input.taskId})`,
        photos: [],
        createdBy: systemActor,
        policy: toPolicySnapshot(policy),
      },
    };
  };
}

/** Build the defectRepaired activity: the equipment goes back in service once no repair order raised by a defect on it is open. */
export function defectRepairedActivity(db: Db) {
  return async function defectRepaired(input: { equipmentId: string; orderId: string }): Promise<{ inService: boolean }> {
    const [open] = await db
      .select({ n: count() })
      .from(equipmentWorkOrders)
      .innerJoin(workOrders, eq(workOrders.id, equipmentWorkOrders.workOrderId))
      .where(and(eq(equipmentWorkOrders.equipmentId, input.equipmentId), eq(equipmentWorkOrders.source, 'defect'), notInArray(workOrders.status, [...finalWorkOrderStatuses])));
    if (Number(open?.n ?? 0) > 0) return { inService: false };
    const back = await db
      .update(equipment)
      .set({ status: 'in_service', statusReason: `repaired (${input.orderId})`, updatedAt: new Date() })
      .where(and(eq(equipment.id, input.equipmentId), eq(equipment.status, 'out_of_service')))
      .returning({ id: equipment.id });
    return { inService: back.length > 0 };
  };
}
