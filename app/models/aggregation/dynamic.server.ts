import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../../../db/index';
import type { NestedField, QuestionDetail } from '../../../db/schema';
import type { CatalogueQuestion } from '../catalogue.server';
import { COMMENT_SUFFIX } from '../validation.server';
import { choiceFigures, EMPTY_TEXT, textLimit, type ChoiceFigures, type NumericStats, type TextFigures } from './figures';
import { summariseCounts } from './quantiles';
import { compareNames, inScope, runAggregate, scopedAnswers, teamsById, type Scope } from './scope.server';

/**
 * Figures of the questions whose answer is a list of rows or panels (dynamic matrices and dynamic panels). Their
 * answer rows are keyed by the row or panel number (row_key, from 1) and the path of the value inside it
 * (column_key: "minutes", "seen_alone", "visits.2.date" for row 2 of a dynamic matrix inside the panel); the figures
 * group by the path, with the numbers of nested rows replaced by "*", and ignore the row:
 *  - per team, the number of rows or panels (teams in scope with none count as 0);
 *  - per number field, each team's total across its rows (figures over the teams that gave one), and the figures
 *    over every row;
 *  - per choice field, the count of each choice across all rows (and its share of the rows answering);
 *  - written answers and "Other" texts listed with the team and the row.
 * They pair each response's own answers (a total per team), which counts of values cannot give, so they are read
 * from the answers at every scope, national ones included (never from the answer tallies; decision 006).
 */

/** One value inside a row or panel that the figures summarise, by its path (nested rows as "*"). */
export type DynamicLeaf = {
  key: string;
  title: string;
  kind: 'numeric' | 'choice' | 'text';
  multiple?: boolean;
  choices?: { value: string; text: string }[];
  /** Respondents may type their own choices. */
  open?: boolean;
  /** The choice has an "Other" item, whose text is kept with it. */
  other?: boolean;
};

export type DynamicLeafFigures = DynamicLeaf & {
  /** Numbers: each team's total across its rows (over the teams that gave one), and every row's value. */
  perTeam?: NumericStats | null;
  perRow?: NumericStats | null;
  /** Choices: counts across all rows; respondents are the rows (or nested rows) answering. */
  choiceFigures?: ChoiceFigures & { teams: number };
  text?: TextFigures;
  otherTexts?: TextFigures;
};

export type DynamicFigures = {
  unit: 'rows' | 'panels';
  /** Teams in scope with at least one row (or panel) answered. */
  answered: number;
  /** Rows or panels per team, over every team in scope (none counts as 0). */
  count: { stats: NumericStats | null; distribution: { rows: number; teams: number; share: number }[] };
  fields: DynamicLeafFigures[];
};

const join = (...parts: string[]) => parts.filter((p) => p !== '').join('.');
const titled = (titles: string[]) => titles.filter((t) => t !== '').join(' › ');

/** The values of a matrix-like question inside a row or panel, each by its path. */
function matrixLeaves(detail: QuestionDetail, key: string, titles: string[]): DynamicLeaf[] {
  if (detail.ranking) return (detail.rows ?? []).map((r) => ({ key: join(key, r.value), title: titled([...titles, `Rank of ${r.text}`]), kind: 'numeric' }));
  if (detail.items) return detail.items.map((i) => ({ key: join(key, i.name), title: titled([...titles, i.title]), kind: i.valueType }));
  return (detail.rows ?? []).flatMap((row) =>
    (detail.columns ?? []).map((column): DynamicLeaf => ({
      key: join(key, row.value, column.name),
      title: titled([...titles, row.text, column.title]),
      kind: column.valueType,
      ...(column.valueType === 'choice' ? { choices: column.choices ?? [] } : {}),
      ...(column.multiple ? { multiple: true } : {}),
      ...(column.rules?.open ? { open: true } : {}),
      ...(column.rules?.other ? { other: true } : {}),
    })),
  );
}

/**
 * Every value a row or panel holds, by its path, and the paths of the dynamic questions nested in it (whose row
 * numbers the figures replace by "*"), in the order the questionnaire shows them.
 */
