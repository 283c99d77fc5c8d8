import type { Model } from 'survey-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerCells } from '../app/models/answers.server';
import { getQuestionnaireVersion, type VersionInfo } from '../app/models/questionnaires.server';
import { createRound } from '../app/models/rounds.server';
import type { CurrentUser } from '../app/models/users.server';
import { progressOf } from '../app/models/validation.server';
import { action as patchAction, loader as getLoader } from '../app/routes/api.v1.responses.$responseId';
import { action as submitAction } from '../app/routes/api.v1.responses.$responseId.submit';
import { loader as revisionsLoader } from '../app/routes/api.v1.responses.$responseId.revisions';
import { onPostgres, useTestDatabase, type TestDatabase } from './helpers/db';
import { answerEveryType, EVERY_TYPE_SURVEYS } from './helpers/every-type';
import { APP_ORIGIN, createArea, createTeam, createUser, publishFixtureSurveys, sessionHeaders } from './helpers/factories';

/**
 * The every-type questionnaire (tests/fixtures/surveys-types) answered through survey-core's question objects, saved
 * through the API a page at a time as autosave does, and submitted: the server keeps what the browser sent, its
 * history and its answer rows, and agrees with SurveyJS's own validate() on what may be submitted.
 */

let test: TestDatabase;
let version: VersionInfo;
let manager: CurrentUser;
let headers: Record<string, string>;
let responseId: number;

beforeAll(async () => {
  test = await useTestDatabase();
  const versionId = (await publishFixtureSurveys(test.db, EVERY_TYPE_SURVEYS))['every-type@1'];
  version = await getQuestionnaireVersion(test.db, versionId);
  const team = await createTeam(test.db, (await createArea(test.db, 'East Kent')).id, 'duty-initial-assessment', 'Canterbury Duty');
  manager = await createUser(test.db, 'manager', { teamId: team.id }, 'Dee Manager');
  headers = await sessionHeaders(test.db, manager);
  const round = await createRound(test.db, { name: 'Practice snapshot', questionnaireVersionId: versionId, dueDate: '2009-02-27', teamIds: [team.id] }, null);
  responseId = (await test.db.selectFrom('responses').select('id').where('round_id', '=', round.id).executeTakeFirstOrThrow()).id;
});
afterAll(() => test.destroy());

type Call = { status: number; body: any };

async function call(fn: (args: any) => Promise<Response>, method: string, body?: unknown): Promise<Call> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
  }
  let response: Response;
  try {
    response = await fn({
      request: new Request(`${APP_ORIGIN}/api/v1/responses/${responseId}`, init),
      params: { responseId: String(responseId) },
      context: {},
    });
  } catch (thrown) {
    if (!(thrown instanceof Response)) throw thrown;
    response = thrown;
  }
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

const patch = (body: unknown) => call(patchAction, 'PATCH', body);
const submit = (revision: number) => call(submitAction, 'POST', { revision });

/** The keys of the data each page's questions keep (answers, comments, "Other" texts, totals, computed values). */
function keysByPage(model: Model, data: Record<string, unknown>): Array<[page: string, keys: string[]]> {
  return model.pages.map((page) => {
    const names = page.questions.map((q) => q.getValueName());
    const keys = Object.keys(data).filter((key) => names.some((name) => key === name || key === `${name}-Comment` || key === `${name}-total`));
    return [page.name, keys];
  });
}

/** The answers rows stored for the response, and those its data should give, in one comparable form. */
async function storedAndExpectedRows(data: Record<string, unknown>) {
  const fmt = (c: {
    question: string;
    row_key: string;
    column_key: string;
    value_type: string;
    value_numeric: number | null;
    value_text: string | null;
    value_choice: string | null;
  }) =>
    `${c.question}|${c.row_key}|${c.column_key}|${c.value_type}|${c.value_numeric === null ? '' : Number(c.value_numeric)}|${c.value_text ?? ''}|${c.value_choice ?? ''}`;
  const stored = await test.db.selectFrom('answers').selectAll().where('response_id', '=', responseId).execute();
  const expected = [...version.catalogue.values()].flatMap((q) => answerCells(q, data));
  return { stored: stored.map(fmt).sort(), expected: expected.map(fmt).sort() };
}

