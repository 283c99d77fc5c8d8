import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../../../db/index';
import type { TeamType } from '../../../db/schema';
import type { CatalogueQuestion } from '../catalogue.server';
import { COMMENT_SUFFIX } from '../validation.server';
import { dynamicFigures, type DynamicFigures } from './dynamic.server';
import { choiceFigures, EMPTY_TEXT, TEAM_LIST_LIMIT, textLimit, type ChoiceFigures, type NumericStats, type TextFigures } from './figures';
import { summariseCounts } from './quantiles';
import { compareNames, inScope, isSmallScope, runAggregate, scopedAnswers, talliesInScope, teamsById, type Scope } from './scope.server';

/**
 * The figures of one topic: every question of the round's questionnaire version that carries the topic, summarised
 * in SQL over the answers table (never by loading responses):
 *  - numbers: n, sum, mean, minimum, quartiles and maximum (quartiles by linear interpolation, as PostgreSQL's
 *    percentile_cont: the p-quantile of n sorted values sits at position 1 + p(n − 1)); by team type and by area for
 *    whole questions; each team's value when the scope holds few enough teams to list;
 *  - choices (radio, dropdown, yes/no, checkbox, rating, image picker): count per choice and its share of the teams
 *    that answered (a checkbox question's shares can add up to more than 100%), the special items (other, none,
 *    refused, don't know) among the choices, values typed by respondents after them;
 *  - rankings: each item's rank (1 is first) over the teams, mean and median;
 *  - matrices cell by cell, each cell by its own kind (a slider's range as its two ends, from and to);
 *  - dynamic rows and panels (dynamic.server.ts): rows per team, number fields totalled per team, choices counted
 *    across rows, written answers listed;
 *  - free text with the team's name and area: how many, and up to textLimit per question or cell (the first by team,
 *    shown in name order); so are comments and the texts written with "Other".
 */

/** Per-team values and the dot plot are shown up to this many teams; beyond it, box plots by team type and area. */
export {
  TEAM_LIST_LIMIT,
  TEXT_LIMIT,
  WIDE_TEXT_LIMIT,
  TYPED_LIMIT,
  type ChoiceCount,
  type ChoiceFigures,
  type NumericStats,
  type TextAnswer,
  type TextFigures,
} from './figures';
export type { DynamicFigures, DynamicLeafFigures } from './dynamic.server';

export type GroupStats = NumericStats & { key: string; label: string };
export type TeamValue = { teamId: number; teamName: string; areaName: string; teamType: TeamType; value: number };

/** A matrix cell's figures; a choice cell with an "Other" item lists the texts written with it (`other`). */
export type CellFigures =
  | { kind: 'numeric'; stats: NumericStats | null }
  | { kind: 'choice'; multiple: boolean; choices: ChoiceFigures; other?: TextFigures }
  | { kind: 'text'; text: TextFigures };

export type MatrixFigures = {
  rows: { key: string; title: string }[];
  columns: { key: string; title: string; kind: CellFigures['kind']; multiple: boolean; choices?: { value: string; text: string }[] }[];
  /** cells[rowKey][columnKey] */
  cells: Record<string, Record<string, CellFigures>>;
};

export type QuestionFigures = {
  name: string;
  title: string;
  type: string;
  page: string;
  /** Teams (responses) in scope that answered it. */
  answered: number;
  /** The comments written in the question's comment area, when it has one. */
  comments?: TextFigures;
  /** The texts written with the "Other" item, when the question has one. */
  otherTexts?: TextFigures;
} & (
  | { kind: 'numeric'; stats: NumericStats | null; byTeamType: GroupStats[]; byArea: GroupStats[]; teams: TeamValue[] | null; rating: ChoiceFigures | null }
  | { kind: 'choice'; multiple: boolean; choices: ChoiceFigures }
  | { kind: 'text'; text: TextFigures }
  | { kind: 'matrix'; matrix: MatrixFigures }
  /** A ranking: each item's rank over the teams that ranked it (1 is first: a lower rank is a higher priority). */
  | { kind: 'ranking'; items: { key: string; title: string; stats: NumericStats | null }[] }
  | { kind: 'dynamic'; dynamic: DynamicFigures }
);

type NumericRow = {
  question: string;
  row_key: string;
  column_key: string;
  n: number;
  sum: number;
  mean: number;
  min: number;
  max: number;
  quartiles: number[];
};

