import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScope, topicPage } from '../app/models/aggregation.server';
import { loader as aggregatesLoader } from '../app/routes/api.v1.rounds.$roundId.aggregates';
import { loader as heatmapLoader } from '../app/routes/review.rounds.$roundId.heatmap';
import { loader as insightsLoader } from '../app/routes/review.rounds.$roundId.insights._index';
import { loader as topicLoader } from '../app/routes/review.rounds.$roundId.insights.$topic';
import { loader as phasesLoader } from '../app/routes/review.rounds.$roundId.phases';
import { loader as reportLoader } from '../app/routes/review.responses.$responseId_.report';
import { buildAggregationFixture, type AggregationFixture } from './helpers/aggregation-fixtures';
import { useTestDatabase, type TestDatabase } from './helpers/db';
import { callRoute, sessionHeadersByName } from './helpers/factories';

let test: TestDatabase;
let f: AggregationFixture;
let headers: Record<string, Record<string, string>>;
beforeAll(async () => {
  test = await useTestDatabase();
  f = await buildAggregationFixture(test.db);
  headers = await sessionHeadersByName(test.db, { reviewer: f.users.reviewer, north: f.users.northReviewer, manager: f.users.manager, admin: f.users.admin });
});
afterAll(() => test.destroy());

async function api(roundId: number | string, query: string, who = 'reviewer') {
  const response = (await callRoute(aggregatesLoader, `/api/v1/rounds/${roundId}/aggregates?${query}`, {
    headers: headers[who],
    params: { roundId: String(roundId) },
  })) as Response;
  return { status: response.status, type: response.headers.get('Content-Type'), body: await response.json() };
}

describe('GET /api/v1/rounds/{id}/aggregates', () => {
  it('returns the same figures as the topic page', async () => {
    const { status, body } = await api(f.rounds.phase1.id, 'topic=caseloads');
    expect(status).toBe(200);
    const scope = (await loadScope(test.db, f.users.reviewer, f.rounds.phase1.id))!;
    const page = (await topicPage(test.db, scope, 'caseloads'))!;
    expect(body).toEqual(JSON.parse(JSON.stringify(page)));
    expect(body.scope.counts.included).toBe(4);
    const average = body.questions.find((q: { name: string }) => q.name === 'average_caseload');
    expect(average.stats).toEqual({ n: 4, sum: 90, mean: 22.5, min: 15, q1: 18.75, median: 22.5, q3: 26.25, max: 30 });
  });

  it('narrows the figures by area and team type, and to the caller’s areas', async () => {
    const south = await api(f.rounds.phase1.id, 'topic=staffing-vacancies&area=south');
    expect(south.body.staffing.overall).toMatchObject({ teams: 2, vacant: 4, establishment: 18 });
    const duty = await api(f.rounds.phase1.id, 'topic=staffing-vacancies&teamType=duty-initial-assessment');
    expect(duty.body.staffing.overall).toMatchObject({ teams: 2, vacant: 6, establishment: 22 });
    const north = await api(f.rounds.phase1.id, 'topic=staffing-vacancies', 'north');
    expect(north.body.staffing.overall).toMatchObject({ teams: 2, vacant: 3, establishment: 18 });
    expect(north.body.scope.areas.map((a: { slug: string }) => a.slug)).toEqual(['north']);
    // The North reviewer cannot ask for the South's figures.
    const hidden = await api(f.rounds.phase1.id, 'topic=caseloads&area=south', 'north');
    expect(hidden.status).toBe(400);
    expect(hidden.body.errors[0].path).toBe('area');
  });

  it('without a topic: the round’s headline figures and topics', async () => {
    const { status, body } = await api(f.rounds.phase1.id, '');
    expect(status).toBe(200);
    expect(body.headlines.staffing.vacancyRate).toBeCloseTo(7 / 36, 12);
    expect(body.headlines.activity.overall.joint).toEqual([{ period: '2008-12', series: ['new_referrals', 'strategy_discussions', 'initial_cp_conferences'] }]);
    expect(body.topics.map((t: { id: string }) => t.id)).toContain('referrals-activity');
  });

  it('compares thresholds with the round this one follows', async () => {
    const { body } = await api(f.rounds.phase2.id, 'topic=thresholds');
    expect(body.thresholds.comparison.round.id).toBe(f.rounds.phase1.id);
    expect(body.thresholds.comparison.changes.map((c: { teamName: string }) => c.teamName)).toEqual(['Alpha Duty', 'Delta CP']);
  });

  it('names the bad parameter with a 400, never a 500', async () => {
    for (const [query, parameter] of [
      ['topic=weather', 'topic'],
      ['topic=Caseloads!', 'topic'],
      ['area=atlantis', 'area'],
      ['teamType=pirates', 'teamType'],
      ['includeInProgress=maybe', 'includeInProgress'],
      ['reference=-3', 'reference'],
      ['reference=lots', 'reference'],
      ['compare=abc', 'compare'],
      ['compare=999999', 'compare'],
      [`compare=${f.rounds.jar.id}`, 'compare'],
      ['colour=blue', 'colour'],
    ]) {
      const { status, type, body } = await api(f.rounds.phase1.id, query);
      expect(status, query).toBe(400);
      expect(type, query).toMatch(/application\/problem\+json/);
      expect(body.errors[0].path, query).toBe(parameter);
    }
  });

  it('is 404 for a round the caller cannot see, 403 for a manager, 401 without a session', async () => {
    expect((await api(f.rounds.elsewhere.id, 'topic=caseloads', 'north')).status).toBe(404);
    const missing = await api(999_999, '');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 404, detail: 'No round with that id exists, or it has no teams you can see.' });
    expect((await api(f.rounds.elsewhere.id, '', 'north')).body).toEqual(missing.body);
    for (const id of ['nope', '0', '-1', '1.5', '1e3', '99999999999']) {
      const malformed = await api(id, '');
      expect(malformed.status, id).toBe(404);
      expect(malformed.body, id).toEqual(missing.body);
    }
    const manager = await api(f.rounds.phase1.id, 'topic=caseloads', 'manager');
    expect(manager.status).toBe(403);
    expect(manager.type).toMatch(/application\/problem\+json/);
    const anonymous = (await callRoute(aggregatesLoader, `/api/v1/rounds/${f.rounds.phase1.id}/aggregates`, {
      params: { roundId: String(f.rounds.phase1.id) },
    })) as Response;
    expect(anonymous.status).toBe(401);
  });
});

