/**
 * What the outside world may know about a complaint (投诉) workflow: IDs, the fixed
 * vocabularies (categories, channels, priorities), inputs, updates, the query, the state it
 * returns, and who may take which step.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { DepartmentCode } from '../domain/categories.js';
import type { Actor, Role } from '../domain/roles.js';
import type { SlaClockView } from './sla/clocks.js';
import type { Assignee, ReportIdentity, RevisitArgs, RevisitRecord, StepOutcome, TimelineEntry } from './shared/steps.js';
import type { WorkOrderInput, WorkOrderLocation, WorkOrderStatus } from './work-order.contract.js';

export const complaintStatuses = ['received', 'assigned', 'responded', 'resolved', 'revisiting', 'closed', 'withdrawn'] as const;
/**
 * Where a complaint stands. `resolved`: resolution given, no callback planned; `revisiting`:
 * front desk owes the complainant a follow-up call; `closed` and `withdrawn` are final.
 */
export type ComplaintStatus = (typeof complaintStatuses)[number];
export const finalComplaintStatuses: readonly ComplaintStatus[] = ['closed', 'withdrawn'];

export const complaintCategories = ['service_attitude', 'cleanliness', 'security', 'noise', 'facilities', 'fees', 'other'] as const;
export type ComplaintCategory = (typeof complaintCategories)[number];

export const complaintChannels = ['phone', 'letter', 'app', 'walk_in', 'concierge'] as const;
export type ComplaintChannel = (typeof complaintChannels)[number];

/** Lowest first: the urgency flag moves a complaint one step up this list. */
export const complaintPriorities = ['low', 'normal', 'high', 'urgent'] as const;
export type ComplaintPriority = (typeof complaintPriorities)[number];

/** The priority a category starts from when front desk does not set one. */
export const categoryPriority: Record<ComplaintCategory, ComplaintPriority> = {
  service_attitude: 'normal',
  cleanliness: 'normal',
  security: 'high',
  noise: 'normal',
  facilities: 'normal',
  fees: 'low',
  other: 'normal',
};

/** Priority from the category, one step higher when flagged urgent; an explicit choice by front desk wins. */
export function complaintPriority(category: ComplaintCategory, urgent: boolean, chosen?: ComplaintPriority): ComplaintPriority {
  if (chosen) return chosen;
  const base = complaintPriorities.indexOf(categoryPriority[category]);
  return complaintPriorities[Math.min(base + (urgent ? 1 : 0), complaintPriorities.length - 1)]!;
}

/** The SLA clocks of a complaint. */
export type ComplaintClock = 'respond' | 'resolve' | 'revisit';

/** The registered name of the complaint workflow (`complaintWorkflow` in workflows/complaint.ts). */
export const complaintWorkflowType = 'complaintWorkflow';

/** Workflow ID of a complaint: `complaint:CP-20261121-0001`. */
export const complaintWorkflowId = (complaintId: string): string => `complaint:${complaintId}`;

/** The property's complaint policy for one priority, resolved to milliseconds. */
export interface ComplaintPolicySnapshot {
  version: number;
  priority: ComplaintPriority;
  respondMs: number;
  resolveMs: number;
  revisitMs: number;
  warnRatio: number;
  escalation: { level: number; afterMs: number; role: Role }[];
  reopenEscalateAfter: number;
}

/** Where the complaint is about: a unit, or a common area of the property (as for repair orders). */
export type ComplaintLocation = WorkOrderLocation;

/** The staff member who owns the complaint's resolution. */
export type Handler = Assignee;

/**
 * Everything a new complaint starts from; the API fills in the actor and the current policy.
 * The complainant's name and phone are not here: the API stores them in PostgreSQL before
 * the workflow starts, so no history ever holds them.
 */
export interface ComplaintInput {
  complaintId: string;
  propertyId: string;
  location: ComplaintLocation;
  category: ComplaintCategory;
  priority: ComplaintPriority;
  urgent: boolean;
  channel: ComplaintChannel;
  description: string;
  createdBy: Actor;
  policy: ComplaintPolicySnapshot;
}

/**
 * One change of escalation level: a clock that ran out (`respond`, `resolve`, `revisit`),
 * a complaint reopened too often (`reopen`), or a director's decision (`manual`, with a reason).
 */
export interface ComplaintEscalation {
  clock: string;
  run: number;
  level: number;
  direction: 'up' | 'down';
  /** Who was told: the role of the level reached; none when it came back down to the handler. */
  role: Role | null;
  deadline: number;
  firedAt: number;
  recipients: number;
  by?: Actor;
  reason?: string;
}

/** A repair order started from the complaint; `open` until its workflow finishes. */
export interface ComplaintWorkOrder {
  orderId: string;
  category: string;
  startedAt: number;
  startedBy: Actor;
  status: 'open' | WorkOrderStatus | 'failed';
  finishedAt?: number;
}

export interface ComplaintResponse {
  at: number;
  by: Actor;
  message: string;
}

export interface ComplaintResolution {
  at: number;
  by: Actor;
  resolution: string;
  followUp: boolean;
}

/** Front desk's call back to the complainant, as for repair orders. */
export type ComplaintRevisit = RevisitRecord;

/** A repair order as the complaint projection lists it. */
export interface ComplaintWorkOrderLink {
  orderId: string;
  category: string;
  status: ComplaintWorkOrder['status'];
  startedAt: number;
  finishedAt?: number;
}

/** The complaint projection's fixed part, written with the complaint's first step. */
export type ComplaintIdentity = ReportIdentity & { urgent: boolean };

