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
  | 'case:audit'
  | 'audit-trail:read'
  // The action register (docs/actions.md): managers read and update their teams' actions; reviewers also decide
  // proposed actions and raise them. Which actions each sees is access.server.ts's canSeeAction.
  | 'action:read'
  | 'action:decide';

const REVIEWER: Permission[] = ['round:manage', 'response:read-any', 'response:return', 'aggregate:read', 'export:read', 'action:read', 'action:decide'];
const ADMIN: Permission[] = [...REVIEWER, 'questionnaire:publish', 'organisation:manage', 'audit-trail:read'];
const MANAGER: Permission[] = ['response:edit-own', 'action:read'];
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
