import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScope, topicPage, type AggregateFilter, type Scope } from '../app/models/aggregation.server';
import { staffingFigures } from '../app/models/aggregation/staffing.server';
import { timelinessFigures } from '../app/models/aggregation/timeliness.server';
import { findVersion } from '../app/models/questionnaires.server';
import { formatProblem, loadRegistry, publishRegistry } from '../app/models/registry.server';
import { saveResponseChange } from '../app/models/responses.server';
import { createRound } from '../app/models/rounds.server';
import type { CurrentUser } from '../app/models/users.server';
import { createTestDatabase, onPostgres, type TestDatabase } from './helpers/db';
import { createArea, createTeam, createUser, FIXTURE_SURVEYS } from './helpers/factories';

// Timeliness weighted by the work done, read through column roles; vacancies counted both ways (docs/aggregation.md).

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stocktake-timeliness-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const number = (name: string, role?: string) => ({ name, cellType: 'text', inputType: 'number', min: 0, ...(role ? { role } : {}) });

/** A one-page questionnaire whose matrix `counts` declares the timeliness column roles, after `change`. */
function timelyRegistry(name: string, change: (elements: any[]) => void = () => {}): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(path.join(dir, 'timely'), { recursive: true });
  fs.copyFileSync(path.join(FIXTURE_SURVEYS, 'topics.json'), path.join(dir, 'topics.json'));
  const elements: any[] = [
    {
      type: 'matrixdropdown',
      name: 'counts',
      topic: 'timeliness',
      rows: ['initial', 'core'],
      columns: [
        number('done', 'timeliness-completed'),
        number('ok', 'timeliness-within'),
        { name: 'nr', cellType: 'boolean', role: 'timeliness-not-recorded' },
      ],
    },
    { type: 'text', name: 'note', topic: 'timeliness' },
  ];
  change(elements);
  fs.writeFileSync(path.join(dir, 'timely', 'v1.json'), JSON.stringify({ pages: [{ name: 'p', elements }] }));
  fs.writeFileSync(path.join(dir, 'timely', 'meta.json'), JSON.stringify({ slug: 'timely', title: 'Timely', versions: { '1': { changeNotes: 'First.' } } }));
  return dir;
}

const problemsOf = (dir: string) => loadRegistry(dir).problems.map(formatProblem);

describe('surveys check: column roles', () => {
  it('accepts a matrix of dropdowns whose columns declare the timeliness roles, and keeps each role with its column', () => {
    const registry = loadRegistry(timelyRegistry('good'));
    expect(registry.problems).toEqual([]);
    const columns = registry.questionnaires[0].versions[0].questions.find((q) => q.name === 'counts')!.detail.columns!;
    expect(columns.map((c) => [c.name, c.role])).toEqual([
      ['done', 'timeliness-completed'],
      ['ok', 'timeliness-within'],
      ['nr', 'timeliness-not-recorded'],
    ]);
  });

  it('names the column: a partner missing, the wrong kind of column, an unknown role, a role played twice, a column role on a question or a dynamic matrix', () => {
    expect(problemsOf(timelyRegistry('no-within', (e) => delete e[0].columns[1].role))).toEqual([
      'surveys/timely/v1.json question "counts.done": has column role "timeliness-completed", whose figures also need a column of the same matrix with role "timeliness-within" (of the work completed, the part completed within the timescale (a count))',
    ]);
    expect(
      problemsOf(
        timelyRegistry('choice-within', (e) => (e[0].columns[1] = { name: 'ok', cellType: 'dropdown', choices: ['a', 'b'], role: 'timeliness-within' })),
      ),
    ).toEqual([
      'surveys/timely/v1.json question "counts.ok": cannot play column role "timeliness-within" (of the work completed, the part completed within the timescale (a count)): it must be a number column (cellType "text" with inputType "number")',
    ]);
    expect(problemsOf(timelyRegistry('unknown', (e) => (e[0].columns[2].role = 'timeliness-late')))).toEqual([
      'surveys/timely/v1.json question "counts.nr": has unknown column role "timeliness-late" (known column roles: timeliness-completed, timeliness-within, timeliness-not-recorded)',
    ]);
    expect(
      problemsOf(
        timelyRegistry('twice', (e) =>
          e.push({ type: 'matrixdropdown', name: 'more', topic: 'timeliness', rows: ['x'], columns: [number('done2', 'timeliness-completed')] }),
        ),
      ),
    ).toEqual([
      'surveys/timely/v1.json question "more.done2": has column role "timeliness-completed", which "counts.done" already plays in this version (one column per role)',
    ]);
    expect(
      problemsOf(
        timelyRegistry('on-question', (e) => (e[1] = { type: 'text', name: 'note', topic: 'timeliness', inputType: 'number', role: 'timeliness-within' })),
      ),
    ).toEqual(['surveys/timely/v1.json question "note": has role "timeliness-within", which is a role for a matrix column: put it on the column']);
    expect(
      problemsOf(
        timelyRegistry('dynamic', (e) =>
          e.push({ type: 'matrixdynamic', name: 'rows_added', topic: 'timeliness', columns: [number('n', 'timeliness-within')] }),
        ),
      ),
    ).toEqual([
      'surveys/timely/v1.json question "rows_added.n": has column role "timeliness-within", which only a column of a matrix of dropdowns (matrixdropdown, fixed rows) can play',
    ]);
  });
});

