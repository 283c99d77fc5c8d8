import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken, createSession, userFromApiToken, userFromSessionToken, verifyLogin } from '../app/models/auth.server';
import type { CurrentUser } from '../app/models/users.server';
import { action as adminAction, loader as adminLoader } from '../app/routes/admin._index';
import { action as addTeamAction } from '../app/routes/admin.teams.new';
import { action as addUserAction } from '../app/routes/admin.users.new';
import { action as profileAction } from '../app/routes/profile';
import { useTestDatabase, type TestDatabase } from './helpers/db';
import { callRoute, createArea, createTeam, createUser, sessionHeaders, TEST_PASSWORD } from './helpers/factories';

// The administration pages: adding teams and users, disabling and enabling accounts; and changing one's password.

let test: TestDatabase;
let admin: CurrentUser;
let reviewer: CurrentUser;
let area: { id: number; name: string; slug: string };
beforeAll(async () => {
  test = await useTestDatabase();
  admin = await createUser(test.db, 'admin', {}, 'Admin Person');
  reviewer = await createUser(test.db, 'reviewer', {}, 'Review Person');
  area = await createArea(test.db, 'West Kent');
});
afterAll(() => test.destroy());

/** What a route answered: its status, and its body or redirect target. */
async function outcome(result: unknown): Promise<{ status: number; body: any; location: string | null }> {
  if (result instanceof Response) {
    return {
      status: result.status,
      body: result.headers.get('Content-Type')?.includes('json') ? await result.json() : await result.text(),
      location: result.headers.get('Location'),
    };
  }
  const r = result as { type?: string; data?: unknown; init?: { status?: number } };
  if (r && r.type === 'DataWithResponseInit') return { status: r.init?.status ?? 200, body: r.data, location: null };
  return { status: 200, body: result, location: null };
}

async function post(fn: Parameters<typeof callRoute>[0], url: string, user: { id: number }, fields: Record<string, string>) {
  return outcome(await callRoute(fn, url, { method: 'POST', headers: await sessionHeaders(test.db, user), body: new URLSearchParams(fields) }));
}

const audit = (action: string) => test.db.selectFrom('audit_events').selectAll().where('action', '=', action).execute();

