import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonb } from '../db/json';
import type { CurrentUser } from '../app/models/users.server';
import { loadRegistry, publishRegistry } from '../app/models/registry.server';
import {
  diffVersions,
  filterDiff,
  loadVersionDiff,
  parseVersionDiffQuery,
  type DiffSide,
  type DiffStep,
  type ElementDiff,
  type VersionDiff,
} from '../app/models/version-diff.server';
import type { Change } from '../app/models/version-diff-kinds';
import { loader as listLoader } from '../app/routes/review.questionnaires._index';
import { loader as diffLoader } from '../app/routes/review.questionnaires.$slug.diff';
import { loader as previewLoader } from '../app/routes/review.questionnaires.$slug.v.$version.preview';
import { onPostgres, useTestDatabase, type TestDatabase } from './helpers/db';
import { callRoute, createArea, createTeam, createUser, publishFixtureSurveys, sessionHeaders } from './helpers/factories';

/*
 * The diff of two questionnaire versions (app/models/version-diff.server.ts): the real team self-assessment, version
 * 1 to 2, against what its meta.json and change notes say changed; the pure diff on small hand-written definitions;
 * the three pages through their loaders, with their refusals.
 */

const SLUG = 'team-self-assessment';

// --- helpers -----------------------------------------------------------------------------------------------------

const elements = (diff: VersionDiff): ElementDiff[] => diff.pages.flatMap((p) => p.elements);
const element = (diff: VersionDiff, name: string): ElementDiff => {
  const found = elements(diff).find((e) => e.name === name);
  expect(found, `${name} is in the diff`).toBeDefined();
  return found!;
};
const change = (e: ElementDiff, property: string): Change => {
  const found = e.changes.find((c) => c.property === property);
  expect(found, `${e.name}: a change of ${property}`).toBeDefined();
  return found!;
};
const textOf = (shown: Change['old']) => (shown && 'text' in shown ? shown.text : null);
const itemsOf = (shown: Change['old']) => (shown && 'items' in shown ? shown.items.map((i) => [i.text, i.status]) : null);
const marked = (shown: Change['old']) => (shown && 'text' in shown ? (shown.parts ?? []).filter((p) => p.status !== 'same').map((p) => p.text.trim()) : null);

/** A one-page questionnaire, or pages given as name → elements. */
function side(version: number, pages: Record<string, unknown[]>, extra: Record<string, unknown> = {}, roles?: Record<string, string>): DiffSide {
  return {
    version,
    roles,
    definition: { title: 'Small questionnaire', ...extra, pages: Object.entries(pages).map(([name, els]) => ({ name, title: `Page ${name}`, elements: els })) },
  };
}
const step = (from: number, to: number, mapping: Partial<DiffStep> = {}): DiffStep => ({ from, to, renamed: {}, removed: [], ...mapping });

// --- the pure diff ------------------------------------------------------------------------------------------------

