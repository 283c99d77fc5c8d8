import type { Executor } from '../../db/index';
import { config, type Config } from '~/utils/config.server';
import { recordAudit } from './audit.server';
import { dummyPasswordHash, hashPassword, MIN_PASSWORD_LENGTH, randomToken, tokenHash, verifyPassword } from './passwords.server';
import { currentUserFrom, currentUserQuery, findUserByEmail, type CurrentUser } from './users.server';

/** How long a session lasts: `idleMs` without a request, `maxMs` after sign-in (SESSION_IDLE_MINUTES, SESSION_MAX_HOURS). */
export type SessionLimits = { idleMs: number; maxMs: number };

export function sessionLimits(settings: Pick<Config, 'SESSION_IDLE_MINUTES' | 'SESSION_MAX_HOURS'> = config()): SessionLimits {
  return { idleMs: settings.SESSION_IDLE_MINUTES * 60 * 1000, maxMs: settings.SESSION_MAX_HOURS * 60 * 60 * 1000 };
}

const SESSION_TOUCH_MS = 5 * 60 * 1000;

/**
 * last_seen_at is written at most once per this interval (not on every request), so it may lag the last request by up
 * to this much. The idle check allows that much slack: a session ends between idleMs and idleMs + touch after its last
 * request, never before.
 */
export function sessionTouchMs(limits: SessionLimits): number {
  return Math.min(SESSION_TOUCH_MS, Math.floor(limits.idleMs / 12));
}

/** The one message for a failed login: it never says whether the email or the password was wrong. */
export const LOGIN_FAILED = 'That email and password do not match an account. Check both and try again.';

export type LoginResult = { ok: true; userId: number } | { ok: false; message: string };

/** Why a sign-in failed, as the audit trail keeps it (never the password, nor an email that has no account). */
export type SignInFailure = 'wrong-password' | 'disabled' | 'no-password' | 'unknown-account';

export async function verifyLogin(db: Executor, email: string, password: string): Promise<LoginResult> {
  const user = await findUserByEmail(db, email);
  if (!user || !user.password_hash || user.disabled_at) {
    await verifyPassword(password, await dummyPasswordHash()); // same work, same time
    await recordSignInFailure(db, user?.id ?? null, !user ? 'unknown-account' : user.disabled_at ? 'disabled' : 'no-password');
    return { ok: false, message: LOGIN_FAILED };
  }
  if (!(await verifyPassword(password, user.password_hash))) {
    await recordSignInFailure(db, user.id, 'wrong-password');
    return { ok: false, message: LOGIN_FAILED };
  }
  return { ok: true, userId: user.id };
}

/**
 * A failed sign-in in the audit trail: the account's user id when the email belongs to one (the account tried, not
 * proof of who typed), else only that the account was unknown. What was typed is not kept: an unknown "email" is
 * sometimes a password typed in the wrong field.
 */
async function recordSignInFailure(db: Executor, userId: number | null, reason: SignInFailure) {
  await recordAudit(db, { actorId: userId, action: 'session.login_failed', entityType: 'user', entityId: userId, details: { reason } });
}

/**
 * A sign-in refused by throttling before its password was checked (app/models/sign-in-throttle.server.ts), in the audit
 * trail as a failed one is: the account's id if the email has one, the scope that refused it and the wait.
 */
export async function recordSignInRefused(db: Executor, email: string, refusal: { scope: 'account' | 'address'; retryAfterSeconds: number }) {
  const user = await findUserByEmail(db, email);
  await recordAudit(db, {
    actorId: user?.id ?? null,
    action: 'session.login_refused',
    entityType: 'user',
    entityId: user?.id ?? null,
    details: { scope: refusal.scope, retryAfterSeconds: refusal.retryAfterSeconds, ...(user ? {} : { reason: 'unknown-account' }) },
  });
}

/** Creates a session row and returns the token for the cookie (only its hash is stored). */
export async function createSession(
  db: Executor,
  userId: number,
  userAgent: string | null,
  { now = new Date(), limits = sessionLimits() }: { now?: Date; limits?: SessionLimits } = {},
): Promise<{ token: string; expiresAt: Date }> {
  const token = randomToken();
  const expiresAt = new Date(now.getTime() + limits.maxMs);
  await db
    .insertInto('sessions')
    .values({ id: tokenHash(token), user_id: userId, created_at: now, last_seen_at: now, expires_at: expiresAt, user_agent: userAgent?.slice(0, 300) ?? null })
    .execute();
  await recordAudit(db, { actorId: userId, action: 'session.login', entityType: 'user', entityId: userId });
  return { token, expiresAt };
}

