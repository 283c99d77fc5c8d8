import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { hasChromium, launchBrowser, screenshot, signIn, signOut, skipReason, startServer, type TestServer } from './helpers/browser';

// The demo's Kent-wide reviewer and auditor, West Kent's auditor (the only other auditor of a West Kent team), and
// the manager of the team audited.
const REVIEWER = 'reviewer@demo.stocktake.example';
const FIRST_AUDITOR = 'auditor@demo.stocktake.example';
const SECOND_AUDITOR = 'west.auditor@demo.stocktake.example';
const MANAGER = 'manager.sevenoaks-duty@demo.stocktake.example';
const OTHER_MANAGER = 'manager.dover-lac@demo.stocktake.example';
const TEAM = 'Sevenoaks Duty and Initial Assessment';
const ROUND = 'Practice audit: Sevenoaks duty (browser test)';
const CASES = [
  'team,case reference,kind of case,allocated worker,date opened',
  `${TEAM},SEV-E2E-1,child protection plan,A. Worker,2008-10-01`,
  `${TEAM},SEV-E2E-2,child in need,B. Worker,2008-11-12`,
  `${TEAM},SEV-E2E-3,looked after,C. Worker,2008-12-03`,
].join('\n');
const IN_A_MONTH = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);

if (!hasChromium) console.warn(skipReason);

