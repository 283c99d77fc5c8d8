import { sql } from 'kysely';
import type { Executor } from '../../../db/index';
import type { CatalogueQuestion } from '../catalogue.server';
import { sameQuestionIn } from './lineage.server';
import { inScope, runAggregate, scopedAnswers, teamsById, type Scope } from './scope.server';
import type { NumericStats } from './topic.server';

/**
 * Phase comparison: one numeric or rating question answered in two rounds of the same questionnaire (the question
 * found in the other round's version through the mappings), overall and team by team.
 *  - overall: the question's figures in each round over the teams in each round's scope, and the change in mean and
 *    median between them;
 *  - paired: over the teams that answered in both rounds, the mean and median of each team's change, and how many
 *    went up, down or stayed the same.
 */

export const PHASE_TEAM_LIMIT = 300;

export type ComparableQuestion = { name: string; title: string; topic: string; type: string; earlierName: string };

export type PhaseComparison = {
  question: ComparableQuestion;
  earlier: { round: { id: number; name: string }; stats: NumericStats | null };
  later: { round: { id: number; name: string }; stats: NumericStats | null };
  change: { mean: number | null; median: number | null };
  paired: { n: number; meanChange: number | null; medianChange: number | null; up: number; down: number; same: number };
  /** Teams in either round, the largest changes first; teams answering only once come last. */
  teams: { teamId: number; teamName: string; areaName: string; earlier: number | null; later: number | null; change: number | null }[];
  /** How many teams there are in all (the list stops at PHASE_TEAM_LIMIT). */
  teamCount: number;
};

/** Whole numeric and rating questions of the later version that the earlier version also asks (through the mappings). */
export async function comparableQuestions(db: Executor, earlier: Scope, later: Scope): Promise<ComparableQuestion[]> {
  if (earlier.version.slug !== later.version.slug) return [];
  const numeric = [...later.version.catalogue.values()].filter((q: CatalogueQuestion) => q.valueType === 'numeric').sort((a, b) => a.position - b.position);
  const result: ComparableQuestion[] = [];
  for (const q of numeric) {
    const earlierName = await sameQuestionIn(db, later.version.id, q.name, earlier.version.id);
    if (earlierName && earlier.version.catalogue.get(earlierName)?.valueType === 'numeric') {
      result.push({ name: q.name, title: q.title, topic: q.topic, type: q.type, earlierName });
    }
  }
  return result;
}

function statsOf(row: Record<string, unknown> | undefined): NumericStats | null {
  if (!row || !Number(row.n)) return null;
  const [q1, median, q3] = (row.quartiles as number[]).map(Number);
  return { n: Number(row.n), sum: Number(row.sum), mean: Number(row.mean), min: Number(row.min), q1, median, q3, max: Number(row.max) };
}

const topicOf = (scope: Scope, name: string) => scope.version.catalogue.get(name)?.topic ?? '';

export async function phaseComparison(db: Executor, earlier: Scope, later: Scope, question: ComparableQuestion): Promise<PhaseComparison> {
  const side = (scope: Scope, name: string) =>
    sql`(select a.team_id, a.value_numeric as value from ${scopedAnswers(scope)}
        where a.round_id = ${scope.round.id} and a.topic = ${topicOf(scope, name)} and a.question = ${name} and a.row_key = '' and a.column_key = ''
          and a.value_type = 'numeric' and ${inScope(scope)})`;
  const stats = (scope: Scope, name: string) => sql<Record<string, unknown>>`
    select count(*)::int as n, sum(a.value_numeric) as sum, avg(a.value_numeric) as mean, min(a.value_numeric) as min,
      max(a.value_numeric) as max, percentile_cont(array[0.25, 0.5, 0.75]) within group (order by a.value_numeric) as quartiles
    from ${scopedAnswers(scope)}
    where a.round_id = ${scope.round.id} and a.topic = ${topicOf(scope, name)} and a.question = ${name} and a.row_key = '' and a.column_key = ''
      and a.value_type = 'numeric' and ${inScope(scope)}`;
  const [earlierStats, laterStats, paired, teams] = await Promise.all([
    runAggregate(db, stats(earlier, question.earlierName)),
    runAggregate(db, stats(later, question.name)),
    runAggregate(
      db,
      sql<Record<string, unknown>>`
      select count(*)::int as n, avg(l.value - e.value) as mean_change,
        percentile_cont(0.5) within group (order by l.value - e.value) as median_change,
        count(*) filter (where l.value > e.value)::int as up, count(*) filter (where l.value < e.value)::int as down,
        count(*) filter (where l.value = e.value)::int as same
      from ${side(earlier, question.earlierName)} e join ${side(later, question.name)} l on l.team_id = e.team_id`,
    ),
    runAggregate(
      db,
      sql<{ team_id: number; earlier: number | null; later: number | null; total: number }>`
      select coalesce(e.team_id, l.team_id) as team_id, e.value as earlier, l.value as later, count(*) over ()::int as total
      from ${side(earlier, question.earlierName)} e full join ${side(later, question.name)} l on l.team_id = e.team_id
      order by (l.value - e.value is null), abs(l.value - e.value) desc, coalesce(e.team_id, l.team_id)
      limit ${PHASE_TEAM_LIMIT}`,
    ),
  ]);
  const e = statsOf(earlierStats.rows[0]);
  const l = statsOf(laterStats.rows[0]);
  const p = paired.rows[0] ?? {};
  const names = new Map([...teamsById(earlier), ...teamsById(later)]);
  return {
    question,
    earlier: { round: { id: earlier.round.id, name: earlier.round.name }, stats: e },
    later: { round: { id: later.round.id, name: later.round.name }, stats: l },
    change: { mean: e && l ? l.mean - e.mean : null, median: e && l ? l.median - e.median : null },
    paired: {
      n: Number(p.n ?? 0),
      meanChange: p.mean_change === null || p.mean_change === undefined ? null : Number(p.mean_change),
      medianChange: p.median_change === null || p.median_change === undefined ? null : Number(p.median_change),
      up: Number(p.up ?? 0),
      down: Number(p.down ?? 0),
      same: Number(p.same ?? 0),
    },
    teams: teams.rows.map((r) => {
      const team = names.get(r.team_id);
      const before = r.earlier === null ? null : Number(r.earlier);
      const after = r.later === null ? null : Number(r.later);
      return {
        teamId: r.team_id,
        teamName: team?.teamName ?? String(r.team_id),
        areaName: team?.areaName ?? '',
        earlier: before,
        later: after,
        change: before !== null && after !== null ? after - before : null,
      };
    }),
    teamCount: Number(teams.rows[0]?.total ?? 0),
  };
}
