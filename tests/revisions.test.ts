import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmCarriedAnswers } from '../app/models/carry-forward.server';
import { saveResponseChange, submitResponse } from '../app/models/responses.server';
import { returnResponse } from '../app/models/review.server';
import type { RevisionKind } from '../db/schema';
import { createNextPhase, createRound } from '../app/models/rounds.server';
import type { CurrentUser } from '../app/models/users.server';
import { answerRowsOf } from './helpers/answers';
import { createTestDatabase, onPostgres, type TestDatabase } from './helpers/db';
import { createArea, createTeam, createUser, publishFixtureSurveys } from './helpers/factories';

/**
 * Every path that changes a response goes through commitRevision (app/models/revisions.server.ts): whatever the
 * path, its revisions are numbered one after another, carry their author and time onto the response, name questions
 * only when they change answers, and are audited the same way when they are events.
 */

let test: TestDatabase;
let versions: Record<string, number>;
let team: { id: number };
let ann: CurrentUser;
let bob: CurrentUser;
let eve: CurrentUser;
let admin: CurrentUser;

beforeAll(async () => {
  test = await createTestDatabase();
  versions = await publishFixtureSurveys(test.db);
  const area = await createArea(test.db);
  team = await createTeam(test.db, area.id);
  ann = await createUser(test.db, 'manager', { teamId: team.id }, 'Ann Manager');
  bob = await createUser(test.db, 'manager', { teamId: team.id }, 'Bob Manager');
  eve = await createUser(test.db, 'reviewer', { areaId: area.id }, 'Eve Reviewer');
  admin = await createUser(test.db, 'admin', {}, 'Ada Admin');
});
afterAll(() => test.destroy());

/** The audit action of each kind of revision that is an event; edits and carry-forwards have none of their own. */
const AUDITED: Partial<Record<RevisionKind, string>> = { submit: 'response.submit', return: 'response.return', confirm: 'response.confirm_carried' };

type Expected = { kind: RevisionKind; author: CurrentUser; base?: number };

/** Checks the response's revisions against `expected` and that they all have the one shape commitRevision writes. */
async function expectRevisions(responseId: number, expected: Expected[]) {
  const response = await test.db.selectFrom('responses').selectAll().where('id', '=', responseId).executeTakeFirstOrThrow();
  const revisions = await test.db.selectFrom('response_revisions').selectAll().where('response_id', '=', responseId).orderBy('revision').execute();
  const audits = await test.db
    .selectFrom('audit_events')
    .select(['action', 'actor_id', 'entity_type', 'entity_id', 'details'])
    .where('entity_type', '=', 'response')
    .where('entity_id', '=', String(responseId))
    .orderBy('id')
    .execute();

  expect(revisions.map((r) => [r.kind, r.author_id])).toEqual(expected.map((e) => [e.kind, e.author.id]));
  revisions.forEach((r, i) => {
    expect(r.revision).toBe(i + 1); // consecutive from 1
    expect(r.base_revision).toBe(expected[i].base ?? i); // the revision it followed, unless a save said it started earlier
    // Only a revision that changes answers names questions (so submit, return and confirm never conflict with a save).
    expect(r.questions.length > 0).toBe(r.kind === 'edit' || r.kind === 'carry_forward');
    const action = AUDITED[r.kind];
    const events = audits.filter((a) => (a.details as { revision?: number }).revision === r.revision);
    expect(events).toEqual(
      action
        ? [
            {
              action,
              actor_id: r.author_id,
              entity_type: 'response',
              entity_id: String(responseId),
              details: expect.objectContaining({ revision: r.revision }),
            },
          ]
        : [],
    );
  });
  expect(audits).toHaveLength(revisions.filter((r) => AUDITED[r.kind]).length);

  // The response carries its last revision: number, author and time.
  const last = revisions.at(-1);
  expect(response.revision).toBe(last?.revision ?? 0);
  expect(response.updated_by).toBe(last?.author_id ?? null);
  if (last) expect(response.updated_at.getTime()).toBe(last.created_at.getTime());
  // Submitting and returning stamp the revision's own author and time.
  const submit = revisions.filter((r) => r.kind === 'submit').at(-1);
  if (submit) expect([response.submitted_by, response.submitted_at?.getTime()]).toEqual([submit.author_id, submit.created_at.getTime()]);
  const ret = revisions.filter((r) => r.kind === 'return').at(-1);
  if (ret) expect([response.returned_by, response.returned_at?.getTime(), response.return_reason]).toEqual([ret.author_id, ret.created_at.getTime(), ret.note]);

  // Whatever the path, the answers rows are what the data says.
  const answers = await answerRowsOf(test.db, responseId);
  expect(answers.actual).toEqual(answers.expected);
  return { response, revisions };
}

