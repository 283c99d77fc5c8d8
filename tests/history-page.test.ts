import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRound } from '../app/models/rounds.server';
import { saveResponseChange } from '../app/models/responses.server';
import { loader as historyLoader } from '../app/routes/responses.$responseId.history';
import { loader as myTeamLoader } from '../app/routes/my-team._index';
import { useTestDatabase, type TestDatabase } from './helpers/db';
import { callRoute, createArea, createTeam, createUser, publishFixtureSurveys, sessionHeaders } from './helpers/factories';

let test: TestDatabase;
beforeAll(async () => {
  test = await useTestDatabase();
});
afterAll(() => test.destroy());

describe('the history page and My team', () => {
  it('lists revisions with authors, tells a value at a revision, and hides other teams (404)', async () => {
    const versionId = (await publishFixtureSurveys(test.db))['fixture-check@1'];
    const area = await createArea(test.db);
    const team = await createTeam(test.db, area.id);
    const other = await createTeam(test.db, area.id);
    const manager = await createUser(test.db, 'manager', { teamId: team.id }, 'Hana History');
    const outsider = await createUser(test.db, 'manager', { teamId: other.id });
    await createRound(test.db, { name: 'Phase 1', questionnaireVersionId: versionId, dueDate: '2009-01-30', teamIds: [team.id, other.id] }, null);
    const response = await test.db.selectFrom('responses').select('id').where('team_id', '=', team.id).executeTakeFirstOrThrow();
    await saveResponseChange(test.db, manager, response.id, { baseRevision: 0, set: { establishment: 10 }, unset: [] });
    await saveResponseChange(test.db, manager, response.id, { baseRevision: 1, set: { establishment: 12, vacant: 1 }, unset: [] });

    const headers = await sessionHeaders(test.db, manager);
    const page = (await callRoute(historyLoader, `/responses/${response.id}/history?question=establishment&revision=1`, {
      headers,
      params: { responseId: String(response.id) },
    })) as any;
    expect(page.revisions.map((r: any) => [r.revision, r.author.name, r.questions])).toEqual([
      [2, 'Hana History', ['establishment', 'vacant']],
      [1, 'Hana History', ['establishment']],
    ]);
    expect(page.lookup).toMatchObject({ question: 'establishment', revision: 1, value: 10 });

    const bad = (await callRoute(historyLoader, `/responses/${response.id}/history?question=nope&revision=1`, {
      headers,
      params: { responseId: String(response.id) },
    })) as Response;
    expect(bad.status).toBe(400);
    const hidden = (await callRoute(historyLoader, `/responses/${response.id}/history`, {
      headers: await sessionHeaders(test.db, outsider),
      params: { responseId: String(response.id) },
    })) as Response;
    expect(hidden.status).toBe(404);
    // Another team's response, a missing one and a malformed id read the same.
    const text = await hidden.text();
    expect(text).toBe('No response with that id exists, or it belongs to a team you cannot see.');
    for (const id of ['999999', 'abc', '0', '-1', '1.5', '1e3', '99999999999']) {
      const page = (await callRoute(historyLoader, `/responses/${id}/history`, { headers, params: { responseId: id } })) as Response;
      expect(page.status, id).toBe(404);
      expect(await page.text(), id).toBe(text);
    }

    const mine = (await callRoute(myTeamLoader, '/my-team', { headers })) as any;
    expect(mine.responses).toEqual([expect.objectContaining({ id: response.id, status: 'in_progress', answered_count: 2, revision: 2 })]);
    expect(mine.responses[0].answerable_count).toBeGreaterThanOrEqual(8);
  });
});
