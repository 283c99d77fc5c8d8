import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import type { Executor } from '../db/index';
import { createRound } from '../app/models/rounds.server';
import { hasChromium, launchBrowser, screenshot, signIn, skipReason, startServer, type TestServer } from './helpers/browser';
import { answerEveryType, EVERY_TYPE_SURVEYS } from './helpers/every-type';
import { createArea, createTeam, createUser, publishFixtureSurveys, TEST_PASSWORD } from './helpers/factories';

// A manager answers every answer-holding question type (tests/fixtures/surveys-types/every-type v1) in Chromium, with
// autosave, and finds every answer again after a reload: the answers the browser saves are exactly those survey-core's
// own question objects give for the same input (tests/helpers/every-type.ts).

if (!hasChromium) console.warn(skipReason);

describe.skipIf(!hasChromium)('a manager answers every question type in the browser', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let managerEmail = '';
  const consoleErrors: string[] = [];
  const saves: Array<{ status: number; body: string }> = [];

  /** Publishes the fixture questionnaire and opens a round of it for a team of its own, whose manager signs in. */
  async function openRoundOfEveryType(db: Executor) {
    const versions = await publishFixtureSurveys(db, EVERY_TYPE_SURVEYS);
    const area = await createArea(db, 'Snapshot area');
    const team = await createTeam(db, area.id, 'duty-initial-assessment', 'Snapshot duty team');
    const manager = await createUser(db, 'manager', { teamId: team.id }, 'Manager, Snapshot duty team');
    managerEmail = manager.email;
    await createRound(
      db,
      { name: 'Practice snapshot, February', questionnaireVersionId: versions['every-type@1'], dueDate: '2099-02-28', teamIds: [team.id] },
      null,
    );
  }

  beforeAll(async () => {
    server = await startServer({}, { seed: false, prepare: openRoundOfEveryType });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.addInitScript(() =>
      document.addEventListener('securitypolicyviolation', (event) => console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`)),
    );
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`uncaught: ${error.message}`));
    page.on('response', (response) => {
      if (response.request().method() === 'PATCH') saves.push({ status: response.status(), body: response.request().postData() ?? '' });
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const question = (name: string) => page.locator(`[data-name="${name}"]`);
  /** The text box of a chosen "Other" item, and a question's comment area. */
  const otherText = (scope: Locator) => scope.locator('.form-group textarea');
  const commentArea = (scope: Locator) => scope.locator('.sd-question__form-group textarea');
  const item = (scope: Locator, text: string) => scope.locator('.sd-item', { hasText: text }).locator('.sd-item__decorator');
  const status = () => page.getByTestId('save-status');

  /**
   * Types a value as the manager does: into the focused field, then leaves it (SurveyJS takes an email, a date, a colour…
   * when the field is left). Focused first: SurveyJS redraws a field as it takes focus.
   */
  async function enter(field: Locator, value: string) {
    await field.focus();
    await field.fill(value);
    await field.blur();
    await expect.poll(() => field.inputValue()).toBe(value);
  }

  /**
   * Opens the dropdown (or tag box) of a question or cell, named by its label, and picks an option by its text. The
   * field is scrolled to the middle first: SurveyJS closes an open list when the page scrolls, as it would to reach an
   * option below the window.
   */
  async function pick(scope: Locator, label: string | null, option: string) {
    const control = label ? scope.locator('.sd-dropdown', { has: page.getByRole('combobox', { name: label }) }) : scope.locator('.sd-dropdown');
    await control.evaluate((element) => element.scrollIntoView({ block: 'center' }));
    await control.click();
    await page.getByRole('option', { name: option, exact: true }).click();
  }

  async function press(field: Locator, key: string, times: number) {
    await field.focus();
    for (let i = 0; i < times; i++) await page.keyboard.press(key);
  }

  const next = () => page.getByRole('button', { name: 'Next' }).click();
  const previous = () => page.getByRole('button', { name: 'Previous' }).click();
  const responseId = () => Number(new URL(page.url()).pathname.split('/')[2]);
  const saved = async () =>
    (await page.evaluate(async (id) => (await fetch(`/api/v1/responses/${id}`)).json(), responseId())) as { data: Record<string, unknown> };
  const allSaved = () => expect.poll(() => status().textContent(), { timeout: 15_000 }).toMatch(/All changes saved at \d\d:\d\d/);

  it('answers every type, adding and removing rows and panels, with every change saved as it goes', { timeout: 240_000 }, async () => {
    await signIn(page, server.url, managerEmail, TEST_PASSWORD);
    await page.getByRole('link', { name: 'Practice snapshot, February' }).click();
    await page.waitForSelector('[data-autosave=ready] .sd-root-modern');

    // Page 1: every input type, a comment, two sliders; the expression follows the number of open cases.
    const input = (name: string) => question(name).locator('input, textarea').first();
    await enter(input('snapshot_date'), '2009-02-01');
    await enter(input('meeting_start'), '2009-02-01T09:30');
    await enter(input('duty_starts'), '08:45');
    await enter(input('busiest_month'), '2009-01');
    await enter(input('audit_week'), '2009-W05');
    await enter(input('duty_email'), 'duty@example.org');
    // Typing goes on while an earlier answer is being saved: the saved status redraws the page, never the typing.
    const pressuresSaved = page.waitForResponse((r) => r.request().method() === 'PATCH' && (r.request().postData() ?? '').includes('pressures'));
    await input('pressures').fill('Two workers on long-term sick leave (synthetic).');
    await input('duty_phone').click();
    await page.keyboard.type('01234 567890');
    await pressuresSaved;
    await allSaved();
    expect(await input('duty_phone').inputValue()).toBe('01234 567890');
    await input('duty_phone').blur();
    await enter(input('procedures_link'), 'https://example.org/procedures');
    await enter(input('open_cases'), '42');
    await enter(input('confidence'), '70');
    await enter(input('team_colour'), '#336699');
    await press(question('agency_share').getByRole('slider'), 'ArrowRight', 20);
    await press(question('caseload_band').getByRole('slider').nth(0), 'ArrowRight', 12);
    await press(question('caseload_band').getByRole('slider').nth(1), 'ArrowLeft', 10);
    await expect.poll(() => question('cases_if_shared').locator('.sd-expression').textContent()).toBe('21');
    await screenshot(page, 'every-type-inputs');

    // Page 2: "Other" with its text, "None" then "Select all", custom choices, special items, a ranking by keyboard.
    await next();
    // "Other" is saved on its own, its text typed after a pause: the choice must not be refused for lacking it.
    const otherSaved = page.waitForResponse((r) => r.request().method() === 'PATCH' && (r.request().postData() ?? '').includes('"referral_route":"other"'));
    await pick(question('referral_route'), null, 'Other (describe)');
    expect((await otherSaved).status()).toBe(200);
    await otherText(question('referral_route')).fill('Anonymous callers');
    await item(question('threshold_view'), 'Other (describe)').click();
    await otherText(question('threshold_view')).fill('Depends on the duty manager');
    await commentArea(question('threshold_view')).fill('More referrals are stepped down');
    const agencies = question('agencies_checked');
    await item(agencies, 'None').click();
    await item(agencies, 'Select All').click();
    for (const unticked of ['Health visitor or GP', 'School', 'Probation']) await item(agencies, unticked).click();
    await item(agencies, 'Other (describe)').click();
    await otherText(agencies).fill('Youth offending team');
    await item(question('strategy_attendees'), 'Police').click();
    await item(question('strategy_attendees'), 'Health visitor or GP').click();
    await pick(question('training_needs'), null, 'Court skills');
    await page.keyboard.type('Chairing meetings');
    await page.getByRole('option', { name: 'Create "Chairing meetings" item...' }).click();
    await page.keyboard.press('Escape');
    await pick(question('ics_problem'), null, "Don't know");
    await item(question('worst_delay'), 'Core assessments').click(); // shown because there are more than 10 open cases
    await question('duty_rota_full').locator('.sd-boolean__label', { hasText: 'No' }).click();
    await question('ics_used').locator('.sd-boolean__label', { hasText: 'Yes' }).click();
    await question('morale').getByText('3', { exact: true }).click();
    await commentArea(question('morale')).fill('Better since January');
    await commentArea(question('morale')).blur();
    await press(question('priorities').locator('.sv-ranking-item', { hasText: 'Recording' }), 'ArrowUp', 1);
    await question('office_layout').locator('.sd-imagepicker__item', { hasText: 'Open plan' }).click();
    await question('rooms_used').locator('.sd-imagepicker__item', { hasText: 'Family room' }).click();
    await question('rooms_used').locator('.sd-imagepicker__item', { hasText: 'Interview room' }).click();
    await enter(question('manager_note').locator('input'), 'Synthetic answers for a test.');
    await screenshot(page, 'every-type-choices');

    // Page 3: matrix cells, "Other" in a cell, totals, a dynamic matrix with a row added by mistake and removed, and
    // a row's detail panel.
    await next();
    await question('recording').locator('label:has(input[aria-label="row Chronology, column Partly"])').click();
    await question('recording').locator('label:has(input[aria-label="row Plan, column Complete"])').click();
    const workers = question('workers');
    await enter(workers.getByLabel('row Qualified, column How many'), '6');
    await pick(workers, 'row Qualified, column Cover', 'Other (describe)');
    await workers.getByRole('textbox', { name: 'row Qualified, column Cover' }).fill('Seconded');
    await item(workers.getByRole('group', { name: 'row Qualified, column Duties' }), 'Duty').click();
    await workers
      .getByRole('switch', { name: 'row Qualified, column Supervised monthly' })
      .locator('..')
      .locator('.sd-boolean__label', { hasText: 'Yes' })
      .click();
    await enter(question('contacts_month').getByLabel('Received'), '120');
    await enter(question('contacts_month').getByLabel('Note'), 'Half from schools');
    const log = question('supervision_log');
    await log.getByRole('button', { name: 'Add a session' }).click();
    await log.getByRole('button', { name: 'Add a session' }).click();
    await expect.poll(() => log.getByRole('button', { name: 'Remove' }).count()).toBe(3);
    await enter(log.getByRole('textbox', { name: 'row 1, column Worker' }), 'Worker A');
    await enter(log.getByLabel('row 1, column Minutes'), '60');
    await pick(log, 'row 1, column Kind', 'Other (describe)');
    await log.getByRole('textbox', { name: 'row 1, column Kind' }).fill('Group supervision');
    await enter(log.getByRole('textbox', { name: 'row 2, column Worker' }), 'Worker B');
    await enter(log.getByLabel('row 2, column Minutes'), '45');
    await log.getByRole('switch', { name: 'row 2, column Recorded on file' }).locator('..').locator('.sd-boolean__label', { hasText: 'No' }).click();
    await log.getByRole('button', { name: 'Remove' }).nth(2).click();
    await expect.poll(() => log.getByRole('button', { name: 'Remove' }).count()).toBe(2);
    await log.getByRole('button', { name: 'Show Details' }).first().click();
    await enter(log.getByRole('textbox', { name: 'Actions agreed' }), 'Review the plan');
    await screenshot(page, 'every-type-matrices');

    // Page 4: a dynamic panel with a nested dynamic matrix; a panel added by mistake is removed.
    await next();
    const children = question('children');
    const panels = children.locator('.sd-paneldynamic__panel-wrapper');
    await children.getByRole('button', { name: 'Add a child' }).click();
    await children.getByRole('button', { name: 'Add a child' }).click();
    await expect.poll(() => panels.count()).toBe(3);
    const first = panels.nth(0);
    await enter(first.getByRole('textbox', { name: 'Case reference' }), 'C-0001');
    await enter(first.getByRole('spinbutton', { name: 'Age' }), '4');
    await item(first, 'Other (describe)').click();
    await otherText(first).fill('Too young to be seen alone');
    await item(first, 'None').click();
    await enter(first.getByLabel('row 1, column Date'), '2009-02-02');
    await enter(first.getByRole('textbox', { name: 'row 1, column By' }), 'Worker A');
    const second = panels.nth(1);
    await enter(second.getByRole('textbox', { name: 'Case reference' }), 'C-0002');
    await enter(second.getByRole('spinbutton', { name: 'Age' }), '11');
    await item(second, 'Yes').click();
    await item(second, 'Child protection plan').click();
    await item(second, 'Child in need plan').click();
    await panels.nth(2).locator('.sd-paneldynamic__remove-btn').click();
    await expect.poll(() => panels.count()).toBe(2);
    await expect.poll(() => first.locator('[data-name="age_band"] .sd-expression').textContent()).toBe('under 5');
    await screenshot(page, 'every-type-children');

    // Saved: exactly what survey-core's own question objects hold for the same answers, computed values included.
    await allSaved();
    const expected = JSON.parse(JSON.stringify(answerEveryType().data));
    expect((await saved()).data).toEqual(expected);
    // Sent by autosave as they changed: comments and "Other" texts, totals, computed values, whole dynamic values.
    const sent = new Set(saves.flatMap((save) => Object.keys(JSON.parse(save.body).set)));
    for (const key of ['referral_route-Comment', 'threshold_view-Comment', 'morale-Comment', 'workers-total', 'supervision_log-total', 'cases_if_shared'])
      expect(sent).toContain(key);
    expect(sent).toContain('supervision_log');
    expect(sent).toContain('children');
    expect(saves.filter((save) => save.status !== 200)).toEqual([]);
  });

  it('shows every answer again after a reload, as saved', { timeout: 120_000 }, async () => {
    await page.reload();
    await page.waitForSelector('[data-autosave=ready] .sd-root-modern');
    const expected = JSON.parse(JSON.stringify(answerEveryType().data));
    expect((await saved()).data).toEqual(expected);
    for (let n = 0; n < 3; n++) await previous(); // it reopens on the page left, the last

    const value = (name: string) => question(name).locator('input, textarea').first().inputValue();
    expect({
      snapshot_date: await value('snapshot_date'),
      meeting_start: await value('meeting_start'),
      duty_starts: await value('duty_starts'),
      busiest_month: await value('busiest_month'),
      audit_week: await value('audit_week'),
      duty_email: await value('duty_email'),
      duty_phone: await value('duty_phone'),
      procedures_link: await value('procedures_link'),
      open_cases: await value('open_cases'),
      confidence: await value('confidence'),
      team_colour: await value('team_colour'),
      pressures: await value('pressures'),
      agency_share: await question('agency_share').getByRole('slider').inputValue(),
      caseload_band: await question('caseload_band')
        .getByRole('slider')
        .evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value)),
      cases_if_shared: await question('cases_if_shared').locator('.sd-expression').textContent(),
    }).toEqual({
      snapshot_date: '2009-02-01',
      meeting_start: '2009-02-01T09:30',
      duty_starts: '08:45',
      busiest_month: '2009-01',
      audit_week: '2009-W05',
      duty_email: 'duty@example.org',
      duty_phone: '01234 567890',
      procedures_link: 'https://example.org/procedures',
      open_cases: '42',
      confidence: '70',
      team_colour: '#336699',
      pressures: 'Two workers on long-term sick leave (synthetic).',
      agency_share: '20',
      caseload_band: ['12', '30'],
      cases_if_shared: '21',
    });

    await next();
    const ticked = async (scope: Locator) =>
      scope.locator('input[type=checkbox]:checked, input[type=radio]:checked').evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
    expect({
      referral_route: await question('referral_route').locator('.sd-dropdown__input').textContent(),
      referral_other: await otherText(question('referral_route')).inputValue(),
      threshold_view: await ticked(question('threshold_view')),
      threshold_other: await otherText(question('threshold_view')).inputValue(),
      threshold_comment: await commentArea(question('threshold_view')).inputValue(),
      agencies_checked: await ticked(question('agencies_checked')),
      agencies_other: await otherText(question('agencies_checked')).inputValue(),
      strategy_attendees: await ticked(question('strategy_attendees')),
      training_needs: await question('training_needs').locator('.sd-tagbox-item__text').allTextContents(),
      ics_problem: await question('ics_problem').locator('.sd-dropdown__input').textContent(),
      worst_delay: await ticked(question('worst_delay')),
      duty_rota_full: await question('duty_rota_full').locator('label').getAttribute('class'),
      ics_used: await question('ics_used').getByRole('switch').isChecked(),
      morale: await ticked(question('morale')),
      morale_comment: await commentArea(question('morale')).inputValue(),
      priorities: await question('priorities').locator('.sv-ranking-item__text').allTextContents(),
      office_layout: await ticked(question('office_layout')),
      rooms_used: await ticked(question('rooms_used')),
      manager_note: await question('manager_note').locator('input').inputValue(),
    }).toEqual({
      referral_route: 'Other (describe)',
      referral_other: 'Anonymous callers',
      threshold_view: ['other'],
      threshold_other: 'Depends on the duty manager',
      threshold_comment: 'More referrals are stepped down',
      agencies_checked: ['police', 'other'],
      agencies_other: 'Youth offending team',
      strategy_attendees: ['police', 'health'],
      training_needs: ['Court skills', 'Chairing meetings'],
      ics_problem: "Don't know",
      worst_delay: ['core'],
      duty_rota_full: expect.not.stringMatching(/indeterminate|checked/),
      ics_used: true,
      morale: ['3'],
      morale_comment: 'Better since January',
      priorities: ['Recording', 'Timeliness', 'Supervision'],
      office_layout: ['open'],
      rooms_used: ['family', 'interview'],
      manager_note: 'Synthetic answers for a test.',
    });

    await next();
    const workers = question('workers');
    const log = question('supervision_log');
    await log.getByRole('button', { name: 'Show Details' }).first().click();
    expect({
      recording: await ticked(question('recording')),
      count: await workers.getByLabel('row Qualified, column How many').inputValue(),
      cover: await workers.getByRole('combobox', { name: 'row Qualified, column Cover' }).locator('..').textContent(),
      coverOther: await workers.getByRole('textbox', { name: 'row Qualified, column Cover' }).inputValue(),
      duties: await ticked(workers.getByRole('group', { name: 'row Qualified, column Duties' })),
      supervised: await workers.getByRole('switch', { name: 'row Qualified, column Supervised monthly' }).isChecked(),
      contacts: [await question('contacts_month').getByLabel('Received').inputValue(), await question('contacts_month').getByLabel('Note').inputValue()],
      sessions: await log.getByRole('button', { name: 'Remove' }).count(),
      workersNamed: [
        await log.getByRole('textbox', { name: 'row 1, column Worker' }).inputValue(),
        await log.getByRole('textbox', { name: 'row 2, column Worker' }).inputValue(),
      ],
      kindOther: await log.getByRole('textbox', { name: 'row 1, column Kind' }).inputValue(),
      actions: await log.getByRole('textbox', { name: 'Actions agreed' }).inputValue(),
    }).toEqual({
      recording: ['part', 'full'],
      count: '6',
      cover: 'Other (describe)',
      coverOther: 'Seconded',
      duties: ['duty'],
      supervised: true,
      contacts: ['120', 'Half from schools'],
      sessions: 2,
      workersNamed: ['Worker A', 'Worker B'],
      kindOther: 'Group supervision',
      actions: 'Review the plan',
    });

    await next();
    const panels = question('children').locator('.sd-paneldynamic__panel-wrapper');
    const first = panels.nth(0);
    expect({
      panels: await panels.count(),
      references: [
        await first.getByRole('textbox', { name: 'Case reference' }).inputValue(),
        await panels.nth(1).getByRole('textbox', { name: 'Case reference' }).inputValue(),
      ],
      seenAlone: await ticked(first.locator('[data-name="seen_alone"]')),
      seenAloneOther: await otherText(first).inputValue(),
      plans: [await ticked(first.locator('[data-name="plans"]')), await ticked(panels.nth(1).locator('[data-name="plans"]'))],
      visit: await first.getByLabel('row 1, column Date').inputValue(),
      ageBands: await question('children').locator('[data-name="age_band"] .sd-expression').allTextContents(),
    }).toEqual({
      panels: 2,
      references: ['C-0001', 'C-0002'],
      seenAlone: ['other'],
      seenAloneOther: 'Too young to be seen alone',
      plans: [['none'], ['cp', 'cin']],
      visit: '2009-02-02',
      ageBands: ['under 5', '5 or over'],
    });
  });

  it('saved nothing that was refused, and logged no error and no CSP violation', () => {
    expect(saves.filter((save) => save.status !== 200)).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });
});
