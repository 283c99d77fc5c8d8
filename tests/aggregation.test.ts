import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  comparableQuestions,
  heatmapCell,
  heatmapFigures,
  loadScope,
  phaseComparison,
  roundInsights,
  topicPage,
  type AggregateFilter,
  type QuestionFigures,
  type Scope,
  isSmallScope,
} from '../app/models/aggregation.server';
import { stableNames } from '../app/models/aggregation/lineage.server';
import { buildAggregationFixture, type AggregationFixture } from './helpers/aggregation-fixtures';
import { createTestDatabase, type TestDatabase } from './helpers/db';

// Every expected figure below is worked out by hand from the table in tests/helpers/aggregation-fixtures.ts.
// Quartiles follow PostgreSQL's percentile_cont: the p-quantile of n sorted values sits at position 1 + p(n − 1),
// interpolated linearly between its neighbours.

let test: TestDatabase;
let f: AggregationFixture;
beforeAll(async () => {
  test = await createTestDatabase();
  f = await buildAggregationFixture(test.db);
});
afterAll(() => test.destroy());

const ALL: AggregateFilter = { areaId: null, teamType: null, includeInProgress: false };

async function scopeOf(roundId: number, filter: Partial<AggregateFilter> = {}, user = f.users.reviewer): Promise<Scope> {
  const scope = await loadScope(test.db, user, roundId, { ...ALL, ...filter });
  expect(scope).not.toBeNull();
  return scope!;
}

function question(questions: QuestionFigures[], name: string) {
  const q = questions.find((x) => x.name === name);
  if (!q) throw new Error(`no figures for ${name}`);
  return q;
}

describe('scope', () => {
  it('counts submitted responses by default and in-progress ones on request', async () => {
    const scope = await scopeOf(f.rounds.phase1.id);
    expect(scope.counts).toEqual({ teams: 6, submitted: 4, inProgress: 1, returned: 0, notStarted: 1, included: 4 });
    expect(scope.responses.map((r) => r.teamName)).toEqual(['Alpha Duty', 'Bravo CP', 'Charlie Duty', 'Delta CP']);
    const wider = await scopeOf(f.rounds.phase1.id, { includeInProgress: true });
    expect(wider.counts.included).toBe(5);
  });

  it('narrows by area and team type, and to the areas a reviewer may see', async () => {
    const south = await scopeOf(f.rounds.phase1.id, { areaId: f.areas.south.id });
    expect(south.responses.map((r) => r.teamName)).toEqual(['Charlie Duty', 'Delta CP']);
    // Only the area's responses are loaded, but the filter menu still offers every area of the round.
    expect(south.areas.map((a) => a.slug)).toEqual(['north', 'south']);
    expect(south.roundResponses).toBe(6);
    expect(south.counts).toMatchObject({ teams: 3, submitted: 2, inProgress: 1 });
    expect((await scopeOf(f.rounds.phase1.id, { teamType: 'duty-initial-assessment' })).responses.map((r) => r.teamName)).toEqual([
      'Alpha Duty',
      'Charlie Duty',
    ]);
    const north = await scopeOf(f.rounds.phase1.id, {}, f.users.northReviewer);
    expect(north.responses.map((r) => r.teamName)).toEqual(['Alpha Duty', 'Bravo CP']);
    expect(north.areas.map((a) => a.slug)).toEqual(['north']);
  });

  it('is null for a round the user cannot see at all', async () => {
    expect(await loadScope(test.db, f.users.northReviewer, f.rounds.elsewhere.id, ALL)).toBeNull();
    expect(await loadScope(test.db, f.users.elsewhereReviewer, f.rounds.phase1.id, ALL)).toBeNull();
    expect(await loadScope(test.db, f.users.manager, f.rounds.phase1.id, ALL)).toBeNull();
    expect(await loadScope(test.db, f.users.reviewer, 999_999, ALL)).toBeNull();
  });
});

