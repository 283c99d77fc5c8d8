import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { hasChromium, launchBrowser, screenshot, signIn, signOut, skipReason, startServer, type TestServer } from './helpers/browser';

/*
 * The action register in the browser, on the demo data: the Kent-wide reviewer accepts a team's proposed actions; the
 * team's manager, on the Phase 2 mini-JAR page, sees the open actions, says what became of those the matrix follows
 * up and submits; the reviewer sees the register change, the overdue count with it.
 */
const REVIEWER = 'reviewer@demo.stocktake.example';
const MANAGER = 'manager.shepway-duty@demo.stocktake.example';
const TEAM = 'Shepway Duty and Initial Assessment';
const PHASE2 = 'Phase 2: mini-JAR matrix (March 2009)';

if (!hasChromium) console.warn(skipReason);

describe.skipIf(!hasChromium)('the action register, from proposal to the Phase 2 follow-up', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let teamRegister: string;
  let overdueBefore: number;
  let doneBefore: number;
  let accepted: number;
  let doneRef: string;

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const figure = async (label: RegExp) => Number(await page.locator('.counts li', { hasText: label }).locator('.figure').textContent());
  const question = (name: string) => page.locator(`[data-name="${name}"]`);

  async function enter(field: Locator, value: string) {
    await field.focus();
    await field.fill(value);
    await field.blur();
    await expect.poll(() => field.inputValue()).toBe(value);
  }

  async function pick(scope: Locator, label: string, option: string) {
    const control = scope.locator('.sd-dropdown', { has: page.getByRole('combobox', { name: label }) });
    await control.evaluate((element) => element.scrollIntoView({ block: 'center' }));
    await control.click();
    await page.getByRole('option', { name: option, exact: true }).click();
  }

  it('the reviewer accepts the team’s proposed actions', { timeout: 120_000 }, async () => {
    await signIn(page, server.url, REVIEWER);
    await page.goto(`${server.url}/actions/proposed`);
    await page.getByRole('heading', { level: 1, name: 'Proposed actions' }).waitFor();
    const team = page.locator('section.proposal-team', { has: page.getByRole('heading', { level: 2, name: new RegExp(TEAM) }) });
    const boxes = team.getByRole('checkbox', { name: /Select to accept with others/ });
    accepted = await boxes.count();
    expect(accepted).toBeGreaterThan(0);
    for (let i = 0; i < accepted; i++) await boxes.nth(i).check();
    await screenshot(page, 'actions-proposed');
    await page.getByRole('button', { name: 'Accept selected' }).click();
    await page
      .getByRole('status')
      .getByText(new RegExp(`${accepted} actions? accepted`))
      .waitFor();
    await expect.poll(async () => (await page.getByRole('heading', { level: 2 }).allTextContents()).filter((h) => h.includes(TEAM))).toEqual([]);

    // The team's line of the register: its overdue count before the manager's return.
    await page.goto(`${server.url}/actions`);
    await page.getByText(/^Actions by team \(\d+ teams\)$/).click(); // the list of 40 teams starts folded
    await page.getByRole('table', { name: 'Actions by team' }).getByRole('link', { name: TEAM }).click();
    await page.waitForURL(/team=\d+/);
    await page.getByText('Actions by team (1 team)').waitFor(); // the team's own figures, not the whole register's
    teamRegister = page.url();
    overdueBefore = await figure(/overdue/);
    doneBefore = await figure(/done/);
    expect(overdueBefore).toBeGreaterThan(0);
    await screenshot(page, 'actions-register-team');
    await signOut(page);
  });

  it('the manager follows the actions up on the Phase 2 page and submits', { timeout: 180_000 }, async () => {
    await signIn(page, server.url, MANAGER);
    await page.goto(`${server.url}/my-team`);
    await Promise.all([page.waitForURL(/\/responses\/\d+$/), page.getByRole('link', { name: PHASE2 }).first().click()]);
    await page.waitForSelector('[data-autosave=ready] .sd-root-modern');

    // The panel lists every open action of the team, the ones accepted a moment ago included.
    const panel = page.getByRole('region', { name: /Your open actions from Phase 1: mini-JAR matrix/ });
    await panel.waitFor();
    const listed = await panel.getByRole('row').count();
    expect(listed - 1).toBeGreaterThanOrEqual(accepted);

    // The follow-up matrix (page 2) has a row per action open when the round opened.
    await page.getByRole('button', { name: 'Next' }).click();
    const matrix = question('jar_action_progress');
    await matrix.waitFor();
    const rows = await matrix.getByRole('textbox', { name: /column Action$/ }).count();
    expect(rows).toBeGreaterThan(0);
    doneRef = await matrix.getByRole('textbox', { name: 'row 1, column Action' }).inputValue();
    expect(doneRef).toMatch(/^A-\d+$/);
    for (let row = 1; row <= rows; row++) {
      await pick(matrix, `row ${row}, column Progress`, row === 1 ? 'Done' : 'In progress');
      await enter(
        matrix.getByRole('textbox', { name: `row ${row}, column What has been done, and the evidence` }),
        row === 1 ? 'Duty log since 1 March shows it every day (browser test).' : 'Under way (browser test).',
      );
    }
    await screenshot(page, 'actions-phase2-follow-up');
    await expect.poll(() => page.getByTestId('save-status').textContent(), { timeout: 15_000 }).toMatch(/All changes saved/);
    for (let i = 0; i < 15 && !(await page.getByRole('button', { name: 'Submit to reviewers' }).isVisible()); i++) {
      await page.getByRole('button', { name: 'Next' }).click();
    }
    await page.getByRole('button', { name: 'Submit to reviewers' }).click();
    await page.getByText(/read-only unless a reviewer returns it/).waitFor({ state: 'visible', timeout: 20_000 });
    await signOut(page);
  });

  it('the reviewer sees the register change: one more done, one fewer overdue', { timeout: 60_000 }, async () => {
    await signIn(page, server.url, REVIEWER);
    await page.goto(teamRegister);
    expect(await figure(/done/)).toBe(doneBefore + 1);
    expect(await figure(/overdue/)).toBe(overdueBefore - 1);
    await page.goto(`${server.url}/actions/${doneRef.slice(2)}`);
    await page.getByText('Duty log since 1 March shows it every day (browser test).').waitFor();
    await page.getByText(/Done/).first().waitFor();
    await screenshot(page, 'actions-detail');
  });
});
