import os from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import { sql } from 'kysely';
import type { Executor } from '../db/index';
import {
  insightsRequest,
  loadScope,
  roundInsights,
  roundTopics,
  teamReport,
  topicPage,
  type AggregateFilter,
  type Scope,
} from '../app/models/aggregation.server';
import type { CurrentUser } from '../app/models/users.server';
import { BENCH_ROUNDS } from './generate';
import { referenceInsights, referenceTopicPage } from './reference';
import { machineLine, met, writeSection } from './report';

/**
 * Times each insights page's domain function (scope + figures, as the loader calls them) against the reference SQL
 * for the same figures, median of several runs after a warm-up, and writes docs/benchmarks.md.
 */

const REFERENCE_CASELOAD = 18;
const BUDGET_MS = 300;
const MAX_RATIO = 1.5;

type Timing = { label: string; filter: string; rows: number; stocktake: number[]; reference: number[] };

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

export async function runBenchmarks(db: Executor, options: { runs: number; write: boolean; log: (line: string) => void; url: string; command: string }) {
  const { log } = options;
  // The reference runs on its own single connection, plain postgres.js.
  // JIT is off for the reference as for the app (see runAggregate): a server setting, not part of the SQL.
  const client = postgres(options.url, { max: 1, onnotice: () => {}, connection: { jit: 'off' } });
  const admin: CurrentUser = { id: 0, email: 'bench@stocktake.invalid', name: 'Benchmark', isAdmin: true, reviewerAreaIds: null, managedTeamIds: [] };
  try {
    const rounds = await db
      .selectFrom('rounds')
      .select(['id', 'name', 'questionnaire_version_id'])
      .where('name', 'in', [...BENCH_ROUNDS])
      .orderBy('id')
      .execute();
    const phase1 = rounds.find((r) => r.name === BENCH_ROUNDS[0])!;
    const phase2 = rounds.find((r) => r.name === BENCH_ROUNDS[1])!;
    const counts = await sql<{ round_id: number; answers: string }>`select round_id, count(*) as answers from answers group by round_id`.execute(db);
    const totalAnswers = counts.rows.reduce((sum, r) => sum + Number(r.answers), 0);
    const teams = Number(
      (
        await db
          .selectFrom('teams')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    const areaRow = await db.selectFrom('areas').select(['id', 'name', 'slug']).where('slug', '=', 'bench-area-001').executeTakeFirstOrThrow();

    // A reviewer of ten areas (600 teams): their pages read their teams' answers, not the national tallies.
    const regionAreas = (await db.selectFrom('areas').select('id').where('slug', 'like', 'bench-area-%').orderBy('id').limit(10).execute()).map((a) => a.id);
    const regionReviewer: CurrentUser = { ...admin, isAdmin: false, reviewerAreaIds: regionAreas };
    // The page's query string and the reference's condition on responses `r` for each filter (as an administrator,
    // unless a user is given).
    const filters: { name: string; filter: AggregateFilter; params: Record<string, string>; condition: string; user?: CurrentUser }[] = [
      { name: 'all teams', filter: { areaId: null, teamType: null, includeInProgress: false }, params: {}, condition: `r.status = 'submitted'` },
      {
        name: 'all teams, in progress too',
        filter: { areaId: null, teamType: null, includeInProgress: true },
        params: { includeInProgress: 'true' },
        condition: `r.status in ('submitted', 'in_progress', 'returned')`,
      },
      {
        name: 'one team type (duty)',
        filter: { areaId: null, teamType: 'duty-initial-assessment', includeInProgress: false },
        params: { teamType: 'duty-initial-assessment' },
        condition: `r.status = 'submitted' and r.team_id in (select id from teams where team_type = 'duty-initial-assessment')`,
      },
      {
        name: 'a reviewer of 10 areas',
        filter: { areaId: null, teamType: null, includeInProgress: false },
        params: {},
        condition: `r.status = 'submitted' and r.team_id in (select id from teams where area_id in (${regionAreas.join(', ')}))`,
        user: regionReviewer,
      },
      {
        name: `one area (${areaRow.name})`,
        filter: { areaId: areaRow.id, teamType: null, includeInProgress: false },
        params: { area: areaRow.slug },
        condition: `r.status = 'submitted' and r.team_id in (select id from teams where area_id = ${Number(areaRow.id)})`,
      },
    ];
    const scopeFor = async (roundId: number, filter: AggregateFilter) => (await loadScope(db, admin, roundId, filter)) as Scope;
    const base = await scopeFor(phase2.id, filters[0].filter);
    const topics = roundTopics(base);
    const topicRows = new Map(
      (await sql<{ topic: string; n: string }>`select topic, count(*) as n from answers where round_id = ${phase2.id} group by topic`.execute(db)).rows.map(
        (r) => [r.topic, Number(r.n)],
      ),
    );

    const loadBefore = os.loadavg();
    const timings: Timing[] = [];
    const measure = async (label: string, filter: string, rows: number, mine: () => Promise<unknown>, reference: () => Promise<unknown>) => {
      await mine();
      await reference(); // warm-up: plans, caches
      const entry: Timing = { label, filter, rows, stocktake: [], reference: [] };
      for (let i = 0; i < options.runs; i++) {
        // Alternate the order so neither side always runs on a warmer cache.
        if (i % 2) {
          entry.reference.push(await time(reference));
          entry.stocktake.push(await time(mine));
        } else {
          entry.stocktake.push(await time(mine));
          entry.reference.push(await time(reference));
        }
      }
      timings.push(entry);
      log(
        `  ${label.padEnd(40)} ${filter.padEnd(22)} Stocktake ${median(entry.stocktake).toFixed(0).padStart(5)} ms   reference ${median(entry.reference).toFixed(0).padStart(5)} ms`,
      );
    };

    log(`Timing ${topics.length} topic pages and the start page of "${phase2.name}" (${options.runs} runs each, median)…`);
    await measure(
      'Start page (headline figures)',
      filters[0].name,
      topicRows.get('staffing-vacancies')! + topicRows.get('caseloads')! + topicRows.get('referrals-activity')! + topicRows.get('thresholds')!,
      async () => {
        const loaded = (await insightsRequest(db, admin, phase2.id, new URLSearchParams(), undefined, { compare: false }))!;
        return roundInsights(db, loaded.scope, { reference: REFERENCE_CASELOAD });
      },
      () => referenceInsights(client, { roundId: phase2.id, reference: REFERENCE_CASELOAD }),
    );
    // The printable team report: one team's answers with the round's median beside each number.
    const reported = base.responses[Math.floor(base.responses.length / 2)];
    const numericRows = Number(
      (await sql<{ n: string }>`select count(*) as n from answers where round_id = ${phase2.id} and value_type = 'numeric'`.execute(db)).rows[0].n,
    );
    await measure(
      'Team report (printable)',
      filters[0].name,
      numericRows,
      () => teamReport(db, admin, reported.responseId),
      async () => {
        await client.unsafe(
          `select question, row_key, column_key, value_type, value_numeric, value_text, value_choice from answers where response_id = $1 order by id`,
          [reported.responseId],
        );
        await client.unsafe(
          `select a.question, a.row_key, a.column_key, percentile_cont(0.5) within group (order by a.value_numeric), count(*)
           from answers a join responses r on r.id = a.response_id
           where a.round_id = $1 and a.value_type = 'numeric' and r.status = 'submitted'
           group by a.question, a.row_key, a.column_key`,
          [phase2.id],
        );
      },
    );
    for (const { name, params: query, condition, user } of filters) {
      for (const topic of topics) {
        if (name !== filters[0].name && !['referrals-activity', 'caseloads', 'thresholds'].includes(topic.id)) continue;
        await measure(
          `Topic: ${topic.title}`,
          name,
          topicRows.get(topic.id) ?? 0,
          async () => {
            // As the topic page's loader does it: parameters → scope (and the earlier round's, for thresholds) → figures.
            const params = new URLSearchParams(query);
            const loaded = (await insightsRequest(db, user ?? admin, phase2.id, params, undefined, { compare: topic.id === 'thresholds' }))!;
            return topicPage(db, loaded.scope, topic.id, { reference: REFERENCE_CASELOAD, compare: loaded.compare });
          },
          () =>
            name === filters[0].name
              ? referenceTopicPage(client, {
                  roundId: phase2.id,
                  versionId: phase2.questionnaire_version_id,
                  earlierRoundId: phase1.id,
                  topic: topic.id,
                  reference: REFERENCE_CASELOAD,
                })
              : referenceFiltered(client, phase2.id, phase1.id, phase2.questionnaire_version_id, topic.id, condition),
        );
      }
    }

    const serverVersion = (await sql<{ v: string }>`select split_part(version(), ',', 1) as v`.execute(db)).rows[0].v;
    const load = { before: loadBefore, after: os.loadavg() };
    const report = renderReport({ timings, teams, totalAnswers, runs: options.runs, serverVersion, rounds: rounds.length, load, command: options.command });
    if (options.write) {
      writeSection(path.resolve('docs/benchmarks.md'), 'figures', report);
      log('Wrote the figures section of docs/benchmarks.md');
    } else {
      console.log(report);
    }
  } finally {
    await client.end();
  }
}

/**
 * The reference for a filtered page (one area, one team type, in-progress responses too): the same statements with
 * the filter's condition on the responses joined (`condition`, on alias r).
 */
async function referenceFiltered(client: postgres.Sql, roundId: number, earlierRoundId: number, versionId: number, topic: string, condition: string) {
  await client.unsafe(`select r.id, t.name from responses r join teams t on t.id = r.team_id where r.round_id = $1 and ${condition}`, [roundId]);
  await client.unsafe(
    `select a.question, a.row_key, a.column_key, count(*), sum(a.value_numeric), avg(a.value_numeric), min(a.value_numeric), max(a.value_numeric),
       percentile_cont(array[0.25, 0.5, 0.75]) within group (order by a.value_numeric)
     from answers a join responses r on r.id = a.response_id
     where a.round_id = $1 and a.topic = $2 and a.value_type = 'numeric' and ${condition}
     group by a.question, a.row_key, a.column_key`,
    [roundId, topic],
  );
  await client.unsafe(
    `select a.question, t.area_id, t.team_type, count(*), percentile_cont(array[0.25, 0.5, 0.75]) within group (order by a.value_numeric)
     from answers a join responses r on r.id = a.response_id join teams t on t.id = a.team_id
     where a.round_id = $1 and a.topic = $2 and a.value_type = 'numeric' and a.row_key = '' and a.column_key = '' and ${condition}
     group by grouping sets ((a.question, t.area_id), (a.question, t.team_type))`,
    [roundId, topic],
  );
  await client.unsafe(
    `select a.question, a.team_id, a.value_numeric from answers a join responses r on r.id = a.response_id
     where a.round_id = $1 and a.topic = $2 and a.value_type = 'numeric' and a.row_key = '' and a.column_key = '' and ${condition}`,
    [roundId, topic],
  );
  await client.unsafe(
    `select a.question, a.row_key, a.column_key, coalesce(a.value_choice, a.value_numeric::text), count(*), count(distinct a.response_id)
     from answers a join responses r on r.id = a.response_id
     where a.round_id = $1 and a.topic = $2 and ${condition}
       and (a.value_type = 'choice' or (a.value_type = 'numeric' and a.question in (select name from version_questions where version_id = $3 and type = 'rating')))
     group by grouping sets ((a.question, a.row_key, a.column_key, coalesce(a.value_choice, a.value_numeric::text)), (a.question, a.row_key, a.column_key))`,
    [roundId, topic, versionId],
  );
  await client.unsafe(
    `select * from (select a.question, t.name, a.value_text, row_number() over (partition by a.question, a.row_key, a.column_key order by t.name) as position
       from answers a join responses r on r.id = a.response_id join teams t on t.id = a.team_id
       where a.round_id = $1 and a.topic = $2 and a.value_type = 'text' and ${condition}) x where position <= 100`,
    [roundId, topic],
  );
  if (topic === 'referrals-activity') {
    await client.unsafe(
      `select t.area_id, a.team_id, a.row_key, a.column_key, sum(a.value_numeric)
       from answers a join responses r on r.id = a.response_id join teams t on t.id = a.team_id
       where a.round_id = $1 and a.topic = $2 and a.question = 'referrals_monthly' and a.value_type = 'numeric' and ${condition}
       group by grouping sets ((t.area_id, a.row_key, a.column_key), (a.team_id, a.row_key, a.column_key))`,
      [roundId, topic],
    );
  }
  if (topic === 'thresholds') {
    await client.unsafe(
      `select t.team_type, a.value_numeric, count(*) from answers a join responses r on r.id = a.response_id join teams t on t.id = a.team_id
       where a.round_id = $1 and a.question = 'threshold_change' and ${condition}
       group by grouping sets ((a.value_numeric), (t.area_id, a.value_numeric), (t.team_type, a.value_numeric))`,
      [roundId],
    );
    await client.unsafe(
      `select a.team_id, a.value_numeric, d.value_text from answers a join responses r on r.id = a.response_id
       left join answers d on d.response_id = a.response_id and d.question = 'threshold_change_detail'
       where a.round_id = $1 and a.question = 'threshold_change' and a.value_numeric <> 0 and ${condition}
       order by abs(a.value_numeric) desc limit 20`,
      [roundId],
    );
    await client.unsafe(
      `select y.team_id, x.value_numeric, y.value_numeric from answers y join responses r on r.id = y.response_id
       join answers x on x.team_id = y.team_id and x.round_id = $2 and x.question = 'threshold_change'
       where y.round_id = $1 and y.question = 'threshold_change' and ${condition}`,
      [roundId, earlierRoundId],
    );
  }
  if (topic === 'caseloads') {
    await client.unsafe(
      `select a.team_id, max(a.value_numeric) filter (where a.question = 'average_caseload'), max(a.value_numeric) filter (where a.question = 'highest_caseload'),
         max(a.value_numeric) filter (where a.question = 'vacant_fte'), max(a.value_numeric) filter (where a.question = 'establishment_fte')
       from answers a join responses r on r.id = a.response_id
       where a.round_id = $1 and ${condition} and a.question in ('establishment_fte', 'filled_permanent_fte', 'filled_agency_fte', 'vacant_fte',
         'case_holding_workers', 'average_caseload', 'highest_caseload', 'nqsw_count', 'nqsw_average_caseload', 'nqsw_caseload_protected')
       group by a.team_id`,
      [roundId],
    );
  }
}

function renderReport(input: {
  timings: Timing[];
  teams: number;
  totalAnswers: number;
  runs: number;
  serverVersion: string;
  rounds: number;
  load: { before: number[]; after: number[] };
  command: string;
}) {
  const { timings } = input;
  const rows = timings.map((t) => {
    const mine = median(t.stocktake);
    const ref = median(t.reference);
    const ratio = mine / ref;
    const ok = mine <= BUDGET_MS && ratio <= MAX_RATIO;
    return `| ${t.label} | ${t.filter} | ${t.rows.toLocaleString('en-GB')} | ${mine.toFixed(0)} | ${ref.toFixed(0)} | ${ratio.toFixed(2)} | ${met(ok)} |`;
  });
  const worst = Math.max(...timings.map((t) => median(t.stocktake)));
  const missed = timings.filter((t) => median(t.stocktake) > BUDGET_MS || median(t.stocktake) / median(t.reference) > MAX_RATIO);
  const worstRatio = Math.max(...timings.map((t) => median(t.stocktake) / median(t.reference)));
  return `## Aggregation figures

${machineLine(input.serverVersion, input.load)} (The benchmark itself keeps up to two cores busy.)

Reproduce: \`${input.command}\`.

### The data

National scale, generated by \`bench/generate.ts\` into the benchmark database (\`BENCH_DATABASE_URL\`):
${input.teams.toLocaleString('en-GB')} teams in 150 areas, ${input.rounds} rounds of the full team self-assessment (Phase 1 on version 1,
Phases 2 and 3 on version 2; answers from the demo generator, so their shapes and spreads are those of real
returns), ${input.totalAnswers.toLocaleString('en-GB')} answer rows. Phase 2, the round timed below, has about 95% of its
responses submitted.

### What is timed

- **Stocktake**: what a page's loader runs: \`insightsRequest\` (the parameters, the round, the caller's teams, the
  filter, and for thresholds the earlier round's) and the page's figures (\`topicPage\` or \`roundInsights\` from
  \`app/models/aggregation.server.ts\`), as an administrator (every team), through Kysely and the app's connection
  pool (10 connections).
- **Reference**: plain hand-written SQL for the same figures (\`bench/reference.ts\`): answers joined to responses for
  the status and to teams for areas and types, statement by statement on one postgres.js connection.
- Each pair runs once to warm up, then ${input.runs} times alternately; the table shows medians in milliseconds.
- "Rows" is the answer rows of the topic in the round (before the status, area and team-type filters); for the team
  report, the round's numeric answers (the medians are taken over all of them).
- The target: each page within ${MAX_RATIO} × the reference and under ${BUDGET_MS} ms.

| page | filter | rows | Stocktake (ms) | reference (ms) | ratio | target: ≤ ${MAX_RATIO} × the reference and < ${BUDGET_MS} ms |
|---|---|---:|---:|---:|---:|---|
${rows.join('\n')}

Slowest page: ${worst.toFixed(0)} ms; largest ratio to the reference: ${worstRatio.toFixed(2)}.

### Where the target is missed

${
  missed.length
    ? `${missed.length} of ${timings.length} pages miss it in this run: ${missed.map((t) => `${t.label.replace('Topic: ', '')} (${t.filter}, ${median(t.stocktake).toFixed(0)} ms, ${(median(t.stocktake) / median(t.reference)).toFixed(2)} × the reference)`).join('; ')}.

A page over the target is worth a second run (\`npm run bench\`): on this shared machine a run can be 20–50% slower
than the one before. If it stays over, see docs/aggregation.md ("Performance") for where each page's time goes.`
    : `None: every page is under ${BUDGET_MS} ms and within ${MAX_RATIO} × the reference.`
}

### Why it is fast

See docs/aggregation.md ("Performance") and docs/decisions/006-answer-tallies.md. In short:
- **Answer tallies.** National scopes (every team of the round, or every team of one type, with or without the
  responses in progress) take their numeric figures from \`answer_tallies\`: how many responses of each status and
  team type gave each value to each numeric answer. These are kept exact in the same transaction as every save and
  status change. The monthly activity table's 800,000 answers a round become about 2,500 value counts, from which
  the cell figures (n, sum, mean, quartiles, extremes), the activity sums and the figures by team type are computed
  exactly.
- **Staffing rows.** Each response's ten staffing and caseload answers are kept side by side in
  \`response_staffing\`, so the staffing figures that pair a team's answers (vacancy rate, worker-weighted caseload)
  read 9,000 narrow rows instead of pivoting 80,000 answers.
- **Choices** are counted straight from the choice index in its order. Only questions where one response can pick
  several choices count distinct responses.
- **Other figures** (areas, written answers, one area's pages) come from partial covering indexes in the order the
  figures are grouped (migration \`20261126_000100_aggregation_indexes\`), read as index-only scans. The scope is
  applied as a constant list of response ids that PostgreSQL hashes. A small scope (one area of many) loads only its
  own responses and reads their answers response by response.
- The queries of a page run side by side on the pool, and just-in-time compilation is off for them.

### Caveats

- Timings on a shared 2-core machine move by 20–50% from run to run when other work is running (see the load
  average above); the medians of several runs are reported, and \`npm run bench\` can be repeated at any time
  (\`--runs N\`; \`--no-write\` prints without rewriting this file; \`--regenerate\` makes the data again).
- The reference runs with JIT off too (a server setting, not part of the SQL); with PostgreSQL's default JIT each of
  its large statements would take 100–200 ms longer.
- Per-area activity series and number figures are drawn for up to 20 areas, per-team figures for up to 150 teams,
  so the national "all teams" pages show national figures and per-area tables (not 150 area charts or 9,000 team
  charts); the one-area rows show those breakdowns being computed.
`;
}
