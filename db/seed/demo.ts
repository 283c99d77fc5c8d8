import type { Executor } from '../index';
import type { TeamType } from '../schema';
import { hashPassword } from '../../app/models/passwords.server';
import { recordAudit } from '../../app/models/audit.server';

/**
 * A plausible, entirely synthetic Kent for demonstration: three areas, their district teams of each type, an
 * administrator, two reviewers and a manager per team. No real person, team or figure.
 */

export const DEMO_PASSWORD = 'stocktake-demo';
export const DEMO_EMAIL_DOMAIN = 'demo.stocktake.example';

type DemoArea = { slug: string; name: string; districts: string[] };

export const DEMO_AREAS: DemoArea[] = [
  { slug: 'east-kent', name: 'East Kent', districts: ['Ashford', 'Canterbury', 'Dover', 'Shepway', 'Thanet'] },
  { slug: 'west-kent', name: 'West Kent', districts: ['Sevenoaks', 'Tonbridge and Malling', 'Tunbridge Wells'] },
  { slug: 'north-mid-kent', name: 'North and Mid Kent', districts: ['Dartford', 'Gravesham', 'Maidstone', 'Swale'] },
];

const DISTRICT_TEAMS: Array<{ type: TeamType; label: string; short: string }> = [
  { type: 'duty-initial-assessment', label: 'Duty and Initial Assessment', short: 'duty' },
  { type: 'long-term-child-protection', label: 'Child Protection (Long-term)', short: 'cp' },
  { type: 'looked-after-children', label: 'Children in Care', short: 'lac' },
];

export type DemoTeamSpec = { slug: string; name: string; areaSlug: string; areaName: string; teamType: TeamType };

export function demoTeams(): DemoTeamSpec[] {
  const teams: DemoTeamSpec[] = [];
  for (const area of DEMO_AREAS) {
    for (const district of area.districts) {
      const districtSlug = district.toLowerCase().replace(/[^a-z]+/g, '-');
      for (const t of DISTRICT_TEAMS) {
        teams.push({ slug: `${districtSlug}-${t.short}`, name: `${district} ${t.label}`, areaSlug: area.slug, areaName: area.name, teamType: t.type });
      }
    }
    teams.push({
      slug: `${area.slug}-disability`,
      name: `${area.name} Disabled Children's Team`,
      areaSlug: area.slug,
      areaName: area.name,
      teamType: 'disability',
    });
  }
  teams.push({
    slug: 'kent-asylum',
    name: 'Unaccompanied Asylum-Seeking Children',
    areaSlug: 'north-mid-kent',
    areaName: 'North and Mid Kent',
    teamType: 'other',
  });
  return teams;
}

/** The ids of the demo teams that exist, by short name. */
export async function demoTeamIds(db: Executor, specs: DemoTeamSpec[] = demoTeams()): Promise<Map<string, number>> {
  const teams = await db
    .selectFrom('teams')
    .select(['id', 'slug'])
    .where(
      'slug',
      'in',
      specs.map((s) => s.slug),
    )
    .execute();
  return new Map(teams.map((t) => [t.slug, t.id]));
}

export type DemoLogin = { role: string; email: string; scope: string };

export type Progress = (done: number, total: number, label: string) => void;

export async function isSeeded(db: Executor): Promise<boolean> {
  const row = await db
    .selectFrom('teams')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n) > 0;
}

/** Creates areas, teams and users (idempotent: existing rows by slug or email are kept). */
export async function seedDemoOrganisation(db: Executor, progress: Progress = () => {}): Promise<DemoLogin[]> {
  const teams = demoTeams();
  // One hash for every demo account (they share the published demo password); real users get their own salt.
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const logins: DemoLogin[] = [];
  await db.transaction().execute(async (trx) => {
    const areaIds = new Map<string, number>();
    for (const area of DEMO_AREAS) {
      const row = await trx
        .insertInto('areas')
        .values({ slug: area.slug, name: area.name })
        .onConflict((oc) => oc.column('slug').doUpdateSet({ name: area.name }))
        .returning('id')
        .executeTakeFirstOrThrow();
      areaIds.set(area.slug, row.id);
    }
    const user = async (email: string, name: string) => {
      const existing = await trx.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
      if (existing) return existing.id;
      const row = await trx.insertInto('users').values({ email, name, password_hash: passwordHash }).returning('id').executeTakeFirstOrThrow();
      return row.id;
    };
    const grant = (userId: number, role: 'admin' | 'reviewer' | 'manager', areaId: number | null, teamId: number | null) =>
      trx
        .insertInto('memberships')
        .values({ user_id: userId, role, area_id: areaId, team_id: teamId })
        .onConflict((oc) => oc.doNothing())
        .execute();

    const adminId = await user(`admin@${DEMO_EMAIL_DOMAIN}`, 'Demo Administrator');
    await grant(adminId, 'admin', null, null);
    logins.push({ role: 'Administrator', email: `admin@${DEMO_EMAIL_DOMAIN}`, scope: 'everything' });
    const reviewerId = await user(`reviewer@${DEMO_EMAIL_DOMAIN}`, 'Demo Reviewer (Kent-wide)');
    await grant(reviewerId, 'reviewer', null, null);
    logins.push({ role: 'Reviewer', email: `reviewer@${DEMO_EMAIL_DOMAIN}`, scope: 'all of Kent' });
    const eastReviewerId = await user(`east.reviewer@${DEMO_EMAIL_DOMAIN}`, 'Demo Reviewer (East Kent)');
    await grant(eastReviewerId, 'reviewer', areaIds.get('east-kent')!, null);
    logins.push({ role: 'Reviewer', email: `east.reviewer@${DEMO_EMAIL_DOMAIN}`, scope: 'East Kent only' });

    let done = 0;
    for (const team of teams) {
      const row = await trx
        .insertInto('teams')
        .values({ slug: team.slug, name: team.name, area_id: areaIds.get(team.areaSlug)!, team_type: team.teamType })
        .onConflict((oc) => oc.column('slug').doUpdateSet({ name: team.name }))
        .returning('id')
        .executeTakeFirstOrThrow();
      const email = `manager.${team.slug}@${DEMO_EMAIL_DOMAIN}`;
      const managerId = await user(email, `Manager, ${team.name}`);
      await grant(managerId, 'manager', null, row.id);
      if (logins.filter((l) => l.role === 'Team manager').length < 2) logins.push({ role: 'Team manager', email, scope: team.name });
      progress(++done, teams.length, 'teams and managers');
    }
    await recordAudit(trx, { actorId: null, action: 'demo.seed_organisation', entityType: 'demo', details: { teams: teams.length } });
  });
  return logins;
}

export function formatLogins(logins: DemoLogin[]): string {
  const width = Math.max(...logins.map((l) => l.email.length));
  return [
    'Demo logins (synthetic data; every demo account uses the password "' + DEMO_PASSWORD + '"):',
    ...logins.map((l) => `  ${l.email.padEnd(width)}  ${l.role}, ${l.scope}`),
    `  manager.<team-slug>@${DEMO_EMAIL_DOMAIN} for every other team.`,
  ].join('\n');
}
