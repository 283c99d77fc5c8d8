/**
 * Benchmark data at national scale: 9,000 teams in 150 areas, three rounds of the full team self-assessment
 * (Phase 1 on version 1, Phases 2 and 3 on version 2), about five million answer rows.
 *
 * Answers come from the demo generator (db/seed/answers.ts) so their shapes and spreads are those of real returns,
 * flattened by the app's own answerCells(). Rows go in with COPY (postgres.js), the fastest bulk path PostgreSQL
 * has, streamed so memory stays flat.
 */
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { Sql } from 'postgres';
import { sql } from 'kysely';
import type { Executor } from '../db/index';
import { TEAM_TYPES, type TeamType } from '../db/schema';
import { answerCells } from '../app/models/answers.server';
import { recountTallies } from '../app/models/tallies.server';
import { recountResponseStaffing } from '../app/models/aggregation/staffing.server';
import { getQuestionnaireVersion } from '../app/models/questionnaires.server';
import { createRng, generateMiniJar, generateSelfAssessmentV1, type DemoTeam } from '../db/seed/answers';

export const BENCH_AREAS = 150;
export const BENCH_TEAMS = 9000;
export const BENCH_ROUNDS = ['Bench Phase 1', 'Bench Phase 2', 'Bench Phase 3'] as const;
/** A mini-JAR matrix round for every team, for the heatmap (added to data made before it existed: ensureBenchMiniJar). */
export const BENCH_MINI_JAR_ROUND = 'Bench mini-JAR matrix';

type Progress = (line: string) => void;

/** Team types in roughly the national mix. */
const TYPE_WEIGHTS: [TeamType, number][] = [
  ['duty-initial-assessment', 30],
  ['long-term-child-protection', 30],
  ['looked-after-children', 25],
  ['disability', 10],
  ['other', 5],
];

function teamTypeFor(index: number): TeamType {
  const slot = (index * 37) % 100; // spread the types evenly through every area
  let acc = 0;
  for (const [type, weight] of TYPE_WEIGHTS) {
    acc += weight;
    if (slot < acc) return type;
  }
  return TEAM_TYPES[0];
}

/** Version 1 answers moved onto version 2, following its mapping, with the new questions answered. */
function toVersion2(v1: Record<string, unknown>, rng: () => number, phase: number): Record<string, unknown> {
  const a: Record<string, unknown> = { ...v1 };
  const rename = (from: string, to: string) => {
    if (from in a) a[to] = a[from];
    delete a[from];
  };
  rename('senior_practitioners', 'senior_practitioner_fte');
  rename('hard_copy_files', 'paper_records_kept');
  rename('hard_copy_reason', 'paper_records_detail');
  for (const removed of ['leavers_12_months', 'admin_ics_entry', 'completed_on', 'accuracy_confirmed']) delete a[removed];
  if (!('referrals_monthly' in a)) return a; // a partial return stops before the later pages
  const table = { ...(a.referrals_monthly as Record<string, Record<string, number>>) };
  const december = table['2008-12'];
  for (const month of ['2009-01', '2009-02']) {
    table[month] = Object.fromEntries(Object.entries(december).map(([k, v]) => [k, Math.max(0, Math.round(v * (0.9 + rng() * 0.15)))]));
  }
  a.referrals_monthly = table;
  if (!('declaration_confirmed' in v1) && !('completed_by_name' in v1)) return a;
  const pick = <T>(items: T[]) => items[Math.floor(rng() * items.length)];
  const cp = Number(a.cp_plan_cases ?? 0);
  const changes = [
    'No change.',
    'One more agency worker since Phase 1.',
    'Referrals stayed high in January.',
    'Supervision now fortnightly for newly qualified staff.',
  ];
  for (const q of [
    'team_profile',
    'caseloads',
    'referrals_activity',
    'thresholds',
    'cp_plans',
    'timeliness',
    'supervision',
    'training',
    'recording_ics',
    'plo',
    'interagency',
    'priorities',
    'urgent_actions',
  ]) {
    a[`changes_${q}`] = pick(changes);
  }
  a.neglect_threshold_clarity = 1 + Math.floor(rng() * 5);
  if (rng() < 0.5) a.neglect_threshold_detail = 'Schools refer poor home conditions without saying how the child is affected.';
  a.cin_threshold_approach = 'Reviewed at the six-month child in need review; closed or stepped down through a CAF.';
  a.cin_step_down_route = pick(['agreed_used', 'agreed_not_used', 'informal', 'none']);
  a.cp_plans_neglect = Math.floor(cp * (0.3 + rng() * 0.3));
  a.cp_plans_repeat = Math.floor(cp * rng() * 0.15);
  a.cp_plans_over_two_years = Math.floor(cp * rng() * 0.1);
  a.cp_rise_reasons = ['more_referrals', 'more_caution', 'partner_caution', 'more_neglect'].filter(() => rng() < 0.5);
  if (!(a.cp_rise_reasons as string[]).length) a.cp_rise_reasons = ['more_referrals'];
  a.cp_rise_explanation = 'More cases reach conference since December, and conferences are slower to end plans.';
  a.admin_ics_entry_status = pick(['in_place', 'partly', 'training', 'not_started']);
  const quality = ['good', 'adequate', 'poor', 'none'];
  a.partner_referral_quality = Object.fromEntries(
    ['police', 'health_visitors', 'gps', 'hospitals', 'schools', 'early_years', 'adult_services', 'housing'].map((r) => [r, pick(quality)]),
  );
  a.written_confirmation_pct = Math.round(50 + rng() * 45);
  const freq = ['always', 'usually', 'sometimes', 'rarely'];
  a.conference_contribution = Object.fromEntries(['police', 'health_visitors', 'gps', 'schools'].map((r) => [r, pick(freq)]));
  a.referral_process_issues = 'Telephone referrals are not always confirmed in writing.';
  a.interagency_concerns ??= 'None beyond those above.';
  a.declaration_date = phase === 2 ? '2009-03-06' : '2009-06-05';
  a.declaration_confirmed = true;
  return a;
}

