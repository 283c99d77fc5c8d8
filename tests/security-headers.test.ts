import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, startServer, type TestServer } from './helpers/browser';

/**
 * The security headers, read from the real server (the production build on the demo data): a CSP with a fresh
 * nonce on every page, the common headers on every response, and HSTS and Secure cookies only when a proxy trusted
 * by TRUST_PROXY says the request came over HTTPS (docs/decisions/014-security-headers.md).
 */

const DEMO = 'demo.stocktake.example';
const USERS = { manager: `manager.ashford-duty@${DEMO}`, reviewer: `reviewer@${DEMO}`, admin: `admin@${DEMO}`, auditor: `auditor@${DEMO}` } as const;
type Role = keyof typeof USERS;
type Ids = {
  responseId: number;
  roundId: number;
  matrixRoundId: number;
  teamId: number;
  topic: string;
  caseRoundId: number;
  auditId: number;
  actionId: number;
};

/** Every page route (a route file with a default component), with a user who sees the page itself, not a redirect. */
const PAGES: Record<string, { as: Role | null; path: (ids: Ids) => string }> = {
  'login.tsx': { as: null, path: () => '/login' },
  'profile.tsx': { as: 'manager', path: () => '/profile' },
  'my-team._index.tsx': { as: 'manager', path: () => '/my-team' },
  'responses.$responseId._index.tsx': { as: 'manager', path: (ids) => `/responses/${ids.responseId}` },
  'responses.$responseId.history.tsx': { as: 'manager', path: (ids) => `/responses/${ids.responseId}/history` },
  'review._index.tsx': { as: 'reviewer', path: () => '/review' },
  'review.responses.$responseId.tsx': { as: 'reviewer', path: (ids) => `/review/responses/${ids.responseId}` },
  'review.responses.$responseId_.report.tsx': { as: 'reviewer', path: (ids) => `/review/responses/${ids.responseId}/report` },
  'review.rounds.new.tsx': { as: 'reviewer', path: () => '/review/rounds/new' },
  'review.rounds.$roundId._index.tsx': { as: 'reviewer', path: (ids) => `/review/rounds/${ids.roundId}` },
  'review.rounds.$roundId.compare.tsx': { as: 'reviewer', path: (ids) => `/review/rounds/${ids.roundId}/compare` },
  'review.rounds.$roundId.heatmap.tsx': { as: 'reviewer', path: (ids) => `/review/rounds/${ids.matrixRoundId}/heatmap` },
  'review.rounds.$roundId.insights._index.tsx': { as: 'reviewer', path: (ids) => `/review/rounds/${ids.roundId}/insights` },
  'review.rounds.$roundId.insights.$topic.tsx': { as: 'reviewer', path: (ids) => `/review/rounds/${ids.roundId}/insights/${ids.topic}` },
  'review.rounds.$roundId.phases.tsx': { as: 'reviewer', path: (ids) => `/review/rounds/${ids.roundId}/phases` },
  'review.teams.$teamId.compare.tsx': { as: 'reviewer', path: (ids) => `/review/teams/${ids.teamId}/compare` },
  'review.questionnaires._index.tsx': { as: 'reviewer', path: () => '/review/questionnaires' },
  'review.questionnaires.$slug.diff.tsx': { as: 'reviewer', path: () => '/review/questionnaires/team-self-assessment/diff?from=1&to=2' },
  'review.questionnaires.$slug.v.$version.preview.tsx': { as: 'reviewer', path: () => '/review/questionnaires/team-self-assessment/v/2/preview' },
  'review.rounds.$roundId.cases.tsx': { as: 'reviewer', path: (ids) => `/review/rounds/${ids.caseRoundId}/cases` },
  'review.rounds.$roundId.case-figures.tsx': { as: 'reviewer', path: (ids) => `/review/rounds/${ids.caseRoundId}/case-figures` },
  'review.rounds.$roundId.case-trend.tsx': { as: 'reviewer', path: (ids) => `/review/rounds/${ids.caseRoundId}/case-trend` },
  'audits._index.tsx': { as: 'auditor', path: () => '/audits' },
  'audits.$responseId.tsx': { as: 'auditor', path: (ids) => `/audits/${ids.auditId}` },
  'admin._index.tsx': { as: 'admin', path: () => '/admin' },
  'admin.teams.new.tsx': { as: 'admin', path: () => '/admin/teams/new' },
  'admin.users.new.tsx': { as: 'admin', path: () => '/admin/users/new' },
  'admin.audit.tsx': { as: 'admin', path: () => '/admin/audit' },
  'actions._index.tsx': { as: 'reviewer', path: () => '/actions' },
  'actions.$actionId.tsx': { as: 'reviewer', path: (ids) => `/actions/${ids.actionId}` },
  'actions.proposed.tsx': { as: 'reviewer', path: () => '/actions/proposed' },
  'actions.new.tsx': { as: 'reviewer', path: () => '/actions/new' },
};