describe('insights pages', () => {
  const pages = () =>
    [
      [insightsLoader, `/review/rounds/${f.rounds.phase1.id}/insights`, { roundId: String(f.rounds.phase1.id) }],
      [topicLoader, `/review/rounds/${f.rounds.phase1.id}/insights/caseloads`, { roundId: String(f.rounds.phase1.id), topic: 'caseloads' }],
      [heatmapLoader, `/review/rounds/${f.rounds.jar.id}/heatmap`, { roundId: String(f.rounds.jar.id) }],
      [phasesLoader, `/review/rounds/${f.rounds.phase2.id}/phases`, { roundId: String(f.rounds.phase2.id) }],
      [reportLoader, `/review/responses/${f.responses.phase1.get(f.teams.alpha.id)}/report`, { responseId: String(f.responses.phase1.get(f.teams.alpha.id)) }],
    ] as const;

  it('refuse a manager with 403, even for their own team’s report', async () => {
    for (const [loader, url, params] of pages()) {
      const result = (await callRoute(loader as never, url, { headers: headers.manager, params })) as Response;
      expect(result.status, url).toBe(403);
    }
  });

  it('load for a reviewer, with the round’s figures', async () => {
    // What each page shows first, from the fixture's answers (the same figures as the API and the domain tests).
    const figures: Array<(data: any) => void> = [
      (data) => {
        expect(data.insights.scope.counts.included).toBe(4);
        expect(data.insights.headlines.staffing.vacancyRate).toBeCloseTo(7 / 36, 12);
      },
      (data) => {
        const average = data.page.questions.find((q: { name: string }) => q.name === 'average_caseload');
        expect(average.stats).toEqual({ n: 4, sum: 90, mean: 22.5, min: 15, q1: 18.75, median: 22.5, q3: 26.25, max: 30 });
      },
      (data) => expect(data.heatmap.teams.map((t: { teamName: string }) => t.teamName)).toEqual(['Alpha Duty', 'Bravo CP', 'Charlie Duty', 'Delta CP']),
      (data) => {
        expect(data.compareId).toBe(f.rounds.phase1.id);
        const teams = data.comparison.teams as Array<{ teamName: string; earlier: number | null; later: number | null; change: number | null }>;
        expect(teams.map((t) => t.teamName).sort()).toEqual(['Alpha Duty', 'Bravo CP', 'Charlie Duty', 'Delta CP']);
        for (const t of teams) if (t.earlier !== null && t.later !== null) expect(t.change, t.teamName).toBeCloseTo(t.later - t.earlier, 9);
        expect(teams.some((t) => t.change !== null)).toBe(true);
      },
      (data) => {
        const caseloads = data.report.pages.find((p: { name: string }) => p.name === 'caseloads');
        expect(caseloads.questions.find((q: { name: string }) => q.name === 'average_caseload').value).toEqual({
          kind: 'number',
          value: 20,
          median: 22.5,
          n: 4,
        });
      },
    ];
    for (const [i, [loader, url, params]] of pages().entries()) {
      const result = await callRoute(loader as never, url, { headers: headers.reviewer, params });
      expect(result instanceof Response ? result.status : 200, url).toBe(200);
      figures[i](result);
    }
  });

  it('topic page: the figures, the activity view with one team, the reference', async () => {
    const data = (await callRoute(topicLoader, `/review/rounds/${f.rounds.phase1.id}/insights/referrals-activity?team=${f.teams.charlie.id}&reference=25`, {
      headers: headers.reviewer,
      params: { roundId: String(f.rounds.phase1.id), topic: 'referrals-activity' },
    })) as Awaited<ReturnType<typeof topicLoader>>;
    expect(data.activity?.team?.label).toBe('Charlie Duty');
    expect(data.activity?.spikes.filter((s) => s.level === 'all').map((s) => s.series)).toEqual([
      'new_referrals',
      'strategy_discussions',
      'initial_cp_conferences',
    ]);
    expect(data.activity?.joint[0]).toMatchObject({ where: 'All teams in scope', period: '2008-12' });
    expect(data.query.reference).toBe(25);
  });

  it('heatmap: a cell opens the team’s evidence and action', async () => {
    const data = (await callRoute(heatmapLoader, `/review/rounds/${f.rounds.jar.id}/heatmap?cell=jar_identifying_concerns/ident_02/${f.teams.alpha.id}`, {
      headers: headers.reviewer,
      params: { roundId: String(f.rounds.jar.id) },
    })) as Awaited<ReturnType<typeof heatmapLoader>>;
    expect(data.heatmap.teams?.map((t) => t.teamName)).toEqual(['Alpha Duty', 'Bravo CP', 'Charlie Duty', 'Delta CP']);
    expect(data.cell?.details.find((d) => d.key === 'action')?.value).toBe('Add a second duty manager.');
  });

  it('phases: follows the earlier round and the renamed question', async () => {
    const data = (await callRoute(phasesLoader, `/review/rounds/${f.rounds.phase2.id}/phases?question=senior_practitioner_fte`, {
      headers: headers.reviewer,
      params: { roundId: String(f.rounds.phase2.id) },
    })) as Awaited<ReturnType<typeof phasesLoader>>;
    expect(data.compareId).toBe(f.rounds.phase1.id);
    expect(data.comparison?.question).toMatchObject({ name: 'senior_practitioner_fte', earlierName: 'senior_practitioners' });
    expect(data.comparison?.teams.find((t) => t.teamName === 'Alpha Duty')).toMatchObject({ earlier: 1, later: 1.5, change: 0.5 });
  });

  it('report: the team’s numbers with the round’s medians', async () => {
    const data = (await callRoute(reportLoader, `/review/responses/${f.responses.phase1.get(f.teams.alpha.id)}/report`, {
      headers: headers.reviewer,
      params: { responseId: String(f.responses.phase1.get(f.teams.alpha.id)) },
    })) as Awaited<ReturnType<typeof reportLoader>>;
    const caseloads = data.report.pages.find((p) => p.name === 'caseloads')!;
    const average = caseloads.questions.find((q) => q.name === 'average_caseload')!;
    expect(average.value).toEqual({ kind: 'number', value: 20, median: 22.5, n: 4 });
    const monthly = data.report.pages.find((p) => p.name === 'referrals_activity')!.questions.find((q) => q.name === 'referrals_monthly')!;
    expect(monthly.matrix?.rows.find((r) => r.key === '2008-12')?.cells.new_referrals).toEqual({ kind: 'number', value: 20, median: 12.5, n: 4 });
  });

  it('bad parameters are 400 and unknown topics or rounds 404', async () => {
    const bad = (await callRoute(topicLoader, `/review/rounds/${f.rounds.phase1.id}/insights/caseloads?area=atlantis`, {
      headers: headers.reviewer,
      params: { roundId: String(f.rounds.phase1.id), topic: 'caseloads' },
    })) as Response;
    expect(bad.status).toBe(400);
    const unknown = (await callRoute(topicLoader, `/review/rounds/${f.rounds.phase1.id}/insights/weather`, {
      headers: headers.reviewer,
      params: { roundId: String(f.rounds.phase1.id), topic: 'weather' },
    })) as Response;
    expect(unknown.status).toBe(404);
    // A malformed topic reads the same as one the questionnaire lacks; a malformed round id as a missing round.
    const malformedTopic = (await callRoute(topicLoader, `/review/rounds/${f.rounds.phase1.id}/insights/Weather!`, {
      headers: headers.reviewer,
      params: { roundId: String(f.rounds.phase1.id), topic: 'Weather!' },
    })) as Response;
    expect(malformedTopic.status).toBe(404);
    expect(await malformedTopic.text()).toBe(await unknown.text());
    const page = async (roundId: string) =>
      (await callRoute(insightsLoader, `/review/rounds/${roundId}/insights`, { headers: headers.reviewer, params: { roundId } })) as Response;
    const missingRound = await (await page('999999')).text();
    for (const id of ['nope', '0', '1e3']) {
      const malformed = await page(id);
      expect(malformed.status, id).toBe(404);
      expect(await malformed.text(), id).toBe(missingRound);
    }
    const hidden = (await callRoute(insightsLoader, `/review/rounds/${f.rounds.elsewhere.id}/insights`, {
      headers: headers.north,
      params: { roundId: String(f.rounds.elsewhere.id) },
    })) as Response;
    expect(hidden.status).toBe(404);
    const noHeatmap = (await callRoute(heatmapLoader, `/review/rounds/${f.rounds.phase1.id}/heatmap`, {
      headers: headers.reviewer,
      params: { roundId: String(f.rounds.phase1.id) },
    })) as Response;
    expect(noHeatmap.status).toBe(404);
  });
});
