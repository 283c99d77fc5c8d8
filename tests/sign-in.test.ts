import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSession, readSession, sessionLimits, sessionTouchMs, signOutEverywhere } from '../app/models/auth.server';
import { beginSignIn, pruneSignInThrottle, SIGN_IN_LIMITS, SIGN_IN_WINDOW_MS, signInSucceeded } from '../app/models/sign-in-throttle.server';
import { action as loginAction, loader as loginLoader } from '../app/routes/login';
import { action as profileAction, loader as profileLoader } from '../app/routes/profile';
import { tokenHash } from '../app/models/passwords.server';
import { commitSessionCookie } from '../app/utils/session.server';
import { connect } from '../db/index';
import { onPostgres, useTestDatabase, type TestDatabase } from './helpers/db';
import { APP_ORIGIN, callRoute, createUser, sessionHeaders, TEST_PASSWORD } from './helpers/factories';

let test: TestDatabase;
beforeAll(async () => {
  test = await useTestDatabase();
});
afterAll(() => test.destroy());
beforeEach(async () => {
  await test.db.deleteFrom('sign_in_throttle').execute();
});

const MINUTE = 60 * 1000;

type Outcome = { status: number; body: any; headers: Headers };

async function outcome(result: unknown): Promise<Outcome> {
  if (result instanceof Response) return { status: result.status, body: null, headers: result.headers };
  const r = result as { type?: string; data?: unknown; init?: { status?: number; headers?: HeadersInit } };
  if (r?.type === 'DataWithResponseInit') return { status: r.init?.status ?? 200, body: r.data, headers: new Headers(r.init?.headers) };
  return { status: 200, body: result, headers: new Headers() };
}

function signIn(email: string, password: string, address = '192.0.2.10', action = loginAction) {
  return callRoute(action, '/login', {
    method: 'POST',
    body: new URLSearchParams({ email, password, redirectTo: '' }),
    context: { clientAddress: address },
  }).then(outcome);
}

async function failTimes(times: number, email: string, address?: string) {
  for (let i = 0; i < times; i++) expect((await signIn(email, 'not the password', address)).status).toBe(401);
}

