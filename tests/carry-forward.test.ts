import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { carryAnswers, confirmCarriedAnswers, fitToQuestion, nameThrough, versionPath } from '../app/models/carry-forward.server';
import { getQuestionnaireVersion } from '../app/models/questionnaires.server';
import { loadRegistry, publishRegistry } from '../app/models/registry.server';
import { saveResponseChange, submitResponse, valueAtRevision } from '../app/models/responses.server';
import { createRound, createRoundForUser } from '../app/models/rounds.server';
import type { CurrentUser } from '../app/models/users.server';
import type { AnswerError } from '../app/models/validation.server';
import type { VersionMapping } from '../db/schema';
import { answerRowsOf } from './helpers/answers';
import { createTestDatabase, onPostgres, type TestDatabase } from './helpers/db';
import { createArea, createTeam, createUser, FIXTURE_SURVEYS, publishFixtureSurveys, countRounds } from './helpers/factories';

let test: TestDatabase;
let versions: Record<string, number>;
let east: { id: number };
let teams: Array<{ id: number; name: string }>;
let managers: CurrentUser[];
let reviewer: CurrentUser;
let chainDir: string;

const fixtureAnswers = (file: string) => JSON.parse(fs.readFileSync(path.resolve('tests/fixtures/answers', file), 'utf8')) as Record<string, unknown>;

/** A copy of the fixture questionnaire with a third version, to carry answers across two mappings at once. */
function writeChainFixture(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stocktake-chain-'));
  fs.copyFileSync(path.join(FIXTURE_SURVEYS, 'topics.json'), path.join(dir, 'topics.json'));
  fs.mkdirSync(path.join(dir, 'fixture-chain'));
  const read = (file: string) => JSON.parse(fs.readFileSync(path.join(FIXTURE_SURVEYS, 'fixture-check', file), 'utf8'));
  fs.writeFileSync(path.join(dir, 'fixture-chain', 'v1.json'), JSON.stringify(read('v1.json')));
  const v2 = read('v2.json');
  fs.writeFileSync(path.join(dir, 'fixture-chain', 'v2.json'), JSON.stringify(v2));
  const v3 = structuredClone(v2);
  const profile = v3.pages[0].elements as Array<{ name: string }>;
  profile.find((e) => e.name === 'team_type_now')!.name = 'team_category';
  v3.pages[0].elements = profile.filter((e) => e.name !== 'pressures');
  const monthly = (v3.pages[1].elements as Array<{ name: string; rows?: unknown[] }>).find((e) => e.name === 'monthly')!;
  monthly.rows = [
    { value: '2008-12', text: 'December 2008' },
    { value: '2009-01', text: 'January 2009' },
  ]; // November 2008 dropped
  fs.writeFileSync(path.join(dir, 'fixture-chain', 'v3.json'), JSON.stringify(v3));
  fs.writeFileSync(
    path.join(dir, 'fixture-chain', 'meta.json'),
    JSON.stringify({
      slug: 'fixture-chain',
      title: 'Fixture chain',
      description: 'Three versions.',
      versions: {
        '1': { changeNotes: 'First.' },
        '2': { changeNotes: 'Second.', from: 1, renamed: { team_kind: 'team_type_now' }, removed: ['old_note'] },
        '3': { changeNotes: 'Third.', from: 2, renamed: { team_type_now: 'team_category' }, removed: ['pressures'] },
      },
    }),
  );
  return dir;
}

beforeAll(async () => {
  test = await createTestDatabase();
  await publishFixtureSurveys(test.db);
  await publishRegistry(test.db, loadRegistry());
  chainDir = writeChainFixture();
  versions = await publishFixtureSurveys(test.db, chainDir);
  east = await createArea(test.db, 'East Kent');
  teams = [];
  managers = [];
  for (const name of ['Ashford Duty', 'Canterbury Duty', 'Dover Duty']) {
    const team = await createTeam(test.db, east.id, 'duty-initial-assessment', name);
    teams.push(team);
    managers.push(await createUser(test.db, 'manager', { teamId: team.id }, `${name} Manager`));
  }
  reviewer = await createUser(test.db, 'reviewer', { areaId: east.id }, 'Eve Reviewer');
});
afterAll(async () => {
  await test.destroy();
  fs.rmSync(chainDir, { recursive: true, force: true });
});

