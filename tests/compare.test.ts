import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareTeamAcrossRounds, compareTeamsInRound, outlierOf, quantile, rowsOf, spreadOf } from '../app/models/compare.server';
import { getQuestionnaireVersion } from '../app/models/questionnaires.server';
import { loadRegistry, publishRegistry } from '../app/models/registry.server';
import { saveResponseChange, submitResponse } from '../app/models/responses.server';
import { createRound, createRoundForUser } from '../app/models/rounds.server';
import type { CurrentUser } from '../app/models/users.server';
import { createTestDatabase, onPostgres, type TestDatabase } from './helpers/db';
import { createArea, createTeam, createUser, publishFixtureSurveys } from './helpers/factories';

let test: TestDatabase;
let versions: Record<string, number>;
let east: { id: number; slug: string };
let west: { id: number };
let teams: Array<{ id: number; name: string; slug: string }>;
let westTeam: { id: number; name: string };
let managers: Map<number, CurrentUser>;
let eastReviewer: CurrentUser;
let kentReviewer: CurrentUser;

beforeAll(async () => {
  test = await createTestDatabase();
  await publishFixtureSurveys(test.db);
  await publishRegistry(test.db, loadRegistry());
  versions = await publishFixtureSurveys(test.db); // already published: returns every version id by slug@version
  east = await createArea(test.db, 'East Kent');
  west = await createArea(test.db, 'West Kent');
  teams = [];
  managers = new Map();
  for (const name of ['Ashford', 'Canterbury', 'Dover', 'Shepway', 'Thanet']) {
    const team = await createTeam(test.db, east.id, 'duty-initial-assessment', `${name} Duty`);
    teams.push(team);
    managers.set(team.id, await createUser(test.db, 'manager', { teamId: team.id }, `${name} Manager`));
  }
  westTeam = await createTeam(test.db, west.id, 'duty-initial-assessment', 'Sevenoaks Duty');
  managers.set(westTeam.id, await createUser(test.db, 'manager', { teamId: westTeam.id }, 'Sevenoaks Manager'));
  eastReviewer = await createUser(test.db, 'reviewer', { areaId: east.id }, 'Eve Reviewer');
  kentReviewer = await createUser(test.db, 'reviewer', {}, 'Kim Reviewer');
});
afterAll(() => test.destroy());

async function responseId(roundId: number, teamId: number) {
  return (await test.db.selectFrom('responses').select('id').where('round_id', '=', roundId).where('team_id', '=', teamId).executeTakeFirstOrThrow()).id;
}

async function answer(roundId: number, teamId: number, data: Record<string, unknown>, submit = false) {
  const id = await responseId(roundId, teamId);
  const manager = managers.get(teamId)!;
  const saved = await saveResponseChange(test.db, manager, id, { baseRevision: 0, set: data, unset: [] });
  if (submit) await submitResponse(test.db, manager, id, { revision: saved.revision });
  return id;
}

describe('the outlier rule (Tukey’s fences, 1.5 IQR)', () => {
  it('interpolates quartiles linearly, as percentile_cont does', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4, 100], 0.25)).toBe(2);
    expect(quantile([1, 2, 3, 4, 100], 0.75)).toBe(4);
    expect(quantile([7], 0.75)).toBe(7);
  });

  it('flags values beyond 1.5 interquartile ranges from the quartiles, and nothing with fewer than 4 values', () => {
    const spread = spreadOf([1, 2, 3, 4, 100])!;
    expect(spread).toMatchObject({ n: 5, median: 3, q1: 2, q3: 4, lowFence: -1, highFence: 7 });
    expect(outlierOf(spread, 100)).toBe('high');
    expect(outlierOf(spread, 7)).toBeNull(); // on the fence is not beyond it
    expect(outlierOf(spread, -2)).toBe('low');
    expect(outlierOf(spreadOf([1, 2, 50]), 50)).toBeNull();
    expect(spreadOf([1, 2, 50])).toMatchObject({ lowFence: null, highFence: null, median: 2 });
    expect(spreadOf([])).toBeNull();
    expect(outlierOf(spread, null)).toBeNull();
  });
});

