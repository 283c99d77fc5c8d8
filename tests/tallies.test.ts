import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScope, roundInsights, roundTopics, topicPage, type AggregateFilter, type Scope } from '../app/models/aggregation.server';
import { summariseCounts } from '../app/models/aggregation/quantiles';
import { checkResponseStaffing, recountResponseStaffing } from '../app/models/aggregation/staffing.server';
import { numericGroupStats, talliedTeamTypeStats, topicQuestions } from '../app/models/aggregation/topic.server';
import { roundMedians } from '../app/models/aggregation/report.server';
import { confirmCarriedAnswers } from '../app/models/carry-forward.server';
import { saveResponseChange, submitResponse } from '../app/models/responses.server';
import { returnResponse } from '../app/models/review.server';
import { createRound } from '../app/models/rounds.server';
import { checkTallies, recountTallies } from '../app/models/tallies.server';
import type { CurrentUser } from '../app/models/users.server';
import { connect, migrateToLatest, retryOnDeadlock } from '../db/index';
import { createRng, generateSelfAssessmentV1 } from '../db/seed/answers';
import { buildAggregationFixture, type AggregationFixture } from './helpers/aggregation-fixtures';
import { createTestDatabase, type TestDatabase } from './helpers/db';
import { createArea, createTeam, createUser } from './helpers/factories';

// The answer tallies (app/models/tallies.server.ts) must always equal a count of the answers, whatever path changed
// them, and the figures read from them must be the figures read from the answers.

let test: TestDatabase;
let f: AggregationFixture;
beforeAll(async () => {
  test = await createTestDatabase();
  f = await buildAggregationFixture(test.db);
});
afterAll(() => test.destroy());

/** The tallies, and the staffing rows kept the same way, equal what the answers say. */
const expectExact = async () => {
  expect(await checkTallies(test.db)).toEqual([]);
  expect(await checkResponseStaffing(test.db)).toEqual([]);
};

describe('summariseCounts', () => {
  it('gives what PostgreSQL gives over the same numbers listed one by one', async () => {
    const rng = createRng(42);
    const lists: number[][] = [[5], [1, 2], [3, 3, 3, 3], [-2.5, 0, 0, 7.25], [0.1, 0.2, 0.3]];
    for (let i = 0; i < 30; i++) {
      const n = 1 + Math.floor(rng() * 60);
      const spread = [3, 40, 1000][i % 3];
      lists.push(Array.from({ length: n }, () => (i % 2 ? Math.round(rng() * spread) : Math.round(rng() * spread * 100) / 100 - spread / 4)));
    }
    for (const list of lists) {
      const counts = new Map<number, number>();
      for (const v of list) counts.set(v, (counts.get(v) ?? 0) + 1);
      const values = [...counts.keys()].sort((a, b) => a - b);
      const mine = summariseCounts(
        values,
        values.map((v) => counts.get(v)!),
      )!;
      const result = await sql<{ n: number; sum: number; mean: number; min: number; max: number; q: number[] }>`
        select count(*)::int as n, sum(v) as sum, avg(v) as mean, min(v) as min, max(v) as max,
          percentile_cont(array[0.25, 0.5, 0.75]) within group (order by v) as q
        from unnest(${`{${list.join(',')}}`}::float8[]) as v`.execute(test.db);
      const pg = result.rows[0];
      expect(mine.n).toBe(pg.n);
      for (const [key, expected] of [
        ['sum', pg.sum],
        ['mean', pg.mean],
        ['min', pg.min],
        ['max', pg.max],
        ['q1', pg.q[0]],
        ['median', pg.q[1]],
        ['q3', pg.q[2]],
      ] as const) {
        expect(mine[key], `${key} of [${list.join(', ')}]`).toBeCloseTo(Number(expected), 9);
      }
    }
  });

  it('is null for no numbers, and refuses counts that are not a frequency table', () => {
    expect(summariseCounts([], [])).toBeNull();
    expect(() => summariseCounts([2, 1], [1, 1])).toThrow(/ascending/);
    expect(() => summariseCounts([1], [0])).toThrow(/positive/);
    expect(() => summariseCounts([1, 2], [1])).toThrow(/same length/);
  });
});