function toStats(row: Pick<NumericRow, 'n' | 'sum' | 'mean' | 'min' | 'max' | 'quartiles'>): NumericStats {
  const [q1, median, q3] = row.quartiles.map(Number);
  return { n: Number(row.n), sum: Number(row.sum), mean: Number(row.mean), min: Number(row.min), q1, median, q3, max: Number(row.max) };
}

/** The key of a numeric, choice or text cell in the maps of figures. */
export const cellKey = (question: string, row: string, column: string) => `${question}\u0000${row}\u0000${column}`;

/** The questions of the scope's version that carry the topic, in questionnaire order. */
export function topicQuestions(scope: Pick<Scope, 'version'>, topic: string): CatalogueQuestion[] {
  return [...scope.version.catalogue.values()].filter((q) => q.topic === topic).sort((a, b) => a.position - b.position);
}

/** The answers of a topic's questions in the scope (see scopedAnswers). */
function topicAnswers(scope: Scope, topic: string) {
  return scopedAnswers(
    scope,
    'a',
    topicQuestions(scope, topic).map((q) => q.name),
  );
}

/**
 * Leaves out the answers inside the rows and panels of the topic's dynamic questions (alias `a` or `t`): their
 * figures group the rows' values together (dynamic.server.ts), never row by row. A comment on the whole question
 * (row_key '') stays. No condition at all for a topic without dynamic questions.
 */
function outsideDynamicRows(scope: Pick<Scope, 'version'>, topic: string, alias: 'a' | 't' = 'a'): RawBuilder<boolean> {
  const dynamic = topicQuestions(scope, topic)
    .filter((q) => q.valueType === 'dynamic')
    .map((q) => q.name);
  if (!dynamic.length) return sql<boolean>`true`;
  const a = sql.raw(alias);
  return sql<boolean>`not (${a}.question in (${sql.join(dynamic)}) and ${a}.row_key <> '')`;
}

/** Topics of the scope's version, in the order they first appear, with their question counts. */
export function versionTopics(scope: Pick<Scope, 'version'>): { id: string; questions: number }[] {
  const topics = new Map<string, number>();
  for (const q of [...scope.version.catalogue.values()].sort((a, b) => a.position - b.position)) topics.set(q.topic, (topics.get(q.topic) ?? 0) + 1);
  return [...topics.entries()].map(([id, questions]) => ({ id, questions }));
}

function isRating(question: CatalogueQuestion) {
  return question.type === 'rating' && question.valueType === 'numeric' && Boolean(question.detail.choices?.length);
}

/** A topic whose numeric cells pass this many is summarised in two queries side by side (two cores, two halves). */
const SPLIT_CELLS = 40;

/**
 * The parts a topic's numeric cells are read in: one range of the index each, so every part streams in index order.
 * Small topics are one part; a topic with a large numeric matrix (the monthly activity table) is split at the middle
 * row of its largest matrix, so the two halves run on two connections at once.
 */
function numericParts(scope: Scope, topic: string): RawBuilder<boolean>[][] {
  const questions = topicQuestions(scope, topic);
  const cellsOf = (q: CatalogueQuestion) =>
    q.valueType === 'numeric'
      ? 1
      : q.valueType === 'matrix'
        ? (q.detail.items?.length ?? (q.detail.rows?.length ?? 0) * (q.detail.columns ?? []).filter((c) => c.valueType === 'numeric').length)
        : 0;
  const total = questions.reduce((n, q) => n + cellsOf(q), 0);
  const largest = [...questions].filter((q) => q.valueType === 'matrix' && q.detail.rows?.length).sort((a, b) => cellsOf(b) - cellsOf(a))[0];
  if (isSmallScope(scope) || total <= SPLIT_CELLS || !largest || cellsOf(largest) < total / 2) return [[sql<boolean>`true`]];
  const rows = largest.detail.rows!.map((r) => r.value).sort();
  const middle = rows[Math.floor(rows.length / 2)];
  const others = questions.filter((q) => q.name !== largest.name && cellsOf(q) > 0).map((q) => q.name);
  // Each condition is one range of the index; a part with two is read as two ranges, not one filtered scan.
  return [
    [sql<boolean>`a.question = ${largest.name} and a.row_key < ${middle}`],
    [sql<boolean>`a.question = ${largest.name} and a.row_key >= ${middle}`, ...(others.length ? [sql<boolean>`a.question in (${sql.join(others)})`] : [])],
  ];
}

