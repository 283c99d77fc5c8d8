import { sql, type RawBuilder } from 'kysely';
import type { CurrentUser } from './users.server';

type Scope = Pick<CurrentUser, 'isAdmin' | 'reviewerAreaIds' | 'managedTeamIds'>;

/**
 * The SQL twin of canSeeTeam (app/utils/permissions.ts): true for the teams the user may see — all (administrators,
 * authority-wide reviewers), their areas' (area reviewers), their own (managers). `teamAlias` names the teams table
 * in the query. Every list of teams, responses or rounds filters through this one condition.
 */
export function teamVisibleTo(user: Scope, teamAlias = 't'): RawBuilder<boolean> {
  if (user.isAdmin || user.reviewerAreaIds === 'all') return sql<boolean>`true`;
  const areaIds = Array.isArray(user.reviewerAreaIds) ? user.reviewerAreaIds : [];
  const parts: RawBuilder<unknown>[] = [];
  if (areaIds.length) parts.push(sql`${sql.ref(`${teamAlias}.area_id`)} in (${sql.join(areaIds)})`);
  if (user.managedTeamIds.length) parts.push(sql`${sql.ref(`${teamAlias}.id`)} in (${sql.join(user.managedTeamIds)})`);
  if (!parts.length) return sql<boolean>`false`;
  return sql<boolean>`(${sql.join(parts, sql` or `)})`;
}
