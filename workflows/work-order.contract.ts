/**
 * What the outside world may know about a repair / service request (报修) workflow:
 * IDs, inputs, updates, the query, the state it returns and the error types it throws.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { WorkOrderCategory } from '../domain/categories.js';
import type { Actor, Role } from '../domain/roles.js';
import type { SlaPolicySnapshot } from '../domain/sla-policy.js';
import type { SlaClockView } from './sla/clocks.js';
import type { Assignee, NotifyTarget, ProcessLocation, ReportIdentity, RevisitArgs, RevisitRecord, StepOutcome, TimelineEntry } from './shared/steps.js';

export const workOrderStatuses = ['received', 'dispatched', 'accepted', 'on_site', 'completed', 'closed', 'on_hold', 'cancelled'] as const;
/** Where a work order stands. `on_hold` pauses every clock; `closed` and `cancelled` are final. */
export type WorkOrderStatus = (typeof workOrderStatuses)[number];
export const finalWorkOrderStatuses: readonly WorkOrderStatus[] = ['closed', 'cancelled'];
/** Statuses in which an order counts towards its assignee's load. */
export const openWorkOrderStatuses: readonly WorkOrderStatus[] = ['received', 'dispatched', 'accepted', 'on_site', 'on_hold'];

export const workOrderPriorities = ['normal', 'urgent', 'emergency'] as const;
export type WorkOrderPriority = (typeof workOrderPriorities)[number];

/** How a repair is reported to the front desk. */
export const workOrderChannels = ['phone', 'email', 'walk_in', 'app', 'concierge', 'patrol'] as const;
/** How a repair order came: reported, or started from an incident's response. */
export type WorkOrderChannel = (typeof workOrderChannels)[number] | 'incident';

/** The SLA clocks of a work order. */
export type WorkOrderClock = 'respond' | 'arrive' | 'complete' | 'revisit';

/** The registered name of the work-order workflow (`workOrderWorkflow` in workflows/work-order.ts). */
export const workOrderWorkflowType = 'workOrderWorkflow';

/** Task queue-independent workflow ID for an order: `work-order:WO-20261121-0001`. */
export const workOrderWorkflowId = (orderId: string): string => `work-order:${orderId}`;

/** The property's SLA policy for the order's category, resolved to milliseconds. */
export type { SlaPolicySnapshot };

/** Where the problem is: a unit, or a common area of the property. */
export type WorkOrderLocation = ProcessLocation;

export type { Assignee, RevisitRecord };

/**
 * Everything a new order starts from; the API fills in the actor and the current policy.
 * The reporter's name and phone are not here: the API stores them in PostgreSQL before the
 * workflow starts, so no history ever holds them.
 */
export interface WorkOrderInput {
  orderId: string;
  propertyId: string;
  location: WorkOrderLocation;
  category: WorkOrderCategory;
  priority: WorkOrderPriority;
  channel: WorkOrderChannel;
  description: string;
  photos: string[];
  createdBy: Actor;
  policy: SlaPolicySnapshot;
}

export interface Material {
  name: string;
  quantity: number;
  unit?: string;
}

export interface EscalationRecord {
  clock: string;
  run: number;
  level: number;
  role: Role;
  deadline: number;
  firedAt: number;
  recipients: number;
}

/** The work-order projection's fixed part, written with the order's first step. */
export type WorkOrderIdentity = ReportIdentity;

/** The work-order projection's changing part, written with every step; a field absent from a step keeps its column as it was. */
export interface WorkOrderLive {
  status: WorkOrderStatus;
  // Absent until set, and counters absent while 0 (none of them ever goes back): every step's record stays short.
  assigneeId?: string;
  assigneeName?: string;
  assignmentRound?: number;
  rectifications?: number;
  escalationLevel?: number;
  nextDeadline: number | null;
  satisfaction?: number;
  closedAt?: number;
}

