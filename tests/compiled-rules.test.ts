import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catalogueOf, createModel, type CatalogueQuestion } from '../app/models/catalogue.server';
import type { VersionInfo } from '../app/models/questionnaires.server';
import {
  assessAnswers,
  assessWithModel,
  checkDataValue,
  columnSpec,
  COMMENT_SUFFIX,
  compiledRulesOf,
  resolveDataKey,
  type AnswerError,
  type ValueSpec,
} from '../app/models/validation.server';
import type { QuestionDetail } from '../db/schema';
import { answerEveryType, EVERY_TYPE_SURVEYS } from './helpers/every-type';

/**
 * The compiled rules (app/models/compiled-rules.server.ts) must judge a save exactly as the full survey-core model
 * does: the same errors for the touched questions and the same progress, on every published version and the
 * type-conformance fixtures, for the fixture answers, the invalid cases and randomly generated answer sets.
 */

const SURVEYS = path.resolve('surveys');
let nextId = 800_000;

function versionOf(slug: string, version: number, definition: Record<string, unknown>): VersionInfo {
  const catalogue = JSON.parse(JSON.stringify(catalogueOf(createModel(definition)))) as CatalogueQuestion[];
  return {
    id: nextId++,
    slug,
    title: slug,
    version,
    definition,
    mapping: null,
    catalogue: new Map(catalogue.map((q) => [q.name, q])),
    roles: new Map(),
    actionFields: [],
  };
}

function versionsIn(dir: string): VersionInfo[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) =>
      fs
        .readdirSync(path.join(dir, entry.name))
        .filter((file) => /^v\d+\.json$/.test(file))
        .map((file) => versionOf(entry.name, Number(file.slice(1, -5)), JSON.parse(fs.readFileSync(path.join(dir, entry.name, file), 'utf8')))),
    );
}

const VERSIONS = [...versionsIn(SURVEYS), ...versionsIn(EVERY_TYPE_SURVEYS)];
const label = (v: VersionInfo) => `${v.slug} v${v.version}`;

const sorted = (errors: AnswerError[]) => errors.map((e) => `${e.path}: ${e.message}`).sort();

function expectSameJudgement(version: VersionInfo, data: Record<string, unknown>, touched: string[]) {
  const compiled = assessAnswers(version, data, 'save', touched);
  const full = assessWithModel(version, data, 'save', touched);
  expect(sorted(compiled.errors)).toEqual(sorted(full.errors));
  expect(compiled.progress).toEqual(full.progress);
}

// ---- Random answers, drawn from what each question stores: mostly its own choices, rows and columns (so conditions
// on them fire), sometimes values out of range or of the wrong kind (so validators fire).

const text = fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('', ' ', 'yes', 'no', '0', '12', 'not recorded', 'a'.repeat(300)));
const number = fc.oneof(fc.integer({ min: -5, max: 120 }), fc.constantFrom(0, 1, 0.5, 2.25, 1000, 100000, -1));
const DATE_LIKE: Record<string, fc.Arbitrary<string>> = {
  date: fc.constantFrom('2009-02-01', '2008-12-31', '2030-01-01', '1990-05-05'),
  'datetime-local': fc.constantFrom('2009-02-01T09:30', '2031-01-01T00:00'),
  time: fc.constantFrom('08:45', '23:59'),
  month: fc.constantFrom('2009-01', '2040-12'),
  week: fc.constantFrom('2009-W05', '2009-W53'),
  email: fc.constantFrom('duty@example.org', 'not-an-email'),
  url: fc.constantFrom('https://example.org', 'not a url'),
  color: fc.constantFrom('#336699'),
  number: fc.oneof(number.map(String), number as fc.Arbitrary<unknown> as fc.Arbitrary<string>),
};

function choiceValue(detail: QuestionDetail, numeric: boolean): fc.Arbitrary<unknown> {
  const choices = (detail.choices ?? []).map((c) => (numeric ? Number(c.value) : c.value));
  const listed = choices.length ? fc.constantFrom(...choices) : numeric ? number : text;
  return fc.oneof({ weight: 6, arbitrary: listed }, { weight: 1, arbitrary: fc.constantFrom('other', 'none', 'Typed by hand') });
}

