/**
 * An incident (突发事件) or drill (演练) run on its emergency plan (shared/DOMAIN.md §5) as one
 * durable workflow: reported → activated → acknowledged → responding → stabilised →
 * resolved → reviewing → closed, or cancelled as a false alarm. On activation owners of
 * the affected buildings and units are told first, then every role of the plan is paged at
 * once. Each page and each plan step is its own clock on the kit: a page not acknowledged
 * in time climbs to the next person on duty, the project manager, the director, once per
 * level, skipping (and recording) a level with nobody; an overdue step reminds its owner,
 * then escalates. Owners get an update on every status change and every N minutes while it
 * is live. The review's improvement actions are child workflows, and the incident closes
 * only when each is verified or dropped. A drill is timed against the plan and scored.
 */
import { ParentClosePolicy, condition, proxyActivities, startChild } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { Responders } from '../activities/emergency.js';
import { drillScore, stepApplies, type ResponseRole } from '../domain/emergency.js';
import { holdsRole, type Actor, type Role } from '../domain/roles.js';
import { improvementActionWorkflow } from './improvement-action.js';
import { improvementActionWorkflowId } from './improvement-action.contract.js';
import {
  acknowledgeUpdate,
  activeIncidentStatuses,
  broadcastUpdate,
  cancelIncidentUpdate,
  closeIncidentUpdate,
  completeStepUpdate,
  finalIncidentStatuses,
  incidentRepairOrderUpdate,
  incidentLeadRoles,
  incidentQuery,
  newIncidentState,
  resolveIncidentUpdate,
  responderRoles,
  reviewUpdate,
  severityUpdate,
  skipStepUpdate,
  stabiliseUpdate,
  startDrillUpdate,
  type DrillResult,
  type IncidentAction,
  type IncidentInput,
  type IncidentState,
  type IncidentStatus,
  type IncidentStep,
  type Page,
  type PageLevel,
} from './incident.contract.js';
import { createProcess, databaseActivity, nextDeadline, type Process, type TransitionTable } from './shared/process.js';
import { repairOrderStep } from './shared/repair-orders.js';
import { blockedStep, invalidArgument, notAllowed, requireText, systemActor, type Assignee, type NotifyTarget, type StepNotification } from './shared/steps.js';
import type { EscalationStep } from './sla/clocks.js';

type Activities = ReturnType<typeof createActivities>;

const { findResponders } = proxyActivities<Activities>(databaseActivity);

/** The project managers and directors of the property now. */
async function upline(propertyId: string): Promise<IncidentState['upline']> {
  const { managers, directors } = await findResponders({ propertyId });
  return { managers, directors };
}

const live = activeIncidentStatuses;
const open = ['reported', ...live] as const;

/** Every step of an incident: where it may start, where it leads, who may take it. */
export const incidentTransitions = {
  activate: { from: ['reported'], to: ['activated'], roles: [] },
  startDrill: { from: ['reported'], roles: incidentLeadRoles },
  acknowledge: { from: live, to: ['acknowledged'], roles: responderRoles },
  completeStep: { from: live, to: ['responding'], roles: responderRoles },
  skipStep: { from: live, to: ['responding'], roles: incidentLeadRoles },
  broadcast: { from: live, roles: incidentLeadRoles },
  changeSeverity: { from: open, roles: incidentLeadRoles },
  stabilise: { from: ['acknowledged', 'responding'], to: ['stabilised'], roles: incidentLeadRoles },
  resolve: { from: ['acknowledged', 'responding', 'stabilised'], to: ['resolved'], roles: incidentLeadRoles },
  review: { from: ['resolved'], to: ['reviewing'], roles: incidentLeadRoles },
  close: { from: ['reviewing'], to: ['closed'], roles: incidentLeadRoles },
  cancel: { from: open, to: ['cancelled'], roles: incidentLeadRoles },
  addWorkOrder: { from: [...live, 'resolved', 'reviewing'], roles: responderRoles },
} as const satisfies TransitionTable<IncidentStatus, string>;
type Action = keyof typeof incidentTransitions;

/** One running incident: its state, its kit, and its improvement actions still running. */
interface Incident {
  state: IncidentState;
  p: Process<'incident', IncidentStatus, Action, string>;
  payload: (extra?: Record<string, unknown>) => Record<string, unknown>;
  children: Promise<unknown>[];
  /** Staff asked to start a scheduled drill. */
  startRequested: boolean;
}