describe(`sign-in throttling, in the database (${onPostgres ? 'PostgreSQL server' : 'PGlite'})`, () => {
  it('refuses an account after ten failures, any case, with 429, Retry-After and the time to wait; the right password too', async () => {
    const person = await createUser(test.db, 'reviewer');
    await failTimes(5, person.email);
    await failTimes(5, person.email.toUpperCase(), '198.51.100.7'); // another address: the account is counted, not the address
    const refused = await signIn(person.email, TEST_PASSWORD);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(14 * 60);
    expect(Number(refused.headers.get('Retry-After'))).toBeLessThanOrEqual(15 * 60);
    expect(refused.body.error).toBe('Too many failed sign-ins for this account. Try again in 15 minutes.');
  });

  it('gives an unknown email the same answers as a known one', async () => {
    const person = await createUser(test.db, 'reviewer');
    const unknown = 'nobody-at-all@test.example';
    for (let i = 0; i < SIGN_IN_LIMITS.account; i++) {
      const [known, stranger] = [await signIn(person.email, 'wrong one'), await signIn(unknown, 'wrong one')];
      expect([known.status, known.body]).toEqual([stranger.status, stranger.body]);
    }
    const [known, stranger] = [await signIn(person.email, 'wrong one'), await signIn(unknown, 'wrong one')];
    expect(known.status).toBe(429);
    expect([known.status, known.body]).toEqual([stranger.status, stranger.body]);
    // Each window started at its own first failure, a password check apart: the waits agree to the second or so.
    expect(Math.abs(Number(known.headers.get('Retry-After')) - Number(stranger.headers.get('Retry-After')))).toBeLessThanOrEqual(2);
  });

  it('says how long is left in the window, and lets the account try again when it ends', async () => {
    const t0 = new Date('2026-12-01T09:00:00Z');
    const attempt = { email: 'Someone@Example.org', address: null };
    for (let i = 0; i < SIGN_IN_LIMITS.account; i++) expect(await beginSignIn(test.db, attempt, new Date(t0.getTime() + i * 1000))).toBeNull();
    const later = await beginSignIn(test.db, { email: 'someone@example.org', address: null }, new Date(t0.getTime() + 3 * MINUTE));
    expect(later).toEqual({ scope: 'account', retryAfterSeconds: 12 * 60, message: 'Too many failed sign-ins for this account. Try again in 12 minutes.' });
    const lastSeconds = await beginSignIn(test.db, attempt, new Date(t0.getTime() + SIGN_IN_WINDOW_MS - 20_000));
    expect(lastSeconds?.message).toBe('Too many failed sign-ins for this account. Try again in 1 minute.');
    expect(await beginSignIn(test.db, attempt, new Date(t0.getTime() + SIGN_IN_WINDOW_MS))).toBeNull();
  });

  it("clears the account's failures on a successful sign-in", async () => {
    const person = await createUser(test.db, 'reviewer');
    await failTimes(SIGN_IN_LIMITS.account - 1, person.email);
    expect((await signIn(person.email, TEST_PASSWORD)).status).toBe(302);
    expect(await test.db.selectFrom('sign_in_throttle').select('failures').where('scope', '=', 'account').execute()).toEqual([]);
    await failTimes(SIGN_IN_LIMITS.account, person.email); // a fresh allowance: ten more before the pause
    expect((await signIn(person.email, TEST_PASSWORD)).status).toBe(429);
  });

  it('refuses an address after fifty attempts across any accounts; other addresses and accounts carry on', async () => {
    const address = '203.0.113.9';
    for (let i = 0; i < SIGN_IN_LIMITS.address; i++) expect(await beginSignIn(test.db, { email: `guess${i}@example.org`, address })).toBeNull();
    const person = await createUser(test.db, 'reviewer');
    const refused = await signIn(person.email, TEST_PASSWORD, address);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatch(/^Too many failed sign-ins from your network address\. Try again in 15 minutes\.$/);
    expect(Number(refused.headers.get('Retry-After'))).toBeGreaterThan(0);
    expect((await signIn(person.email, TEST_PASSWORD, '203.0.113.10')).status).toBe(302);
  });

  it('holds across a restart: fresh module state reads the same table', async () => {
    const person = await createUser(test.db, 'reviewer');
    await failTimes(SIGN_IN_LIMITS.account, person.email);
    vi.resetModules();
    const restarted = await import('../app/routes/login');
    expect(restarted.action).not.toBe(loginAction);
    expect((await signIn(person.email, TEST_PASSWORD, '192.0.2.99', restarted.action)).status).toBe(429);
  });

  it.runIf(onPostgres)('holds across processes: a second connection to the same database is refused too', async () => {
    const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(test.db);
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.pathname = `/${rows[0].name}`;
    const other = await connect({ kind: 'postgres', url: url.toString() });
    try {
      for (let i = 0; i < SIGN_IN_LIMITS.account; i++) expect(await beginSignIn(other.db, { email: 'shared@example.org', address: null })).toBeNull();
      expect((await beginSignIn(test.db, { email: 'SHARED@example.org', address: null }))?.scope).toBe('account');
    } finally {
      await other.close();
    }
  });

  it('counts concurrent attempts without losing any', async () => {
    const attempt = { email: 'burst@example.org', address: '192.0.2.200' };
    const results = await Promise.all(Array.from({ length: 15 }, () => beginSignIn(test.db, attempt)));
    expect(results.filter((r) => r === null)).toHaveLength(SIGN_IN_LIMITS.account);
    await signInSucceeded(test.db, attempt);
    const row = await test.db.selectFrom('sign_in_throttle').select('failures').where('scope', '=', 'address').executeTakeFirstOrThrow();
    expect(row.failures).toBe(14); // the success handed its own attempt back
  });

  it('keeps hashes, not emails or addresses, and prunes windows that have ended', async () => {
    const t0 = new Date('2026-12-01T09:00:00Z');
    await beginSignIn(test.db, { email: 'old@example.org', address: '192.0.2.1' }, t0);
    await beginSignIn(test.db, { email: 'new@example.org', address: '192.0.2.2' }, new Date(t0.getTime() + 10 * MINUTE));
    const rows = await test.db.selectFrom('sign_in_throttle').selectAll().execute();
    expect(rows).toHaveLength(4);
    expect(JSON.stringify(rows)).not.toMatch(/example\.org|192\.0\.2/);
    expect(await pruneSignInThrottle(test.db, new Date(t0.getTime() + SIGN_IN_WINDOW_MS))).toBe(2);
    // Each attempt prunes too: after both windows end, only the new attempt's rows remain.
    await beginSignIn(test.db, { email: 'later@example.org', address: '192.0.2.3' }, new Date(t0.getTime() + 40 * MINUTE));
    const left = await test.db.selectFrom('sign_in_throttle').select('failures').execute();
    expect(left).toEqual([{ failures: 1 }, { failures: 1 }]);
  });
});

