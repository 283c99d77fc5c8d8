import { createCookie, redirect } from '@remix-run/node';
import { getDb } from '../../db/index';
import { readSession, userFromApiToken, type SessionExpiry, type SessionState } from '~/models/auth.server';
import { primaryRole, type CurrentUser } from '~/models/users.server';
import { hasPermission, type Permission } from '~/utils/permissions';
import { config } from './config.server';
import { problem } from './problem.server';

let cookie: ReturnType<typeof createCookie> | undefined;
function sessionCookie() {
  const secret = config().SESSION_SECRET;
  if (!secret) throw new Error('SESSION_SECRET is not set: server.ts sets one at start (scripts/startup.ts)');
  cookie ??= createCookie('stocktake_session', {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    maxAge: config().SESSION_MAX_HOURS * 60 * 60, // the row's absolute expiry decides; the cookie need not outlive it
    secrets: [secret],
  });
  return cookie;
}

// request.url's protocol is Express's req.protocol (server.ts): https over TLS to this process, or when a proxy that
// TRUST_PROXY names says so in X-Forwarded-Proto. A client's own X-Forwarded-Proto is ignored without TRUST_PROXY.
function isHttps(request: Request) {
  return new URL(request.url).protocol === 'https:';
}

export async function sessionTokenFrom(request: Request): Promise<string | null> {
  const value = await sessionCookie().parse(request.headers.get('Cookie'));
  return typeof value === 'string' && value.length > 0 ? value : null;
}

export function commitSessionCookie(request: Request, token: string): Promise<string> {
  return sessionCookie().serialize(token, { secure: isHttps(request) });
}

export function clearSessionCookie(request: Request): Promise<string> {
  return sessionCookie().serialize('', { maxAge: 0, expires: new Date(0), secure: isHttps(request) });
}

async function sessionStateFrom(request: Request): Promise<SessionState> {
  const token = await sessionTokenFrom(request);
  return token ? readSession(getDb(), token) : { kind: 'none' };
}

export async function getCurrentUser(request: Request): Promise<CurrentUser | null> {
  const state = await sessionStateFrom(request);
  return state.kind === 'active' ? state.user : null;
}

/**
 * Pages: the signed-in user, or a redirect to the login page that comes back here. A session that ran out says so
 * there (`expired=idle|absolute`), and its cookie is cleared.
 */
export async function requireUser(request: Request): Promise<CurrentUser> {
  const state = await sessionStateFrom(request);
  if (state.kind === 'active') return state.user;
  const url = new URL(request.url);
  const redirectTo = url.pathname + url.search;
  if (state.kind === 'expired') {
    throw redirect(`/login?${new URLSearchParams({ redirectTo, expired: state.reason })}`, { headers: { 'Set-Cookie': await clearSessionCookie(request) } });
  }
  throw redirect(`/login?${new URLSearchParams({ redirectTo })}`);
}

/** The sign-in page's words for why the visitor is there again (its `expired` or `signedOut` parameter), or null. */
export function signInNotice(params: URLSearchParams): string | null {
  const expired = params.get('expired') as SessionExpiry | null;
  if (expired === 'idle') return `Your session expired after ${config().SESSION_IDLE_MINUTES} minutes without activity. Sign in again to continue.`;
  if (expired === 'absolute') return `Your session expired: sessions end ${config().SESSION_MAX_HOURS} hours after sign-in. Sign in again to continue.`;
  if (params.get('signedOut') === 'everywhere') return 'You have been signed out everywhere: every session of your account has ended.';
  return null;
}

/** Pages: a user whose roles grant the permission, or 403. */
export async function requireUserWithPermission(request: Request, permission: Permission): Promise<CurrentUser> {
  const user = await requireUser(request);
  if (!hasPermission(user, permission)) {
    throw new Response(`Your role does not allow this (${permission}).`, { status: 403 });
  }
  return user;
}

/**
 * API: a bearer token or the session cookie. Writes with the cookie must come from this site's own pages
 * (Origin check), so another site cannot make a signed-in browser send them.
 */
export async function requireApiUser(request: Request): Promise<CurrentUser> {
  const authorization = request.headers.get('Authorization');
  if (authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    const user = match ? await userFromApiToken(getDb(), match[1]) : null;
    if (!user) throw problem(401, 'The bearer token is not valid: it may have been revoked. Create a new one on your profile page.');
    return user;
  }
  const state = await sessionStateFrom(request);
  if (state.kind === 'expired') throw problem(401, 'Your session expired. Sign in again, or send an API token as "Authorization: Bearer <token>".');
  if (state.kind !== 'active') throw problem(401, 'Sign in, or send an API token as "Authorization: Bearer <token>".');
  const user = state.user;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    const origin = request.headers.get('Origin');
    if (origin !== new URL(request.url).origin) {
      throw problem(403, "Cross-site request refused: writes with the session cookie must come from Stocktake's own pages (Origin header).");
    }
  }
  return user;
}

export function requireApiPermission(user: CurrentUser, permission: Permission): void {
  if (!hasPermission(user, permission)) throw problem(403, `Your role does not allow this (${permission}).`);
}

export function startPageFor(user: CurrentUser): string {
  switch (primaryRole(user)) {
    case 'admin':
      return '/admin';
    case 'reviewer':
      return '/review';
    case 'manager':
      return '/my-team';
    case 'auditor':
      return '/audits';
    default:
      return '/profile';
  }
}

export function safeRedirectTarget(target: FormDataEntryValue | string | null | undefined, fallback: string): string {
  if (typeof target !== 'string' || !target.startsWith('/') || target.startsWith('//') || target.startsWith('/\\')) return fallback;
  return target;
}