/** An incident or drill, from its declaration until it is closed after its review, or cancelled. */
export async function incidentWorkflow(input: IncidentInput): Promise<{ incidentId: string; status: IncidentStatus; drillScore?: number }> {
  const i = incident(input);
  const { state, p } = i;
  p.snapshot(incidentQuery, (deadlines) => ({ ...state, deadlines }));
  for (const register of [startDrillStep, acknowledgeStep, planSteps, broadcastStep, severityStep, stabiliseStep, resolveStep, reviewStep, closeStep, cancelStep, repairStep]) register(i);

  const { scheduled } = input;
  if (scheduled && !scheduled.outcome) state.upline = await upline(state.propertyId);
  await p.open({
    category: state.incidentType,
    clocks: scheduled && !scheduled.outcome ? ['window'] : [],
    detail: {
      kind: state.kind,
      severity: state.severity,
      planId: state.plan.planId,
      planVersion: state.plan.version,
      buildingIds: state.buildingIds,
      unitIds: state.unitIds,
      attributes: state.attributes,
      ...(scheduled ? { scheduleId: scheduled.scheduleId, due: scheduled.due, holdBy: scheduled.holdBy } : {}),
    },
  });
  if (scheduled?.outcome) {
    const { reason } = scheduled.outcome;
    await p.transition('cancel', systemActor, { reason, apply: (now) => Object.assign(state, { cancelReason: reason, closedAt: now }) });
  }
  // A scheduled drill waits for staff to start it; its window clock runs meanwhile.
  const life = (async () => {
    if (scheduled) await condition(() => i.startRequested || state.status !== 'reported');
    if (state.status !== 'reported') return;
    await activate(i);
    await periodicUpdates(i);
  })();
  await p.runToEnd(() => Promise.all([life, ...i.children]));
  return { incidentId: state.incidentId, status: state.status, ...(state.drill ? { drillScore: state.drill.score } : {}) };
}

/** The incident's state, clocks (a page per role, a deadline per step, the review) and projection, on the kit. */
function incident(input: IncidentInput): Incident {
  const state = newIncidentState(input, Date.now());
  const payload = (extra: Record<string, unknown> = {}) => ({
    incidentId: state.incidentId,
    kind: state.kind,
    type: state.incidentType,
    severity: state.severity,
    status: state.status,
    ...extra,
  });
  const p = createProcess({
    kind: 'incident',
    noun: state.kind === 'drill' ? 'drill' : 'incident',
    reporter: 'declarer',
    table: incidentTransitions,
    final: finalIncidentStatuses,
    state,
    clock: (name: string) => clockSpec(state, name),
    assignee: () => holder(state, 'commander')[0],
    identity: () => ({
      id: state.incidentId,
      kind: state.kind,
      incidentType: state.incidentType,
      planId: state.plan.planId,
      planVersion: state.plan.version,
      buildingIds: state.buildingIds,
      unitIds: state.unitIds,
      createdAt: state.createdAt,
      createdById: state.createdBy.id,
    }),
    live: (view) => ({
      status: state.status,
      severity: state.severity,
      activatedAt: state.activatedAt ?? null,
      acknowledgedAt: state.acknowledgedAt ?? null,
      resolvedAt: state.resolvedAt ?? null,
      closedAt: state.closedAt ?? null,
      cancelReason: state.cancelReason ?? null,
      escalations: state.escalationsFired,
      openActions: state.actions.filter((a) => a.status === 'open' || a.status === 'done').length,
      drillScore: state.drill?.score ?? null,
      nextDeadline: nextDeadline(view),
    }),
    sla: {
      warningTargets: () => [],
      payload,
      escalationPayload: () => ({ commander: holder(state, 'commander')[0]?.name ?? null }),
      // Whether a level is skipped was settled at activation; whom it reaches is read when it fires.
      escalationTargets: (e) => escalationTargets(state, e),
      escalated: (fired) => {
        if (!fired.skipped) state.escalationsFired += 1;
        const page = fired.clock.startsWith('ack:') ? state.pages.find((x) => `ack:${x.role}` === fired.clock) : undefined;
        page?.escalations.push({ level: fired.level, at: fired.firedAt, skipped: fired.skipped ?? false });
      },
    },
  });
  return { state, p, payload, children: [], startRequested: false };
}