describe(`the figures of the team self-assessment version 3 (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let test: TestDatabase;
  let reviewer: CurrentUser;
  let scope: Scope;
  const ALL: AggregateFilter = { areaId: null, teamType: null, includeInProgress: true };

  beforeAll(async () => {
    test = await createTestDatabase();
    await publishRegistry(test.db, loadRegistry());
    const v3 = (await findVersion(test.db, 'team-self-assessment', 3))!;
    const east = await createArea(test.db, 'East Kent');
    const west = await createArea(test.db, 'West Kent');
    const teams = {
      alpha: await createTeam(test.db, east.id, 'duty-initial-assessment', 'Alpha Duty'),
      charlie: await createTeam(test.db, east.id, 'looked-after-children', 'Charlie Care'),
      bravo: await createTeam(test.db, west.id, 'duty-initial-assessment', 'Bravo Duty'),
      delta: await createTeam(test.db, west.id, 'long-term-child-protection', 'Delta Long-term'),
    };
    reviewer = await createUser(test.db, 'reviewer', {}, 'Rita Reviewer');
    const round = await createRound(
      test.db,
      { name: 'Phase 2', questionnaireVersionId: v3.id, dueDate: '2009-03-31', teamIds: Object.values(teams).map((t) => t.id) },
      null,
    );
    // Answers as managers save them (in progress: the figures below include responses in progress).
    const answers: Record<keyof typeof teams, Record<string, unknown>> = {
      // Initial assessments: Alpha 9 of 10, Bravo 1 of 90 (10 of 100 together: 10%, where a mean of rates says 45.6%).
      alpha: {
        timeliness_counts: { initial_assessment: { completed: 10, within: 9 }, referral_decision: { completed: 100, within: 90 } },
        establishment_fte: 10,
        filled_permanent_fte: 5,
        filled_agency_fte: 3,
        vacant_fte: 2,
      },
      bravo: {
        timeliness_counts: { initial_assessment: { completed: 90, within: 1 }, referral_decision: { not_recorded: true } },
        establishment_fte: 20,
        filled_permanent_fte: 18,
        filled_agency_fte: 1,
        vacant_fte: 1,
      },
      // None completed: counted among the teams, with no rate of its own. No agency figure: left out of the second rate.
      charlie: { timeliness_counts: { initial_assessment: { completed: 0, within: 0 } }, establishment_fte: 10, filled_permanent_fte: 9, vacant_fte: 1 },
      // Not recorded: left out of the counts, counted as not recording. A row ticked then unticked counts as given.
      delta: { timeliness_counts: { initial_assessment: { not_recorded: true }, core_assessment: { completed: 4, within: 3, not_recorded: false } } },
    };
    for (const [key, data] of Object.entries(answers) as Array<[keyof typeof teams, Record<string, unknown>]>) {
      const team = teams[key];
      const manager = await createUser(test.db, 'manager', { teamId: team.id }, `${team.name} Manager`);
      const response = await test.db
        .selectFrom('responses')
        .select('id')
        .where('round_id', '=', round.id)
        .where('team_id', '=', team.id)
        .executeTakeFirstOrThrow();
      await saveResponseChange(test.db, manager, response.id, { baseRevision: 0, set: data, unset: [] });
    }
    scope = (await loadScope(test.db, reviewer, round.id, ALL))!;
  });
  afterAll(() => test.destroy());

  it('weights timeliness by the counts: 9 of 10 and 1 of 90 make 10 of 100, 10%', async () => {
    const figures = (await timelinessFigures(test.db, scope))!;
    expect(figures.question.name).toBe('timeliness_counts');
    const initial = figures.measures.find((m) => m.key === 'initial_assessment')!;
    expect(initial).toMatchObject({ teams: 3, completed: 100, within: 10, notRecorded: 1 });
    expect(initial.rate).toBeCloseTo(0.1, 12);
    // The mean of the teams' own rates (Alpha 90%, Bravo 1.1%; Charlie completed none) is shown beside it, not used.
    expect(initial.meanOfTeamRates).toBeCloseTo((9 / 10 + 1 / 90) / 2, 12);
    expect(initial.rate).not.toBeCloseTo(initial.meanOfTeamRates!, 2);
    const referrals = figures.measures.find((m) => m.key === 'referral_decision')!;
    expect(referrals).toMatchObject({ teams: 1, completed: 100, within: 90, rate: 0.9, notRecorded: 1 });
    expect(figures.measures.find((m) => m.key === 'core_assessment')).toMatchObject({ teams: 1, completed: 4, within: 3, rate: 0.75, notRecorded: 0 });
    expect(figures.measures.find((m) => m.key === 'review_conference')).toMatchObject({ teams: 0, completed: 0, within: 0, rate: null, meanOfTeamRates: null });
    // Every row of the matrix, in its order, titled as the questionnaire words it.
    expect(figures.measures.map((m) => m.key)).toEqual([
      'referral_decision',
      'initial_assessment',
      'core_assessment',
      'initial_conference',
      'first_core_group',
      'review_conference',
    ]);
    expect(figures.columns).toEqual({ completed: 'Completed in the three months', within: 'Of these, within the timescale', notRecorded: 'Not recorded' });
    // By area: East (Alpha, Charlie) 9 of 10; West (Bravo; Delta does not record it) 1 of 90.
    const byArea = Object.fromEntries(figures.byArea!.map((a) => [a.label, a.measures.initial_assessment]));
    expect(byArea['East Kent']).toEqual({ teams: 2, completed: 10, within: 9, rate: 0.9 });
    expect(byArea['West Kent']).toEqual({ teams: 1, completed: 90, within: 1, rate: 1 / 90 });
  });

  it('shows the timeliness section on the topic of the counts matrix only', async () => {
    const timeliness = await topicPage(test.db, scope, 'timeliness');
    expect(timeliness!.timeliness!.measures.find((m) => m.key === 'initial_assessment')!.rate).toBeCloseTo(0.1, 12);
    expect((await topicPage(test.db, scope, 'caseloads'))!.timeliness).toBeNull();
  });

  it('counts vacancies both ways: vacant alone, and vacant or covered by agency staff', async () => {
    const staffing = (await staffingFigures(test.db, scope))!;
    // Vacant alone: (2 + 1 + 1) of (10 + 20 + 10) posts, over the teams that gave establishment and vacant posts.
    expect(staffing.overall.vacancyRate).toBeCloseTo(4 / 40, 12);
    // Vacant or agency-covered: (2 + 3) + (1 + 1) of 10 + 20, over the teams that also gave agency cover (not Charlie).
    expect(staffing.overall).toMatchObject({ vacantOrAgency: 7, establishmentWithAgency: 30 });
    expect(staffing.overall.vacancyOrAgencyRate).toBeCloseTo(7 / 30, 12);
    const byTeam = Object.fromEntries(staffing.teams!.map((t) => [t.teamName, t]));
    expect(byTeam['Alpha Duty']).toMatchObject({ vacancyRate: 0.2, vacancyOrAgencyRate: 0.5 });
    expect(byTeam['Bravo Duty']).toMatchObject({ vacancyRate: 0.05, vacancyOrAgencyRate: 0.1 });
    expect(byTeam['Charlie Care']).toMatchObject({ vacancyRate: 0.1, vacancyOrAgencyRate: null });
    const east = staffing.byArea.find((a) => a.label === 'East Kent')!;
    expect(east.vacancyOrAgencyRate).toBeCloseTo(5 / 10, 12);
  });
});