async function responseOf(roundId: number, teamId: number) {
  return test.db.selectFrom('responses').selectAll().where('round_id', '=', roundId).where('team_id', '=', teamId).executeTakeFirstOrThrow();
}

async function fill(manager: CurrentUser, responseId: number, data: Record<string, unknown>, submit: boolean) {
  const saved = await saveResponseChange(test.db, manager, responseId, { baseRevision: 0, set: data, unset: [] });
  if (submit) await submitResponse(test.db, manager, responseId, { revision: saved.revision });
}

/** Everything stored for a round's responses, in a fixed order: to prove an earlier round is untouched. */
async function roundSnapshot(roundId: number) {
  const responses = await test.db.selectFrom('responses').selectAll().where('round_id', '=', roundId).orderBy('id').execute();
  const ids = responses.map((r) => r.id);
  const revisions = await test.db.selectFrom('response_revisions').selectAll().where('response_id', 'in', ids).orderBy('id').execute();
  const answers = await test.db.selectFrom('answers').selectAll().where('response_id', 'in', ids).orderBy('id').execute();
  return JSON.stringify({ responses, revisions, answers });
}

/** The answers rows a response should have for its data, and the ones it has. */
async function answersMatchData(responseId: number) {
  const { expected, actual, rows, response } = await answerRowsOf(test.db, responseId);
  expect(rows.every((r) => r.round_id === response.round_id && r.team_id === response.team_id)).toBe(true);
  return { expected, actual };
}

describe('the mapping between versions (pure)', () => {
  it('follows renames across several versions and stops at a removal', () => {
    const steps: VersionMapping[] = [
      { from: 1, renamed: { a: 'b', keep_me: 'kept' }, removed: ['x'] },
      { from: 2, renamed: { b: 'c' }, removed: ['y', 'kept'] },
    ];
    expect(nameThrough(steps, 'a')).toBe('c');
    expect(nameThrough(steps, 'x')).toBeNull();
    expect(nameThrough(steps, 'y')).toBeNull();
    expect(nameThrough(steps, 'keep_me')).toBeNull();
    expect(nameThrough(steps, 'z')).toBe('z');
    expect(nameThrough([], 'a')).toBe('a');
  });

  it('keeps the matrix rows, cells and choices the new version still has, and lists what it leaves out', async () => {
    const v3 = await getQuestionnaireVersion(test.db, versions['fixture-chain@3']);
    const v2 = await getQuestionnaireVersion(test.db, versions['fixture-chain@2']);
    const dropped: AnswerError[] = [];
    const monthly = fitToQuestion(
      v3.catalogue.get('monthly')!,
      { '2008-11': { referrals: 4 }, '2008-12': { referrals: 5, trend: 'up', colour: 'red' } },
      dropped,
    );
    expect(monthly).toEqual({ '2008-12': { referrals: 5, trend: 'up' } });
    expect(dropped.map((d) => d.path)).toEqual(['monthly.2008-11', 'monthly.2008-12.colour']);
    const pressures = fitToQuestion(v2.catalogue.get('pressures')!, ['ics', 'burnout'], dropped);
    expect(pressures).toEqual(['ics']);
    expect(fitToQuestion(v2.catalogue.get('establishment')!, 'twelve', [])).toBeUndefined();
  });
});

