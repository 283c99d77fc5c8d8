import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerCells } from '../app/models/answers.server';
import { createApiToken } from '../app/models/auth.server';
import { getQuestionnaireVersion } from '../app/models/questionnaires.server';
import { createRound } from '../app/models/rounds.server';
import { valueAtRevision } from '../app/models/responses.server';
import type { CurrentUser } from '../app/models/users.server';
import { action as patchAction, loader as getLoader } from '../app/routes/api.v1.responses.$responseId';
import { action as submitAction } from '../app/routes/api.v1.responses.$responseId.submit';
import { loader as revisionsLoader } from '../app/routes/api.v1.responses.$responseId.revisions';
import { loader as listLoader } from '../app/routes/api.v1.responses._index';
import { useTestDatabase, onPostgres, type TestDatabase } from './helpers/db';
import { APP_ORIGIN, createArea, createTeam, createUser, publishFixtureSurveys, sessionHeadersById } from './helpers/factories';

let test: TestDatabase;
let versionId: number;
let east: { id: number };
let west: { id: number };
let teamA: { id: number };
let teamB: { id: number };
let managerA: CurrentUser;
let colleagueA: CurrentUser;
let managerB: CurrentUser;
let eastReviewer: CurrentUser;
let westReviewer: CurrentUser;
let headers: Map<number, Record<string, string>>;

beforeAll(async () => {
  test = await useTestDatabase();
  versionId = (await publishFixtureSurveys(test.db))['fixture-check@1'];
  east = await createArea(test.db, 'East');
  west = await createArea(test.db, 'West');
  teamA = await createTeam(test.db, east.id, 'duty-initial-assessment', 'Alpha');
  teamB = await createTeam(test.db, west.id, 'disability', 'Bravo');
  managerA = await createUser(test.db, 'manager', { teamId: teamA.id }, 'Ann Manager');
  colleagueA = await createUser(test.db, 'manager', { teamId: teamA.id }, 'Colin Colleague');
  managerB = await createUser(test.db, 'manager', { teamId: teamB.id }, 'Bea Manager');
  eastReviewer = await createUser(test.db, 'reviewer', { areaId: east.id }, 'Eve Reviewer');
  westReviewer = await createUser(test.db, 'reviewer', { areaId: west.id }, 'Wes Reviewer');
  headers = await sessionHeadersById(test.db, [managerA, colleagueA, managerB, eastReviewer, westReviewer]);
});
afterAll(() => test.destroy());

async function newResponses(status: 'open' | 'closed' = 'open') {
  const round = await createRound(
    test.db,
    { name: `Round ${Math.random()}`, questionnaireVersionId: versionId, dueDate: '2009-01-30', teamIds: [teamA.id, teamB.id] },
    null,
  );
  if (status === 'closed') await test.db.updateTable('rounds').set({ status: 'closed' }).where('id', '=', round.id).execute();
  const rows = await test.db.selectFrom('responses').select(['id', 'team_id']).where('round_id', '=', round.id).execute();
  return { roundId: round.id, a: rows.find((r) => r.team_id === teamA.id)!.id, b: rows.find((r) => r.team_id === teamB.id)!.id };
}

type Call = { status: number; body: any; headers: Headers };

async function call(
  fn: (args: any) => Promise<Response>,
  user: CurrentUser | null,
  method: string,
  id: number | string,
  body?: unknown,
  extra: Record<string, string> = {},
): Promise<Call> {
  const init: RequestInit = { method, headers: { ...(user ? headers.get(user.id) : {}), ...extra } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] ??= 'application/json';
  }
  const request = new Request(`${APP_ORIGIN}/api/v1/responses/${id}`, init);
  let response: Response;
  try {
    response = await fn({ request, params: { responseId: String(id) }, context: {} });
  } catch (thrown) {
    if (!(thrown instanceof Response)) throw thrown;
    response = thrown;
  }
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
}

const patch = (user: CurrentUser | null, id: number | string, body: unknown, extra?: Record<string, string>) =>
  call(patchAction, user, 'PATCH', id, body, extra);
const get = (user: CurrentUser | null, id: number | string) => call(getLoader, user, 'GET', id);
const submit = (user: CurrentUser, id: number, body: unknown) => call(submitAction, user, 'POST', id, body);