/** Everyone to reach, as notification targets. */
const staffTargets = (people: readonly Assignee[]): NotifyTarget[] => people.map((x) => ({ kind: 'staff', id: x.id }));

/** Whoever holds a role now: who acknowledged its page, else whoever was paged. */
function holder(state: IncidentState, role: ResponseRole): Assignee[] {
  const page = state.pages.find((x) => x.role === role);
  if (page?.acknowledgedBy) return [{ id: page.acknowledgedBy.id, name: page.acknowledgedBy.name ?? page.acknowledgedBy.id }];
  return page?.paged ? [page.paged] : [];
}

/**
 * Who one escalation level reaches. A page: the next person on duty, then the project
 * managers, then the directors. An overdue step: a reminder to its owner, then the project
 * managers, then the directors. The review: project managers, then directors.
 */
function escalationPeople(state: IncidentState, clock: string, level: number): Assignee[] {
  const [kind, key] = clock.split(':') as [string, string | undefined];
  if (kind === 'ack') return state.pages.find((x) => x.role === key)?.chain.find((l) => l.level === level)?.people ?? [];
  const { managers, directors } = state.upline;
  if (kind === 'step') {
    const step = state.steps.find((s) => s.key === key);
    return [step ? holder(state, step.role) : [], managers, directors][level - 1] ?? [];
  }
  return [managers, directors][level - 1] ?? [];
}

/**
 * Whom one escalation level reaches, as the roster and memberships stand when it fires (a
 * shift may have changed since activation): nobody when the level had nobody at activation
 * (it is recorded skipped); a page's first level, the next person on duty; an overdue step's
 * first level, whoever holds its role; any other level, the kit's default — everyone holding
 * the level's role (project manager, director) at the property then.
 */
function escalationTargets(state: IncidentState, e: { clock: string; level: number }): NotifyTarget[] | undefined {
  const people = escalationPeople(state, e.clock, e.level);
  if (!people.length) return [];
  const [kind, key = ''] = e.clock.split(':') as [string, string | undefined];
  if (kind === 'ack' && e.level === 1) return [{ kind: 'on-duty', role: key, position: 2 }];
  if (kind === 'step' && e.level === 1) return staffTargets(people);
  return undefined;
}

/**
 * The escalation ladder of a chain: a level with somebody comes `every` after the last level
 * with somebody; a level with nobody comes at once, so it is recorded as skipped and the
 * next one is not held up.
 */
function ladder(levels: readonly { role: Role; people: readonly unknown[] }[], every: number): EscalationStep[] {
  let reached = 0;
  return levels.map((l, index) => {
    const step = { level: index + 1, afterMs: reached * every, role: l.role };
    if (l.people.length) reached += 1;
    return step;
  });
}

/** The spec of a clock by name: `ack:<role>`, `step:<key>` or `review`. */
function clockSpec(state: IncidentState, name: string) {
  const now = Date.now();
  const every = state.plan.escalateEveryMs;
  const [kind, key] = name.split(':') as [string, string | undefined];
  const { managers, directors } = state.upline;
  if (kind === 'ack') {
    const page = state.pages.find((x) => x.role === key);
    if (!page) return undefined;
    return { name, durationMs: Math.max(0, page.ackDeadline - now), escalation: ladder(page.chain, every) };
  }
  if (kind === 'step') {
    const step = state.steps.find((s) => s.key === key);
    if (!step) return undefined;
    const owner = holder(state, step.role);
    const staffRole = state.pages.find((x) => x.role === step.role)?.staffRole ?? 'dispatcher';
    return {
      name,
      durationMs: Math.max(0, step.dueAt - now),
      escalation: ladder(
        [
          { role: staffRole, people: owner },
          { role: 'manager', people: managers },
          { role: 'director', people: directors },
        ],
        every,
      ),
    };
  }
  if (kind === 'window' && state.scheduled) {
    return { name, durationMs: Math.max(0, state.scheduled.holdBy - now), escalation: ladder([{ role: 'manager', people: managers }, { role: 'director', people: directors }], every) };
  }
  if (kind === 'review' && state.review) {
    return { name, durationMs: Math.max(0, state.review.dueAt - now), escalation: ladder([{ role: 'manager', people: managers }, { role: 'director', people: directors }], every) };
  }
  return undefined;
}

