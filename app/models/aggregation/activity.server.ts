import { sql } from 'kysely';
import type { Executor } from '../../../db/index';
import type { CatalogueQuestion } from '../catalogue.server';
import { fitsRole } from '../question-roles';
import type { VersionInfo } from '../questionnaires.server';
import { describeSpikeRule, detectSpikes, jointSpikes, SPIKE_RULE, type JointSpike, type SpikeAssessment } from '../spikes';
import { compareNames, inScope, runAggregate, scopedAnswers, talliesInScope, type Scope } from './scope.server';
import { TEAM_LIST_LIMIT } from './topic.server';

/**
 * Monthly activity: the matrix a questionnaire declares with role activity-monthly, whose rows are months (YYYY-MM)
 * and whose columns are counts (e.g. referrals, strategy discussions, section 47 enquiries, conferences, plans). Each column becomes a series,
 * summed across the teams in scope, per area and per team, with spikes marked by the rule in ../spikes.ts.
 */

/** Areas get their own series up to this many (a council has a handful; 150 national areas would be unreadable). */
export const AREA_SERIES_LIMIT = 20;

export type ActivitySeries = {
  key: string;
  title: string;
  /** Sum per month, and how many teams reported that month. */
  points: { period: string; value: number | null; teams: number }[];
  spikes: SpikeAssessment[];
};

export type ActivityGroup = { key: string; label: string; area?: string; series: ActivitySeries[]; joint: JointSpike[] };

export type ActivityFigures = {
  question: { name: string; title: string };
  months: { key: string; label: string }[];
  columns: { key: string; title: string }[];
  overall: ActivityGroup;
  /** null when the scope has more than AREA_SERIES_LIMIT areas. */
  byArea: ActivityGroup[] | null;
  /** null when the scope has more than TEAM_LIST_LIMIT teams. */
  byTeam: ActivityGroup[] | null;
  rule: string;
};

/** The version's monthly activity matrix (role activity-monthly), if it declares one; with `topic`, only on that topic. */
export function activityQuestion(version: Pick<VersionInfo, 'roles'>, topic?: string): CatalogueQuestion | null {
  const question = version.roles.get('activity-monthly');
  if (!question || !fitsRole('activity-monthly', question)) return null;
  return topic === undefined || question.topic === topic ? question : null;
}

type Cell = { row_key: string; column_key: string; total: number; teams: number };

function group(key: string, label: string, question: CatalogueQuestion, cells: Cell[], area?: string): ActivityGroup {
  const months = (question.detail.rows ?? []).map((r) => r.value).sort();
  const byCell = new Map(cells.map((c) => [`${c.row_key}\u0000${c.column_key}`, c]));
  const series = (question.detail.columns ?? [])
    .filter((c) => c.valueType === 'numeric')
    .map((column) => {
      const points = months.map((period) => {
        const cell = byCell.get(`${period}\u0000${column.name}`);
        return { period, value: cell ? Number(cell.total) : null, teams: cell ? Number(cell.teams) : 0 };
      });
      return { key: column.name, title: column.title, points, spikes: detectSpikes(points) };
    });
  const joint = jointSpikes(Object.fromEntries(series.map((s) => [s.key, s.spikes])), SPIKE_RULE);
  return { key, label, ...(area ? { area } : {}), series, joint };
}

/**
 * Sums per month and column across the scope: from the answer tallies when the scope allows, otherwise in one pass
 * over the matrix's answers, in index order.
 */