describe('diffVersions on hand-written definitions', () => {
  it('says a question moved to another page, naming both pages, and lists the page added', () => {
    const before = side(1, {
      one: [
        { type: 'text', name: 'a', title: 'A' },
        { type: 'text', name: 'b', title: 'B' },
      ],
    });
    const after = side(2, { one: [{ type: 'text', name: 'a', title: 'A' }], two: [{ type: 'text', name: 'b', title: 'B' }] });
    const diff = diffVersions(before, after);
    const b = element(diff, 'b');
    expect(b.kinds).toEqual(['moved']);
    expect([textOf(change(b, 'page').old), textOf(change(b, 'page').new)]).toEqual(['Page one', 'Page two']);
    expect(diff.pages.map((p) => [p.name, p.status])).toEqual([['two', 'added']]);
    expect(diff.summary).toMatchObject({ moved: 1, added: 0, removed: 0, elements: 1, pages: 1 });
    expect(elements(diff).some((e) => e.name === 'a')).toBe(false); // unchanged questions are not listed
  });

  it('shows changed choices item by item: kept, removed and added (with their text)', () => {
    const before = side(1, { p: [{ type: 'radiogroup', name: 'q', choices: ['a', 'b'] }] });
    const after = side(2, { p: [{ type: 'radiogroup', name: 'q', choices: ['a', { value: 'c', text: 'Cee' }] }] });
    const choices = change(element(diffVersions(before, after), 'q'), 'choices');
    expect(choices.kind).toBe('choices');
    expect(itemsOf(choices.old)).toEqual([
      ['a', 'same'],
      ['b', 'removed'],
    ]);
    expect(itemsOf(choices.new)).toEqual([
      ['a', 'same'],
      ['Cee (c)', 'added'],
    ]);
  });

  it('shows a changed condition as code, old beside new, with the changed words marked', () => {
    const before = side(1, {
      p: [
        { type: 'text', name: 'x' },
        { type: 'comment', name: 'why', visibleIf: '{x} > 1' },
      ],
    });
    const after = side(2, {
      p: [
        { type: 'text', name: 'x' },
        { type: 'comment', name: 'why', visibleIf: '{x} > 5' },
      ],
    });
    const why = element(diffVersions(before, after), 'why');
    const condition = change(why, 'visibleIf');
    expect(condition).toMatchObject({ kind: 'conditions', label: 'Shown if', old: { text: '{x} > 1', code: true }, new: { text: '{x} > 5', code: true } });
    expect([marked(condition.old), marked(condition.new)]).toEqual([['1'], ['5']]);
  });

  it('shows a changed validator as the old check removed and the new one added, in words', () => {
    const check = (max: number) => ({ type: 'numeric', minValue: 0, maxValue: max, text: `Enter 0 to ${max}.` });
    const before = side(1, { p: [{ type: 'text', name: 'n', inputType: 'number', validators: [check(10)] }] });
    const after = side(2, { p: [{ type: 'text', name: 'n', inputType: 'number', validators: [check(20)] }] });
    const validators = change(element(diffVersions(before, after), 'n'), 'validators');
    expect(validators.kind).toBe('validators');
    expect(itemsOf(validators.old)).toEqual([['a number from 0 to 10, else “Enter 0 to 10.”', 'removed']]);
    expect(itemsOf(validators.new)).toEqual([['a number from 0 to 20, else “Enter 0 to 20.”', 'added']]);
  });

  it('lists a matrix column’s own changes after the columns, labelled with the column', () => {
    const column = (max: number) => ({ name: 'cases', title: 'Cases', cellType: 'text', validators: [{ type: 'numeric', minValue: 0, maxValue: max }] });
    const before = side(1, { p: [{ type: 'matrixdropdown', name: 'm', columns: [column(10), { name: 'old', title: 'Old' }], rows: ['r'] }] });
    const after = side(2, { p: [{ type: 'matrixdropdown', name: 'm', columns: [column(99)], rows: ['r'] }] });
    const m = element(diffVersions(before, after), 'm');
    expect(m.changes.map((c) => [c.kind, c.label])).toEqual([
      ['columns', 'Columns'],
      ['validators', 'Column “Cases”: Checks'],
    ]);
    expect(itemsOf(m.changes[0].old)).toEqual([
      ['Cases (cases), text', 'changed'],
      ['Old (old)', 'removed'],
    ]);
    expect(m.changes[0].old && 'items' in m.changes[0].old ? m.changes[0].old.items[0].changed : null).toEqual(['validators']);
    expect([itemsOf(m.changes[1].old), itemsOf(m.changes[1].new)]).toEqual([[['a number from 0 to 10', 'removed']], [['a number from 0 to 99', 'added']]]);
    expect(m.kinds).toEqual(['columns', 'validators']);
  });

  it('follows renames and removals through several mappings, and says in which version each happened', () => {
    const before = side(1, {
      p: [
        { type: 'text', name: 'a' },
        { type: 'text', name: 'gone' },
        { type: 'text', name: 'later_gone' },
      ],
    });
    const after = side(3, {
      p: [
        { type: 'text', name: 'c' },
        { type: 'text', name: 'gone' },
      ],
    });
    const steps = [step(1, 2, { renamed: { a: 'b' }, removed: ['gone'] }), step(2, 3, { renamed: { b: 'c' }, removed: ['later_gone'] })];
    const diff = diffVersions(before, after, steps);
    const c = element(diff, 'c');
    expect(c).toMatchObject({ oldName: 'a', newName: 'c', status: 'kept', kinds: ['renamed'] });
    expect(c.changes.map((x) => [x.label, textOf(x.old), textOf(x.new)])).toEqual([
      ['Renamed in version 2', 'a', 'b'],
      ['Renamed in version 3', 'b', 'c'],
    ]);
    // "gone" was removed in version 2; version 3's "gone" is another question that happens to share the name.
    const removed = elements(diff).filter((e) => e.status === 'removed');
    expect(removed.map((e) => [e.name, textOf(e.changes[0].new)])).toEqual([
      ['gone', 'Removed in version 2 (listed in its mapping)'],
      ['later_gone', 'Removed in version 3 (listed in its mapping)'],
    ]);
    expect(
      elements(diff)
        .filter((e) => e.status === 'added')
        .map((e) => e.name),
    ).toEqual(['gone']);
  });

  it('without a mapping, matches by name: a question simply absent is removed, "not in" the later version', () => {
    const diff = diffVersions(side(1, { p: [{ type: 'text', name: 'old' }] }), side(2, { p: [{ type: 'text', name: 'new' }] }));
    expect(elements(diff).map((e) => [e.name, e.status, textOf(e.changes[0].new)])).toEqual([
      ['new', 'added', 'new'], // the title, or the name when it has none
      ['old', 'removed', 'Not in version 2'],
    ]);
  });

  it('marks the questions a mapping asks again, with its reason', () => {
    const before = side(1, {
      p: [
        { type: 'text', name: 'count_2008' },
        { type: 'text', name: 'kept' },
      ],
    });
    const after = side(2, {
      p: [
        { type: 'text', name: 'count' },
        { type: 'text', name: 'kept' },
      ],
    });
    const steps = [step(1, 2, { renamed: { count_2008: 'count' }, askAgain: { count: 'Now counts 2009.' } })];
    const diff = diffVersions(before, after, steps);
    const count = element(diff, 'count');
    expect(count.kinds).toEqual(['renamed', 'asked-again']);
    expect(textOf(change(count, 'askAgain').new)).toBe('Earlier answers are not carried forward: the period asked about changed. Now counts 2009.');
    expect(textOf(change(count, 'askAgain').old)).toBe('Answered in version 1');
    expect(diff.summary['asked-again']).toBe(1);
    expect(elements(diffVersions(before, after, [step(1, 2, { renamed: { count_2008: 'count' } })])).flatMap((e) => e.kinds)).toEqual(['renamed']);
  });

  it('does not list what only follows a rename, layout, or an unset value written out as its default', () => {
    const before = side(1, {
      p: [
        { type: 'text', name: 'a' },
        { type: 'comment', name: 'why', visibleIf: "{a} = 'x'", maxWidth: '20%', rows: 3 },
      ],
    });
    const after = side(2, {
      p: [
        { type: 'text', name: 'b' },
        { type: 'comment', name: 'why', visibleIf: "{b} = 'x'", maxWidth: '40%', rows: 6, isRequired: false },
      ],
    });
    const diff = diffVersions(before, after, [step(1, 2, { renamed: { a: 'b' } })]);
    expect(elements(diff).map((e) => [e.name, e.kinds])).toEqual([['b', ['renamed']]]);
  });

  it('lists a question hidden outright (visible is true when unset)', () => {
    const before = side(1, { p: [{ type: 'text', name: 'a' }] });
    const after = side(2, { p: [{ type: 'text', name: 'a', visible: false }] });
    const visible = change(element(diffVersions(before, after), 'a'), 'visible');
    expect([visible.kind, textOf(visible.old), textOf(visible.new)]).toEqual(['conditions', 'Yes', 'No']);
    expect(elements(diffVersions(before, side(2, { p: [{ type: 'text', name: 'a', visible: true }] })))).toEqual([]);
  });

  it('lists topic and role changes (roles as published), type and input, wording, and the pages’ and questionnaire’s own', () => {
    const before = side(
      1,
      { p: [{ type: 'text', name: 'n', title: 'Staff', topic: 'staffing', inputType: 'number', min: 0 }] },
      { description: 'Phase 1' },
      { n: 'staffing-vacant' },
    );
    const after = side(
      2,
      { p: [{ type: 'text', name: 'n', title: 'Staff in post', topic: 'workforce', inputType: 'number', min: 1 }] },
      { description: 'Phase 2' },
      { n: 'staffing-establishment' },
    );
    (after.definition.pages as Array<Record<string, unknown>>)[0].description = 'New page text';
    const diff = diffVersions(before, after);
    const n = element(diff, 'n');
    expect(n.kinds).toEqual(['wording', 'input', 'custom']);
    expect(n.changes.map((c) => [c.property, textOf(c.old), textOf(c.new)])).toEqual([
      ['title', 'Staff', 'Staff in post'],
      ['min', '0', '1'],
      ['topic', 'staffing', 'workforce'],
      ['role', 'staffing-vacant', 'staffing-establishment'],
    ]);
    expect(diff.questionnaire.map((c) => [c.label, textOf(c.old), textOf(c.new)])).toEqual([['Description', 'Phase 1', 'Phase 2']]);
    expect(diff.pages[0].changes.map((c) => [c.kind, c.label, textOf(c.old), textOf(c.new)])).toEqual([['pages', 'Description', null, 'New page text']]);
    expect(diff.summary.pages).toBe(2); // the page and the questionnaire

    const onlyInput = filterDiff(diff, 'input');
    expect(elements(onlyInput).map((e) => e.changes.map((c) => c.property))).toEqual([['min']]);
    expect(onlyInput.questionnaire).toEqual([]);
    const onlyPages = filterDiff(diff, 'pages');
    expect(elements(onlyPages)).toEqual([]);
    expect(onlyPages.pages.map((p) => p.name)).toEqual(['p']);
  });

  it('reads the page query: two version numbers, the earlier first; anything else names the parameter (400)', () => {
    expect(parseVersionDiffQuery(new URLSearchParams('from=1&to=2&kind=rows'))).toEqual({ from: 1, to: 2, kind: 'rows' });
    expect(parseVersionDiffQuery(new URLSearchParams('from=1&to=3&kind='))).toEqual({ from: 1, to: 3, kind: undefined });
    for (const [query, parameter] of [
      ['from=2&to=1', 'from'],
      ['from=2&to=2', 'from'],
      ['from=one&to=2', 'from'],
      ['from=1.5&to=2', 'from'],
      ['from=1', 'to'],
      ['to=2', 'from'],
      ['from=1&to=2&kind=everything', 'kind'],
    ]) {
      expect(() => parseVersionDiffQuery(new URLSearchParams(query)), query).toThrow(
        expect.objectContaining({ status: 400, message: expect.stringMatching(new RegExp(`^${parameter}: `)) }),
      );
    }
  });
});

