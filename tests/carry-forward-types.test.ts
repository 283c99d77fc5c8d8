import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { Model } from 'survey-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CarriedPanel, droppedPlace } from '../app/components/questionnaire/carried-panel';
import type { CarriedOnPage } from '../app/components/questionnaire/use-questionnaire';
import { carryAnswers, fitToQuestion, versionPath } from '../app/models/carry-forward.server';
import type { CatalogueQuestion } from '../app/models/catalogue.server';
import { getQuestionnaireVersion, type VersionInfo } from '../app/models/questionnaires.server';
import { saveResponseChange, submitResponse, valueAtRevision } from '../app/models/responses.server';
import { createRound, createRoundForUser } from '../app/models/rounds.server';
import type { CurrentUser } from '../app/models/users.server';
import type { AnswerError } from '../app/models/validation.server';
import { answerRowsOf } from './helpers/answers';
import { createTestDatabase, onPostgres, type TestDatabase } from './helpers/db';
import { answerEveryType, everyTypeDefinition, EVERY_TYPE_SURVEYS } from './helpers/every-type';
import { createArea, createTeam, createUser, publishFixtureSurveys } from './helpers/factories';

// Carrying every answer-holding type into the next phase: every-type v1 answered as the browser does, carried onto
// v2, which renames children → children_seen and supervision_log → supervision_sessions and removes team_colour.

let test: TestDatabase;
let versions: Record<string, number>;
let team: { id: number };
let manager: CurrentUser;
let reviewer: CurrentUser;
let trimmedDir: string;

type Loose = any; // SurveyJS JSON and question objects, read and edited by hand below

/** every-type again, as "every-type-trimmed", whose v2 also drops the panel field `age` and the plan choice `cin`. */
function writeTrimmedFixture(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stocktake-trimmed-'));
  fs.copyFileSync(path.join(EVERY_TYPE_SURVEYS, 'topics.json'), path.join(dir, 'topics.json'));
  const folder = path.join(dir, 'every-type-trimmed');
  fs.mkdirSync(folder);
  fs.writeFileSync(path.join(folder, 'v1.json'), JSON.stringify(everyTypeDefinition(1)));
  const v2 = everyTypeDefinition(2) as Loose;
  const panel = v2.pages.flatMap((p: Loose) => p.elements).find((e: Loose) => e.name === 'children_seen');
  panel.templateElements = panel.templateElements.filter((e: Loose) => e.name !== 'age');
  const plans = panel.templateElements.find((e: Loose) => e.name === 'plans');
  plans.choices = plans.choices.filter((c: Loose) => c.value !== 'cin');
  fs.writeFileSync(path.join(folder, 'v2.json'), JSON.stringify(v2));
  const meta = JSON.parse(fs.readFileSync(path.join(EVERY_TYPE_SURVEYS, 'every-type', 'meta.json'), 'utf8'));
  fs.writeFileSync(path.join(folder, 'meta.json'), JSON.stringify({ ...meta, slug: 'every-type-trimmed', title: `${meta.title}, trimmed` }));
  return dir;
}

beforeAll(async () => {
  test = await createTestDatabase();
  await publishFixtureSurveys(test.db, EVERY_TYPE_SURVEYS);
  trimmedDir = writeTrimmedFixture();
  versions = await publishFixtureSurveys(test.db, trimmedDir);
  const area = await createArea(test.db, 'East Kent');
  team = await createTeam(test.db, area.id, 'duty-initial-assessment', 'Ashford Duty');
  manager = await createUser(test.db, 'manager', { teamId: team.id }, 'Ashford Manager');
  reviewer = await createUser(test.db, 'reviewer', { areaId: area.id }, 'Eve Reviewer');
});
afterAll(async () => {
  await test.destroy();
  fs.rmSync(trimmedDir, { recursive: true, force: true });
});

async function responseOf(roundId: number) {
  return test.db.selectFrom('responses').selectAll().where('round_id', '=', roundId).where('team_id', '=', team.id).executeTakeFirstOrThrow();
}