function valueOf(spec: ValueSpec, depth = 0): fc.Arbitrary<unknown> {
  const { detail } = spec;
  if (spec.type === 'boolean') return fc.constantFrom(...(detail.booleanValues ?? [true, false]));
  switch (spec.valueType) {
    case 'numeric':
      if (detail.choices?.length) return choiceValue(detail, true);
      if (detail.scale) return fc.oneof(fc.integer({ min: detail.scale.min, max: detail.scale.max }), number);
      return number;
    case 'text':
      return detail.inputType && DATE_LIKE[detail.inputType]
        ? fc.oneof({ weight: 4, arbitrary: DATE_LIKE[detail.inputType] }, { weight: 1, arbitrary: text })
        : text;
    case 'choice':
      return choiceValue(detail, false);
    case 'multiple': {
      const values = (detail.choices ?? []).map((c) => c.value);
      return values.length ? fc.subarray([...values, 'other', 'Typed by hand']) : fc.array(text, { maxLength: 3 });
    }
    case 'matrix': {
      const rows = (detail.rows ?? []).map((r) => r.value);
      if (detail.ranking) return fc.shuffledSubarray(rows.length ? rows : ['a', 'b']);
      if (detail.range) return fc.tuple(number, number);
      if (detail.items) return fc.dictionary(fc.constantFrom(...detail.items.map((i) => i.name)), fc.oneof(text, number), { maxKeys: detail.items.length });
      const columns = (detail.columns ?? []).map((c) => ({ name: c.name, spec: columnSpec(c) }));
      if (!rows.length) return fc.constant({});
      const cell =
        spec.type === 'matrix' ? valueOf(columns[0]?.spec ?? { type: 'choice', valueType: 'choice', detail: {} }, depth + 1) : objectOf(columns, depth);
      return fc.dictionary(fc.constantFrom(...rows), cell, { maxKeys: rows.length });
    }
    case 'dynamic': {
      if (depth > 2) return fc.constant([]);
      const fields = (detail.fields ?? []).map((f) => ({ name: f.name, spec: f as ValueSpec }));
      return fc.array(objectOf(fields, depth), { maxLength: 3 });
    }
  }
  return text;
}

function objectOf(fields: { name: string; spec: ValueSpec }[], depth: number): fc.Arbitrary<Record<string, unknown>> {
  if (!fields.length) return fc.constant({});
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of fields) record[field.name] = valueOf(field.spec, depth + 1);
  return fc.record(record, { requiredKeys: [] });
}

function answersOf(version: VersionInfo): fc.Arbitrary<Record<string, unknown>> {
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const question of version.catalogue.values()) {
    record[question.name] = valueOf(question);
    if (question.detail.comment || question.detail.rules?.other === 'comment') record[`${question.name}${COMMENT_SUFFIX}`] = text;
  }
  // Only what a save accepts reaches the rules: values that fail the shape checks (a choice that is not listed, a row
  // that does not exist) are refused before them (validateChange), so they are dropped here.
  return fc
    .record(record, { requiredKeys: [] })
    .map((data) => Object.fromEntries(Object.entries(data).filter(([key, value]) => accepted(version, key, value))));
}

function accepted(version: VersionInfo, key: string, value: unknown): boolean {
  const resolved = resolveDataKey(version, key);
  const errors: AnswerError[] = [];
  if (resolved) checkDataValue(resolved, key, value, errors);
  return resolved !== null && errors.length === 0;
}

/** Answer sets with a few questions touched (the keys a save would set), as the API and autosave send them. */
function savesOf(version: VersionInfo) {
  return answersOf(version).chain((data) => {
    const keys = Object.keys(data);
    return fc.record({ data: fc.constant(data), touched: keys.length ? fc.subarray(keys, { maxLength: Math.min(6, keys.length) }) : fc.constant([]) });
  });
}

