/**
 * An improvement action (纠正预防措施) as one durable workflow on the process kit: open →
 * done → verified, or dropped with a reason; a rejected verification sends it back to its
 * owner. Its due clock reminds the owner when it runs out, then escalates to the project
 * manager. Started as a child by a post-incident review; the review's process closes only
 * once each of its actions is verified or dropped.
 */
import { workflowInfo } from '@temporalio/workflow';
import {
  actionSupervisorRoles,
  completeActionUpdate,
  dropActionUpdate,
  finalActionStatuses,
  improvementActionQuery,
  newActionState,
  verifyActionUpdate,
  type ActionClock,
  type ActionStatus,
  type ImprovementActionInput,
  type ImprovementActionState,
} from './improvement-action.contract.js';
import { createProcess, nextDeadline, type Process, type TransitionTable } from './shared/process.js';
import { invalidArgument, notAllowed, requireText, type NotifyTarget } from './shared/steps.js';

/** Every step of an action: where it may start, where it leads, who may take it. */
export const improvementActionTransitions = {
  complete: { from: ['open'], to: ['done'], roles: actionSupervisorRoles, parties: ['assignee'] },
  verify: { from: ['done'], to: ['verified', 'open'], roles: actionSupervisorRoles },
  drop: { from: ['open', 'done'], to: ['dropped'], roles: actionSupervisorRoles },
} as const satisfies TransitionTable<ActionStatus, string>;

/** One running action: its state, its kit, and what its messages say. */
interface Action {
  state: ImprovementActionState;
  p: Process<'improvement-action', ActionStatus, keyof typeof improvementActionTransitions, ActionClock>;
  owner: NotifyTarget[];
  payload: (extra?: Record<string, unknown>) => Record<string, unknown>;
}

/** An improvement action, from the review that started it until it is verified or dropped. */
export async function improvementActionWorkflow(input: ImprovementActionInput): Promise<{ actionId: string; status: ActionStatus; droppedReason?: string }> {
  const a = action(input);
  const { state, p, owner, payload } = a;
  p.snapshot(improvementActionQuery, (deadlines) => ({ ...state, deadlines }));
  completeStep(a);
  verifyStep(a);
  p.exitStep(dropActionUpdate, 'drop', {
    why: 'must say why the action is not done',
    end: ({ reason }, now) => {
      state.droppedReason = reason;
      state.closedAt = now;
    },
  });

  await p.open({
    category: 'improvement-action',
    clocks: ['due'],
    detail: { source: state.sourceId, owner: state.owner.id, dueAt: state.dueAt, parent: workflowInfo().parent?.workflowId ?? null },
    notify: { targets: owner, template: 'improvement-action.assigned', payload: payload() },
  });
  await p.runToEnd();
  return { actionId: state.actionId, status: state.status, ...(state.droppedReason ? { droppedReason: state.droppedReason } : {}) };
}

/** The action's state and its kit: one clock (its due date), reminding the owner, then escalating to the project manager. */
function action(input: ImprovementActionInput): Action {
  const state = newActionState(input, Date.now());
  const owner: NotifyTarget[] = [{ kind: 'staff', id: input.owner.id }];
  const payload = (extra: Record<string, unknown> = {}) => ({ actionId: state.actionId, source: state.sourceId, title: state.title, due: state.dueAt, ...extra });
  const p = createProcess({
    kind: 'improvement-action',
    noun: 'improvement action',
    reporter: 'reviewer',
    table: improvementActionTransitions,
    final: finalActionStatuses,
    state,
    clock: (name: ActionClock) => ({
      name,
      durationMs: Math.max(0, state.dueAt - Date.now()),
      escalation: [
        { level: 1, afterMs: 0, role: 'dispatcher' },
        { level: 2, afterMs: state.escalateAfterMs, role: 'manager' },
      ],
    }),
    assignee: () => state.owner,
    identity: () => ({ id: state.actionId, sourceId: state.sourceId, title: state.title, ownerId: state.owner.id, dueAt: state.dueAt, createdAt: state.createdAt, createdById: state.createdBy.id }),
    live: (view) => ({
      status: state.status,
      completedAt: state.completedAt ?? null,
      verifiedAt: state.verifiedAt ?? null,
      droppedReason: state.droppedReason ?? null,
      nextDeadline: nextDeadline(view),
    }),
    sla: {
      warningTargets: () => owner,
      payload,
      // The first level reminds the owner; the next goes to the project manager.
      escalationTargets: (e) => (e.level === 1 ? owner : undefined),
      escalated: () => undefined,
    },
  });
  return { state, p, owner, payload };
}

function completeStep({ state, p, payload }: Action): void {
  p.step(completeActionUpdate, 'complete', {
    validate: ({ note }) => requireText('note', note, 'must say what was done'),
    run: ({ actor, note }) =>
      p.transition('complete', actor, {
        apply: (now) => {
          p.stopClocks(['due'], now);
          state.completedAt = now;
          state.completionNote = note;
        },
        detail: { note },
        notify: { targets: [{ kind: 'role', role: 'manager' }], template: 'improvement-action.done', payload: payload() },
      }),
  });
}

/** Someone other than the owner checks it: accepted closes it, rejected (with a comment) sends it back to the owner. */
function verifyStep({ state, p, owner, payload }: Action): void {
  p.step(verifyActionUpdate, 'verify', {
    validate: ({ actor, accepted, comment }) => {
      if (actor.id === state.owner.id) throw notAllowed('the owner of an action cannot verify it: someone else checks it');
      if (!accepted && !comment?.trim()) throw invalidArgument('comment', 'must say why the action is not done');
    },
    run: ({ actor, accepted, comment }) =>
      p.transition('verify', actor, {
        to: accepted ? 'verified' : 'open',
        recordAs: accepted ? 'verify' : 'verify.rejected',
        apply: (now) => {
          if (accepted) {
            state.verifiedAt = now;
            state.verifiedBy = actor;
            state.closedAt = now;
            return;
          }
          state.rejections.push({ at: now, by: actor, comment: comment! });
          delete state.completedAt;
          p.startClocks(['due'], now);
        },
        ...(comment ? { reason: comment } : {}),
        ...(accepted ? {} : { notify: { targets: owner, template: 'improvement-action.rejected', payload: payload({ comment }) } }),
      }),
  });
}