/** The page of one role: whoever is first on duty, and the chain above them. */
function pageOf(role: { role: ResponseRole; staffRole: Role; ackMs: number }, who: Responders, now: number): Page {
  const onDuty = who.duty[role.role] ?? [];
  const chain: PageLevel[] = [
    { level: 1, role: role.staffRole, people: onDuty.slice(1, 2) },
    { level: 2, role: 'manager', people: who.managers },
    { level: 3, role: 'director', people: who.directors },
  ];
  return { role: role.role, staffRole: role.staffRole, paged: onDuty[0] ?? null, chain, ackDeadline: now + role.ackMs, escalations: [] };
}

/** Owners of the affected buildings and units, told in the drill-notice template for a drill. */
function ownersNotice(i: Incident, template: string, extra: Record<string, unknown> = {}, alsoUpward = false): StepNotification {
  const { state } = i;
  const owners: NotifyTarget = { kind: 'owners', buildingIds: state.buildingIds, unitIds: state.unitIds };
  // A status change is reported up the chain too: project managers and directors.
  const upward = alsoUpward ? staffTargets([...state.upline.managers, ...state.upline.directors]) : [];
  return { targets: [owners, ...upward], template: state.kind === 'drill' ? 'drill.notice' : template, payload: i.payload(extra) };
}

/** Activation: owners are told first, then every role is paged at once; steps without dependencies start together. */
async function activate(i: Incident): Promise<void> {
  const { state, p } = i;
  const who = await findResponders({ propertyId: state.propertyId });
  await p.transition('activate', systemActor, {
    apply: (now) => {
      state.activatedAt = now;
      state.upline = { managers: who.managers, directors: who.directors };
      state.pages = state.plan.roles.map((r) => pageOf(r, who, now));
      state.steps = state.plan.steps.map((s): IncidentStep => {
        const applies = stepApplies(s, state.attributes);
        return { key: s.key, title: s.title, role: s.role, required: s.required, dependsOn: s.dependsOn, status: applies ? 'waiting' : 'excluded', dueAt: now + s.deadlineMs };
      });
      p.startClocks(state.pages.map((x) => `ack:${x.role}`), now);
      releaseSteps(i, now);
    },
    detail: { planVersion: state.plan.version, excluded: state.steps.filter((s) => s.status === 'excluded').map((s) => s.key) },
    notify: ownersNotice(i, 'incident.activated', { description: state.description }),
  });
  await Promise.all(
    state.pages.map((page) =>
      page.paged
        ? p.record('page', systemActor, {
            detail: { role: page.role, staffId: page.paged.id, ackDeadline: page.ackDeadline },
            notify: { targets: staffTargets([page.paged]), template: state.kind === 'drill' ? 'drill.page' : 'incident.page', payload: i.payload({ role: page.role, ackBy: page.ackDeadline }) },
          })
        : p.record('page.unfilled', systemActor, { reason: `nobody is on duty as ${page.role}: the page goes up the chain`, detail: { role: page.role } }),
    ),
  );
}

/**
 * Start every waiting step whose dependencies are done, skipped or do not apply; each gets
 * its own clock, running out at activation + its deadline. Returns the keys started.
 */
function releaseSteps(i: Incident, now: number): string[] {
  const { state, p } = i;
  const settled = (key: string) => ['done', 'skipped', 'excluded'].includes(state.steps.find((s) => s.key === key)?.status ?? 'done');
  const ready = state.steps.filter((s) => s.status === 'waiting' && s.dependsOn.every(settled));
  for (const s of ready) {
    s.status = 'active';
    s.startedAt = now;
  }
  p.startClocks(ready.map((s) => `step:${s.key}`), now);
  return ready.map((s) => s.key);
}

/**
 * Owners get an update every N minutes while the incident is live. A repeating message is
 * not a deadline that escalates, so it is its own timer beside the kit's clock loop rather
 * than a clock: one more timer at a time, for as long as the incident is live.
 */
