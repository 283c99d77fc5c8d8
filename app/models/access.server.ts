import { sql, type RawBuilder } from 'kysely';
import type { CurrentUser } from './users.server';

/**
 * Which teams and areas a user may see, manage and review: the one home of that rule (docs/decisions/010).
 * Every rule is read off a `Reach`, computed from the user's roles by `reachOf`; the code forms (`canSeeTeam`…)
 * and the SQL forms (`teamVisibleTo`…) both derive from it, so they cannot drift apart. A new role (an auditor of
 * the authority or of an area, say) is one more case in `reachOf`.
 */

/** The roles a reach is computed from (what `loadCurrentUser` reads from memberships). */
export type AccessUser = Pick<CurrentUser, 'isAdmin' | 'reviewerAreaIds' | 'managedTeamIds' | 'auditorAreaIds'> & { id?: number };

export type Reach = {
  /** Teams whose responses the user may read one by one: every team, or those of some areas plus some teams. */
  see: 'all' | { areaIds: number[]; teamIds: number[] };
  /** Teams whose responses the user completes (managers): change, submit, confirm carried answers. */
  manage: number[];
  /** Areas the user reviews: rounds, overviews' scope, aggregates, exports, new rounds' teams. */
  review: 'all' | number[];
  /** Areas whose cases the user audits (auditors). Never their own teams' cases: see `canAuditTeam`. */
  audit: 'all' | number[];
};

export function reachOf(user: AccessUser): Reach {
  const manage = user.managedTeamIds;
  // Administrators review everything; so do authority-wide reviewers.
  const review: Reach['review'] = user.isAdmin || user.reviewerAreaIds === 'all' ? 'all' : (user.reviewerAreaIds ?? []);
  // A reviewer sees their areas' teams, a manager their own teams, someone with both roles the union.
  const see: Reach['see'] = review === 'all' ? 'all' : { areaIds: review, teamIds: manage };
  return { see, manage, review, audit: user.auditorAreaIds ?? [] };
}

// ---------------------------------------------------------------------------------------------------------------
// In code

/** Whether the user may see a team's responses. */
export function canSeeTeam(user: AccessUser, team: { id: number; area_id: number }): boolean {
  const { see } = reachOf(user);
  return see === 'all' || see.areaIds.includes(team.area_id) || see.teamIds.includes(team.id);
}

/** Whether the user completes a team's responses (is one of its managers). */
export function canManageTeam(user: AccessUser, teamId: number): boolean {
  return reachOf(user).manage.includes(teamId);
}

/** Whether the user reviews an area (and so its teams, its share of rounds and figures). */
export function canReviewArea(user: AccessUser, areaId: number): boolean {
  const { review } = reachOf(user);
  return review === 'all' || review.includes(areaId);
}

/** The areas the user reviews: 'all', or a list (empty for someone who reviews none). */
export function reviewedAreaIds(user: AccessUser): 'all' | number[] {
  return reachOf(user).review;
}

/** The teams the user manages. */
export function managedTeamIds(user: AccessUser): number[] {
  return reachOf(user).manage;
}

/**
 * Whether the user audits a team's cases: an auditor whose scope holds the team's area, who is not one of the team's
 * managers (nobody audits their own team's cases).
 */
export function canAuditTeam(user: AccessUser, team: { id: number; area_id: number }): boolean {
  const { audit, manage } = reachOf(user);
  if (manage.includes(team.id)) return false;
  return audit === 'all' || audit.includes(team.area_id);
}

/** What the rules for one response read: its team, what its round is about, and for a case audit who does it. */
export type ResponseFacts = {
  team_id: number;
  area_id: number;
  subject: 'team' | 'case';
  status: string;
  auditor_id: number | null;
  moderation_of: number | null;
};

/**
 * Whether the user may see a response. A team's own return: whoever may see the team. A case audit:
 *  - reviewers of the team's area, every audit (first and second);
 *  - auditors of the team, the audits they do and those nobody has taken yet (so a second audit is blind: neither
 *    auditor sees the other's);
 *  - the team's managers, its completed first audits only (read-only).
 */
export function canSeeResponse(user: AccessUser, response: ResponseFacts): boolean {
  const team = { id: response.team_id, area_id: response.area_id };
  if (response.subject === 'team') return canSeeTeam(user, team);
  if (canReviewArea(user, response.area_id)) return true;
  if (canAuditTeam(user, team) && (response.auditor_id === null || response.auditor_id === user.id)) return true;
  return canManageTeam(user, response.team_id) && response.status === 'submitted' && response.moderation_of === null;
}

/** Whether the user completes a response: a team's managers their team's return; a case audit's own auditor. */
export function canEditResponse(user: AccessUser, response: ResponseFacts): boolean {
  if (response.subject === 'team') return canManageTeam(user, response.team_id);
  return response.auditor_id === user.id && canAuditTeam(user, { id: response.team_id, area_id: response.area_id });
}

