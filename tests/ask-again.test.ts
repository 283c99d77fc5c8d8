import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traceThrough, versionPath } from '../app/models/carry-forward.server';
import { getQuestionnaireVersion } from '../app/models/questionnaires.server';
import { loadQuestionnairePage } from '../app/models/questionnaire-page.server';
import { formatProblem, loadRegistry } from '../app/models/registry.server';
import { saveResponseChange, submitResponse } from '../app/models/responses.server';
import { createRound } from '../app/models/rounds.server';
import type { CurrentUser } from '../app/models/users.server';
import type { VersionMapping } from '../db/schema';
import { answerRowsOf } from './helpers/answers';
import { createTestDatabase, onPostgres, type TestDatabase } from './helpers/db';
import { createArea, createTeam, createUser, FIXTURE_SURVEYS, publishFixtureSurveys } from './helpers/factories';
import { editJson } from './helpers/survey-files';

// "Ask again" in version mappings (docs/decisions/023): a question whose period changed is not carried forward, and
// the response records why it is empty.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stocktake-ask-again-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A copy of the fixture registry (fixture-check v1 and v2) with meta.json changed. */
function fixtureWith(name: string, editMeta: (meta: any) => void): string {
  const dir = path.join(tmp, name);
  fs.cpSync(FIXTURE_SURVEYS, dir, { recursive: true });
  editJson(path.join(dir, 'fixture-check/meta.json'), editMeta);
  return dir;
}

const REASON_ESTABLISHMENT = 'Posts are now counted as at 31 January 2009.';
const REASON_VACANT = 'Vacancies are now counted as at 28 February 2009.';

/**
 * Three versions: v2 renames team_kind, removes old_note and asks establishment again; v3 renames team_type_now to
 * team_category and asks vacant and team_category again (the latter without a reason).
 */
function writeChain(): string {
  const dir = path.join(tmp, 'chain');
  fs.mkdirSync(path.join(dir, 'ask-chain'), { recursive: true });
  fs.copyFileSync(path.join(FIXTURE_SURVEYS, 'topics.json'), path.join(dir, 'topics.json'));
  const read = (file: string) => JSON.parse(fs.readFileSync(path.join(FIXTURE_SURVEYS, 'fixture-check', file), 'utf8'));
  fs.writeFileSync(path.join(dir, 'ask-chain', 'v1.json'), JSON.stringify(read('v1.json')));
  const v2 = read('v2.json');
  fs.writeFileSync(path.join(dir, 'ask-chain', 'v2.json'), JSON.stringify(v2));
  const v3 = structuredClone(v2);
  (v3.pages[0].elements as Array<{ name: string }>).find((e) => e.name === 'team_type_now')!.name = 'team_category';
  fs.writeFileSync(path.join(dir, 'ask-chain', 'v3.json'), JSON.stringify(v3));
  fs.writeFileSync(
    path.join(dir, 'ask-chain', 'meta.json'),
    JSON.stringify({
      slug: 'ask-chain',
      title: 'Ask-again chain',
      description: 'Three versions, two of them asking questions again.',
      versions: {
        '1': { changeNotes: 'First.' },
        '2': {
          changeNotes: 'Second.',
          from: 1,
          renamed: { team_kind: 'team_type_now' },
          removed: ['old_note'],
          askAgain: { establishment: REASON_ESTABLISHMENT },
        },
        '3': { changeNotes: 'Third.', from: 2, renamed: { team_type_now: 'team_category' }, askAgain: { vacant: REASON_VACANT, team_category: '' } },
      },
    }),
  );
  return dir;
}

