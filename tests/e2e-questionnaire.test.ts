import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { hasChromium, launchBrowser, screenshot, signIn, skipReason, startServer, type TestServer } from './helpers/browser';

// Dover's children-in-care team has not started the demo's Phase 1 self-assessment.
const MANAGER = 'manager.dover-lac@demo.stocktake.example';

if (!hasChromium) console.warn(skipReason);

describe.skipIf(!hasChromium)('a manager completes the self-assessment in the browser', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const cspViolations: string[] = [];
  const documentPolicies: string[] = [];

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // The pages run under a strict CSP (docs/decisions/014-security-headers.md): whatever it blocks is recorded.
    await page.addInitScript(() =>
      document.addEventListener('securitypolicyviolation', (event) => console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`)),
    );
    page.on('console', (message) => {
      if (/Content Security Policy|CSP violation/i.test(message.text())) cspViolations.push(message.text());
    });
    page.on('response', (response) => {
      if (response.request().resourceType() === 'document') documentPolicies.push(response.headers()['content-security-policy'] ?? '');
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const status = () => page.getByTestId('save-status');
  const api = async (path: string, init: { method?: string; body?: unknown } = {}) =>
    page.evaluate(
      async ({ path, init }) => {
        const response = await fetch(path, {
          method: init.method ?? 'GET',
          headers: { 'Content-Type': 'application/json' },
          body: init.body === undefined ? undefined : JSON.stringify(init.body),
        });
        return { status: response.status, body: await response.json() };
      },
      { path, init },
    );

  it('saves as the manager types, reopens on the same page with the answers, and keeps changes made offline', { timeout: 180_000 }, async () => {
    await signIn(page, server.url, MANAGER);
    await expect.poll(() => page.url()).toMatch(/\/my-team$/);
    await page.getByRole('link', { name: /Phase 1: team self-assessment/ }).click();
    await page.waitForSelector('[data-autosave=ready] .sd-root-modern');

    // Team type (SurveyJS radios are visually hidden: click the visible label) and two figures.
    await page.locator('.sd-item', { hasText: 'Duty and initial assessment' }).locator('.sd-item__decorator').click();
    await page.getByRole('spinbutton', { name: /Establishment: qualified social worker posts/ }).fill('12');
    await page.getByRole('spinbutton', { name: /Posts filled by permanent staff/ }).fill('8');
    const responseId = Number(new URL(page.url()).pathname.split('/')[2]);
    const serverData = async () => (await api(`/api/v1/responses/${responseId}`)).body.data;
    // Saved within about a second of the pause, without leaving the field.
    await expect.poll(serverData, { timeout: 15_000 }).toMatchObject({ team_type: 'duty-initial-assessment', establishment_fte: 12, filled_permanent_fte: 8 });
    await expect.poll(() => status().textContent()).toMatch(/All changes saved at \d\d:\d\d/);
    await screenshot(page, 'questionnaire-team-profile');

    // Next page: caseloads.
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('spinbutton', { name: /Open cases held by the team/ }).fill('140');
    await expect.poll(serverData, { timeout: 15_000 }).toMatchObject({ total_cases: 140 });

    // Reload: the same page, the same answers (read back from the server, not the browser).
    await expect.poll(() => status().textContent()).toMatch(/All changes saved/);
    await page.reload();
    await page.waitForSelector('[data-autosave=ready] .sd-root-modern');
    await expect.poll(() => page.getByRole('spinbutton', { name: /Open cases held by the team/ }).inputValue()).toBe('140');
    const saved = await api(`/api/v1/responses/${responseId}`);
    expect(saved.body.data).toMatchObject({ team_type: 'duty-initial-assessment', establishment_fte: 12, filled_permanent_fte: 8, total_cases: 140 });
    expect(saved.body.currentPage).toBe('caseloads');

    // The connection drops: changes are kept in the browser and the page says so.
    await page.route('**/api/v1/**', (route) => route.abort('internetdisconnected'));
    await page.getByRole('spinbutton', { name: /Open cases held by the team/ }).fill('150');
    await page.getByRole('spinbutton', { name: /Qualified social workers holding cases/ }).fill('6');
    await expect.poll(() => status().textContent(), { timeout: 15_000 }).toMatch(/Offline: 2 changes waiting/);
    const stored = await page.evaluate((id) => window.localStorage.getItem(`stocktake:unsaved:${id}`), responseId);
    expect(JSON.parse(stored!).pending).toEqual({ total_cases: 150, case_holding_workers: 6 });

    // Even a reload while still offline loses nothing: the page restores the waiting changes.
    page.once('dialog', (dialog) => void dialog.accept()); // the "leave page?" warning
    await page.reload();
    await page.waitForSelector('[data-autosave=ready] .sd-root-modern');
    await expect.poll(() => page.getByRole('spinbutton', { name: /Open cases held by the team/ }).inputValue()).toBe('150');
    await page.getByText(/2 changes made earlier in this browser/).waitFor({ state: 'visible' });

    // Back online: the waiting changes are sent (retried with backoff) and saved.
    await page.unroute('**/api/v1/**');
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await expect.poll(() => status().textContent(), { timeout: 30_000 }).toMatch(/All changes saved/);
    const after = await api(`/api/v1/responses/${responseId}`);
    expect(after.body.data).toMatchObject({ total_cases: 150, case_holding_workers: 6, establishment_fte: 12 });
    expect(await page.evaluate((id) => window.localStorage.getItem(`stocktake:unsaved:${id}`), responseId)).toBeNull();
    const history = await api(`/api/v1/responses/${responseId}/revisions`);
    expect(history.body.revisions.every((r: { author: { name: string } }) => r.author.name === 'Manager, Dover Children in Care')).toBe(true);
  });

  it('refuses to submit an incomplete questionnaire, then submits it once complete and shows it read-only', { timeout: 120_000 }, async () => {
    const responseId = Number(new URL(page.url()).pathname.split('/')[2]);
    await page.locator('.sv_progress-toc').getByText('Declaration', { exact: true }).click();
    await page.getByRole('button', { name: 'Submit to reviewers' }).click();
    // SurveyJS checks every page first and takes the manager to the first unanswered required question.
    await page.locator('.sd-question__erbox').first().waitFor({ state: 'visible' });
    expect((await api(`/api/v1/responses/${responseId}`)).body.status).toBe('in_progress');
    await screenshot(page, 'questionnaire-submit-errors');

    // The rest of the answers arrive through the API (the same save); the page is then reloaded and submitted.
    const fixture = JSON.parse(fs.readFileSync('tests/fixtures/answers/team-self-assessment-v1.json', 'utf8'));
    const current = await api(`/api/v1/responses/${responseId}`);
    // The fixture is a complete, consistent answer set (a disabled children's team's); it replaces the figures typed above.
    const filled = await api(`/api/v1/responses/${responseId}`, { method: 'PATCH', body: { baseRevision: current.body.revision, set: fixture } });
    expect(filled.status).toBe(200);
    await page.reload();
    await page.waitForSelector('[data-autosave=ready] .sd-root-modern');
    await page.locator('.sv_progress-toc').getByText('Declaration', { exact: true }).click();
    await page.getByRole('button', { name: 'Submit to reviewers' }).click();
    await page.getByText(/^Submitted .* by Manager, Dover Children in Care\./).waitFor({ state: 'visible', timeout: 15_000 });
    await page.getByText(/read-only unless a reviewer returns it/).waitFor({ state: 'visible' });
    await screenshot(page, 'questionnaire-submitted');
    const submitted = await api(`/api/v1/responses/${responseId}`);
    expect(submitted.body.status).toBe('submitted');
  });

  it('ran every page above under the CSP without a violation, and the CSP does block a script without the nonce', async () => {
    expect(documentPolicies.length).toBeGreaterThan(3);
    for (const policy of documentPolicies) expect(policy).toMatch(/script-src 'self' 'nonce-[^']+'(;|$)/);
    expect(cspViolations).toEqual([]);

    await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.injected = true';
      document.body.append(script);
    });
    await expect.poll(() => cspViolations.length).toBeGreaterThan(0);
    expect(await page.evaluate(() => 'injected' in window)).toBe(false);
  });
});