async function periodicUpdates(i: Incident): Promise<void> {
  const { state, p } = i;
  const every = state.plan.updateEveryMs;
  if (every <= 0) return;
  const isLive = () => live.includes(state.status);
  while (isLive()) {
    if (await condition(() => !isLive(), every)) return;
    await p.record('owners.update', systemActor, { reason: 'regular update while the incident is live', notify: ownersNotice(i, 'incident.update') });
  }
}

/** The move a step makes: to responding, or staying stabilised. */
const stepTarget = (status: IncidentStatus): IncidentStatus => (status === 'stabilised' ? 'stabilised' : 'responding');

function startDrillStep(i: Incident): void {
  const { state, p } = i;
  p.step(startDrillUpdate, 'startDrill', {
    alreadyApplied: () => i.startRequested,
    validate: () => {
      if (!state.scheduled) throw blockedStep('startDrill', state.status, 'only a scheduled drill waits to be started');
    },
    run: async ({ actor, note }) => {
      i.startRequested = true;
      await p.record('startDrill', actor, note ? { detail: { note } } : {});
    },
  });
}

function acknowledgeStep(i: Incident): void {
  const { state, p } = i;
  const pageFor = (role: string) => state.pages.find((x) => x.role === role);
  p.step(acknowledgeUpdate, 'acknowledge', {
    alreadyApplied: ({ actor, role }) => pageFor(role)?.acknowledgedBy?.id === actor.id,
    validate: ({ actor, role }) => {
      const page = pageFor(role);
      if (!page) throw invalidArgument('role', `${role} is not a role of this plan (${state.pages.map((x) => x.role).join(', ')})`);
      if (page.acknowledgedAt !== undefined) throw blockedStep('acknowledge', state.status, `${role} was acknowledged by ${page.acknowledgedBy?.name ?? page.acknowledgedBy?.id}`);
      const reached = [page.paged, ...page.chain.flatMap((l) => l.people)].some((x) => x?.id === actor.id);
      if (!reached && !holdsRole(actor, incidentLeadRoles)) throw notAllowed(`only whoever was paged as ${role}, someone it escalated to, or a lead may acknowledge it`);
    },
    run: ({ actor, role }) =>
      p.transition('acknowledge', actor, {
        to: state.status === 'activated' ? 'acknowledged' : state.status,
        apply: (now) => {
          const page = pageFor(role)!;
          p.stopClocks([`ack:${role}`], now);
          page.acknowledgedAt = now;
          page.acknowledgedBy = actor;
          state.acknowledgedAt ??= now;
        },
        detail: { role, afterMs: Date.now() - (state.activatedAt ?? state.createdAt) },
        ...(state.status === 'activated' ? { notify: ownersNotice(i, 'incident.update', { role }, true) } : {}),
      }),
  });
}

function planSteps(i: Incident): void {
  const { state, p } = i;
  const stepFor = (key: string) => state.steps.find((s) => s.key === key);
  const check = (action: string, key: string) => {
    const s = stepFor(key);
    if (!s) throw invalidArgument('step', `${key} is not a step of this plan`);
    if (s.status === 'excluded') throw blockedStep(action, state.status, `step ${key} does not apply to this incident`);
    if (s.status === 'waiting') throw blockedStep(action, state.status, `step ${key} waits on ${s.dependsOn.filter((d) => stepFor(d)?.status === 'waiting' || stepFor(d)?.status === 'active').join(', ')}`);
    if (s.status !== 'active') throw blockedStep(action, state.status, `step ${key} is already ${s.status}`);
  };
  const finish = (action: 'completeStep' | 'skipStep', actor: Actor, key: string, o: { note?: string; reason?: string }) =>
    p.transition(action, actor, {
      to: stepTarget(state.status),
      apply: (now) => {
        const s = stepFor(key)!;
        p.stopClocks([`step:${key}`], now);
        s.status = action === 'completeStep' ? 'done' : 'skipped';
        s.doneAt = now;
        s.by = actor;
        if (o.note) s.note = o.note;
        if (o.reason) s.skipReason = o.reason;
        const started = releaseSteps(i, now);
        if (started.length) s.note = [s.note, `started ${started.join(', ')}`].filter(Boolean).join('; ');
      },
      ...(o.reason ? { reason: o.reason } : {}),
      detail: { step: key, late: Date.now() > stepFor(key)!.dueAt, ...(o.note ? { note: o.note } : {}) },
      ...(state.status !== 'responding' && state.status !== 'stabilised' ? { notify: ownersNotice(i, 'incident.update', {}, true) } : {}),
    });
  p.step(completeStepUpdate, 'completeStep', {
    validate: ({ step }) => check('complete', step),
    run: ({ actor, step, note }) => finish('completeStep', actor, step, note ? { note } : {}),
  });
  p.step(skipStepUpdate, 'skipStep', {
    validate: ({ step, reason }) => {
      requireText('reason', reason, 'must say why the step is skipped');
      check('skip', step);
    },
    run: ({ actor, step, reason }) => finish('skipStep', actor, step, { reason }),
  });
}

