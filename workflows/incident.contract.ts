/**
 * What the outside world may know about an incident (突发事件) or drill (演练) workflow: IDs,
 * statuses, the input it starts from (the plan version by value), updates, the query, the
 * state it returns and the projection it writes.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { IncidentKind, IncidentSeverity, IncidentType, PlanSnapshot, ResponseRole } from '../domain/emergency.js';
import type { Actor, Role } from '../domain/roles.js';
import type { SlaClockView } from './sla/clocks.js';
import type { Assignee, StepOutcome, TimelineEntry } from './shared/steps.js';
import type { RepairOrderArgs, RepairOrderLink } from './shared/repair-orders.js';

export const incidentStatuses = ['reported', 'activated', 'acknowledged', 'responding', 'stabilised', 'resolved', 'reviewing', 'closed', 'cancelled'] as const;
/** Where an incident stands; `closed` (after the review) and `cancelled` (a false alarm) are final. */
export type IncidentStatus = (typeof incidentStatuses)[number];
export const finalIncidentStatuses: readonly IncidentStatus[] = ['closed', 'cancelled'];
/** While the incident is live: owners get updates, steps and pages run. */
export const activeIncidentStatuses: readonly IncidentStatus[] = ['activated', 'acknowledged', 'responding', 'stabilised'];

/** The registered name of the incident workflow (`incidentWorkflow` in workflows/incident.ts). */
export const incidentWorkflowType = 'incidentWorkflow';

/** Workflow ID of an incident or drill: `incident:EM-20261201-0001`, `incident:DR-20261201-0002`. */
export const incidentWorkflowId = (incidentId: string): string => `incident:${incidentId}`;

/** The ID of the drill a schedule makes due at `due`: `DR-<due date, UTC>-<schedule>`, e.g. `DR-20270115-1a2b3c4d`. */
export const scheduledDrillId = (scheduleId: string, due: number): string => `DR-${new Date(due).toISOString().slice(0, 10).replaceAll('-', '')}-${scheduleId.replaceAll('-', '').slice(0, 8)}`;

/**
 * Everything an incident starts from. The plan version travels by value, so editing the plan
 * never changes a running incident. Affected owners are found by building and unit IDs when
 * a message goes out: no owner name or phone number is ever here.
 */
export interface IncidentInput {
  incidentId: string;
  propertyId: string;
  kind: IncidentKind;
  incidentType: IncidentType;
  severity: IncidentSeverity;
  buildingIds: string[];
  unitIds: string[];
  /** What conditions of plan steps look at, e.g. `{ cause: 'burst_pipe' }`. */
  attributes: Record<string, string>;
  description: string;
  createdBy: Actor;
  plan: PlanSnapshot;
  /**
   * A drill its schedule started: it waits in `reported` until staff start it, and must be
   * held (resolved) by `holdBy` or its `window` clock escalates. `outcome`: an occurrence the
   * schedule only records (skipped while the schedule was paused).
   */
  scheduled?: { scheduleId: string; due: number; holdBy: number; outcome?: { status: 'skipped' | 'missed'; reason: string } };
}

/** One rung of a page's escalation: who it reaches; nobody means the level is skipped and recorded. */
export interface PageLevel {
  level: number;
  /** The staff role the level stands for: the role's own, then project manager, then director. */
  role: Role;
  people: Assignee[];
}

/** A role of the response organisation, paged at activation. */
export interface Page {
  role: ResponseRole;
  staffRole: Role;
  /** Whoever is first on duty; null when nobody is (the page then goes straight up the chain). */
  paged: Assignee | null;
  chain: PageLevel[];
  ackDeadline: number;
  acknowledgedAt?: number;
  acknowledgedBy?: Actor;
  /** Levels fired so far, skipped ones included. */
  escalations: { level: number; at: number; skipped: boolean }[];
}

export const stepStatuses = ['waiting', 'active', 'done', 'skipped', 'excluded'] as const;
/** waiting: on its dependencies; excluded: its condition does not hold for this incident. */
export type IncidentStepStatus = (typeof stepStatuses)[number];

/** One step of the plan as this incident runs it. */
export interface IncidentStep {
  key: string;
  title: string;
  role: ResponseRole;
  required: boolean;
  dependsOn: string[];
  status: IncidentStepStatus;
  /** Activation + the plan's deadline for the step. */
  dueAt: number;
  startedAt?: number;
  doneAt?: number;
  by?: Actor;
  note?: string;
  skipReason?: string;
}

/** An improvement action the review started, as the incident follows it. */
export interface IncidentAction {
  actionId: string;
  title: string;
  owner: Assignee;
  dueAt: number;
  status: 'open' | 'done' | 'verified' | 'dropped' | 'failed';
  droppedReason?: string;
}

/** The post-incident review. */
export interface IncidentReview {
  dueAt: number;
  submittedAt?: number;
  by?: Actor;
  summary?: string;
  /** Drafted from the incident's own history when it was resolved. */
  draftTimeline: { at: number; action: string; by: string; note?: string }[];
}

/** A drill's timings against its plan's targets. */
export interface DrillResult {
  roles: { role: ResponseRole; ackMs: number | null; targetMs: number; met: boolean }[];
  steps: { key: string; tookMs: number | null; targetMs: number; met: boolean }[];
  totalMs: number;
  targetMs: number;
  score: number;
}