export type SessionExpiry = 'idle' | 'absolute';

/** What a session cookie's token stands for now: a signed-in user, a session that ran out (and why), or nothing. */
export type SessionState = { kind: 'active'; user: CurrentUser } | { kind: 'expired'; reason: SessionExpiry } | { kind: 'none' };

/**
 * Reads the session for a token, ending it if it ran out: idle (no request for `idleMs`) or absolute (`maxMs` after
 * sign-in, or its stored expires_at). An expired session is revoked and audited once; reading it again (the root and
 * the page loaders of one request both read it) still says it expired, because its end came before its revocation.
 */
export async function readSession(
  db: Executor,
  token: string,
  { now = new Date(), limits = sessionLimits() }: { now?: Date; limits?: SessionLimits } = {},
): Promise<SessionState> {
  // The session and its user with their roles, in one statement (every request of a signed-in browser reads it).
  const session = await db
    .selectFrom('sessions as se')
    .leftJoin(currentUserQuery(db).as('cu'), 'cu.id', 'se.user_id')
    .select(['se.id', 'se.user_id', 'se.created_at', 'se.expires_at', 'se.last_seen_at', 'se.revoked_at'])
    .select(['cu.id as active_user_id', 'cu.email', 'cu.name', 'cu.memberships'])
    .where('se.id', '=', tokenHash(token))
    .executeTakeFirst();
  if (!session) return { kind: 'none' };
  const touchMs = sessionTouchMs(limits);
  const absoluteEnd = Math.min(session.expires_at.getTime(), session.created_at.getTime() + limits.maxMs);
  const idleEnd = session.last_seen_at.getTime() + limits.idleMs + touchMs;
  const end = Math.min(absoluteEnd, idleEnd);
  // Signed out, or revoked by an administrator or a password change, before it ran out.
  if (session.revoked_at && session.revoked_at.getTime() < end) return { kind: 'none' };
  if (now.getTime() >= end) {
    const reason: SessionExpiry = absoluteEnd <= idleEnd ? 'absolute' : 'idle';
    if (!session.revoked_at) {
      const ended = await db
        .updateTable('sessions')
        .set({ revoked_at: now })
        .where('id', '=', session.id)
        .where('revoked_at', 'is', null)
        .returning('user_id')
        .executeTakeFirst();
      if (ended) await recordAudit(db, { actorId: null, action: 'session.expire', entityType: 'user', entityId: ended.user_id, details: { reason } });
    }
    return { kind: 'expired', reason };
  }
  if (session.revoked_at) return { kind: 'none' };
  if (now.getTime() - session.last_seen_at.getTime() > touchMs) {
    await db.updateTable('sessions').set({ last_seen_at: now }).where('id', '=', session.id).execute();
  }
  // A disabled user (no row in currentUserQuery) has no active session.
  if (session.active_user_id === null || session.email === null || session.name === null || session.memberships === null) return { kind: 'none' };
  return {
    kind: 'active',
    user: currentUserFrom({ id: session.active_user_id, email: session.email, name: session.name, memberships: session.memberships }),
  };
}

/** The signed-in user for a session token, or null (no such session, signed out or expired). */
export async function userFromSessionToken(db: Executor, token: string): Promise<CurrentUser | null> {
  const state = await readSession(db, token);
  return state.kind === 'active' ? state.user : null;
}

/** Ends every session of the user, the one asking included ("sign out everywhere"). Returns how many it ended. */
export async function signOutEverywhere(db: Executor, userId: number, now = new Date()): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const ended = await trx
      .updateTable('sessions')
      .set({ revoked_at: now })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .returning('id')
      .execute();
    await recordAudit(trx, { actorId: userId, action: 'session.logout_everywhere', entityType: 'user', entityId: userId, details: { sessions: ended.length } });
    return ended.length;
  });
}

export async function revokeSession(db: Executor, token: string): Promise<void> {
  const revoked = await db
    .updateTable('sessions')
    .set({ revoked_at: new Date() })
    .where('id', '=', tokenHash(token))
    .where('revoked_at', 'is', null)
    .returning('user_id')
    .executeTakeFirst();
  if (revoked) await recordAudit(db, { actorId: revoked.user_id, action: 'session.logout', entityType: 'user', entityId: revoked.user_id });
}

