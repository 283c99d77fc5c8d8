import fs from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { Model, Serializer } from 'survey-core';
import {
  ACTIVITY_COLUMNS,
  DEMO_SEED,
  V1_MONTHS,
  createRng,
  generateMiniJar,
  generateSelfAssessmentV1,
  isHighVacancyTeam,
  type DemoTeam,
} from '../db/seed/answers';
import { expectPhase1Headlines } from './helpers/demo-headlines';

// The custom property every question carries (registered once per process, as the app does).
if (!Serializer.findProperty('question', 'topic')) Serializer.addProperty('question', { name: 'topic', category: 'general' });

const surveysDir = path.resolve(__dirname, '..', 'surveys');
const definition = (slug: string, version: number) => JSON.parse(fs.readFileSync(path.join(surveysDir, slug, `v${version}.json`), 'utf8')) as object;
const SELF_ASSESSMENT_V1 = definition('team-self-assessment', 1);
const SELF_ASSESSMENT_V2 = definition('team-self-assessment', 2);
const MINI_JAR_V1 = definition('mini-jar-matrix', 1);
const DEFINITIONS: Record<string, object> = {
  'team-self-assessment/1': SELF_ASSESSMENT_V1,
  'team-self-assessment/2': SELF_ASSESSMENT_V2,
  'mini-jar-matrix/1': MINI_JAR_V1,
};
const fixturesDir = path.resolve(__dirname, 'fixtures', 'answers');
const fixture = (file: string) => JSON.parse(fs.readFileSync(path.join(fixturesDir, file), 'utf8'));
const TOPICS = new Set((JSON.parse(fs.readFileSync(path.join(surveysDir, 'topics.json'), 'utf8')) as { id: string }[]).map((t) => t.id));

type TeamType = DemoTeam['teamType'];

/** 40 synthetic teams in four areas of Kent: a duty, a long-term and a looked-after children team per district,
 * plus a disabled children's team per area (the fourth area has a specialist "other" team instead). */
function fourAreaTeams(): DemoTeam[] {
  const areas: [string, string[], TeamType][] = [
    ['East Kent', ['Canterbury', 'Thanet', 'Dover'], 'disability'],
    ['South Kent', ['Ashford', 'Shepway', 'Swale'], 'disability'],
    ['West Kent', ['Maidstone', 'Tunbridge Wells', 'Sevenoaks'], 'disability'],
    ['North Kent', ['Dartford', 'Gravesham', 'Tonbridge and Malling'], 'other'],
  ];
  const kinds: [TeamType, string][] = [
    ['duty-initial-assessment', 'Duty and Initial Assessment'],
    ['long-term-child-protection', 'Child Protection (Long-term)'],
    ['looked-after-children', 'Children in Care'],
  ];
  const teams: DemoTeam[] = [];
  const add = (name: string, area: string, teamType: TeamType) =>
    teams.push({ slug: name.toLowerCase().replace(/[^a-z]+/g, '-'), name, area, teamType, index: teams.length });
  for (const [area, districts, extra] of areas) {
    for (const district of districts) for (const [type, label] of kinds) add(`${district} ${label}`, area, type);
    add(extra === 'disability' ? `${area} Disabled Children's Team` : `${area} Unaccompanied Asylum-Seeking Children`, area, extra);
  }
  return teams;
}