describe('surveys check: askAgain in meta.json', () => {
  it('keeps the questions asked again, with their reasons, in the version mapping (an empty reason is none)', () => {
    const registry = loadRegistry(writeChain());
    expect(registry.problems.map(formatProblem)).toEqual([]);
    const [v1, v2, v3] = registry.questionnaires[0].versions;
    expect(v1.mapping).toBeNull();
    expect(v2.mapping).toEqual({ from: 1, renamed: { team_kind: 'team_type_now' }, removed: ['old_note'], askAgain: { establishment: REASON_ESTABLISHMENT } });
    expect(v3.mapping).toEqual({ from: 2, renamed: { team_type_now: 'team_category' }, removed: [], askAgain: { vacant: REASON_VACANT, team_category: null } });
    // A mapping that asks nothing again has no askAgain at all, as the mappings stored before it existed.
    expect(loadRegistry(FIXTURE_SURVEYS).questionnaires[0].versions[1].mapping).toEqual({
      from: 1,
      renamed: { team_kind: 'team_type_now' },
      removed: ['old_note'],
    });
  });

  it('names each question asked again that cannot be: not in the version, by its old name, new, or also removed', () => {
    const dir = fixtureWith('bad-ask-again', (meta) => {
      meta.versions['2'].askAgain = {
        no_such_question: 'Gone.',
        team_kind: 'Old name of team_type_now.',
        new_question: 'New in version 2.',
        old_note: 'Removed in version 2.',
        establishment: 'Fine.',
      };
    });
    expect(loadRegistry(dir).problems.map(formatProblem)).toEqual([
      'surveys/fixture-check/meta.json question "no_such_question": is asked again in version 2, but version 2 has no such question',
      'surveys/fixture-check/meta.json question "team_kind": is asked again in version 2 by its old name: name it as version 2 does ("team_type_now")',
      'surveys/fixture-check/meta.json question "new_question": is asked again in version 2, but no question of version 1 becomes it: a new question has no earlier answer to ask again',
      'surveys/fixture-check/meta.json question "old_note": is asked again in version 2 and also listed as removed: a removed question has no answer to ask again',
    ]);
  });

  it('refuses askAgain written as a list, naming the property', () => {
    const dir = fixtureWith('list-ask-again', (meta) => (meta.versions['2'].askAgain = ['establishment']));
    const problems = loadRegistry(dir).problems.map(formatProblem);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^surveys\/fixture-check\/meta\.json: versions\.2\.askAgain: /);
  });
});

describe('tracing a question through the mappings (pure)', () => {
  const steps: VersionMapping[] = [
    { from: 1, renamed: { a: 'b' }, removed: ['gone'], askAgain: { b: 'Period changed in 2.' } },
    { from: 2, renamed: { b: 'c' }, removed: [] },
    { from: 3, renamed: {}, removed: [], askAgain: { d: null, e: 'Period changed in 4.' } },
  ];
  const to = { version: 4 };

  it('asks again when any step does, with the latest version that did and its reason', () => {
    expect(traceThrough({ steps, to }, 'a')).toEqual({ name: 'c', askedAgain: { version: 2, reason: 'Period changed in 2.' } });
    expect(traceThrough({ steps, to }, 'd')).toEqual({ name: 'd', askedAgain: { version: 4, reason: null } });
    expect(traceThrough({ steps, to }, 'e')).toEqual({ name: 'e', askedAgain: { version: 4, reason: 'Period changed in 4.' } });
  });

  it('carries the rest, and a removed question is removed whatever later steps say', () => {
    expect(traceThrough({ steps, to }, 'z')).toEqual({ name: 'z', askedAgain: null });
    expect(traceThrough({ steps, to }, 'gone')).toEqual({ name: null, askedAgain: null });
    // Mappings stored before askAgain existed have none: nothing is asked again.
    expect(traceThrough({ steps: [{ from: 1, renamed: {}, removed: [] }], to: { version: 2 } }, 'b')).toEqual({ name: 'b', askedAgain: null });
  });
});

