import { sql } from 'kysely';
import type { Executor } from '../../../db/index';
import { TEAM_TYPE_LABELS, type ResponseStatus } from '../../../db/schema';
import type { AnswerCell } from '../answers.server';
import type { CatalogueQuestion } from '../catalogue.server';
import { COMMENT_SUFFIX } from '../validation.server';
import { findVisibleResponse } from '../responses.server';
import type { CurrentUser } from '../users.server';
import { DEFAULT_FILTER, inScope, loadScope, runAggregate, scopedAnswers, type Scope } from './scope.server';
import { cellKey, talliedCellStats } from './topic.server';

/**
 * A printable report of one team's response: every answer, page by page, and beside each number the median of the
 * round (submitted responses of the teams the reader may see) with how many teams it rests on.
 */

export type ReportValue =
  { kind: 'number'; value: number; median: number | null; n: number } | { kind: 'text'; value: string } | { kind: 'choices'; values: string[] };

export type ReportQuestion = {
  name: string;
  title: string;
  /** Whole questions have one value; matrices and multiple-text questions have cells. */
  value: ReportValue | null;
  matrix: null | {
    columns: { key: string; title: string }[];
    rows: { key: string; title: string; cells: Record<string, ReportValue | null> }[];
  };
};

export type TeamReport = {
  response: { id: number; status: ResponseStatus; submittedAt: Date | null; updatedAt: Date };
  team: { id: number; name: string; area: string; teamType: string };
  round: { id: number; name: string; dueDate: string };
  questionnaire: { title: string; version: number };
  /** Submitted responses the medians rest on. */
  medianOf: number;
  pages: { name: string; title: string; questions: ReportQuestion[] }[];
};

type AnswerRow = Omit<AnswerCell, 'topic'>;

/** The round's median of every numeric answer (whole question or cell) and how many it rests on. */
export async function roundMedians(db: Executor, scope: Scope): Promise<Map<string, { median: number; n: number }>> {
  if (scope.tally) {
    const stats = await talliedCellStats(db, scope, null);
    return new Map([...stats].map(([cell, s]) => [cell, { median: s.median, n: s.n }]));
  }
  const result = await runAggregate(
    db,
    sql<{ question: string; row_key: string; column_key: string; median: number; n: number }>`
    select a.question, a.row_key, a.column_key, percentile_cont(0.5) within group (order by a.value_numeric) as median, count(*)::int as n
    from ${scopedAnswers(scope)}
    where a.round_id = ${scope.round.id} and a.value_type = 'numeric' and ${inScope(scope)}
    group by a.question, a.row_key, a.column_key`,
  );
  return new Map(result.rows.map((m) => [cellKey(m.question, m.row_key, m.column_key), { median: Number(m.median), n: Number(m.n) }]));
}

/**
 * A dynamic matrix or panel as a table: a row per row or panel the team gave (numbered from 1), a column per field
 * (nested paths such as `visits.1.date` as their own columns, in the order answered).
 */
function dynamicMatrix(
  q: CatalogueQuestion,
  answers: AnswerRow[],
  valueOf: (q: CatalogueQuestion, row: string, column: string, choices?: { value: string; text: string }[]) => ReportValue | null,
): ReportQuestion['matrix'] {
  const own = answers.filter((a) => a.question === q.name);
  if (!own.length) return null;
  const fields = q.detail.fields ?? [];
  const columns = fields.map((f) => ({ key: f.name, title: f.title }));
  for (const a of own) {
    if (!columns.some((c) => c.key === a.column_key)) columns.push({ key: a.column_key, title: a.column_key });
  }
  const rows = [...new Set(own.map((a) => a.row_key))].sort((a, b) => Number(a) - Number(b));
  const used = columns.filter((c) => own.some((a) => a.column_key === c.key));
  return {
    columns: used,
    rows: rows.map((row) => ({
      key: row,
      title: `${q.detail.dynamic === 'rows' ? 'Row' : 'Panel'} ${row}`,
      cells: Object.fromEntries(used.map((c) => [c.key, valueOf(q, row, c.key, fields.find((f) => f.name === c.key)?.detail.choices)])),
    })),
  };
}

