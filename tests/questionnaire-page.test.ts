import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadQuestionnairePage } from '../app/models/questionnaire-page.server';
import { saveResponseChange, submitResponse } from '../app/models/responses.server';
import { createRound } from '../app/models/rounds.server';
import { useTestDatabase, type TestDatabase } from './helpers/db';
import { callRoute, createArea, createTeam, createUser, publishFixtureSurveys, sessionHeaders } from './helpers/factories';
import { NOT_FOUND } from '../app/models/errors.server';
import { loader } from '../app/routes/responses.$responseId._index';

let test: TestDatabase;
let versionId: number;
beforeAll(async () => {
  test = await useTestDatabase();
  versionId = (await publishFixtureSurveys(test.db))['fixture-check@1'];
});
afterAll(() => test.destroy());

describe("the manager's questionnaire page data", () => {
  it("gives the team's manager the response, questionnaire and titles; read-only once submitted, with who submitted it", async () => {
    const area = await createArea(test.db);
    const team = await createTeam(test.db, area.id, 'duty-initial-assessment', 'Dover Duty');
    const manager = await createUser(test.db, 'manager', { teamId: team.id }, 'Mina Manager');
    await createRound(test.db, { name: 'Phase 1', questionnaireVersionId: versionId, dueDate: '2009-01-30', teamIds: [team.id] }, null);
    const { id } = await test.db.selectFrom('responses').select('id').where('team_id', '=', team.id).executeTakeFirstOrThrow();
    const saved = await saveResponseChange(test.db, manager, id, {
      baseRevision: 0,
      set: { team_kind: 'duty', establishment: 10, vacant: 2, hard_copy: true },
      unset: [],
      page: 'profile',
    });

    const open = (await loadQuestionnairePage(test.db, manager, id))!;
    expect(open.response).toMatchObject({
      id,
      status: 'in_progress',
      revision: saved.revision,
      data: { establishment: 10, vacant: 2 },
      currentPage: 'profile',
      submittedBy: null,
    });
    expect(open).toMatchObject({ readOnlyReason: null, team: { name: 'Dover Duty' }, round: { name: 'Phase 1', dueDate: '2009-01-30', status: 'open' } });
    expect(open.questionnaire.definition).toHaveProperty('pages');
    expect(open.titles.establishment).toBe('Establishment (FTE)');

    await submitResponse(test.db, manager, id, { revision: saved.revision });
    const submitted = (await loadQuestionnairePage(test.db, manager, id))!;
    expect(submitted.response).toMatchObject({ status: 'submitted', submittedBy: 'Mina Manager', submittedAt: expect.any(String) });
    expect(submitted.readOnlyReason).toMatch(/submitted: it is read-only/);
  });

  it('sends a reviewer to the read-only review page, and answers 404 to other teams and to ids that do not exist', async () => {
    const area = await createArea(test.db);
    const team = await createTeam(test.db, area.id);
    const other = await createTeam(test.db, area.id);
    const reviewer = await createUser(test.db, 'reviewer', { areaId: area.id });
    const outsider = await createUser(test.db, 'manager', { teamId: other.id });
    await createRound(test.db, { name: 'Phase 1', questionnaireVersionId: versionId, dueDate: '2009-01-30', teamIds: [team.id, other.id] }, null);
    const { id } = await test.db.selectFrom('responses').select('id').where('team_id', '=', team.id).executeTakeFirstOrThrow();

    expect(await loadQuestionnairePage(test.db, reviewer, id)).toBeNull();
    const review = await callRoute(loader, `/responses/${id}`, { headers: await sessionHeaders(test.db, reviewer), params: { responseId: String(id) } });
    expect((review as Response).status).toBe(302);
    expect((review as Response).headers.get('Location')).toBe(`/review/responses/${id}`);
    for (const [user, responseId] of [
      [outsider, id],
      [reviewer, 999_999],
    ] as const) {
      await expect(loadQuestionnairePage(test.db, user, responseId)).rejects.toMatchObject({ status: 404, message: NOT_FOUND.response });
    }
    const malformed = await callRoute(loader, '/responses/abc', { headers: await sessionHeaders(test.db, outsider), params: { responseId: 'abc' } });
    expect((malformed as Response).status).toBe(404);
    expect(await (malformed as Response).text()).toBe(NOT_FOUND.response);
  });
});
