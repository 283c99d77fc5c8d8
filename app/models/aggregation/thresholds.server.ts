import { sql } from 'kysely';
import { TEAM_LIST_LIMIT } from './figures';
import type { Executor } from '../../../db/index';
import { TEAM_TYPE_LABELS, type TeamType } from '../../../db/schema';
import type { CatalogueQuestion } from '../catalogue.server';
import { sameQuestionIn } from './lineage.server';
import { compareNames, inScope, runAggregate, scopedAnswers, teamsById, type Scope } from './scope.server';

/**
 * Thresholds: the rating of how the level of concern at which a team acts has changed (the question with role
 * threshold-change, e.g. from "much lower" −2 to "much higher" +2), by area and team type; the teams reporting the
 * largest changes with their explanations (role threshold-explanation); and, between two phases, the teams whose
 * rating changed.
 */

/** Teams listed under "largest changes". */
export const LARGEST_CHANGES_LIMIT = 20;
/** Teams listed under "changed between phases" (the largest changes first), in a scope of TEAM_LIST_LIMIT teams or fewer. */
export const CHANGES_LIMIT = 200;
/** The same in a wider scope (a reviewer of many areas, the whole authority): `changed` counts them all, an area lists them. */
export const WIDE_CHANGES_LIMIT = 50;

export type RatingDistribution = { key: string; label: string; n: number; counts: number[] };

export type ThresholdFigures = {
  question: { name: string; title: string };
  choices: { value: string; text: string }[];
  overall: RatingDistribution;
  byArea: RatingDistribution[];
  byTeamType: RatingDistribution[];
  /** Teams whose rating is furthest from "no change", with their explanation. */
  largest: { teamId: number; teamName: string; areaName: string; teamType: TeamType; value: number; label: string; explanation: string | null }[];
  /** How many teams reported any change (a rating other than 0). */
  changed: number;
  comparison: null | {
    round: { id: number; name: string };
    /** Teams with a rating in both rounds. */
    compared: number;
    /** Of those, the teams whose rating changed (changes lists the largest of them). */
    changed: number;
    changes: { teamId: number; teamName: string; areaName: string; before: number; after: number; beforeLabel: string; afterLabel: string }[];
  };
};

/** The thresholds rating question of a version, if it declares one (role threshold-change: a numeric rating). */
export function thresholdQuestion(scope: Pick<Scope, 'version'>): CatalogueQuestion | null {
  const q = scope.version.roles.get('threshold-change');
  return q && q.valueType === 'numeric' && q.detail.choices?.length ? q : null;
}

/** The written explanation that goes with the rating (role threshold-explanation), if the version declares one. */
function explanationQuestion(scope: Pick<Scope, 'version'>): CatalogueQuestion | null {
  const q = scope.version.roles.get('threshold-explanation');
  return q && q.valueType === 'text' ? q : null;
}

/** The figures; with `headline`, only the overall distribution (the start page's card). */
export async function thresholdFigures(
  db: Executor,
  scope: Scope,
  compare: Scope | null = null,
  options: { headline?: boolean } = {},
): Promise<ThresholdFigures | null> {
  const question = thresholdQuestion(scope);
  if (!question) return null;
  const choices = question.detail.choices!;
  const label = (value: number) => choices.find((c) => Number(c.value) === value)?.text ?? String(value);
  const explanation = explanationQuestion(scope);
  const [distribution, largest, comparison] = await Promise.all([
    runAggregate(
      db,
      sql<{ area_id: number | null; team_type: TeamType | null; whole: number; value: number; n: number }>`
      select ${options.headline ? sql`null::int as area_id, null::text as team_type, 3` : sql`t.area_id, t.team_type, grouping(t.area_id, t.team_type)`} as whole,
        a.value_numeric as value, count(*)::int as n
      from ${scopedAnswers(scope, 'a', [question.name])}
      join teams t on t.id = a.team_id
      where a.round_id = ${scope.round.id} and a.topic = ${question.topic} and a.question = ${question.name}
        and a.row_key = '' and a.value_type = 'numeric' and ${inScope(scope)}
      group by grouping sets ((a.value_numeric)${options.headline ? sql`` : sql`, (t.area_id, a.value_numeric), (t.team_type, a.value_numeric)`})`,
    ),
    // The 20 largest first, then their explanations (20 lookups, not one per team that reported a change).
    options.headline
      ? Promise.resolve({ rows: [] as { team_id: number; value: number; explanation: string | null; changed: number }[] })
      : runAggregate(
          db,
          sql<{ team_id: number; value: number; explanation: string | null; changed: number }>`
      select l.team_id, l.value, d.value_text as explanation, l.changed
      from (
        select a.team_id, a.response_id, a.value_numeric as value, count(*) over ()::int as changed,
          row_number() over (order by abs(a.value_numeric) desc, a.value_numeric, t.name, t.id) as position
        from ${scopedAnswers(scope, 'a', [question.name])}
        join teams t on t.id = a.team_id
        where a.round_id = ${scope.round.id} and a.topic = ${question.topic} and a.question = ${question.name}
          and a.row_key = '' and a.value_type = 'numeric' and a.value_numeric <> 0 and ${inScope(scope)}
        order by position
        limit ${LARGEST_CHANGES_LIMIT}
      ) l
      left join answers d on d.response_id = l.response_id and d.question = ${explanation?.name ?? ''} and d.row_key = '' and d.column_key = ''
      order by l.position`,
        ),
    compare ? phaseChanges(db, compare, scope, question) : Promise.resolve(null),
  ]);
  const rows = distribution.rows.map((r) => ({ ...r, whole: Number(r.whole), value: Number(r.value), n: Number(r.n) }));
  const distributionOf = (key: string, label: string, filter: (r: (typeof rows)[number]) => boolean): RatingDistribution => {
    const mine = rows.filter(filter);
    const counts = choices.map((c) => mine.find((r) => r.value === Number(c.value))?.n ?? 0);
    return { key, label, n: counts.reduce((a, b) => a + b, 0), counts };
  };
  // grouping(area, type) is 3 for the overall set, 1 for the area set (type not grouped), 2 for the type set.
  const overall = distributionOf('all', 'All teams in scope', (r) => r.whole === 3);
  const areaNames = new Map(scope.responses.map((r) => [r.areaId, r.areaName]));
  const byArea = [...new Set(rows.filter((r) => r.whole === 1).map((r) => r.area_id!))]
    .map((id) => distributionOf(String(id), areaNames.get(id) ?? String(id), (r) => r.whole === 1 && r.area_id === id))
    .sort((a, b) => compareNames(a.label, b.label));
  const byTeamType = [...new Set(rows.filter((r) => r.whole === 2).map((r) => r.team_type!))]
    .map((type) => distributionOf(type, TEAM_TYPE_LABELS[type], (r) => r.whole === 2 && r.team_type === type))
    .sort((a, b) => compareNames(a.label, b.label));
  const teams = teamsById(scope);
  const largestRows = largest.rows.map((r) => {
    const team = teams.get(r.team_id)!;
    const value = Number(r.value);
    return {
      teamId: r.team_id,
      teamName: team.teamName,
      areaName: team.areaName,
      teamType: team.teamType,
      value,
      label: label(value),
      explanation: r.explanation,
    };
  });
  return {
    question: { name: question.name, title: question.title },
    choices,
    overall,
    byArea,
    byTeamType,
    largest: largestRows,
    changed: options.headline
      ? overall.counts.reduce((n, count, i) => (Number(choices[i].value) !== 0 ? n + count : n), 0)
      : Number(largest.rows[0]?.changed ?? 0),
    comparison,
  };
}

