import { sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Executor } from '../../db/index';
import type { Role } from '../../db/schema';
import { recordAudit } from './audit.server';
import { conflict, type DomainError } from './errors.server';
import { hashPassword, MIN_PASSWORD_LENGTH } from './passwords.server';

/** Who is asking, with the scope of every role they hold. */
export type CurrentUser = {
  id: number;
  email: string;
  name: string;
  isAdmin: boolean;
  /** null: not a reviewer; 'all': authority-wide; otherwise the areas reviewed. */
  reviewerAreaIds: 'all' | number[] | null;
  managedTeamIds: number[];
  /** null: not an auditor; 'all': audits for the whole authority; otherwise the areas whose cases they audit. */
  auditorAreaIds?: 'all' | number[] | null;
};

export function primaryRole(user: CurrentUser): Role | null {
  if (user.isAdmin) return 'admin';
  if (user.reviewerAreaIds) return 'reviewer';
  if (user.managedTeamIds.length) return 'manager';
  if (user.auditorAreaIds) return 'auditor';
  return null;
}

/** Users who may act (not disabled) with their memberships, one row each: what `currentUserFrom` reads. */
export function currentUserQuery(db: Executor) {
  return db
    .selectFrom('users as u')
    .select((eb) => [
      'u.id',
      'u.email',
      'u.name',
      jsonArrayFrom(eb.selectFrom('memberships as m').select(['m.role', 'm.area_id', 'm.team_id']).whereRef('m.user_id', '=', 'u.id')).as('memberships'),
    ])
    .where('u.disabled_at', 'is', null);
}

type CurrentUserRow = { id: number; email: string; name: string; memberships: Array<{ role: Role; area_id: number | null; team_id: number | null }> };

/** The areas of an area-scoped role (reviewer, auditor): 'all' for an authority-wide membership, null for none. */
function areaScope(memberships: CurrentUserRow['memberships'], role: Role): 'all' | number[] | null {
  let areas: 'all' | number[] | null = null;
  for (const m of memberships.filter((m) => m.role === role)) {
    if (m.area_id === null) areas = 'all';
    else if (areas !== 'all') areas = [...(areas ?? []), m.area_id];
  }
  return areas;
}

export function currentUserFrom({ id, email, name, memberships }: CurrentUserRow): CurrentUser {
  return {
    id,
    email,
    name,
    isAdmin: memberships.some((m) => m.role === 'admin'),
    reviewerAreaIds: areaScope(memberships, 'reviewer'),
    managedTeamIds: memberships.filter((m) => m.role === 'manager').map((m) => m.team_id!),
    auditorAreaIds: areaScope(memberships, 'auditor'),
  };
}

/** The user with their roles (one statement), or null when there is no such user or they are disabled. */
export async function loadCurrentUser(db: Executor, userId: number): Promise<CurrentUser | null> {
  const row = await currentUserQuery(db).where('u.id', '=', userId).executeTakeFirst();
  return row ? currentUserFrom(row) : null;
}

export async function findUserByEmail(db: Executor, email: string) {
  return db
    .selectFrom('users')
    .selectAll()
    .where(sql`lower(email)`, '=', email.trim().toLowerCase())
    .executeTakeFirst();
}

/**
 * A new user or role refused (409: it does not fit the accounts, teams and areas there are), with the form field it
 * concerns when it came from the administration form. The command line prints the message.
 */
export function refuseUser(message: string, field?: string): DomainError {
  return conflict(message, field ? { errors: [{ path: field, message }] } : {});
}

export type NewUser = {
  email: string;
  name: string;
  password: string | null;
  role: Role;
  areaSlug?: string;
  teamSlug?: string;
};

/**
 * From the administration page: a new user with a role and a first password, or another role for an existing user
 * (whose password is then left alone: the field must be empty). Returns whether an account was created.
 */
export async function addUserFromAdmin(db: Executor, input: NewUser, actorId: number): Promise<{ created: boolean }> {
  const existing = await findUserByEmail(db, input.email);
  if (existing && input.password) throw refuseUser('That email already has an account: leave the password empty to give it this role.', 'password');
  if (!existing && !input.password) throw refuseUser('Set a first password for the new account.', 'password');
  await createUserWithRole(db, { ...input, password: existing ? null : input.password }, actorId);
  return { created: !existing };
}

/** Creates a user with one role; an existing user (same email) gains the role instead. */
export async function createUserWithRole(db: Executor, input: NewUser, actorId: number | null = null) {
  const email = input.email.trim().toLowerCase();
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) throw refuseUser(`"${input.email}" is not an email address`);
  if (input.password !== null && input.password.length < MIN_PASSWORD_LENGTH) {
    throw refuseUser(`passwords must be at least ${MIN_PASSWORD_LENGTH} characters long`, 'password');
  }
  let areaId: number | null = null;
  let teamId: number | null = null;
  if (input.role === 'manager') {
    if (!input.teamSlug) throw refuseUser('a manager needs --team <team slug>');
    const team = await db.selectFrom('teams').select('id').where('slug', '=', input.teamSlug).executeTakeFirst();
    if (!team) throw refuseUser(`no team has the slug "${input.teamSlug}"`);
    teamId = team.id;
  } else if (input.teamSlug) {
    throw refuseUser(`--team only applies to managers`);
  }
  if (input.areaSlug) {
    if (input.role !== 'reviewer' && input.role !== 'auditor') throw refuseUser('--area only applies to reviewers and auditors');
    const area = await db.selectFrom('areas').select('id').where('slug', '=', input.areaSlug).executeTakeFirst();
    if (!area) throw refuseUser(`no area has the slug "${input.areaSlug}"`);
    areaId = area.id;
  }
  const passwordHash = input.password === null ? null : await hashPassword(input.password);
  return db.transaction().execute(async (trx) => {
    let user = await findUserByEmail(trx, email);
    if (!user) {
      user = await trx.insertInto('users').values({ email, name: input.name.trim(), password_hash: passwordHash }).returningAll().executeTakeFirstOrThrow();
      await recordAudit(trx, { actorId, action: 'user.create', entityType: 'user', entityId: user.id, details: { email } });
    } else if (passwordHash) {
      await trx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', user.id).execute();
      await recordAudit(trx, { actorId, action: 'user.password_set', entityType: 'user', entityId: user.id, details: { email } });
    }
    const granted = await trx
      .insertInto('memberships')
      .values({ user_id: user.id, role: input.role, area_id: areaId, team_id: teamId })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .executeTakeFirst();
    // A role the user already had changes nothing, and is not recorded as a change.
    if (granted) {
      await recordAudit(trx, {
        actorId,
        action: 'membership.grant',
        entityType: 'user',
        entityId: user.id,
        details: { role: input.role, areaId, teamId },
      });
    }
    return user;
  });
}