describe(`one writer of revisions (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('gives saving, submitting, returning, carrying forward and confirming consecutive, attributed, audited revisions of one shape', async () => {
    const phase1 = await createRound(
      test.db,
      { name: 'Phase 1', questionnaireVersionId: versions['fixture-check@1'], dueDate: '2009-01-30', teamIds: [team.id] },
      admin.id,
    );
    const first = await test.db.selectFrom('responses').select('id').where('round_id', '=', phase1.id).executeTakeFirstOrThrow();
    await expectRevisions(first.id, []);

    const a = await saveResponseChange(test.db, ann, first.id, { baseRevision: 0, set: { team_kind: 'duty', establishment: 12, vacant: 2 }, unset: [] });
    // Bob started from revision 0 too, on another question: it applies, and records where he started.
    const b = await saveResponseChange(test.db, bob, first.id, { baseRevision: 0, set: { hard_copy: true }, unset: [] });
    expect([a.revision, b.revision]).toEqual([1, 2]);
    // A change to the values already held writes no revision.
    await saveResponseChange(test.db, bob, first.id, { baseRevision: 2, set: { hard_copy: true }, unset: [] });
    await submitResponse(test.db, ann, first.id, { revision: 2 });
    await returnResponse(test.db, eve, first.id, { reason: 'Check the vacancies.', questions: ['vacant'] });
    await saveResponseChange(test.db, ann, first.id, { baseRevision: 4, set: { vacant: 1 }, unset: [] });
    await submitResponse(test.db, ann, first.id, { revision: 5 });
    const phase1History = await expectRevisions(first.id, [
      { kind: 'edit', author: ann },
      { kind: 'edit', author: bob, base: 0 },
      { kind: 'submit', author: ann },
      { kind: 'return', author: eve },
      { kind: 'edit', author: ann },
      { kind: 'submit', author: ann },
    ]);
    expect(phase1History.revisions.map((r) => r.questions)).toEqual([['team_kind', 'establishment', 'vacant'], ['hard_copy'], [], [], ['vacant'], []]);
    expect(phase1History.response).toMatchObject({ status: 'submitted', return_questions: ['vacant'] });

    const phase2 = await createNextPhase(test.db, admin, phase1.id, {
      name: 'Phase 2',
      dueDate: '2009-03-31',
      questionnaireVersionId: versions['fixture-check@2'],
    });
    const second = await test.db.selectFrom('responses').select('id').where('round_id', '=', phase2.id).executeTakeFirstOrThrow();
    const carried = await expectRevisions(second.id, [{ kind: 'carry_forward', author: admin }]);
    // Carrying forward does not start the response: that is the team's first change.
    expect(carried.response.status).toBe('not_started');

    await confirmCarriedAnswers(test.db, ann, second.id, ['establishment']);
    await saveResponseChange(test.db, bob, second.id, { baseRevision: 2, set: { hard_copy: false }, unset: [] }); // confirms it by changing it
    await confirmCarriedAnswers(test.db, ann, second.id, 'page:profile');
    await confirmCarriedAnswers(test.db, ann, second.id, 'page:profile'); // nothing left to confirm: no revision
    const phase2History = await expectRevisions(second.id, [
      { kind: 'carry_forward', author: admin },
      { kind: 'confirm', author: ann },
      { kind: 'edit', author: bob },
      { kind: 'confirm', author: ann },
    ]);
    expect(phase2History.response.status).toBe('in_progress');
    expect(Object.values(phase2History.response.carried).every((c) => c.confirmed)).toBe(true);
    const confirms = await test.db
      .selectFrom('audit_events')
      .select('details')
      .where('action', '=', 'response.confirm_carried')
      .where('entity_id', '=', String(second.id))
      .orderBy('id')
      .execute();
    expect(confirms.map((c) => c.details)).toEqual([
      { questions: ['establishment'], revision: 2 },
      { questions: ['team_type_now', 'vacant'], revision: 4 },
    ]);
  });
});