async function snapshot() {
  const response = await test.db.selectFrom('responses').select(['revision', 'data', 'status']).where('id', '=', responseId).executeTakeFirstOrThrow();
  const answers = await test.db
    .selectFrom('answers')
    .select(['question', 'row_key', 'column_key', 'value_numeric', 'value_text', 'value_choice'])
    .where('response_id', '=', responseId)
    .orderBy('id')
    .execute();
  const revisions = await test.db.selectFrom('response_revisions').select('revision').where('response_id', '=', responseId).execute();
  return { response, answers, revisions: revisions.length };
}

/**
 * The every-type questionnaire answered in the browser, but not finished: "Other" chosen for the referral route with
 * no text typed, the second child's case reference (required) left empty, and no agency ticked (one at least).
 */
function unfinishedModel(): Model {
  const model = answerEveryType();
  const q = (name: string) => model.getQuestionByName(name) as any;
  q('referral_route').otherValue = '';
  q('agencies_checked').renderedValue = [];
  q('children').panels[1].getQuestionByName('case_reference').value = undefined;
  return model;
}

describe(`the every-type questionnaire through the API (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let revision = 0;

  it('saves the unfinished answers a page at a time, keeping each sitting in the history and the answers rows in step', async () => {
    const model = unfinishedModel();
    const data = model.data;
    expect(data).toMatchObject({ referral_route: 'other' });
    expect(data).not.toHaveProperty('referral_route-Comment');
    expect(data).not.toHaveProperty('agencies_checked');

    const pages = keysByPage(model, data);
    expect(pages.map(([page]) => page)).toEqual(['inputs', 'choices', 'matrices', 'children']);
    // Every key the browser holds is saved on one page or another.
    expect(pages.flatMap(([, keys]) => keys).sort()).toEqual(Object.keys(data).sort());

    const saved: Record<string, unknown> = {};
    let answered = 0;
    for (const [page, keys] of pages) {
      const set = Object.fromEntries(keys.map((key) => [key, data[key]]));
      const result = await patch({ baseRevision: revision, set, page });
      expect(result.status, `page ${page}: ${JSON.stringify(result.body)}`).toBe(200);
      expect(result.body.revision).toBe(revision + 1);
      expect(result.body.changed).toEqual(keys);
      revision = result.body.revision;
      Object.assign(saved, set);

      // The server holds what the browser sent, and counts progress as the questionnaire page does.
      const current = await call(getLoader, 'GET');
      expect(current.body.data).toEqual(saved);
      expect(result.body.progress).toEqual(progressOf(version, saved));
      expect(result.body.progress.answered).toBeGreaterThan(answered);
      answered = result.body.progress.answered;
      expect(current.body.progress).toEqual(result.body.progress);

      // The history entry names this sitting's author and each change.
      const history = await call(revisionsLoader, 'GET');
      const [entry] = history.body.revisions;
      expect(entry).toMatchObject({ revision, kind: 'edit', questions: keys, author: { id: manager.id, name: 'Dee Manager' } });
      expect(entry.changes).toEqual(keys.map((key) => ({ question: key, old: null, new: data[key] })));

      const { stored, expected } = await storedAndExpectedRows(saved);
      expect(stored).toEqual(expected);
    }
    // Every question visible is counted; the three left unfinished still count as answered or not as SurveyJS says.
    const final = progressOf(version, data);
    expect(final.answerable).toBe(version.catalogue.size);
    expect(answered).toBe(final.answered);
  });

  it('keeps the answer rows the issue asks for: dynamic rows and panels numbered from 1, nested paths, ranks, "Other" with its text', async () => {
    const rows = await test.db
      .selectFrom('answers')
      .select(['question', 'row_key', 'column_key', 'value_numeric', 'value_text', 'value_choice'])
      .where('response_id', '=', responseId)
      .execute();
    const find = (question: string, row: string, column: string) =>
      rows
        .filter((r) => r.question === question && r.row_key === row && r.column_key === column)
        .map((r) => [r.value_choice, r.value_numeric === null ? null : Number(r.value_numeric), r.value_text]);
    expect(find('priorities', 'recording', '')).toEqual([[null, 1, null]]);
    expect(find('priorities', 'supervision', '')).toEqual([[null, 3, null]]);
    expect(find('threshold_view', '', '')).toEqual([['other', null, 'Depends on the duty manager']]);
    expect(find('threshold_view', '', '-Comment')).toEqual([[null, null, 'More referrals are stepped down']]);
    expect(find('referral_route', '', '')).toEqual([['other', null, null]]); // chosen, its text not yet typed
    expect(find('workers', 'qualified', 'cover')).toEqual([['other', null, 'Seconded']]);
    expect(find('supervision_log', '1', 'actions')).toEqual([[null, null, 'Review the plan']]);
    expect(find('supervision_log', '2', 'recorded')).toEqual([['false', null, null]]);
    expect(find('children', '1', 'seen_alone')).toEqual([['other', null, 'Too young to be seen alone']]);
    expect(find('children', '1', 'visits.1.date')).toEqual([[null, null, '2009-02-02']]);
    expect(find('children', '2', 'plans').map(([choice]) => choice)).toEqual(['cp', 'cin']);
    expect(find('children', '2', 'case_reference')).toEqual([]);
    expect(find('manager_remarks', '', '')).toEqual([[null, null, 'Synthetic answers for a test.']]);
  });

  it('refuses a value SurveyJS cannot produce with 422 naming its place, and writes nothing', async () => {
    const before = await snapshot();
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ priorities: ['recording', 'recording', 'supervision'] }, 'priorities', /ranked twice/],
      [{ children: [{ case_reference: 'C-0001', shoe_size: 3 }] }, 'children.1.shoe_size', /is not a question/],
      [{ supervision_log: [{ worker: 'Worker A', kind: 'peer' }] }, 'supervision_log.1.kind', /not one of the choices/],
      [{ agencies_checked: ['none', 'police'] }, 'agencies_checked', /cannot be chosen with other choices/],
      [{ workers: { qualified: { count: '6' } } }, 'workers.qualified.count', /must be a number/],
      [{ caseload_band: { from: 1, to: 2 } }, 'caseload_band', /must be a range/],
      [{ audit_week: '2009-W54' }, 'audit_week', /is not a week/],
      [{ morale: 6 }, 'morale', /not one of the ratings/],
      [{ 'open_cases-Comment': 'x' }, 'open_cases-Comment', /is not a question/],
    ];
    for (const [set, place, message] of cases) {
      const result = await patch({ baseRevision: revision, set });
      expect(result.status, place).toBe(422);
      expect(result.body.errors, place).toEqual(expect.arrayContaining([expect.objectContaining({ path: place, message: expect.stringMatching(message) })]));
      expect(await snapshot(), place).toEqual(before);
    }
  });

  it('refuses to submit what SurveyJS finds unfinished, with errors at the same places', async () => {
    const model = unfinishedModel();
    expect(model.validate(true)).toBe(false);
    const q = (name: string) => model.getQuestionByName(name) as any;
    // SurveyJS's own errors: on the referral route, the agencies and the second child's case reference.
    expect(q('referral_route').errors.length).toBeGreaterThan(0);
    expect(q('agencies_checked').errors.length).toBeGreaterThan(0);
    expect(q('children').panels[1].getQuestionByName('case_reference').errors.length).toBeGreaterThan(0);
    expect(q('children').panels[0].getQuestionByName('case_reference').errors.length).toBe(0);
    const invalid = model.getAllQuestions(false, false, true).filter((question) => question.errors.length > 0);
    expect(invalid.map((question) => question.name).sort()).toEqual(['agencies_checked', 'case_reference', 'referral_route']);

    const result = await submit(revision);
    expect(result.status).toBe(422);
    expect(result.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['agencies_checked', 'children.2.case_reference', 'referral_route']);
    const row = await test.db.selectFrom('responses').select(['status', 'revision']).where('id', '=', responseId).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'in_progress', revision });
  });

  it('submits once the answers are finished, as SurveyJS finds them valid', async () => {
    const finished = answerEveryType();
    expect(finished.validate(true)).toBe(true);
    const data = finished.data;
    const fixes = await patch({
      baseRevision: revision,
      set: {
        'referral_route-Comment': data['referral_route-Comment'],
        agencies_checked: data.agencies_checked,
        'agencies_checked-Comment': data['agencies_checked-Comment'],
        children: data.children,
      },
    });
    expect(fixes.status).toBe(200);
    revision = fixes.body.revision;
    expect((await call(getLoader, 'GET')).body.data).toEqual(data);
    expect(fixes.body.progress).toEqual({ answered: version.catalogue.size, answerable: version.catalogue.size });
    const { stored, expected } = await storedAndExpectedRows(data);
    expect(stored).toEqual(expected);

    const result = await submit(revision);
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body).toMatchObject({ status: 'submitted', revision: revision + 1 });
  });
});
