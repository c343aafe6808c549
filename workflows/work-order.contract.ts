/**
 * What the outside world may know about a repair / service request (报修) workflow:
 * IDs, inputs, updates, the query, the state it returns and the error types it throws.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { WorkOrderCategory } from '../domain/categories.js';
import type { Actor, Role } from '../domain/roles.js';
import type { SlaPolicySnapshot } from '../domain/sla-policy.js';
import type { SlaClockView } from './sla/clocks.js';
import type { NotifyTarget, TimelineEntry } from './shared/steps.js';

export const workOrderStatuses = ['received', 'dispatched', 'accepted', 'on_site', 'completed', 'closed', 'on_hold', 'cancelled'] as const;
/** Where a work order stands. `on_hold` pauses every clock; `closed` and `cancelled` are final. */
export type WorkOrderStatus = (typeof workOrderStatuses)[number];
export const finalWorkOrderStatuses: readonly WorkOrderStatus[] = ['closed', 'cancelled'];
/** Statuses in which an order counts towards its assignee's load. */
export const openWorkOrderStatuses: readonly WorkOrderStatus[] = ['received', 'dispatched', 'accepted', 'on_site', 'on_hold'];

export const workOrderPriorities = ['normal', 'urgent', 'emergency'] as const;
export type WorkOrderPriority = (typeof workOrderPriorities)[number];

export const workOrderChannels = ['phone', 'email', 'walk_in', 'app', 'concierge', 'patrol'] as const;
export type WorkOrderChannel = (typeof workOrderChannels)[number];

/** The SLA clocks of a work order. */
export type WorkOrderClock = 'respond' | 'arrive' | 'complete' | 'revisit';

/** Task queue-independent workflow ID for an order: `work-order:WO-20261121-0001`. */
export const workOrderWorkflowId = (orderId: string): string => `work-order:${orderId}`;
/** The order ID inside a work-order workflow ID, or undefined if it is not one. */
export const parseWorkOrderWorkflowId = (workflowId: string): string | undefined =>
  workflowId.startsWith('work-order:') ? workflowId.slice('work-order:'.length) : undefined;

/** The property's SLA policy for the order's category, resolved to milliseconds. */
export type { SlaPolicySnapshot };

/** Where the problem is: a unit, or a common area of the property. */
export interface WorkOrderLocation {
  unitId?: string;
  unitCode?: string;
  commonArea?: string;
}

export interface Assignee {
  id: string;
  name: string;
}

/** Everything a new order starts from; the API fills in the actor and the current policy. */
export interface WorkOrderInput {
  orderId: string;
  propertyId: string;
  location: WorkOrderLocation;
  category: WorkOrderCategory;
  priority: WorkOrderPriority;
  channel: WorkOrderChannel;
  description: string;
  photos: string[];
  reporter: { name: string; phone?: string };
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

export interface RevisitRecord {
  at: number;
  by: Actor;
  satisfied: boolean;
  score: number;
  comment?: string;
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
  reporterName: string;
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
export type RevisitArgs = ActorArg & { satisfied: boolean; score: number; comment?: string };
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
    reporterName: input.reporter.name,
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
export const dispatchUpdate = defineUpdate<WorkOrderState, [DispatchArgs]>('dispatch');
/** The assignee takes the job: stops the respond clock. */
export const acceptUpdate = defineUpdate<WorkOrderState, [AcceptArgs]>('accept');
/** Someone is on site: stops the arrive clock. */
export const arriveUpdate = defineUpdate<WorkOrderState, [ArriveArgs]>('arrive');
/** The work is done (execution ledger): stops the complete clock and starts the revisit clock. */
export const completeUpdate = defineUpdate<WorkOrderState, [CompleteArgs]>('complete');
/** Customer service called the reporter back: satisfied closes, unsatisfied sends it back for rectification. */
export const revisitUpdate = defineUpdate<WorkOrderState, [RevisitArgs]>('revisit');
/** Pause every running clock, with a reason (waiting for parts, owner away). */
export const holdUpdate = defineUpdate<WorkOrderState, [HoldArgs]>('hold');
/** End a hold: clocks run again with their deadlines moved by the time on hold. */
export const resumeUpdate = defineUpdate<WorkOrderState, [ResumeArgs]>('resume');
/** Withdraw the order, with a reason. */
export const cancelUpdate = defineUpdate<WorkOrderState, [CancelArgs]>('cancel');
/** The order's full live state. */
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