/** The complaint projection's changing part, written with every step. */
export interface ComplaintLive {
  status: ComplaintStatus;
  department: DepartmentCode | null;
  handlerId: string | null;
  handlerName: string | null;
  assignmentRound: number;
  escalationLevel: number;
  reopens: number;
  nextDeadline: number | null;
  workOrders: ComplaintWorkOrderLink[];
  openWorkOrders: number;
  respondedAt: number | null;
  respondDeadline: number | null;
  respondMet: boolean | null;
  resolvedAt: number | null;
  resolveDeadline: number | null;
  resolveMet: boolean | null;
  satisfaction: number | null;
  closedAt: number | null;
}

/** The state of a complaint as the workflow holds it; queries return it whole. */
export interface ComplaintState
  extends Pick<ComplaintInput, 'complaintId' | 'propertyId' | 'location' | 'category' | 'priority' | 'urgent' | 'channel' | 'description' | 'createdBy' | 'policy'> {
  status: ComplaintStatus;
  department?: DepartmentCode;
  handler?: Handler;
  assignmentRound: number;
  deadlines: SlaClockView[];
  /** Current escalation level: 0 is the handler, then the rungs of the policy's chain. */
  escalationLevel: number;
  escalations: ComplaintEscalation[];
  responses: ComplaintResponse[];
  resolutions: ComplaintResolution[];
  revisits: ComplaintRevisit[];
  reopens: { count: number; reasons: { at: number; reason: string; by: Actor }[] };
  workOrders: ComplaintWorkOrder[];
  satisfaction?: number;
  closeReason?: string;
  withdrawReason?: string;
  timeline: TimelineEntry[];
  seq: number;
  createdAt: number;
  closedAt?: number;
}

/** A complaint as it stands when registered at `now`, before its first step. */
export function newComplaintState(input: ComplaintInput, now: number): ComplaintState {
  return {
    complaintId: input.complaintId,
    propertyId: input.propertyId,
    location: input.location,
    category: input.category,
    priority: input.priority,
    urgent: input.urgent,
    channel: input.channel,
    description: input.description,
    createdBy: input.createdBy,
    status: 'received',
    assignmentRound: 0,
    policy: input.policy,
    deadlines: [],
    escalationLevel: 0,
    escalations: [],
    responses: [],
    resolutions: [],
    revisits: [],
    reopens: { count: 0, reasons: [] },
    workOrders: [],
    timeline: [],
    seq: 0,
    createdAt: now,
  };
}

interface ActorArg {
  actor: Actor;
}
export type AssignArgs = ActorArg & { handler: Handler; department: DepartmentCode; reason?: string };
export type RespondArgs = ActorArg & { message: string };
export type AddWorkOrderArgs = ActorArg & { order: WorkOrderInput };
export type ResolveArgs = ActorArg & { resolution: string; followUp: boolean };
export type { RevisitArgs };
export type CloseArgs = ActorArg & { reason: string; score?: number };
export type EscalateArgs = ActorArg & { reason: string; level?: number };
export type WithdrawArgs = ActorArg & { reason: string };

/** Give the complaint to a department and a handler, or hand it to another (recorded as a reassignment). */
export const assignUpdate = defineUpdate<StepOutcome, [AssignArgs]>('assign');
/** The first answer to the complainant, sent through the outbox: stops the respond clock. */
export const respondUpdate = defineUpdate<StepOutcome, [RespondArgs]>('respond');
/** Start a repair order as a child workflow; the complaint cannot be resolved while it is open. */
export const addWorkOrderUpdate = defineUpdate<StepOutcome, [AddWorkOrderArgs]>('addWorkOrder');
/** The handler's resolution: stops the resolve clock; with a follow-up the revisit clock starts. */
export const resolveUpdate = defineUpdate<StepOutcome, [ResolveArgs]>('resolve');
/** Front desk called back: satisfied closes with a score, unsatisfied reopens the complaint. */
export const revisitUpdate = defineUpdate<StepOutcome, [RevisitArgs]>('revisit');
/** Close a complaint resolved without a follow-up call, with a reason. */
export const closeUpdate = defineUpdate<StepOutcome, [CloseArgs]>('close');
/** A director raises the complaint by hand (one level, or to a given level), with a reason. */
export const escalateUpdate = defineUpdate<StepOutcome, [EscalateArgs]>('escalate');
/** A director brings the complaint back down (one level, or to a given level), with a reason. */
export const deEscalateUpdate = defineUpdate<StepOutcome, [EscalateArgs]>('deEscalate');
/** The complainant withdraws the complaint, with a reason; repair orders it started carry on. */
export const withdrawUpdate = defineUpdate<StepOutcome, [WithdrawArgs]>('withdraw');
/** The complaint's full live state (updates return only a `StepOutcome`: read details here). */
export const complaintQuery = defineQuery<ComplaintState>('state');

/** Roles that may register a complaint. */
export const complaintReceiverRoles: readonly Role[] = ['front_desk', 'concierge', 'manager', 'director', 'admin'];
/** Roles that coordinate complaints: assign, and act for the handler. */
export const coordinatorRoles: readonly Role[] = ['dispatcher', 'manager', 'director', 'admin'];
/** Roles a handler may have. */
export const handlerRoles: readonly Role[] = ['front_desk', 'dispatcher', 'manager', 'director'];
/** Roles that call complainants back. */
export const complaintRevisitRoles: readonly Role[] = ['front_desk', 'concierge'];
/** Roles that may escalate or de-escalate by hand. */
export const escalatorRoles: readonly Role[] = ['director', 'admin'];