/** The state of an incident as the workflow holds it; the query returns it with the clocks. */
export interface IncidentState extends Omit<IncidentInput, 'createdBy'> {
  status: IncidentStatus;
  createdBy: Actor;
  createdAt: number;
  activatedAt?: number;
  acknowledgedAt?: number;
  stabilisedAt?: number;
  resolvedAt?: number;
  closedAt?: number;
  cancelReason?: string;
  pages: Page[];
  /** The project managers and directors at activation: the upper levels of every chain. */
  upline: { managers: Assignee[]; directors: Assignee[] };
  /** Escalations that reached somebody (skipped levels are not counted). */
  escalationsFired: number;
  steps: IncidentStep[];
  /** Messages to owners: the first at activation, then one per status change, every N minutes while active, and by hand. */
  broadcasts: number;
  review?: IncidentReview;
  actions: IncidentAction[];
  /** Repair orders started from the incident (child workflows that outlive it if need be). */
  repairOrders: RepairOrderLink[];
  drill?: DrillResult;
  deadlines: SlaClockView[];
  timeline: TimelineEntry[];
  seq: number;
}

/** The incident projection's fixed part, written with the first step. */
export interface IncidentIdentity {
  id: string;
  kind: IncidentKind;
  incidentType: IncidentType;
  planId: string;
  planVersion: number;
  buildingIds: string[];
  unitIds: string[];
  createdAt: number;
  createdById: string;
}

/** The incident projection's changing part, written with every step. */
export interface IncidentLive {
  status: IncidentStatus;
  severity: IncidentSeverity;
  activatedAt: number | null;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
  closedAt: number | null;
  cancelReason: string | null;
  escalations: number;
  openActions: number;
  drillScore: number | null;
  nextDeadline: number | null;
}

interface ActorArg {
  actor: Actor;
}
export type AcknowledgeArgs = ActorArg & { role: ResponseRole };
export type CompleteStepArgs = ActorArg & { step: string; note?: string };
export type SkipStepArgs = ActorArg & { step: string; reason: string };
export type BroadcastArgs = ActorArg & { message: string };
export type SeverityArgs = ActorArg & { severity: IncidentSeverity; reason: string };
export type NoteArgs = ActorArg & { note?: string };
export type CancelArgs = ActorArg & { reason: string };
export type ReviewArgs = ActorArg & { summary: string; actions: { title: string; owner: Assignee; dueAt: number }[] };

/** Start a scheduled drill now: owners get the drill notice and every role is paged. */
export const startDrillUpdate = defineUpdate<StepOutcome, [NoteArgs]>('startDrill');
/** A paged role acknowledges: its clock stops; the first acknowledgement moves the incident to acknowledged. */
export const acknowledgeUpdate = defineUpdate<StepOutcome, [AcknowledgeArgs]>('acknowledge');
/** A plan step is done: steps waiting on it start. */
export const completeStepUpdate = defineUpdate<StepOutcome, [CompleteStepArgs]>('completeStep');
/** A plan step is skipped, with a reason: steps waiting on it start. */
export const skipStepUpdate = defineUpdate<StepOutcome, [SkipStepArgs]>('skipStep');
/** A message to every owner of the affected buildings and units. */
export const broadcastUpdate = defineUpdate<StepOutcome, [BroadcastArgs]>('broadcast');
/** The severity changes, with a reason. */
export const severityUpdate = defineUpdate<StepOutcome, [SeverityArgs]>('changeSeverity');
/** The situation is under control. */
export const stabiliseUpdate = defineUpdate<StepOutcome, [NoteArgs]>('stabilise');
/** Stand down: every required step done or skipped; the review clock starts. */
export const resolveIncidentUpdate = defineUpdate<StepOutcome, [NoteArgs]>('resolve');
/** The post-incident review, with its improvement actions (each a child workflow). */
export const reviewUpdate = defineUpdate<StepOutcome, [ReviewArgs]>('review');
/** Start a repair order as a child workflow (a burst riser, a burnt-out panel); the incident may close while it runs. */
export const incidentRepairOrderUpdate = defineUpdate<StepOutcome, [RepairOrderArgs]>('addWorkOrder');
/** Close once every improvement action is verified or dropped. */
export const closeIncidentUpdate = defineUpdate<StepOutcome, [NoteArgs]>('close');
/** A false alarm: cancelled with a reason; owners are told. */
export const cancelIncidentUpdate = defineUpdate<StepOutcome, [CancelArgs]>('cancel');
/** The incident's full live state. */
export const incidentQuery = defineQuery<IncidentState>('state');

/** Roles that lead a response: stabilise, resolve, review, close, cancel, change severity, broadcast. */
export const incidentLeadRoles: readonly Role[] = ['dispatcher', 'manager', 'director', 'admin'];
/** Every staff role but the read-only one: any of them may declare, and take a plan step. */
export const responderRoles: readonly Role[] = ['front_desk', 'concierge', 'dispatcher', 'technician', 'security', 'cleaning', 'manager', 'director', 'admin'];

/** An incident as it stands when declared at `now`, before its first step. */
export function newIncidentState(input: IncidentInput, now: number): IncidentState {
  return { ...input, status: 'reported', createdAt: now, pages: [], upline: { managers: [], directors: [] }, escalationsFired: 0, steps: [], broadcasts: 0, actions: [], repairOrders: [], deadlines: [], timeline: [], seq: 0 };
}
