import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../../db/index';
import { z } from 'zod';
import { TEAM_TYPES, type Role, type TeamType } from '../../db/schema';
import { idFieldSchema } from './ids';
import { byPosition, byText, containsPattern, listQuerySchema, ordered, PAGE_SIZE, pageWindow, searchTextSchema } from './lists.server';
import { recordAudit } from './audit.server';
import type { CurrentUser } from './users.server';
import { teamManagedBy, teamReviewedBy, teamVisibleTo } from './access.server';
import { conflict, notFound, type DomainError } from './errors.server';

export async function listAreas(db: Executor) {
  return db.selectFrom('areas').select(['id', 'slug', 'name']).orderBy('name').execute();
}

/** Active teams with their area, by area and name, limited by one of the access conditions. */
function activeTeams(db: Executor, condition: RawBuilder<boolean>) {
  return db
    .selectFrom('teams as t')
    .innerJoin('areas as a', 'a.id', 't.area_id')
    .select(['t.id', 't.slug', 't.name', 't.team_type', 't.area_id', 'a.name as area_name', 'a.slug as area_slug'])
    .where('t.archived_at', 'is', null)
    .where(condition)
    .orderBy('a.name')
    .orderBy('t.name')
    .execute();
}

/** The teams the user may see (all, an area's, or their own), with their area. */
export async function listVisibleTeams(db: Executor, user: CurrentUser) {
  return activeTeams(db, teamVisibleTo(user));
}

/** A list of teams to choose one from lists them all up to this many; beyond, the teams of one area at a time. */
export const TEAM_CHOICE_LIMIT = 200;

/**
 * The teams to choose a manager's team from: every visible team when there are at most TEAM_CHOICE_LIMIT, else
 * those of `areaId` (none until an area is chosen), so the page stays small at national scale.
 */
export async function teamChoices(db: Executor, user: CurrentUser, areaId: number | undefined, limit = TEAM_CHOICE_LIMIT) {
  const { n } = await db
    .selectFrom('teams as t')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('t.archived_at', 'is', null)
    .where(teamVisibleTo(user))
    .executeTakeFirstOrThrow();
  const byArea = Number(n) > limit;
  const teams = !byArea
    ? await listVisibleTeams(db, user)
    : areaId === undefined
      ? []
      : await activeTeams(db, sql<boolean>`${teamVisibleTo(user)} and t.area_id = ${areaId}`);
  return { byArea, total: Number(n), teams };
}

/**
 * What a new round's form offers: how many teams the user reviews, their areas and team types (from SQL), and the
 * teams to pick one by one: all of them up to TEAM_CHOICE_LIMIT, else those of `areaId` (none until one is chosen).
 */
export async function roundTeamChoices(db: Executor, user: CurrentUser, areaId: number | undefined, limit = TEAM_CHOICE_LIMIT) {
  const reviewed = db.selectFrom('teams as t').innerJoin('areas as a', 'a.id', 't.area_id').where('t.archived_at', 'is', null).where(teamReviewedBy(user));
  const [areas, types] = await Promise.all([
    reviewed
      .select((eb) => ['a.id', 'a.name', eb.fn.countAll<string>().as('teams')])
      .groupBy(['a.id', 'a.name'])
      .orderBy('a.name')
      .execute(),
    reviewed.select('t.team_type').distinct().execute(),
  ]);
  const total = areas.reduce((sum, a) => sum + Number(a.teams), 0);
  const byArea = total > limit;
  const teams = !byArea
    ? await listReviewedTeams(db, user)
    : areaId === undefined
      ? []
      : await activeTeams(db, sql<boolean>`${teamReviewedBy(user)} and t.area_id = ${areaId}`);
  return {
    total,
    areas: areas.map((a) => ({ id: a.id, name: a.name, teams: Number(a.teams) })),
    teamTypes: TEAM_TYPES.filter((type) => types.some((t) => t.team_type === type)),
    byArea,
    teams,
  };
}

/** The teams the user manages (their start page), with their area. */
export async function listManagedTeams(db: Executor, user: CurrentUser) {
  return activeTeams(db, teamManagedBy(user));
}

/**
 * The teams of the areas the user reviews, which a new round of theirs may include: not a team they only manage
 * (a reviewer of one area who manages a team in another cannot add it).
 */
export async function listReviewedTeams(db: Executor, user: CurrentUser) {
  return activeTeams(db, teamReviewedBy(user));
}

export const TEAM_LIST_SORTS = ['team', 'area', 'type'] as const;
export const USER_LIST_SORTS = ['email', 'name'] as const;
export const USER_ROLES = ['admin', 'reviewer', 'manager', 'auditor'] as const satisfies readonly Role[];
export type UserRole = (typeof USER_ROLES)[number];

