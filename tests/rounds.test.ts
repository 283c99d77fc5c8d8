import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveResponseChange, submitResponse } from '../app/models/responses.server';
import { createRound, createRoundForUser, overviewCsv, roundOverview, setRoundStatus } from '../app/models/rounds.server';
import type { CurrentUser } from '../app/models/users.server';
import { action as overviewAction, loader as overviewLoader } from '../app/routes/review.rounds.$roundId._index';
import { loader as csvLoader } from '../app/routes/review.rounds.$roundId[.csv]';
import { loader as compareLoader } from '../app/routes/review.rounds.$roundId.compare';
import { action as newRoundAction, loader as newRoundLoader } from '../app/routes/review.rounds.new';
import { action as responsePageAction, loader as responsePageLoader } from '../app/routes/review.responses.$responseId';
import { loader as teamCompareLoader } from '../app/routes/review.teams.$teamId.compare';
import { onPostgres, useTestDatabase, type TestDatabase } from './helpers/db';
import { callRoute, createKent, createTeam, createUser, publishFixtureSurveys, sessionHeaders, sessionHeadersById } from './helpers/factories';

let test: TestDatabase;
let versions: Record<string, number>;
let east: { id: number };
let west: { id: number };
let eastTeams: Array<{ id: number; name: string }>;
let westTeams: Array<{ id: number; name: string }>;
let archived: { id: number };
let managers: Map<number, CurrentUser>;
let admin: CurrentUser;
let eastReviewer: CurrentUser;
let kentReviewer: CurrentUser;
let headers: Map<number, Record<string, string>>;

beforeAll(async () => {
  test = await useTestDatabase();
  versions = await publishFixtureSurveys(test.db);
  ({ east, west, eastTeams, westTeams } = await createKent(test.db, {
    east: [
      ['duty-initial-assessment', 'Ashford Duty'],
      ['looked-after-children', 'Canterbury Children in Care'],
      ['long-term-child-protection', '=Dover Child Protection'], // a name a spreadsheet would run
    ],
    west: [
      ['duty-initial-assessment', 'Sevenoaks Duty'],
      ['disability', 'West Kent Disabled Children'],
    ],
  }));
  archived = await createTeam(test.db, east.id, 'other', 'Old Team');
  await test.db.updateTable('teams').set({ archived_at: new Date() }).where('id', '=', archived.id).execute();
  managers = new Map();
  for (const team of [...eastTeams, ...westTeams])
    managers.set(team.id, await createUser(test.db, 'manager', { teamId: team.id }, `${team.name.replace('=', '')} Manager`));
  admin = await createUser(test.db, 'admin', {}, 'Ada Admin');
  eastReviewer = await createUser(test.db, 'reviewer', { areaId: east.id }, 'Eve Reviewer');
  kentReviewer = await createUser(test.db, 'reviewer', {}, 'Kim Reviewer');
  headers = await sessionHeadersById(test.db, [admin, eastReviewer, kentReviewer, ...managers.values()]);
});
afterAll(() => test.destroy());

const teamIdsOf = async (roundId: number) =>
  (await test.db.selectFrom('responses').select('team_id').where('round_id', '=', roundId).orderBy('team_id').execute()).map((r) => r.team_id);
const responseOf = async (roundId: number, teamId: number) =>
  (await test.db.selectFrom('responses').select('id').where('round_id', '=', roundId).where('team_id', '=', teamId).executeTakeFirstOrThrow()).id;
const base = () => ({ name: `Round ${Math.random().toFixed(6)}`, questionnaireVersionId: versions['fixture-check@1'], dueDate: '2009-01-30' });

function form(fields: Record<string, string | string[]>): URLSearchParams {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) for (const v of Array.isArray(value) ? value : [value]) body.append(key, v);
  return body;
}

/** What a loader or action returned: a Response (thrown or returned), data() with a status, or plain data. */
function outcome(result: unknown): { status: number; body: any; location: string | null } {
  if (result instanceof Response) return { status: result.status, body: null, location: result.headers.get('Location') };
  if (result && typeof result === 'object' && (result as { type?: string }).type === 'DataWithResponseInit') {
    const r = result as unknown as { data: unknown; init: ResponseInit | null };
    return { status: r.init?.status ?? 200, body: r.data, location: null };
  }
  return { status: 200, body: result, location: null };
}

