import type { DB } from '../index';
import { DEMO_EMAIL_DOMAIN, seedDemoOrganisation, type DemoLogin, type Progress } from './demo';

/** The whole synthetic demo: organisation and users. Idempotent. */
export async function seedDemo(db: DB, options: { progress?: Progress } = {}): Promise<DemoLogin[]> {
  return seedDemoOrganisation(db, options.progress);
}

/** The demo logins to print, read back from the database. */
export async function demoLogins(db: DB): Promise<DemoLogin[]> {
  const rows = await db
    .selectFrom('users as u')
    .innerJoin('memberships as m', 'm.user_id', 'u.id')
    .leftJoin('areas as a', 'a.id', 'm.area_id')
    .leftJoin('teams as t', 't.id', 'm.team_id')
    .select(['u.email', 'm.role', 'a.name as area', 't.name as team'])
    .where('u.email', 'like', `%@${DEMO_EMAIL_DOMAIN}`)
    .orderBy('u.id')
    .execute();
  const logins: DemoLogin[] = [];
  for (const row of rows) {
    if (row.role === 'admin') logins.push({ role: 'Administrator', email: row.email, scope: 'everything' });
    else if (row.role === 'reviewer') logins.push({ role: 'Reviewer', email: row.email, scope: row.area ?? 'all of Kent' });
    else if (logins.filter((l) => l.role === 'Team manager').length < 2) logins.push({ role: 'Team manager', email: row.email, scope: row.team ?? '' });
  }
  return logins;
}
