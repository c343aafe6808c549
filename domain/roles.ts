/** Staff roles, from shared/DOMAIN.md "Who uses it". Owners are not staff and hold no token. */
export const roles = [
  'front_desk',
  'concierge',
  'dispatcher',
  'technician',
  'security',
  'cleaning',
  'manager',
  'director',
  'auditor',
  'admin',
] as const;
export type Role = (typeof roles)[number];

/** The role steps nobody took by hand are recorded under (SLA clocks, automatic dispatch); no token ever carries it. */
export const systemRole = 'system';

/**
 * Who an action is attributed to: a staff member, always taken from the verified token and
 * never from a request body, or the system itself for automatic steps.
 */
export interface Actor {
  id: string;
  role: Role | typeof systemRole;
  name?: string;
}

/** Whether the actor holds one of `roles` (the system holds none of them). */
export function holdsRole(actor: Actor, roles: readonly Role[]): boolean {
  return actor.role !== systemRole && roles.includes(actor.role);
}

/** Roles that may set up and change a property's reference data (units, staff, SLA policies). */
export const propertyAdminRoles: readonly Role[] = ['admin', 'director', 'manager'];

/** Roles that may create a property at all. */
export const propertyCreatorRoles: readonly Role[] = ['admin', 'director'];

/** Roles that see every property, whatever their memberships say. */
export const allPropertyRoles: readonly Role[] = ['admin', 'director'];

/** Read-only roles: every write route refuses them. */
export const readOnlyRoles: readonly Role[] = ['auditor'];

/** Escalation levels climb this ladder (supervisor → project manager → company). */
export const escalationRoles: readonly Role[] = ['dispatcher', 'manager', 'director'];

/**
 * Roles a caller may give or manage at a property: an admin any; a director any but admin and
 * director (only admins make directors); a manager only the property's own staff roles, never
 * director, admin or auditor.
 */
export function grantableRoles(role: Role): readonly Role[] {
  if (role === 'admin') return roles;
  if (role === 'director') return roles.filter((r) => r !== 'admin' && r !== 'director');
  if (role === 'manager') return roles.filter((r) => r !== 'admin' && r !== 'director' && r !== 'auditor');
  return [];
}