describe(`creating rounds (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('resolves all, area, type and picked selections within the creator’s scope, never archived teams', async () => {
    const all = await createRoundForUser(test.db, admin, { ...base(), teams: { by: 'all' } });
    expect(await teamIdsOf(all.id)).toEqual([...eastTeams, ...westTeams].map((t) => t.id).sort((a, b) => a - b));
    const eastAll = await createRoundForUser(test.db, eastReviewer, { ...base(), teams: { by: 'all' } });
    expect(await teamIdsOf(eastAll.id)).toEqual(eastTeams.map((t) => t.id).sort((a, b) => a - b));
    const byArea = await createRoundForUser(test.db, kentReviewer, { ...base(), teams: { by: 'area', areaIds: [west.id] } });
    expect(await teamIdsOf(byArea.id)).toEqual(westTeams.map((t) => t.id).sort((a, b) => a - b));
    const byType = await createRoundForUser(test.db, kentReviewer, { ...base(), teams: { by: 'type', teamTypes: ['duty-initial-assessment', 'disability'] } });
    expect(await teamIdsOf(byType.id)).toEqual([eastTeams[0].id, westTeams[0].id, westTeams[1].id].sort((a, b) => a - b));
    const picked = await createRoundForUser(test.db, eastReviewer, { ...base(), teams: { by: 'picked', teamIds: [eastTeams[1].id, eastTeams[1].id] } });
    expect(await teamIdsOf(picked.id)).toEqual([eastTeams[1].id]);
    // A fresh response reads "0 of N answered", not "0 of 0".
    const fresh = await test.db
      .selectFrom('responses')
      .select(['answered_count', 'answerable_count', 'status', 'revision'])
      .where('round_id', '=', picked.id)
      .executeTakeFirstOrThrow();
    expect(fresh).toMatchObject({ answered_count: 0, status: 'not_started', revision: 0 });
    expect(fresh.answerable_count).toBeGreaterThan(5);
  });

  it('refuses what the creator may not include (422 naming it), empty selections (422) and managers (403)', async () => {
    await expect(createRoundForUser(test.db, eastReviewer, { ...base(), teams: { by: 'picked', teamIds: [archived.id] } })).rejects.toMatchObject({
      status: 422,
      errors: [{ path: 'teams.teamIds', message: expect.stringContaining(`team ${archived.id}`) }],
    });
    await expect(createRoundForUser(test.db, eastReviewer, { ...base(), teams: { by: 'area', areaIds: [west.id] } })).rejects.toMatchObject({ status: 422 });
    await expect(createRoundForUser(test.db, eastReviewer, { ...base(), teams: { by: 'type', teamTypes: ['disability'] } })).rejects.toMatchObject({
      status: 422,
      message: expect.stringMatching(/no teams/),
    });
    await expect(createRoundForUser(test.db, eastReviewer, { ...base(), teams: { by: 'earlier' } })).rejects.toMatchObject({ status: 422 });
    await expect(createRoundForUser(test.db, managers.get(eastTeams[0].id)!, { ...base(), teams: { by: 'all' } })).rejects.toMatchObject({ status: 403 });
  });
});

describe('the round overview', () => {
  let roundId: number;
  beforeAll(async () => {
    const round = await createRound(test.db, { ...base(), name: 'Overview round', teamIds: [...eastTeams, ...westTeams].map((t) => t.id) }, null);
    roundId = round.id;
    const fill = async (teamId: number, data: Record<string, unknown>, submit = false) => {
      const saved = await saveResponseChange(test.db, managers.get(teamId)!, await responseOf(roundId, teamId), { baseRevision: 0, set: data, unset: [] });
      if (submit) await submitResponse(test.db, managers.get(teamId)!, await responseOf(roundId, teamId), { revision: saved.revision });
    };
    await fill(eastTeams[0].id, { team_kind: 'duty', establishment: 10 }, true);
    await fill(eastTeams[1].id, { establishment: 4 });
    await fill(westTeams[0].id, { team_kind: 'duty', establishment: 9, vacant: 1, pressures: ['ics'] });
  });

  it('lists every visible team with status, progress, last change and days to the due date, with counts at the top', async () => {
    const overview = await roundOverview(test.db, kentReviewer, roundId, {}, new Date('2009-01-20T12:00:00Z'));
    expect(overview.counts).toMatchObject({ teams: 5, not_started: 2, in_progress: 2, submitted: 1, returned: 0, unconfirmedCarried: 0 });
    expect(overview.round.daysToDue).toBe(10);
    expect(overview.rows.map((r) => r.team.name)).toEqual([
      '=Dover Child Protection',
      'Ashford Duty',
      'Canterbury Children in Care',
      'Sevenoaks Duty',
      'West Kent Disabled Children',
    ]);
    const ashford = overview.rows.find((r) => r.team.id === eastTeams[0].id)!;
    expect(ashford).toMatchObject({
      status: 'submitted',
      area: { name: 'East Kent' },
      team: { typeLabel: 'Duty and initial assessment' },
      lastChange: { by: 'Ashford Duty Manager' },
      submitted: { by: 'Ashford Duty Manager' },
    });
    expect(ashford.progress.answered).toBe(2);
    expect(overview.rows.find((r) => r.team.id === eastTeams[2].id)!.lastChange).toBeNull();

    const eastOnly = await roundOverview(test.db, eastReviewer, roundId);
    expect(eastOnly.counts.teams).toBe(3);
    expect(eastOnly.round.wholeRoundInScope).toBe(false);
  });

  it('filters by area, team type and status, and sorts either way', async () => {
    const inEast = await roundOverview(test.db, kentReviewer, roundId, { areaId: east.id });
    expect(inEast.rows).toHaveLength(3);
    expect(inEast.counts).toMatchObject({ teams: 3, submitted: 1, in_progress: 1, not_started: 1 });
    const duty = await roundOverview(test.db, kentReviewer, roundId, { teamType: 'duty-initial-assessment' });
    expect(duty.rows.map((r) => r.team.name)).toEqual(['Ashford Duty', 'Sevenoaks Duty']);
    const inProgress = await roundOverview(test.db, kentReviewer, roundId, { status: 'in_progress' });
    expect(inProgress.rows.map((r) => r.team.name)).toEqual(['Canterbury Children in Care', 'Sevenoaks Duty']);
    expect(inProgress.counts.teams).toBe(5); // counts stay those of the whole (area/type-filtered) round
    const byProgress = await roundOverview(test.db, kentReviewer, roundId, { sort: 'progress', direction: 'desc' });
    expect(byProgress.rows[0].team.name).toBe('Sevenoaks Duty');
    expect(byProgress.rows.at(-1)!.progress.answered).toBe(0);
    const byStatus = await roundOverview(test.db, kentReviewer, roundId, { sort: 'status' });
    expect(byStatus.rows.map((r) => r.status)).toEqual(['not_started', 'not_started', 'in_progress', 'in_progress', 'submitted']);
  });

  it('exports the table as CSV with the same rows, readable by spreadsheets and safe from formulas', async () => {
    const overview = await roundOverview(test.db, kentReviewer, roundId, { sort: 'team' });
    const csv = overviewCsv(overview);
    expect(csv.startsWith('\uFEFF')).toBe(true);
    const records = parse(csv.slice(1), { columns: true }) as Array<Record<string, string>>;
    expect(records).toHaveLength(5);
    expect(records[0]).toMatchObject({ Team: "'=Dover Child Protection", Status: 'Not started', Answered: '0' });
    expect(records.find((r) => r.Team === 'Ashford Duty')).toMatchObject({
      Area: 'East Kent',
      Status: 'Submitted',
      'Last changed by': 'Ashford Duty Manager',
      'Due date': '2009-01-30',
    });

    const response = (await callRoute(csvLoader as any, `/review/rounds/${roundId}.csv?area=${west.id}`, {
      headers: headers.get(kentReviewer.id),
      params: { roundId: String(roundId) },
    })) as Response;
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toMatch(/text\/csv/);
    expect(response.headers.get('Content-Disposition')).toMatch(/attachment; filename="overview-round-\d+\.csv"/);
    expect(parse((await response.text()).slice(1), { columns: true })).toHaveLength(2);
    const bad = outcome(
      await callRoute(csvLoader as any, `/review/rounds/${roundId}.csv?status=lost`, {
        headers: headers.get(kentReviewer.id),
        params: { roundId: String(roundId) },
      }),
    );
    expect(bad.status).toBe(400);
    const manager = outcome(
      await callRoute(csvLoader as any, `/review/rounds/${roundId}.csv`, {
        headers: headers.get(managers.get(eastTeams[0].id)!.id),
        params: { roundId: String(roundId) },
      }),
    );
    expect(manager.status).toBe(403);
  });
});

describe('opening and closing', () => {
  it('records who closed the round and when, audits each change, and does nothing when the status is already set', async () => {
    const round = await createRound(test.db, { ...base(), teamIds: eastTeams.map((t) => t.id) }, null);
    const closed = await setRoundStatus(test.db, eastReviewer, round.id, 'closed');
    expect(closed).toMatchObject({ status: 'closed', closed_by: eastReviewer.id, changed: true });
    expect((await setRoundStatus(test.db, eastReviewer, round.id, 'closed')).changed).toBe(false);
    const reopened = await setRoundStatus(test.db, kentReviewer, round.id, 'open');
    expect(reopened).toMatchObject({ status: 'open', closed_at: null, closed_by: null });
    const audit = await test.db
      .selectFrom('audit_events')
      .select(['action', 'actor_id'])
      .where('entity_type', '=', 'round')
      .where('entity_id', '=', String(round.id))
      .orderBy('id')
      .execute();
    expect(audit).toEqual([
      { action: 'round.create', actor_id: null },
      { action: 'round.close', actor_id: eastReviewer.id },
      { action: 'round.reopen', actor_id: kentReviewer.id },
    ]);
  });
});

describe('review pages: guards, forms and bad input', () => {
  it('creates a round from the form, and answers bad input with 400 and the field at fault', async () => {
    const manager = managers.get(eastTeams[0].id)!;
    expect(outcome(await callRoute(newRoundLoader as any, '/review/rounds/new', { headers: headers.get(manager.id) })).status).toBe(403);
    const page = outcome(await callRoute(newRoundLoader as any, '/review/rounds/new', { headers: headers.get(eastReviewer.id) }));
    expect(page.body.teams.map((t: { id: number }) => t.id).sort()).toEqual(eastTeams.map((t) => t.id).sort());

    const post = (user: CurrentUser, fields: Record<string, string | string[]>) =>
      callRoute(newRoundAction as any, '/review/rounds/new', { method: 'POST', body: form(fields), headers: headers.get(user.id) });
    const created = outcome(
      await post(eastReviewer, {
        name: 'From the form',
        questionnaireVersionId: String(versions['fixture-check@1']),
        dueDate: '2009-01-30',
        teamsBy: 'picked',
        teamIds: [String(eastTeams[0].id), String(eastTeams[1].id)],
      }),
    );
    expect(created.status).toBe(302);
    const id = Number(created.location!.split('/').at(-1));
    expect(await teamIdsOf(id)).toEqual([eastTeams[0].id, eastTeams[1].id].sort((a, b) => a - b));

    const invalid = outcome(await post(eastReviewer, { name: '', questionnaireVersionId: '', dueDate: '2009-02-30', teamsBy: 'all' }));
    expect(invalid.status).toBe(400);
    expect(invalid.body.fieldErrors).toMatchObject({
      name: expect.any(String),
      questionnaireVersionId: expect.any(String),
      dueDate: expect.stringMatching(/calendar/),
    });
    const noTeams = outcome(
      await post(eastReviewer, { name: 'x', questionnaireVersionId: String(versions['fixture-check@1']), dueDate: '2009-01-30', teamsBy: 'picked' }),
    );
    expect(noTeams).toMatchObject({ status: 400, body: { fieldErrors: { teams: expect.stringMatching(/at least one team/) } } });
    const outside = outcome(
      await post(eastReviewer, {
        name: 'x',
        questionnaireVersionId: String(versions['fixture-check@1']),
        dueDate: '2009-01-30',
        teamsBy: 'picked',
        teamIds: [String(westTeams[0].id)],
      }),
    );
    expect(outside).toMatchObject({ status: 422, body: { fieldErrors: { teams: expect.stringContaining(`team ${westTeams[0].id}`) } } });
    expect(outcome(await post(manager, { name: 'x', questionnaireVersionId: '1', dueDate: '2009-01-30', teamsBy: 'all' })).status).toBe(403);
  });

  it('shows the overview to reviewers of the round’s teams only (404 otherwise), and closes it from the page', async () => {
    const round = await createRound(test.db, { ...base(), teamIds: westTeams.map((t) => t.id) }, null);
    const get = (user: CurrentUser, query = '') =>
      callRoute(overviewLoader as any, `/review/rounds/${round.id}${query}`, { headers: headers.get(user.id), params: { roundId: String(round.id) } });
    expect(outcome(await get(kentReviewer)).body.counts.teams).toBe(2);
    expect(outcome(await get(eastReviewer)).status).toBe(404);
    expect(outcome(await get(kentReviewer, '?sort=colour')).status).toBe(400);
    expect(
      outcome(await callRoute(overviewLoader as any, '/review/rounds/abc', { headers: headers.get(kentReviewer.id), params: { roundId: 'abc' } })).status,
    ).toBe(404);

    const close = (user: CurrentUser, intent: string) =>
      callRoute(overviewAction as any, `/review/rounds/${round.id}`, {
        method: 'POST',
        body: form({ intent }),
        headers: headers.get(user.id),
        params: { roundId: String(round.id) },
      });
    expect(outcome(await close(managers.get(westTeams[0].id)!, 'close')).status).toBe(403);
    expect(outcome(await close(kentReviewer, 'shut')).status).toBe(400);
    expect(outcome(await close(kentReviewer, 'close')).status).toBe(302);
    expect((await test.db.selectFrom('rounds').select('status').where('id', '=', round.id).executeTakeFirstOrThrow()).status).toBe('closed');
  });

  it('returns a response from its page with a reason, refuses a blank one, and sends managers to their own page', async () => {
    const round = await createRound(test.db, { ...base(), teamIds: [eastTeams[0].id] }, null);
    const id = await responseOf(round.id, eastTeams[0].id);
    const manager = managers.get(eastTeams[0].id)!;
    const saved = await saveResponseChange(test.db, manager, id, { baseRevision: 0, set: { team_kind: 'duty', establishment: 10 }, unset: [] });
    await submitResponse(test.db, manager, id, { revision: saved.revision });

    const page = outcome(
      await callRoute(responsePageLoader as any, `/review/responses/${id}`, { headers: headers.get(eastReviewer.id), params: { responseId: String(id) } }),
    );
    expect(page.body).toMatchObject({ canReturn: true, response: { status: 'submitted' } });
    expect(page.body.answers.find((a: any) => a.question === 'team_kind')).toMatchObject({
      summary: 'Duty',
      provenance: { answeredBy: { name: 'Ashford Duty Manager', kind: 'edit' } },
    });
    expect(
      outcome(await callRoute(responsePageLoader as any, `/review/responses/${id}`, { headers: headers.get(manager.id), params: { responseId: String(id) } }))
        .location,
    ).toBe(`/responses/${id}`);
    const westReviewer = await createUser(test.db, 'reviewer', { areaId: west.id }, 'Wes Reviewer');
    headers.set(westReviewer.id, await sessionHeaders(test.db, westReviewer));
    expect(
      outcome(
        await callRoute(responsePageLoader as any, `/review/responses/${id}`, { headers: headers.get(westReviewer.id), params: { responseId: String(id) } }),
      ).status,
    ).toBe(404);

    const post = (user: CurrentUser, fields: Record<string, string | string[]>) =>
      callRoute(responsePageAction as any, `/review/responses/${id}`, {
        method: 'POST',
        body: form(fields),
        headers: headers.get(user.id),
        params: { responseId: String(id) },
      });
    expect(outcome(await post(eastReviewer, { intent: 'return', reason: '  ' })).status).toBe(400);
    expect(outcome(await post(manager, { intent: 'return', reason: 'Mine.' })).status).toBe(403);
    expect(outcome(await post(westReviewer, { intent: 'return', reason: 'Not mine.' })).status).toBe(404);
    const unknown = outcome(await post(eastReviewer, { intent: 'return', reason: 'Check.', questions: ['nonsense'] }));
    expect(unknown).toMatchObject({ status: 422, body: { error: expect.stringContaining('nonsense') } });
    const done = outcome(await post(eastReviewer, { intent: 'return', reason: 'Please check the establishment.', questions: ['establishment'] }));
    expect(done).toMatchObject({ status: 302, location: `/review/responses/${id}?returned=1` });
    const row = await test.db
      .selectFrom('responses')
      .select(['status', 'return_reason', 'return_questions', 'returned_by'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({
      status: 'returned',
      return_reason: 'Please check the establishment.',
      return_questions: ['establishment'],
      returned_by: eastReviewer.id,
    });
    expect(outcome(await post(eastReviewer, { intent: 'return', reason: 'Again.' })).status).toBe(409);
  });

  it('answers bad comparison requests on the pages with a message and a 4xx, never a 500', async () => {
    const round = await createRound(test.db, { ...base(), teamIds: [...eastTeams, ...westTeams].map((t) => t.id) }, null);
    const compare = (query: string, user = eastReviewer) =>
      callRoute(compareLoader as any, `/review/rounds/${round.id}/compare${query}`, { headers: headers.get(user.id), params: { roundId: String(round.id) } });
    const picker = outcome(await compare(''));
    expect(picker).toMatchObject({ status: 200, body: { comparison: null, error: null } });
    // The picker offers the teams found (the east reviewer's only), never every team of a national round.
    expect(picker.body.found).toMatchObject({ total: 3 });
    expect(picker.body.found.teams).toHaveLength(3);
    expect(picker.body.areas).toEqual([{ id: east.id, name: 'East Kent', teams: 3 }]);
    const searched = outcome(await compare('?q=ashford&find=1'));
    expect(searched.body.found.teams.map((t: { name: string }) => t.name)).toEqual(['Ashford Duty']);
    expect(outcome(await compare('?q=sevenoaks&find=1')).body.found).toEqual({ teams: [], total: 0 });
    const picking = outcome(await compare(`?team=${eastTeams[1].id}&q=ashford&find=1`));
    expect(picking.body).toMatchObject({ comparison: null, chosen: [{ id: eastTeams[1].id }] });
    expect(outcome(await compare(`?q=${'x'.repeat(101)}`)).status).toBe(400);
    const three = outcome(await compare(`?${eastTeams.map((t) => `team=${t.id}`).join('&')}`));
    expect(three.body.comparison.teams).toHaveLength(3);
    expect(three.body.chosen.map((t: { id: number }) => t.id)).toEqual(eastTeams.map((t) => t.id));
    expect(outcome(await compare(`?${Array.from({ length: 13 }, (_, i) => `team=${i + 1}`).join('&')}`)).status).toBe(400);
    expect(outcome(await compare(`?team=${westTeams[0].id}`))).toMatchObject({
      status: 404,
      body: { error: expect.stringContaining(String(westTeams[0].id)) },
    });
    expect(outcome(await compare('?team=abc')).status).toBe(400);

    const team = (query: string, teamId = eastTeams[0].id) =>
      callRoute(teamCompareLoader as any, `/review/teams/${teamId}/compare${query}`, {
        headers: headers.get(eastReviewer.id),
        params: { teamId: String(teamId) },
      });
    expect(outcome(await team('', westTeams[0].id)).status).toBe(404);
    expect(outcome(await team('?round=x')).status).toBe(400);
    expect(outcome(await team(`?round=${round.id}&round=999999`)).status).toBe(404);
  });
});