describe.skipIf(!hasChromium)('a case-file audit from upload to the team’s response', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let roundUrl: string;
  let reference: string;

  beforeAll(async () => {
    server = await startServer();
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** SurveyJS radios are visually hidden: click the visible item of the question. */
  const choose = async (question: RegExp, answer: string) => {
    const box = page.locator('.sd-question', { has: page.locator('.sd-question__title', { hasText: question }) });
    await box.locator('.sd-item', { hasText: answer }).first().locator('.sd-item__decorator').click();
  };

  /** Answers the audit's first page and its grade, then submits it. */
  const completeAudit = async (grade: string) => {
    await page.waitForSelector('[data-autosave=ready] .sd-root-modern');
    await choose(/Which records did you read/, 'Both');
    for (let i = 0; i < 10 && !(await page.getByRole('button', { name: 'Submit to reviewers' }).isVisible()); i++) {
      await page.getByRole('button', { name: 'Next' }).click();
    }
    await choose(/Where did you find the record/, 'All of it in ICS');
    await choose(/overall grade/, grade);
    await page.getByRole('button', { name: 'Submit to reviewers' }).click();
    await page.getByText(/read-only unless a reviewer returns it/).waitFor({ state: 'visible', timeout: 20_000 });
  };

  it('the reviewer creates a case round, uploads the team’s cases and confirms the sample shown', { timeout: 120_000 }, async () => {
    await signIn(page, server.url, REVIEWER);
    await page.goto(`${server.url}/review/rounds/new`);
    await page.getByLabel('Round name').fill(ROUND);
    await page.getByLabel(/Sampled cases: a case-file audit/).check();
    await page.getByLabel(/Repeats every/).fill('12');
    await page.getByLabel('Questionnaire and version').selectOption({ label: 'Case-file audit, version 1' });
    await page.getByLabel('Due date').fill(IN_A_MONTH);
    await page.getByLabel('Teams I pick').check();
    await page.getByRole('checkbox', { name: TEAM }).check();
    await Promise.all([page.waitForURL(/\/cases$/), page.getByRole('button', { name: 'Create round' }).click()]);
    roundUrl = page.url();
    await page.getByRole('heading', { level: 1, name: ROUND }).waitFor();

    // A bad line first: nothing is added and the line is named.
    await page.getByLabel('Or paste the list').fill(`${CASES}\n${TEAM},SEV-E2E-4,adopted`);
    await page.getByRole('button', { name: 'Add cases' }).click();
    await page.getByText(/Line 5: "adopted" is not a kind of case/).waitFor();
    await page.getByLabel('Or paste the list').fill(CASES);
    await page.getByRole('button', { name: 'Add cases' }).click();
    await page.getByText('3 cases added to the round’s list.').waitFor();

    await page.getByLabel('Seed', { exact: true }).fill('sevenoaks-2009');
    await page.getByLabel('Number of cases per team').fill('1');
    await page.getByRole('button', { name: 'Show the sample' }).click();
    const preview = page.getByRole('table', { name: /The sample this rule draws: 1 case \(/ });
    await preview.waitFor();
    reference = (await preview.getByRole('cell', { name: /SEV-E2E-\d/ }).textContent())!.match(/SEV-E2E-\d/)![0];
    await screenshot(page, 'case-round-sample');
    await page.getByRole('button', { name: /Confirm this sample \(1 case\)/ }).click();
    await page.getByText('Sample confirmed: 1 audit opened.').waitFor();
    await page.getByRole('table', { name: 'Every sampled case and its audits' }).getByRole('link', { name: reference }).waitFor();
    await signOut(page);
  });

  it('an auditor takes the audit on and completes it; a manager who is not theirs sees nothing', { timeout: 120_000 }, async () => {
    await signIn(page, server.url, FIRST_AUDITOR);
    await expect.poll(() => page.url()).toMatch(/\/audits$/);
    const waiting = page.getByRole('table', { name: 'Audits nobody has taken on yet' });
    await Promise.all([page.waitForURL(/\/responses\/\d+$/), waiting.getByRole('button', { name: `Take on the audit of case ${reference}` }).click()]);
    await page.getByText(new RegExp(`${reference} \\(`)).waitFor();
    await completeAudit('Adequate');
    const auditPath = new URL(page.url()).pathname.replace('/responses/', '/audits/');
    await screenshot(page, 'case-audit-submitted');
    await signOut(page);

    // The manager of another team: not on their list, and its address is a 404.
    await signIn(page, server.url, OTHER_MANAGER);
    await page.goto(`${server.url}/audits`);
    await page.getByRole('heading', { level: 1, name: 'Case audits' }).waitFor();
    expect(await page.getByText(reference).count()).toBe(0);
    const refused = await page.goto(`${server.url}${auditPath}`);
    expect(refused?.status()).toBe(404);
    await signOut(page);
  });

  it('the reviewer sends it for a second audit, which another auditor completes blind', { timeout: 120_000 }, async () => {
    await signIn(page, server.url, REVIEWER);
    await page.goto(roundUrl);
    await page.getByLabel(/Share of completed audits to moderate/).fill('100');
    await page.getByRole('button', { name: 'Send for a second audit' }).click();
    await page.getByText('1 of 1 completed audits sent for a second, blind audit.').waitFor();
    await signOut(page);

    await signIn(page, server.url, SECOND_AUDITOR);
    const mine = page.getByRole('table', { name: 'Audits you are doing or have done' });
    const row = mine.getByRole('row', { name: new RegExp(`${reference}.*Second audit`) });
    await Promise.all([page.waitForURL(/\/responses\/\d+$/), row.getByRole('link').click()]);
    await page.getByText(/second audit for moderation: done without seeing the first/).waitFor();
    await completeAudit('Inadequate');
    await signOut(page);
  });

  it('the reviewer sees the agreement, the disagreement side by side, and records the moderated answer', { timeout: 120_000 }, async () => {
    await signIn(page, server.url, REVIEWER);
    await page.goto(roundUrl);
    const agreement = page.getByRole('table', { name: 'Agreement between the two audits, question by question' });
    const grade = agreement.getByRole('row', { name: /overall grade/ });
    await expect.poll(() => grade.textContent()).toMatch(/1\s*0\s*0%/);
    const disagreement = page.getByRole('row', { name: new RegExp(`${reference}.*overall grade.*Adequate.*Inadequate`) });
    await disagreement.getByLabel(/Moderated answer for/).selectOption({ label: 'Inadequate' });
    await disagreement.getByLabel(/Note for/).fill('No strategy discussion with the police on file.');
    await disagreement.getByRole('button', { name: 'Record' }).click();
    await page.getByText(/Moderated answer recorded/).waitFor();
    await page.getByRole('row', { name: /No strategy discussion with the police on file/ }).waitFor();
    await screenshot(page, 'case-round-moderation');
    await signOut(page);
  });

  it('the team’s manager reads the completed audit and adds the team’s response', { timeout: 120_000 }, async () => {
    await signIn(page, server.url, MANAGER);
    await page.goto(`${server.url}/audits`);
    const completed = page.getByRole('table', { name: /Completed audits of your team’s cases/ });
    await Promise.all([page.waitForURL(/\/audits\/\d+$/), completed.getByRole('link', { name: new RegExp(reference) }).click()]);
    await page.getByRole('heading', { level: 1, name: `Audit of case ${reference}` }).waitFor();
    await page.getByLabel('I partly agree').check();
    await page.getByLabel('Your response, and why').fill('The police strategy discussion is minuted on the paper file.');
    await page.getByRole('button', { name: 'Add response' }).click();
    await page.getByText('Your response has been added.').waitFor();
    await page.getByText('The police strategy discussion is minuted on the paper file.').waitFor();
    await screenshot(page, 'case-audit-team-response');
    await signOut(page);
  });

  it('the reviewer reads the demo audit’s figures: standards met, grades and exceptions, with tables beside the charts', { timeout: 120_000 }, async () => {
    await signIn(page, server.url, REVIEWER);
    await page.getByRole('link', { name: 'Practice audit 2009 (synthetic)' }).click();
    await Promise.all([page.waitForURL(/\/case-figures$/), page.getByRole('link', { name: /Figures: standards met/ }).click()]);
    await page.getByRole('heading', { level: 1, name: 'Case-file audit figures: Practice audit 2009 (synthetic)' }).waitFor();
    // Charts are drawn as images with a text summary, each beside its table.
    await page.getByRole('img', { name: /Cases meeting each standard/ }).waitFor();
    await page.getByRole('table', { name: 'Cases per standard' }).waitFor();
    await screenshot(page, 'case-figures');
    await page
      .getByRole('link', { name: /Year on year/ })
      .first()
      .click();
    await page.getByRole('heading', { level: 1 }).waitFor();
    await screenshot(page, 'case-trend');
  });
});