describe('topic figures', () => {
  it('numbers: n, sum, mean, quartiles, min and max, by team type and area, and each team', async () => {
    const page = (await topicPage(test.db, await scopeOf(f.rounds.phase1.id), 'caseloads'))!;
    const average = question(page.questions, 'average_caseload');
    expect(average.kind).toBe('numeric');
    if (average.kind !== 'numeric') return;
    // 20, 25, 30, 15 → sorted 15, 20, 25, 30.
    expect(average.stats).toEqual({ n: 4, sum: 90, mean: 22.5, min: 15, q1: 18.75, median: 22.5, q3: 26.25, max: 30 });
    const byType = Object.fromEntries(average.byTeamType.map((g) => [g.key, g]));
    expect(byType['duty-initial-assessment']).toMatchObject({ n: 2, sum: 50, mean: 25, min: 20, q1: 22.5, median: 25, q3: 27.5, max: 30 });
    expect(byType['long-term-child-protection']).toMatchObject({ n: 2, sum: 40, mean: 20, median: 20 });
    expect(average.byArea.map((g) => [g.label, g.n, g.mean])).toEqual([
      ['North', 2, 22.5],
      ['South', 2, 22.5],
    ]);
    expect(average.teams?.map((t) => [t.teamName, t.value])).toEqual([
      ['Alpha Duty', 20],
      ['Bravo CP', 25],
      ['Charlie Duty', 30],
      ['Delta CP', 15],
    ]);
    // Only teams with newly qualified workers answer this one: 12 and 16.
    const nqsw = question(page.questions, 'nqsw_average_caseload');
    expect(nqsw.kind === 'numeric' && nqsw.stats).toEqual({ n: 2, sum: 28, mean: 14, min: 12, q1: 13, median: 14, q3: 15, max: 16 });
  });

  it('text answers are listed with the team name, in team order, and say how many there are', async () => {
    const page = (await topicPage(test.db, await scopeOf(f.rounds.phase1.id), 'caseloads'))!;
    const notes = question(page.questions, 'caseload_notes');
    expect(notes.kind === 'text' && notes.text).toEqual({
      total: 2,
      answers: [
        { teamId: f.teams.bravo.id, teamName: 'Bravo CP', areaName: 'North', text: 'Two cases await transfer.' },
        { teamId: f.teams.charlie.id, teamName: 'Charlie Duty', areaName: 'South', text: 'One worker off sick.' },
      ],
    });
  });

  it('choices: counts and shares of the teams that answered; checkbox shares can pass 100% in total', async () => {
    const supervision = (await topicPage(test.db, await scopeOf(f.rounds.phase1.id), 'supervision'))!;
    const frequency = question(supervision.questions, 'supervision_frequency');
    expect(frequency.kind === 'choice' && frequency.choices).toEqual({
      respondents: 4,
      counts: [
        { value: 'fortnightly', label: 'At least every two weeks', count: 1, share: 0.25 },
        { value: 'monthly', label: 'Every month', count: 2, share: 0.5 },
        { value: 'six_weekly', label: 'Every six weeks', count: 1, share: 0.25 },
        { value: 'less_often', label: expect.any(String), count: 0, share: 0 },
      ],
    });
    const thresholds = (await topicPage(test.db, await scopeOf(f.rounds.phase1.id), 'thresholds'))!;
    const tools = question(thresholds.questions, 'threshold_tools');
    expect(tools.kind === 'choice' && tools.multiple).toBe(true);
    if (tools.kind !== 'choice') return;
    const counts = Object.fromEntries(tools.choices.counts.map((c) => [c.value, [c.count, c.share]]));
    expect(tools.choices.respondents).toBe(3); // Delta ticked none
    expect(counts.chin_matrix).toEqual([3, 1]);
    expect(counts.kscb_procedures).toEqual([1, 1 / 3]);
    expect(counts.caf).toEqual([1, 1 / 3]);
    expect(counts.legal_advice).toEqual([0, 0]);
  });

  it('ratings: a distribution over the rating scale as well as the numbers', async () => {
    const page = (await topicPage(test.db, await scopeOf(f.rounds.phase1.id), 'thresholds'))!;
    const rating = question(page.questions, 'threshold_change');
    expect(rating.kind).toBe('numeric');
    if (rating.kind !== 'numeric') return;
    // −2, −1, 0, +1 → sorted −2, −1, 0, 1.
    expect(rating.stats).toEqual({ n: 4, sum: -2, mean: -0.5, min: -2, q1: -1.25, median: -0.5, q3: 0.25, max: 1 });
    expect(rating.rating?.counts.map((c) => [c.value, c.count])).toEqual([
      ['-2', 1],
      ['-1', 1],
      ['0', 1],
      ['1', 1],
      ['2', 0],
    ]);
  });

  it('matrices cell by cell: a single-choice matrix and a numeric matrix', async () => {
    const timeliness = (await topicPage(test.db, await scopeOf(f.rounds.phase1.id), 'climbie-compliance'))!;
    const practice = question(timeliness.questions, 'practice_consistency');
    expect(practice.kind).toBe('matrix');
    if (practice.kind !== 'matrix') return;
    const cell = practice.matrix.cells.notify_referrer[''];
    expect(cell.kind === 'choice' && cell.choices.counts.map((c) => [c.value, c.count])).toEqual([
      ['always', 2],
      ['usually', 1],
      ['sometimes', 0],
      ['rarely', 1],
    ]);
    const activity = (await topicPage(test.db, await scopeOf(f.rounds.phase1.id), 'referrals-activity'))!;
    const monthly = question(activity.questions, 'referrals_monthly');
    if (monthly.kind !== 'matrix') throw new Error('not a matrix');
    // December 2008 new referrals: 20, 5, 30, 1 → sorted 1, 5, 20, 30.
    expect(monthly.matrix.cells['2008-12'].new_referrals).toEqual({
      kind: 'numeric',
      stats: { n: 4, sum: 56, mean: 14, min: 1, q1: 4, median: 12.5, q3: 22.5, max: 30 },
    });
    // No team reported plans started: the cell is empty, not zero.
    expect(monthly.matrix.cells['2008-12'].cp_plans_started).toEqual({ kind: 'numeric', stats: null });
  });

  it('filters by area and team type narrow every figure', async () => {
    const south = (await topicPage(test.db, await scopeOf(f.rounds.phase1.id, { areaId: f.areas.south.id }), 'caseloads'))!;
    const average = question(south.questions, 'average_caseload');
    expect(average.kind === 'numeric' && average.stats).toMatchObject({ n: 2, sum: 45, mean: 22.5, min: 15, max: 30 });
    expect(south.scope.counts.included).toBe(2);
    const duty = (await topicPage(test.db, await scopeOf(f.rounds.phase1.id, { teamType: 'duty-initial-assessment', includeInProgress: true }), 'caseloads'))!;
    const dutyAverage = question(duty.questions, 'average_caseload');
    // Alpha 20, Charlie 30 and Echo (in progress) 10.
    expect(dutyAverage.kind === 'numeric' && dutyAverage.stats).toMatchObject({ n: 3, sum: 60, mean: 20, median: 20, min: 10, max: 30 });
  });
});

