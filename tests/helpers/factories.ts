import crypto from 'node:crypto';
import type { AppLoadContext, LoaderFunctionArgs } from '@remix-run/node';
import path from 'node:path';
import type { Executor } from '../../db/index';
import type { Role, TeamType } from '../../db/schema';
import { hashPassword } from '../../app/models/passwords.server';
import { createSession } from '../../app/models/auth.server';
import { loadRegistry, publishRegistry } from '../../app/models/registry.server';
import { loadCurrentUser, type CurrentUser } from '../../app/models/users.server';
import { commitSessionCookie } from '../../app/utils/session.server';
import { requestOriginFrom, runWithRequestOrigin } from '../../app/utils/request-context.server';

export const FIXTURE_SURVEYS = path.resolve('tests/fixtures/surveys');
export const APP_ORIGIN = 'http://localhost:3000';

const unique = () => crypto.randomBytes(3).toString('hex');

export async function createArea(db: Executor, name = `Area ${unique()}`) {
  return db
    .insertInto('areas')
    .values({ slug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-'), name })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function createTeam(db: Executor, areaId: number, teamType: TeamType = 'duty-initial-assessment', name = `Team ${unique()}`) {
  return db
    .insertInto('teams')
    .values({ slug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-'), name, area_id: areaId, team_type: teamType })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** East Kent and West Kent, the two areas the review and API tests share, each with the teams given (type, name), in order. */
export async function createKent(db: Executor, teams: { east: Array<[TeamType, string]>; west: Array<[TeamType, string]> }) {
  const east = await createArea(db, 'East Kent');
  const west = await createArea(db, 'West Kent');
  const eastTeams = [];
  for (const [type, name] of teams.east) eastTeams.push(await createTeam(db, east.id, type, name));
  const westTeams = [];
  for (const [type, name] of teams.west) westTeams.push(await createTeam(db, west.id, type, name));
  return { east, west, eastTeams, westTeams };
}

// Hashing is deliberately slow: one hash serves every test user of a process.
let sharedHash: Promise<string> | undefined;
export const TEST_PASSWORD = 'correct horse battery staple';

export async function createUser(
  db: Executor,
  role: Role,
  scope: { areaId?: number | null; teamId?: number | null } = {},
  name = `User ${unique()}`,
): Promise<CurrentUser> {
  sharedHash ??= hashPassword(TEST_PASSWORD);
  const user = await db
    .insertInto('users')
    .values({ email: `${name.toLowerCase().replace(/[^a-z0-9]+/g, '.')}.${unique()}@test.example`, name, password_hash: await sharedHash })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('memberships')
    .values({ user_id: user.id, role, area_id: scope.areaId ?? null, team_id: scope.teamId ?? null })
    .execute();
  return (await loadCurrentUser(db, user.id))!;
}

/** Publishes the small test questionnaire (fixture-check v1 and v2); returns the version ids by number. */
export async function publishFixtureSurveys(db: Executor, dir = FIXTURE_SURVEYS): Promise<Record<string, number>> {
  await publishRegistry(db, loadRegistry(dir));
  const rows = await db
    .selectFrom('questionnaire_versions as v')
    .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
    .select(['v.id', 'q.slug', 'v.version'])
    .execute();
  return Object.fromEntries(rows.map((r) => [`${r.slug}@${r.version}`, r.id]));
}

/** Headers that sign a request in as the user (a real session row and signed cookie), with a same-site Origin. */
export async function sessionHeaders(db: Executor, user: { id: number }): Promise<Record<string, string>> {
  const { token } = await createSession(db, user.id, 'vitest');
  const setCookie = await commitSessionCookie(new Request(APP_ORIGIN), token);
  return { Cookie: setCookie.split(';')[0], Origin: APP_ORIGIN };
}

/** How many rounds there are (to show that a refused request created none). */
export async function countRounds(db: Executor): Promise<number> {
  const { n } = await db
    .selectFrom('rounds')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(n);
}

/** Session headers (see sessionHeaders) for each of the users, by user id. */
export async function sessionHeadersById(db: Executor, users: Array<{ id: number }>): Promise<Map<number, Record<string, string>>> {
  const headers = new Map<number, Record<string, string>>();
  for (const user of users) headers.set(user.id, await sessionHeaders(db, user));
  return headers;
}

/** Session headers (see sessionHeaders) for each of the named users, by the same names. */
export async function sessionHeadersByName<K extends string>(db: Executor, users: Record<K, { id: number }>): Promise<Record<K, Record<string, string>>> {
  const headers = {} as Record<K, Record<string, string>>;
  for (const [name, user] of Object.entries(users) as Array<[K, { id: number }]>) headers[name] = await sessionHeaders(db, user);
  return headers;
}

/**
 * Calls a route's loader or action the way Remix does, with the request's origin set as server.ts sets it: the address
 * from `context.clientAddress` (Express's req.ip), the User-Agent from the request's headers.
 */
export async function callRoute<T>(
  fn: (args: LoaderFunctionArgs) => Promise<T>,
  url: string,
  init: RequestInit & { params?: Record<string, string>; context?: AppLoadContext } = {},
): Promise<T | Response> {
  const { params = {}, context = {}, ...requestInit } = init;
  const request = new Request(new URL(url, APP_ORIGIN), requestInit);
  const origin = requestOriginFrom({ clientAddress: context.clientAddress, userAgent: request.headers.get('User-Agent') });
  try {
    return await runWithRequestOrigin(origin, () => fn({ request, params, context }));
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}
