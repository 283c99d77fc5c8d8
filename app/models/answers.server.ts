import type { Executor } from '../../db/index';
import type { ValueType } from '../../db/schema';
import type { CatalogueQuestion } from './catalogue.server';
import { refreshResponseStaffing, touchesStaffing } from './aggregation/staffing.server';
import { tallyAnswerChange, type TalliedAnswer } from './tallies.server';

/** One typed answer value: a whole question, a matrix cell, or one selected choice of a checkbox. */
export type AnswerCell = {
  question: string;
  row_key: string;
  column_key: string;
  topic: string;
  value_type: ValueType;
  value_numeric: number | null;
  value_text: string | null;
  value_choice: string | null;
};

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

function cell(question: CatalogueQuestion, valueType: ValueType, value: unknown, row_key = '', column_key = ''): AnswerCell {
  const numeric = typeof value === 'number' && Number.isFinite(value) ? value : null;
  return {
    question: question.name,
    row_key,
    column_key,
    topic: question.topic,
    value_type: valueType,
    value_numeric: valueType === 'numeric' || valueType === 'choice' ? numeric : null,
    value_text: valueType === 'text' ? String(value) : null,
    value_choice: valueType === 'choice' ? String(value) : null,
  };
}

function cellsOf(question: CatalogueQuestion, valueType: ValueType | 'multiple', value: unknown, row = '', column = ''): AnswerCell[] {
  if (isEmpty(value)) return [];
  if (valueType === 'multiple') {
    return (Array.isArray(value) ? value : [value]).filter((v) => !isEmpty(v)).map((v) => cell(question, 'choice', v, row, column));
  }
  return [cell(question, valueType, value, row, column)];
}

/**
 * The answer rows for one question's value (already validated). Matrices give a row per cell, keyed by row and
 * column; checkbox questions give a row per selected choice.
 */
export function answerCells(question: CatalogueQuestion, value: unknown): AnswerCell[] {
  if (isEmpty(value)) return [];
  if (question.valueType !== 'matrix') return cellsOf(question, question.valueType, value);
  if (typeof value !== 'object' || value === null) return [];
  const detail = question.detail;
  const result: AnswerCell[] = [];
  if (detail.items) {
    for (const item of detail.items) result.push(...cellsOf(question, item.valueType, (value as Record<string, unknown>)[item.name], item.name));
    return result;
  }
  const columns = detail.columns ?? [];
  for (const row of detail.rows ?? []) {
    const rowValue = (value as Record<string, unknown>)[row.value];
    if (isEmpty(rowValue)) continue;
    if (question.type === 'matrix') {
      result.push(...cellsOf(question, 'choice', rowValue, row.value));
      continue;
    }
    if (typeof rowValue !== 'object' || rowValue === null) continue;
    for (const column of columns) {
      const type = column.multiple ? 'multiple' : column.valueType;
      result.push(...cellsOf(question, type, (rowValue as Record<string, unknown>)[column.name], row.value, column.name));
    }
  }
  return result;
}

/**
 * Rewrites the answer rows of the given questions of a response from its data (in the caller's transaction), and
 * what is kept with them: the answer tallies (app/models/tallies.server.ts) and the response's row of staffing
 * figures (app/models/aggregation/staffing.server.ts).
 */
export async function rewriteAnswers(
  trx: Executor,
  target: { responseId: number; roundId: number; teamId: number },
  catalogue: Map<string, CatalogueQuestion>,
  data: Record<string, unknown>,
  questions: string[] | 'all',
): Promise<void> {
  const names = questions === 'all' ? [...catalogue.keys()] : questions.filter((name) => catalogue.has(name));
  const returning = ['topic', 'question', 'row_key', 'column_key', 'value_type', 'value_numeric'] as const;
  let removed: TalliedAnswer[] = [];
  if (questions === 'all') {
    removed = await trx.deleteFrom('answers').where('response_id', '=', target.responseId).returning(returning).execute();
  } else if (names.length) {
    removed = await trx.deleteFrom('answers').where('response_id', '=', target.responseId).where('question', 'in', names).returning(returning).execute();
  }
  const rows = names.flatMap((name) =>
    answerCells(catalogue.get(name)!, data[name]).map((c) => ({
      ...c,
      response_id: target.responseId,
      round_id: target.roundId,
      team_id: target.teamId,
    })),
  );
  // Chunked: a full self-assessment is a few hundred rows, well under PostgreSQL's parameter limit per chunk.
  for (let i = 0; i < rows.length; i += 1000) {
    await trx
      .insertInto('answers')
      .values(rows.slice(i, i + 1000))
      .execute();
  }
  await tallyAnswerChange(trx, target.responseId, removed, rows);
  if (touchesStaffing(catalogue, names)) await refreshResponseStaffing(trx, target.responseId);
}