describe('staffing and caseloads', () => {
  it('vacancy rate is vacant over establishment summed over teams; teams above 25%; agency share', async () => {
    const page = (await topicPage(test.db, await scopeOf(f.rounds.phase1.id), 'staffing-vacancies'))!;
    const s = page.staffing!;
    // Vacant 2 + 1 + 4 + 0 = 7 of 10 + 8 + 12 + 6 = 36.
    expect(s.overall.vacant).toBe(7);
    expect(s.overall.establishment).toBe(36);
    expect(s.overall.vacancyRate).toBeCloseTo(7 / 36, 12);
    // Charlie 4/12 is above 25%; nobody else is.
    expect(s.overall.teamsAboveHighVacancy).toBe(1);
    expect(s.highVacancyTeams.map((t) => [t.teamName, t.vacancyRate])).toEqual([['Charlie Duty', 4 / 12]]);
    // Agency 1 + 0 + 1 + 1 = 3 of filled (7+1) + (7+0) + (7+1) + (5+1) = 29.
    expect(s.overall.agencyShare).toBeCloseTo(3 / 29, 12);
    expect(s.byArea.map((a) => [a.label, a.vacant, a.establishment])).toEqual([
      ['North', 3, 18],
      ['South', 4, 18],
    ]);
    expect(s.teams?.map((t) => [t.teamName, t.vacancyRate])).toEqual([
      ['Alpha Duty', 0.2],
      ['Bravo CP', 0.125],
      ['Charlie Duty', 4 / 12],
      ['Delta CP', 0],
    ]);
  });

  it('with in-progress responses Echo (2 of 4 vacant) joins the figures', async () => {
    const page = (await topicPage(test.db, await scopeOf(f.rounds.phase1.id, { includeInProgress: true }), 'staffing-vacancies'))!;
    expect(page.staffing!.overall.vacancyRate).toBeCloseTo(9 / 40, 12);
    expect(page.staffing!.highVacancyTeams.map((t) => t.teamName)).toEqual(['Echo Duty', 'Charlie Duty']);
  });

  it('caseloads against the reference: mean, median, worker-weighted average, highest; newly qualified workers', async () => {
    const page = (await topicPage(test.db, await scopeOf(f.rounds.phase1.id), 'caseloads', { reference: 18 }))!;
    const o = page.staffing!.overall;
    expect(o.meanCaseload).toBe(22.5);
    expect(o.medianCaseload).toBe(22.5);
    // (20×8 + 25×6 + 30×8 + 15×6) / (8 + 6 + 8 + 6) = 640 / 28.
    expect(o.weightedCaseload).toBeCloseTo(640 / 28, 12);
    expect(o.teamsAverageAboveReference).toBe(3); // 20, 25, 30 > 18
    expect(o.highestCaseload).toBe(40);
    expect(o.medianHighestCaseload).toBe(31); // 20, 30, 32, 40
    expect(o.teamsHighestAboveReference).toBe(4);
    expect(o.teamsWithNqsw).toBe(2);
    expect(o.nqsw).toBe(3);
    expect([o.nqswProtectedYes, o.nqswProtectedNo]).toEqual([1, 1]);
    expect(o.nqswMeanCaseload).toBe(14);
    expect(o.meanCaseloadOfNqswTeams).toBe(25);
    const strict = (await topicPage(test.db, await scopeOf(f.rounds.phase1.id), 'caseloads', { reference: 25 }))!;
    expect(strict.staffing!.overall.teamsAverageAboveReference).toBe(1); // only 30 > 25
    expect(strict.staffing!.reference).toBe(25);
  });
});