describe(`teams side by side (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let roundId: number;
  beforeAll(async () => {
    const round = await createRound(
      test.db,
      { name: 'Phase 1', questionnaireVersionId: versions['fixture-check@1'], dueDate: '2009-01-30', teamIds: [...teams, westTeam].map((t) => t.id) },
      null,
    );
    roundId = round.id;
    await answer(
      roundId,
      teams[0].id,
      {
        team_kind: 'duty',
        establishment: 10,
        vacant: 0,
        pressures: ['ics', 'plo'],
        hard_copy: false,
        monthly: { '2008-11': { referrals: 30, trend: 'up' } },
        practice: { seen_alone: 'usually' },
      },
      true,
    );
    await answer(roundId, teams[1].id, { team_kind: 'lac', establishment: 11, monthly: { '2008-11': { referrals: 31 } }, practice: { seen_alone: 'always' } });
    await answer(roundId, teams[2].id, { team_kind: 'duty', establishment: 12, monthly: { '2008-11': { referrals: 29 } } });
    await answer(roundId, teams[3].id, { team_kind: 'duty', establishment: 48 });
    // teams[4] has not started; the west team answers too, but an east reviewer's median never includes it.
    await answer(roundId, westTeam.id, { team_kind: 'duty', establishment: 13 });
  });

  it('has a row for every question and every matrix row and cell, aligned by name, with choices as text and empty answers empty (not zero)', async () => {
    const result = await compareTeamsInRound(test.db, eastReviewer, roundId, { teams: [String(teams[0].id), teams[3].slug, String(teams[4].id)] });
    const version = await getQuestionnaireVersion(test.db, versions['fixture-check@1']);
    expect(result.rows.map((r) => r.key)).toEqual(rowsOf(version).map((r) => r.key));
    expect(result.rows.map((r) => r.key)).toEqual([
      'team_kind',
      'establishment',
      'vacant',
      'old_note',
      'pressures',
      'monthly.2008-11.referrals',
      'monthly.2008-11.trend',
      'monthly.2008-12.referrals',
      'monthly.2008-12.trend',
      'practice.seen_alone',
      'practice.checks',
      'hard_copy',
      'due',
    ]);
    const row = (key: string) => result.rows.find((r) => r.key === key)!;
    expect(row('team_kind').values.map((v) => v.text)).toEqual(['Duty', 'Duty', null]);
    expect(row('pressures').values[0].text).toBe('ics; plo');
    expect(row('hard_copy').values[0]).toMatchObject({ value: false, text: 'No' });
    expect(row('monthly.2008-11.trend').values[0].text).toBe('up');
    expect(row('monthly.2008-11.referrals')).toMatchObject({
      row: { key: '2008-11', title: 'November 2008' },
      column: { key: 'referrals', title: 'Referrals' },
      kind: 'numeric',
    });
    // Zero is an answer; no answer is null, never 0.
    expect(row('vacant').values.map((v) => [v.value, v.text])).toEqual([
      [0, '0'],
      [null, null],
      [null, null],
    ]);
    expect(result.teams.map((t) => t.name)).toEqual(['Ashford Duty', 'Shepway Duty', 'Thanet Duty']);
  });

  it("shows the round's median over every team the reviewer can see and flags outliers by the rule", async () => {
    const result = await compareTeamsInRound(test.db, eastReviewer, roundId, { teams: [String(teams[0].id), String(teams[3].id)] });
    const establishment = result.rows.find((r) => r.key === 'establishment')!;
    // East teams answered 10, 11, 12 and 48 (West's 13 is outside this reviewer's area): median 11.5, Q1 10.75, Q3 21.
    expect(establishment.spread).toMatchObject({ n: 4, median: 11.5, q1: 10.75, q3: 21 });
    expect(establishment.values).toEqual([
      { teamId: teams[0].id, value: 10, text: '10', outlier: null },
      { teamId: teams[3].id, value: 48, text: '48', outlier: 'high' },
    ]);
    const all = await compareTeamsInRound(test.db, kentReviewer, roundId, { teams: [String(teams[0].id)] });
    expect(all.rows.find((r) => r.key === 'establishment')!.spread).toMatchObject({ n: 5, median: 12 });
    expect(result.rows.find((r) => r.key === 'monthly.2008-11.referrals')!.spread).toMatchObject({ n: 3, median: 30, highFence: null });
    expect(result.rows.find((r) => r.key === 'team_kind')!.spread).toBeNull();
  });

  it('filters rows by topic and to those where the teams differ', async () => {
    const topic = await compareTeamsInRound(test.db, eastReviewer, roundId, { teams: [String(teams[0].id), String(teams[2].id)], topic: 'staffing-vacancies' });
    expect(topic.rows.map((r) => r.key)).toEqual(['establishment', 'vacant']);
    const differing = await compareTeamsInRound(test.db, eastReviewer, roundId, { teams: [String(teams[0].id), String(teams[2].id)], onlyDiffering: true });
    expect(differing.rows.map((r) => r.key)).not.toContain('team_kind'); // both 'duty'
    expect(differing.rows.map((r) => r.key)).not.toContain('old_note'); // both empty
    expect(differing.rows.map((r) => r.key)).toEqual(
      expect.arrayContaining(['establishment', 'vacant', 'monthly.2008-11.referrals', 'monthly.2008-11.trend', 'pressures']),
    );
    expect(differing.counts.allRows).toBe(13);
  });

  it('compares a whole area, and refuses teams the reviewer cannot see (404) or more than a dozen (422)', async () => {
    const area = await compareTeamsInRound(test.db, eastReviewer, roundId, { area: east.slug });
    expect(area.teams).toHaveLength(5);
    await expect(compareTeamsInRound(test.db, eastReviewer, roundId, { teams: [String(westTeam.id)] })).rejects.toMatchObject({ status: 404 });
    await expect(compareTeamsInRound(test.db, eastReviewer, roundId, { area: String(west.id) })).rejects.toMatchObject({ status: 404 });
    await expect(compareTeamsInRound(test.db, eastReviewer, roundId, { teams: Array.from({ length: 13 }, (_, i) => String(i + 1)) })).rejects.toMatchObject({
      status: 422,
    });
    await expect(compareTeamsInRound(test.db, managers.get(teams[0].id)!, roundId, { teams: [String(teams[0].id)] })).rejects.toMatchObject({ status: 404 });
  });
});

describe('a team across phases: the real team self-assessment, version 1 to version 2', () => {
  it('aligns renamed questions and matrix cells through the mapping, marks removed and added rows, and highlights changes', async () => {
    const slugVersion = async (version: number) =>
      (
        await test.db
          .selectFrom('questionnaire_versions as v')
          .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
          .select('v.id')
          .where('q.slug', '=', 'team-self-assessment')
          .where('v.version', '=', version)
          .executeTakeFirstOrThrow()
      ).id;
    const team = teams[0];
    const phase1 = await createRound(
      test.db,
      { name: 'Phase 1 self-assessment', questionnaireVersionId: await slugVersion(1), dueDate: '2009-01-30', teamIds: [team.id] },
      null,
    );
    const source = JSON.parse(fs.readFileSync(path.resolve('tests/fixtures/answers/team-self-assessment-v1.json'), 'utf8')) as Record<string, any>;
    await answer(phase1.id, team.id, source, true);
    const phase2 = await createRoundForUser(test.db, eastReviewer, {
      name: 'Phase 2 self-assessment',
      questionnaireVersionId: await slugVersion(2),
      dueDate: '2009-03-13',
      teams: { by: 'earlier' },
      followsRoundId: phase1.id,
    });
    const id2 = await responseId(phase2.id, team.id);
    const monthly = structuredClone(source.referrals_monthly);
    monthly['2008-12'].new_referrals += 1;
    monthly['2009-01'] = { ...monthly['2008-12'] };
    const manager = managers.get(team.id)!;
    const saved = await saveResponseChange(test.db, manager, id2, {
      baseRevision: 1,
      set: { senior_practitioner_fte: source.senior_practitioners + 0.5, referrals_monthly: monthly },
      unset: [],
    });
    expect(saved.changed.sort()).toEqual(['referrals_monthly', 'senior_practitioner_fte']);

    const result = await compareTeamAcrossRounds(test.db, eastReviewer, team.id, [phase2.id, phase1.id]);
    expect(result.rounds.map((r) => r.questionnaireVersion)).toEqual([1, 2]);
    const row = (key: string) => result.rows.find((r) => r.key === key)!;
    expect(row('senior_practitioner_fte')).toMatchObject({
      status: 'changed',
      before: { asked: true, question: 'senior_practitioners', value: source.senior_practitioners },
      after: { asked: true, question: 'senior_practitioner_fte', value: source.senior_practitioners + 0.5 },
    });
    expect(row('paper_records_kept')).toMatchObject({
      status: 'unchanged',
      before: { question: 'hard_copy_files' },
      after: { question: 'paper_records_kept' },
    });
    expect(row('referrals_monthly.2008-12.new_referrals')).toMatchObject({
      status: 'changed',
      before: { value: source.referrals_monthly['2008-12'].new_referrals },
    });
    expect(row('referrals_monthly.2008-11.new_referrals').status).toBe('unchanged');
    expect(row('referrals_monthly.2009-01.new_referrals')).toMatchObject({ status: 'added', before: { asked: false, value: null }, after: { asked: true } });
    expect(row('referrals_monthly.2009-02.s47_enquiries')).toMatchObject({ status: 'added', after: { asked: true, value: null, text: null } });
    expect(row('changes_team_profile')).toMatchObject({ status: 'added', before: { asked: false } });
    for (const removed of ['leavers_12_months', 'admin_ics_entry', 'completed_on', 'accuracy_confirmed']) {
      expect(
        result.rows.find((r) => r.before.question === removed),
        removed,
      ).toMatchObject({ status: 'removed', after: { asked: false, value: null }, before: { asked: true } });
    }
    // A question the later version dropped sits where it was: leavers_12_months right after admin_support_fte.
    const keys = result.rows.map((r) => r.key);
    expect(keys[keys.indexOf('admin_support_fte') + 1]).toBe('leavers_12_months@v1');
    expect(result.counts.changed).toBe(2);
    expect(result.counts.removed).toBe(4);
    expect(result.mapping).toHaveLength(1);

    const topic = await compareTeamAcrossRounds(test.db, eastReviewer, team.id, [phase1.id, phase2.id], { topic: 'staffing-vacancies' });
    expect(topic.rows.every((r) => r.topic === 'staffing-vacancies')).toBe(true);
    expect(topic.rows.map((r) => r.key)).toContain('senior_practitioner_fte');
  });

  it('refuses rounds of different questionnaires (422) and teams the reviewer cannot see (404)', async () => {
    const a = await createRound(
      test.db,
      { name: 'Fixture', questionnaireVersionId: versions['fixture-check@1'], dueDate: '2009-01-30', teamIds: [teams[1].id, westTeam.id] },
      null,
    );
    const b = await createRound(
      test.db,
      { name: 'Self-assessment', questionnaireVersionId: versions['team-self-assessment@1'], dueDate: '2009-01-30', teamIds: [teams[1].id, westTeam.id] },
      null,
    );
    await expect(compareTeamAcrossRounds(test.db, eastReviewer, teams[1].id, [a.id, b.id])).rejects.toMatchObject({ status: 422 });
    await expect(compareTeamAcrossRounds(test.db, eastReviewer, westTeam.id, [a.id, b.id])).rejects.toMatchObject({ status: 404 });
    await expect(compareTeamAcrossRounds(test.db, eastReviewer, teams[1].id, [a.id, a.id])).rejects.toMatchObject({ status: 422 });
  });
});