function pageRouteFiles(): string[] {
  const dir = path.resolve('app/routes');
  return fs
    .readdirSync(dir)
    .filter((file) => /^export default /m.test(fs.readFileSync(path.join(dir, file), 'utf8')))
    .sort();
}

/** Signs in through the login form; the session cookie's value and the whole Set-Cookie header. */
async function signIn(server: TestServer, email: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/login`, {
    method: 'POST',
    body: new URLSearchParams({ email, password: DEMO_PASSWORD }),
    headers,
    redirect: 'manual',
  });
  expect(response.status).toBe(302);
  const setCookie = response.headers.get('Set-Cookie') ?? '';
  const value = /stocktake_session=([^;]+)/.exec(setCookie)?.[1];
  expect(value).toBeTruthy();
  return { cookie: `stocktake_session=${value}`, setCookie };
}

function directives(policy: string | null): Map<string, string[]> {
  expect(policy, 'a Content-Security-Policy header').toBeTruthy();
  return new Map(
    policy!.split(';').map((part) => {
      const [name, ...sources] = part.trim().split(/\s+/);
      return [name, sources] as const;
    }),
  );
}

/** Checks a page's CSP and every script in its HTML; returns the nonce. */
function expectDocumentPolicy(response: Response, html: string): string {
  const policy = directives(response.headers.get('Content-Security-Policy'));
  const scriptSrc = policy.get('script-src')!;
  expect(scriptSrc).not.toContain("'unsafe-inline'");
  expect(scriptSrc).not.toContain("'unsafe-eval'");
  const nonces = scriptSrc.filter((source) => source.startsWith("'nonce-"));
  expect(nonces).toHaveLength(1);
  const nonce = /^'nonce-([A-Za-z0-9+/=]{22,})'$/.exec(nonces[0])![1];
  expect(Object.fromEntries(policy)).toEqual({
    'default-src': ["'self'"],
    'script-src': ["'self'", `'nonce-${nonce}'`],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
  });
  const scripts = html.match(/<script\b[^>]*>/g) ?? [];
  expect(scripts.length).toBeGreaterThan(0);
  for (const tag of scripts) expect(tag, 'every script carries the nonce').toContain(` nonce="${nonce}"`);
  return nonce;
}

function expectCommonHeaders(response: Response) {
  expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
  expect(response.headers.get('X-Frame-Options')).toBe('DENY');
  expect(response.headers.get('Referrer-Policy')).toBe('same-origin');
  expect(response.headers.get('Cross-Origin-Opener-Policy')).toBe('same-origin');
  const permissions = response.headers.get('Permissions-Policy') ?? '';
  for (const feature of ['camera', 'microphone', 'geolocation', 'payment', 'usb']) expect(permissions).toContain(`${feature}=()`);
}

describe('security headers', () => {
  let direct: TestServer; // TRUST_PROXY unset: the default
  let proxied: TestServer; // TRUST_PROXY=loopback: the test plays the proxy
  const cookies = {} as Record<Role, string>;
  let ids: Ids;

  beforeAll(async () => {
    [direct, proxied] = await Promise.all([startServer({ TRUST_PROXY: '' }), startServer({ TRUST_PROXY: 'loopback' })]);
    for (const role of Object.keys(USERS) as Role[]) cookies[role] = (await signIn(direct, USERS[role])).cookie;
    const get = async (url: string, role: Role) => (await fetch(`${direct.url}${url}`, { headers: { Cookie: cookies[role] } })).json();
    // The manager's own response in the team self-assessment round; the Kent-wide reviewer sees it too.
    const { responses } = (await get('/api/v1/responses', 'manager')) as { responses: Array<{ id: number; round: { id: number }; team: { id: number } }> };
    const { rounds } = (await get('/api/v1/rounds', 'reviewer')) as { rounds: Array<{ id: number; questionnaire: { slug: string } }> };
    const round = rounds.find((r) => r.questionnaire.slug === 'team-self-assessment')!;
    const matrixRound = rounds.find((r) => r.questionnaire.slug === 'mini-jar-matrix')!; // the heatmap's
    const response = responses.find((r) => r.round.id === round.id)!;
    const insights = await (await fetch(`${direct.url}/review/rounds/${round.id}/insights`, { headers: { Cookie: cookies.reviewer } })).text();
    const topic = new RegExp(`/review/rounds/${round.id}/insights/([a-z0-9-]+)`).exec(insights)![1];
    // An audit the demo's Kent-wide auditor did, in the demo's case-file audit round.
    const audits = (await get('/api/v1/responses', 'auditor')) as { responses: Array<{ id: number; round: { id: number }; case?: unknown }> };
    const audit = audits.responses.find((r) => r.case)!;
    // An action of the register the Kent-wide reviewer sees: one of the demo's, or one raised for the whole authority.
    const register = await (await fetch(`${direct.url}/actions`, { headers: { Cookie: cookies.reviewer } })).text();
    let actionId = Number(/href="\/actions\/(\d+)"/.exec(register)?.[1] ?? 0);
    if (!actionId) {
      const raised = await fetch(`${direct.url}/actions/new`, {
        method: 'POST',
        headers: { Cookie: cookies.reviewer },
        body: new URLSearchParams({ source: 'recommendation', reference: 'R1', title: 'Report the review’s findings to Members.' }),
        redirect: 'manual',
      });
      actionId = Number(/^\/actions\/(\d+)/.exec(raised.headers.get('Location') ?? '')![1]);
    }
    ids = {
      responseId: response.id,
      roundId: round.id,
      matrixRoundId: matrixRound.id,
      teamId: response.team.id,
      topic,
      caseRoundId: audit.round.id,
      auditId: audit.id,
      actionId,
    };
  }, 240_000);

  afterAll(async () => {
    await Promise.all([direct?.stop(), proxied?.stop()]);
  });

  it('knows every page route (a new page must be added here)', () => {
    expect(Object.keys(PAGES).sort()).toEqual(pageRouteFiles());
  });

  it('sends a CSP whose nonce is on every script, and the common headers, on every page', async () => {
    for (const [file, { as, path: pathOf }] of Object.entries(PAGES)) {
      const url = pathOf(ids);
      const response = await fetch(`${direct.url}${url}`, { headers: as ? { Cookie: cookies[as] } : {}, redirect: 'manual' });
      expect(response.status, `${file}: GET ${url}`).toBe(200);
      expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
      expectDocumentPolicy(response, await response.text());
      expectCommonHeaders(response);
      expect(response.headers.get('Strict-Transport-Security')).toBeNull();
    }
  });

  it('makes a new nonce for each request, and keeps the CSP on error pages', async () => {
    const nonces = [];
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${direct.url}/login`);
      nonces.push(expectDocumentPolicy(response, await response.text()));
    }
    expect(nonces[0]).not.toBe(nonces[1]);
    const missing = await fetch(`${direct.url}/no-such-page`, { headers: { Cookie: cookies.manager } });
    expect(missing.status).toBe(404);
    expectDocumentPolicy(missing, await missing.text());
    expectCommonHeaders(missing);
  });

  it('sends nosniff and X-Frame-Options on JSON, downloads, the health check and static assets', async () => {
    const html = await (await fetch(`${direct.url}/login`)).text();
    const asset = /href="(\/assets\/[^"]+\.css)"/.exec(html)![1];
    const urls: Array<[string, Role | null, RegExp]> = [
      ['/healthz', null, /json/],
      [asset, null, /css/],
      ['/api/v1/rounds', 'reviewer', /json/],
      [`/api/v1/responses/${ids.responseId}`, 'manager', /json/],
      [`/review/rounds/${ids.roundId}.csv`, 'reviewer', /csv/],
      [`/api/v1/rounds/${ids.roundId}/export.csv`, 'reviewer', /csv/],
      [`/api/v1/rounds/${ids.roundId}/export.xlsx`, 'reviewer', /spreadsheetml/],
      ['/actions.csv', 'reviewer', /csv/],
      ['/api/v1/rounds/999999', 'reviewer', /problem\+json/],
    ];
    for (const [url, as, type] of urls) {
      const response = await fetch(`${direct.url}${url}`, { headers: as ? { Cookie: cookies[as] } : {} });
      expect(response.headers.get('Content-Type'), url).toMatch(type);
      expectCommonHeaders(response);
      await response.arrayBuffer();
    }
  });

  it('sends HSTS and a Secure cookie when a trusted proxy says the request came over HTTPS', async () => {
    const https = { 'X-Forwarded-Proto': 'https' };
    const page = await fetch(`${proxied.url}/login`, { headers: https });
    expect(page.headers.get('Strict-Transport-Security')).toBe('max-age=31536000; includeSubDomains');
    expectDocumentPolicy(page, await page.text());
    const health = await fetch(`${proxied.url}/healthz`, { headers: https });
    expect(health.headers.get('Strict-Transport-Security')).toBe('max-age=31536000; includeSubDomains');
    const { setCookie } = await signIn(proxied, USERS.manager, https);
    expect(setCookie).toMatch(/;\s*Secure/i);

    // The same proxy over plain HTTP: neither.
    const plain = await fetch(`${proxied.url}/login`);
    expect(plain.headers.get('Strict-Transport-Security')).toBeNull();
    expect((await signIn(proxied, USERS.manager)).setCookie).not.toMatch(/;\s*Secure/i);
  });

  it('ignores X-Forwarded-Proto without TRUST_PROXY: a client cannot claim HTTPS', async () => {
    const https = { 'X-Forwarded-Proto': 'https' };
    const page = await fetch(`${direct.url}/login`, { headers: https });
    expect(page.headers.get('Strict-Transport-Security')).toBeNull();
    const { setCookie } = await signIn(direct, USERS.manager, https);
    expect(setCookie).not.toMatch(/;\s*Secure/i);
  });
});