/** The same mix arranged as the app's demo organisation: 3 areas, 12 districts, 3 disabled children's teams, 1 other. */
function threeAreaTeams(): DemoTeam[] {
  const areas: [string, string[]][] = [
    ['East Kent', ['Ashford', 'Canterbury', 'Dover', 'Shepway', 'Thanet']],
    ['West Kent', ['Sevenoaks', 'Tonbridge and Malling', 'Tunbridge Wells']],
    ['North and Mid Kent', ['Dartford', 'Gravesham', 'Maidstone', 'Swale']],
  ];
  const teams: DemoTeam[] = [];
  const add = (name: string, area: string, teamType: TeamType) =>
    teams.push({ slug: name.toLowerCase().replace(/[^a-z]+/g, '-'), name, area, teamType, index: teams.length });
  for (const [area, districts] of areas) {
    for (const district of districts) {
      add(`${district} Duty and Initial Assessment`, area, 'duty-initial-assessment');
      add(`${district} Child Protection (Long-term)`, area, 'long-term-child-protection');
      add(`${district} Children in Care`, area, 'looked-after-children');
    }
    add(`${area} Disabled Children's Team`, area, 'disability');
  }
  add('Unaccompanied Asylum-Seeking Children', 'North and Mid Kent', 'other');
  return teams;
}

type Errors = Record<string, string[]>;

/** One model per questionnaire, reused as the app does: building a model costs far more than validating with it. */
const models = new Map<object, { model: Model; check: Model }>();

/** Server-side validation as the app does it: all errors, plus values SurveyJS would silently drop. */
function validate(json: object, data: Record<string, unknown>): { valid: boolean; errors: Errors; dropped: string[]; model: Model } {
  let cached = models.get(json);
  if (!cached) {
    cached = { model: new Model(json), check: new Model(json) };
    expect(cached.model.jsonErrors ?? []).toEqual([]);
    models.set(json, cached);
  }
  const { model, check } = cached;
  model.data = structuredClone(data);
  const valid = model.validate(true, false);
  const errors: Errors = {};
  for (const question of model.getAllQuestions()) {
    const messages = question.getAllErrors().map((e) => e.getText());
    if (messages.length) errors[question.name] = messages;
  }
  // Values outside the choices, rows or columns and unknown keys are not errors to SurveyJS: find them by clearing.
  check.data = structuredClone(data);
  check.clearIncorrectValues(true);
  const dropped = Object.keys(data).filter((key) => JSON.stringify(check.data[key]) !== JSON.stringify(data[key]));
  return { valid, errors, dropped, model };
}

function generateAll(teams: DemoTeam[], seed = DEMO_SEED) {
  const rng = createRng(seed);
  return teams.map((team) => ({
    team,
    answers: generateSelfAssessmentV1(team, rng, 'complete') as Record<string, any>,
    miniJar: generateMiniJar(team, rng) as Record<string, any>,
  }));
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(mid)] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function headlines(sets: ReturnType<typeof generateAll>) {
  const sum = (f: (a: Record<string, any>) => number) => sets.reduce((total, s) => total + f(s.answers), 0);
  const workers = sum((a) => a.case_holding_workers);
  const monthTotal = (month: string, column: string) => sum((a) => a.referrals_monthly[month][column]);
  return {
    weightedCaseload: sum((a) => a.average_caseload * a.case_holding_workers) / workers,
    meanCaseload: sum((a) => a.average_caseload) / sets.length,
    cpPerWorker: sum((a) => a.cp_plan_cases) / workers,
    lacPerWorker: sum((a) => a.lac_cases) / workers,
    vacancyRate: sum((a) => a.vacant_fte) / sum((a) => a.establishment_fte),
    teamsAbove25: sets.filter((s) => s.answers.vacant_fte / s.answers.establishment_fte > 0.25).length,
    monthTotal,
    /** December 2008 against the median of June to November 2008. */
    decemberRise: (column: string) => monthTotal('2008-12', column) / median(V1_MONTHS.slice(6, 12).map((m) => monthTotal(m, column))),
  };
}

