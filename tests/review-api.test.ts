import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmCarriedAnswers } from '../app/models/carry-forward.server';
import { createRound } from '../app/models/rounds.server';
import { saveResponseChange, submitResponse } from '../app/models/responses.server';
import type { CurrentUser } from '../app/models/users.server';
import { action as returnAction } from '../app/routes/api.v1.responses.$responseId.return';
import { action as patchResponse, loader as getResponse } from '../app/routes/api.v1.responses.$responseId';
import { action as submitAction } from '../app/routes/api.v1.responses.$responseId.submit';
import { loader as revisionsLoader } from '../app/routes/api.v1.responses.$responseId.revisions';
import { action as createRoundAction, loader as listRoundsLoader } from '../app/routes/api.v1.rounds._index';
import { action as patchRound, loader as getRound } from '../app/routes/api.v1.rounds.$roundId';
import { loader as compareRound } from '../app/routes/api.v1.rounds.$roundId.compare';
import { loader as compareTeam } from '../app/routes/api.v1.teams.$teamId.compare';
import { useTestDatabase, onPostgres, type TestDatabase } from './helpers/db';
import { APP_ORIGIN, createKent, createUser, publishFixtureSurveys, sessionHeadersById, countRounds } from './helpers/factories';

let test: TestDatabase;
let versions: Record<string, number>;
let east: { id: number; slug: string };
let west: { id: number };
let eastTeams: Array<{ id: number; slug: string; name: string }>;
let westTeam: { id: number; slug: string };
let eastManager: CurrentUser;
let westManager: CurrentUser;
let eastReviewer: CurrentUser;
let westReviewer: CurrentUser;
let kentReviewer: CurrentUser;
let headers: Map<number, Record<string, string>>;

beforeAll(async () => {
  test = await useTestDatabase();
  versions = await publishFixtureSurveys(test.db);
  ({
    east,
    west,
    eastTeams,
    westTeams: [westTeam],
  } = await createKent(test.db, {
    east: [
      ['duty-initial-assessment', 'Ashford Duty'],
      ['looked-after-children', 'Canterbury Children in Care'],
      ['duty-initial-assessment', 'Dover Duty'],
    ],
    west: [['duty-initial-assessment', 'Sevenoaks Duty']],
  }));
  eastManager = await createUser(test.db, 'manager', { teamId: eastTeams[0].id }, 'Ann Manager');
  westManager = await createUser(test.db, 'manager', { teamId: westTeam.id }, 'Wyn Manager');
  eastReviewer = await createUser(test.db, 'reviewer', { areaId: east.id }, 'Eve Reviewer');
  westReviewer = await createUser(test.db, 'reviewer', { areaId: west.id }, 'Wes Reviewer');
  kentReviewer = await createUser(test.db, 'reviewer', {}, 'Kim Reviewer');
  headers = await sessionHeadersById(test.db, [eastManager, westManager, eastReviewer, westReviewer, kentReviewer]);
});
afterAll(() => test.destroy());

type Call = { status: number; body: any; headers: Headers };

async function call(
  fn: (args: any) => Promise<Response>,
  user: CurrentUser | null,
  method: string,
  url: string,
  params: Record<string, string>,
  body?: unknown,
): Promise<Call> {
  const init: RequestInit = { method, headers: { ...(user ? headers.get(user.id) : {}) } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
  }
  let response: Response;
  try {
    response = await fn({ request: new Request(`${APP_ORIGIN}${url}`, init), params, context: {} });
  } catch (thrown) {
    if (!(thrown instanceof Response)) throw thrown;
    response = thrown;
  }
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
}

const returnIt = (user: CurrentUser, id: number | string, body: unknown) =>
  call(returnAction, user, 'POST', `/api/v1/responses/${id}/return`, { responseId: String(id) }, body);
const getIt = (user: CurrentUser, id: number) => call(getResponse, user, 'GET', `/api/v1/responses/${id}`, { responseId: String(id) });
const patchIt = (user: CurrentUser, id: number, body: unknown) =>
  call(patchResponse, user, 'PATCH', `/api/v1/responses/${id}`, { responseId: String(id) }, body);
const submitIt = (user: CurrentUser, id: number, revision: number) =>
  call(submitAction, user, 'POST', `/api/v1/responses/${id}/submit`, { responseId: String(id) }, { revision });

