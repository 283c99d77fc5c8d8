/**
 * The security headers, in one place (docs/decisions/014-security-headers.md). server.ts sets the common ones on
 * every response (pages, API, downloads, /healthz, static assets); app/entry.server.tsx adds the
 * Content-Security-Policy to HTML documents, with a nonce made for that request. Imports only node:crypto, so
 * server.ts loads it without the Remix build.
 */
import crypto from 'node:crypto';

/** Headers every response carries. X-Frame-Options covers responses without a CSP (JSON, CSV, assets). */
export const commonSecurityHeaders: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  // same-origin: links to other sites (the questionnaires' guidance, a reviewer's mail client) learn nothing,
  // not even the origin; Stocktake's pages need no Referer from elsewhere.
  'Referrer-Policy': 'same-origin',
  'Permissions-Policy': [
    'accelerometer',
    'autoplay',
    'camera',
    'display-capture',
    'geolocation',
    'gyroscope',
    'magnetometer',
    'microphone',
    'midi',
    'payment',
    'publickey-credentials-get',
    'screen-wake-lock',
    'serial',
    'usb',
    'xr-spatial-tracking',
  ]
    .map((feature) => `${feature}=()`)
    .join(', '),
  'Cross-Origin-Opener-Policy': 'same-origin',
};

/** Sent only on responses that reached the app over HTTPS (directly, or through a proxy trusted by TRUST_PROXY). */
export const STRICT_TRANSPORT_SECURITY = 'max-age=31536000; includeSubDomains';

/** A fresh nonce for one document's scripts: 128 random bits. */
export function newNonce(): string {
  return crypto.randomBytes(16).toString('base64');
}

/**
 * The policy of an HTML page. Scripts run only from this origin or with this response's nonce (Remix's inline
 * hydration, scroll restoration and streaming scripts carry it). Styles allow 'unsafe-inline': SurveyJS and recharts
 * set style attributes, which a nonce cannot cover. In development Vite's hot reload talks over a WebSocket, so
 * connect-src also allows ws: and wss: there, and only there.
 */
export function contentSecurityPolicy(nonce: string, { development = false } = {}): string {
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'", `'nonce-${nonce}'`],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': development ? ["'self'", 'ws:', 'wss:'] : ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  };
  return Object.entries(directives)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}