export { MIN_PASSWORD_LENGTH };

/**
 * Changes the user's password after checking the current one, and signs out their other sessions (the one making
 * the change, `keepSessionToken`, stays). Returns a message for the form when it is refused.
 */
export async function changePassword(
  db: Executor,
  user: CurrentUser,
  input: { current: string; next: string; keepSessionToken: string | null },
): Promise<{ ok: true } | { ok: false; field: 'current' | 'next'; message: string }> {
  const row = await db.selectFrom('users').select(['password_hash']).where('id', '=', user.id).executeTakeFirst();
  if (!row?.password_hash || !(await verifyPassword(input.current, row.password_hash))) {
    return { ok: false, field: 'current', message: 'Your current password is not right.' };
  }
  if (input.next.length < MIN_PASSWORD_LENGTH) return { ok: false, field: 'next', message: `Use at least ${MIN_PASSWORD_LENGTH} characters.` };
  if (input.next === input.current) return { ok: false, field: 'next', message: 'Choose a password different from your current one.' };
  const hash = await hashPassword(input.next);
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('users').set({ password_hash: hash }).where('id', '=', user.id).execute();
    let others = trx.updateTable('sessions').set({ revoked_at: new Date() }).where('user_id', '=', user.id).where('revoked_at', 'is', null);
    if (input.keepSessionToken) others = others.where('id', '<>', tokenHash(input.keepSessionToken));
    await others.execute();
    await recordAudit(trx, { actorId: user.id, action: 'user.password_change', entityType: 'user', entityId: user.id });
  });
  return { ok: true };
}

const TOKEN_PREFIX = 'stk_';

/** Creates an API token; the plain token is returned once and only its hash is kept. */
export async function createApiToken(db: Executor, userId: number, name: string): Promise<{ id: number; token: string }> {
  const token = TOKEN_PREFIX + randomToken();
  const row = await db
    .insertInto('api_tokens')
    .values({ user_id: userId, name: name.trim() || 'API token', token_hash: tokenHash(token), prefix: token.slice(0, 10) })
    .returning('id')
    .executeTakeFirstOrThrow();
  await recordAudit(db, { actorId: userId, action: 'api_token.create', entityType: 'api_token', entityId: row.id, details: { name } });
  return { id: row.id, token };
}

export async function listApiTokens(db: Executor, userId: number) {
  return db
    .selectFrom('api_tokens')
    .select(['id', 'name', 'prefix', 'created_at', 'last_used_at', 'revoked_at'])
    .where('user_id', '=', userId)
    .orderBy('created_at', 'desc')
    .execute();
}

export async function revokeApiToken(db: Executor, userId: number, tokenId: number): Promise<boolean> {
  const revoked = await db
    .updateTable('api_tokens')
    .set({ revoked_at: new Date() })
    .where('id', '=', tokenId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .returning('id')
    .executeTakeFirst();
  if (revoked) await recordAudit(db, { actorId: userId, action: 'api_token.revoke', entityType: 'api_token', entityId: tokenId });
  return Boolean(revoked);
}

/** api_tokens.last_used_at is written at most once per this interval, so it may lag the last request by up to this much. */
export const API_TOKEN_TOUCH_MS = 60 * 1000;

/**
 * The user a bearer token stands for, or null (unknown, revoked, or its user disabled): one read. The token's
 * last_used_at is written only when it is unset or older than API_TOKEN_TOUCH_MS, by an update that says so in its
 * condition: of concurrent requests that all read an old time, one writes and the others change nothing.
 */
export async function userFromApiToken(db: Executor, token: string, now = new Date()): Promise<CurrentUser | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const row = await currentUserQuery(db)
    .innerJoin('api_tokens as k', 'k.user_id', 'u.id')
    .select(['k.id as token_id', 'k.last_used_at'])
    .where('k.token_hash', '=', tokenHash(token))
    .where('k.revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  const stale = new Date(now.getTime() - API_TOKEN_TOUCH_MS);
  if (!row.last_used_at || row.last_used_at <= stale) {
    await db
      .updateTable('api_tokens')
      .set({ last_used_at: now })
      .where('id', '=', row.token_id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', stale)]))
      .execute();
  }
  return currentUserFrom(row);
}