describe('keeping the tallies', () => {
  it('match a count of the answers once the fixture is written (saves, statuses, a carried-forward phase)', async () => {
    await expectExact();
    const rows = await test.db
      .selectFrom('answer_tallies')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(rows.n)).toBeGreaterThan(0);
  });

  it('stay exact, with the staffing rows, through saving, submitting, returning, resubmitting, the next phase, confirming and a team changing type', async () => {
    const admin = f.users.admin;
    const area = await createArea(test.db, 'Tally Area');
    const teams = [await createTeam(test.db, area.id, 'duty-initial-assessment', 'Tally One'), await createTeam(test.db, area.id, 'disability', 'Tally Two')];
    const managers: CurrentUser[] = [];
    for (const team of teams) managers.push(await createUser(test.db, 'manager', { teamId: team.id }, `Manager of ${team.name}`));
    const versionOf = async (slug: string, version: number) =>
      (
        await test.db
          .selectFrom('questionnaire_versions as v')
          .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
          .select('v.id')
          .where('q.slug', '=', slug)
          .where('v.version', '=', version)
          .executeTakeFirstOrThrow()
      ).id;
    const first = await createRound(
      test.db,
      { name: 'Tally Phase 1', questionnaireVersionId: await versionOf('team-self-assessment', 1), dueDate: '2009-01-30', teamIds: teams.map((t) => t.id) },
      admin.id,
    );
    const responseOf = async (roundId: number, teamId: number) =>
      await test.db.selectFrom('responses').select(['id', 'revision']).where('round_id', '=', roundId).where('team_id', '=', teamId).executeTakeFirstOrThrow();
    const rng = createRng(7);

    // A complete self-assessment for each team, saved as a manager would, then submitted.
    for (const [i, team] of teams.entries()) {
      const data = generateSelfAssessmentV1({ slug: team.slug, name: team.name, area: area.name, teamType: team.team_type, index: i }, rng, 'complete');
      const response = await responseOf(first.id, team.id);
      await saveResponseChange(test.db, managers[i], response.id, { baseRevision: response.revision, set: data, unset: [] });
      await expectExact();
      const saved = await responseOf(first.id, team.id);
      await submitResponse(test.db, managers[i], response.id, { revision: saved.revision });
      await expectExact();
    }

    // Returned, corrected (a number, a month of the activity table, and a number taken out), resubmitted.
    const one = await responseOf(first.id, teams[0].id);
    await returnResponse(test.db, f.users.reviewer, one.id, { reason: 'Please check the caseload figures.' });
    await expectExact();
    const returned = await responseOf(first.id, teams[0].id);
    const current = (await test.db.selectFrom('responses').select('data').where('id', '=', one.id).executeTakeFirstOrThrow()).data as Record<string, unknown>;
    const monthly = structuredClone(current.referrals_monthly) as Record<string, Record<string, number>>;
    const month = Object.keys(monthly)[0];
    const column = Object.keys(monthly[month])[0];
    monthly[month][column] += 3;
    await saveResponseChange(test.db, managers[0], one.id, {
      baseRevision: returned.revision,
      set: { average_caseload: 31, highest_caseload: 45, referrals_monthly: monthly },
      unset: [],
    });
    await expectExact();
    const corrected = await responseOf(first.id, teams[0].id);
    await saveResponseChange(test.db, managers[0], one.id, { baseRevision: corrected.revision, set: {}, unset: ['nqsw_average_caseload'] });
    await expectExact();
    const emptied = await responseOf(first.id, teams[0].id);
    await saveResponseChange(test.db, managers[0], one.id, { baseRevision: emptied.revision, set: { nqsw_average_caseload: 9 }, unset: [] });
    await expectExact();
    // The same value saved again changes no tally.
    const tallies = () =>
      sql`select * from answer_tallies where round_id = ${first.id} order by topic, question, row_key, column_key, value, status, team_type`
        .execute(test.db)
        .then((r) => r.rows);
    const before = await tallies();
    const again = await responseOf(first.id, teams[0].id);
    await saveResponseChange(test.db, managers[0], one.id, { baseRevision: again.revision, set: { average_caseload: 31 }, unset: [] });
    expect(await tallies()).toEqual(before);
    const resubmit = await responseOf(first.id, teams[0].id);
    await submitResponse(test.db, managers[0], one.id, { revision: resubmit.revision });
    await expectExact();

    // The next phase on version 2: answers carried forward into responses not yet started; confirming starts one.
    const second = await createRound(
      test.db,
      {
        name: 'Tally Phase 2',
        questionnaireVersionId: await versionOf('team-self-assessment', 2),
        dueDate: '2009-03-13',
        teamIds: teams.map((t) => t.id),
        followsRoundId: first.id,
      },
      admin.id,
    );
    await expectExact();
    const carried = await responseOf(second.id, teams[1].id);
    await confirmCarriedAnswers(test.db, managers[1], carried.id, ['average_caseload']);
    await expectExact();
    const started = await responseOf(second.id, teams[0].id);
    await saveResponseChange(test.db, managers[0], started.id, { baseRevision: started.revision, set: { average_caseload: 12 }, unset: [] });
    await expectExact();

    // A team that changes type takes its tallies with it.
    await test.db.updateTable('teams').set({ team_type: 'looked-after-children' }).where('id', '=', teams[1].id).execute();
    await expectExact();
    const scope = (await loadScope(test.db, admin, first.id, { areaId: null, teamType: 'looked-after-children', includeInProgress: false }))!;
    expect(scope.tally).toEqual({ statuses: ['submitted'], teamType: 'looked-after-children' });
    const caseloads = (await topicPage(test.db, scope, 'caseloads'))!.questions.find((q) => q.name === 'average_caseload')!;
    expect(caseloads.kind === 'numeric' && caseloads.stats?.n).toBe(1);
  });

  it('can be recounted, and a tally that drifted is reported', async () => {
    await test.db
      .updateTable('answer_tallies')
      .set((eb) => ({ responses: eb('responses', '+', 1) }))
      .where('round_id', '=', f.rounds.phase1.id)
      .where('question', '=', 'average_caseload')
      .where('value', '=', 20)
      .execute();
    const drift = await checkTallies(test.db);
    expect(drift).toHaveLength(1);
    expect(drift[0]).toMatchObject({ round_id: f.rounds.phase1.id, question: 'average_caseload', value: 20, status: 'submitted', tallied: 2, counted: 1 });
    await recountTallies(test.db, f.rounds.phase1.id);
    await expectExact();
  });

  it('staffing rows can be rebuilt, and a row that drifted is reported', async () => {
    const alpha = f.responses.phase1.get(f.teams.alpha.id)!;
    await test.db.updateTable('response_staffing').set({ vacant: 99 }).where('response_id', '=', alpha).execute();
    expect(await checkResponseStaffing(test.db)).toEqual([alpha]);
    await recountResponseStaffing(test.db);
    await expectExact();
  });

  it('never go below zero', async () => {
    await expect(test.db.updateTable('answer_tallies').set({ responses: -1 }).where('round_id', '=', f.rounds.phase1.id).execute()).rejects.toThrow(
      /answer tally below zero/,
    );
  });
});