function broadcastStep(i: Incident): void {
  const { p } = i;
  p.step(broadcastUpdate, 'broadcast', {
    validate: ({ message }) => requireText('message', message, 'must say what owners are told'),
    run: ({ actor, message }) => p.record('broadcast', actor, { detail: { message }, notify: ownersNotice(i, 'incident.update', { message }) }),
  });
}

function severityStep(i: Incident): void {
  const { state, p } = i;
  p.step(severityUpdate, 'changeSeverity', {
    validate: ({ severity, reason }) => {
      requireText('reason', reason, 'must say why the severity changes');
      if (severity === state.severity) throw invalidArgument('severity', `is already ${severity}`);
    },
    run: ({ actor, severity, reason }) => {
      const from = state.severity;
      return p.transition('changeSeverity', actor, {
        reason,
        apply: () => {
          state.severity = severity;
        },
        detail: { from, to: severity },
        notify: { targets: staffTargets([...state.upline.managers, ...state.upline.directors]), template: 'incident.severity', payload: i.payload({ from }) },
      });
    },
  });
}

function stabiliseStep(i: Incident): void {
  const { state, p } = i;
  p.step(stabiliseUpdate, 'stabilise', {
    run: ({ actor, note }) =>
      p.transition('stabilise', actor, {
        apply: (now) => {
          state.stabilisedAt = now;
        },
        ...(note ? { detail: { note } } : {}),
        notify: ownersNotice(i, 'incident.update', {}, true),
      }),
  });
}

/** A drill's timings: each role's acknowledgement, each applicable step, and the whole, against the plan; and its score. */
function drillResult(state: IncidentState, now: number): DrillResult {
  const start = state.activatedAt ?? state.createdAt;
  const roles = state.pages.map((page) => {
    const targetMs = state.plan.roles.find((r) => r.role === page.role)?.ackMs ?? 0;
    const ackMs = page.acknowledgedAt === undefined ? null : page.acknowledgedAt - start;
    return { role: page.role, ackMs, targetMs, met: ackMs !== null && ackMs <= targetMs };
  });
  const steps = state.steps
    .filter((s) => s.status !== 'excluded')
    .map((s) => {
      const targetMs = s.dueAt - start;
      const tookMs = s.status === 'done' && s.doneAt !== undefined ? s.doneAt - start : null;
      return { key: s.key, tookMs, targetMs, met: tookMs !== null && tookMs <= targetMs };
    });
  const totalMs = now - start;
  const targetMs = state.plan.drillTargetMs;
  return { roles, steps, totalMs, targetMs, score: drillScore([...roles, ...steps, { met: totalMs <= targetMs }]) };
}

function resolveStep(i: Incident): void {
  const { state, p } = i;
  p.step(resolveIncidentUpdate, 'resolve', {
    validate: () => {
      const open = state.steps.filter((s) => s.required && (s.status === 'waiting' || s.status === 'active')).map((s) => s.key);
      if (open.length) throw blockedStep('resolve', state.status, `required steps are not done or skipped: ${open.join(', ')}`);
    },
    run: ({ actor, note }) =>
      p.transition('resolve', actor, {
        apply: (now) => {
          p.stopAllClocks(now);
          state.resolvedAt = now;
          if (state.kind === 'drill') state.drill = drillResult(state, now);
          state.review = {
            dueAt: now + state.plan.reviewWithinMs,
            draftTimeline: state.timeline
              .filter((e) => e.action !== 'sla.warning')
              .map((e) => ({ at: e.at, action: e.action, by: e.actor.name ?? e.actor.id, ...(e.reason ? { note: e.reason } : typeof e.detail?.step === 'string' ? { note: e.detail.step } : {}) })),
          };
          p.startClocks(['review'], now);
        },
        detail: { ...(note ? { note } : {}), ...(state.kind === 'drill' ? { score: state.drill?.score } : {}) },
        notify: ownersNotice(i, 'incident.resolved', {}, true),
      }),
  });
}

