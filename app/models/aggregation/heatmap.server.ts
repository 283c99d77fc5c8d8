import { sql } from 'kysely';
import type { Executor } from '../../../db/index';
import type { CatalogueQuestion } from '../catalogue.server';
import { compareNames, inScope, runAggregate, scopedAnswers, teamsById, type Scope } from './scope.server';

/**
 * The mini-JAR heatmap: a row per finding (a row of one of the matrix's section questions), a column per team
 * grouped by area, each cell the team's rating, with counts per rating on every row. A cell's evidence, action,
 * owner and target date are fetched on their own when a reviewer opens it.
 */

/** The matrix column holding the rating. */
export const RATING_COLUMN = 'rating';
/** Cells are shown up to this many teams (columns); beyond it, only the counts per row (choose an area). */
export const HEATMAP_TEAM_LIMIT = 150;

export type HeatmapFigures = {
  choices: { value: string; text: string }[];
  sections: {
    question: string;
    title: string;
    rows: { key: string; title: string; counts: Record<string, number>; rated: number }[];
  }[];
  /**
   * Every team of the round matching the filters, by area then name, whether or not its response counts (so the
   * heatmap shows who has not submitted); null when there are more than HEATMAP_TEAM_LIMIT.
   */
  teams: { teamId: number; teamName: string; areaId: number; areaName: string; counted: boolean; status: string }[] | null;
  /** cells[`${question}/${row}`][teamId] = rating value */
  cells: Record<string, Record<number, string>> | null;
};

/** The version's finding matrices: matrix questions with a choice column named "rating". */
export function findingQuestions(scope: Pick<Scope, 'version'>): CatalogueQuestion[] {
  return [...scope.version.catalogue.values()]
    .filter((q) => q.valueType === 'matrix' && q.detail.columns?.some((c) => c.name === RATING_COLUMN && c.valueType === 'choice' && c.choices?.length))
    .sort((a, b) => a.position - b.position);
}

export const cellId = (question: string, row: string) => `${question}/${row}`;

export async function heatmapFigures(db: Executor, scope: Scope, options: { cells?: boolean } = {}): Promise<HeatmapFigures | null> {
  const questions = findingQuestions(scope);
  if (!questions.length) return null;
  const choices = questions[0].detail.columns!.find((c) => c.name === RATING_COLUMN)!.choices!;
  const names = questions.map((q) => q.name);
  const topics = [...new Set(questions.map((q) => q.topic))];
  const showCells = (options.cells ?? true) && scope.matching.length <= HEATMAP_TEAM_LIMIT;
  const where = sql`a.round_id = ${scope.round.id} and a.topic in (${sql.join(topics)}) and a.question in (${sql.join(names)})
    and a.column_key = ${RATING_COLUMN} and a.value_type = 'choice' and ${inScope(scope)}`;
  const [counts, cells] = await Promise.all([
    runAggregate(
      db,
      sql<{ question: string; row_key: string; value: string; n: number }>`
      select a.question, a.row_key, a.value_choice as value, count(*)::int as n
      from ${scopedAnswers(scope)} where ${where}
      group by a.question, a.row_key, a.value_choice`,
    ),
    showCells
      ? runAggregate(
          db,
          sql<{ question: string; row_key: string; team_id: number; value: string }>`
          select a.question, a.row_key, a.team_id, a.value_choice as value from ${scopedAnswers(scope)} where ${where}`,
        )
      : Promise.resolve(null),
  ]);
  const included = new Set(scope.responses.map((r) => r.responseId));
  const countMap = new Map<string, Record<string, number>>();
  for (const r of counts.rows) {
    const key = cellId(r.question, r.row_key);
    countMap.set(key, { ...(countMap.get(key) ?? {}), [r.value]: Number(r.n) });
  }
  let cellMap: HeatmapFigures['cells'] = null;
  if (cells) {
    cellMap = {};
    for (const r of cells.rows) (cellMap[cellId(r.question, r.row_key)] ??= {})[r.team_id] = r.value;
  }
  return {
    choices,
    sections: questions.map((q) => ({
      question: q.name,
      title: q.title,
      rows: (q.detail.rows ?? []).map((row) => {
        const c = countMap.get(cellId(q.name, row.value)) ?? {};
        return { key: row.value, title: row.text, counts: c, rated: Object.values(c).reduce((a, b) => a + b, 0) };
      }),
    })),
    teams: showCells
      ? [...scope.matching]
          .sort((a, b) => compareNames(a.areaName, b.areaName) || compareNames(a.teamName, b.teamName))
          .map((r) => ({
            teamId: r.teamId,
            teamName: r.teamName,
            areaId: r.areaId,
            areaName: r.areaName,
            counted: included.has(r.responseId),
            status: r.status,
          }))
      : null,
    cells: cellMap,
  };
}

export type HeatmapCell = {
  team: { teamId: number; teamName: string; areaName: string };
  section: string;
  finding: string;
  rating: { value: string; text: string } | null;
  /** The other columns of the row (evidence, action, owner, target date), in questionnaire order. */
  details: { key: string; title: string; value: string }[];
};

/** One team's answers to one finding; null when the team or finding is outside the scope. */
export async function heatmapCell(db: Executor, scope: Scope, question: string, row: string, teamId: number): Promise<HeatmapCell | null> {
  const q = findingQuestions(scope).find((f) => f.name === question);
  const findingRow = q?.detail.rows?.find((r) => r.value === row);
  const team = teamsById(scope).get(teamId);
  if (!q || !findingRow || !team) return null;
  const result = await sql<{ column_key: string; value: string }>`
    select a.column_key, coalesce(a.value_choice, a.value_text, a.value_numeric::text) as value
    from answers a
    where a.response_id = ${team.responseId} and a.question = ${q.name} and a.row_key = ${row}`.execute(db);
  const values = new Map<string, string[]>();
  for (const r of result.rows) values.set(r.column_key, [...(values.get(r.column_key) ?? []), r.value]);
  const columns = q.detail.columns ?? [];
  const ratingColumn = columns.find((c) => c.name === RATING_COLUMN)!;
  const ratingValue = values.get(RATING_COLUMN)?.[0];
  const label = (column: (typeof columns)[number], value: string) => column.choices?.find((c) => c.value === value)?.text ?? value;
  return {
    team: { teamId: team.teamId, teamName: team.teamName, areaName: team.areaName },
    section: q.title,
    finding: findingRow.text,
    rating: ratingValue === undefined ? null : { value: ratingValue, text: label(ratingColumn, ratingValue) },
    details: columns
      .filter((c) => c.name !== RATING_COLUMN && values.has(c.name))
      .map((c) => ({
        key: c.name,
        title: c.title,
        value: values
          .get(c.name)!
          .map((v) => label(c, v))
          .join('; '),
      })),
  };
}
