/**
 * What the outside world may know about an improvement action (纠正预防措施, shared/DOMAIN.md
 * §8): one corrective action from a review, with an owner, a due date and a verification
 * step before it closes. IDs, input, updates, the query, the state and the projection.
 */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { Actor, Role } from '../domain/roles.js';
import type { SlaClockView } from './sla/clocks.js';
import type { Assignee, StepOutcome, TimelineEntry } from './shared/steps.js';

export const actionStatuses = ['open', 'done', 'verified', 'dropped'] as const;
/** open: owed by its owner; done: waiting for verification; verified and dropped (with a reason) are final. */
export type ActionStatus = (typeof actionStatuses)[number];
export const finalActionStatuses: readonly ActionStatus[] = ['verified', 'dropped'];

/** The registered name of the action workflow (`improvementActionWorkflow` in workflows/improvement-action.ts). */
export const improvementActionWorkflowType = 'improvementActionWorkflow';

/** Workflow ID of an action: `improvement-action:EM-20261201-0001-A1`. */
export const improvementActionWorkflowId = (actionId: string): string => `improvement-action:${actionId}`;

/** The clock of an action: done by its due date. */
export type ActionClock = 'due';

/** Everything an action starts from. */
export interface ImprovementActionInput {
  actionId: string;
  propertyId: string;
  /** The process whose review started it (an incident's ID). */
  sourceId: string;
  title: string;
  owner: Assignee;
  dueAt: number;
  /** Between the reminder to the owner and the escalation to the project manager. */
  escalateAfterMs: number;
  createdBy: Actor;
}

export interface ImprovementActionState extends ImprovementActionInput {
  status: ActionStatus;
  completedAt?: number;
  completionNote?: string;
  verifiedAt?: number;
  verifiedBy?: Actor;
  rejections: { at: number; by: Actor; comment: string }[];
  droppedReason?: string;
  createdAt: number;
  closedAt?: number;
  deadlines: SlaClockView[];
  timeline: TimelineEntry[];
  seq: number;
}

/** The action projection's fixed part. */
export interface ImprovementActionIdentity {
  id: string;
  sourceId: string;
  title: string;
  ownerId: string;
  dueAt: number;
  createdAt: number;
  createdById: string;
}

/** The action projection's changing part. */
export interface ImprovementActionLive {
  status: ActionStatus;
  completedAt: number | null;
  verifiedAt: number | null;
  droppedReason: string | null;
  nextDeadline: number | null;
}

interface ActorArg {
  actor: Actor;
}
export type CompleteActionArgs = ActorArg & { note: string };
export type VerifyActionArgs = ActorArg & { accepted: boolean; comment?: string };
export type DropActionArgs = ActorArg & { reason: string };

/** The owner says the action is done, with what was done. */
export const completeActionUpdate = defineUpdate<StepOutcome, [CompleteActionArgs]>('complete');
/** Someone other than the owner checks it: accepted closes it, rejected (with a comment) sends it back. */
export const verifyActionUpdate = defineUpdate<StepOutcome, [VerifyActionArgs]>('verify');
/** Not doing it, with a reason. */
export const dropActionUpdate = defineUpdate<StepOutcome, [DropActionArgs]>('drop');
/** The action's full live state. */
export const improvementActionQuery = defineQuery<ImprovementActionState>('state');

/** Roles that verify or drop actions. */
export const actionSupervisorRoles: readonly Role[] = ['manager', 'director', 'admin'];

/** An action as it stands when started at `now`. */
export function newActionState(input: ImprovementActionInput, now: number): ImprovementActionState {
  return { ...input, status: 'open', rejections: [], createdAt: now, deadlines: [], timeline: [], seq: 0 };
}