/**
 * A numeric answer's cell (question, row, column) as selected and grouped by. A large scope streams its answers in
 * index order, already grouped; a small scope's answers come response by response and must be sorted first, which
 * is cheaper byte by byte (collation "C") than by the database's collation. The groups are the same either way.
 */
function cellColumns(scope: Pick<Scope, 'responses' | 'roundResponses'>): RawBuilder<unknown> {
  return isSmallScope(scope)
    ? sql`a.question collate "C" as question, a.row_key collate "C" as row_key, a.column_key collate "C" as column_key`
    : sql`a.question, a.row_key, a.column_key`;
}

/**
 * The numeric summaries of every numeric answer (whole question or cell) of a topic: from the answer tallies when the
 * scope allows (a few rows per cell and value), otherwise streamed from the answers in index order.
 */
export async function numericCellStats(db: Executor, scope: Scope, topic: string) {
  if (scope.tally) return talliedCellStats(db, scope, topic);
  const range = (condition: RawBuilder<boolean>) => sql`
    select ${cellColumns(scope)}, count(*)::int as n, sum(a.value_numeric) as sum, avg(a.value_numeric) as mean,
      min(a.value_numeric) as min, max(a.value_numeric) as max,
      percentile_cont(array[0.25, 0.5, 0.75]) within group (order by a.value_numeric) as quartiles
    from ${topicAnswers(scope, topic)}
    where a.round_id = ${scope.round.id} and a.topic = ${topic} and a.value_type = 'numeric' and ${condition} and ${inScope(scope)}
      and ${outsideDynamicRows(scope, topic)}
    group by 1, 2, 3`;
  const results = await Promise.all(
    numericParts(scope, topic).map((part) => runAggregate(db, sql<NumericRow>`${sql.join(part.map(range), sql` union all `)}`)),
  );
  return new Map(results.flatMap((r) => r.rows).map((r) => [cellKey(r.question, r.row_key, r.column_key), toStats(r)]));
}

/**
 * Each numeric cell's values with their counts, from the tallies (of one topic or, with null, all; by team type too
 * when asked; only the given questions' whole answers when `wholeQuestions` is set), summarised as PostgreSQL would
 * summarise the answers.
 */
async function talliedSummaries(db: Executor, scope: Scope, topic: string | null, options: { byTeamType: boolean; wholeQuestions?: string[] }) {
  // A topic's cells leave out the rows of its dynamic questions, whose figures are summed per team from the answers
  // (dynamic.server.ts). The team report's medians (every topic, null) keep every cell; it shows none for a row.
  const type = options.byTeamType ? sql`t.team_type` : sql`null::text`;
  const whole = options.wholeQuestions;
  const result = await runAggregate(
    db,
    sql<{ question: string; row_key: string; column_key: string; team_type: TeamType | null; vals: number[]; counts: number[] }>`
    select question, row_key, column_key, team_type, array_agg(value order by value) as vals, array_agg(n order by value) as counts
    from (
      select t.question, t.row_key, t.column_key, ${type} as team_type, t.value, sum(t.responses)::int as n
      from answer_tallies t
      where ${topic === null ? sql`true` : sql`t.topic = ${topic} and ${outsideDynamicRows(scope, topic, 't')}`} and ${talliesInScope(scope)}
        ${whole ? sql`and t.question in (${sql.join(whole)}) and t.row_key = '' and t.column_key = ''` : sql``}
      group by t.question, t.row_key, t.column_key, ${type}, t.value
    ) v
    group by question, row_key, column_key, team_type`,
  );
  return result.rows.flatMap((r) => {
    const summary = summariseCounts(r.vals.map(Number), r.counts.map(Number));
    return summary ? [{ question: r.question, row_key: r.row_key, column_key: r.column_key, team_type: r.team_type, summary }] : [];
  });
}

/** Every numeric cell's figures from the tallies: of one topic, or of every topic (null). */
export async function talliedCellStats(db: Executor, scope: Scope, topic: string | null) {
  const rows = await talliedSummaries(db, scope, topic, { byTeamType: false });
  return new Map<string, NumericStats>(rows.map((r) => [cellKey(r.question, r.row_key, r.column_key), r.summary]));
}

