/**
 * Emergency plans (应急预案, shared/DOMAIN.md §5): the incident types, the roles of the
 * response organisation, and what one immutable plan version holds. Pure code: the API
 * validates with it, activities resolve it, workflows carry it by value.
 */
import { parseIsoDuration } from './durations.js';
import type { Role } from './roles.js';

/** Every incident type a property keeps a plan for (seed 000, plus entrapment, gas and security; network security for its drill). */
export const incidentTypes = [
  'fire',
  'power_cut',
  'water_cut',
  'flood',
  'severe_weather',
  'epidemic',
  'elevator_entrapment',
  'gas_leak',
  'security_incident',
  'network_security',
] as const;
export type IncidentType = (typeof incidentTypes)[number];

/** The response organisation every plan names. */
export const responseRoles = ['commander', 'on_site_lead', 'engineering', 'security', 'communications'] as const;
export type ResponseRole = (typeof responseRoles)[number];

export const incidentSeverities = ['minor', 'major', 'critical'] as const;
export type IncidentSeverity = (typeof incidentSeverities)[number];

/** A real incident, or a drill of the same plan (kept out of the incident figures). */
export const incidentKinds = ['incident', 'drill'] as const;
export type IncidentKind = (typeof incidentKinds)[number];

/** A step that applies only when an incident attribute has one of the values (e.g. `cause` is `burst_pipe`). */
export interface StepCondition {
  attribute: string;
  in: string[];
}

/** One step of a plan as stored: durations as ISO 8601. */
export interface PlanStepDef {
  key: string;
  title: string;
  role: ResponseRole;
  /** Counted from activation. */
  deadline: string;
  dependsOn: string[];
  required: boolean;
  condition?: StepCondition | undefined;
}

/** A role of the response organisation: the staff role that fills it, and how long it has to acknowledge a page. */
export interface PlanRoleDef {
  role: ResponseRole;
  staffRole: Role;
  ackWithin: string;
}

/** The content of one plan version as stored and as the API takes it. */
export interface PlanContent {
  title: string;
  roles: PlanRoleDef[];
  steps: PlanStepDef[];
  measures: string[];
  resources: string[];
  /** Between escalation levels of a missed acknowledgement or an overdue step. */
  escalateEvery: string;
  /** Owners get an update this often while the incident is active. */
  updateEvery: string;
  /** The post-incident review is due this long after the incident is resolved. */
  reviewWithin: string;
  /** A drill is on target when it ends within this long of activation. */
  drillTarget: string;
}

/** A plan step as the workflow runs it: milliseconds. */
export interface PlanStep extends Omit<PlanStepDef, 'deadline' | 'condition'> {
  deadlineMs: number;
  condition?: StepCondition;
}

/** A plan role as the workflow runs it. */
export interface PlanRole {
  role: ResponseRole;
  staffRole: Role;
  ackMs: number;
}

/** One plan version resolved to milliseconds: what an incident carries by value from its start, so a later version never changes it. */
export interface PlanSnapshot {
  planId: string;
  version: number;
  incidentType: IncidentType;
  title: string;
  roles: PlanRole[];
  steps: PlanStep[];
  measures: string[];
  resources: string[];
  escalateEveryMs: number;
  updateEveryMs: number;
  reviewWithinMs: number;
  drillTargetMs: number;
}

/** Why a plan's content cannot be used, one problem per line with the field it is about; empty when it is fine. */
export function planProblems(p: PlanContent): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  const roles = new Set<string>();
  p.roles.forEach((r, i) => {
    if (roles.has(r.role)) problems.push({ field: `roles.${i}.role`, message: `${r.role} appears twice` });
    roles.add(r.role);
  });
  if (!roles.has('commander')) problems.push({ field: 'roles', message: 'a plan needs a commander' });
  const keys = new Set(p.steps.map((s) => s.key));
  if (keys.size !== p.steps.length) problems.push({ field: 'steps', message: 'step keys must be unique' });
  p.steps.forEach((s, i) => {
    if (!roles.has(s.role)) problems.push({ field: `steps.${i}.role`, message: `${s.role} is not a role of this plan` });
    for (const d of s.dependsOn) if (!keys.has(d) || d === s.key) problems.push({ field: `steps.${i}.dependsOn`, message: `${d} is not another step of this plan` });
  });
  if (hasCycle(p.steps)) problems.push({ field: 'steps', message: 'the dependencies go round in a circle' });
  return problems;
}

function hasCycle(steps: readonly { key: string; dependsOn: string[] }[]): boolean {
  const deps = new Map(steps.map((s) => [s.key, s.dependsOn]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (k: string): boolean => {
    if (state.get(k) === 'done') return false;
    if (state.get(k) === 'visiting') return true;
    state.set(k, 'visiting');
    const cyclic = (deps.get(k) ?? []).some(visit);
    state.set(k, 'done');
    return cyclic;
  };
  return steps.some((s) => visit(s.key));
}

/** A stored version as the workflow carries it. */
export function toPlanSnapshot(planId: string, version: number, incidentType: IncidentType, c: PlanContent): PlanSnapshot {
  return {
    planId,
    version,
    incidentType,
    title: c.title,
    roles: c.roles.map((r) => ({ role: r.role, staffRole: r.staffRole, ackMs: parseIsoDuration(r.ackWithin) })),
    steps: c.steps.map((s) => ({
      key: s.key,
      title: s.title,
      role: s.role,
      deadlineMs: parseIsoDuration(s.deadline),
      dependsOn: [...s.dependsOn],
      required: s.required,
      ...(s.condition ? { condition: { attribute: s.condition.attribute, in: [...s.condition.in] } } : {}),
    })),
    measures: [...c.measures],
    resources: [...c.resources],
    escalateEveryMs: parseIsoDuration(c.escalateEvery),
    updateEveryMs: parseIsoDuration(c.updateEvery),
    reviewWithinMs: parseIsoDuration(c.reviewWithin),
    drillTargetMs: parseIsoDuration(c.drillTarget),
  };
}

/** Whether a step applies to an incident with these attributes. */
export function stepApplies(step: Pick<PlanStep, 'condition'>, attributes: Record<string, string>): boolean {
  if (!step.condition) return true;
  const value = attributes[step.condition.attribute];
  return value !== undefined && step.condition.in.includes(value);
}

/**
 * A drill's score out of 100: each role acknowledged on time, each applicable step done on
 * time, and the whole drill within its target count equally; late or missing scores nothing.
 */
export function drillScore(checks: readonly { met: boolean }[]): number {
  if (!checks.length) return 0;
  return Math.round((100 * checks.filter((c) => c.met).length) / checks.length);
}
