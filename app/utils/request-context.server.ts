import { AsyncLocalStorage } from 'node:async_hooks';
import { clientAddressFrom } from './client-address.server';

/**
 * Where the request being served came from, for the audit trail: the client's network address (Express's req.ip, so
 * X-Forwarded-For only from a proxy TRUST_PROXY names) and its User-Agent, cut to USER_AGENT_MAX characters.
 *
 * Set once per request by server.ts (around the Remix handler) and read by recordAudit, so no model function needs a
 * parameter for it. Work outside a request (the command line, the seed, start-up publishing) has none: null.
 * docs/decisions/022-audit-trail.md.
 */
export type RequestOrigin = { address: string | null; userAgent: string | null };

export const USER_AGENT_MAX = 300;

// One store per process. server.ts and the Remix build each load their own copy of this module (the built server is a
// separate bundle; `--dev` loads the app through Vite), so the store is kept on globalThis, as db/index.ts keeps the
// database: both copies must read the one store.
const registry = globalThis as typeof globalThis & { __stocktakeRequestOrigin?: AsyncLocalStorage<RequestOrigin> };
const storage = (registry.__stocktakeRequestOrigin ??= new AsyncLocalStorage<RequestOrigin>());

/** A request's origin from what the server knows of it (the address as Express gives it, the User-Agent header). */
export function requestOriginFrom({ clientAddress, userAgent }: { clientAddress?: string | null; userAgent?: string | null }): RequestOrigin {
  const agent = userAgent?.trim();
  return {
    address: clientAddressFrom({ clientAddress: clientAddress ?? undefined }),
    userAgent: agent ? agent.slice(0, USER_AGENT_MAX) : null,
  };
}

/** Runs `fn` (and everything it starts, across awaits) as the serving of a request from `origin`. */
export function runWithRequestOrigin<T>(origin: RequestOrigin, fn: () => T): T {
  return storage.run(origin, fn);
}

/** The origin of the request being served, or null outside a request. */
export function currentRequestOrigin(): RequestOrigin | null {
  return storage.getStore() ?? null;
}