describe('referrals and activity', () => {
  it('sums each series across teams, per area and per team, and marks the December spike but not the steady rise', async () => {
    const page = (await topicPage(test.db, await scopeOf(f.rounds.phase1.id), 'referrals-activity'))!;
    const a = page.activity!;
    const series = Object.fromEntries(a.overall.series.map((s) => [s.key, s]));
    expect(series.new_referrals.points.filter((p) => p.value !== null).map((p) => p.value)).toEqual([35, 35, 35, 35, 35, 35, 35, 56]);
    expect(series.new_referrals.points.find((p) => p.period === '2008-12')!.teams).toBe(4);
    const spikes = (key: string) => series[key].spikes.filter((s) => s.spike).map((s) => s.period);
    expect(spikes('new_referrals')).toEqual(['2008-12']);
    expect(spikes('strategy_discussions')).toEqual(['2008-12']); // 10 a month, then 22
    expect(spikes('initial_cp_conferences')).toEqual(['2008-12']); // 2 a month, then 9
    expect(spikes('s47_enquiries')).toEqual([]); // 2, 3, 4 … 9: a steady rise
    expect(a.overall.joint).toEqual([{ period: '2008-12', series: ['new_referrals', 'strategy_discussions', 'initial_cp_conferences'] }]);
    const north = a.byArea!.find((g) => g.label === 'North')!;
    expect(north.series.find((s) => s.key === 'new_referrals')!.points.at(-1)!.value).toBe(25);
    const charlie = a.byTeam!.find((g) => g.label === 'Charlie Duty')!;
    expect(charlie.series.find((s) => s.key === 'new_referrals')!.spikes.at(-1)).toMatchObject({ period: '2008-12', value: 30, baseline: 20, spike: true });
    // Delta went from 0 to 1: more than 20% but fewer than 5 more, so no spike.
    const delta = a.byTeam!.find((g) => g.label === 'Delta CP')!;
    expect(delta.series.find((s) => s.key === 'new_referrals')!.spikes.some((s) => s.spike)).toBe(false);
  });
});

