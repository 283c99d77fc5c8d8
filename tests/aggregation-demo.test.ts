import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heatmapFigures, loadScope, roundInsights, topicPage } from '../app/models/aggregation.server';
import { loadRegistry, publishRegistry } from '../app/models/registry.server';
import { loadCurrentUser, type CurrentUser } from '../app/models/users.server';
import { DEMO_ROUNDS, seedDemo } from '../db/seed/seed';
import { createTestDatabase, type TestDatabase } from './helpers/db';
import { expectPhase1Headlines } from './helpers/demo-headlines';

// The synthetic demo (npm start) must show the Kent Phase 1 report's headline figures on the dashboards: an average
// caseload of about 25 per qualified worker, a vacancy rate of about 17% with a few teams above 25%, and the rise
// in referrals and child protection activity in December 2008; and the heatmap must show every team.

let test: TestDatabase;
let reviewer: CurrentUser;
let rounds: { selfAssessment: number; miniJar: number };
beforeAll(async () => {
  test = await createTestDatabase();
  await publishRegistry(test.db, loadRegistry(path.resolve('surveys')));
  await seedDemo(test.db);
  const user = await test.db.selectFrom('users').select('id').where('email', '=', 'reviewer@demo.stocktake.example').executeTakeFirstOrThrow();
  reviewer = (await loadCurrentUser(test.db, user.id))!;
  const byName = async (name: string) => (await test.db.selectFrom('rounds').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;
  rounds = { selfAssessment: await byName(DEMO_ROUNDS.selfAssessment), miniJar: await byName(DEMO_ROUNDS.miniJar) };
}, 300_000);
afterAll(() => test.destroy());

describe('the demo data on the dashboards', () => {
  it('shows the Phase 1 headline figures: caseload about 25, vacancy about 17%, the December 2008 rise', async () => {
    const scope = (await loadScope(test.db, reviewer, rounds.selfAssessment))!;
    expect(scope.counts.included).toBeGreaterThan(30);
    const { headlines } = await roundInsights(test.db, scope);
    expectPhase1Headlines(headlines.staffing!);
    const december = headlines.activity!.overall.joint.find((j) => j.period === '2008-12');
    expect(december?.series).toEqual(expect.arrayContaining(['new_referrals', 'strategy_discussions', 's47_enquiries', 'initial_cp_conferences']));
    // No other month spikes in the authority-wide series: the drift through 2008 is not a spike.
    for (const series of headlines.activity!.overall.series) {
      expect(
        series.spikes.filter((s) => s.spike && s.period !== '2008-12').map((s) => s.period),
        series.key,
      ).toEqual([]);
    }
  });

  it('the caseload page compares with the reference of 18 and Kent’s 25', async () => {
    const scope = (await loadScope(test.db, reviewer, rounds.selfAssessment))!;
    const page = (await topicPage(test.db, scope, 'caseloads'))!;
    expect(page.staffing!.reference).toBe(18);
    expect(page.staffing!.kentAverage).toBe(25);
    expect(page.staffing!.overall.teamsAverageAboveReference).toBeGreaterThan(page.staffing!.overall.teamsWithCaseload / 2);
  });

  it('the heatmap shows every team of the round, grouped by area', async () => {
    const scope = (await loadScope(test.db, reviewer, rounds.miniJar))!;
    const heatmap = (await heatmapFigures(test.db, scope))!;
    expect(heatmap.teams).toHaveLength(40);
    expect(heatmap.teams!.filter((t) => t.counted)).toHaveLength(scope.counts.included);
    const areas = heatmap.teams!.map((t) => t.areaName);
    expect(areas).toEqual([...areas].sort((a, b) => a.localeCompare(b))); // grouped
    expect(heatmap.sections.flatMap((s) => s.rows)).toHaveLength(35);
    for (const team of heatmap.teams!.filter((t) => t.counted)) {
      const rated = heatmap.sections
        .flatMap((s) => s.rows)
        .filter((r) => heatmap.cells![`${heatmap.sections.find((s) => s.rows.includes(r))!.question}/${r.key}`]?.[team.teamId]);
      expect(rated.length, team.teamName).toBe(35);
    }
  });
});