/** Deep equality, with numbers equal to nine decimal places (sums of decimals may differ in the last bits). */
function expectSameFigures(actual: unknown, expected: unknown, where = 'figures'): void {
  if (typeof expected === 'number' && typeof actual === 'number') {
    expect(actual, where).toBeCloseTo(expected, 9);
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), where).toBe(true);
    expect((actual as unknown[]).length, `${where}.length`).toBe(expected.length);
    expected.forEach((item, i) => expectSameFigures((actual as unknown[])[i], item, `${where}[${i}]`));
    return;
  }
  if (expected && typeof expected === 'object') {
    expect(actual && typeof actual === 'object', where).toBeTruthy();
    expect(Object.keys(actual as object).sort(), `${where} keys`).toEqual(Object.keys(expected).sort());
    for (const [key, value] of Object.entries(expected)) expectSameFigures((actual as Record<string, unknown>)[key], value, `${where}.${key}`);
    return;
  }
  expect(actual, where).toEqual(expected);
}

describe('figures from the tallies', () => {
  const filters: AggregateFilter[] = [
    { areaId: null, teamType: null, includeInProgress: false },
    { areaId: null, teamType: null, includeInProgress: true },
    { areaId: null, teamType: 'duty-initial-assessment', includeInProgress: false },
    { areaId: null, teamType: 'long-term-child-protection', includeInProgress: true },
  ];

  it('are the figures from the answers, for every topic, status filter and team type', async () => {
    await recountTallies(test.db);
    for (const round of [f.rounds.phase1, f.rounds.phase2]) {
      for (const filter of filters) {
        const scope = (await loadScope(test.db, f.users.admin, round.id, filter))!;
        expect(scope.tally).not.toBeNull();
        const fromAnswers: Scope = { ...scope, tally: null };
        for (const topic of roundTopics(scope)) {
          const tallied = await topicPage(test.db, scope, topic.id);
          const counted = await topicPage(test.db, fromAnswers, topic.id);
          expectSameFigures(tallied, counted, `${round.name} ${JSON.stringify(filter)} ${topic.id}`);
        }
        expectSameFigures(await roundInsights(test.db, scope), await roundInsights(test.db, fromAnswers), `${round.name} headlines`);
        // The team report's medians beside each number.
        expectSameFigures(
          Object.fromEntries(await roundMedians(test.db, scope)),
          Object.fromEntries(await roundMedians(test.db, fromAnswers)),
          `${round.name} medians`,
        );
      }
    }
  });

  it('by team type are the figures by team type from the answers (what national pages show instead of areas)', async () => {
    let compared = 0;
    for (const round of [f.rounds.phase1, f.rounds.phase2]) {
      for (const filter of filters) {
        const scope = (await loadScope(test.db, f.users.admin, round.id, filter))!;
        for (const topic of roundTopics(scope)) {
          const whole = topicQuestions(scope, topic.id)
            .filter((q) => q.valueType === 'numeric')
            .map((q) => q.name);
          if (!whole.length) continue;
          const order = <T extends { question: string; team_type: string | null }>(rows: T[]) =>
            [...rows].sort((a, b) => a.question.localeCompare(b.question) || String(a.team_type).localeCompare(String(b.team_type)));
          const counted = (await numericGroupStats(test.db, scope, topic.id, whole)).filter((r) => r.team_type !== null);
          const tallied = await talliedTeamTypeStats(test.db, scope, topic.id, whole);
          compared += counted.length;
          const figures = (
            rows: Array<{ question: string; team_type: string | null; n: number; sum: number; mean: number; min: number; max: number; quartiles: number[] }>,
          ) =>
            order(rows).map((r) => ({
              question: r.question,
              team_type: r.team_type,
              n: Number(r.n),
              sum: Number(r.sum),
              mean: Number(r.mean),
              min: Number(r.min),
              max: Number(r.max),
              quartiles: r.quartiles.map(Number),
            }));
          expectSameFigures(figures(tallied), figures(counted), `${round.name} ${topic.id} by team type`);
        }
      }
    }
    expect(compared).toBeGreaterThan(20);
  });

  it('are not used for an area, or for a reviewer who sees only some areas', async () => {
    const area = (await loadScope(test.db, f.users.admin, f.rounds.phase1.id, { areaId: f.areas.north.id, teamType: null, includeInProgress: false }))!;
    expect(area.tally).toBeNull();
    const north = (await loadScope(test.db, f.users.northReviewer, f.rounds.phase1.id, { areaId: null, teamType: null, includeInProgress: false }))!;
    expect(north.tally).toBeNull();
  });
});

