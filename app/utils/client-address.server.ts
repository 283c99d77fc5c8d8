import type { AppLoadContext } from '@remix-run/node';

declare module '@remix-run/node' {
  interface AppLoadContext {
    /** The client's network address, from server.ts (Express's req.ip: X-Forwarded-For only with TRUST_PROXY). */
    clientAddress?: string;
  }
}

/** The request's client address, or null when the server did not give one (route tests, say). */
export function clientAddressFrom(context: AppLoadContext): string | null {
  const address = context.clientAddress?.trim();
  if (!address) return null;
  return address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address; // an IPv4 client on a dual-stack socket
}