export function dynamicLeaves(fields: NestedField[], prefix = '', titles: string[] = [], nested: string[] = []): { leaves: DynamicLeaf[]; nested: string[] } {
  const leaves: DynamicLeaf[] = [];
  for (const field of fields) {
    const key = join(prefix, field.name);
    const path = [...titles, field.title];
    const rules = field.detail.rules;
    switch (field.valueType) {
      case 'numeric':
      case 'text':
        leaves.push({ key, title: titled(path), kind: field.valueType });
        break;
      case 'choice':
      case 'multiple':
        leaves.push({
          key,
          title: titled(path),
          kind: 'choice',
          choices: field.detail.choices ?? [],
          ...(field.valueType === 'multiple' ? { multiple: true } : {}),
          ...(rules?.open ? { open: true } : {}),
          ...(rules?.other ? { other: true } : {}),
        });
        break;
      case 'matrix':
        leaves.push(...matrixLeaves(field.detail, key, path));
        break;
      case 'dynamic':
        nested.push(key);
        leaves.push(...dynamicLeaves(field.detail.fields ?? [], join(key, '*'), path, nested).leaves);
        break;
    }
    if (field.detail.comment) leaves.push({ key: `${key}${COMMENT_SUFFIX}`, title: titled([...path, 'comment']), kind: 'text' });
  }
  return { leaves, nested };
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The answer's path with the numbers of nested rows replaced by "*" ("visits.2.date" → "visits.*.date"), as SQL:
 * per question, only at the places its own nested dynamic questions hold row numbers.
 */
export function leafColumn(questions: { name: string; nested: string[] }[]): RawBuilder<string> {
  const withNested = questions.filter((q) => q.nested.length);
  if (!withNested.length) return sql<string>`a.column_key`;
  const cases = withNested.map((q) => {
    // Outer rows first: "a.*.b" is matched only once "a.3" has become "a.*".
    const expression = q.nested.reduce<RawBuilder<string>>(
      (inner, path) => sql<string>`regexp_replace(${inner}, ${`^${escapeRegex(path)}\\.[0-9]+(\\.|$)`}, ${`${path.replace(/\\/g, '\\\\')}.*\\1`})`,
      sql<string>`a.column_key`,
    );
    return sql`when a.question = ${q.name} then ${expression}`;
  });
  return sql<string>`(case ${sql.join(cases, sql` `)} else a.column_key end)`;
}

type StatsRow = { question: string; leaf: string; level: 'team' | 'row'; n: number; sum: number; mean: number; min: number; max: number; quartiles: number[] };

function toStats(row: Pick<StatsRow, 'n' | 'sum' | 'mean' | 'min' | 'max' | 'quartiles'>): NumericStats {
  const [q1, median, q3] = row.quartiles.map(Number);
  return { n: Number(row.n), sum: Number(row.sum), mean: Number(row.mean), min: Number(row.min), q1, median, q3, max: Number(row.max) };
}

/** The figures of the scope's dynamic questions among `questions` (all of one topic), by question name. */
export async function dynamicFigures(db: Executor, scope: Scope, topic: string, questions: CatalogueQuestion[]): Promise<Map<string, DynamicFigures>> {
  const dynamic = questions.filter((q) => q.valueType === 'dynamic');
  const result = new Map<string, DynamicFigures>();
  if (!dynamic.length) return result;
  const shapes = dynamic.map((q) => ({ question: q, ...dynamicLeaves(q.detail.fields ?? []) }));
  const names = dynamic.map((q) => q.name);
  const leaf = leafColumn(shapes.map((s) => ({ name: s.question.name, nested: s.nested })));
  const from = scopedAnswers(scope, 'a', names);
  // Every value inside a row or panel (row_key from 1); a comment on the whole question has row_key ''.
  const where = sql`a.round_id = ${scope.round.id} and a.topic = ${topic} and a.question in (${sql.join(names)}) and a.row_key <> '' and ${inScope(scope)}`;

  const [rowCounts, numbers, choices, choiceRows, texts] = await Promise.all([
    runAggregate(
      db,
      sql<{ question: string; rows: number; teams: number }>`
      select question, rows, count(*)::int as teams
      from (select a.question, a.response_id, count(distinct a.row_key)::int as rows from ${from} where ${where} group by a.question, a.response_id) x
      group by question, rows
      order by question, rows`,
    ),
    runAggregate(
      db,
      sql<StatsRow>`
      with v as (
        select a.question, ${leaf} as leaf, a.response_id, a.value_numeric as value
        from ${from} where ${where} and a.value_type = 'numeric' and a.value_numeric is not null
      ), per_team as (select question, leaf, response_id, sum(value) as total from v group by question, leaf, response_id)
      select question, leaf, 'team' as level, count(*)::int as n, sum(total) as sum, avg(total) as mean, min(total) as min, max(total) as max,
        percentile_cont(array[0.25, 0.5, 0.75]) within group (order by total) as quartiles
      from per_team group by question, leaf
      union all
      select question, leaf, 'row' as level, count(*)::int as n, sum(value) as sum, avg(value) as mean, min(value) as min, max(value) as max,
        percentile_cont(array[0.25, 0.5, 0.75]) within group (order by value) as quartiles
      from v group by question, leaf`,
    ),
    runAggregate(
      db,
      sql<{ question: string; leaf: string; value: string; n: number }>`
      select a.question, ${leaf} as leaf, a.value_choice as value, count(*)::int as n
      from ${from} where ${where} and a.value_type = 'choice'
      group by 1, 2, 3`,
    ),
    // Rows answering each choice (a row that ticks two boxes is one row), and teams.
    runAggregate(
      db,
      sql<{ question: string; leaf: string; rows: number; teams: number }>`
      select a.question, ${leaf} as leaf, count(distinct a.response_id::text || ':' || a.row_key || ':' || a.column_key)::int as rows,
        count(distinct a.response_id)::int as teams
      from ${from} where ${where} and a.value_type = 'choice'
      group by 1, 2`,
    ),
    // Written answers and "Other" texts: how many, and the first few of each by team and row (textLimit).
    runAggregate(
      db,
      sql<{ question: string; leaf: string; other: boolean; team_id: number; row_key: string; text: string; total: number }>`
      select question, leaf, other, team_id, row_key, text, total
      from (
        select a.question, ${leaf} as leaf, a.value_type = 'choice' as other, a.team_id, a.row_key, a.value_text as text,
          row_number() over (partition by a.question, ${leaf}, a.value_type order by a.team_id, length(a.row_key), a.row_key, a.column_key) as i,
          count(*) over (partition by a.question, ${leaf}, a.value_type)::int as total
        from ${from} where ${where} and (a.value_type = 'text' or (a.value_type = 'choice' and a.value_text is not null))
      ) x
      where i <= ${textLimit(scope.responses.length)}`,
    ),
  ]);

  const key = (question: string, path: string) => `${question}\u0000${path}`;
  const stats = new Map<string, { team?: NumericStats; row?: NumericStats }>();
  for (const r of numbers.rows) {
    const entry = stats.get(key(r.question, r.leaf)) ?? {};
    entry[r.level] = toStats(r);
    stats.set(key(r.question, r.leaf), entry);
  }
  const counts = new Map<string, Map<string, number>>();
  for (const r of choices.rows) counts.set(key(r.question, r.leaf), (counts.get(key(r.question, r.leaf)) ?? new Map()).set(r.value, Number(r.n)));
  const answering = new Map(choiceRows.rows.map((r) => [key(r.question, r.leaf), { rows: Number(r.rows), teams: Number(r.teams) }]));
  const teams = teamsById(scope);
  const written = new Map<string, TextFigures>();
  for (const r of texts.rows) {
    const at = `${key(r.question, r.leaf)}\u0000${r.other ? 'other' : 'text'}`;
    const entry = written.get(at) ?? { total: Number(r.total), answers: [] };
    const team = teams.get(r.team_id);
    entry.answers.push({ teamId: r.team_id, teamName: team?.teamName ?? '', areaName: team?.areaName ?? '', text: r.text, row: Number(r.row_key) });
    written.set(at, entry);
  }
  for (const entry of written.values())
    entry.answers.sort((a, b) => compareNames(a.teamName, b.teamName) || a.teamId - b.teamId || (a.row ?? 0) - (b.row ?? 0));

  for (const { question, leaves } of shapes) {
    const distribution = rowCounts.rows.filter((r) => r.question === question.name).map((r) => ({ rows: Number(r.rows), teams: Number(r.teams) }));
    const answered = distribution.reduce((n, d) => n + d.teams, 0);
    const none = scope.responses.length - answered;
    if (none > 0) distribution.unshift({ rows: 0, teams: none });
    const summary = summariseCounts(
      distribution.map((d) => d.rows),
      distribution.map((d) => d.teams),
    );
    const total = scope.responses.length;
    result.set(question.name, {
      unit: question.detail.dynamic === 'panels' ? 'panels' : 'rows',
      answered,
      count: { stats: summary, distribution: distribution.map((d) => ({ ...d, share: total ? d.teams / total : 0 })) },
      fields: leaves.map((l): DynamicLeafFigures => {
        const at = key(question.name, l.key);
        if (l.kind === 'numeric') return { ...l, perTeam: stats.get(at)?.team ?? null, perRow: stats.get(at)?.row ?? null };
        if (l.kind === 'text') return { ...l, text: written.get(`${at}\u0000text`) ?? EMPTY_TEXT };
        const rows = answering.get(at) ?? { rows: 0, teams: 0 };
        return {
          ...l,
          choiceFigures: { ...choiceFigures(l.choices, counts.get(at), rows.rows, l.open), teams: rows.teams },
          ...(l.other ? { otherTexts: written.get(`${at}\u0000other`) ?? EMPTY_TEXT } : {}),
        };
      }),
    });
  }
  return result;
}