// ---------------------------------------------------------------------------------------------------------------
// In SQL: conditions on a teams table under `teamAlias`, true exactly where the code forms above are.

const column = (alias: string, name: string) => sql.ref(`${alias}.${name}`);
const TRUE = sql<boolean>`true`;
/**
 * Whether the user may see an action of the register, and change it: a team's action to the team's managers and to
 * the reviewers of its area; an action for the whole authority (no team) to reviewers only. Auditors see none.
 */
export function canSeeAction(user: AccessUser, action: { team_id: number | null; area_id: number | null }): boolean {
  if (action.team_id === null) return reviewsActions(user);
  return canManageTeam(user, action.team_id) || (action.area_id !== null && canReviewArea(user, action.area_id));
}

/** Whether the user decides proposed actions and raises actions by hand (a reviewer of some area, or an admin). */
export function reviewsActions(user: AccessUser): boolean {
  const { review } = reachOf(user);
  return review === 'all' || review.length > 0;
}

const FALSE = sql<boolean>`false`;

function inList(ref: RawBuilder<unknown>, ids: number[]): RawBuilder<boolean> {
  return ids.length ? sql<boolean>`${ref} in (${sql.join(ids)})` : FALSE;
}

/** The teams the user may see (canSeeTeam). Every list of teams, responses or rounds filters through it. */
export function teamVisibleTo(user: AccessUser, teamAlias = 't'): RawBuilder<boolean> {
  const { see } = reachOf(user);
  if (see === 'all') return TRUE;
  const parts = [
    see.areaIds.length ? inList(column(teamAlias, 'area_id'), see.areaIds) : null,
    see.teamIds.length ? inList(column(teamAlias, 'id'), see.teamIds) : null,
  ].filter((p): p is RawBuilder<boolean> => p !== null);
  if (!parts.length) return FALSE;
  return sql<boolean>`(${sql.join(parts, sql` or `)})`;
}

/** The teams whose cases the user audits (canAuditTeam). */
export function teamAuditedBy(user: AccessUser, teamAlias = 't'): RawBuilder<boolean> {
  const { audit, manage } = reachOf(user);
  if (audit !== 'all' && !audit.length) return FALSE;
  const inScope = audit === 'all' ? TRUE : inList(column(teamAlias, 'area_id'), audit);
  return manage.length ? sql<boolean>`(${inScope} and not ${inList(column(teamAlias, 'id'), manage)})` : inScope;
}

/**
 * The responses the user may see (canSeeResponse), over a teams table `t`, a responses table `s` and a rounds table
 * `r` (aliases as given).
 */
export function responseVisibleTo(user: AccessUser & { id: number }, aliases: { team?: string; response?: string; round?: string } = {}): RawBuilder<boolean> {
  const { team = 't', response = 's', round = 'r' } = aliases;
  const ref = (alias: string, name: string) => column(alias, name);
  const caseRules = [
    teamReviewedBy(user, team),
    sql<boolean>`(${teamAuditedBy(user, team)} and (${ref(response, 'auditor_id')} is null or ${ref(response, 'auditor_id')} = ${user.id}))`,
    sql<boolean>`(${teamManagedBy(user, team)} and ${ref(response, 'status')} = 'submitted' and ${ref(response, 'moderation_of')} is null)`,
  ];
  return sql<boolean>`(case when ${ref(round, 'subject')} = 'team' then ${teamVisibleTo(user, team)} else (${sql.join(caseRules, sql` or `)}) end)`;
}

/** The teams the user manages (canManageTeam). */
export function teamManagedBy(user: AccessUser, teamAlias = 't'): RawBuilder<boolean> {
  return inList(column(teamAlias, 'id'), reachOf(user).manage);
}

/** The teams in the areas the user reviews (canReviewArea of the team's area). */
export function teamReviewedBy(user: AccessUser, teamAlias = 't'): RawBuilder<boolean> {
  return areaReviewedBy(user, column(teamAlias, 'area_id'));
}

/** The areas the user reviews, as a condition on an area id column (canReviewArea). */
export function areaReviewedBy(user: AccessUser, areaId: RawBuilder<unknown>): RawBuilder<boolean> {
  const { review } = reachOf(user);
  return review === 'all' ? TRUE : inList(areaId, review);
}

/**
 * The actions the user may see (canSeeAction), over an actions table `a` and its team `t` (left joined: an action for
 * the authority has none).
 */
export function actionVisibleTo(user: AccessUser, aliases: { action?: string; team?: string } = {}): RawBuilder<boolean> {
  const { action = 'a', team = 't' } = aliases;
  const authority = reviewsActions(user) ? TRUE : FALSE;
  return sql<boolean>`(case when ${column(action, 'team_id')} is null then ${authority} else (${teamManagedBy(user, team)} or ${teamReviewedBy(user, team)}) end)`;
}
