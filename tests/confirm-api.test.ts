import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNextPhase, createRound } from '../app/models/rounds.server';
import { saveResponseChange, submitResponse } from '../app/models/responses.server';
import { action as confirmAction } from '../app/routes/api.v1.responses.$responseId.confirm';
import { action as patchAction } from '../app/routes/api.v1.responses.$responseId';
import { useTestDatabase, type TestDatabase } from './helpers/db';
import { APP_ORIGIN, createArea, createTeam, createUser, publishFixtureSurveys, sessionHeaders } from './helpers/factories';

let test: TestDatabase;
beforeAll(async () => {
  test = await useTestDatabase();
});
afterAll(() => test.destroy());

async function post(fn: (args: any) => Promise<Response>, headers: Record<string, string>, id: number, body: unknown, method = 'POST') {
  const response = await fn({
    request: new Request(`${APP_ORIGIN}/api/v1/responses/${id}`, {
      method,
      headers: { ...headers, 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    }),
    params: { responseId: String(id) },
    context: {},
  });
  return { status: response.status, body: await response.json() };
}

describe('confirming carried answers through the API', () => {
  it('confirms named questions or a page, refuses other ones (422) and other teams (404), and keeps the values', async () => {
    const versions = await publishFixtureSurveys(test.db);
    const area = await createArea(test.db);
    const team = await createTeam(test.db, area.id);
    const other = await createTeam(test.db, area.id);
    const manager = await createUser(test.db, 'manager', { teamId: team.id });
    const outsider = await createUser(test.db, 'manager', { teamId: other.id });
    const admin = await createUser(test.db, 'admin');
    const phase1 = await createRound(
      test.db,
      { name: 'Phase 1', questionnaireVersionId: versions['fixture-check@1'], dueDate: '2009-01-30', teamIds: [team.id, other.id] },
      null,
    );
    const first = await test.db.selectFrom('responses').select('id').where('round_id', '=', phase1.id).where('team_id', '=', team.id).executeTakeFirstOrThrow();
    const saved = await saveResponseChange(test.db, manager, first.id, {
      baseRevision: 0,
      set: { team_kind: 'duty', establishment: 10, vacant: 2, hard_copy: true },
      unset: [],
    });
    await submitResponse(test.db, manager, first.id, { revision: saved.revision });
    const phase2 = await createNextPhase(test.db, admin, phase1.id, {
      name: 'Phase 2',
      dueDate: '2009-03-31',
      questionnaireVersionId: versions['fixture-check@2'],
    });
    const next = await test.db
      .selectFrom('responses')
      .select(['id', 'data', 'carried', 'revision'])
      .where('round_id', '=', phase2.id)
      .where('team_id', '=', team.id)
      .executeTakeFirstOrThrow();
    expect(next.data).toMatchObject({ team_type_now: 'duty', establishment: 10, vacant: 2, hard_copy: true });

    const headers = await sessionHeaders(test.db, manager);
    const one = await post(confirmAction, headers, next.id, { questions: ['establishment'] });
    expect(one.status).toBe(200);
    expect(one.body.confirmed).toEqual(['establishment']);
    const page = await post(confirmAction, headers, next.id, { page: 'profile' });
    expect(page.body.confirmed.sort()).toEqual(['team_type_now', 'vacant']);

    const notCarried = await post(confirmAction, headers, next.id, { questions: ['new_question'] });
    expect(notCarried.status).toBe(422);
    expect(notCarried.body.errors[0]).toMatchObject({ path: 'new_question' });
    const bad = await post(confirmAction, headers, next.id, { questions: [] });
    expect(bad.status).toBe(400);
    const hidden = await post(confirmAction, await sessionHeaders(test.db, outsider), next.id, { questions: ['establishment'] });
    expect(hidden.status).toBe(404);

    const after = await test.db.selectFrom('responses').select(['data', 'carried', 'revision']).where('id', '=', next.id).executeTakeFirstOrThrow();
    expect(after.data).toEqual(next.data);
    expect(
      Object.entries(after.carried)
        .filter(([, c]) => !c.confirmed)
        .map(([q]) => q),
    ).toEqual(['hard_copy']);
    // Changing the last carried answer confirms it; confirming wrote revisions that conflict with no question.
    const change = await post(patchAction, headers, next.id, { baseRevision: next.revision, set: { hard_copy: false } }, 'PATCH');
    expect(change.status).toBe(200);
    const final = await test.db.selectFrom('responses').select('carried').where('id', '=', next.id).executeTakeFirstOrThrow();
    expect(Object.values(final.carried).every((c) => c.confirmed)).toBe(true);
  });
});
