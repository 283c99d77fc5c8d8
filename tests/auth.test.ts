import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCookie } from '@remix-run/node';
import { LOGIN_FAILED, createApiToken, createSession, revokeApiToken, userFromApiToken } from '../app/models/auth.server';
import { hashPassword, verifyPassword } from '../app/models/passwords.server';
import { action as loginAction } from '../app/routes/login';
import { action as logoutAction } from '../app/routes/logout';
import { loader as profileLoader } from '../app/routes/profile';
import { useTestDatabase, type TestDatabase } from './helpers/db';
import { APP_ORIGIN, callRoute, createArea, createTeam, createUser, sessionHeaders, TEST_PASSWORD } from './helpers/factories';

let test: TestDatabase;
beforeAll(async () => {
  test = await useTestDatabase();
});
afterAll(() => test.destroy());

function loginRequest(email: string, password: string, redirectTo = '') {
  return callRoute(loginAction, '/login', { method: 'POST', body: new URLSearchParams({ email, password, redirectTo }) });
}

async function bodyOf(result: unknown): Promise<any> {
  const r = result as { data?: unknown; init?: { status?: number } };
  return r.data ?? result;
}

describe('passwords', () => {
  it('are hashed with scrypt, salted, and verified', async () => {
    const a = await hashPassword('a long enough password');
    const b = await hashPassword('a long enough password');
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('a long enough password', a)).toBe(true);
    expect(await verifyPassword('a long enough passworD', a)).toBe(false);
  });
});

describe('signing in and out', () => {
  it('gives the same message for a wrong password and an unknown email', async () => {
    const area = await createArea(test.db);
    const team = await createTeam(test.db, area.id);
    const manager = await createUser(test.db, 'manager', { teamId: team.id });
    const wrongPassword = (await loginRequest(manager.email, 'not the password')) as any;
    const unknownEmail = (await loginRequest('nobody@test.example', TEST_PASSWORD)) as any;
    expect(wrongPassword.init.status).toBe(401);
    expect(unknownEmail.init.status).toBe(401);
    expect((await bodyOf(wrongPassword)).error).toBe(LOGIN_FAILED);
    expect((await bodyOf(unknownEmail)).error).toBe(LOGIN_FAILED);
    expect(LOGIN_FAILED).not.toMatch(/email (is|was) (wrong|unknown)|password (is|was) wrong/i);
  });

  it('names the missing field when the form is incomplete', async () => {
    const result = (await loginRequest('', '')) as any;
    expect(result.init.status).toBe(400);
    expect(result.data.fieldErrors).toEqual({ email: 'Enter your email address', password: 'Enter your password' });
  });

  it('signs a manager in to their start page with an httpOnly, SameSite=Lax cookie, and out again for good', async () => {
    const area = await createArea(test.db);
    const team = await createTeam(test.db, area.id);
    const manager = await createUser(test.db, 'manager', { teamId: team.id });
    const response = (await loginRequest(manager.email.toUpperCase(), TEST_PASSWORD)) as Response;
    expect(response.status).toBe(302);
    expect(response.headers.get('Location')).toBe('/my-team');
    const setCookie = response.headers.get('Set-Cookie')!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Lax/);
    const cookie = setCookie.split(';')[0];

    const profile = await callRoute(profileLoader, '/profile', { headers: { Cookie: cookie } });
    expect((profile as any).user.email).toBe(manager.email);

    const sessions = await test.db.selectFrom('sessions').select(['user_id', 'revoked_at']).where('user_id', '=', manager.id).execute();
    expect(sessions).toEqual([{ user_id: manager.id, revoked_at: null }]);

    const out = (await callRoute(logoutAction, '/logout', { method: 'POST', headers: { Cookie: cookie } })) as Response;
    expect(out.headers.get('Location')).toBe('/login');
    const revoked = await test.db.selectFrom('sessions').select('revoked_at').where('user_id', '=', manager.id).executeTakeFirstOrThrow();
    expect(revoked.revoked_at).not.toBeNull();

    // The old cookie no longer works, even if someone kept a copy.
    const afterLogout = (await callRoute(profileLoader, '/profile', { headers: { Cookie: cookie } })) as Response;
    expect(afterLogout.status).toBe(302);
    expect(afterLogout.headers.get('Location')).toMatch(/^\/login\?redirectTo=%2Fprofile/);
  });

  it('only follows same-site redirect targets after login', async () => {
    const area = await createArea(test.db);
    const reviewer = await createUser(test.db, 'reviewer', { areaId: area.id });
    const evil = (await loginRequest(reviewer.email, TEST_PASSWORD, '//evil.example/phish')) as Response;
    expect(evil.headers.get('Location')).toBe('/review');
    const good = (await loginRequest(reviewer.email, TEST_PASSWORD, '/review?x=1')) as Response;
    expect(good.headers.get('Location')).toBe('/review?x=1');
  });

  it('refuses a cookie that was not signed with the secret', async () => {
    // A real, live session token: only the cookie's signature can make the difference.
    const user = await createUser(test.db, 'reviewer', {}, 'Sig Reviewer');
    const { token } = await createSession(test.db, user.id, 'vitest');
    const cookieWith = async (secrets: string[] | undefined) =>
      (await createCookie('stocktake_session', secrets ? { secrets } : {}).serialize(token)).split(';')[0];
    const profileWith = (cookie: string) => callRoute(profileLoader, '/profile', { headers: { Cookie: cookie } });

    const signed = await profileWith(await cookieWith([process.env.SESSION_SECRET!]));
    expect(signed instanceof Response ? signed.status : 'signed in').toBe('signed in');
    for (const cookie of [await cookieWith(undefined), await cookieWith(['not the secret'])]) {
      const refused = (await profileWith(cookie)) as Response;
      expect(refused.status, cookie).toBe(302);
      expect(refused.headers.get('Location'), cookie).toMatch(/^\/login\?/);
    }
  });
});

describe('API tokens', () => {
  it('are stored hashed, authenticate with a last-used time, and stop working when revoked', async () => {
    const admin = await createUser(test.db, 'admin');
    const { id, token } = await createApiToken(test.db, admin.id, 'script');
    const stored = await test.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(stored.token_hash).not.toContain(token);
    expect(stored.last_used_at).toBeNull();
    expect((await userFromApiToken(test.db, token))?.id).toBe(admin.id);
    const used = await test.db.selectFrom('api_tokens').select('last_used_at').where('id', '=', id).executeTakeFirstOrThrow();
    expect(used.last_used_at).not.toBeNull();
    expect(await revokeApiToken(test.db, admin.id, id)).toBe(true);
    expect(await userFromApiToken(test.db, token)).toBeNull();
  });

  it('headers helper signs requests in (used by the API tests)', async () => {
    const admin = await createUser(test.db, 'admin');
    const headers = await sessionHeaders(test.db, admin);
    expect(headers.Origin).toBe(APP_ORIGIN);
    const profile = await callRoute(profileLoader, '/profile', { headers });
    expect((profile as any).user.email).toBe(admin.email);
  });
});
