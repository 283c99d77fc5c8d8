import type { CurrentUser } from '~/models/users.server';

/** What a role allows. Checked on the server in every loader and action, whatever the page shows. */
export type Permission =
  | 'questionnaire:publish'
  | 'organisation:manage'
  | 'round:manage'
  | 'response:read-any'
  | 'response:return'
  | 'response:edit-own'
  | 'aggregate:read'
  | 'export:read';

const REVIEWER: Permission[] = ['round:manage', 'response:read-any', 'response:return', 'aggregate:read', 'export:read'];
const ADMIN: Permission[] = [...REVIEWER, 'questionnaire:publish', 'organisation:manage'];
const MANAGER: Permission[] = ['response:edit-own'];

export function permissionsOf(user: Pick<CurrentUser, 'isAdmin' | 'reviewerAreaIds' | 'managedTeamIds'>): Set<Permission> {
  const granted = new Set<Permission>();
  if (user.isAdmin) ADMIN.forEach((p) => granted.add(p));
  if (user.reviewerAreaIds) REVIEWER.forEach((p) => granted.add(p));
  if (user.managedTeamIds.length) MANAGER.forEach((p) => granted.add(p));
  return granted;
}

export function hasPermission(user: Pick<CurrentUser, 'isAdmin' | 'reviewerAreaIds' | 'managedTeamIds'>, permission: Permission): boolean {
  return permissionsOf(user).has(permission);
}

/** Whether the user may see a team's responses: their own team as manager, their area or all as reviewer, all as admin. */
export function canSeeTeam(user: Pick<CurrentUser, 'isAdmin' | 'reviewerAreaIds' | 'managedTeamIds'>, team: { id: number; area_id: number }): boolean {
  if (user.isAdmin || user.reviewerAreaIds === 'all') return true;
  if (user.reviewerAreaIds && user.reviewerAreaIds.includes(team.area_id)) return true;
  return user.managedTeamIds.includes(team.id);
}