/** The administration page's teams list: `teamPage`, `teamSort`, `teamDir`, `teamQ` (name contains), `teamArea`. */
export const teamListQuerySchema = listQuerySchema(
  TEAM_LIST_SORTS,
  { q: searchTextSchema.optional(), area: idFieldSchema('teamArea must be an area id').optional() },
  { prefix: 'team' },
);
/** The administration page's users list: `userPage`, `userSort`, `userDir`, `userQ` (name or email contains), `userRole`. */
export const userListQuerySchema = listQuerySchema(
  USER_LIST_SORTS,
  {
    q: searchTextSchema.optional(),
    role: z.enum(USER_ROLES, { errorMap: () => ({ message: `userRole must be one of ${USER_ROLES.join(', ')}` }) }).optional(),
  },
  { prefix: 'user' },
);
export type TeamListQuery = z.infer<typeof teamListQuerySchema>;
export type UserListQuery = z.infer<typeof userListQuerySchema>;

const TEAM_LIST_ORDER = {
  team: byText('t.name'),
  area: byText('a.name'),
  type: byPosition('t.team_type', TEAM_TYPES),
} satisfies Record<(typeof TEAM_LIST_SORTS)[number], RawBuilder<unknown>>;

/** One page of the active teams the user may see, searched, filtered and sorted in SQL, with how many match in all. */
export async function listTeamsPage(db: Executor, user: CurrentUser, query: Partial<TeamListQuery>, pageSize = PAGE_SIZE) {
  const sort = query.sort ?? 'area';
  const dir = query.dir ?? 'asc';
  const matching = db
    .selectFrom('teams as t')
    .innerJoin('areas as a', 'a.id', 't.area_id')
    .where('t.archived_at', 'is', null)
    .where(teamVisibleTo(user))
    .$if(Boolean(query.q), (q) => q.where('t.name', 'ilike', containsPattern(query.q!)))
    .$if(query.area !== undefined, (q) => q.where('t.area_id', '=', query.area!));
  const { n } = await matching.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  const page = pageWindow(Number(n), query.page ?? 1, pageSize);
  const rows = await matching
    .select(['t.id', 't.slug', 't.name', 't.team_type', 't.area_id', 'a.name as area_name', 'a.slug as area_slug'])
    .orderBy(ordered(TEAM_LIST_ORDER[sort], dir))
    // Within an area, teams by name.
    .$if(sort !== 'team', (q) => q.orderBy(byText('t.name')))
    .orderBy('t.id')
    .limit(page.size)
    .offset(page.offset)
    .execute();
  return { page, sort, dir, rows };
}

/** One page of the users, searched (name or email), filtered by role and sorted in SQL, each with their roles. */
export async function listUsersPage(db: Executor, query: Partial<UserListQuery>, pageSize = PAGE_SIZE) {
  const sort = query.sort ?? 'email';
  const dir = query.dir ?? 'asc';
  const matching = db
    .selectFrom('users as u')
    .$if(Boolean(query.q), (q) => q.where((eb) => eb.or([eb('u.name', 'ilike', containsPattern(query.q!)), eb('u.email', 'ilike', containsPattern(query.q!))])))
    .$if(query.role !== undefined, (q) =>
      q.where(({ exists, selectFrom }) =>
        exists(selectFrom('memberships as m').select('m.id').whereRef('m.user_id', '=', 'u.id').where('m.role', '=', query.role!)),
      ),
    );
  const { n } = await matching.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  const page = pageWindow(Number(n), query.page ?? 1, pageSize);
  const users = await matching
    .select(['u.id', 'u.email', 'u.name', 'u.disabled_at'])
    .orderBy(ordered(byText(sort === 'email' ? 'u.email' : 'u.name'), dir))
    .orderBy('u.id')
    .limit(page.size)
    .offset(page.offset)
    .execute();
  const memberships = users.length
    ? await db
        .selectFrom('memberships as m')
        .leftJoin('areas as a', 'a.id', 'm.area_id')
        .leftJoin('teams as t', 't.id', 'm.team_id')
        .select(['m.user_id', 'm.role', 'a.name as area_name', 't.name as team_name'])
        .where(
          'm.user_id',
          'in',
          users.map((u) => u.id),
        )
        .orderBy('m.id')
        .execute()
    : [];
  return { page, sort, dir, rows: users.map((u) => ({ ...u, roles: rolesOf(memberships.filter((m) => m.user_id === u.id)) })) };
}

