import { sql } from 'kysely';
import type { Executor } from '../../../db/index';
import type { CatalogueQuestion } from '../catalogue.server';
import { columnRoleHolders } from '../question-roles';
import type { VersionInfo } from '../questionnaires.server';
import { compareNames, inScope, runAggregate, scopedAnswers, type Scope } from './scope.server';
import { AREA_GROUP_LIMIT } from './topic.server';

/**
 * Timeliness weighted by the work done. A questionnaire declares, on the columns of one matrix whose rows are the
 * measures (referral decisions, initial assessments, conferences…), which column holds the work completed in the
 * period (column role `timeliness-completed`), which the part of it completed within the timescale
 * (`timeliness-within`) and, optionally, which says the team does not record it (`timeliness-not-recorded`). For each
 * measure:
 *  - rate = Σ within ÷ Σ completed over the teams that gave both counts and did not say "not recorded", so a team
 *    that completed 90 assessments weighs nine times one that completed 10 (two teams at 9 of 10 and 1 of 90 make
 *    10 of 100, 10%, not the 50% an average of their percentages would say);
 *  - the plain mean of the teams' own rates, shown beside it for comparison (teams that completed none have no rate);
 *  - how many teams do not record the measure.
 * The same by area when the scope has few enough areas. See docs/aggregation.md.
 */

export type TimelinessCounts = {
  /** Teams that gave both counts (and did not say the work is not recorded). */
  teams: number;
  completed: number;
  within: number;
  /** Σ within ÷ Σ completed; null when no work was completed. */
  rate: number | null;
};

export type TimelinessMeasure = TimelinessCounts & {
  key: string;
  title: string;
  /** The mean of the rates of the teams that completed any of the work (unweighted, for comparison). */
  meanOfTeamRates: number | null;
  /** Teams that said they do not record this work. */
  notRecorded: number;
};

export type TimelinessFigures = {
  question: { name: string; title: string; topic: string };
  /** The titles of the columns the figures read, as the questionnaire words them. */
  columns: { completed: string; within: string; notRecorded: string | null };
  measures: TimelinessMeasure[];
  /** By area (each measure's counts), when the scope has at most AREA_GROUP_LIMIT areas; else null. */
  byArea: { key: string; label: string; measures: Record<string, TimelinessCounts> }[] | null;
};

/** The matrix whose columns play the timeliness roles, with the names of those columns; null when the version has none. */
export function timelinessQuestion(
  version: Pick<VersionInfo, 'catalogue'>,
): { question: CatalogueQuestion; completed: string; within: string; notRecorded: string | null } | null {
  const holders = columnRoleHolders(version.catalogue.values());
  const completed = holders.get('timeliness-completed');
  const within = holders.get('timeliness-within');
  if (!completed || !within || completed.question.name !== within.question.name) return null;
  const notRecorded = holders.get('timeliness-not-recorded');
  const question = version.catalogue.get(completed.question.name);
  if (!question) return null;
  return {
    question,
    completed: completed.column,
    within: within.column,
    notRecorded: notRecorded && notRecorded.question.name === question.name ? notRecorded.column : null,
  };
}

type Row = {
  whole: number;
  area_id: number | null;
  row_key: string;
  teams: number;
  completed: number | null;
  within: number | null;
  mean_rate: number | null;
  not_recorded: number;
};

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function counts(row: Row | undefined): TimelinessCounts {
  const completed = num(row?.completed) ?? 0;
  const within = num(row?.within) ?? 0;
  return { teams: Number(row?.teams ?? 0), completed, within, rate: completed > 0 ? within / completed : null };
}

export async function timelinessFigures(db: Executor, scope: Scope): Promise<TimelinessFigures | null> {
  const found = timelinessQuestion(scope.version);
  if (!found) return null;
  const { question } = found;
  const byArea = new Set(scope.responses.map((r) => r.areaId)).size <= AREA_GROUP_LIMIT;
  // One row per response and measure with its counts side by side; a row counts when both counts are given and the
  // team did not say it does not record the work.
  const notRecorded = found.notRecorded
    ? sql`coalesce(bool_or(a.value_choice = 'true') filter (where a.column_key = ${found.notRecorded} and a.value_type = 'choice'), false)`
    : sql`false`;
  const result = await runAggregate(
    db,
    sql<Row>`
    with per_team as (
      select a.response_id, min(a.team_id) as team_id, a.row_key,
        max(a.value_numeric) filter (where a.column_key = ${found.completed} and a.value_type = 'numeric') as completed,
        max(a.value_numeric) filter (where a.column_key = ${found.within} and a.value_type = 'numeric') as within,
        ${notRecorded} as not_recorded
      from ${scopedAnswers(scope, 'a', [question.name])}
      where a.round_id = ${scope.round.id} and a.question = ${question.name} and ${inScope(scope)}
      group by a.response_id, a.row_key
    ),
    counted as (
      select p.*, t.area_id, (not p.not_recorded and p.completed is not null and p.within is not null) as counts
      from per_team p join teams t on t.id = p.team_id
    )
    select grouping(area_id) as whole, area_id, row_key,
      count(*) filter (where counts)::int as teams,
      sum(completed) filter (where counts) as completed,
      sum(within) filter (where counts) as within,
      avg(within / completed) filter (where counts and completed > 0) as mean_rate,
      count(*) filter (where not_recorded)::int as not_recorded
    from counted
    group by grouping sets ((row_key)${byArea ? sql`, (row_key, area_id)` : sql``})`,
  );
  const rows = result.rows.map((r) => ({ ...r, whole: Number(r.whole) }));
  const overall = new Map(rows.filter((r) => r.whole === 1).map((r) => [r.row_key, r]));
  const measures = (question.detail.rows ?? []).map((row): TimelinessMeasure => {
    const r = overall.get(row.value);
    return { key: row.value, title: row.text, ...counts(r), meanOfTeamRates: num(r?.mean_rate), notRecorded: Number(r?.not_recorded ?? 0) };
  });
  const columnTitle = (name: string | null) => (name === null ? null : (question.detail.columns?.find((c) => c.name === name)?.title ?? name));
  const areaNames = new Map(scope.responses.map((r) => [r.areaId, r.areaName]));
  let areas: TimelinessFigures['byArea'] = null;
  if (byArea) {
    const grouped = new Map<number, Map<string, Row>>();
    for (const r of rows.filter((row) => row.whole === 0 && row.area_id !== null)) {
      const areaId = Number(r.area_id);
      if (!grouped.has(areaId)) grouped.set(areaId, new Map());
      grouped.get(areaId)!.set(r.row_key, r);
    }
    areas = [...grouped.entries()]
      .map(([areaId, byRow]) => ({
        key: String(areaId),
        label: areaNames.get(areaId) ?? String(areaId),
        measures: Object.fromEntries(measures.map((m) => [m.key, counts(byRow.get(m.key))])),
      }))
      .sort((a, b) => compareNames(a.label, b.label));
  }
  return {
    question: { name: question.name, title: question.title, topic: question.topic },
    columns: { completed: columnTitle(found.completed)!, within: columnTitle(found.within)!, notRecorded: columnTitle(found.notRecorded) },
    measures,
    byArea: areas,
  };
}