async function cookieFor(token: string) {
  return (await commitSessionCookie(new Request(APP_ORIGIN), token)).split(';')[0];
}

async function ago(token: string, field: 'last_seen_at' | 'created_at', ms: number) {
  await test.db
    .updateTable('sessions')
    .set({ [field]: new Date(Date.now() - ms) })
    .where('id', '=', tokenHash(token))
    .execute();
}

describe('session expiry', () => {
  const limits = sessionLimits(); // the defaults: 60 minutes idle, 12 hours in all
  const touch = sessionTouchMs(limits);

  it('has the README defaults', () => {
    expect(limits).toEqual({ idleMs: 60 * MINUTE, maxMs: 12 * 60 * MINUTE });
    expect(touch).toBe(5 * MINUTE);
  });

  it('ends an idle session: the page sends the person to sign in, saying why, and the row is revoked and audited', async () => {
    const person = await createUser(test.db, 'reviewer');
    const { token } = await createSession(test.db, person.id, 'vitest');
    const Cookie = await cookieFor(token);
    await ago(token, 'last_seen_at', limits.idleMs + touch + 1000);

    const page = (await callRoute(profileLoader, '/profile', { headers: { Cookie } })) as Response;
    expect(page.status).toBe(302);
    expect(page.headers.get('Location')).toBe('/login?redirectTo=%2Fprofile&expired=idle');
    expect(page.headers.get('Set-Cookie')).toMatch(/^stocktake_session=[^;]*;.*Max-Age=0/);
    const row = await test.db.selectFrom('sessions').select('revoked_at').where('user_id', '=', person.id).executeTakeFirstOrThrow();
    expect(row.revoked_at).not.toBeNull();
    const events = await test.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'session.expire')
      .where('entity_id', '=', String(person.id))
      .execute();
    expect(events.map((e) => e.details)).toEqual([{ reason: 'idle' }]);
    // Read again (the root loader and the page's run side by side): still "expired", audited once.
    expect(await readSession(test.db, token)).toEqual({ kind: 'expired', reason: 'idle' });

    const login = await outcome(await callRoute(loginLoader, '/login?redirectTo=%2Fprofile&expired=idle'));
    expect(login.body.notice).toBe('Your session expired after 60 minutes without activity. Sign in again to continue.');
  });

  it('never ends a session early although last_seen_at is written only every few minutes', async () => {
    const person = await createUser(test.db, 'reviewer');
    const t0 = new Date('2026-12-01T09:00:00Z');
    // A request every 59 minutes for ten hours (each within the idle limit of the one before), then requests every
    // 4 minutes (under the touch interval, so not all are written down), then silence. Returns the last request's time.
    async function busySession(): Promise<{ token: string; lastRequest: number }> {
      const { token } = await createSession(test.db, person.id, 'vitest', { now: t0, limits });
      let t = t0.getTime();
      for (let i = 0; i < 10; i++) {
        t += 59 * MINUTE;
        expect((await readSession(test.db, token, { now: new Date(t), limits })).kind).toBe('active');
      }
      for (let i = 0; i < 3; i++) {
        t += 4 * MINUTE;
        expect((await readSession(test.db, token, { now: new Date(t), limits })).kind).toBe('active');
      }
      return { token, lastRequest: t };
    }
    const quiet = await busySession();
    expect((await readSession(test.db, quiet.token, { now: new Date(quiet.lastRequest + limits.idleMs - 1000), limits })).kind).toBe('active');
    // …and it ends no later than the idle limit plus the touch interval after the last request.
    const silent = await busySession();
    expect(await readSession(test.db, silent.token, { now: new Date(silent.lastRequest + limits.idleMs + touch), limits })).toEqual({
      kind: 'expired',
      reason: 'idle',
    });
  });

  it('ends a session hours after sign-in however busy it is, and says so', async () => {
    const person = await createUser(test.db, 'reviewer');
    const { token } = await createSession(test.db, person.id, 'vitest');
    await ago(token, 'created_at', limits.maxMs + 1000);
    const page = (await callRoute(profileLoader, '/profile', { headers: { Cookie: await cookieFor(token) } })) as Response;
    expect(page.headers.get('Location')).toBe('/login?redirectTo=%2Fprofile&expired=absolute');
    const login = await outcome(await callRoute(loginLoader, '/login?expired=absolute'));
    expect(login.body.notice).toBe('Your session expired: sessions end 12 hours after sign-in. Sign in again to continue.');

    // With a clock: the stored expires_at is the sign-in plus SESSION_MAX_HOURS.
    const t0 = new Date('2026-12-01T09:00:00Z');
    const { token: busy, expiresAt } = await createSession(test.db, person.id, 'vitest', { now: t0, limits });
    expect(expiresAt.getTime() - t0.getTime()).toBe(limits.maxMs);
    for (let t = t0.getTime() + 10 * MINUTE; t < expiresAt.getTime(); t += 30 * MINUTE) {
      expect((await readSession(test.db, busy, { now: new Date(t), limits })).kind).toBe('active');
    }
    expect(await readSession(test.db, busy, { now: expiresAt, limits })).toEqual({ kind: 'expired', reason: 'absolute' });
    // A shorter SESSION_MAX_HOURS applies to sessions already open.
    const { token: open } = await createSession(test.db, person.id, 'vitest', { now: t0, limits });
    expect(await readSession(test.db, open, { now: new Date(t0.getTime() + 2 * 60 * MINUTE), limits: { ...limits, maxMs: 60 * MINUTE } })).toEqual({
      kind: 'expired',
      reason: 'absolute',
    });
  });

  it('does not call a session signed out by hand "expired"', async () => {
    const person = await createUser(test.db, 'reviewer');
    const headers = await sessionHeaders(test.db, person);
    await signOutEverywhere(test.db, person.id);
    const page = (await callRoute(profileLoader, '/profile', { headers })) as Response;
    expect(page.headers.get('Location')).toBe('/login?redirectTo=%2Fprofile');
  });
});