/** Areas get their own figures for each number up to this many (150 national areas would be a page of their own). */
export const AREA_GROUP_LIMIT = 20;

/** Each whole numeric question's figures by team type, and by area when the scope has few enough areas. */
export async function numericGroupStats(db: Executor, scope: Scope, topic: string, questions: string[]) {
  if (!questions.length) return [];
  const byArea = new Set(scope.responses.map((r) => r.areaId)).size <= AREA_GROUP_LIMIT;
  if (scope.tally && !byArea) return talliedTeamTypeStats(db, scope, topic, questions);
  const result = await runAggregate(
    db,
    sql<NumericRow & { area_id: number | null; team_type: TeamType | null }>`
    select a.question, ${byArea ? sql`t.area_id` : sql`null::int`} as area_id, t.team_type, count(*)::int as n, sum(a.value_numeric) as sum,
      avg(a.value_numeric) as mean, min(a.value_numeric) as min, max(a.value_numeric) as max,
      percentile_cont(array[0.25, 0.5, 0.75]) within group (order by a.value_numeric) as quartiles
    from ${topicAnswers(scope, topic)}
    join teams t on t.id = a.team_id
    where a.round_id = ${scope.round.id} and a.topic = ${topic} and a.value_type = 'numeric' and a.row_key = '' and a.column_key = ''
      and a.question in (${sql.join(questions)}) and ${inScope(scope)}
    group by grouping sets ((a.question, t.team_type)${byArea ? sql`, (a.question, t.area_id)` : sql``})`,
  );
  return result.rows;
}

/** Each whole numeric question's figures by team type, from the tallies (which count by team type). */
export async function talliedTeamTypeStats(db: Executor, scope: Scope, topic: string, questions: string[]) {
  const rows = await talliedSummaries(db, scope, topic, { byTeamType: true, wholeQuestions: questions });
  return rows.map(({ question, team_type, summary: { q1, median, q3, ...rest } }) => ({
    question,
    row_key: '',
    column_key: '',
    area_id: null,
    team_type,
    ...rest,
    quartiles: [q1, median, q3],
  }));
}

async function teamValues(db: Executor, scope: Scope, topic: string, questions: string[]) {
  if (!questions.length) return [];
  const result = await runAggregate(
    db,
    sql<{ question: string; team_id: number; value: number }>`
    select a.question, a.team_id, a.value_numeric as value
    from ${topicAnswers(scope, topic)}
    where a.round_id = ${scope.round.id} and a.topic = ${topic} and a.value_type = 'numeric' and a.row_key = '' and a.column_key = ''
      and a.question in (${sql.join(questions)}) and ${inScope(scope)}`,
  );
  return result.rows;
}

/**
 * Counts per choice, and the responses answering, of every choice answer (and rating) of a topic. Each count streams
 * from the choice index in its order; ratings come from the tallies when the scope allows. A single choice is one
 * answer row per response, so its respondents are the sum of its counts; only questions where a response can pick
 * several choices (checkboxes, matrix columns of them) need a count of distinct responses.
 */