describe(`next phase: carrying answers forward (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('moves a submitted and an unfinished response from v1 onto v2 through the mapping, leaving the earlier round untouched', async () => {
    const phase1 = await createRound(
      test.db,
      { name: 'Phase 1', questionnaireVersionId: versions['fixture-check@1'], dueDate: '2009-01-30', teamIds: [teams[0].id, teams[1].id] },
      null,
    );
    const a1 = await responseOf(phase1.id, teams[0].id);
    const b1 = await responseOf(phase1.id, teams[1].id);
    const full = {
      team_kind: 'duty',
      establishment: 12,
      vacant: 2,
      old_note: 'Two posts frozen until April.',
      pressures: ['vacancies', 'ics'],
      monthly: { '2008-11': { referrals: 40, trend: 'up' }, '2008-12': { referrals: 55, trend: 'up' } },
      practice: { seen_alone: 'usually', checks: 'always' },
      hard_copy: false,
      due: '2009-02-01',
    };
    await fill(managers[0], a1.id, full, true);
    await fill(managers[1], b1.id, { team_kind: 'lac', establishment: 8, old_note: 'Half done.', monthly: { '2008-12': { referrals: 9 } } }, false);
    const before = await roundSnapshot(phase1.id);

    const phase2 = await createRoundForUser(test.db, reviewer, {
      name: 'Phase 2',
      questionnaireVersionId: versions['fixture-check@2'],
      dueDate: '2009-03-13',
      teams: { by: 'picked', teamIds: [teams[0].id, teams[1].id, teams[2].id] },
      followsRoundId: phase1.id,
    });
    expect(phase2.follows_round_id).toBe(phase1.id);
    expect(await roundSnapshot(phase1.id)).toBe(before); // nothing in the earlier round changed, byte for byte

    const a2 = await responseOf(phase2.id, teams[0].id);
    const { team_kind, old_note, ...unchanged } = full;
    expect(a2.data).toEqual({ ...unchanged, team_type_now: team_kind }); // renamed follows; removed stays behind; new_question empty
    expect(a2.data).not.toHaveProperty('old_note');
    expect(a2.data).not.toHaveProperty('new_question');
    expect(old_note).toBeTruthy();
    expect(a2).toMatchObject({ status: 'not_started', revision: 1, carried_from_response_id: a1.id, questionnaire_version_id: versions['fixture-check@2'] });
    expect(Object.keys(a2.carried).sort()).toEqual(Object.keys(a2.data).sort());
    expect(a2.carried.team_type_now).toEqual({ fromResponseId: a1.id, fromRoundId: phase1.id, confirmed: false, submitted: true });

    const b2 = await responseOf(phase2.id, teams[1].id);
    expect(b2.data).toEqual({ team_type_now: 'lac', establishment: 8, monthly: { '2008-12': { referrals: 9 } } });
    expect(Object.values(b2.carried).every((c) => c.submitted === false && c.confirmed === false)).toBe(true); // never submitted: marked so

    const c2 = await responseOf(phase2.id, teams[2].id); // no Phase 1 response: starts empty
    expect(c2).toMatchObject({ data: {}, carried: {}, revision: 0, carried_from_response_id: null, status: 'not_started' });

    // The carry is one revision, with the values it carried, readable like any edit.
    const revisions = await test.db.selectFrom('response_revisions').selectAll().where('response_id', '=', a2.id).execute();
    expect(revisions).toHaveLength(1);
    expect(revisions[0]).toMatchObject({ kind: 'carry_forward', revision: 1, author_id: reviewer.id });
    expect(revisions[0].questions.sort()).toEqual(Object.keys(a2.data).sort());
    expect(revisions[0].note).toMatch(/old_note \(removed\)/);
    expect(await valueAtRevision(test.db, a2.id, 'team_type_now', 1)).toBe('duty');

    // Answers rows and progress agree with the carried data.
    for (const id of [a2.id, b2.id, c2.id]) {
      const { expected, actual } = await answersMatchData(id);
      expect(actual).toEqual(expected);
    }
    expect(a2.answered_count).toBeGreaterThan(0);
    expect(a2.answerable_count).toBeGreaterThan(a2.answered_count); // new_question is still to answer
    expect(c2.answered_count).toBe(0);

    const audit = await test.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'round.create')
      .where('entity_id', '=', String(phase2.id))
      .executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({
      followsRoundId: phase1.id,
      carriedForward: expect.arrayContaining([expect.objectContaining({ teamId: teams[0].id, notCarried: ['old_note'] })]),
    });
  });

  it('carries everything unchanged onto the same version', async () => {
    const p1 = await createRound(
      test.db,
      { name: 'Same 1', questionnaireVersionId: versions['fixture-check@1'], dueDate: '2009-01-30', teamIds: [teams[0].id] },
      null,
    );
    const r1 = await responseOf(p1.id, teams[0].id);
    const data = { team_kind: 'duty', establishment: 5, old_note: 'Still here.' };
    await fill(managers[0], r1.id, data, false);
    const p2 = await createRoundForUser(test.db, reviewer, {
      name: 'Same 2',
      questionnaireVersionId: versions['fixture-check@1'],
      dueDate: '2009-02-28',
      teams: { by: 'earlier' },
      followsRoundId: p1.id,
    });
    expect((await responseOf(p2.id, teams[0].id)).data).toEqual(data);
  });

  it('chains mappings when the new version is two steps newer, dropping rows the newest version no longer has', async () => {
    const p1 = await createRound(
      test.db,
      { name: 'Chain 1', questionnaireVersionId: versions['fixture-chain@1'], dueDate: '2009-01-30', teamIds: [teams[0].id] },
      null,
    );
    const r1 = await responseOf(p1.id, teams[0].id);
    await fill(
      managers[0],
      r1.id,
      { team_kind: 'lac', pressures: ['plo'], establishment: 3, monthly: { '2008-11': { referrals: 2 }, '2008-12': { referrals: 3 } } },
      false,
    );
    const p3 = await createRoundForUser(test.db, reviewer, {
      name: 'Chain 3',
      questionnaireVersionId: versions['fixture-chain@3'],
      dueDate: '2009-05-01',
      teams: { by: 'earlier' },
      followsRoundId: p1.id,
    });
    const r3 = await responseOf(p3.id, teams[0].id);
    expect(r3.data).toEqual({ team_category: 'lac', establishment: 3, monthly: { '2008-12': { referrals: 3 } } });
    expect((await answersMatchData(r3.id)).actual).toEqual((await answersMatchData(r3.id)).expected);
    const path3 = await versionPath(test.db, versions['fixture-chain@1'], versions['fixture-chain@3']);
    expect(path3.steps.map((s) => s.from)).toEqual([1, 2]);
    expect(carryAnswers(path3, { pressures: ['ics'] }).notCarried).toEqual([{ question: 'pressures', reason: 'removed' }]);
  });

  it('refuses an older version or another questionnaire for the next phase (422) and creates nothing', async () => {
    const later = await createRound(
      test.db,
      { name: 'On v2', questionnaireVersionId: versions['fixture-check@2'], dueDate: '2009-01-30', teamIds: [teams[0].id] },
      null,
    );
    const count = () => countRounds(test.db);
    const rounds = await count();
    for (const versionId of [versions['fixture-check@1'], versions['fixture-chain@2']]) {
      await expect(
        createRoundForUser(test.db, reviewer, {
          name: 'Backwards',
          questionnaireVersionId: versionId,
          dueDate: '2009-02-28',
          teams: { by: 'earlier' },
          followsRoundId: later.id,
        }),
      ).rejects.toMatchObject({ status: 422 });
    }
    expect(await count()).toBe(rounds);
  });
});

describe('the real team self-assessment, version 1 to version 2', () => {
  it('carries renamed questions and every matrix cell, leaves removed ones, and starts new questions and rows empty', async () => {
    const v1 = (
      await test.db
        .selectFrom('questionnaire_versions as v')
        .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
        .select('v.id')
        .where('q.slug', '=', 'team-self-assessment')
        .where('v.version', '=', 1)
        .executeTakeFirstOrThrow()
    ).id;
    const v2 = await test.db
      .selectFrom('questionnaire_versions as v')
      .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
      .select(['v.id', 'v.mapping'])
      .where('q.slug', '=', 'team-self-assessment')
      .where('v.version', '=', 2)
      .executeTakeFirstOrThrow();
    const mapping = v2.mapping!;
    const phase1 = await createRound(
      test.db,
      { name: 'Phase 1 self-assessment', questionnaireVersionId: v1, dueDate: '2009-01-30', teamIds: teams.map((t) => t.id) },
      null,
    );
    const submitted = fixtureAnswers('team-self-assessment-v1.json');
    const partial = Object.fromEntries(
      Object.entries(submitted).filter(([name]) =>
        ['team_type', 'senior_practitioners', 'leavers_12_months', 'referrals_monthly', 'hard_copy_files', 'hard_copy_reason'].includes(name),
      ),
    );
    await fill(managers[0], (await responseOf(phase1.id, teams[0].id)).id, submitted, true);
    await fill(managers[1], (await responseOf(phase1.id, teams[1].id)).id, partial, false);
    const before = await roundSnapshot(phase1.id);

    const phase2 = await createRoundForUser(test.db, reviewer, {
      name: 'Phase 2 self-assessment',
      questionnaireVersionId: v2.id,
      dueDate: '2009-03-13',
      teams: { by: 'earlier' },
      followsRoundId: phase1.id,
    });
    expect(await roundSnapshot(phase1.id)).toBe(before);

    const version2 = await getQuestionnaireVersion(test.db, v2.id);
    for (const [index, source] of [submitted, partial].entries()) {
      const carried = await responseOf(phase2.id, teams[index].id);
      const expected: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(source)) {
        if (mapping.removed.includes(name)) continue;
        expected[mapping.renamed[name] ?? name] = value;
      }
      expect(carried.data).toEqual(expected); // every kept answer, value for value, under its new name
      for (const removed of mapping.removed) expect(carried.data).not.toHaveProperty(removed);
      for (const [oldName, newName] of Object.entries(mapping.renamed)) {
        if (source[oldName] !== undefined) expect(carried.data[newName]).toEqual(source[oldName]);
        expect(carried.data).not.toHaveProperty(oldName);
      }
      for (const added of ['changes_team_profile', 'neglect_threshold_clarity', 'partner_referral_quality', 'declaration_date', 'declaration_confirmed']) {
        expect(version2.catalogue.has(added)).toBe(true);
        expect(carried.data).not.toHaveProperty(added);
      }
      // referrals_monthly: the thirteen Phase 1 months carried cell for cell; January and February 2009 start empty.
      const monthly = carried.data.referrals_monthly as Record<string, unknown>;
      expect(monthly).toEqual(source.referrals_monthly);
      expect(Object.keys(monthly)).toHaveLength(13);
      expect(monthly).not.toHaveProperty('2009-01');
      expect(version2.catalogue.get('referrals_monthly')!.detail.rows!.map((r) => r.value)).toContain('2009-02');
      expect(Object.values(carried.carried).every((c) => c.submitted === (index === 0) && !c.confirmed)).toBe(true);
      const { expected: rows, actual } = await answersMatchData(carried.id);
      expect(actual).toEqual(rows);
      const cells = await test.db
        .selectFrom('answers')
        .select(['row_key', 'column_key', 'value_numeric'])
        .where('response_id', '=', carried.id)
        .where('question', '=', 'referrals_monthly')
        .execute();
      expect(cells.length).toBe(Object.values(source.referrals_monthly as Record<string, object>).reduce((n, row) => n + Object.keys(row).length, 0));
    }
    expect(submitted.senior_practitioners).toBeDefined();
    expect((await responseOf(phase2.id, teams[0].id)).data.senior_practitioner_fte).toBe(submitted.senior_practitioners);
  });
});

describe('confirming carried answers', () => {
  async function carriedResponse() {
    const p1 = await createRound(
      test.db,
      { name: `Confirm 1 ${Math.random()}`, questionnaireVersionId: versions['fixture-check@1'], dueDate: '2009-01-30', teamIds: [teams[0].id, teams[1].id] },
      null,
    );
    await fill(
      managers[0],
      (await responseOf(p1.id, teams[0].id)).id,
      { team_kind: 'duty', establishment: 12, vacant: 1, monthly: { '2008-12': { referrals: 5 } }, practice: { checks: 'always' } },
      true,
    );
    const p2 = await createRoundForUser(test.db, reviewer, {
      name: `Confirm 2 ${Math.random()}`,
      questionnaireVersionId: versions['fixture-check@2'],
      dueDate: '2009-03-13',
      teams: { by: 'earlier' },
      followsRoundId: p1.id,
    });
    return { round: p2, response: await responseOf(p2.id, teams[0].id), other: await responseOf(p2.id, teams[1].id) };
  }

  it('confirms listed questions or a whole page as a revision of its own, without changing any answer', async () => {
    const { response } = await carriedResponse();
    const answersBefore = await answersMatchData(response.id);
    const one = await confirmCarriedAnswers(test.db, managers[0], response.id, ['establishment']);
    expect(one).toMatchObject({ revision: 2, confirmed: ['establishment'], carried: { carried: 5, confirmed: 1, unconfirmed: 4 } });
    const page = await confirmCarriedAnswers(test.db, managers[0], response.id, 'page:activity');
    expect(page.confirmed.sort()).toEqual(['monthly', 'practice']);
    expect(page.carried.unconfirmed).toBe(2);
    const again = await confirmCarriedAnswers(test.db, managers[0], response.id, ['establishment']);
    expect(again).toMatchObject({ revision: 3, confirmed: [] }); // nothing new: nothing written

    const row = await test.db.selectFrom('responses').selectAll().where('id', '=', response.id).executeTakeFirstOrThrow();
    expect(row.data).toEqual(response.data);
    expect(row.status).toBe('in_progress');
    expect(row.carried.establishment.confirmed).toBe(true);
    expect(row.carried.vacant.confirmed).toBe(false);
    expect(await answersMatchData(response.id)).toEqual(answersBefore);
    const kinds = await test.db
      .selectFrom('response_revisions')
      .select(['revision', 'kind', 'questions', 'changes'])
      .where('response_id', '=', response.id)
      .orderBy('revision')
      .execute();
    expect(kinds.map((k) => k.kind)).toEqual(['carry_forward', 'confirm', 'confirm']);
    expect(kinds[1]).toMatchObject({ questions: [], changes: { confirmed: ['establishment'] } });

    // A confirmation is not a change of value: a colleague saving from an older revision meets no conflict.
    const saved = await saveResponseChange(test.db, managers[0], response.id, { baseRevision: 1, set: { vacant: 2 }, unset: [] });
    expect(saved.changed).toEqual(['vacant']);
    const final = await test.db.selectFrom('responses').select('carried').where('id', '=', response.id).executeTakeFirstOrThrow();
    expect(final.carried.vacant.confirmed).toBe(true); // changing a carried answer confirms it
  });

  it('refuses what cannot be confirmed: not carried (422), unknown page (422), another team (404), a reviewer (403), a closed round (409)', async () => {
    const { round, response, other } = await carriedResponse();
    await expect(confirmCarriedAnswers(test.db, managers[0], response.id, ['new_question'])).rejects.toMatchObject({
      status: 422,
      errors: [{ path: 'new_question', message: /not carried/ }],
    });
    await expect(confirmCarriedAnswers(test.db, managers[0], response.id, ['nonsense'])).rejects.toMatchObject({ status: 422 });
    await expect(confirmCarriedAnswers(test.db, managers[0], response.id, 'page:nowhere')).rejects.toMatchObject({ status: 422 });
    await expect(confirmCarriedAnswers(test.db, managers[0], other.id, ['establishment'])).rejects.toMatchObject({ status: 404 });
    await expect(confirmCarriedAnswers(test.db, reviewer, response.id, ['establishment'])).rejects.toMatchObject({ status: 403 });
    await test.db.updateTable('rounds').set({ status: 'closed' }).where('id', '=', round.id).execute();
    await expect(confirmCarriedAnswers(test.db, managers[0], response.id, ['establishment'])).rejects.toMatchObject({
      status: 409,
      extra: { reason: 'round_closed' },
    });
    const row = await test.db.selectFrom('responses').select(['revision', 'carried']).where('id', '=', response.id).executeTakeFirstOrThrow();
    expect(row.revision).toBe(1);
    expect(Object.values(row.carried).every((c) => !c.confirmed)).toBe(true);
  });
});