/** COPY text format: backslash, tab, newline and carriage return escaped; \N for null. */
function copyField(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  return String(value).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}
const copyLine = (fields: unknown[]) => fields.map(copyField).join('\t') + '\n';

export async function benchDataPresent(db: Executor): Promise<boolean> {
  const rounds = await db
    .selectFrom('rounds')
    .select('id')
    .where('name', 'in', [...BENCH_ROUNDS])
    .execute();
  if (rounds.length !== BENCH_ROUNDS.length) return false;
  const teams = await db
    .selectFrom('teams')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(teams.n) === BENCH_TEAMS;
}

/** Creates areas, teams, rounds, responses and answers. The database must be freshly migrated and published. */
export async function generateBenchData(db: Executor, client: Sql, progress: Progress): Promise<void> {
  const started = Date.now();
  const versions = await db
    .selectFrom('questionnaire_versions as v')
    .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
    .select(['v.id', 'v.version'])
    .where('q.slug', '=', 'team-self-assessment')
    .orderBy('v.version')
    .execute();
  const v1 = versions.find((v) => v.version === 1);
  const v2 = versions.find((v) => v.version === 2);
  if (!v1 || !v2) throw new Error('The team self-assessment versions 1 and 2 must be published first');

  progress(`areas and teams: ${BENCH_AREAS} areas, ${BENCH_TEAMS} teams`);
  await sql`insert into areas (slug, name)
    select 'bench-area-' || lpad(i::text, 3, '0'), 'Area ' || lpad(i::text, 3, '0') from generate_series(1, ${BENCH_AREAS}) i`.execute(db);
  const areaRows = await db.selectFrom('areas').select(['id', 'name']).orderBy('id').execute();
  const teams: { slug: string; name: string; areaId: number; areaName: string; type: TeamType }[] = [];
  for (let i = 0; i < BENCH_TEAMS; i++) {
    const area = areaRows[i % BENCH_AREAS];
    const type = teamTypeFor(i);
    teams.push({ slug: `bench-team-${i + 1}`, name: `Team ${String(i + 1).padStart(4, '0')}`, areaId: area.id, areaName: area.name, type });
  }
  for (let i = 0; i < teams.length; i += 3000) {
    await db
      .insertInto('teams')
      .values(teams.slice(i, i + 3000).map((t) => ({ slug: t.slug, name: t.name, area_id: t.areaId, team_type: t.type })))
      .execute();
  }
  const teamIds = (await db.selectFrom('teams').select(['id', 'slug']).execute()).reduce((m, t) => m.set(t.slug, t.id), new Map<string, number>());

  const roundIds: number[] = [];
  for (const [index, name] of BENCH_ROUNDS.entries()) {
    const row = await db
      .insertInto('rounds')
      .values({
        name,
        questionnaire_version_id: index === 0 ? v1.id : v2.id,
        due_date: ['2009-01-30', '2009-03-13', '2009-06-12'][index],
        status: index < 2 ? 'closed' : 'open',
        follows_round_id: index === 0 ? null : roundIds[index - 1],
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    roundIds.push(row.id);
  }
  const catalogues = [await getQuestionnaireVersion(db, v1.id), await getQuestionnaireVersion(db, v2.id)];

  // Responses get their ids here so answers can be streamed alongside them.
  const first = await sql<{ n: string }>`select coalesce(max(id), 0) + 1 as n from responses`.execute(db);
  let nextResponseId = Number(first.rows[0].n);
  // Status mix per round: Phase 1 and 2 nearly all submitted, Phase 3 still under way.
  const statusFor = (round: number, r: number) => {
    if (round < 2) return r < 0.95 ? 'submitted' : r < 0.99 ? 'in_progress' : 'not_started';
    return r < 0.6 ? 'submitted' : r < 0.9 ? 'in_progress' : 'not_started';
  };

  // Loading is faster with the answers table's indexes built afterwards (from their own definitions, so they are
  // exactly the migrations' indexes) and without per-row foreign-key checks (the generator makes the keys itself).
  const indexes = await client<{ name: string; definition: string }[]>`
    select indexname as name, indexdef as definition from pg_indexes
    where schemaname = current_schema() and tablename = 'answers' and indexname <> 'answers_pkey'`;
  for (const index of indexes) await client.unsafe(`drop index ${index.name}`);
  const superuser = (await client`select rolsuper from pg_roles where rolname = current_user`)[0]?.rolsuper === true;
  if (superuser) await client`set session_replication_role = replica`;

  let answerCount = 0;
  const rng = createRng(20090212);
  const CHUNK = 500;
  // Chunks of 500 teams: their responses, then their answers (which reference them), each with one COPY. Answers
  // go in response by response, as the app writes them, so the table's physical order is not flattering.
  for (let from = 0; from < teams.length; from += CHUNK) {
    const responseLines: string[] = [];
    const answerLines: string[] = [];
    for (let t = from; t < Math.min(teams.length, from + CHUNK); t++) {
      const team = teams[t];
      const demoTeam: DemoTeam = { slug: team.slug, name: team.name, area: team.areaName, teamType: team.type, index: t };
      for (let round = 0; round < BENCH_ROUNDS.length; round++) {
        const status = statusFor(round, rng());
        const responseId = nextResponseId++;
        let data: Record<string, unknown> = {};
        if (status !== 'not_started') {
          data = generateSelfAssessmentV1(demoTeam, rng, status === 'submitted' ? 'complete' : 'partial');
          if (round > 0) data = toVersion2(data, rng, round + 1);
        }
        const versionId = round === 0 ? v1.id : v2.id;
        const submittedAt = status === 'submitted' ? ['2009-01-29T12:00:00Z', '2009-03-12T12:00:00Z', '2009-06-10T12:00:00Z'][round] : null;
        const teamId = teamIds.get(team.slug);
        responseLines.push(
          copyLine([responseId, roundIds[round], teamId, versionId, status, JSON.stringify(data), status === 'not_started' ? 0 : 1, submittedAt]),
        );
        const catalogue = catalogues[round === 0 ? 0 : 1].catalogue;
        for (const name of Object.keys(data)) {
          const question = catalogue.get(name);
          if (!question) continue;
          for (const c of answerCells(question, data)) {
            answerCount++;
            answerLines.push(
              copyLine([
                responseId,
                roundIds[round],
                teamId,
                c.question,
                c.row_key,
                c.column_key,
                c.topic,
                c.value_type,
                c.value_numeric,
                c.value_text,
                c.value_choice,
              ]),
            );
          }
        }
      }
    }
    const responsesCopy =
      await client`copy responses (id, round_id, team_id, questionnaire_version_id, status, data, revision, submitted_at) from stdin`.writable();
    await pipeline(Readable.from(batched(responseLines)), responsesCopy);
    const answersCopy =
      await client`copy answers (response_id, round_id, team_id, question, row_key, column_key, topic, value_type, value_numeric, value_text, value_choice) from stdin`.writable();
    await pipeline(Readable.from(batched(answerLines)), answersCopy);
    const done = Math.min(teams.length, from + CHUNK);
    progress(
      `  ${done}/${teams.length} teams × ${BENCH_ROUNDS.length} rounds: ${answerCount.toLocaleString('en-GB')} answer rows (${((Date.now() - started) / 1000).toFixed(0)} s)`,
    );
  }
  await client`select setval(pg_get_serial_sequence('responses', 'id'), (select max(id) from responses))`;
  if (superuser) await client`set session_replication_role = origin`;
  for (const index of indexes) {
    progress(`index ${index.name}…`);
    await client.unsafe(index.definition);
  }
  // The COPY went around rewriteAnswers, which keeps the answer tallies and staffing rows: build them from the answers.
  progress('answer tallies and staffing rows…');
  await recountTallies(db);
  await recountResponseStaffing(db);
  progress('vacuum analyze…');
  await client`vacuum analyze answers`;
  await client`vacuum analyze answer_tallies`;
  await client`vacuum analyze response_staffing`;
  await client`analyze responses`;
  await client`analyze teams`;
  progress(`generated in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

/**
 * The mini-JAR matrix round of the benchmark data (the heatmap's): every team, 95% submitted, answers from the demo
 * generator. Added when missing, so data generated before it existed need not be made again.
 */
export async function ensureBenchMiniJar(db: Executor, client: Sql, progress: Progress): Promise<number> {
  const existing = await db.selectFrom('rounds').select('id').where('name', '=', BENCH_MINI_JAR_ROUND).executeTakeFirst();
  if (existing) {
    const filled = await db.selectFrom('responses').select('id').where('round_id', '=', existing.id).limit(1).executeTakeFirst();
    if (filled) return existing.id;
    await db.deleteFrom('rounds').where('id', '=', existing.id).execute(); // left empty by an interrupted run
  }
  const started = Date.now();
  progress(`Adding the benchmark's mini-JAR matrix round (${BENCH_TEAMS.toLocaleString('en-GB')} teams)…`);
  const version = await db
    .selectFrom('questionnaire_versions as v')
    .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
    .select(['v.id'])
    .where('q.slug', '=', 'mini-jar-matrix')
    .orderBy('v.version', 'desc')
    .executeTakeFirstOrThrow();
  const { catalogue } = await getQuestionnaireVersion(db, version.id);
  const teams = await db
    .selectFrom('teams as t')
    .innerJoin('areas as a', 'a.id', 't.area_id')
    .select(['t.id', 't.slug', 't.name', 'a.name as area', 't.team_type'])
    .orderBy('t.id')
    .execute();
  const rng = createRng(20090213);
  const responseLines: string[] = [];
  const answerLines: string[] = [];
  const roundId = await db.transaction().execute(async (trx) => {
    const round = await trx
      .insertInto('rounds')
      .values({ name: BENCH_MINI_JAR_ROUND, questionnaire_version_id: version.id, due_date: '2009-02-13', status: 'closed', follows_round_id: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    const first = await sql<{ n: string }>`select nextval(pg_get_serial_sequence('responses', 'id')) as n`.execute(trx);
    let nextResponseId = Number(first.rows[0].n);
    for (const [index, team] of teams.entries()) {
      const demoTeam: DemoTeam = { slug: team.slug, name: team.name, area: team.area, teamType: team.team_type as TeamType, index };
      const data = generateMiniJar(demoTeam, rng);
      const status = rng() < 0.95 ? 'submitted' : 'in_progress';
      const responseId = nextResponseId++;
      responseLines.push(
        copyLine([responseId, round.id, team.id, version.id, status, JSON.stringify(data), 1, status === 'submitted' ? '2009-02-12T12:00:00Z' : null]),
      );
      for (const name of Object.keys(data)) {
        const question = catalogue.get(name);
        if (!question) continue;
        for (const c of answerCells(question, data)) {
          answerLines.push(
            copyLine([
              responseId,
              round.id,
              team.id,
              c.question,
              c.row_key,
              c.column_key,
              c.topic,
              c.value_type,
              c.value_numeric,
              c.value_text,
              c.value_choice,
            ]),
          );
        }
      }
    }
    await sql`select setval(pg_get_serial_sequence('responses', 'id'), ${nextResponseId})`.execute(trx);
    return round.id;
  });
  await pipeline(
    Readable.from(batched(responseLines)),
    await client`copy responses (id, round_id, team_id, questionnaire_version_id, status, data, revision, submitted_at) from stdin`.writable(),
  );
  await pipeline(
    Readable.from(batched(answerLines)),
    await client`copy answers (response_id, round_id, team_id, question, row_key, column_key, topic, value_type, value_numeric, value_text, value_choice) from stdin`.writable(),
  );
  await recountTallies(db, roundId);
  // Vacuum, not only analyze: the figures read answers index-only, which needs the new pages marked all-visible (as
  // autovacuum does on a live server in time); without it the heatmap read 315,000 heap pages and took 900 ms.
  await client`vacuum analyze answers`;
  await client`analyze responses`;
  progress(`  ${answerLines.length.toLocaleString('en-GB')} answer rows in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return roundId;
}

/** Joins many small lines into ~1 MB chunks: far fewer stream writes. */
function* batched(lines: string[]): Generator<string> {
  let buffer = '';
  for (const line of lines) {
    buffer += line;
    if (buffer.length > 1_000_000) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer) yield buffer;
}