describe('retryOnDeadlock', () => {
  const failure = (code: string) => Object.assign(new Error(`failed with ${code}`), { code });

  it('runs the work again after PostgreSQL broke a deadlock or a serialization failure', async () => {
    let calls = 0;
    const result = await retryOnDeadlock(async () => {
      calls++;
      if (calls === 1) throw failure('40P01');
      if (calls === 2) throw failure('40001');
      return 'saved';
    });
    expect(result).toBe('saved');
    expect(calls).toBe(3);
  });

  it('gives up after the attempts, and never retries other errors', async () => {
    let calls = 0;
    await expect(
      retryOnDeadlock(async () => {
        calls++;
        throw failure('40P01');
      }, 2),
    ).rejects.toThrow('40P01');
    expect(calls).toBe(2);
    calls = 0;
    await expect(
      retryOnDeadlock(async () => {
        calls++;
        throw failure('23505');
      }),
    ).rejects.toThrow('23505');
    expect(calls).toBe(1);
  });
});

describe('many saves at once', () => {
  it('keep the tallies exact when managers start carried-forward responses at the same time', async () => {
    // Each save moves its response's carried tallies (not started → in progress) and then changes some: two
    // statements on rows every other save also changes. On PostgreSQL the saves run side by side on the pool.
    const area = await createArea(test.db, 'Busy Area');
    const teams = [];
    for (let i = 0; i < 8; i++) teams.push(await createTeam(test.db, area.id, i % 2 ? 'disability' : 'duty-initial-assessment', `Busy ${i}`));
    const managers = await Promise.all(teams.map((team) => createUser(test.db, 'manager', { teamId: team.id }, `Manager of ${team.name}`)));
    const version = async (n: number) =>
      (
        await test.db
          .selectFrom('questionnaire_versions as v')
          .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
          .select('v.id')
          .where('q.slug', '=', 'team-self-assessment')
          .where('v.version', '=', n)
          .executeTakeFirstOrThrow()
      ).id;
    const first = await createRound(
      test.db,
      { name: 'Busy Phase 1', questionnaireVersionId: await version(1), dueDate: '2009-01-30', teamIds: teams.map((t) => t.id) },
      f.users.admin.id,
    );
    const rng = createRng(11);
    for (const [i, team] of teams.entries()) {
      const response = await test.db
        .selectFrom('responses')
        .select(['id', 'revision'])
        .where('round_id', '=', first.id)
        .where('team_id', '=', team.id)
        .executeTakeFirstOrThrow();
      const data = generateSelfAssessmentV1({ slug: team.slug, name: team.name, area: area.name, teamType: team.team_type, index: i }, rng, 'complete');
      // Every team reports the same caseloads, so the saves below all change the same tally rows.
      await saveResponseChange(test.db, managers[i], response.id, {
        baseRevision: response.revision,
        set: { ...data, average_caseload: 20, highest_caseload: 30 },
        unset: [],
      });
    }
    const second = await createRound(
      test.db,
      { name: 'Busy Phase 2', questionnaireVersionId: await version(2), dueDate: '2009-03-13', teamIds: teams.map((t) => t.id), followsRoundId: first.id },
      f.users.admin.id,
    );
    const responses = await test.db.selectFrom('responses').select(['id', 'team_id', 'revision', 'status']).where('round_id', '=', second.id).execute();
    expect(responses.every((r) => r.status === 'not_started')).toBe(true);
    const results = await Promise.allSettled(
      teams.map((team, i) => {
        const response = responses.find((r) => r.team_id === team.id)!;
        // Half raise the average caseload, half lower it: every save moves and changes the same tally rows.
        const set = i % 2 ? { average_caseload: 30, highest_caseload: 35 } : { highest_caseload: 40, average_caseload: 10 };
        return saveResponseChange(test.db, managers[i], response.id, { baseRevision: response.revision, set, unset: [] });
      }),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    await expectExact();
    const scope = (await loadScope(test.db, f.users.admin, second.id, { areaId: null, teamType: null, includeInProgress: true }))!;
    const average = (await topicPage(test.db, scope, 'caseloads'))!.questions.find((q) => q.name === 'average_caseload')!;
    expect(average.kind === 'numeric' && average.stats).toMatchObject({ n: 8, sum: 4 * 30 + 4 * 10, min: 10, max: 30 });
  });
});

describe('npm run cli -- db check', () => {
  it('reports that the kept figures match the answers, and reports a tally that drifted', async () => {
    // An embedded database with the fixture's answers and their tallies, checked by the CLI as a separate process.
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stocktake-check-'));
    const env = { ...process.env, STOCKTAKE_DATA_DIR: dataDir, DATABASE_URL: '' };
    const check = () => promisify(execFile)('npx', ['tsx', 'cli/index.ts', 'db', 'check'], { env });
    try {
      let opened = await connect({ kind: 'embedded', dataDir });
      await migrateToLatest(opened.db);
      const fixture = await buildAggregationFixture(opened.db);
      const kept = await opened.db
        .selectFrom('answer_tallies')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(kept.n)).toBeGreaterThan(100);
      await opened.close();
      expect((await check()).stdout).toContain('The answer tallies and staffing rows match the answers.');

      // One tally drifts by one: the check names it and fails.
      opened = await connect({ kind: 'embedded', dataDir });
      const drifted = await opened.db
        .selectFrom('answer_tallies')
        .selectAll()
        .where('round_id', '=', fixture.rounds.phase1.id)
        .where('responses', '>', 0)
        .orderBy(['question', 'row_key', 'column_key', 'value'])
        .executeTakeFirstOrThrow();
      await opened.db
        .updateTable('answer_tallies')
        .set({ responses: drifted.responses + 1 })
        .where('round_id', '=', drifted.round_id)
        .where('topic', '=', drifted.topic)
        .where('question', '=', drifted.question)
        .where('row_key', '=', drifted.row_key)
        .where('column_key', '=', drifted.column_key)
        .where('value', '=', drifted.value)
        .where('status', '=', drifted.status)
        .where('team_type', '=', drifted.team_type)
        .execute();
      await opened.close();
      const failed = await check().then(
        () => null,
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
      expect(failed, 'db check should fail on a drifted tally').not.toBeNull();
      expect(failed!.code).not.toBe(0);
      expect(failed!.stdout).not.toContain('match the answers');
      expect(failed!.stdout).toContain(`tally: round ${drifted.round_id} ${drifted.question} [${drifted.row_key}|${drifted.column_key}]`);
      expect(failed!.stdout).toContain(`kept ${drifted.responses + 1}, counted ${drifted.responses}`);
      expect(failed!.stderr).toContain('The kept figures differ from the answers');
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