function rolesOf(memberships: Array<{ role: Role; area_name: string | null; team_name: string | null }>): string[] {
  return memberships.map((m) =>
    m.role === 'admin'
      ? 'Administrator'
      : m.role === 'reviewer' || m.role === 'auditor'
        ? `${m.role === 'reviewer' ? 'Reviewer' : 'Auditor'} (${m.area_name ?? 'all of Kent'})`
        : `Manager of ${m.team_name}`,
  );
}

/** A change to the organisation that conflicts with what exists (409), with the form field it concerns and what to do. */
function refuse(field: string, message: string): DomainError {
  return conflict(message, { errors: [{ path: field, message }] });
}

/** A URL-safe identifier from a name ("East Kent – Duty 2" → "east-kent-duty-2"). */
export function slugify(name: string): string {
  return (
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'team'
  );
}

async function freeSlug(db: Executor, table: 'teams' | 'areas', name: string): Promise<string> {
  const base = slugify(name);
  const taken = new Set((await db.selectFrom(table).select('slug').where('slug', 'like', `${base}%`).execute()).map((r) => r.slug));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

export type NewTeam = { name: string; teamType: TeamType } & ({ areaId: number; newArea?: undefined } | { areaId?: undefined; newArea: string });

/**
 * Adds a team to an area (an existing one, or a new one made here). Names are unique within an area and areas'
 * names unique, ignoring case; identifiers (slugs) are made from the names. Recorded in the audit log.
 */
export async function addTeam(db: Executor, actor: CurrentUser, input: NewTeam) {
  return db.transaction().execute(async (trx) => {
    let areaId: number;
    if (input.newArea !== undefined) {
      const name = input.newArea.trim();
      const existing = await trx
        .selectFrom('areas')
        .select('id')
        .where(sql`lower(name)`, '=', name.toLowerCase())
        .executeTakeFirst();
      if (existing) throw refuse('newArea', `There is already an area called “${name}”: choose it from the list instead.`);
      const area = await trx
        .insertInto('areas')
        .values({ name, slug: await freeSlug(trx, 'areas', name) })
        .returning(['id', 'slug'])
        .executeTakeFirstOrThrow();
      await recordAudit(trx, { actorId: actor.id, action: 'area.create', entityType: 'area', entityId: area.id, details: { name, slug: area.slug } });
      areaId = area.id;
    } else {
      const area = await trx.selectFrom('areas').select('id').where('id', '=', input.areaId).executeTakeFirst();
      if (!area) throw refuse('areaId', 'Choose an area from the list.');
      areaId = area.id;
    }
    const name = input.name.trim();
    const clash = await trx
      .selectFrom('teams')
      .select('id')
      .where('area_id', '=', areaId)
      .where(sql`lower(name)`, '=', name.toLowerCase())
      .executeTakeFirst();
    if (clash) throw refuse('name', `The area already has a team called “${name}”.`);
    const team = await trx
      .insertInto('teams')
      .values({ name, slug: await freeSlug(trx, 'teams', name), area_id: areaId, team_type: input.teamType })
      .returning(['id', 'slug', 'name'])
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actorId: actor.id,
      action: 'team.create',
      entityType: 'team',
      entityId: team.id,
      details: { name, areaId, teamType: input.teamType },
    });
    return team;
  });
}

/**
 * Disables a user (they can no longer sign in; their sessions and API tokens stop working at once) or enables
 * them again. Their history stays. An administrator cannot disable their own account.
 */
export async function setUserDisabled(db: Executor, actor: CurrentUser, userId: number, disabled: boolean) {
  if (disabled && userId === actor.id) throw refuse('userId', 'You cannot disable your own account.');
  return db.transaction().execute(async (trx) => {
    const user = await trx.selectFrom('users').select(['id', 'email', 'disabled_at']).where('id', '=', userId).forUpdate().executeTakeFirst();
    if (!user) throw notFound('user', [{ path: 'userId', message: 'no such user' }]);
    if (Boolean(user.disabled_at) === disabled) return { ...user, changed: false };
    const now = new Date();
    await trx
      .updateTable('users')
      .set({ disabled_at: disabled ? now : null })
      .where('id', '=', userId)
      .execute();
    if (disabled) {
      await trx.updateTable('sessions').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
      await trx.updateTable('api_tokens').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
    }
    await recordAudit(trx, {
      actorId: actor.id,
      action: disabled ? 'user.disable' : 'user.enable',
      entityType: 'user',
      entityId: userId,
      details: { email: user.email },
    });
    return { ...user, disabled_at: disabled ? now : null, changed: true };
  });
}