/** Teams whose rating differs between an earlier round (`before`) and this one (`after`). */
async function phaseChanges(db: Executor, before: Scope, after: Scope, question: CatalogueQuestion): Promise<ThresholdFigures['comparison']> {
  // The earlier round's question with the same role; else the same question through the versions' mappings.
  const earlierName = before.version.roles.get('threshold-change')?.name ?? (await sameQuestionIn(db, after.version.id, question.name, before.version.id));
  if (!earlierName || before.version.slug !== after.version.slug) return null;
  // Each round's ratings are read once (materialised), then paired by team: joining the two reads directly could
  // run one side again for every row of the other.
  const result = await runAggregate(
    db,
    sql<{ team_id: number; before: number; after: number; compared: number; changed: number }>`
    with later as materialized (
      select y.team_id, y.value_numeric as value
      from ${scopedAnswers(after, 'y', [question.name])}
      where y.round_id = ${after.round.id} and y.topic = ${question.topic} and y.question = ${question.name} and y.row_key = '' and y.column_key = ''
        and y.value_type = 'numeric' and ${inScope(after, sql.ref('y.response_id'))}
    ),
    earlier as materialized (
      select x.team_id, x.value_numeric as value
      from ${scopedAnswers(before, 'x', [earlierName])}
      where x.round_id = ${before.round.id} and x.topic = ${before.version.catalogue.get(earlierName)?.topic ?? question.topic} and x.question = ${earlierName}
        and x.row_key = '' and x.column_key = '' and x.value_type = 'numeric' and ${inScope(before, sql.ref('x.response_id'))}
    )
    select team_id, before, after, compared, changed from (
      select l.team_id, e.value as before, l.value as after, count(*) over ()::int as compared,
        count(*) filter (where e.value <> l.value) over ()::int as changed
      from later l
      join earlier e on e.team_id = l.team_id
    ) paired -- changed teams first; "compared" counts every pair, changed or not
    order by abs(after - before) desc, team_id
    limit ${after.responses.length <= TEAM_LIST_LIMIT ? CHANGES_LIMIT : WIDE_CHANGES_LIMIT}`,
  );
  const choices = question.detail.choices ?? [];
  const label = (value: number) => choices.find((c) => Number(c.value) === value)?.text ?? String(value);
  const teams = teamsById(after);
  const changes = result.rows
    .map((r) => ({ ...r, before: Number(r.before), after: Number(r.after) }))
    .filter((r) => r.before !== r.after)
    .map((r) => {
      const team = teams.get(r.team_id)!;
      return {
        teamId: r.team_id,
        teamName: team.teamName,
        areaName: team.areaName,
        before: r.before,
        after: r.after,
        beforeLabel: label(r.before),
        afterLabel: label(r.after),
      };
    })
    .sort(
      (a, b) => Math.abs(b.after - b.before) - Math.abs(a.after - a.before) || compareNames(a.areaName, b.areaName) || compareNames(a.teamName, b.teamName),
    );
  return {
    round: { id: before.round.id, name: before.round.name },
    compared: Number(result.rows[0]?.compared ?? 0),
    changed: Number(result.rows[0]?.changed ?? 0),
    changes,
  };
}