/** The state of an order as the workflow holds it; queries return it whole. */
export interface WorkOrderState {
  orderId: string;
  propertyId: string;
  location: WorkOrderLocation;
  category: WorkOrderCategory;
  priority: WorkOrderPriority;
  channel: WorkOrderChannel;
  description: string;
  photos: string[];
  createdBy: Actor;
  status: WorkOrderStatus;
  statusBeforeHold?: WorkOrderStatus;
  holdReason?: string;
  assignee?: Assignee;
  assignmentRound: number;
  policy: SlaPolicySnapshot;
  deadlines: SlaClockView[];
  escalations: EscalationRecord[];
  rectifications: { count: number; reasons: { at: number; reason: string; by: Actor }[] };
  completion?: { at: number; by: Actor; summary: string; materials: Material[]; photos: string[] };
  revisits: RevisitRecord[];
  satisfaction?: number;
  cancelReason?: string;
  timeline: TimelineEntry[];
  seq: number;
  createdAt: number;
  closedAt?: number;
}

interface ActorArg {
  actor: Actor;
}
export type DispatchArgs = ActorArg & { assignee: Assignee; reason?: string };
export type AcceptArgs = ActorArg;
export type ArriveArgs = ActorArg;
export type CompleteArgs = ActorArg & { summary: string; materials: Material[]; photos: string[] };
export type { RevisitArgs };
export type HoldArgs = ActorArg & { reason: string };
export type ResumeArgs = ActorArg & { reason?: string };
export type CancelArgs = ActorArg & { reason: string };

/** The state of an order at registration, before its first step: the workflow's start, and the API's provisional reply. */
export function newWorkOrderState(input: WorkOrderInput, now: number): WorkOrderState {
  return {
    orderId: input.orderId,
    propertyId: input.propertyId,
    location: input.location,
    category: input.category,
    priority: input.priority,
    channel: input.channel,
    description: input.description,
    photos: input.photos,
    createdBy: input.createdBy,
    status: 'received',
    assignmentRound: 0,
    policy: input.policy,
    deadlines: [],
    escalations: [],
    rectifications: { count: 0, reasons: [] },
    revisits: [],
    timeline: [],
    seq: 0,
    createdAt: now,
  };
}

/** Reassign the order by hand (dispatcher or above). */
export const dispatchUpdate = defineUpdate<StepOutcome, [DispatchArgs]>('dispatch');
/** The assignee takes the job: stops the respond clock. */
export const acceptUpdate = defineUpdate<StepOutcome, [AcceptArgs]>('accept');
/** Someone is on site: stops the arrive clock. */
export const arriveUpdate = defineUpdate<StepOutcome, [ArriveArgs]>('arrive');
/** The work is done (execution ledger): stops the complete clock and starts the revisit clock. */
export const completeUpdate = defineUpdate<StepOutcome, [CompleteArgs]>('complete');
/** Customer service called the reporter back: satisfied closes, unsatisfied sends it back for rectification. */
export const revisitUpdate = defineUpdate<StepOutcome, [RevisitArgs]>('revisit');
/** Pause every running clock, with a reason (waiting for parts, owner away). */
export const holdUpdate = defineUpdate<StepOutcome, [HoldArgs]>('hold');
/** End a hold: clocks run again with their deadlines moved by the time on hold. */
export const resumeUpdate = defineUpdate<StepOutcome, [ResumeArgs]>('resume');
/** Withdraw the order, with a reason. */
export const cancelUpdate = defineUpdate<StepOutcome, [CancelArgs]>('cancel');
/** The order's full live state (updates return only a `StepOutcome`: read details here). */
export const workOrderQuery = defineQuery<WorkOrderState>('state');

/** Roles that may accept, arrive and complete on behalf of the assignee, and reassign. */
export const supervisorRoles: readonly Role[] = ['dispatcher', 'manager', 'director', 'admin'];
/** Roles that call owners back. */
export const revisitRoles: readonly Role[] = ['front_desk', 'concierge'];
/** Roles that may register or cancel an order. */
export const receiverRoles: readonly Role[] = ['front_desk', 'concierge', 'dispatcher', 'technician', 'security', 'cleaning', 'manager', 'director', 'admin'];
/** Roles that may be assigned field work. */
export const fieldRoles: readonly Role[] = ['technician', 'security', 'cleaning'];

export type { NotifyTarget };