const COMPLETE = { team_kind: 'duty', establishment: 12, vacant: 2, monthly: { '2008-12': { referrals: 40, trend: 'up' } } };

/** A round over every team, with the east manager's response submitted and the west one in progress. */
async function phase1() {
  const round = await createRound(
    test.db,
    {
      name: `Phase 1 ${Math.random().toFixed(6)}`,
      questionnaireVersionId: versions['fixture-check@1'],
      dueDate: '2009-01-30',
      teamIds: [...eastTeams, westTeam].map((t) => t.id),
    },
    null,
  );
  const responses = await test.db.selectFrom('responses').select(['id', 'team_id']).where('round_id', '=', round.id).execute();
  const of = (teamId: number) => responses.find((r) => r.team_id === teamId)!.id;
  const east0 = of(eastTeams[0].id);
  const saved = await saveResponseChange(test.db, eastManager, east0, { baseRevision: 0, set: COMPLETE, unset: [] });
  await submitResponse(test.db, eastManager, east0, { revision: saved.revision });
  await saveResponseChange(test.db, westManager, of(westTeam.id), { baseRevision: 0, set: { team_kind: 'lac' }, unset: [] });
  return { round, east0, west: of(westTeam.id), east1: of(eastTeams[1].id) };
}

async function snapshot(id: number) {
  return JSON.stringify({
    response: await test.db.selectFrom('responses').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
    revisions: await test.db.selectFrom('response_revisions').selectAll().where('response_id', '=', id).orderBy('id').execute(),
  });
}