export async function choiceCounts(db: Executor, scope: Scope, topic: string, ratingQuestions: string[] = []) {
  type Count = { question: string; row_key: string; column_key: string; value: string; n: number };
  const multiple = topicQuestions(scope, topic)
    .filter((q) => q.valueType === 'multiple' || (q.valueType === 'matrix' && (q.detail.columns ?? []).some((c) => c.multiple)))
    .map((q) => q.name);
  const choices = runAggregate(
    db,
    sql<Count>`
    select a.question, a.row_key, a.column_key, a.value_choice as value, count(*)::int as n
    from ${topicAnswers(scope, topic)}
    where a.round_id = ${scope.round.id} and a.topic = ${topic} and a.value_type = 'choice' and ${inScope(scope)} and ${outsideDynamicRows(scope, topic)}
    group by a.question, a.row_key, a.column_key, a.value_choice`,
  );
  const ratings = !ratingQuestions.length
    ? Promise.resolve({ rows: [] as Count[] })
    : scope.tally
      ? runAggregate(
          db,
          sql<Count>`
          select t.question, t.row_key, t.column_key, t.value::text as value, sum(t.responses)::int as n
          from answer_tallies t
          where t.topic = ${topic} and t.question in (${sql.join(ratingQuestions)}) and ${talliesInScope(scope)}
          group by t.question, t.row_key, t.column_key, t.value`,
        )
      : runAggregate(
          db,
          sql<Count>`
          select a.question, a.row_key, a.column_key, a.value_numeric::text as value, count(*)::int as n
          from ${topicAnswers(scope, topic)}
          where a.round_id = ${scope.round.id} and a.topic = ${topic} and a.value_type = 'numeric'
            and a.question in (${sql.join(ratingQuestions)}) and ${inScope(scope)}
          group by a.question, a.row_key, a.column_key, a.value_numeric`,
        );
  const distinct = multiple.length
    ? runAggregate(
        db,
        sql<{ question: string; row_key: string; column_key: string; respondents: number }>`
        select a.question, a.row_key, a.column_key, count(distinct a.response_id)::int as respondents
        from ${topicAnswers(scope, topic)}
        where a.round_id = ${scope.round.id} and a.topic = ${topic} and a.value_type = 'choice'
          and a.question in (${sql.join(multiple)}) and ${inScope(scope)}
        group by a.question, a.row_key, a.column_key`,
      )
    : Promise.resolve({ rows: [] });
  const [choiceRows, ratingRows, distinctRows] = await Promise.all([choices, ratings, distinct]);
  const counts = new Map<string, Map<string, number>>();
  const respondents = new Map<string, number>();
  const several = new Set(multiple);
  for (const r of [...choiceRows.rows, ...ratingRows.rows]) {
    const key = cellKey(r.question, r.row_key, r.column_key);
    counts.set(key, (counts.get(key) ?? new Map()).set(r.value, Number(r.n)));
    if (!several.has(r.question)) respondents.set(key, (respondents.get(key) ?? 0) + Number(r.n));
  }
  for (const r of distinctRows.rows) respondents.set(cellKey(r.question, r.row_key, r.column_key), Number(r.respondents));
  return { counts, respondents };
}

/**
 * Written answers of a topic by question or cell: its text answers (comments included), or, given the questions
 * with an "Other" item, the texts written with "Other" (kept with the choice).
 */
async function textAnswers(db: Executor, scope: Scope, topic: string, otherOf?: string[]) {
  const byCell = new Map<string, TextFigures>();
  if (otherOf && !otherOf.length) return byCell;
  const written = otherOf
    ? sql`a.value_type = 'choice' and a.value_text is not null and a.question in (${sql.join(otherOf)})`
    : sql`a.value_type = 'text' and ${outsideDynamicRows(scope, topic)}`;
  // How many written answers each question or cell has (index-only), then the first few of each by team (textLimit):
  // numbered in one index-only pass over the topic's written answers (answers_text_cells_idx is in cell and team
  // order; select nothing it does not hold, not even value_type), and only those listed are read for their text.
  // A lateral query per cell planned worse: PostgreSQL estimates one row for a cell it only knows at run time, and
  // sorted thousands of rows read through another index (700 ms instead of 30 ms on the national thresholds page).
  const totals = await runAggregate(
    db,
    sql<{ question: string; row_key: string; column_key: string; total: number }>`
    select a.question, a.row_key, a.column_key, count(*)::int as total
    from ${topicAnswers(scope, topic)}
    where a.round_id = ${scope.round.id} and a.topic = ${topic} and ${written} and ${inScope(scope)}
    group by a.question, a.row_key, a.column_key`,
  );
  if (!totals.rows.length) return byCell;
  const listed = await runAggregate(
    db,
    sql<{ question: string; row_key: string; column_key: string; team_id: number; text: string }>`
    select l.question, l.row_key, l.column_key, l.team_id, w.value_text as text
    from (
      select a.question, a.row_key, a.column_key, a.team_id, a.response_id,
        row_number() over (partition by a.question, a.row_key, a.column_key order by a.team_id) as position
      from ${topicAnswers(scope, topic)}
      where a.round_id = ${scope.round.id} and a.topic = ${topic} and ${written} and ${inScope(scope)}
    ) l
    join answers w on w.response_id = l.response_id and w.question = l.question and w.row_key = l.row_key and w.column_key = l.column_key
      and w.value_type = ${otherOf ? 'choice' : 'text'} and w.value_text is not null
    where l.position <= ${textLimit(scope.responses.length)}`,
  );
  const teams = teamsById(scope);
  for (const t of totals.rows) byCell.set(cellKey(t.question, t.row_key, t.column_key), { total: Number(t.total), answers: [] });
  for (const r of listed.rows) {
    const team = teams.get(r.team_id);
    byCell
      .get(cellKey(r.question, r.row_key, r.column_key))
      ?.answers.push({ teamId: r.team_id, teamName: team?.teamName ?? '', areaName: team?.areaName ?? '', text: r.text });
  }
  for (const entry of byCell.values()) entry.answers.sort((a, b) => compareNames(a.teamName, b.teamName) || a.teamId - b.teamId);
  return byCell;
}