describe('demo answer generator', () => {
  const teams = fourAreaTeams();
  const sets = generateAll(teams);

  it('builds 40 teams in four areas with every team type represented', () => {
    expect(teams).toHaveLength(40);
    expect(new Set(teams.map((t) => t.area)).size).toBe(4);
    expect(new Set(teams.map((t) => t.teamType))).toEqual(
      new Set(['duty-initial-assessment', 'long-term-child-protection', 'looked-after-children', 'disability', 'other']),
    );
  });

  it('the questionnaires load cleanly, with unique question names and known topics', () => {
    for (const json of [SELF_ASSESSMENT_V1, MINI_JAR_V1]) {
      const model = new Model(json);
      expect(model.jsonErrors ?? []).toEqual([]);
      const questions = model.getAllQuestions(false, false, false);
      const names = questions.map((q) => q.name);
      expect(new Set(names).size).toBe(names.length);
      for (const q of questions) expect(TOPICS, q.name).toContain((q as unknown as { topic: string }).topic);
    }
  });

  it('is deterministic for a seed and differs between seeds', () => {
    expect(generateAll(teams)).toEqual(sets);
    expect(generateAll(teams, DEMO_SEED + 1)).not.toEqual(sets);
  });

  it('every complete self-assessment passes every validator and required rule of version 1', () => {
    for (const { team, answers } of sets) {
      const result = validate(SELF_ASSESSMENT_V1, answers);
      expect(result.errors, team.slug).toEqual({});
      expect(result.valid, team.slug).toBe(true);
      expect(result.dropped, team.slug).toEqual([]);
      expect(answers.team_type).toBe(team.teamType);
      // Branches: disabled children's teams answer their extra questions; other teams do not.
      const disability = team.teamType === 'disability';
      expect('disability_transition_cases' in answers, team.slug).toBe(disability);
      expect('disabled_child_communication' in answers, team.slug).toBe(disability);
      // Shapes as SurveyJS stores them.
      expect(Object.keys(answers.referrals_monthly)).toEqual([...V1_MONTHS]);
      for (const row of Object.values(answers.referrals_monthly) as Record<string, unknown>[]) {
        expect(Object.keys(row)).toEqual([...ACTIVITY_COLUMNS]);
        for (const value of Object.values(row)) expect(Number.isInteger(value)).toBe(true);
      }
      expect(Array.isArray(answers.demand_measures)).toBe(true);
      expect(typeof answers.practice_consistency).toBe('object');
    }
  });

  it('every mini-JAR matrix passes validation, with every standard rated', () => {
    for (const { team, miniJar } of sets) {
      const result = validate(MINI_JAR_V1, miniJar);
      expect(result.errors, team.slug).toEqual({});
      expect(result.valid, team.slug).toBe(true);
      expect(result.dropped, team.slug).toEqual([]);
      const matrices = result.model.getAllQuestions().filter((q) => q.getType() === 'matrixdropdown');
      for (const matrix of matrices) {
        const rows = (matrix as unknown as { rows: { value: string }[] }).rows.map((r) => r.value);
        expect(Object.keys(miniJar[matrix.name]).sort()).toEqual([...rows].sort());
      }
    }
  });

  it('a partial return answers only the first three pages, and those pages are valid', () => {
    const rng = createRng(DEMO_SEED);
    for (const team of teams.slice(0, 8)) {
      const partial = generateSelfAssessmentV1(team, rng, 'partial');
      expect(partial).not.toHaveProperty('completed_on');
      const { errors, model } = validate(SELF_ASSESSMENT_V1, partial);
      const firstPages = new Set(model.pages.slice(0, 3).map((p) => p.name));
      for (const name of Object.keys(partial)) expect(firstPages, name).toContain(model.getQuestionByName(name).page.name);
      for (const name of Object.keys(errors)) expect(firstPages, `${team.slug}: ${name}`).not.toContain(model.getQuestionByName(name).page.name);
      expect(Object.keys(errors).length).toBeGreaterThan(0); // later required questions are still to do
    }
  });

  it('reproduces the Phase 1 headline figures across 40 teams', () => {
    const h = headlines(sets);
    // Average caseload about 25 per case-holding qualified worker, vacancy rate about 17% with a few teams above 25%.
    expectPhase1Headlines({ ...h, teamsAboveHighVacancy: h.teamsAbove25 });
    // The plain mean caseload agrees; about 4 CP plans and just over 4 LAC each.
    expect(h.meanCaseload).toBeGreaterThanOrEqual(23);
    expect(h.meanCaseload).toBeLessThanOrEqual(27);
    expect(h.cpPerWorker).toBeGreaterThan(3.4);
    expect(h.cpPerWorker).toBeLessThan(4.6);
    expect(h.lacPerWorker).toBeGreaterThan(3.6);
    expect(h.lacPerWorker).toBeLessThan(5);
    expect(sets.filter((s) => isHighVacancyTeam(s.team)).map((s) => s.team.index)).toEqual([3, 13, 23, 33]);
  });

  it('shows the December 2008 rise in referrals and child protection activity, after a gentle drift', () => {
    const h = headlines(sets);
    expect(h.decemberRise('new_referrals')).toBeGreaterThan(1.15);
    for (const column of ['strategy_discussions', 's47_enquiries', 'initial_cp_conferences']) {
      expect(h.decemberRise(column), column).toBeGreaterThan(1.15);
      expect(h.decemberRise(column), column).toBeLessThan(1.45);
    }
    // Before December, each month's referrals stay within 12% of the year's median: a drift, not a jump.
    const earlier = V1_MONTHS.slice(0, 12).map((m) => h.monthTotal(m, 'new_referrals'));
    for (const value of earlier) expect(Math.abs(value / median(earlier) - 1)).toBeLessThan(0.12);
    // More plans started than ended in December, by more than in any earlier month.
    const net = (m: string) => h.monthTotal(m, 'cp_plans_started') - h.monthTotal(m, 'cp_plans_ended');
    const december = net('2008-12');
    for (const m of V1_MONTHS.slice(0, 12)) expect(december).toBeGreaterThan(net(m));
  });

  it('holds for the app’s three-area demo organisation too', () => {
    const other = generateAll(threeAreaTeams());
    for (const { team, answers } of other) expect(validate(SELF_ASSESSMENT_V1, answers).errors, team.slug).toEqual({});
    const h = headlines(other);
    expectPhase1Headlines({ ...h, teamsAboveHighVacancy: h.teamsAbove25 });
    expect(h.decemberRise('new_referrals')).toBeGreaterThan(1.15);
  });
});