describe('thresholds', () => {
  it('distribution by area and team type, largest changes with explanations, and changes between phases', async () => {
    const page = (await topicPage(test.db, await scopeOf(f.rounds.phase1.id), 'thresholds'))!;
    const t = page.thresholds!;
    expect(t.choices.map((c) => c.value)).toEqual(['-2', '-1', '0', '1', '2']);
    expect(t.overall.counts).toEqual([1, 1, 1, 1, 0]);
    expect(t.byArea.map((a) => [a.label, a.counts])).toEqual([
      ['North', [1, 1, 0, 0, 0]],
      ['South', [0, 0, 1, 1, 0]],
    ]);
    expect(t.byTeamType.map((a) => [a.key, a.counts])).toEqual([
      ['duty-initial-assessment', [1, 0, 1, 0, 0]],
      ['long-term-child-protection', [0, 1, 0, 1, 0]],
    ]);
    expect(t.changed).toBe(3);
    expect(t.largest.map((l) => [l.teamName, l.value, l.explanation])).toEqual([
      ['Alpha Duty', -2, 'Strategy discussion for any unexplained injury to a baby.'],
      ['Bravo CP', -1, 'More cases go to initial conference.'],
      ['Delta CP', 1, 'Two vacant posts: only the highest-risk referrals are taken.'],
    ]);

    const phase2 = await scopeOf(f.rounds.phase2.id);
    const phase1 = await scopeOf(f.rounds.phase1.id);
    const later = (await topicPage(test.db, phase2, 'thresholds', { compare: phase1 }))!;
    const c = later.thresholds!.comparison!;
    expect(c.compared).toBe(4);
    expect(c.changes.map((x) => [x.teamName, x.before, x.after])).toEqual([
      ['Alpha Duty', -2, -1],
      ['Delta CP', 1, 0],
    ]);
  });
});

describe('phase comparison', () => {
  it('follows a renamed question and compares overall and team by team', async () => {
    const phase1 = await scopeOf(f.rounds.phase1.id);
    const phase2 = await scopeOf(f.rounds.phase2.id);
    const names = await stableNames(test.db, phase2.version.id);
    expect(names.get('senior_practitioner_fte')).toBe('senior_practitioners');
    const questions = await comparableQuestions(test.db, phase1, phase2);
    const senior = questions.find((q) => q.name === 'senior_practitioner_fte')!;
    expect(senior.earlierName).toBe('senior_practitioners');
    expect(questions.some((q) => q.name === 'neglect_threshold_clarity')).toBe(false); // new in version 2

    const average = questions.find((q) => q.name === 'average_caseload')!;
    const comparison = await phaseComparison(test.db, phase1, phase2, average);
    // Phase 1: 20, 25, 30, 15; Phase 2: 22, 25, 27, 18.
    expect(comparison.earlier.stats).toMatchObject({ n: 4, mean: 22.5, median: 22.5 });
    expect(comparison.later.stats).toMatchObject({ n: 4, mean: 23, median: 23.5 });
    expect(comparison.change).toEqual({ mean: 0.5, median: 1 });
    // Changes +2, 0, −3, +3.
    expect(comparison.paired).toEqual({ n: 4, meanChange: 0.5, medianChange: 1, up: 2, down: 1, same: 1 });
    expect(comparison.teams.map((t) => [t.teamName, t.earlier, t.later, t.change])).toEqual([
      ['Charlie Duty', 30, 27, -3],
      ['Delta CP', 15, 18, 3],
      ['Alpha Duty', 20, 22, 2],
      ['Bravo CP', 25, 25, 0],
    ]);
    const seniorComparison = await phaseComparison(test.db, phase1, phase2, senior);
    expect(seniorComparison.paired).toMatchObject({ n: 4, up: 2, down: 0, same: 2 });
  });
});

