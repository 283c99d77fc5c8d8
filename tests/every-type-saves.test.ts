import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Model } from 'survey-core';
import { getQuestionnaireVersion, type VersionInfo } from '../app/models/questionnaires.server';
import { validateChange } from '../app/models/responses.server';
import { assessAnswers } from '../app/models/validation.server';
import { createTestDatabase, type TestDatabase } from './helpers/db';
import { answerEveryType, everyTypeDefinition, EVERY_TYPE_SURVEYS } from './helpers/every-type';
import { publishFixtureSurveys } from './helpers/factories';

// Saves as the browser's autosave makes them (one change per value SurveyJS reports), on the every-type questionnaire.

let test: TestDatabase;
let version: VersionInfo;

beforeAll(async () => {
  test = await createTestDatabase();
  const versions = await publishFixtureSurveys(test.db, EVERY_TYPE_SURVEYS);
  version = await getQuestionnaireVersion(test.db, versions['every-type@1']);
});

afterAll(() => test.destroy());

const isCleared = (value: unknown) => value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);

/** Each value change SurveyJS reports while the questionnaire is answered, as the autosave sends it (JSON). */
function changesWhileAnswering(): Array<{ name: string; value: unknown }> {
  const model = new Model(everyTypeDefinition(1));
  const changes: Array<{ name: string; value: unknown }> = [];
  model.onValueChanged.add((_, options) =>
    changes.push({ name: options.name, value: isCleared(options.value) ? null : JSON.parse(JSON.stringify(options.value)) }),
  );
  answerEveryType(model);
  return changes;
}

describe('saving the every-type questionnaire change by change', () => {
  it('accepts every change the browser sends, in the order it sends them: "Other" before its text, comments, totals, computed values, rows and panels added and removed', () => {
    const changes = changesWhileAnswering();
    const keys = new Set(changes.map((c) => c.name));
    // The kinds of key the autosave sends beside plain answers.
    for (const key of ['referral_route-Comment', 'threshold_view-Comment', 'morale-Comment', 'workers-total', 'supervision_log-total', 'cases_if_shared'])
      expect(keys).toContain(key);
    let data: Record<string, unknown> = {};
    for (const { name, value } of changes) {
      const change = value === null ? { set: {}, unset: [name] } : { set: { [name]: value }, unset: [] };
      const result = validateChange(version, data, change);
      expect(result.errors, `saving ${name} = ${JSON.stringify(value)}`).toEqual([]);
      data = result.next;
    }
    const answered = answerEveryType(new Model(everyTypeDefinition(1)));
    expect(data).toEqual(JSON.parse(JSON.stringify(answered.data)));
  });

  it('saves a chosen "Other" whose text is still to come, and asks for the text at submit', () => {
    for (const set of [
      { referral_route: 'other' },
      { agencies_checked: ['police', 'other'] },
      { workers: { qualified: { cover: 'other' } } },
      { supervision_log: [{ worker: 'Worker A', kind: 'other' }] },
      { children: [{ case_reference: 'C-0001', seen_alone: 'other' }] },
    ]) {
      expect(validateChange(version, {}, { set, unset: [] }).errors, JSON.stringify(set)).toEqual([]);
      const [name] = Object.keys(set);
      const atSubmit = assessAnswers(version, set, 'submit').errors.filter((e) => e.path.startsWith(name));
      expect(atSubmit.map((e) => e.message).join(' ')).toMatch(/enter another value/);
    }
  });

  it('judges a submit on the rows and panels the team gave, not the default empty ones SurveyJS adds to a missing answer', () => {
    const finished = JSON.parse(JSON.stringify(answerEveryType().data)) as Record<string, unknown>;
    // The team removed every supervision row and every child panel: the answers are missing, as the browser saves them.
    const { children: _children, supervision_log: _log, 'supervision_log-total': _total, ...withoutLists } = finished;
    // First a response with three panels, so the cached model has held panels before.
    expect(assessAnswers(version, finished, 'submit').errors).toEqual([]);
    expect(assessAnswers(version, withoutLists, 'submit').errors).toEqual([]);
    // A panel given but unfinished is still refused, at its place.
    const unfinished = assessAnswers(version, { ...withoutLists, children: [{ age: 7 }] }, 'submit').errors;
    expect(unfinished.map((e) => e.path)).toEqual(['children.1.case_reference']);
  });

  it('still refuses a wrong value at save', () => {
    const { errors } = validateChange(version, {}, { set: { referral_route: 'fax', open_cases: '42', children: [{ age: 'four' }] }, unset: [] });
    expect(errors.map((e) => e.path).sort()).toEqual(['children.1.age', 'open_cases', 'referral_route']);
  });
});