describe(`returning a response for correction (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('returns a submitted response with a reason and questions; the manager sees them, corrects and resubmits; history keeps both submissions', async () => {
    const { east0 } = await phase1();
    const returned = await returnIt(eastReviewer, east0, {
      reason: 'The vacancy figure does not match the establishment: please check.',
      questions: ['vacant', 'establishment'],
    });
    expect(returned.status).toBe(200);
    expect(returned.body).toMatchObject({ id: east0, status: 'returned', questions: ['establishment', 'vacant'] }); // in questionnaire order

    const seen = await getIt(eastManager, east0);
    expect(seen.body.status).toBe('returned');
    expect(seen.body.returned).toMatchObject({
      reason: 'The vacancy figure does not match the establishment: please check.',
      questions: ['establishment', 'vacant'],
    });

    const corrected = await patchIt(eastManager, east0, { baseRevision: seen.body.revision, set: { vacant: 1 } });
    expect(corrected.status).toBe(200);
    const resubmitted = await submitIt(eastManager, east0, corrected.body.revision);
    expect(resubmitted.status).toBe(200);

    const history = await call(revisionsLoader, eastReviewer, 'GET', `/api/v1/responses/${east0}/revisions`, { responseId: String(east0) });
    const kinds = history.body.revisions.map((r: any) => [r.kind, r.author.name]).reverse();
    expect(kinds).toEqual([
      ['edit', 'Ann Manager'],
      ['submit', 'Ann Manager'],
      ['return', 'Eve Reviewer'],
      ['edit', 'Ann Manager'],
      ['submit', 'Ann Manager'],
    ]);
    const submits = history.body.revisions.filter((r: any) => r.kind === 'submit').reverse();
    expect(submits.map((s: any) => s.changes.resubmission)).toEqual([false, true]);
    expect(history.body.revisions.find((r: any) => r.kind === 'return')).toMatchObject({
      note: expect.stringMatching(/vacancy figure/),
      changes: { questions: ['establishment', 'vacant'] },
    });
    const audit = await test.db
      .selectFrom('audit_events')
      .select(['actor_id'])
      .where('action', '=', 'response.return')
      .where('entity_id', '=', String(east0))
      .execute();
    expect(audit).toEqual([{ actor_id: eastReviewer.id }]);
  });

  it('gives a reviewer of another area the same 404 as a response that does not exist, and changes nothing', async () => {
    const { east0 } = await phase1();
    const before = await snapshot(east0);
    const other = await returnIt(westReviewer, east0, { reason: 'Not yours.' });
    const missing = await returnIt(westReviewer, 999_999, { reason: 'Not yours.' });
    expect(other.status).toBe(404);
    expect(other.body).toEqual(missing.body);
    expect((await getIt(westReviewer, east0)).status).toBe(404);
    expect(await snapshot(east0)).toBe(before);
  });

  it('refuses managers (403), unsubmitted responses (409), a missing or blank reason (400/422), unknown questions (422) and a closed round (409)', async () => {
    const { round, east0, west } = await phase1();
    const before = await snapshot(east0);
    const cases: Array<[string, () => Promise<Call>, number, RegExp]> = [
      ['manager', () => returnIt(eastManager, east0, { reason: 'I would like it back.' }), 403, /response:return/],
      ['no reason', () => returnIt(eastReviewer, east0, { questions: ['vacant'] }), 400, /reason is required/],
      ['reason not text', () => returnIt(eastReviewer, east0, { reason: 42 }), 400, /reason must be text/],
      ['blank reason', () => returnIt(eastReviewer, east0, { reason: '   ' }), 422, /reason/],
      ['unknown question', () => returnIt(eastReviewer, east0, { reason: 'Check these.', questions: ['vacant', 'caseload_of_doom'] }), 422, /caseload_of_doom/],
      ['unknown field', () => returnIt(eastReviewer, east0, { reason: 'Check.', urgent: true }), 400, /expected shape/],
      ['bad JSON', () => returnIt(eastReviewer, east0, '{"reason": '), 400, /not valid JSON/],
    ];
    for (const [name, run, status, message] of cases) {
      const result = await run();
      expect(result.status, name).toBe(status);
      expect(JSON.stringify(result.body), name).toMatch(message);
      expect(await snapshot(east0), name).toBe(before);
    }
    const inProgress = await returnIt(westReviewer, west, { reason: 'Not submitted yet.' });
    expect(inProgress.status).toBe(409);
    expect(inProgress.body).toMatchObject({ reason: 'not_submitted', status: 'in_progress' });

    await test.db.updateTable('rounds').set({ status: 'closed' }).where('id', '=', round.id).execute();
    const closed = await returnIt(eastReviewer, east0, { reason: 'Too late.' });
    expect(closed.status).toBe(409);
    expect(closed.body.reason).toBe('round_closed');
    expect(await snapshot(east0)).toBe(before);
  });
});

describe('rounds through the API', () => {
  it('lets reviewers list and create rounds, and refuses managers (403)', async () => {
    expect((await call(listRoundsLoader, eastManager, 'GET', '/api/v1/rounds', {})).status).toBe(403);
    const refused = await call(
      createRoundAction,
      eastManager,
      'POST',
      '/api/v1/rounds',
      {},
      { name: 'Mine', questionnaireVersionId: versions['fixture-check@1'], dueDate: '2009-01-30', teams: { by: 'all' } },
    );
    expect(refused.status).toBe(403);

    const created = await call(
      createRoundAction,
      eastReviewer,
      'POST',
      '/api/v1/rounds',
      {},
      {
        name: 'East Phase 1',
        questionnaire: { slug: 'fixture-check', version: 1 },
        dueDate: '2009-01-30',
        teams: { by: 'all' },
      },
    );
    expect(created.status).toBe(201);
    expect(created.headers.get('Location')).toBe(`/api/v1/rounds/${created.body.id}`);
    expect(created.body).toMatchObject({ name: 'East Phase 1', status: 'open', counts: { teams: 3, not_started: 3 } }); // 'all' means all of the reviewer's area
    const listed = await call(listRoundsLoader, westReviewer, 'GET', '/api/v1/rounds', {});
    expect(listed.body.rounds.map((r: any) => r.id)).not.toContain(created.body.id);

    const byType = await call(
      createRoundAction,
      kentReviewer,
      'POST',
      '/api/v1/rounds',
      {},
      {
        name: 'Duty teams',
        questionnaireVersionId: versions['fixture-check@1'],
        dueDate: '2009-01-30',
        teams: { by: 'type', teamTypes: ['duty-initial-assessment'] },
      },
    );
    expect(byType.body.counts.teams).toBe(3);
  });

  it('refuses an area reviewer teams or areas outside their area (422, naming them), and bad payloads (400)', async () => {
    const rounds = () => countRounds(test.db);
    const before = await rounds();
    const base = { name: 'Phase 1', questionnaireVersionId: versions['fixture-check@1'], dueDate: '2009-01-30' };
    const picked = await call(
      createRoundAction,
      eastReviewer,
      'POST',
      '/api/v1/rounds',
      {},
      { ...base, teams: { by: 'picked', teamIds: [eastTeams[0].id, westTeam.id] } },
    );
    expect(picked.status).toBe(422);
    expect(picked.body.errors).toEqual([{ path: 'teams.teamIds', message: expect.stringContaining(`team ${westTeam.id}`) }]);
    const area = await call(createRoundAction, eastReviewer, 'POST', '/api/v1/rounds', {}, { ...base, teams: { by: 'area', areaIds: [west.id] } });
    expect(area.status).toBe(422);
    expect(area.body.errors[0].message).toContain(`area ${west.id}`);
    const bad: Array<[unknown, RegExp]> = [
      [{ ...base, teams: { by: 'everyone' } }, /teams/],
      [{ ...base, dueDate: '2009-02-30', teams: { by: 'all' } }, /not a date in the calendar/],
      [{ ...base, dueDate: undefined, teams: { by: 'all' } }, /dueDate/],
      [{ ...base, name: ' ', teams: { by: 'all' } }, /name is required/],
      [{ ...base }, /teams is required/],
    ];
    for (const [body, message] of bad) {
      const result = await call(createRoundAction, eastReviewer, 'POST', '/api/v1/rounds', {}, body);
      expect(result.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(result.body)).toMatch(message);
    }
    const unknownVersion = await call(
      createRoundAction,
      eastReviewer,
      'POST',
      '/api/v1/rounds',
      {},
      { ...base, questionnaireVersionId: 99_999, teams: { by: 'all' } },
    );
    expect(unknownVersion.status).toBe(422);
    expect(await rounds()).toBe(before);
  });

  it('creates the next phase from an earlier round with its teams, on a newer version', async () => {
    const { round, east0 } = await phase1();
    const next = await call(
      createRoundAction,
      eastReviewer,
      'POST',
      '/api/v1/rounds',
      {},
      {
        name: 'East Phase 2',
        questionnaire: { slug: 'fixture-check', version: 2 },
        dueDate: '2009-03-13',
        followsRoundId: round.id,
      },
    );
    expect(next.status).toBe(201);
    expect(next.body).toMatchObject({ followsRound: { id: round.id }, questionnaire: { version: 2 }, counts: { teams: 3, unconfirmedCarried: 4 } });
    const overview = await call(getRound, eastReviewer, 'GET', `/api/v1/rounds/${next.body.id}`, { roundId: String(next.body.id) });
    const carried = overview.body.responses.find((r: any) => r.team.id === eastTeams[0].id);
    expect(carried).toMatchObject({ carriedFromResponseId: east0, carried: { carried: 4, unconfirmed: 4, fromUnsubmitted: 0 } });
    expect(overview.body.page).toBeUndefined(); // whole without page or pageSize

    // A page at a time: pages in order make the whole list, once each.
    const get = (query: string) => call(getRound, eastReviewer, 'GET', `/api/v1/rounds/${next.body.id}?${query}`, { roundId: String(next.body.id) });
    const whole = overview.body.responses.map((r: any) => r.responseId);
    const first = await get('pageSize=2');
    const second = await get('page=2&pageSize=2');
    expect(first.body.page).toEqual({ number: 1, size: 2, count: 2, total: 3 });
    expect(second.body.page).toEqual({ number: 2, size: 2, count: 2, total: 3 });
    expect([...first.body.responses, ...second.body.responses].map((r: any) => r.responseId)).toEqual(whole);
    expect((await get('page=1')).body.page).toMatchObject({ size: 500, total: 3 });
    for (const bad of ['pageSize=0', 'pageSize=1001', 'pageSize=abc', 'page=0']) expect((await get(bad)).status, bad).toBe(400);
  });

  it('closes a round (audited): writes to its responses get 409 with the reason; reopening allows them again', async () => {
    const { round, east0, west } = await phase1();
    const eastOnly = await createRound(
      test.db,
      { name: 'East only', questionnaireVersionId: versions['fixture-check@1'], dueDate: '2009-01-30', teamIds: eastTeams.map((t) => t.id) },
      null,
    );
    const eastResponse = (
      await test.db.selectFrom('responses').select('id').where('round_id', '=', eastOnly.id).where('team_id', '=', eastTeams[0].id).executeTakeFirstOrThrow()
    ).id;

    // An area reviewer cannot close a round that includes other areas' teams; a manager cannot close any.
    expect((await call(patchRound, eastReviewer, 'PATCH', `/api/v1/rounds/${round.id}`, { roundId: String(round.id) }, { status: 'closed' })).status).toBe(403);
    expect((await call(patchRound, eastManager, 'PATCH', `/api/v1/rounds/${eastOnly.id}`, { roundId: String(eastOnly.id) }, { status: 'closed' })).status).toBe(
      403,
    );
    expect((await call(patchRound, eastReviewer, 'PATCH', `/api/v1/rounds/${eastOnly.id}`, { roundId: String(eastOnly.id) }, { status: 'shut' })).status).toBe(
      400,
    );

    const closed = await call(patchRound, eastReviewer, 'PATCH', `/api/v1/rounds/${eastOnly.id}`, { roundId: String(eastOnly.id) }, { status: 'closed' });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ status: 'closed', changed: true, closed: { by: 'Eve Reviewer' } });
    const write = await patchIt(eastManager, eastResponse, { baseRevision: 0, set: { establishment: 3 } });
    expect(write.status).toBe(409);
    expect(write.body).toMatchObject({ reason: 'round_closed', detail: expect.stringMatching(/round is closed/) });
    expect((await submitIt(eastManager, eastResponse, 0)).status).toBe(409);

    const closedAll = await call(patchRound, kentReviewer, 'PATCH', `/api/v1/rounds/${round.id}`, { roundId: String(round.id) }, { status: 'closed' });
    expect(closedAll.status).toBe(200);
    expect((await patchIt(westManager, west, { baseRevision: 1, set: { establishment: 3 } })).body.reason).toBe('round_closed');
    expect((await returnIt(eastReviewer, east0, { reason: 'Late.' })).status).toBe(409);

    const reopened = await call(patchRound, eastReviewer, 'PATCH', `/api/v1/rounds/${eastOnly.id}`, { roundId: String(eastOnly.id) }, { status: 'open' });
    expect(reopened.body).toMatchObject({ status: 'open', closed: null });
    expect((await patchIt(eastManager, eastResponse, { baseRevision: 0, set: { establishment: 3 } })).status).toBe(200);
    const audit = await test.db
      .selectFrom('audit_events')
      .select(['action', 'actor_id'])
      .where('entity_type', '=', 'round')
      .where('entity_id', '=', String(eastOnly.id))
      .where('action', 'like', 'round.%')
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual(['round.create', 'round.close', 'round.reopen']);
  });

  it('blocks confirming carried answers in a closed round (409)', async () => {
    const { round } = await phase1();
    const next = await call(
      createRoundAction,
      eastReviewer,
      'POST',
      '/api/v1/rounds',
      {},
      { name: 'Next', questionnaire: { slug: 'fixture-check', version: 2 }, dueDate: '2009-03-13', followsRoundId: round.id },
    );
    await call(patchRound, eastReviewer, 'PATCH', `/api/v1/rounds/${next.body.id}`, { roundId: String(next.body.id) }, { status: 'closed' });
    const response = (
      await test.db.selectFrom('responses').select('id').where('round_id', '=', next.body.id).where('team_id', '=', eastTeams[0].id).executeTakeFirstOrThrow()
    ).id;
    await expect(confirmCarriedAnswers(test.db, eastManager, response, ['establishment'])).rejects.toMatchObject({
      status: 409,
      extra: { reason: 'round_closed' },
    });
  });

  it("gives another area's round the same 404 as a round that does not exist", async () => {
    const eastOnly = await createRound(
      test.db,
      { name: 'East only', questionnaireVersionId: versions['fixture-check@1'], dueDate: '2009-01-30', teamIds: [eastTeams[0].id] },
      null,
    );
    const other = await call(getRound, westReviewer, 'GET', `/api/v1/rounds/${eastOnly.id}`, { roundId: String(eastOnly.id) });
    const missing = await call(getRound, westReviewer, 'GET', '/api/v1/rounds/999999', { roundId: '999999' });
    expect(other.status).toBe(404);
    expect(other.body).toEqual(missing.body);
    expect((await call(getRound, westReviewer, 'GET', '/api/v1/rounds/abc', { roundId: 'abc' })).body).toEqual(missing.body);
    expect(
      (await call(patchRound, westReviewer, 'PATCH', `/api/v1/rounds/${eastOnly.id}`, { roundId: String(eastOnly.id) }, { status: 'closed' })).status,
    ).toBe(404);
    expect((await call(getRound, eastReviewer, 'GET', `/api/v1/rounds/${eastOnly.id}?status=lost`, { roundId: String(eastOnly.id) })).status).toBe(400);
  });
});

describe('comparisons through the API', () => {
  it('compares teams of a round side by side, within the caller’s scope', async () => {
    const { round } = await phase1();
    const url = (teams: string) => `/api/v1/rounds/${round.id}/compare?teams=${teams}`;
    const ok = await call(compareRound, eastReviewer, 'GET', url(`${eastTeams[0].id},${eastTeams[1].slug}`), { roundId: String(round.id) });
    expect(ok.status).toBe(200);
    expect(ok.body.teams.map((t: any) => t.id)).toEqual([eastTeams[0].id, eastTeams[1].id]);
    const establishment = ok.body.rows.find((r: any) => r.key === 'establishment');
    expect(establishment.values).toEqual([
      { teamId: eastTeams[0].id, value: 12, text: '12', outlier: null },
      { teamId: eastTeams[1].id, value: null, text: null, outlier: null },
    ]);
    expect(ok.body.rows.find((r: any) => r.key === 'team_kind').values[0].text).toBe('Duty');
    expect(ok.body.outlierRule).toMatch(/1\.5 times the interquartile range/);

    const westTeamAsked = await call(compareRound, eastReviewer, 'GET', url(`${eastTeams[0].id},${westTeam.id}`), { roundId: String(round.id) });
    const nonexistent = await call(compareRound, eastReviewer, 'GET', url(`${eastTeams[0].id},999999`), { roundId: String(round.id) });
    expect(westTeamAsked.status).toBe(404);
    expect(nonexistent.status).toBe(404);
    const thirteen = Array.from({ length: 13 }, (_, i) => i + 1).join(',');
    expect((await call(compareRound, eastReviewer, 'GET', url(thirteen), { roundId: String(round.id) })).status).toBe(400);
    expect((await call(compareRound, eastReviewer, 'GET', `/api/v1/rounds/${round.id}/compare`, { roundId: String(round.id) })).status).toBe(400);
    expect((await call(compareRound, eastManager, 'GET', url(String(eastTeams[0].id)), { roundId: String(round.id) })).status).toBe(403);
    const area = await call(compareRound, eastReviewer, 'GET', `/api/v1/rounds/${round.id}/compare?area=${east.slug}&differing=true`, {
      roundId: String(round.id),
    });
    expect(area.body.teams).toHaveLength(3);
    expect(area.body.rows.every((r: any) => r.differs)).toBe(true);
  });

  it('compares a team across two rounds, aligned through the mapping', async () => {
    const { round, east0 } = await phase1();
    const next = await call(
      createRoundAction,
      eastReviewer,
      'POST',
      '/api/v1/rounds',
      {},
      { name: 'Phase 2', questionnaire: { slug: 'fixture-check', version: 2 }, dueDate: '2009-03-13', followsRoundId: round.id },
    );
    const url = `/api/v1/teams/${eastTeams[0].id}/compare?rounds=${next.body.id},${round.id}`;
    const result = await call(compareTeam, eastReviewer, 'GET', url, { teamId: String(eastTeams[0].id) });
    expect(result.status).toBe(200);
    expect(result.body.rounds.map((r: any) => r.id)).toEqual([round.id, next.body.id]); // earlier first, whatever the order asked
    expect(result.body.rounds[0].responseId).toBe(east0);
    const renamed = result.body.rows.find((r: any) => r.key === 'team_type_now');
    expect(renamed).toMatchObject({
      status: 'unchanged',
      before: { asked: true, question: 'team_kind', text: 'Duty' },
      after: { asked: true, question: 'team_type_now', text: 'Duty' },
    });
    expect(result.body.rows.find((r: any) => r.key === 'new_question')).toMatchObject({ status: 'added', before: { asked: false } });
    expect(result.body.rows.find((r: any) => r.before.question === 'old_note')).toMatchObject({ status: 'removed', after: { asked: false } });

    expect((await call(compareTeam, westReviewer, 'GET', url, { teamId: String(eastTeams[0].id) })).status).toBe(404);
    expect(
      (await call(compareTeam, eastReviewer, 'GET', `/api/v1/teams/${eastTeams[0].id}/compare?rounds=${round.id}`, { teamId: String(eastTeams[0].id) })).status,
    ).toBe(400);
    expect(
      (await call(compareTeam, eastReviewer, 'GET', `/api/v1/teams/${eastTeams[0].id}/compare?rounds=${round.id},999999`, { teamId: String(eastTeams[0].id) }))
        .status,
    ).toBe(404);
  });
});