describe('mini-JAR heatmap', () => {
  it('rows are findings with counts per rating; cells per team; a cell opens its evidence and action', async () => {
    const scope = await scopeOf(f.rounds.jar.id);
    const heatmap = (await heatmapFigures(test.db, scope))!;
    expect(heatmap.choices.map((c) => c.value)).toEqual(['met', 'partly_met', 'not_met', 'not_applicable']);
    const section = heatmap.sections.find((s) => s.question === 'jar_identifying_concerns')!;
    expect(section.rows[0]).toMatchObject({ key: 'ident_01', counts: { met: 1, not_met: 1, not_applicable: 1 }, rated: 3 });
    expect(section.rows[1]).toMatchObject({ key: 'ident_02', counts: { partly_met: 1 }, rated: 1 });
    // Every team of the round is a column; Delta has not submitted, so its column is empty and says so.
    expect(heatmap.teams!.map((t) => [t.teamName, t.counted])).toEqual([
      ['Alpha Duty', true],
      ['Bravo CP', true],
      ['Charlie Duty', true],
      ['Delta CP', false],
    ]);
    expect(heatmap.cells!['jar_identifying_concerns/ident_01']).toEqual({
      [f.teams.alpha.id]: 'met',
      [f.teams.bravo.id]: 'not_met',
      [f.teams.charlie.id]: 'not_applicable',
    });
    const cell = (await heatmapCell(test.db, scope, 'jar_identifying_concerns', 'ident_02', f.teams.alpha.id))!;
    expect(cell.rating).toEqual({ value: 'partly_met', text: 'Partly met' });
    expect(cell.details.map((d) => [d.key, d.value])).toEqual([
      ['evidence', 'Two children seen the next day.'],
      ['action', 'Add a second duty manager.'],
      ['owner', 'Team Manager'],
      ['target_date', '2009-03-31'],
    ]);
    expect(await heatmapCell(test.db, scope, 'jar_identifying_concerns', 'ident_02', f.teams.delta.id)).toBeNull(); // not submitted
  });
});

describe('small scopes', () => {
  it('read the answers response by response, with the same figures as the index ranges', async () => {
    // One area of many reads its teams' answers through the response index (scopedAnswers). Counting 100 more
    // responses in the round makes this fixture's scopes "small" without changing any figure; without the tallies
    // (small scopes are areas, which never use them), every figure is then read response by response.
    const phase1 = await scopeOf(f.rounds.phase1.id, { includeInProgress: true });
    const phase2 = await scopeOf(f.rounds.phase2.id);
    const small = (scope: Scope): Scope => ({ ...scope, tally: null, roundResponses: scope.roundResponses + 100 });
    expect(isSmallScope(phase1)).toBe(false);
    expect(isSmallScope(small(phase1))).toBe(true);
    for (const topic of ['caseloads', 'staffing-vacancies', 'referrals-activity', 'thresholds', 'supervision', 'climbie-compliance']) {
      const large = await topicPage(test.db, phase1, topic, { compare: null });
      expect(await topicPage(test.db, small(phase1), topic, { compare: null }), topic).toEqual(large);
    }
    const compared = await topicPage(test.db, phase2, 'thresholds', { compare: phase1 });
    expect(await topicPage(test.db, small(phase2), 'thresholds', { compare: small(phase1) })).toEqual(compared);
    const jar = await scopeOf(f.rounds.jar.id);
    expect(await heatmapFigures(test.db, small(jar))).toEqual(await heatmapFigures(test.db, jar));
    const question = (await comparableQuestions(test.db, phase1, phase2)).find((q) => q.name === 'average_caseload')!;
    expect(await phaseComparison(test.db, small(phase1), small(phase2), question)).toEqual(await phaseComparison(test.db, phase1, phase2, question));
  });
});

describe('round insights', () => {
  it('headline figures for the start page', async () => {
    const insights = await roundInsights(test.db, await scopeOf(f.rounds.phase1.id));
    expect(insights.headlines.staffing?.vacancyRate).toBeCloseTo(7 / 36, 12);
    expect(insights.headlines.activity?.overall.joint.map((j) => j.period)).toEqual(['2008-12']);
    expect(insights.headlines.thresholds?.changed).toBe(3);
    expect(insights.topics.find((t) => t.id === 'caseloads')?.title).toBe('Caseloads');
    const jar = await roundInsights(test.db, await scopeOf(f.rounds.jar.id));
    expect(jar.hasHeatmap).toBe(true);
    expect(jar.headlines.ratings?.counts).toEqual({ met: 1, partly_met: 1, not_met: 1, not_applicable: 1 });
  });
});