function reviewStep(i: Incident): void {
  const { state, p } = i;
  p.step(reviewUpdate, 'review', {
    validate: ({ summary, actions }) => {
      requireText('summary', summary, 'must say what happened and what is learnt');
      actions.forEach((a, n) => {
        requireText(`actions.${n}.title`, a.title, 'must say what is to be done');
        if (!(a.dueAt > Date.now())) throw invalidArgument(`actions.${n}.dueAt`, 'must be in the future');
      });
    },
    run: async ({ actor, summary, actions }) => {
      const made: IncidentAction[] = actions.map((a, n) => ({ actionId: `${state.incidentId}-A${state.actions.length + n + 1}`, title: a.title, owner: a.owner, dueAt: a.dueAt, status: 'open' }));
      await p.transition('review', actor, {
        apply: (now) => {
          p.stopClocks(['review'], now);
          Object.assign(state.review!, { submittedAt: now, by: actor, summary });
          state.actions.push(...made);
        },
        detail: { summary, actions: made.map((a) => ({ actionId: a.actionId, ownerId: a.owner.id, dueAt: a.dueAt })) },
      });
      for (const action of made) await startAction(i, action, actor);
    },
  });
}

/** An improvement action as a child workflow; the incident follows it to its end. */
async function startAction(i: Incident, action: IncidentAction, actor: Actor): Promise<void> {
  const { state, p } = i;
  const child = await startChild(improvementActionWorkflow, {
    workflowId: improvementActionWorkflowId(action.actionId),
    args: [{ actionId: action.actionId, propertyId: state.propertyId, sourceId: state.incidentId, title: action.title, owner: action.owner, dueAt: action.dueAt, escalateAfterMs: state.plan.escalateEveryMs, createdBy: actor }],
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
  i.children.push(
    child.result().then(
      async (result) => {
        action.status = result.status === 'dropped' ? 'dropped' : 'verified';
        if (result.droppedReason) action.droppedReason = result.droppedReason;
        await p.record('action.finished', systemActor, { detail: { actionId: action.actionId, status: action.status } });
      },
      async () => {
        action.status = 'failed';
        await p.record('action.failed', systemActor, { reason: 'the action workflow failed', detail: { actionId: action.actionId } });
      },
    ),
  );
}

function closeStep(i: Incident): void {
  const { state, p } = i;
  p.step(closeIncidentUpdate, 'close', {
    validate: () => {
      const open = state.actions.filter((a) => a.status !== 'verified' && a.status !== 'dropped').map((a) => a.actionId);
      if (open.length) throw blockedStep('close', state.status, `improvement actions not verified or dropped: ${open.join(', ')}`);
    },
    run: ({ actor, note }) =>
      p.transition('close', actor, {
        apply: (now) => {
          state.closedAt = now;
        },
        ...(note ? { detail: { note } } : {}),
      }),
  });
}

/** A repair order as a child; the incident may close while it runs (a repair in progress carries on). The commander hears when it ends. */
function repairStep(i: Incident): void {
  const { state, p } = i;
  repairOrderStep(p, incidentRepairOrderUpdate, 'addWorkOrder', {
    links: state.repairOrders,
    owner: { propertyId: state.propertyId, noun: state.kind },
    status: () => state.status,
    finished: (link) => ({ targets: staffTargets(holder(state, 'commander')), template: 'incident.work-order-finished', payload: i.payload({ orderId: link.orderId, status: link.status }) }),
    background: i.children,
    waitForChildren: false,
  });
}

function cancelStep(i: Incident): void {
  const { state, p } = i;
  p.exitStep(cancelIncidentUpdate, 'cancel', {
    why: 'must say why (a false alarm: what it was)',
    end: ({ reason }, now) => {
      state.cancelReason = reason;
      state.closedAt = now;
    },
    notify: ({ reason }) => (state.status === 'reported' ? undefined : ownersNotice(i, 'incident.cancelled', { reason }, true)),
  });
}