/** Whether a question (or one of its matrix columns) keeps texts written with an "Other" item. */
function hasOther(q: CatalogueQuestion): boolean {
  return Boolean(q.detail.rules?.other || q.detail.columns?.some((c) => c.rules?.other));
}

/** Every question of a topic with its figures (up to seven queries, run side by side). */
export async function topicQuestionFigures(db: Executor, scope: Scope, topic: string): Promise<QuestionFigures[]> {
  const questions = topicQuestions(scope, topic);
  if (!questions.length) return [];
  const wholeNumeric = questions.filter((q) => q.valueType === 'numeric').map((q) => q.name);
  const ratings = questions.filter(isRating).map((q) => q.name);
  const withOther = questions.filter(hasOther).map((q) => q.name);
  const listTeams = scope.responses.length <= TEAM_LIST_LIMIT;
  const hasChoices = questions.some((q) => q.valueType === 'choice' || q.valueType === 'multiple' || q.valueType === 'matrix' || isRating(q));
  const hasText = questions.some((q) => q.valueType === 'text' || q.valueType === 'matrix' || q.detail.comment);
  const hasNumeric = questions.some((q) => q.valueType === 'numeric' || q.valueType === 'matrix');
  const [numeric, groups, values, choices, texts, others, dynamic] = await Promise.all([
    hasNumeric ? numericCellStats(db, scope, topic) : new Map<string, NumericStats>(),
    numericGroupStats(db, scope, topic, wholeNumeric),
    listTeams ? teamValues(db, scope, topic, wholeNumeric) : Promise.resolve(null),
    hasChoices ? choiceCounts(db, scope, topic, ratings) : { counts: new Map<string, Map<string, number>>(), respondents: new Map<string, number>() },
    hasText ? textAnswers(db, scope, topic) : new Map<string, TextFigures>(),
    textAnswers(db, scope, topic, withOther),
    dynamicFigures(db, scope, topic, questions),
  ]);
  const teams = teamsById(scope);
  const areaNames = new Map(scope.responses.map((r) => [r.areaId, r.areaName]));

  return questions.map((q): QuestionFigures => {
    const whole = cellKey(q.name, '', '');
    const base = {
      name: q.name,
      title: q.title,
      type: q.type,
      page: q.page,
      ...(q.detail.comment ? { comments: texts.get(cellKey(q.name, '', COMMENT_SUFFIX)) ?? EMPTY_TEXT } : {}),
      ...(q.detail.rules?.other ? { otherTexts: others.get(whole) ?? EMPTY_TEXT } : {}),
    };
    if (q.valueType === 'numeric') {
      const stats = numeric.get(whole) ?? null;
      const own = groups.filter((g) => g.question === q.name);
      const group = (row: (typeof own)[number], key: string, label: string): GroupStats => ({ key, label, ...toStats(row) });
      const byTeamType = own
        .filter((g) => g.team_type !== null)
        .map((g) => group(g, g.team_type!, g.team_type!))
        .sort((a, b) => a.key.localeCompare(b.key));
      const byArea = own
        .filter((g) => g.area_id !== null)
        .map((g) => group(g, String(g.area_id), areaNames.get(g.area_id!) ?? String(g.area_id)))
        .sort((a, b) => compareNames(a.label, b.label));
      const teamList = values
        ? values
            .filter((v) => v.question === q.name)
            .map((v) => {
              const team = teams.get(v.team_id)!;
              return { teamId: v.team_id, teamName: team.teamName, areaName: team.areaName, teamType: team.teamType, value: Number(v.value) };
            })
            .sort((a, b) => compareNames(a.areaName, b.areaName) || compareNames(a.teamName, b.teamName))
        : null;
      const rating = isRating(q) ? choiceFigures(q.detail.choices, choices.counts.get(whole), choices.respondents.get(whole) ?? 0) : null;
      return { ...base, kind: 'numeric', answered: stats?.n ?? 0, stats, byTeamType, byArea, teams: teamList, rating };
    }
    if (q.valueType === 'choice' || q.valueType === 'multiple') {
      const respondents = choices.respondents.get(whole) ?? 0;
      return {
        ...base,
        kind: 'choice',
        answered: respondents,
        multiple: q.valueType === 'multiple',
        choices: choiceFigures(q.detail.choices, choices.counts.get(whole), respondents, q.detail.rules?.open),
      };
    }
    if (q.valueType === 'text') {
      const text = texts.get(whole) ?? EMPTY_TEXT;
      return { ...base, kind: 'text', answered: text.total, text };
    }
    if (q.valueType === 'dynamic') {
      const figures = dynamic.get(q.name)!;
      return { ...base, kind: 'dynamic', answered: figures.answered, dynamic: figures };
    }
    if (q.detail.ranking) {
      // Each item's rank is a number cell of the item's row (column '').
      const items = (q.detail.rows ?? []).map((r) => ({ key: r.value, title: r.text, stats: numeric.get(cellKey(q.name, r.value, '')) ?? null }));
      return { ...base, kind: 'ranking', answered: Math.max(0, ...items.map((i) => i.stats?.n ?? 0)), items };
    }
    // Matrices: a single-choice matrix has one unnamed column; a multiple-text question has items as rows.
    const detail = q.detail;
    const rows = detail.items ? detail.items.map((i) => ({ key: i.name, title: i.title })) : (detail.rows ?? []).map((r) => ({ key: r.value, title: r.text }));
    type Column = {
      key: string;
      title: string;
      kind: CellFigures['kind'];
      multiple: boolean;
      choices?: { value: string; text: string }[];
      open?: boolean;
      other?: boolean;
    };
    const columns: Column[] = detail.items
      ? [{ key: '', title: detail.range ? 'Both ends of the range' : '', kind: (detail.items[0]?.valueType ?? 'text') as CellFigures['kind'], multiple: false }]
      : (detail.columns ?? []).map((c) => ({
          key: c.name,
          title: c.title,
          kind: c.valueType as CellFigures['kind'],
          multiple: Boolean(c.multiple),
          choices: c.choices,
          open: c.rules?.open,
          other: Boolean(c.rules?.other),
        }));
    const cells: MatrixFigures['cells'] = {};
    for (const row of rows) {
      cells[row.key] = {};
      const itemKind = detail.items?.find((i) => i.name === row.key)?.valueType;
      for (const column of columns) {
        const kind = (itemKind ?? column.kind) as CellFigures['kind'];
        const key = cellKey(q.name, row.key, column.key);
        if (kind === 'numeric') cells[row.key][column.key] = { kind, stats: numeric.get(key) ?? null };
        else if (kind === 'choice') {
          cells[row.key][column.key] = {
            kind,
            multiple: column.multiple,
            choices: choiceFigures(column.choices, choices.counts.get(key), choices.respondents.get(key) ?? 0, column.open),
            ...(column.other ? { other: others.get(key) ?? EMPTY_TEXT } : {}),
          };
        } else cells[row.key][column.key] = { kind: 'text', text: texts.get(key) ?? EMPTY_TEXT };
      }
    }
    // For a matrix, "answered" is the largest count of any cell (every row of the real matrices is required).
    const answered = Math.max(
      0,
      ...Object.values(cells).flatMap((row) =>
        Object.values(row).map((c) => (c.kind === 'numeric' ? (c.stats?.n ?? 0) : c.kind === 'choice' ? c.choices.respondents : c.text.total)),
      ),
    );
    return {
      ...base,
      kind: 'matrix',
      answered,
      matrix: {
        rows,
        columns: columns.map(({ key, title, kind, multiple, choices: c }) => ({ key, title, kind, multiple, ...(c ? { choices: c } : {}) })),
        cells,
      },
    };
  });
}
