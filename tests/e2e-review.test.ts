import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { hasChromium, launchBrowser, screenshot, signIn, signOut, skipReason, startServer, type TestServer } from './helpers/browser';

// East Kent's reviewer; Ashford's duty team submitted the demo's Phase 1 self-assessment.
const REVIEWER = 'east.reviewer@demo.stocktake.example';
const MANAGER = 'manager.ashford-duty@demo.stocktake.example';
const TEAMS = ['Ashford Duty and Initial Assessment', 'Ashford Child Protection (Long-term)', 'Ashford Children in Care'];
const PHASE_1 = 'Phase 1: team self-assessment (January 2009)';
const PHASE_2 = 'Phase 2: team self-assessment (February 2009)';
const REASON = 'The team description still names the Tonbridge office: please say where the team works from now.';
const CORRECTED = 'Works from the Ashford office (corrected after the reviewer’s return).';
// Due dates are relative to today, as the demo's are, so the new round reads as current.
const IN_A_MONTH = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);

if (!hasChromium) console.warn(skipReason);

describe.skipIf(!hasChromium)('a reviewer compares, returns, and starts the next phase; the manager corrects and sees carried answers', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let responseId: number;

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const api = async (path: string) =>
    page.evaluate(async (p) => {
      const response = await fetch(p);
      return { status: response.status, body: await response.json() };
    }, path);

  it('the reviewer opens the round, compares three teams and returns one response with a reason', { timeout: 120_000 }, async () => {
    await signIn(page, server.url, REVIEWER);
    await expect.poll(() => page.url()).toMatch(/\/review$/);
    await page.getByRole('link', { name: PHASE_1 }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(PHASE_1.replace(/[()]/g, '\\$&')) }).waitFor();
    // East Kent's teams only, with counts at the top.
    await page.getByRole('table').getByRole('link', { name: TEAMS[0] }).waitFor();
    expect(
      await page
        .getByRole('table')
        .getByRole('link', { name: /Sevenoaks/ })
        .count(),
    ).toBe(0);
    await screenshot(page, 'review-round-overview');

    await page.getByRole('link', { name: 'Compare teams' }).click();
    for (const team of TEAMS) await page.getByRole('checkbox', { name: team }).check();
    await Promise.all([page.waitForURL(/team=/), page.getByRole('button', { name: 'Compare' }).click()]);
    const table = page.locator('table.compare-table');
    await table.waitFor();
    for (const team of TEAMS) await table.getByRole('columnheader', { name: new RegExp(team.replace(/[()]/g, '\\$&')) }).waitFor();
    // Choice answers as text; numeric rows with the round's median.
    await table
      .getByRole('row', { name: /What kind of team is this\?/ })
      .getByText('Duty and initial assessment')
      .waitFor();
    expect(
      await table
        .getByRole('row', { name: /Establishment: qualified social worker posts/ })
        .locator('td.median')
        .textContent(),
    ).toMatch(/\d/);
    await screenshot(page, 'review-compare-teams');

    // Only where the teams differ: fewer rows, each marked.
    const allRows = await table.locator('tbody tr:not(.topic-row)').count();
    await page.getByLabel('Only rows where the teams differ').check();
    await Promise.all([page.waitForURL(/differing=1/), page.getByRole('button', { name: 'Compare' }).click()]);
    await table.waitFor();
    const differing = await table.locator('tbody tr:not(.topic-row)').count();
    expect(differing).toBeLessThan(allRows);
    expect(await table.locator('tbody tr:not(.topic-row)', { hasText: 'Teams differ' }).count()).toBe(differing);

    // Open one team's response from the comparison and return it.
    await table
      .getByRole('columnheader', { name: new RegExp(TEAMS[0]) })
      .getByRole('link', { name: TEAMS[0] })
      .click();
    await page.getByRole('heading', { name: 'Return for correction' }).waitFor();
    responseId = Number(new URL(page.url()).pathname.split('/').at(-1));
    // A reason is required: the form says so and nothing is returned.
    await page.getByRole('button', { name: 'Return to the team' }).click();
    await page
      .getByRole('alert')
      .getByText(/Give the reason/)
      .waitFor();
    expect((await api(`/api/v1/responses/${responseId}`)).body.status).toBe('submitted');

    await page.getByLabel('Reason (required)').fill(REASON);
    await page.getByText('Mark questions to look at (optional)').click();
    await page.getByRole('checkbox', { name: 'Describe the team briefly' }).check();
    await page.getByRole('button', { name: 'Return to the team' }).click();
    await page.getByText('The response has been returned to the team.').waitFor();
    const returned = await api(`/api/v1/responses/${responseId}`);
    expect(returned.body).toMatchObject({ status: 'returned', returned: { reason: REASON, questions: ['team_description'] } });
    await screenshot(page, 'review-response-returned');
    await signOut(page);
  });

  it('the manager sees the reason and the marked question, corrects and resubmits', { timeout: 120_000 }, async () => {
    await signIn(page, server.url, MANAGER);
    await page.getByRole('link', { name: PHASE_1 }).click();
    await page.waitForSelector('[data-autosave=ready] .sd-root-modern');
    const notice = page.getByRole('note').filter({ hasText: 'Returned for correction' });
    await notice.getByText(REASON).waitFor();
    await notice.getByRole('button', { name: 'Describe the team briefly' }).click(); // takes the manager to the question
    const description = page.getByRole('textbox', { name: /Describe the team briefly/ });
    await description.fill(CORRECTED);
    await description.blur();
    await expect.poll(async () => (await api(`/api/v1/responses/${responseId}`)).body.data.team_description, { timeout: 15_000 }).toBe(CORRECTED);
    await expect.poll(() => page.getByTestId('save-status').textContent(), { timeout: 15_000 }).toMatch(/All changes saved/);

    await page.locator('.sv_progress-toc').getByText('Declaration', { exact: true }).click();
    await page.getByRole('button', { name: 'Submit to reviewers' }).click();
    await page.getByText(/^Submitted .* by Manager, Ashford Duty and Initial Assessment\./).waitFor({ timeout: 15_000 });
    expect((await api(`/api/v1/responses/${responseId}`)).body.status).toBe('submitted');
    await signOut(page);
  });

  it('the reviewer sees both submissions, creates the next phase, and the manager sees the carried answers to confirm', { timeout: 180_000 }, async () => {
    await signIn(page, server.url, REVIEWER);
    await page.goto(`${server.url}/review/responses/${responseId}`);
    const history = page.getByRole('table', { name: 'History' });
    await history.getByText('Submitted (resubmission after a return)').waitFor();
    await history.getByText(/Returned for correction/).waitFor();
    expect(
      await history
        .getByRole('row')
        .filter({ hasText: /Submitted/ })
        .count(),
    ).toBe(2);
    await screenshot(page, 'review-response-history');

    // The next phase, from the round's page: the form suggests the earlier round, the newer version and its teams.
    await page.getByRole('link', { name: PHASE_1 }).click();
    await page.getByRole('link', { name: 'Create the next phase' }).click();
    await page.getByLabel('Round name').fill(PHASE_2);
    await page.getByLabel('Due date').fill(IN_A_MONTH);
    // The next phase offers the questionnaire's latest version (3), reached from version 1 through two mappings.
    expect(await page.getByLabel('Questionnaire and version').locator('option:checked').textContent()).toMatch(/version 3/);
    expect(await page.getByRole('radio', { name: 'The same teams as the earlier round' }).isChecked()).toBe(true);
    await screenshot(page, 'review-next-phase-form');
    await Promise.all([page.waitForURL(/\/review\/rounds\/\d+$/), page.getByRole('button', { name: 'Create round' }).click()]);
    await page.getByRole('heading', { level: 1, name: new RegExp(PHASE_2.replace(/[()]/g, '\\$&')) }).waitFor();
    const toConfirm = Number(await page.locator('.counts li', { hasText: 'carried answers still to confirm' }).locator('.figure').textContent());
    expect(toConfirm).toBeGreaterThan(0);
    await screenshot(page, 'review-next-phase-overview');
    await signOut(page);

    // The manager's Phase 2 questionnaire starts from the corrected Phase 1 answers, each marked as carried and unconfirmed.
    await signIn(page, server.url, MANAGER);
    await page.getByRole('link', { name: PHASE_2 }).click();
    await page.waitForSelector('[data-autosave=ready] .sd-root-modern');
    const phase2Id = Number(new URL(page.url()).pathname.split('/')[2]);
    const carried = (await api(`/api/v1/responses/${phase2Id}`)).body;
    expect(carried.data.team_description).toBe(CORRECTED);
    expect(carried.data).toHaveProperty('senior_practitioner_fte'); // renamed in version 2
    expect(carried.data).not.toHaveProperty('leavers_12_months'); // removed in version 2
    expect(carried.data).not.toHaveProperty('supervision_held_pct'); // asked again in version 3: its period changed
    const unconfirmed = Object.values(carried.carried as Record<string, { confirmed: boolean; submitted: boolean }>);
    expect(unconfirmed.length).toBeGreaterThan(20);
    expect(unconfirmed.every((c) => !c.confirmed && c.submitted)).toBe(true);
    await expect.poll(() => page.getByRole('textbox', { name: /Describe the team briefly/ }).inputValue()).toBe(CORRECTED);
    const panel = page.getByTestId('carried');
    await panel.getByText(new RegExp(`${unconfirmed.length} answers from the last phase are still to be confirmed`)).waitFor();
    await screenshot(page, 'manager-carried-answers');

    // Confirming a page's carried answers leaves the values as they are and lowers the count the reviewer sees.
    await panel.getByRole('button', { name: /Confirm all \d+ carried answers on this page/ }).click();
    await expect
      .poll(
        async () =>
          Object.values((await api(`/api/v1/responses/${phase2Id}`)).body.carried as Record<string, { confirmed: boolean }>).filter((c) => c.confirmed).length,
        { timeout: 15_000 },
      )
      .toBeGreaterThan(0);
    const after = (await api(`/api/v1/responses/${phase2Id}`)).body;
    expect(after.data).toEqual(carried.data);
  });

  it("the reviewer's topic page sends each team's answers as a table made when its summary is opened", { timeout: 120_000 }, async () => {
    await signOut(page);
    await signIn(page, server.url, REVIEWER);
    await page.getByRole('link', { name: PHASE_1 }).click();
    await page.getByRole('heading', { level: 1, name: new RegExp(PHASE_1.replace(/[()]/g, '\\$&')) }).waitFor();
    const topic = `${new URL(page.url()).pathname}/insights/caseloads`;
    // As served: the summaries, not the tables (an area's page would hold a dozen of them, a row per team).
    const served = await page.evaluate(async (path) => (await fetch(path)).text(), topic);
    expect(served).toMatch(/Each team’s answer \(\d+\)/);
    expect(served).not.toContain('>Each team’s answer</caption>');
    await page.goto(`${server.url}${topic}`);
    const details = page.locator('details.more', { hasText: /Each team’s answer \(\d+\)/ }).first();
    await details.locator('summary').click();
    await details.getByRole('table').getByRole('link', { name: TEAMS[0] }).waitFor();
    await details.locator('summary').press('Enter'); // closed from the keyboard, and opened again: the table stays made
    await details.locator('summary').press('Enter');
    expect(await details.getByRole('table').getByRole('row').count()).toBeGreaterThan(3);
  });
});