describe('sign out everywhere', () => {
  it('ends every session of the user, this one included, says so and is audited; other users keep theirs', async () => {
    const person = await createUser(test.db, 'admin');
    const other = await createUser(test.db, 'reviewer');
    const headers = await sessionHeaders(test.db, person);
    const { token: laptop } = await createSession(test.db, person.id, 'laptop');
    const { token: phone } = await createSession(test.db, person.id, 'phone');
    const { token: theirs } = await createSession(test.db, other.id, 'theirs');

    const result = (await callRoute(profileAction, '/profile', {
      method: 'POST',
      headers,
      body: new URLSearchParams({ intent: 'sign-out-everywhere' }),
    })) as Response;
    expect(result.status).toBe(302);
    expect(result.headers.get('Location')).toBe('/login?signedOut=everywhere');
    expect(result.headers.get('Set-Cookie')).toMatch(/^stocktake_session=[^;]*;.*Max-Age=0/);

    const open = await test.db.selectFrom('sessions').select('user_id').where('revoked_at', 'is', null).where('user_id', 'in', [person.id, other.id]).execute();
    expect(open).toEqual([{ user_id: other.id }]);
    for (const token of [laptop, phone]) expect(await readSession(test.db, token)).toEqual({ kind: 'none' });
    expect((await readSession(test.db, theirs)).kind).toBe('active');
    expect(((await callRoute(profileLoader, '/profile', { headers })) as Response).status).toBe(302);

    const events = await test.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'session.logout_everywhere')
      .where('entity_id', '=', String(person.id))
      .execute();
    expect(events.map((e) => [e.actor_id, e.entity_id, e.details])).toEqual([[person.id, String(person.id), { sessions: 3 }]]);
    const login = await outcome(await callRoute(loginLoader, '/login?signedOut=everywhere'));
    expect(login.body.notice).toBe('You have been signed out everywhere: every session of your account has ended.');
  });
});