describe(`next phase: questions asked again are not carried (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let test: TestDatabase;
  let versions: Record<string, number>;
  let teams: Array<{ id: number }>;
  let managers: CurrentUser[];

  beforeAll(async () => {
    test = await createTestDatabase();
    await publishFixtureSurveys(test.db); // fixture-check: a mapping without askAgain, as stored before it existed
    versions = await publishFixtureSurveys(test.db, writeChain());
    const area = await createArea(test.db, 'East Kent');
    teams = [];
    managers = [];
    for (const name of ['Ashford Duty', 'Canterbury Duty']) {
      const team = await createTeam(test.db, area.id, 'duty-initial-assessment', name);
      teams.push(team);
      managers.push(await createUser(test.db, 'manager', { teamId: team.id }, `${name} Manager`));
    }
  });
  afterAll(() => test.destroy());

  const PHASE1 = {
    team_kind: 'duty',
    establishment: 12,
    vacant: 2,
    old_note: 'Two posts frozen.',
    pressures: ['vacancies', 'ics'],
    monthly: { '2008-12': { referrals: 55, trend: 'up' } },
    hard_copy: false,
  };

  async function phase1Round(slug: string) {
    const round = await createRound(
      test.db,
      { name: 'Phase 1', questionnaireVersionId: versions[`${slug}@1`], dueDate: '2009-01-30', teamIds: teams.map((t) => t.id) },
      null,
    );
    const responses = await test.db.selectFrom('responses').select(['id', 'team_id']).where('round_id', '=', round.id).orderBy('team_id').execute();
    const saved = await saveResponseChange(test.db, managers[0], responses[0].id, { baseRevision: 0, set: PHASE1, unset: [] });
    await submitResponse(test.db, managers[0], responses[0].id, { revision: saved.revision });
    // The second team answered only its posts: nothing of it is carried, both are asked again.
    await saveResponseChange(test.db, managers[1], responses[1].id, { baseRevision: 0, set: { establishment: 8, vacant: 1 }, unset: [] });
    return round;
  }

  const responseOf = (roundId: number, teamId: number) =>
    test.db.selectFrom('responses').selectAll().where('round_id', '=', roundId).where('team_id', '=', teamId).executeTakeFirstOrThrow();

  it('carries across two mappings everything but the questions asked again at either step, and records why each is empty', async () => {
    const phase1 = await phase1Round('ask-chain');
    const phase2 = await createRound(
      test.db,
      { name: 'Phase 2', questionnaireVersionId: versions['ask-chain@3'], dueDate: '2009-03-13', teamIds: teams.map((t) => t.id), followsRoundId: phase1.id },
      null,
    );
    const a1 = await responseOf(phase1.id, teams[0].id);
    const a2 = await responseOf(phase2.id, teams[0].id);
    // Carried: the questions no step asks again. Asked again: establishment (v2), vacant and team_category (v3).
    expect(a2.data).toEqual({ pressures: PHASE1.pressures, monthly: PHASE1.monthly, hard_copy: false });
    expect(Object.keys(a2.carried).sort()).toEqual(['hard_copy', 'monthly', 'pressures']);
    expect(a2.asked_again).toEqual({
      establishment: { from: 'establishment', fromResponseId: a1.id, fromRoundId: phase1.id, version: 2, reason: REASON_ESTABLISHMENT },
      vacant: { from: 'vacant', fromResponseId: a1.id, fromRoundId: phase1.id, version: 3, reason: REASON_VACANT },
      team_category: { from: 'team_kind', fromResponseId: a1.id, fromRoundId: phase1.id, version: 3, reason: null },
    });
    const [revision] = await test.db.selectFrom('response_revisions').selectAll().where('response_id', '=', a2.id).execute();
    expect(revision.note).toMatch(/Not carried: .*establishment \(asked-again\)/);
    expect(revision.note).toContain('Asked again (their period changed): team_category, establishment, vacant.');
    expect(revision.questions.sort()).toEqual(['hard_copy', 'monthly', 'pressures']);
    const { expected, actual } = await answerRowsOf(test.db, a2.id);
    expect(actual).toEqual(expected);
    // The round's audit event lists them among the answers not carried.
    const event = await test.db
      .selectFrom('audit_events')
      .select('details')
      .where('action', '=', 'round.create')
      .where('entity_id', '=', String(phase2.id))
      .executeTakeFirstOrThrow();
    const carried = (event.details as { carriedForward: Array<{ teamId: number; notCarried: string[] }> }).carriedForward;
    expect(carried.find((c) => c.teamId === teams[0].id)!.notCarried.sort()).toEqual(['establishment', 'old_note', 'team_kind', 'vacant']);

    // Nothing carried, two questions asked again: the response starts empty, and still says why they are empty.
    const b2 = await responseOf(phase2.id, teams[1].id);
    expect(b2).toMatchObject({ data: {}, carried: {}, revision: 0 });
    expect(Object.keys(b2.asked_again ?? {}).sort()).toEqual(['establishment', 'vacant']);
  });

  it('carries a question a later version asks again when the path stops before it (Phase 1 on v1, Phase 2 on v2)', async () => {
    const phase1 = await phase1Round('ask-chain');
    const phase2 = await createRound(
      test.db,
      { name: 'Phase 2 on v2', questionnaireVersionId: versions['ask-chain@2'], dueDate: '2009-03-13', teamIds: [teams[0].id], followsRoundId: phase1.id },
      null,
    );
    const a2 = await responseOf(phase2.id, teams[0].id);
    expect(a2.data).toMatchObject({ vacant: 2, team_type_now: 'duty' }); // v3 asks these again; v2 does not
    expect(a2.data).not.toHaveProperty('establishment');
    expect(Object.keys(a2.asked_again ?? {})).toEqual(['establishment']);
  });

  it('carries everything through a mapping without askAgain (stored before it existed)', async () => {
    const fixture = await publishFixtureSurveys(test.db);
    const phase1 = await createRound(
      test.db,
      { name: 'Fixture 1', questionnaireVersionId: fixture['fixture-check@1'], dueDate: '2009-01-30', teamIds: [teams[0].id] },
      null,
    );
    const [r1] = await test.db.selectFrom('responses').select('id').where('round_id', '=', phase1.id).execute();
    await saveResponseChange(test.db, managers[0], r1.id, { baseRevision: 0, set: { establishment: 12, vacant: 2 }, unset: [] });
    const phase2 = await createRound(
      test.db,
      { name: 'Fixture 2', questionnaireVersionId: fixture['fixture-check@2'], dueDate: '2009-03-13', teamIds: [teams[0].id], followsRoundId: phase1.id },
      null,
    );
    const path2 = await versionPath(test.db, fixture['fixture-check@1'], fixture['fixture-check@2']);
    expect(path2.steps[0]).not.toHaveProperty('askAgain');
    const r2 = await responseOf(phase2.id, teams[0].id);
    expect(r2.data).toEqual({ establishment: 12, vacant: 2 });
    expect(r2.asked_again).toEqual({});
  });

  it("gives the manager's page each question asked again on its page, with the earlier round and the version's reason", async () => {
    const phase1 = await phase1Round('ask-chain');
    const phase2 = await createRound(
      test.db,
      { name: 'Phase 2 (page)', questionnaireVersionId: versions['ask-chain@3'], dueDate: '2009-03-13', teamIds: [teams[0].id], followsRoundId: phase1.id },
      null,
    );
    const a2 = await responseOf(phase2.id, teams[0].id);
    const page = await loadQuestionnairePage(test.db, managers[0], a2.id);
    if (typeof page === 'string') throw new Error(`redirected to ${page}`);
    expect(page.response.askedAgain).toEqual([
      { name: 'team_category', since: 'Phase 1', version: 3, reason: null },
      { name: 'establishment', since: 'Phase 1', version: 2, reason: REASON_ESTABLISHMENT },
      { name: 'vacant', since: 'Phase 1', version: 3, reason: REASON_VACANT },
    ]);
    // The page's questions are the version's: each question asked again is one of them, on its page.
    const v3 = await getQuestionnaireVersion(test.db, versions['ask-chain@3']);
    for (const a of page.response.askedAgain) expect(v3.catalogue.get(a.name)?.page, a.name).toBe('profile');
    // A response of a round that follows none has nothing asked again.
    const fresh = await createRound(
      test.db,
      { name: 'Fresh', questionnaireVersionId: versions['ask-chain@3'], dueDate: '2009-03-13', teamIds: [teams[0].id] },
      null,
    );
    const freshPage = await loadQuestionnairePage(test.db, managers[0], (await responseOf(fresh.id, teams[0].id)).id);
    if (typeof freshPage === 'string') throw new Error(`redirected to ${freshPage}`);
    expect(freshPage.response.askedAgain).toEqual([]);
  });
});
