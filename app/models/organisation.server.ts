import type { Executor } from '../../db/index';
import type { CurrentUser } from './users.server';
import { teamVisibleTo } from './access.server';

export async function listAreas(db: Executor) {
  return db.selectFrom('areas').select(['id', 'slug', 'name']).orderBy('name').execute();
}

/** The teams the user may see (all, an area's, or their own), with their area. */
export async function listVisibleTeams(db: Executor, user: CurrentUser) {
  const query = db
    .selectFrom('teams as t')
    .innerJoin('areas as a', 'a.id', 't.area_id')
    .select(['t.id', 't.slug', 't.name', 't.team_type', 't.area_id', 'a.name as area_name', 'a.slug as area_slug'])
    .where('t.archived_at', 'is', null)
    .orderBy('a.name')
    .orderBy('t.name');
  return query.where(teamVisibleTo(user)).execute();
}

export async function listUsers(db: Executor) {
  const users = await db.selectFrom('users').select(['id', 'email', 'name', 'disabled_at']).orderBy('email').execute();
  const memberships = await db
    .selectFrom('memberships as m')
    .leftJoin('areas as a', 'a.id', 'm.area_id')
    .leftJoin('teams as t', 't.id', 'm.team_id')
    .select(['m.user_id', 'm.role', 'a.name as area_name', 't.name as team_name'])
    .execute();
  return users.map((u) => ({
    ...u,
    roles: memberships
      .filter((m) => m.user_id === u.id)
      .map((m) => (m.role === 'admin' ? 'Administrator' : m.role === 'reviewer' ? `Reviewer (${m.area_name ?? 'all of Kent'})` : `Manager of ${m.team_name}`)),
  }));
}