describe('answer fixtures', () => {
  const complete: [string, string][] = [
    ['team-self-assessment/1', 'team-self-assessment-v1.json'],
    ['team-self-assessment/2', 'team-self-assessment-v2.json'],
    ['mini-jar-matrix/1', 'mini-jar-matrix-v1.json'],
  ];

  it.each(complete)('%s: the complete fixture is valid and answers every question', (key, file) => {
    const data = fixture(file) as Record<string, unknown>;
    const { errors, valid, dropped, model } = validate(DEFINITIONS[key], data);
    expect(errors).toEqual({});
    expect(valid).toBe(true);
    expect(dropped).toEqual([]);
    const unanswered = model
      .getAllQuestions(false, false, false)
      .filter((q) => q.getType() !== 'html' && !(q.name in data))
      .map((q) => q.name);
    expect(unanswered).toEqual([]);
  });

  it('each invalid case breaks its validator and no other validator', () => {
    const cases = fixture('invalid-cases.json') as { slug: string; version: number; description: string; data: Record<string, unknown>; expectError: string }[];
    expect(cases.length).toBeGreaterThan(50);
    for (const c of cases) {
      const { model } = validate(DEFINITIONS[`${c.slug}/${c.version}`], c.data);
      expect(model.getQuestionByName(c.expectError).getAllErrors().length, c.description).toBeGreaterThan(0);
      // Other questions may only complain that they are unanswered (the data is deliberately minimal).
      for (const question of model.getAllQuestions()) {
        if (question.name === c.expectError) continue;
        const other = question.getAllErrors().filter((e) => !e.getErrorType().startsWith('required'));
        expect(
          other.map((e) => `${question.name}: ${e.getText()}`),
          c.description,
        ).toEqual([]);
      }
    }
  });
});
