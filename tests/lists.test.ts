import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { MemoryRouter } from 'react-router-dom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pagination, pageNumbers, SortHeader } from '~/components/pagination';
import { listQuerySchema, pageWindow, PAGE_SIZE } from '../app/models/lists.server';
import { listTeamsPage, listUsersPage, roundTeamChoices, teamChoices } from '../app/models/organisation.server';
import { loader as newRoundLoader } from '../app/routes/review.rounds.new';
import { loader as addUserLoader } from '../app/routes/admin.users.new';
import { createRound, roundOverview, RESPONSE_STATUSES } from '../app/models/rounds.server';
import type { CurrentUser } from '../app/models/users.server';
import { loader as adminLoader } from '../app/routes/admin._index';
import { loader as overviewLoader } from '../app/routes/review.rounds.$roundId._index';
import { loader as csvLoader } from '../app/routes/review.rounds.$roundId[.csv]';
import { useTestDatabase, type TestDatabase } from './helpers/db';
import { callRoute, createArea, createTeam, createUser, publishFixtureSurveys, sessionHeadersById } from './helpers/factories';

// Long lists are read a page at a time: the slice, the total, the sort and the filters run in SQL, and a reviewer of
// an area never sees another area's teams on any page or in any count.

describe('pages of a list', () => {
  it('clamps the page to the list and says which rows it holds', () => {
    expect(pageWindow(120, 1, 50)).toEqual({ number: 1, size: 50, count: 3, total: 120, from: 1, to: 50, offset: 0 });
    expect(pageWindow(120, 3, 50)).toMatchObject({ number: 3, from: 101, to: 120, offset: 100 });
    expect(pageWindow(120, 99, 50)).toMatchObject({ number: 3, from: 101, to: 120 }); // past the last page: the last
    expect(pageWindow(0, 5, 50)).toEqual({ number: 1, size: 50, count: 1, total: 0, from: 0, to: 0, offset: 0 });
    expect(pageWindow(100, 2, 50)).toMatchObject({ count: 2, from: 51, to: 100 });
  });

  it('links the first, the last and two pages either side of the current one', () => {
    expect(pageNumbers(1, 1)).toEqual([1]);
    expect(pageNumbers(1, 4)).toEqual([1, 2, 3, 4]);
    expect(pageNumbers(10, 180)).toEqual([1, null, 8, 9, 10, 11, 12, null, 180]);
    expect(pageNumbers(180, 180)).toEqual([1, null, 178, 179, 180]);
  });

  it('reads page, sort and dir (under a prefix when a page holds two lists) and names the parameter at fault', () => {
    const plain = listQuerySchema(['name', 'area'], {}, { strict: true });
    expect(plain.parse({ page: '3', sort: 'area', dir: 'desc' })).toEqual({ page: 3, sort: 'area', dir: 'desc' });
    expect(plain.parse({ page: '', sort: '' })).toEqual({ page: 1 });
    for (const [query, message] of [
      [{ page: 'two' }, 'page must be a page number'],
      [{ page: '0' }, 'page must be 1 or more'],
      [{ page: '1.5' }, 'page must be a whole page number'],
      [{ page: '99999999999' }, 'page must be at most'],
      [{ sort: 'email' }, 'sort must be one of name, area'],
      [{ dir: 'up' }, 'dir must be asc or desc'],
    ] as const) {
      const parsed = plain.safeParse(query);
      expect(parsed.success).toBe(false);
      expect(parsed.error!.issues[0].message).toContain(message);
    }
    expect(plain.safeParse({ other: '1' }).success).toBe(false);
    const teams = listQuerySchema(['name'], {}, { prefix: 'team' });
    expect(teams.parse({ teamPage: '2', teamSort: 'name', userPage: '7', added: 'team' })).toEqual({ page: 2, sort: 'name' });
    expect(teams.safeParse({ teamDir: 'sideways' }).error!.issues[0].message).toBe('teamDir must be asc or desc');
  });

  it('renders a navigation landmark of plain links, the current page marked, keeping the other parameters', () => {
    const html = renderToStaticMarkup(
      createElement(
        MemoryRouter,
        null,
        createElement(Pagination, { page: pageWindow(9000, 2, 50), search: '?status=submitted&page=2', noun: ['team', 'teams'] as [string, string] }),
      ),
    );
    expect(html).toContain('Showing 51–100 of 9,000 teams');
    expect(html).toContain('<nav aria-label="Pagination">');
    expect(html).toMatch(/<a[^>]*href="\/\?status=submitted"[^>]*rel="prev"|<a[^>]*rel="prev"[^>]*href="\/\?status=submitted"/);
    expect(html).toMatch(/href="\/\?status=submitted&amp;page=2" aria-current="page"|aria-current="page"[^>]*href="\/\?status=submitted&amp;page=2"/);
    expect(html).toContain('page=180');
    const single = renderToStaticMarkup(
      createElement(MemoryRouter, null, createElement(Pagination, { page: pageWindow(3, 1), search: '', noun: ['team', 'teams'] as [string, string] })),
    );
    expect(single).toContain('Showing all 3 teams');
    expect(single).not.toContain('<nav');
    const header = renderToStaticMarkup(
      createElement(
        MemoryRouter,
        null,
        createElement(
          'table',
          null,
          createElement(
            'thead',
            null,
            createElement('tr', null, [
              createElement(SortHeader, { key: 'a', sort: 'team', current: 'team', dir: 'asc', search: '?page=3&area=2', children: 'Team' }),
              createElement(SortHeader, { key: 'b', sort: 'area', current: 'team', dir: 'asc', search: '?page=3&area=2', children: 'Area' }),
            ]),
          ),
        ),
      ),
    );
    // The sorted column says so; sorting again goes the other way, from the first page.
    expect(header).toContain('<th scope="col" aria-sort="ascending">');
    expect(header).toContain('href="/?area=2&amp;sort=team&amp;dir=desc"');
    expect(header).toContain('href="/?area=2&amp;sort=area&amp;dir=asc"');
  });
});