/** What must not change when a request is refused: the response row and its answers rows. */
async function snapshot(id: number) {
  const response = await test.db.selectFrom('responses').select(['revision', 'data', 'status']).where('id', '=', id).executeTakeFirstOrThrow();
  const answers = await test.db
    .selectFrom('answers')
    .select(['question', 'row_key', 'column_key', 'value_numeric', 'value_text', 'value_choice'])
    .where('response_id', '=', id)
    .orderBy('id')
    .execute();
  const revisions = await test.db.selectFrom('response_revisions').select('revision').where('response_id', '=', id).execute();
  return { response, answers, revisions: revisions.length };
}

describe(`saving answers (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('applies changes from two people to different questions, both from the same base revision', async () => {
    const { a } = await newResponses();
    const first = await patch(managerA, a, { baseRevision: 0, set: { team_kind: 'duty', establishment: 12 } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ revision: 1, changed: ['team_kind', 'establishment'] });
    const second = await patch(colleagueA, a, { baseRevision: 0, set: { vacant: 2 } });
    expect(second.status).toBe(200);
    expect(second.body.revision).toBe(2);
    const current = await get(managerA, a);
    expect(current.body.data).toEqual({ team_kind: 'duty', establishment: 12, vacant: 2 });
    expect(current.body.status).toBe('in_progress');
  });

  it('refuses the second writer of the same question with 409, the current value and who changed it, losing nothing', async () => {
    const { a } = await newResponses();
    await patch(managerA, a, { baseRevision: 0, set: { establishment: 10 } });
    const before = await snapshot(a);
    const conflict = await patch(colleagueA, a, { baseRevision: 0, set: { establishment: 14, vacant: 1 } });
    expect(conflict.status).toBe(409);
    expect(conflict.headers.get('Content-Type')).toMatch(/application\/problem\+json/);
    expect(conflict.body).toMatchObject({
      status: 409,
      reason: 'conflict',
      currentRevision: 1,
      conflicts: [{ question: 'establishment', currentValue: 10, changedBy: { id: managerA.id, name: 'Ann Manager' }, revision: 1 }],
    });
    expect(await snapshot(a)).toEqual(before);
    // Taking the other value and keeping theirs for the rest: the colleague resends from the current revision.
    const retry = await patch(colleagueA, a, { baseRevision: 1, set: { establishment: 14, vacant: 1 } });
    expect(retry.status).toBe(200);
    expect((await get(managerA, a)).body.data).toEqual({ establishment: 14, vacant: 1 });
  });

  it('does not call it a conflict when the other change set the same value, and applies a retried change once', async () => {
    const { a } = await newResponses();
    await patch(managerA, a, { baseRevision: 0, set: { establishment: 10 } });
    const same = await patch(colleagueA, a, { baseRevision: 0, set: { establishment: 10 } });
    expect(same.status).toBe(200);
    expect(same.body.changed).toEqual([]);
    const once = await patch(managerA, a, { baseRevision: 1, set: { vacant: 3 }, changeId: 'change-0001' });
    const twice = await patch(managerA, a, { baseRevision: 1, set: { vacant: 3 }, changeId: 'change-0001' });
    expect([once.status, twice.status]).toEqual([200, 200]);
    expect(twice.body.revision).toBe(2);
    const revisions = await test.db.selectFrom('response_revisions').select('revision').where('response_id', '=', a).execute();
    expect(revisions.length).toBe(2);
  });

  it('refuses each kind of bad input with its status, a message that says what is wrong, and writes nothing', async () => {
    const { a } = await newResponses();
    await patch(managerA, a, { baseRevision: 0, set: { establishment: 10, team_kind: 'duty' } });
    const before = await snapshot(a);
    const cases: Array<[string, () => Promise<Call>, number, RegExp]> = [
      ['malformed JSON', () => patch(managerA, a, '{"baseRevision": 1, "set": {'), 400, /not valid JSON/],
      ['not JSON', () => patch(managerA, a, 'establishment=3', { 'Content-Type': 'application/x-www-form-urlencoded' }), 415, /JSON/],
      ['missing baseRevision', () => patch(managerA, a, { set: { vacant: 1 } }), 400, /baseRevision/],
      ['unknown field', () => patch(managerA, a, { baseRevision: 1, set: {}, sett: {} }), 400, /expected shape/],
      ['unknown question', () => patch(managerA, a, { baseRevision: 1, set: { caseload_of_doom: 3 } }), 422, /caseload_of_doom/],
      ['string for a number', () => patch(managerA, a, { baseRevision: 1, set: { vacant: '3' } }), 422, /must be a number/],
      ['object for a text', () => patch(managerA, a, { baseRevision: 1, set: { old_note: { a: 1 } } }), 422, /must be text/],
      ['choice not offered', () => patch(managerA, a, { baseRevision: 1, set: { team_kind: 'space' } }), 422, /not one of the choices/],
      ['checkbox not a list', () => patch(managerA, a, { baseRevision: 1, set: { pressures: 'ics' } }), 422, /list of choices/],
      ['string for a matrix', () => patch(managerA, a, { baseRevision: 1, set: { monthly: 'lots' } }), 422, /object keyed by row/],
      ['unknown matrix row', () => patch(managerA, a, { baseRevision: 1, set: { monthly: { '2031-01': { referrals: 3 } } } }), 422, /monthly\.2031-01/],
      ['unknown matrix column', () => patch(managerA, a, { baseRevision: 1, set: { monthly: { '2008-12': { bananas: 3 } } } }), 422, /not a column/],
      ['wrong cell type', () => patch(managerA, a, { baseRevision: 1, set: { monthly: { '2008-12': { referrals: 'many' } } } }), 422, /must be a number/],
      ['matrix answer not a column', () => patch(managerA, a, { baseRevision: 1, set: { practice: { seen_alone: 'never' } } }), 422, /not one of the choices/],
      ['boolean as text', () => patch(managerA, a, { baseRevision: 1, set: { hard_copy: 'yes' } }), 422, /true or false/],
      ['bad date', () => patch(managerA, a, { baseRevision: 1, set: { due: '31/01/2009' } }), 422, /YYYY-MM-DD/],
      ['below the minimum', () => patch(managerA, a, { baseRevision: 1, set: { vacant: -1 } }), 422, /vacant/],
      ['failing an expression validator', () => patch(managerA, a, { baseRevision: 1, set: { vacant: 11 } }), 422, /cannot exceed the establishment/],
      ['stale base revision from the future', () => patch(managerA, a, { baseRevision: 7, set: { vacant: 1 } }), 409, /newer than/],
      ['oversized body', () => patch(managerA, a, { baseRevision: 1, set: { old_note: 'x'.repeat(300 * 1024) } }), 413, /limit/],
    ];
    for (const [name, run, status, message] of cases) {
      const result = await run();
      expect(result.status, name).toBe(status);
      expect(JSON.stringify(result.body), name).toMatch(message);
      expect(result.body.title, name).toBeTruthy();
      expect(await snapshot(a), name).toEqual(before);
    }
    const invalid = await patch(managerA, a, { baseRevision: 1, set: { vacant: 11, team_kind: 'space' } });
    expect(invalid.body.errors.map((e: { path: string }) => e.path)).toEqual(['team_kind']); // shapes first, then the questionnaire's rules
  });

  it("gives another team's response the same 404 as one that does not exist, for reading and writing", async () => {
    const { b } = await newResponses();
    const missing = await get(managerA, 999_999);
    const other = await get(managerA, b);
    expect(other.status).toBe(404);
    expect(other.body).toEqual(missing.body);
    const before = await snapshot(b);
    const write = await patch(managerA, b, { baseRevision: 0, set: { establishment: 1 } });
    expect(write.status).toBe(404);
    expect(write.body).toEqual((await patch(managerA, 999_999, { baseRevision: 0, set: { establishment: 1 } })).body);
    expect(await snapshot(b)).toEqual(before);
    expect((await get(managerA, 'abc')).status).toBe(404);
    expect((await call(revisionsLoader, managerA, 'GET', b)).status).toBe(404);
  });

  it('gives a malformed id the same 404 body as a missing response, for reading and writing', async () => {
    const missing = await get(managerA, 999_999);
    expect(missing.body).toMatchObject({ status: 404, title: 'Not found', detail: 'No response with that id exists, or it belongs to a team you cannot see.' });
    const missingWrite = await patch(managerA, 999_999, { baseRevision: 0, set: { establishment: 1 } });
    for (const id of ['abc', '0', '-1', '1.5', '1e3', '99999999999999999999']) {
      const read = await get(managerA, id);
      expect(read.status, id).toBe(404);
      expect(read.headers.get('Content-Type'), id).toMatch(/application\/problem\+json/);
      expect(read.body, id).toEqual(missing.body);
      const write = await patch(managerA, id, { baseRevision: 0, set: { establishment: 1 } });
      expect(write.body, id).toEqual(missingWrite.body);
    }
  });

  it('lets reviewers read their area only, and never write (403)', async () => {
    const { a, b } = await newResponses();
    expect((await get(eastReviewer, a)).status).toBe(200);
    expect((await get(eastReviewer, b)).status).toBe(404);
    expect((await get(westReviewer, b)).status).toBe(200);
    const write = await patch(eastReviewer, a, { baseRevision: 0, set: { establishment: 1 } });
    expect(write.status).toBe(403);
  });

  it('lists only what the caller may see', async () => {
    const { roundId, a } = await newResponses();
    const request = (user: CurrentUser) =>
      listLoader({
        request: new Request(`${APP_ORIGIN}/api/v1/responses?round=${roundId}`, { headers: headers.get(user.id) }),
        params: {},
        context: {},
      } as any);
    const mine = await (await request(managerA)).json();
    expect(mine.responses.map((r: { id: number }) => r.id)).toEqual([a]);
    const bad = await listLoader({
      request: new Request(`${APP_ORIGIN}/api/v1/responses?round=x`, { headers: headers.get(managerA.id) }),
      params: {},
      context: {},
    } as any);
    expect(bad.status).toBe(400);
  });

  it('blocks writes to a submitted response and to a closed round with 409 and the reason', async () => {
    const closed = await newResponses('closed');
    const write = await patch(managerA, closed.a, { baseRevision: 0, set: { establishment: 1 } });
    expect(write.status).toBe(409);
    expect(write.body).toMatchObject({ reason: 'round_closed' });
    expect(write.body.detail).toMatch(/round is closed/);
  });

  it('accepts a bearer token, and refuses cookie writes from another origin', async () => {
    const { a } = await newResponses();
    const { token } = await createApiToken(test.db, managerA.id, 'test');
    const viaToken = await call(patchAction, null, 'PATCH', a, { baseRevision: 0, set: { establishment: 9 } }, { Authorization: `Bearer ${token}` });
    expect(viaToken.status).toBe(200);
    const crossSite = await patch(managerA, a, { baseRevision: 1, set: { establishment: 8 } }, { Origin: 'https://evil.example' });
    expect(crossSite.status).toBe(403);
    const noAuth = await call(getLoader, null, 'GET', a);
    expect(noAuth.status).toBe(401);
    const badToken = await call(getLoader, null, 'GET', a, undefined, { Authorization: 'Bearer stk_nope' });
    expect(badToken.status).toBe(401);
  });
});

describe('submitting', () => {
  it('names missing required answers (422), refuses a stale revision (409), then records who submitted and locks the response', async () => {
    const { a } = await newResponses();
    await patch(managerA, a, { baseRevision: 0, set: { establishment: 10 } });
    const missing = await submit(managerA, a, { revision: 1 });
    expect(missing.status).toBe(422);
    expect(missing.body.errors).toEqual([expect.objectContaining({ path: 'team_kind' })]);
    await patch(colleagueA, a, { baseRevision: 1, set: { team_kind: 'lac' } });
    const stale = await submit(managerA, a, { revision: 1 });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ reason: 'stale', currentRevision: 2 });
    const ok = await submit(managerA, a, { revision: 2 });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'submitted', revision: 3 });
    const row = await test.db.selectFrom('responses').select(['status', 'submitted_by', 'submitted_at']).where('id', '=', a).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'submitted', submitted_by: managerA.id });
    const after = await patch(managerA, a, { baseRevision: 3, set: { vacant: 1 } });
    expect(after.status).toBe(409);
    expect(after.body.reason).toBe('submitted');
    expect((await submit(managerA, a, { revision: 3 })).status).toBe(409);
  });

  it('validates failing validators at submit too', async () => {
    const { a } = await newResponses();
    await patch(managerA, a, { baseRevision: 0, set: { team_kind: 'duty', establishment: 10, vacant: 4 } });
    await patch(managerA, a, { baseRevision: 1, set: { establishment: 3 } }); // now vacant (4) exceeds it
    const result = await submit(managerA, a, { revision: 2 });
    expect(result.status).toBe(422);
    expect(result.body.errors).toEqual([{ path: 'vacant', message: 'Vacant posts cannot exceed the establishment.' }]);
  });
});

describe('history and the answers table', () => {
  it('records every accepted change with its author, and can tell any value at any revision', async () => {
    const { a } = await newResponses();
    await patch(managerA, a, { baseRevision: 0, set: { establishment: 10, team_kind: 'duty' } });
    await patch(colleagueA, a, { baseRevision: 1, set: { establishment: 11 } });
    await patch(managerA, a, { baseRevision: 2, unset: ['team_kind'] });
    const history = await call(revisionsLoader, managerA, 'GET', a);
    expect(history.body.revisions.map((r: any) => [r.revision, r.kind, r.author.name, r.questions])).toEqual([
      [3, 'edit', 'Ann Manager', ['team_kind']],
      [2, 'edit', 'Colin Colleague', ['establishment']],
      [1, 'edit', 'Ann Manager', ['establishment', 'team_kind']],
    ]);
    expect(history.body.revisions[1].changes).toEqual([{ question: 'establishment', old: 10, new: 11 }]);
    expect(await valueAtRevision(test.db, a, 'establishment', 1)).toBe(10);
    expect(await valueAtRevision(test.db, a, 'establishment', 3)).toBe(11);
    expect(await valueAtRevision(test.db, a, 'team_kind', 2)).toBe('duty');
    expect(await valueAtRevision(test.db, a, 'team_kind', 3)).toBeUndefined();
  });

  it('keeps the answers rows equal to what the response data says after any sequence of changes', async () => {
    const { a } = await newResponses();
    const version = await getQuestionnaireVersion(test.db, versionId);
    const steps: Array<{ set?: Record<string, unknown>; unset?: string[] }> = [
      { set: { team_kind: 'duty', establishment: 12, pressures: ['ics', 'plo'] } },
      { set: { monthly: { '2008-11': { referrals: 40, trend: 'up' }, '2008-12': { referrals: 55 } }, practice: { seen_alone: 'usually' } } },
      { set: { pressures: ['vacancies'], hard_copy: false, due: '2009-02-01' } },
      { set: { monthly: { '2008-12': { referrals: 60, trend: 'down' } } }, unset: ['practice'] },
      { set: { old_note: 'Two posts frozen.', vacant: 0 } },
    ];
    let revision = 0;
    for (const step of steps) {
      const result = await patch(managerA, a, { baseRevision: revision, set: step.set ?? {}, unset: step.unset ?? [] });
      expect(result.status).toBe(200);
      revision = result.body.revision;
      const { data } = (await get(managerA, a)).body;
      const expected = [...version.catalogue.values()]
        .flatMap((q) => answerCells(q, data))
        .map((c) => `${c.question}|${c.row_key}|${c.column_key}|${c.value_type}|${c.value_numeric}|${c.value_text}|${c.value_choice}`)
        .sort();
      const rows = await test.db.selectFrom('answers').selectAll().where('response_id', '=', a).execute();
      const actual = rows.map((c) => `${c.question}|${c.row_key}|${c.column_key}|${c.value_type}|${c.value_numeric}|${c.value_text}|${c.value_choice}`).sort();
      expect(actual).toEqual(expected);
      expect(rows.every((r) => r.round_id && r.team_id === teamA.id)).toBe(true);
    }
    const final = await test.db
      .selectFrom('answers')
      .select(['question', 'value_choice'])
      .where('response_id', '=', a)
      .where('question', '=', 'pressures')
      .execute();
    expect(final).toEqual([{ question: 'pressures', value_choice: 'vacancies' }]);
  });
});