describe('compiled rules judge a save as the full model does', () => {
  it('compiles every published version and every type-conformance fixture', () => {
    for (const version of VERSIONS) expect(compiledRulesOf(version), label(version)).toMatchObject({ compiled: true });
  });

  it('on the fixture answers, every question touched', () => {
    const fixtures = path.resolve('tests/fixtures/answers');
    let checked = 0;
    for (const version of VERSIONS) {
      const file = path.join(fixtures, `${version.slug}-v${version.version}.json`);
      if (!fs.existsSync(file)) continue;
      const data = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
      expectSameJudgement(version, data, Object.keys(data));
      checked++;
    }
    const everyType = VERSIONS.find((v) => v.slug === 'every-type' && v.version === 1)!;
    const data = answerEveryType().data as Record<string, unknown>;
    expectSameJudgement(everyType, data, Object.keys(data));
    expect(checked).toBe(3);
  });

  it('on the invalid cases (the same errors found)', () => {
    const cases = JSON.parse(fs.readFileSync(path.resolve('tests/fixtures/answers/invalid-cases.json'), 'utf8')) as {
      slug: string;
      version: number;
      data: Record<string, unknown>;
      expectError: string;
    }[];
    for (const testCase of cases) {
      const version = VERSIONS.find((v) => v.slug === testCase.slug && v.version === testCase.version)!;
      const touched = Object.keys(testCase.data);
      const compiled = assessAnswers(version, testCase.data, 'save', touched);
      expect(sorted(compiled.errors)).toEqual(sorted(assessWithModel(version, testCase.data, 'save', touched).errors));
      expect(compiled.progress).toEqual(assessWithModel(version, testCase.data, 'save', touched).progress);
    }
    expect(cases.length).toBeGreaterThan(100);
  });

  it('a version that changes answers as conditions run is judged by the full model, and says why', () => {
    const definition = {
      pages: [
        {
          name: 'p',
          elements: [
            { type: 'text', name: 'cases', inputType: 'number', topic: 'caseloads' },
            { type: 'text', name: 'band', setValueIf: '{cases} > 20', setValueExpression: "'high'", topic: 'caseloads' },
            { type: 'text', name: 'note', visibleIf: "{band} = 'high'", topic: 'caseloads' },
          ],
        },
      ],
    };
    const version = versionOf('changing', 1, definition);
    expect(compiledRulesOf(version)).toEqual({ compiled: false, reason: expect.stringContaining('setValueIf (band)') });
    const saved = assessAnswers(version, { cases: 30 }, 'save', ['cases']);
    expect(saved).toEqual(assessWithModel(version, { cases: 30 }, 'save', ['cases']));
  });

  it('an expression reading another computed value is run to its fixed point before conditions read it', () => {
    const definition = {
      pages: [
        {
          name: 'p',
          elements: [
            { type: 'expression', name: 'doubled', expression: '{halved} * 4' },
            { type: 'expression', name: 'halved', expression: '{cases} / 2' },
            { type: 'text', name: 'cases', inputType: 'number', topic: 'caseloads' },
            { type: 'comment', name: 'why', visibleIf: '{doubled} > 50', topic: 'caseloads' },
          ],
        },
      ],
    };
    const version = versionOf('fixed-point', 1, definition);
    expect(compiledRulesOf(version)).toMatchObject({ compiled: true });
    for (const cases of [10, 30]) expectSameJudgement(version, { cases, doubled: 0, halved: 0 }, ['cases']);
    expect(assessAnswers(version, { cases: 30 }, 'save', ['cases']).progress).toEqual({ answered: 1, answerable: 2 });
  });

  for (const version of VERSIONS) {
    it(`on random answer sets: ${label(version)}`, () => {
      fc.assert(
        fc.property(savesOf(version), ({ data, touched }) => expectSameJudgement(version, data, touched)),
        { numRuns: 120, seed: 20090212 + version.version, endOnFailure: true },
      );
    }, 240_000);
  }
});