describe('paginated lists in the database', () => {
  let test: TestDatabase;
  let kent: CurrentUser;
  let westReviewer: CurrentUser;
  let admin: CurrentUser;
  let headers: Map<number, Record<string, string>>;
  let east: { id: number; name: string };
  let west: { id: number; name: string };
  let roundId: number;
  // 55 teams in the east, 8 in the west: more than a page of 50 for everyone.
  const EAST = 55;
  const WEST = 8;

  beforeAll(async () => {
    test = await useTestDatabase();
    const versions = await publishFixtureSurveys(test.db);
    east = await createArea(test.db, 'East Kent');
    west = await createArea(test.db, 'West Kent');
    const teamIds: number[] = [];
    for (let i = 1; i <= EAST; i++)
      teamIds.push((await createTeam(test.db, east.id, i % 2 ? 'duty-initial-assessment' : 'disability', `East ${String(i).padStart(2, '0')}`)).id);
    for (let i = 1; i <= WEST; i++) teamIds.push((await createTeam(test.db, west.id, 'looked-after-children', `West ${String(i).padStart(2, '0')}`)).id);
    const round = await createRound(
      test.db,
      { name: 'Paged round', questionnaireVersionId: versions['fixture-check@1'], dueDate: '2009-01-30', teamIds },
      null,
    );
    roundId = round.id;
    // Every third team has started, every fifth submitted: progress and status differ across pages.
    const responses = await test.db
      .selectFrom('responses as s')
      .innerJoin('teams as t', 't.id', 's.team_id')
      .select(['s.id', 't.name'])
      .where('s.round_id', '=', roundId)
      .execute();
    for (const r of responses) {
      const n = Number(r.name.slice(-2));
      const status = n % 5 === 0 ? 'submitted' : n % 3 === 0 ? 'in_progress' : 'not_started';
      await test.db
        .updateTable('responses')
        .set({ status, answered_count: n % 7, answerable_count: 7, revision: status === 'not_started' ? 0 : 1 })
        .where('id', '=', r.id)
        .execute();
    }
    kent = await createUser(test.db, 'reviewer', {}, 'Kim Reviewer');
    westReviewer = await createUser(test.db, 'reviewer', { areaId: west.id }, 'Wes Reviewer');
    admin = await createUser(test.db, 'admin', {}, 'Ada Admin');
    for (let i = 1; i <= 3; i++) await createUser(test.db, 'manager', { teamId: teamIds[i] }, `Manager ${i}`);
    headers = await sessionHeadersById(test.db, [kent, westReviewer, admin]);
  });
  afterAll(() => test.destroy());

  const names = (rows: Array<{ team: { name: string } }>) => rows.map((r) => r.team.name);

  it('returns the right slice and total, page by page, in the order of the whole list', async () => {
    const whole = await roundOverview(test.db, kent, roundId, { sort: 'progress', direction: 'desc' });
    expect(whole.page).toBeNull(); // no page asked: every row (the CSV, the API)
    expect(whole.rows).toHaveLength(EAST + WEST);
    const pages = [];
    for (let page = 1; page <= 4; page++)
      pages.push(await roundOverview(test.db, kent, roundId, { sort: 'progress', direction: 'desc' }, new Date(), { page, pageSize: 20 }));
    expect(pages.map((p) => p.rows.length)).toEqual([20, 20, 20, 3]);
    expect(pages[0].page).toMatchObject({ number: 1, count: 4, total: 63, from: 1, to: 20 });
    expect(pages[3].page).toMatchObject({ number: 4, from: 61, to: 63 });
    // The pages put together are the whole list, in its order, each team once.
    expect(pages.flatMap((p) => names(p.rows))).toEqual(names(whole.rows));
    const ratios = whole.rows.map((r) => r.progress.ratio);
    expect(ratios).toEqual([...ratios].sort((a, b) => b - a));
    // Past the last page: the last page.
    const past = await roundOverview(test.db, kent, roundId, {}, new Date(), { page: 99, pageSize: 20 });
    expect(past.page).toMatchObject({ number: 4 });
    expect(past.rows).toHaveLength(3);
  });

  it('filters and sorts in SQL across pages, with counts over the whole filter', async () => {
    const submitted = await roundOverview(test.db, kent, roundId, { status: 'submitted', sort: 'team', direction: 'desc' }, new Date(), {
      page: 1,
      pageSize: 5,
    });
    // East 05, 10, … 55 (11 teams) and West 05: 12 submitted.
    expect(submitted.page).toMatchObject({ total: 12, count: 3 });
    expect(names(submitted.rows)).toEqual(['West 05', 'East 55', 'East 50', 'East 45', 'East 40']);
    expect(submitted.counts).toMatchObject({ teams: EAST + WEST, submitted: 12 });
    expect(RESPONSE_STATUSES.reduce((sum, s) => sum + submitted.counts[s], 0)).toBe(EAST + WEST);
    const disability = await roundOverview(test.db, kent, roundId, { teamType: 'disability', sort: 'status' }, new Date(), { page: 2, pageSize: 10 });
    expect(disability.page).toMatchObject({ total: 27, number: 2 }); // the even-numbered east teams
    expect(disability.rows.every((r) => r.team.type === 'disability')).toBe(true);
    expect(disability.counts.teams).toBe(27);
    const byStatus = await roundOverview(test.db, kent, roundId, { sort: 'status' });
    const order = byStatus.rows.map((r) => RESPONSE_STATUSES.indexOf(r.status));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    const inWest = await roundOverview(test.db, kent, roundId, { areaId: west.id }, new Date(), { page: 1 });
    expect(inWest.page).toMatchObject({ total: WEST, count: 1 });
    expect(inWest.areas.map((a) => a.name)).toEqual(['East Kent', 'West Kent']); // the filter offers every area in scope
  });

  it("shows an area reviewer only their area's teams, on every page and in every count", async () => {
    const overview = await roundOverview(test.db, westReviewer, roundId, {}, new Date(), { page: 1, pageSize: 5 });
    expect(overview.page).toMatchObject({ total: WEST, count: 2 });
    expect(overview.counts.teams).toBe(WEST);
    expect(overview.areas.map((a) => a.name)).toEqual(['West Kent']);
    const second = await roundOverview(test.db, westReviewer, roundId, {}, new Date(), { page: 2, pageSize: 5 });
    expect([...names(overview.rows), ...names(second.rows)]).toEqual(Array.from({ length: WEST }, (_, i) => `West 0${i + 1}`));
    // Filtering on an area they do not review finds nothing, rather than the other area's teams.
    const elsewhere = await roundOverview(test.db, westReviewer, roundId, { areaId: east.id }, new Date(), { page: 1 });
    expect(elsewhere.rows).toEqual([]);
    expect(elsewhere.counts.teams).toBe(0);
  });

  const page = (path: string, user: { id: number }) =>
    callRoute(overviewLoader as any, path, { headers: headers.get(user.id), params: { roundId: String(roundId) } }) as Promise<any>;

  it(`serves the overview page ${PAGE_SIZE} teams at a time; bad parameters are a 400, never a 500`, async () => {
    const first = await page(`/review/rounds/${roundId}`, kent);
    expect(first.page).toMatchObject({ number: 1, total: EAST + WEST, from: 1, to: PAGE_SIZE });
    expect(first.rows).toHaveLength(PAGE_SIZE);
    const second = await page(`/review/rounds/${roundId}?page=2&sort=team&dir=desc`, kent);
    expect(second.rows).toHaveLength(EAST + WEST - PAGE_SIZE);
    expect(second.rows.at(-1).team.name).toBe('East 01');
    expect((await page(`/review/rounds/${roundId}?page=500`, kent)).page.number).toBe(2); // clamped
    expect((await page(`/review/rounds/${roundId}?direction=desc`, kent)).filter.direction).toBe('desc'); // the API's older name
    for (const bad of ['page=abc', 'page=0', 'page=-1', 'page=1e9', 'sort=nonsense', 'dir=up', 'status=lost', 'area=x', 'bogus=1']) {
      const response = await page(`/review/rounds/${roundId}?${bad}`, kent).catch((e) => e);
      expect(response, bad).toBeInstanceOf(Response);
      expect((response as Response).status, bad).toBe(400);
    }
    // The CSV stays whole whatever page the table shows.
    const csv = (await callRoute(csvLoader as any, `/review/rounds/${roundId}.csv?page=2`, {
      headers: headers.get(kent.id),
      params: { roundId: String(roundId) },
    })) as Response;
    expect((await csv.text()).trim().split('\n')).toHaveLength(EAST + WEST + 1);
  });

  it('lists teams and users a page at a time on the administration page, searched, filtered and sorted in SQL', async () => {
    const teams = await listTeamsPage(test.db, admin, { page: 2, sort: 'team', dir: 'desc' }, 10);
    expect(teams.page).toMatchObject({ total: EAST + WEST, count: 7, number: 2 });
    expect(teams.rows.map((t) => t.name)).toEqual([
      'East 53',
      'East 52',
      'East 51',
      'East 50',
      'East 49',
      'East 48',
      'East 47',
      'East 46',
      'East 45',
      'East 44',
    ]);
    const found = await listTeamsPage(test.db, admin, { q: '0_' }, 10); // typed characters match as typed
    expect(found.page.total).toBe(0);
    const west05 = await listTeamsPage(test.db, admin, { q: 'st 05', area: west.id });
    expect(west05.rows.map((t) => t.name)).toEqual(['West 05']);
    const byType = await listTeamsPage(test.db, admin, { sort: 'type' }, 100);
    expect(byType.rows[0].team_type).toBe('duty-initial-assessment');
    // A reviewer of one area who could reach this list would see only that area's teams.
    expect((await listTeamsPage(test.db, westReviewer, {}, 100)).page.total).toBe(WEST);

    const managers = await listUsersPage(test.db, { role: 'manager', sort: 'name', dir: 'desc' }, 2);
    expect(managers.page).toMatchObject({ total: 3, count: 2 });
    expect(managers.rows.map((u) => u.name)).toEqual(['Manager 3', 'Manager 2']);
    expect(managers.rows[0].roles[0]).toMatch(/^Manager of East/);
    expect((await listUsersPage(test.db, { q: 'ada' })).rows.map((u) => u.name)).toEqual(['Ada Admin']);

    const adminPage = (query: string) => callRoute(adminLoader as any, `/admin${query}`, { headers: headers.get(admin.id) }) as Promise<any>;
    const shown = await adminPage('?teamPage=2&teamSort=team&userRole=reviewer&userSort=name');
    expect(shown.teams.page).toMatchObject({ number: 2, total: EAST + WEST });
    expect(shown.teams.rows).toHaveLength(EAST + WEST - PAGE_SIZE);
    expect(shown.users.rows.map((u: { name: string }) => u.name)).toEqual(['Kim Reviewer', 'Wes Reviewer']);
    expect(shown.questionnaires.length).toBeGreaterThan(0);
    // Adding a manager: every team to choose from in a small authority; one area's teams at a time in a large one.
    expect(await teamChoices(test.db, admin, undefined)).toMatchObject({ byArea: false, total: EAST + WEST });
    expect((await teamChoices(test.db, admin, undefined, 10)).teams).toEqual([]);
    const westTeams = await teamChoices(test.db, admin, west.id, 10);
    expect(westTeams).toMatchObject({ byArea: true, total: EAST + WEST });
    expect(westTeams.teams.map((t) => t.name)).toEqual(Array.from({ length: WEST }, (_, i) => `West 0${i + 1}`));
    const addUser = (query: string) =>
      callRoute(addUserLoader as any, `/admin/users/new${query}`, { headers: headers.get(admin.id) }).catch((e) => e) as Promise<any>;
    expect((await addUser('')).teams).toHaveLength(EAST + WEST);
    expect(((await addUser('?teamArea=abc')) as Response).status).toBe(400);

    // A new round's teams picked one by one: likewise, and an area reviewer's choices hold only their area.
    expect(await roundTeamChoices(test.db, kent, undefined)).toMatchObject({
      total: EAST + WEST,
      byArea: false,
      teamTypes: ['duty-initial-assessment', 'looked-after-children', 'disability'],
    });
    const national = await roundTeamChoices(test.db, kent, west.id, 10);
    expect(national).toMatchObject({
      byArea: true,
      total: EAST + WEST,
      areas: [
        { name: 'East Kent', teams: EAST },
        { name: 'West Kent', teams: WEST },
      ],
    });
    expect(national.teams).toHaveLength(WEST);
    expect(await roundTeamChoices(test.db, westReviewer, east.id, 5)).toMatchObject({ total: WEST, teams: [], areas: [{ name: 'West Kent' }] });
    const newRound = (query: string) =>
      callRoute(newRoundLoader as any, `/review/rounds/new${query}`, { headers: headers.get(kent.id) }).catch((e) => e) as Promise<any>;
    expect(await newRound('')).toMatchObject({ teamCount: EAST + WEST, teamsByArea: false });
    expect(((await newRound('?pickArea=x')) as Response).status).toBe(400);

    for (const bad of ['teamPage=x', 'userPage=0', 'teamSort=email', 'userRole=king', 'teamArea=abc', `userQ=${'x'.repeat(101)}`]) {
      const response = await adminPage(`?${bad}`).catch((e) => e);
      expect(response, bad).toBeInstanceOf(Response);
      expect((response as Response).status, bad).toBe(400);
    }
  });
});