export async function activityTotals(db: Executor, scope: Scope, question: CatalogueQuestion): Promise<Cell[]> {
  if (scope.tally) {
    const tallied = await runAggregate(
      db,
      sql<Cell>`
      select t.row_key, t.column_key, sum(t.value * t.responses) as total, sum(t.responses)::int as teams
      from answer_tallies t
      where t.topic = ${question.topic} and t.question = ${question.name} and ${talliesInScope(scope)}
      group by t.row_key, t.column_key`,
    );
    return tallied.rows;
  }
  const result = await runAggregate(
    db,
    sql<Cell>`
    select a.row_key, a.column_key, sum(a.value_numeric) as total, count(*)::int as teams
    from ${scopedAnswers(scope, 'a', [question.name])}
    where a.round_id = ${scope.round.id} and a.topic = ${question.topic} and a.question = ${question.name}
      and a.value_type = 'numeric' and ${inScope(scope)}
    group by a.row_key, a.column_key`,
  );
  return result.rows;
}

/**
 * The activity figures (without the per-area and per-team series when `breakdowns` is false). `totals` may be passed in when the caller already summed the cells (the topic page's
 * cell statistics hold the same sums), to save a second pass.
 */
export async function activityFigures(
  db: Executor,
  scope: Scope,
  question: CatalogueQuestion,
  totals?: Cell[] | Promise<Cell[]>,
  options: { breakdowns?: boolean } = {},
): Promise<ActivityFigures> {
  const breakdowns = options.breakdowns ?? true;
  const areaIds = new Set(scope.responses.map((r) => r.areaId));
  const wantAreas = breakdowns && areaIds.size <= AREA_SERIES_LIMIT;
  const wantTeams = breakdowns && scope.responses.length <= TEAM_LIST_LIMIT;
  // Per-team series imply per-area ones (the area set is cheap when teams are few). Grouped byte by byte (collation
  // "C"): these groups are sorted, and that is cheaper than sorting by the database's collation.
  const cells = sql`a.row_key collate "C", a.column_key collate "C"`;
  const groupedQuery =
    wantAreas || wantTeams
      ? runAggregate(
          db,
          sql<Cell & { area_id: number | null; team_id: number | null }>`
          select t.area_id, ${wantTeams ? sql`a.team_id` : sql`null::int`} as team_id, a.row_key collate "C" as row_key, a.column_key collate "C" as column_key,
            sum(a.value_numeric) as total, count(*)::int as teams
          from ${scopedAnswers(scope, 'a', [question.name])}
          join teams t on t.id = a.team_id
          where a.round_id = ${scope.round.id} and a.topic = ${question.topic} and a.question = ${question.name}
            and a.value_type = 'numeric' and ${inScope(scope)}
          group by grouping sets ((t.area_id, ${cells}) ${wantTeams ? sql`, (a.team_id, ${cells})` : sql``})`,
        ).then((r) => r.rows)
      : Promise.resolve([]);
  const [overall, grouped] = await Promise.all([totals ?? activityTotals(db, scope, question), groupedQuery]);
  const areas = new Map(scope.responses.map((r) => [r.areaId, r.areaName]));
  const teams = new Map(scope.responses.map((r) => [r.teamId, r]));
  const byArea = wantAreas
    ? [...areas.entries()]
        .sort((a, b) => compareNames(a[1], b[1]))
        .map(([id, name]) =>
          group(
            String(id),
            name,
            question,
            grouped.filter((g) => g.area_id === id && g.team_id === null),
          ),
        )
    : null;
  const byTeam = wantTeams
    ? [...teams.values()]
        .sort((a, b) => compareNames(a.areaName, b.areaName) || compareNames(a.teamName, b.teamName))
        .map((t) =>
          group(
            String(t.teamId),
            t.teamName,
            question,
            grouped.filter((g) => g.team_id === t.teamId),
            t.areaName,
          ),
        )
    : null;
  return {
    question: { name: question.name, title: question.title },
    months: (question.detail.rows ?? []).map((r) => ({ key: r.value, label: r.text })).sort((a, b) => a.key.localeCompare(b.key)),
    columns: (question.detail.columns ?? []).filter((c) => c.valueType === 'numeric').map((c) => ({ key: c.name, title: c.title })),
    overall: group('all', 'All teams in scope', question, overall),
    byArea,
    byTeam,
    rule: describeSpikeRule(),
  };
}
