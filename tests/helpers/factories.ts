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

/** Calls a route's loader or action the way Remix does. */
export async function callRoute<T>(
  fn: (args: LoaderFunctionArgs) => Promise<T>,
  url: string,
  init: RequestInit & { params?: Record<string, string>; context?: AppLoadContext } = {},
): Promise<T | Response> {
  const { params = {}, context = {}, ...requestInit } = init;
  try {
    return await fn({ request: new Request(new URL(url, APP_ORIGIN), requestInit), params, context });
  } catch (thrown) {
    if (thrown instanceof Response) return thrown;
    throw thrown;
  }
}