export async function teamReport(db: Executor, user: CurrentUser, responseId: number): Promise<TeamReport | null> {
  const response = await findVisibleResponse(db, user, responseId);
  if (!response) return null;
  const scope = await loadScope(db, user, response.round_id, DEFAULT_FILTER);
  if (!scope) return null;
  const area = await db.selectFrom('areas').select('name').where('id', '=', response.area_id).executeTakeFirstOrThrow();
  const [answers, medians] = await Promise.all([
    db
      .selectFrom('answers')
      .select(['question', 'row_key', 'column_key', 'value_type', 'value_numeric', 'value_text', 'value_choice'])
      .where('response_id', '=', responseId)
      .orderBy('id')
      .execute() as Promise<AnswerRow[]>,
    roundMedians(db, scope),
  ]);
  const key = cellKey;
  const medianMap = medians;
  const byCell = new Map<string, AnswerRow[]>();
  for (const a of answers) byCell.set(key(a.question, a.row_key, a.column_key), [...(byCell.get(key(a.question, a.row_key, a.column_key)) ?? []), a]);

  const version = scope.version;
  const label = (choices: { value: string; text: string }[] | undefined, value: string) => choices?.find((c) => c.value === value)?.text ?? value;
  const valueOf = (q: CatalogueQuestion, row: string, column: string, choices?: { value: string; text: string }[]): ReportValue | null => {
    const cell = byCell.get(key(q.name, row, column));
    if (!cell?.length) return null;
    const first = cell[0];
    if (first.value_type === 'numeric' && first.value_numeric !== null) {
      const m = medianMap.get(key(q.name, row, column));
      const ratingLabel = q.type === 'rating' ? choices?.find((c) => Number(c.value) === first.value_numeric)?.text : undefined;
      if (ratingLabel && ratingLabel !== String(first.value_numeric)) return { kind: 'text', value: `${first.value_numeric} (${ratingLabel})` };
      // A dynamic row's number is its position, not a thing teams share: no median beside it.
      if (q.valueType === 'dynamic') return { kind: 'number', value: Number(first.value_numeric), median: null, n: 0 };
      return { kind: 'number', value: Number(first.value_numeric), median: m?.median ?? null, n: m?.n ?? 0 };
    }
    // "Other" (and any choice kept with a typed text) reads as the choice and what was typed: "Other (describe): Police".
    if (first.value_type === 'choice') {
      return {
        kind: 'choices',
        values: cell.map((c) => (c.value_text ? `${label(choices, c.value_choice ?? '')}: ${c.value_text}` : label(choices, c.value_choice ?? ''))),
      };
    }
    return { kind: 'text', value: first.value_text ?? '' };
  };

  const pageTitles = new Map(((version.definition.pages as Array<{ name: string; title?: string }> | undefined) ?? []).map((p) => [p.name, p.title ?? p.name]));
  const pages = new Map<string, ReportQuestion[]>();
  for (const q of [...version.catalogue.values()].sort((a, b) => a.position - b.position)) {
    let entry: ReportQuestion;
    if (q.valueType === 'dynamic') {
      entry = { name: q.name, title: q.title, value: null, matrix: dynamicMatrix(q, answers, valueOf) };
    } else if (q.valueType !== 'matrix') {
      entry = { name: q.name, title: q.title, value: valueOf(q, '', '', q.detail.choices), matrix: null };
    } else if (q.detail.items) {
      entry = {
        name: q.name,
        title: q.title,
        value: null,
        matrix: {
          columns: [{ key: '', title: 'Answer' }],
          rows: q.detail.items.map((i) => ({ key: i.name, title: i.title, cells: { '': valueOf(q, i.name, '') } })),
        },
      };
    } else {
      const columns = q.detail.columns ?? [];
      entry = {
        name: q.name,
        title: q.title,
        value: null,
        matrix: {
          columns: columns.map((c) => ({ key: c.name, title: c.title || 'Answer' })),
          rows: (q.detail.rows ?? []).map((r) => ({
            key: r.value,
            title: r.text,
            cells: Object.fromEntries(columns.map((c) => [c.name, valueOf(q, r.value, c.name, c.choices)])),
          })),
        },
      };
      // Leave out rows the team did not answer at all (unused findings, months outside the return).
      entry.matrix!.rows = entry.matrix!.rows.filter((r) => Object.values(r.cells).some((c) => c !== null));
      if (!entry.matrix!.rows.length) entry.matrix = null;
    }
    const comment = byCell.get(key(q.name, '', COMMENT_SUFFIX))?.[0]?.value_text;
    const entries = comment
      ? [entry, { name: `${q.name}${COMMENT_SUFFIX}`, title: `${q.title}: comment`, value: { kind: 'text' as const, value: comment }, matrix: null }]
      : [entry];
    pages.set(q.page, [...(pages.get(q.page) ?? []), ...entries]);
  }
  return {
    response: { id: response.id, status: response.status, submittedAt: response.submitted_at, updatedAt: response.updated_at },
    team: { id: response.team_id, name: response.team_name, area: area.name, teamType: TEAM_TYPE_LABELS[response.team_type] },
    round: { id: response.round_id, name: response.round_name, dueDate: response.due_date },
    questionnaire: { title: version.title, version: version.version },
    medianOf: scope.counts.submitted,
    pages: [...pages.entries()].map(([name, questions]) => ({ name, title: pageTitles.get(name) ?? name, questions })),
  };
}