/** A Phase 1 round on `<slug>@1` answered as the browser answers it and submitted, then Phase 2 on `<slug>@2`. */
async function carryEveryType(slug: string) {
  const phase1 = await createRound(
    test.db,
    { name: `${slug} phase 1`, questionnaireVersionId: versions[`${slug}@1`], dueDate: '2009-01-30', teamIds: [team.id] },
    null,
  );
  const first = await responseOf(phase1.id);
  const saved = await saveResponseChange(test.db, manager, first.id, { baseRevision: 0, set: answerEveryType().data, unset: [] });
  await submitResponse(test.db, manager, first.id, { revision: saved.revision });
  const phase2 = await createRoundForUser(test.db, reviewer, {
    name: `${slug} phase 2`,
    questionnaireVersionId: versions[`${slug}@2`],
    dueDate: '2009-03-13',
    teams: { by: 'earlier' },
    followsRoundId: phase1.id,
  });
  const audit = await test.db
    .selectFrom('audit_events')
    .select('details')
    .where('action', '=', 'round.create')
    .where('entity_id', '=', String(phase2.id))
    .executeTakeFirstOrThrow();
  return { earlier: await responseOf(phase1.id), carried: await responseOf(phase2.id), audit: audit.details as Loose };
}

/** The earlier response's data as v2 should hold it: renamed, team_colour removed, the expression value left out. */
function underNewNames(data: Record<string, unknown>) {
  const { team_colour, cases_if_shared, children, supervision_log, 'supervision_log-total': logTotal, ...rest } = data;
  expect([team_colour, cases_if_shared, children, supervision_log, logTotal].every((v) => v !== undefined)).toBe(true);
  return { ...rest, children_seen: children, supervision_sessions: supervision_log, 'supervision_sessions-total': logTotal };
}

/** Answer rows as comparable lines, with the question renamed as v2 names it. */
const RENAMED: Record<string, string> = { children: 'children_seen', supervision_log: 'supervision_sessions' };
function lines(rows: Array<Record<string, unknown>>) {
  return rows
    .map((r) =>
      [RENAMED[String(r.question)] ?? r.question, r.row_key, r.column_key, r.topic, r.value_type, r.value_numeric, r.value_text, r.value_choice].join('|'),
    )
    .sort();
}

