import type { CurrentUser } from '~/models/users.server';

/**
 * What a role allows. Checked on the server in every loader and action, whatever the page shows. Which teams and
 * areas a role reaches is decided in app/models/access.server.ts, not here.
 */
export type Permission =
  | 'questionnaire:publish'
  | 'organisation:manage'
  | 'round:manage'
  | 'response:read-any'
  | 'response:return'
  | 'response:edit-own'
  | 'aggregate:read'
  | 'export:read'
  | 'case:audit';

const REVIEWER: Permission[] = ['round:manage', 'response:read-any', 'response:return', 'aggregate:read', 'export:read'];
const ADMIN: Permission[] = [...REVIEWER, 'questionnaire:publish', 'organisation:manage'];
const MANAGER: Permission[] = ['response:edit-own'];
const AUDITOR: Permission[] = ['case:audit'];

export function permissionsOf(user: Pick<CurrentUser, 'isAdmin' | 'reviewerAreaIds' | 'managedTeamIds' | 'auditorAreaIds'>): Set<Permission> {
  const granted = new Set<Permission>();
  if (user.isAdmin) ADMIN.forEach((p) => granted.add(p));
  if (user.reviewerAreaIds) REVIEWER.forEach((p) => granted.add(p));
  if (user.managedTeamIds.length) MANAGER.forEach((p) => granted.add(p));
  if (user.auditorAreaIds) AUDITOR.forEach((p) => granted.add(p));
  return granted;
}

export function hasPermission(user: Pick<CurrentUser, 'isAdmin' | 'reviewerAreaIds' | 'managedTeamIds' | 'auditorAreaIds'>, permission: Permission): boolean {
  return permissionsOf(user).has(permission);
}