// --- the real questionnaire, and the pages ----------------------------------------------------------------------

let test: TestDatabase;
let users: Record<'reviewer' | 'areaReviewer' | 'admin' | 'manager' | 'auditor', CurrentUser>;
let headers: Record<keyof typeof users, Record<string, string>>;

beforeAll(async () => {
  test = await useTestDatabase();
  await publishRegistry(test.db, loadRegistry(path.resolve('surveys')));
  await publishFixtureSurveys(test.db);
  const area = await createArea(test.db, 'Diff Area');
  const team = await createTeam(test.db, area.id);
  users = {
    reviewer: await createUser(test.db, 'reviewer', {}, 'Kent Reviewer'),
    areaReviewer: await createUser(test.db, 'reviewer', { areaId: area.id }, 'Area Reviewer'),
    admin: await createUser(test.db, 'admin', {}, 'Admin'),
    manager: await createUser(test.db, 'manager', { teamId: team.id }, 'Team Manager'),
    auditor: await createUser(test.db, 'auditor', {}, 'Auditor'),
  };
  headers = {} as typeof headers;
  for (const [role, user] of Object.entries(users)) headers[role as keyof typeof users] = await sessionHeaders(test.db, user);
});
afterAll(() => test.destroy());

describe(`the team self-assessment, version 1 to 2 (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let diff: VersionDiff;
  beforeAll(async () => {
    diff = (await loadVersionDiff(test.db, SLUG, { from: 1, to: 2 })).diff;
  });

  it('lists the mapping’s renames, old name beside new', () => {
    const renamed = elements(diff).filter((e) => e.kinds.includes('renamed'));
    expect(Object.fromEntries(renamed.map((e) => [e.oldName, e.newName]))).toEqual({
      senior_practitioners: 'senior_practitioner_fte',
      hard_copy_files: 'paper_records_kept',
      hard_copy_reason: 'paper_records_detail',
    });
    expect(diff.summary.renamed).toBe(3);
    // The reason's condition names the renamed question by its new name and is otherwise the same: not a change.
    expect(element(diff, 'paper_records_detail').kinds).toEqual(['renamed']);
    // The senior practitioners are now counted in FTE: the same question, with its wording and input changed.
    expect(element(diff, 'senior_practitioner_fte').kinds).toEqual(expect.arrayContaining(['renamed', 'wording', 'input']));
  });

  it('lists the mapping’s removals as removed by the mapping, on the pages they were on', () => {
    const removed = elements(diff).filter((e) => e.status === 'removed');
    expect(removed.map((e) => e.name).sort()).toEqual(['accuracy_confirmed', 'admin_ics_entry', 'completed_on', 'leavers_12_months']);
    for (const e of removed) expect(textOf(e.changes[0].new), e.name).toBe('Removed in version 2 (listed in its mapping)');
    expect(
      diff.pages
        .find((p) => p.name === 'declaration')!
        .elements.filter((e) => e.status === 'removed')
        .map((e) => e.name),
    ).toEqual(['completed_on', 'accuracy_confirmed']);
  });

  it('shows changed wording old beside new, with the changed words marked: a question’s and a page’s description', () => {
    const description = change(element(diff, 'establishment_fte'), 'description');
    expect(description.kind).toBe('wording');
    expect(textOf(description.old)).toContain('31 December 2008');
    expect(textOf(description.new)).toContain('31 January 2009');
    expect(marked(description.old)).toEqual(['December 2008,']);
    expect(marked(description.new)).toEqual(['January 2009,']);
    const caseloads = diff.pages.find((p) => p.name === 'caseloads')!;
    const pageDescription = caseloads.changes.find((c) => c.property === 'description')!;
    expect(textOf(pageDescription.old)).toContain('31 December 2008');
    expect(textOf(pageDescription.new)).toContain('31 January 2009');
    expect(diff.questionnaire.map((c) => c.property)).toEqual(['title', 'description']);
  });

  it('lists the added questions and the added page', () => {
    const added = elements(diff).filter((e) => e.status === 'added');
    expect(added.map((e) => e.name)).toEqual(
      expect.arrayContaining(['neglect_threshold_clarity', 'cin_step_down_route', 'admin_ics_entry_status', 'declaration_date']),
    );
    const clarity = element(diff, 'neglect_threshold_clarity');
    expect(clarity.changes[0]).toMatchObject({ kind: 'added', old: { text: 'Not in version 1' }, new: { note: 'rating (rating), required' } });
    expect(diff.pages.find((p) => p.name === 'cp_plans')).toMatchObject({ status: 'added' });
  });

  it('shows the monthly activity matrix gaining January and February 2009 as its only change', () => {
    const monthly = element(diff, 'referrals_monthly');
    expect(monthly.kinds).toEqual(['rows']);
    const rows = change(monthly, 'rows');
    expect(itemsOf(rows.old)!.every(([, status]) => status === 'same')).toBe(true);
    expect(itemsOf(rows.new)!.filter(([, status]) => status !== 'same')).toEqual([
      ['January 2009 (2009-01)', 'added'],
      ['February 2009 (2009-02)', 'added'],
    ]);
    expect(itemsOf(rows.new)!.length).toBe(itemsOf(rows.old)!.length + 2);
  });

  it('counts every question it lists once per kind', () => {
    for (const kind of ['added', 'removed', 'renamed', 'wording', 'rows'] as const) {
      expect(diff.summary[kind], kind).toBe(elements(diff).filter((e) => e.kinds.includes(kind)).length);
    }
    expect(diff.summary.elements).toBe(elements(diff).length);
  });
});

describe(`the questionnaire pages (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  const diffUrl = (query: string, slug = SLUG) => [`/review/questionnaires/${slug}/diff?${query}`, { params: { slug } }] as const;
  const call = async (fn: Parameters<typeof callRoute>[0], url: string, role: keyof typeof users, params: Record<string, string> = {}) =>
    callRoute(fn, url, { headers: headers[role], params });

  it('lists every questionnaire with its versions, change notes and published dates, to reviewers and admins only', async () => {
    for (const role of ['reviewer', 'areaReviewer', 'admin'] as const) {
      const page = (await call(listLoader, '/review/questionnaires', role)) as Awaited<ReturnType<typeof listLoader>>;
      const tsa = page.questionnaires.find((q) => q.slug === SLUG)!;
      // Oldest first, numbered from 1 (later versions may be published beside these).
      expect(tsa.versions.map((v) => v.version).slice(0, 2), role).toEqual([1, 2]);
      expect(tsa.versions[0].publishedAt).toBeInstanceOf(Date);
      expect(tsa.versions[1].changeNotes).toContain('Phase 2');
      expect(tsa.versions[1].questions).toBeGreaterThan(tsa.versions[0].questions);
      expect(page.questionnaires.map((q) => q.slug)).toEqual(expect.arrayContaining(['fixture-check', 'mini-jar-matrix']));
    }
    for (const role of ['manager', 'auditor'] as const) expect(((await call(listLoader, '/review/questionnaires', role)) as Response).status, role).toBe(403);
  });

  it('shows the diff, filtered by a kind of change with the full summary kept', async () => {
    const [url, init] = diffUrl('from=1&to=2&kind=renamed');
    const page = (await call(diffLoader, url, 'reviewer', init.params)) as Awaited<ReturnType<typeof diffLoader>>;
    expect(page).toMatchObject({ questionnaire: { slug: SLUG }, from: { version: 1 }, to: { version: 2 }, kind: 'renamed' });
    expect(elements(page.diff).map((e) => e.name)).toEqual(['senior_practitioner_fte', 'paper_records_kept', 'paper_records_detail']);
    expect(elements(page.diff).flatMap((e) => e.changes.map((c) => c.kind))).toEqual(['renamed', 'renamed', 'renamed']);
    expect(page.diff.summary).toMatchObject({ renamed: 3, removed: 4 });
    expect(page.diff.questionnaire).toEqual([]);
    expect(((await call(diffLoader, url, 'manager', init.params)) as Response).status).toBe(403);
  });

  it('refuses a bad version query with 400, saying which parameter is wrong and how', async () => {
    for (const [query, message] of [
      ['from=2&to=1', 'from: must be an earlier version than to (from=1&to=2)'],
      ['from=1&to=1', 'from: must be an earlier version than to (from=1&to=2)'],
      ['from=abc&to=2', 'from: must be a version number: 1, 2, 3…'],
      ['from=1', 'to: give the later version’s number (to=2)'],
      ['from=1&to=2&kind=nope', expect.stringMatching(/^kind: must be one of added, removed, renamed/)],
    ] as const) {
      const [url, init] = diffUrl(query);
      const answer = (await call(diffLoader, url, 'admin', init.params)) as Response;
      expect(answer.status, query).toBe(400);
      expect(await answer.text(), query).toEqual(message);
    }
  });

  it('answers 404 for a questionnaire or version that does not exist, or a malformed one, all alike', async () => {
    const texts = new Set<string>();
    for (const [query, slug] of [
      ['from=1&to=9', SLUG],
      ['from=1&to=2', 'no-such-questionnaire'],
      ['from=1&to=2', 'Bad%20Slug!'],
    ]) {
      const [url, init] = diffUrl(query, slug);
      const answer = (await call(diffLoader, url, 'reviewer', init.params)) as Response;
      expect(answer.status, `${slug} ${query}`).toBe(404);
      texts.add(await answer.text());
    }
    for (const [slug, version] of [
      [SLUG, '9'],
      [SLUG, '0'],
      [SLUG, 'abc'],
      [SLUG, '1.5'],
      ['no-such-questionnaire', '1'],
    ]) {
      const answer = (await call(previewLoader, `/review/questionnaires/${slug}/v/${version}/preview`, 'reviewer', { slug, version })) as Response;
      expect(answer.status, `${slug} v${version}`).toBe(404);
      texts.add(await answer.text());
    }
    expect([...texts]).toEqual(['No questionnaire or version of that name and number exists.']);
  });

  it('gives the preview the version’s definition as published, to reviewers and admins only', async () => {
    const params = { slug: SLUG, version: '2' };
    const page = (await call(previewLoader, `/review/questionnaires/${SLUG}/v/2/preview`, 'areaReviewer', params)) as Awaited<ReturnType<typeof previewLoader>>;
    expect(page).toMatchObject({ questionnaire: { slug: SLUG }, version: 2, versions: expect.arrayContaining([1, 2]) });
    const published = await test.db
      .selectFrom('questionnaire_versions as v')
      .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
      .select('v.definition')
      .where('q.slug', '=', SLUG)
      .where('v.version', '=', 2)
      .executeTakeFirstOrThrow();
    expect(page.definition).toEqual(published.definition);
    for (const role of ['manager', 'auditor'] as const) {
      expect(((await call(previewLoader, `/review/questionnaires/${SLUG}/v/2/preview`, role, params)) as Response).status, role).toBe(403);
    }
  });

  it('reads a mapping’s askAgain, as names with reasons or as a list of names, and matches by name (saying so) without a mapping', async () => {
    // Published versions are immutable (so is their mapping): a questionnaire of its own, inserted as publishing would.
    const q = await test.db.insertInto('questionnaires').values({ slug: 'diff-check', title: 'Diff check' }).returning('id').executeTakeFirstOrThrow();
    const page = (...names: string[]) => ({ pages: [{ name: 'p', elements: names.map((name) => ({ type: 'text', name })) }] });
    const versions = [
      { definition: page('a', 'count'), mapping: null },
      { definition: page('b', 'count'), mapping: { from: 1, renamed: { a: 'b' }, removed: [], askAgain: { count: 'Now for 2009.' } } },
      { definition: page('b', 'count'), mapping: { from: 2, renamed: {}, removed: [], askAgain: ['count'] } },
      { definition: page('c', 'count'), mapping: null }, // says nothing of version 3
    ];
    for (const [i, v] of versions.entries()) {
      await test.db
        .insertInto('questionnaire_versions')
        .values({ questionnaire_id: q.id, version: i + 1, definition: jsonb(v.definition), sha256: `diff-check-${i + 1}`, mapping: jsonb(v.mapping) })
        .execute();
    }
    const diff = async (from: number, to: number) => (await loadVersionDiff(test.db, 'diff-check', { from, to })).diff;
    const askedAgain = (d: VersionDiff) => element(d, 'count').changes.map((c) => [c.label, textOf(c.new)]);
    const because = 'Earlier answers are not carried forward: the period asked about changed.';

    const oneToTwo = await diff(1, 2);
    expect(element(oneToTwo, 'b')).toMatchObject({ oldName: 'a', kinds: ['renamed'] });
    expect(askedAgain(oneToTwo)).toEqual([['Asked again in version 2', `${because} Now for 2009.`]]);
    expect(askedAgain(await diff(2, 3))).toEqual([['Asked again in version 3', because]]);
    expect(askedAgain(await diff(1, 3))).toEqual([
      ['Asked again in version 2', `${because} Now for 2009.`],
      ['Asked again in version 3', because],
    ]);

    const byName = await diff(3, 4);
    expect(byName.notes).toEqual([expect.stringContaining('Questions are matched by name')]);
    expect(elements(byName).map((e) => [e.name, e.status, textOf(e.changes[0].new)])).toEqual([
      ['c', 'added', 'c'],
      ['b', 'removed', 'Not in version 4'],
    ]);
    expect(elements(await diff(1, 2)).length).toBe(2);
  });
});