describe('adding a team', () => {
  it('adds a team to an area, and to a new area, and says so on the administration page', async () => {
    const added = await post(addTeamAction, '/admin/teams/new', admin, {
      name: 'Tonbridge Duty',
      areaId: String(area.id),
      newArea: '',
      teamType: 'duty-initial-assessment',
    });
    expect(added.status).toBe(302);
    expect(added.location).toBe('/admin?added=team&name=Tonbridge%20Duty');
    const team = await test.db.selectFrom('teams').selectAll().where('name', '=', 'Tonbridge Duty').executeTakeFirstOrThrow();
    expect(team).toMatchObject({ slug: 'tonbridge-duty', area_id: area.id, team_type: 'duty-initial-assessment' });
    expect((await audit('team.create')).some((e) => e.entity_id === String(team.id) && e.actor_id === admin.id)).toBe(true);

    const page = await outcome(await callRoute(adminLoader, '/admin?added=team&name=Tonbridge%20Duty', { headers: await sessionHeaders(test.db, admin) }));
    expect(page.body.notice).toBe('Added the team Tonbridge Duty.');
    expect(page.body.teams.rows.map((t: { name: string }) => t.name)).toContain('Tonbridge Duty');

    const inNewArea = await post(addTeamAction, '/admin/teams/new', admin, {
      name: 'Tonbridge Duty',
      areaId: 'new',
      newArea: 'Medway',
      teamType: 'disability',
    });
    expect(inNewArea.status).toBe(302);
    const medway = await test.db.selectFrom('areas').selectAll().where('name', '=', 'Medway').executeTakeFirstOrThrow();
    // The same team name in another area is another team, with its own identifier.
    const second = await test.db.selectFrom('teams').selectAll().where('area_id', '=', medway.id).executeTakeFirstOrThrow();
    expect(second.slug).toBe('tonbridge-duty-2');
  });

  it('refuses a name the area already has, an area that exists, and missing fields, changing nothing', async () => {
    const before = await test.db
      .selectFrom('teams')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const twice = await post(addTeamAction, '/admin/teams/new', admin, { name: 'tonbridge duty', areaId: String(area.id), newArea: '', teamType: 'other' });
    expect(twice.status).toBe(409);
    expect(twice.body.errors.name).toBe('The area already has a team called “tonbridge duty”.');
    const areaTwice = await post(addTeamAction, '/admin/teams/new', admin, { name: 'Another', areaId: 'new', newArea: 'west kent', teamType: 'other' });
    expect(areaTwice.status).toBe(409);
    expect(areaTwice.body.errors.newArea).toMatch(/already an area called “west kent”/);
    const empty = await post(addTeamAction, '/admin/teams/new', admin, { name: '', areaId: '', newArea: '', teamType: 'nonsense' });
    expect(empty.status).toBe(400);
    expect(empty.body.errors).toEqual({ name: 'Enter the team’s name', areaId: 'Choose the team’s area, or “A new area”', teamType: 'Choose the team’s type' });
    const unknownArea = await post(addTeamAction, '/admin/teams/new', admin, { name: 'Ghost', areaId: '999999', newArea: '', teamType: 'other' });
    expect(unknownArea.status).toBe(409);
    expect(unknownArea.body.errors.areaId).toBe('Choose an area from the list.');
    const after = await test.db
      .selectFrom('teams')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it('is for administrators only', async () => {
    const refused = await post(addTeamAction, '/admin/teams/new', reviewer, { name: 'Sneaky', areaId: String(area.id), newArea: '', teamType: 'other' });
    expect(refused.status).toBe(403);
    expect(await test.db.selectFrom('teams').select('id').where('name', '=', 'Sneaky').executeTakeFirst()).toBeUndefined();
  });
});

describe('adding a user', () => {
  it('creates a manager of a team who can then sign in, and adds a role to an existing account', async () => {
    const team = await createTeam(test.db, area.id, 'looked-after-children', 'Maidstone LAC');
    const added = await post(addUserAction, '/admin/users/new', admin, {
      email: 'New.Manager@Example.org',
      name: 'New Manager',
      role: 'manager',
      team: team.slug,
      reviewerArea: '',
      password: 'a first password',
    });
    expect(added.status).toBe(302);
    expect(added.location).toBe('/admin?added=user&name=new.manager%40example.org');
    const login = await verifyLogin(test.db, 'new.manager@example.org', 'a first password');
    expect(login.ok).toBe(true);
    const membership = await test.db
      .selectFrom('memberships')
      .selectAll()
      .where('user_id', '=', login.ok ? login.userId : -1)
      .execute();
    expect(membership).toEqual([expect.objectContaining({ role: 'manager', team_id: team.id, area_id: null })]);

    // The same email again: the role is added and the password left alone.
    const withPassword = await post(addUserAction, '/admin/users/new', admin, {
      email: 'new.manager@example.org',
      name: 'New Manager',
      role: 'reviewer',
      team: '',
      reviewerArea: area.slug,
      password: 'another password',
    });
    expect(withPassword.status).toBe(409);
    expect(withPassword.body.errors.password).toMatch(/already has an account/);
    const role = await post(addUserAction, '/admin/users/new', admin, {
      email: 'new.manager@example.org',
      name: 'New Manager',
      role: 'reviewer',
      team: '',
      reviewerArea: area.slug,
      password: '',
    });
    expect(role.status).toBe(302);
    expect(role.location).toContain('added=role');
    expect((await verifyLogin(test.db, 'new.manager@example.org', 'a first password')).ok).toBe(true);
    const roles = await test.db
      .selectFrom('memberships')
      .select(['role', 'area_id'])
      .where('user_id', '=', login.ok ? login.userId : -1)
      .orderBy('role')
      .execute();
    expect(roles).toEqual([
      { role: 'manager', area_id: null },
      { role: 'reviewer', area_id: area.id },
    ]);
  });

  it('names each field that is wrong, and creates nobody', async () => {
    const bad = await post(addUserAction, '/admin/users/new', admin, {
      email: 'not an email',
      name: '',
      role: 'manager',
      team: '',
      reviewerArea: '',
      password: 'short',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual({
      email: 'Enter an email address, like name@example.org',
      name: 'Enter the person’s name',
      team: 'Choose the team this manager runs',
      password: 'Use at least 10 characters',
    });
    const noPassword = await post(addUserAction, '/admin/users/new', admin, {
      email: 'nobody@example.org',
      name: 'No Body',
      role: 'admin',
      team: '',
      reviewerArea: '',
      password: '',
    });
    expect(noPassword.status).toBe(409);
    expect(noPassword.body.errors.password).toBe('Set a first password for the new account.');
    const unknownTeam = await post(addUserAction, '/admin/users/new', admin, {
      email: 'nobody@example.org',
      name: 'No Body',
      role: 'manager',
      team: 'no-such-team',
      reviewerArea: '',
      password: 'long enough password',
    });
    expect(unknownTeam.status).toBe(409);
    expect(unknownTeam.body.message).toBe('no team has the slug "no-such-team"');
    expect(await test.db.selectFrom('users').select('id').where('email', '=', 'nobody@example.org').executeTakeFirst()).toBeUndefined();
  });

  it('is for administrators only', async () => {
    const refused = await post(addUserAction, '/admin/users/new', reviewer, {
      email: 'x@example.org',
      name: 'X Person',
      role: 'admin',
      team: '',
      reviewerArea: '',
      password: 'long enough password',
    });
    expect(refused.status).toBe(403);
  });
});

describe('disabling a user', () => {
  it('signs them out everywhere, revokes their tokens and stops them signing in; enabling lets them back', async () => {
    const person = await createUser(test.db, 'reviewer', {}, 'Leaving Reviewer');
    const { token: session } = await createSession(test.db, person.id, 'test');
    const { token: apiToken } = await createApiToken(test.db, person.id, 'script');
    const disabled = await post(adminAction, '/admin', admin, { intent: 'disable', userId: String(person.id) });
    expect(disabled.status).toBe(200);
    expect(disabled.body.done).toBe(`Disabled ${person.email}: they are signed out and cannot sign in.`);
    expect(await userFromSessionToken(test.db, session)).toBeNull();
    expect(await userFromApiToken(test.db, apiToken)).toBeNull();
    expect((await verifyLogin(test.db, person.email, TEST_PASSWORD)).ok).toBe(false);
    expect((await audit('user.disable')).some((e) => e.entity_id === String(person.id))).toBe(true);

    const enabled = await post(adminAction, '/admin', admin, { intent: 'enable', userId: String(person.id) });
    expect(enabled.body.done).toBe(`Enabled ${person.email} again.`);
    expect((await verifyLogin(test.db, person.email, TEST_PASSWORD)).ok).toBe(true);
  });

  it('refuses disabling oneself, an unknown user and a bad request; reviewers cannot', async () => {
    expect((await post(adminAction, '/admin', admin, { intent: 'disable', userId: String(admin.id) })).status).toBe(409);
    expect((await verifyLogin(test.db, admin.email, TEST_PASSWORD)).ok).toBe(true);
    expect((await post(adminAction, '/admin', admin, { intent: 'disable', userId: '999999' })).status).toBe(404);
    const bad = await post(adminAction, '/admin', admin, { intent: 'delete', userId: 'x' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('intent must be disable or enable');
    expect((await post(adminAction, '/admin', reviewer, { intent: 'disable', userId: String(admin.id) })).status).toBe(403);
  });
});

describe('changing one’s password', () => {
  it('needs the current password and the new one twice; then signs out the other sessions only', async () => {
    const person = await createUser(test.db, 'reviewer', {}, 'Careful Reviewer');
    const headers = await sessionHeaders(test.db, person);
    const { token: elsewhere } = await createSession(test.db, person.id, 'another browser');
    const change = (fields: Record<string, string>) =>
      callRoute(profileAction, '/profile', { method: 'POST', headers, body: new URLSearchParams({ intent: 'password', ...fields }) }).then(outcome);

    const wrong = await change({ current: 'not my password', next: 'a brand new password', confirm: 'a brand new password' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.passwordErrors).toEqual({ current: 'Your current password is not right.' });
    const mismatch = await change({ current: TEST_PASSWORD, next: 'a brand new password', confirm: 'a brand new passwort' });
    expect(mismatch.body.passwordErrors).toEqual({ confirm: 'The two new passwords are not the same' });
    const short = await change({ current: TEST_PASSWORD, next: 'short', confirm: 'short' });
    expect(short.body.passwordErrors).toEqual({ next: 'Use at least 10 characters.' });
    expect((await verifyLogin(test.db, person.email, TEST_PASSWORD)).ok).toBe(true);

    const changed = await change({ current: TEST_PASSWORD, next: 'a brand new password', confirm: 'a brand new password' });
    expect(changed.status).toBe(200);
    expect(changed.body.passwordChanged).toBe(true);
    expect((await verifyLogin(test.db, person.email, TEST_PASSWORD)).ok).toBe(false);
    expect((await verifyLogin(test.db, person.email, 'a brand new password')).ok).toBe(true);
    expect(await userFromSessionToken(test.db, elsewhere)).toBeNull();
    // The session that made the change is still signed in.
    const still = await outcome(
      await callRoute(profileAction, '/profile', { method: 'POST', headers, body: new URLSearchParams({ intent: 'create', name: 'after the change' }) }),
    );
    expect(still.status).toBe(200);
    expect(still.body.token).toMatch(/^stk_/);
  });
});
