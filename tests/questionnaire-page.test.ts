import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadQuestionnairePage, type QuestionnairePage } from '../app/models/questionnaire-page.server';

/** The page, failing the test when the loader sent the user elsewhere. */
function pageOf(loaded: QuestionnairePage | string): QuestionnairePage {
  if (typeof loaded === 'string') throw new Error(`expected the questionnaire page, was sent to ${loaded}`);
  return loaded;
}
import { saveResponseChange, submitResponse } from '../app/models/responses.server';
import { createRound } from '../app/models/rounds.server';
import { useTestDatabase, type TestDatabase } from './helpers/db';
import { callRoute, createArea, createTeam, createUser, publishFixtureSurveys, sessionHeaders } from './helpers/factories';
import { NOT_FOUND } from '../app/models/errors.server';
import { loader } from '../app/routes/responses.$responseId._index';
import { loader as definitionLoader } from '../app/routes/responses.$responseId.definition.$key';
import { returnResponse } from '../app/models/review.server';

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

    const open = pageOf(await loadQuestionnairePage(test.db, manager, id));
    expect(open.response).toMatchObject({
      id,
      status: 'in_progress',
      revision: saved.revision,
      data: { establishment: 10, vacant: 2 },
      currentPage: 'profile',
      submittedBy: null,
    });
    expect(open).toMatchObject({ readOnlyReason: null, team: { name: 'Dover Duty' }, round: { name: 'Phase 1', dueDate: '2009-01-30', status: 'open' } });
    expect(open.questionnaire.definitionUrl).toMatch(new RegExp(`^/responses/${id}/definition/[0-9a-f]{16}$`));
    expect(open).not.toHaveProperty('questionnaire.definition');

    await submitResponse(test.db, manager, id, { revision: saved.revision });
    const submitted = pageOf(await loadQuestionnairePage(test.db, manager, id));
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

    expect(await loadQuestionnairePage(test.db, reviewer, id)).toBe(`/review/responses/${id}`);
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

  it('names only the returned questions in the page: their titles, and no copy of the questionnaire', async () => {
    const area = await createArea(test.db);
    const team = await createTeam(test.db, area.id);
    const manager = await createUser(test.db, 'manager', { teamId: team.id });
    const reviewer = await createUser(test.db, 'reviewer', { areaId: area.id });
    await createRound(test.db, { name: 'Phase 1', questionnaireVersionId: versionId, dueDate: '2009-01-30', teamIds: [team.id] }, null);
    const { id } = await test.db.selectFrom('responses').select('id').where('team_id', '=', team.id).executeTakeFirstOrThrow();
    const saved = await saveResponseChange(test.db, manager, id, {
      baseRevision: 0,
      set: { team_kind: 'duty', establishment: 10, vacant: 2 },
      unset: [],
    });
    await submitResponse(test.db, manager, id, { revision: saved.revision });
    await returnResponse(test.db, reviewer, id, { reason: 'Check the vacancies.', questions: ['vacant'] });

    const page = pageOf(await loadQuestionnairePage(test.db, manager, id));
    expect(page.titles).toEqual({ vacant: expect.any(String) });
    expect(JSON.stringify(page)).not.toContain('Establishment (FTE)');
  });
});

describe("the questionnaire's definition, fetched by the page", () => {
  async function setUp() {
    const area = await createArea(test.db);
    const team = await createTeam(test.db, area.id);
    const other = await createTeam(test.db, area.id);
    const manager = await createUser(test.db, 'manager', { teamId: team.id });
    const outsider = await createUser(test.db, 'manager', { teamId: other.id });
    const reviewer = await createUser(test.db, 'reviewer', { areaId: area.id });
    await createRound(test.db, { name: 'Phase 1', questionnaireVersionId: versionId, dueDate: '2009-01-30', teamIds: [team.id, other.id] }, null);
    const { id } = await test.db.selectFrom('responses').select('id').where('team_id', '=', team.id).executeTakeFirstOrThrow();
    const url = pageOf(await loadQuestionnairePage(test.db, manager, id)).questionnaire.definitionUrl;
    const call = async (user: typeof manager | null, path = url, headers: Record<string, string> = {}) => {
      const [, , responseId, , key] = path.split('/');
      return (await callRoute(definitionLoader, path, {
        headers: { ...(user ? await sessionHeaders(test.db, user) : {}), ...headers },
        params: { responseId, key },
      })) as Response;
    };
    return { id, url, manager, outsider, reviewer, call };
  }

  it('gives the definition and every title to whoever may see the response, cached for good in their browser only', async () => {
    const { url, manager, reviewer, call } = await setUp();
    const response = await call(manager);
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toMatch(/^application\/json/);
    expect(response.headers.get('Cache-Control')).toBe('private, max-age=31536000, immutable');
    const etag = response.headers.get('ETag');
    expect(etag).toBe(`"${url.split('/').pop()}"`);
    const body = await response.json();
    expect(body.definition).toHaveProperty('pages');
    expect(body.titles.establishment).toBe('Establishment (FTE)');
    expect((await call(reviewer)).status).toBe(200);

    const again = await call(manager, url, { 'If-None-Match': etag! });
    expect(again.status).toBe(304);
    expect(again.headers.get('Cache-Control')).toBe('private, max-age=31536000, immutable');
  });

  it("answers 404 to a manager of another team, to a key that is not the version's and to a malformed one; signed out, sign in", async () => {
    const { id, url, manager, outsider, call } = await setUp();
    const refused = await call(outsider);
    expect(refused.status).toBe(404);
    expect(await refused.text()).toBe(NOT_FOUND.response);
    expect(refused.headers.get('Cache-Control')).toBeNull();
    for (const path of [
      `/responses/${id}/definition/0123456789abcdef`,
      `/responses/${id}/definition/ABC`,
      `/responses/999999/definition/${url.split('/').pop()}`,
    ]) {
      const response = await call(manager, path);
      expect(response.status, path).toBe(404);
      expect(await response.text()).toBe(NOT_FOUND.response);
    }
    const signedOut = await call(null);
    expect(signedOut.status).toBe(302);
    expect(signedOut.headers.get('Location')).toMatch(/^\/login\?redirectTo=/);
  });
});
