import { renderRoute as render } from './helpers/render';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEAM_LIST_LIMIT, TEXT_LIMIT, textLimit, WIDE_TEXT_LIMIT } from '../app/models/aggregation/figures';
import TopicRoute, { loader as topicLoader } from '../app/routes/review.rounds.$roundId.insights.$topic';
import { loader as heatmapLoader } from '../app/routes/review.rounds.$roundId.heatmap';
import { VACANCY_AREA_FIELDS } from '../app/components/charts/staffing-section';
import { buildAggregationFixture, type AggregationFixture } from './helpers/aggregation-fixtures';
import { useTestDatabase, type TestDatabase } from './helpers/db';
import { callRoute, sessionHeaders } from './helpers/factories';

// At national scale a topic page summarises (per area, the top of each list) and each area's row leads to the same
// page for that area, which lists every one of its teams. Only the teams a page names get a link to their report.

let test: TestDatabase;
let f: AggregationFixture;
let headers: Record<string, string>;
beforeAll(async () => {
  test = await useTestDatabase();
  f = await buildAggregationFixture(test.db);
  headers = await sessionHeaders(test.db, f.users.reviewer);
});
afterAll(() => test.destroy());

async function topic(topicId: string, query = '') {
  const roundId = f.rounds.phase1.id;
  const url = `/review/rounds/${roundId}/insights/${topicId}${query}`;
  const data = (await callRoute(topicLoader, url, { headers, params: { roundId: String(roundId), topic: topicId } })) as Awaited<
    ReturnType<typeof topicLoader>
  >;
  expect(data).not.toBeInstanceOf(Response);
  return { url, data, html: await render(TopicRoute, url, data) };
}

const hrefs = (html: string) => [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1].replace(/&amp;/g, '&'));

describe('topic pages: summaries with drill-down', () => {
  it("link each area's row of the staffing summary to the area's own page, which lists that area's teams and no other", async () => {
    const national = await topic('staffing-vacancies', '?includeInProgress=true');
    const areaLinks = hrefs(national.html).filter((h) => h.includes('area='));
    expect(areaLinks).toEqual(
      expect.arrayContaining([
        `${national.url.split('?')[0]}?includeInProgress=true&area=north`,
        `${national.url.split('?')[0]}?includeInProgress=true&area=south`,
      ]),
    );

    // Each area's row carries what the vacancies table shows, and no caseload figures (another topic's section).
    expect(national.data.staffingAreas.vacancies.map((a) => a.label)).toEqual(['North', 'South']);
    expect(Object.keys(national.data.staffingAreas.vacancies[0]).sort()).toEqual([...VACANCY_AREA_FIELDS].sort());
    expect(national.data.staffingAreas.caseloads).toEqual([]);

    const south = await topic('staffing-vacancies', '?includeInProgress=true&area=south');
    expect(south.data.page.scope.filter.area?.slug).toBe('south');
    expect(south.data.page.staffing!.teams!.map((t) => t.teamName)).toEqual(['Charlie Duty', 'Delta CP', 'Echo Duty']);
    expect(south.html).toContain('Charlie Duty');
    expect(south.html).not.toContain('Alpha Duty');
    // The area's page does not lead to other areas' teams.
    expect(hrefs(south.html).filter((h) => h.includes('area=north'))).toEqual([]);
    // Every team it names links to that team's report, and only those teams' links are sent.
    expect(new Map(south.data.reportLinks)).toEqual(
      new Map([
        [f.teams.charlie.id, f.responses.phase1.get(f.teams.charlie.id)],
        [f.teams.delta.id, f.responses.phase1.get(f.teams.delta.id)],
        [f.teams.echo.id, f.responses.phase1.get(f.teams.echo.id)],
      ]),
    );
    expect(hrefs(south.html)).toContain(`/review/responses/${f.responses.phase1.get(f.teams.charlie.id)}/report`);
  });

  it('send report links only for the teams a page names', async () => {
    const roundId = f.rounds.jar.id;
    const url = `/review/rounds/${roundId}/heatmap`;
    const plain = (await callRoute(heatmapLoader, url, { headers, params: { roundId: String(roundId) } })) as Awaited<ReturnType<typeof heatmapLoader>>;
    expect(plain.reportLinks).toEqual([]);
    const cell = (await callRoute(heatmapLoader, `${url}?cell=jar_identifying_concerns/ident_02/${f.teams.alpha.id}`, {
      headers,
      params: { roundId: String(roundId) },
    })) as Awaited<ReturnType<typeof heatmapLoader>>;
    expect(cell.reportLinks).toEqual([[f.teams.alpha.id, f.responses.jar.get(f.teams.alpha.id)]]);
  });

  it('list up to TEXT_LIMIT written answers in a scope that lists its teams, fewer in a wider one', () => {
    expect(textLimit(TEAM_LIST_LIMIT)).toBe(TEXT_LIMIT);
    expect(textLimit(TEAM_LIST_LIMIT + 1)).toBe(WIDE_TEXT_LIMIT);
    expect(WIDE_TEXT_LIMIT).toBeLessThan(TEXT_LIMIT);
  });
});