describe(`carrying every answer-holding type to the next phase (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('carries every answer, comment and total under its new name, leaves the removed question behind and says so', async () => {
    const { earlier, carried, audit } = await carryEveryType('every-type');
    const v1 = earlier.data;
    // The browser's answers hold what this test is about: comment areas, "Other" texts, totals, computed values.
    for (const key of ['referral_route-Comment', 'threshold_view-Comment', 'agencies_checked-Comment', 'morale-Comment', 'workers-total', 'cases_if_shared'])
      expect(v1).toHaveProperty([key]);

    expect(carried.data).toEqual(underNewNames(v1));
    expect(carried.data).not.toHaveProperty('team_colour');
    expect(carried.data).not.toHaveProperty('cases_if_shared'); // computed by the questionnaire, not an answer
    // Comments at every depth: a question's, a matrix cell's, a dynamic row's and a panel's "Other" texts.
    expect(carried.data['referral_route-Comment']).toBe('Anonymous callers');
    expect(carried.data['threshold_view-Comment']).toBe('More referrals are stepped down');
    expect(carried.data.threshold_view).toBe('Depends on the duty manager'); // "Other" kept as the value, as typed
    expect(carried.data.training_needs).toEqual(['court', 'Chairing meetings']); // a custom choice, as typed
    expect((carried.data.workers as Loose).qualified['cover-Comment']).toBe('Seconded');
    expect((carried.data.supervision_sessions as Loose)[0]).toMatchObject({ kind: 'other', 'kind-Comment': 'Group supervision', actions: 'Review the plan' });
    expect((carried.data.children_seen as Loose)[0]).toMatchObject({ seen_alone: 'other', 'seen_alone-Comment': 'Too young to be seen alone' });
    expect(carried.data['supervision_sessions-total']).toEqual({ minutes: 105 });

    // Marks: one per question (not per comment or total key), from a submitted response.
    const version2 = await getQuestionnaireVersion(test.db, versions['every-type@2']);
    expect(Object.keys(carried.carried).sort()).toEqual(
      Object.keys(carried.data)
        .filter((key) => version2.catalogue.has(key))
        .sort(),
    );
    expect(carried.carried.children_seen).toEqual({ fromResponseId: earlier.id, fromRoundId: earlier.round_id, confirmed: false, submitted: true });
    expect(Object.values(carried.carried).some((mark) => 'dropped' in mark)).toBe(false);

    // The removed question is reported: in the carry revision's note and in the round's audit event.
    const revision = await test.db.selectFrom('response_revisions').selectAll().where('response_id', '=', carried.id).executeTakeFirstOrThrow();
    expect(revision.note).toMatch(/Not carried: team_colour \(removed\)\.$/);
    expect(audit.carriedForward).toEqual([
      { teamId: team.id, fromResponseId: earlier.id, carried: Object.keys(carried.carried).length, notCarried: ['team_colour'] },
    ]);
    // The revision names every key it wrote, comments and totals too, and gives their values back.
    expect(revision.questions.sort()).toEqual(Object.keys(carried.data).sort());
    expect(await valueAtRevision(test.db, carried.id, 'children_seen', 1)).toEqual(v1.children);
    expect(await valueAtRevision(test.db, carried.id, 'agencies_checked-Comment', 1)).toBe('Youth offending team');

    // Answers rows: what the carried data says, and the earlier response's rows under the new names.
    const now = await answerRowsOf(test.db, carried.id);
    expect(now.actual).toEqual(now.expected);
    const before = await answerRowsOf(test.db, earlier.id);
    expect(lines(now.rows)).toEqual(lines(before.rows.filter((r) => r.question !== 'team_colour')));
    expect(before.rows.some((r) => r.question === 'team_colour')).toBe(true);
    expect(carried.answered_count).toBe(earlier.answered_count - 1); // all but team_colour

    // Opening the carried response computes nothing different (no save, no confirmation, just by looking at it).
    const model = new Model(version2.definition);
    model.data = carried.data;
    for (const name of ['children_seen', 'supervision_sessions', 'workers']) {
      const question = model.getQuestionByValueName(name) as Loose;
      void (question.getType() === 'paneldynamic' ? question.panels : question.visibleRows);
      expect(model.getValue(name)).toEqual(carried.data[name]);
    }
    expect(model.getValue('workers-total')).toEqual(carried.data['workers-total']);
  });

  it('when v2 also drops a panel field and a choice, keeps the rest of each panel and reports exactly those drops', async () => {
    const { earlier, carried, audit } = await carryEveryType('every-type-trimmed');
    const expected = underNewNames(earlier.data) as Loose;
    const [first, second] = earlier.data.children as Loose[];
    const { age: firstAge, ...firstKept } = first;
    const { age: secondAge, ...secondKept } = second;
    expect([firstAge, secondAge]).toEqual([4, 11]);
    expected.children_seen = [
      // age_band is computed from age: recomputed now that age is gone, as the questionnaire would.
      { ...firstKept, age_band: '5 or over' },
      { ...secondKept, plans: ['cp'], age_band: '5 or over' },
    ];
    expect(second.plans).toEqual(['cp', 'cin']);
    expect(carried.data).toEqual(expected);

    const drops = [
      { path: 'children_seen.1.age', message: 'is not a question of this panel any more' },
      { path: 'children_seen.2.age', message: 'is not a question of this panel any more' },
      { path: 'children_seen.2.plans', message: 'choice "cin" is not offered any more' },
    ];
    expect(carried.carried.children_seen).toEqual({
      fromResponseId: earlier.id,
      fromRoundId: earlier.round_id,
      confirmed: false,
      submitted: true,
      dropped: drops,
    });
    expect(Object.entries(carried.carried).filter(([, mark]) => mark.dropped)).toHaveLength(1);
    expect(audit.carriedForward[0]).toMatchObject({ notCarried: ['team_colour'], dropped: drops.map((d) => d.path) });
    const revision = await test.db.selectFrom('response_revisions').select('note').where('response_id', '=', carried.id).executeTakeFirstOrThrow();
    expect(revision.note).toContain(`Left out of carried answers: ${drops.map((d) => `${d.path} (${d.message})`).join('; ')}.`);

    const rows = await answerRowsOf(test.db, carried.id);
    expect(rows.actual).toEqual(rows.expected);
    expect(rows.rows.some((r) => r.question === 'children_seen' && r.column_key === 'age')).toBe(false);
    expect(rows.rows.filter((r) => r.question === 'children_seen' && r.column_key === 'plans').map((r) => r.value_choice)).toEqual(['none', 'cp']);
  });
});

describe('fitting one answer into the new version', () => {
  let v1: VersionInfo;
  let v2: VersionInfo;
  const q = (name: string) => v2.catalogue.get(name)!;
  /** A question of v2 with its detail changed, as a later version might have it. */
  const changed = (name: string, detail: Partial<CatalogueQuestion['detail']>): CatalogueQuestion => ({ ...q(name), detail: { ...q(name).detail, ...detail } });

  beforeAll(async () => {
    v1 = await getQuestionnaireVersion(test.db, versions['every-type@1']);
    v2 = await getQuestionnaireVersion(test.db, versions['every-type@2']);
  });

  it('keeps no more rows or panels than the new version allows, and says which were left out', () => {
    const dropped: AnswerError[] = [];
    const panels = Array.from({ length: 10 }, (_, i) => ({ case_reference: `C-${i + 1}` }));
    expect(q('children_seen').detail.maxCount).toBe(8);
    expect(fitToQuestion(q('children_seen'), panels, dropped)).toEqual(panels.slice(0, 8));
    expect(dropped).toEqual([
      { path: 'children_seen.9', message: 'the new version allows at most 8 panels' },
      { path: 'children_seen.10', message: 'the new version allows at most 8 panels' },
    ]);
    // A row keeps its cells still offered; one left with nothing is not carried; rows after it move up.
    const rows = [{ worker: 'A', colour: 'red' }, { colour: 'blue' }, { worker: 'C', kind: 'informal', 'kind-Comment': 'no other item chosen' }];
    const kept: AnswerError[] = [];
    expect(fitToQuestion(changed('supervision_sessions', { maxCount: 2 }), rows, kept)).toEqual([{ worker: 'A' }, { worker: 'C', kind: 'informal' }]);
    expect(kept).toEqual([
      { path: 'supervision_sessions.1.colour', message: 'is not a column of this question any more' },
      { path: 'supervision_sessions.2.colour', message: 'is not a column of this question any more' },
      { path: 'supervision_sessions.3.kind-Comment', message: 'the text typed for "other" is left out with its choice' },
    ]);
  });

  it('drops ranked items no longer offered from the order, keeps a slider within range, keeps typed choices only where allowed', () => {
    const dropped: AnswerError[] = [];
    expect(fitToQuestion(q('priorities'), ['recording', 'caseloads', 'timeliness', 'supervision'], dropped)).toEqual([
      'recording',
      'timeliness',
      'supervision',
    ]);
    expect(dropped).toEqual([{ path: 'priorities', message: 'item "caseloads" is not offered for ranking any more' }]);

    const range: AnswerError[] = [];
    expect(q('caseload_band').detail.scale).toEqual({ min: 0, max: 40, step: 1 });
    expect(fitToQuestion(q('caseload_band'), [12, 30], range)).toEqual([12, 30]);
    expect(fitToQuestion(changed('caseload_band', { scale: { min: 0, max: 25, step: 1 } }), [12, 30], range)).toBeUndefined();
    expect(fitToQuestion(changed('agency_share', { scale: { min: 0, max: 100, step: 25 } }), 20, range)).toBeUndefined();
    expect(range).toEqual([
      { path: 'caseload_band', message: "the answer does not fit the question in the new version: 30 is not on the slider's scale (0 to 25 by 1)" },
      { path: 'agency_share', message: "the answer does not fit the question in the new version: 20 is not on the slider's scale (0 to 100 by 25)" },
    ]);

    const typed: AnswerError[] = [];
    expect(fitToQuestion(q('training_needs'), ['court', 'Chairing meetings'], typed)).toEqual(['court', 'Chairing meetings']);
    expect(fitToQuestion(q('threshold_view'), 'Depends on the duty manager', typed)).toBe('Depends on the duty manager');
    expect(typed).toEqual([]);
    const closed = changed('training_needs', { rules: undefined });
    expect(fitToQuestion(closed, ['court', 'Chairing meetings'], typed)).toEqual(['court']);
    expect(typed).toEqual([{ path: 'training_needs', message: 'choice "Chairing meetings" is not offered any more' }]);
  });

  it('carries a comment area with its question, and "Other" text only with its "Other" choice', async () => {
    const path = await versionPath(test.db, v1.id, v2.id);
    const withoutOther = new Map(v2.catalogue);
    const route = q('referral_route');
    withoutOther.set('referral_route', { ...route, detail: { ...route.detail, choices: route.detail.choices!.filter((c) => c.value !== 'other'), rules: {} } });
    const morale = q('morale');
    withoutOther.set('morale', { ...morale, detail: { ...morale.detail, comment: undefined } });
    const data = {
      referral_route: 'other',
      'referral_route-Comment': 'Anonymous callers',
      morale: 3,
      'morale-Comment': 'Better since January',
      pressures: 'Sick leave',
    };

    expect(carryAnswers(path, data).data).toEqual(data);
    const outcome = carryAnswers({ ...path, to: { ...path.to, catalogue: withoutOther } }, data);
    expect(outcome.data).toEqual({ morale: 3, pressures: 'Sick leave' });
    expect(outcome.dropped).toEqual([
      { path: 'referral_route', message: expect.stringMatching(/^the answer does not fit the question in the new version: "other" is not one of the choices/) },
      { path: 'referral_route-Comment', message: 'the text typed for "other" is left out with its choice' },
      { path: 'morale-Comment', message: 'the question has no comment area any more' },
    ]);
    expect(outcome.notCarried).toEqual([{ question: 'referral_route', reason: 'incompatible' }]);
    // A comment alone (no value) is an answer too: it is carried, and marks its question as carried.
    expect(carryAnswers(path, { 'morale-Comment': 'Not asked yet' })).toMatchObject({
      data: { 'morale-Comment': 'Not asked yet' },
      carried: [{ question: 'morale' }],
    });
  });
});

describe('the carried-answers panel', () => {
  const children: CarriedOnPage = {
    name: 'children_seen',
    fromUnsubmitted: false,
    entries: { count: 2, noun: 'panel' },
    dropped: [
      { path: 'children_seen.1.age', message: 'is not a question of this panel any more' },
      { path: 'children_seen.2.plans', message: 'choice "cin" is not offered any more' },
      { path: 'children_seen.2.seen_alone-Comment', message: 'the text typed for "other" is left out with its choice' },
    ],
  };

  it('says how many rows or panels a dynamic question brought, and what the new version could not take', () => {
    const html = renderToStaticMarkup(
      createElement(CarriedPanel, {
        onPage: [children, { name: 'supervision_sessions', fromUnsubmitted: true, entries: { count: 1, noun: 'row' }, dropped: [] }],
        unconfirmedTotal: 2,
        pageName: 'children',
        error: null,
        confirm: async () => {},
        titles: { children_seen: 'Children seen on duty this week', supervision_sessions: 'Supervision sessions this month' },
      }),
    );
    expect(html).toContain('Children seen on duty this week<span class="muted"> (2 panels)</span>');
    expect(html).toContain(
      'Supervision sessions this month<span class="muted"> (1 row)</span><span class="muted"> (from a response that was never submitted)</span>',
    );
    expect(html).toContain('<li>panel 1 › age: is not a question of this panel any more</li>');
    expect(html).toContain('<li>panel 2 › plans: choice &quot;cin&quot; is not offered any more</li>');
    expect(html.match(/Left out because this version no longer offers it/g)).toHaveLength(1);
  });

  it('names where a left-out part was: a panel or row by number, a comment, a matrix cell, or nothing for the whole answer', () => {
    expect(children.dropped.map((d) => droppedPlace(children, d.path))).toEqual(['panel 1 › age', 'panel 2 › plans', 'panel 2 › seen_alone (comment)']);
    const matrix: CarriedOnPage = { name: 'workers', fromUnsubmitted: false, dropped: [] };
    expect(droppedPlace(matrix, 'workers.qualified.cover')).toBe('qualified › cover');
    expect(droppedPlace(matrix, 'workers-Comment')).toBe('comment');
    expect(droppedPlace(matrix, 'workers')).toBe('');
  });
});
