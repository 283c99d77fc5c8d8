import { sql, type RawBuilder } from 'kysely';
import type { CurrentUser } from './users.server';

/**
 * Which teams and areas a user may see, manage and review: the one home of that rule (docs/decisions/010).
 * Every rule is read off a `Reach`, computed from the user's roles by `reachOf`; the code forms (`canSeeTeam`…)
 * and the SQL forms (`teamVisibleTo`…) both derive from it, so they cannot drift apart. A new role (an auditor of
 * the authority or of an area, say) is one more case in `reachOf`.
 */

/** The roles a reach is computed from (what `loadCurrentUser` reads from memberships). */
export type AccessUser = Pick<CurrentUser, 'isAdmin' | 'reviewerAreaIds' | 'managedTeamIds'>;

export type Reach = {
  /** Teams whose responses the user may read one by one: every team, or those of some areas plus some teams. */
  see: 'all' | { areaIds: number[]; teamIds: number[] };
  /** Teams whose responses the user completes (managers): change, submit, confirm carried answers. */
  manage: number[];
  /** Areas the user reviews: rounds, overviews' scope, aggregates, exports, new rounds' teams. */
  review: 'all' | number[];
};

export function reachOf(user: AccessUser): Reach {
  const manage = user.managedTeamIds;
  // Administrators review everything; so do authority-wide reviewers.
  const review: Reach['review'] = user.isAdmin || user.reviewerAreaIds === 'all' ? 'all' : (user.reviewerAreaIds ?? []);
  // A reviewer sees their areas' teams, a manager their own teams, someone with both roles the union.
  const see: Reach['see'] = review === 'all' ? 'all' : { areaIds: review, teamIds: manage };
  return { see, manage, review };
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

// ---------------------------------------------------------------------------------------------------------------
// In SQL: conditions on a teams table under `teamAlias`, true exactly where the code forms above are.

const column = (alias: string, name: string) => sql.ref(`${alias}.${name}`);
const TRUE = sql<boolean>`true`;
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
