import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../../db/index';
import { jsonb, textArray } from '../../db/json';
import type { ValueType } from '../../db/schema';
import type { CatalogueQuestion } from './catalogue.server';
import { COMMENT_SUFFIX, columnSpec, questionOfKey, type ValueSpec } from './validation.server';
import { refreshResponseStaffing, touchesStaffing } from './aggregation/staffing.server';
import { tallyAnswerChanges } from './tallies.server';

/** The value of SurveyJS's "Other" item. */
export const OTHER = 'other';

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

/** A value's place inside its question: the row (or item, dynamic row or panel) and the column (or nested path). */
type Place = { row: string; column: string };

/** One leaf of an answer, before it becomes a row: what it holds and, for "Other", the text typed with it. */
type Leaf = Place & { valueType: ValueType; value: unknown; text?: string };

function join(...parts: string[]): string {
  return parts.filter((p) => p !== '').join('.');
}

function commentOf(container: Record<string, unknown>, name: string): string | undefined {
  const text = container[`${name}${COMMENT_SUFFIX}`];
  return typeof text === 'string' && text !== '' ? text : undefined;
}

/** Leaves of a choice value: a listed choice, a special item, "Other" with its text, or a typed (custom) choice. */
function choiceLeaves(spec: ValueSpec, value: unknown, place: Place, otherText: string | undefined): Leaf[] {
  const values = Array.isArray(value) ? value : [value];
  const rules = spec.detail.rules;
  const listed = new Set((spec.detail.choices ?? []).map((c) => c.value));
  return values
    .filter((v) => !isEmpty(v))
    .map((v) => {
      if (rules?.other === 'comment' && String(v) === OTHER)
        return { ...place, valueType: 'choice' as const, value: v, ...(otherText ? { text: otherText } : {}) };
      // "Other" kept as the value itself (storeOthersAsComment: false): the choice is "other", the value its text.
      if (rules?.other === 'value' && !listed.has(String(v))) return { ...place, valueType: 'choice' as const, value: OTHER, text: String(v) };
      return { ...place, valueType: 'choice' as const, value: spec.type === 'boolean' ? booleanKey(spec, v) : v };
    });
}

/** A boolean is counted under the text of its value ("true"/"false", or its own values). */
function booleanKey(spec: ValueSpec, value: unknown): unknown {
  return spec.detail.booleanValues ? String(value) : value;
}

/** The leaves of one value of a question, a matrix cell or a question inside a dynamic panel. */
function leavesOf(spec: ValueSpec, name: string, container: Record<string, unknown>, place: Place): Leaf[] {
  const value = container[name];
  const { detail } = spec;
  const leaves: Leaf[] = [];
  const comment = commentOf(container, name);
  // A comment area (not "Other" text, which goes with its choice) is a text leaf of its own.
  if (detail.comment && comment !== undefined) leaves.push({ row: place.row, column: `${place.column}${COMMENT_SUFFIX}`, valueType: 'text', value: comment });
  if (isEmpty(value)) return leaves;
  switch (spec.valueType) {
    case 'numeric':
    case 'text':
      if (typeof value === 'object') return leaves;
      return [{ ...place, valueType: spec.valueType, value }, ...leaves];
    case 'choice':
    case 'multiple':
      return [...choiceLeaves(spec, value, place, detail.rules?.other === 'comment' ? comment : undefined), ...leaves];
    case 'matrix':
      return [...matrixLeaves(spec, value, place), ...leaves];
    case 'dynamic': {
      if (!Array.isArray(value)) return leaves;
      const fields = detail.fields ?? [];
      value.forEach((entry, index) => {
        if (typeof entry !== 'object' || entry === null) return;
        // Rows and panels are numbered from 1; a nested question's place is its path inside the row or panel.
        const row = place.row === '' ? String(index + 1) : place.row;
        const prefix = place.row === '' ? place.column : join(place.column, String(index + 1));
        for (const field of fields)
          leaves.push(...leavesOf(field as ValueSpec, field.name, entry as Record<string, unknown>, { row, column: join(prefix, field.name) }));
      });
      return leaves;
    }
  }
}

function matrixLeaves(spec: ValueSpec, value: unknown, place: Place): Leaf[] {
  const { detail } = spec;
  // Inside a dynamic panel a matrix's row and column go after the panel's place: panel 2, column "q.row.col".
  const at = (row: string, column = ''): Place =>
    place.row === '' && place.column === '' ? { row, column } : { row: place.row, column: join(place.column, row, column) };
  if (detail.ranking) {
    if (!Array.isArray(value)) return [];
    return value.map((item, index) => ({ ...at(String(item)), valueType: 'numeric' as const, value: index + 1 }));
  }
  if (detail.range) {
    if (!Array.isArray(value)) return [];
    return [
      { ...at('from'), valueType: 'numeric' as const, value: value[0] },
      { ...at('to'), valueType: 'numeric' as const, value: value[1] },
    ].filter((leaf) => typeof leaf.value === 'number');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  const object = value as Record<string, unknown>;
  if (detail.items) {
    return detail.items.flatMap((item) => leavesOf({ type: 'text', valueType: item.valueType, detail: {} }, item.name, object, at(item.name)));
  }
  const leaves: Leaf[] = [];
  for (const row of detail.rows ?? []) {
    if (isEmpty(object[row.value])) continue;
    if (spec.type === 'matrix') {
      leaves.push(
        ...choiceLeaves({ type: 'cell', valueType: 'choice', detail: { choices: detail.columns?.[0]?.choices } }, object[row.value], at(row.value), undefined),
      );
      continue;
    }
    const rowValue = object[row.value];
    if (typeof rowValue !== 'object' || rowValue === null) continue;
    for (const column of detail.columns ?? []) {
      leaves.push(...leavesOf(columnSpec(column), column.name, rowValue as Record<string, unknown>, at(row.value, column.name)));
    }
  }
  return leaves;
}

function cell(question: CatalogueQuestion, leaf: Leaf): AnswerCell {
  const numeric = typeof leaf.value === 'number' && Number.isFinite(leaf.value) ? leaf.value : null;
  return {
    question: question.name,
    row_key: leaf.row,
    column_key: leaf.column,
    topic: question.topic,
    value_type: leaf.valueType,
    value_numeric: leaf.valueType === 'numeric' || leaf.valueType === 'choice' ? numeric : null,
    value_text: leaf.valueType === 'text' ? String(leaf.value) : (leaf.text ?? null),
    value_choice: leaf.valueType === 'choice' ? String(leaf.value) : null,
  };
}

/**
 * The answer rows of one question, from the response's data (already validated). Matrices give a row per cell keyed
 * by row and column; checkbox questions a row per ticked choice; "Other" is the choice "other" with its text in
 * value_text; a comment area is a text row in column "-Comment"; a ranking the rank of each item; dynamic rows and
 * panels are keyed by their number (from 1) with nested questions by their path ("q", "matrix.row.column").
 */
export function answerCells(question: CatalogueQuestion, data: Record<string, unknown>): AnswerCell[] {
  return leavesOf(question, question.name, data, { row: '', column: '' }).map((leaf) => cell(question, leaf));
}

/** Who the rewritten answers belong to. */
export type AnswersTarget = { responseId: number; roundId: number; teamId: number };

/**
 * The rewrite of some questions' answer rows, as the parts of one statement: `ctes` delete the old rows and insert
 * the new ones, `tallies` applies the net change of numeric answers to the answer tallies. commitRevision sends them
 * with the revision's own writes in one statement; rewriteAnswers alone. `touchesStaffing`: the response's staffing
 * row must be refreshed after (refreshResponseStaffing reads the answers, so in a statement of its own).
 */
export type AnswersRewrite = { ctes: RawBuilder<unknown>; tallies: RawBuilder<unknown>; touchesStaffing: boolean };

/**
 * Plans the rewrite of the answer rows of the given questions of a response from its data (already validated).
 *
 * The new rows travel as one jsonb parameter, so the statement's text is the same whatever the number of rows (and
 * prepared once). In one statement every part sees the same snapshot: the delete never sees the rows the insert
 * adds. Tallies are counted under the response's status and team type as this statement sees them; when the same
 * statement also changes the status, the status trigger (migration 20261126_000200_answer_tallies) runs after it and
 * moves the response's answers, new ones included, from the old status to the new, so the tallies stay exact.
 */
export function planAnswersRewrite(
  target: AnswersTarget,
  catalogue: Map<string, CatalogueQuestion>,
  data: Record<string, unknown>,
  questions: string[] | 'all',
): AnswersRewrite | null {
  const names =
    questions === 'all'
      ? [...catalogue.keys()]
      : [...new Set(questions.map((key) => questionOfKey(catalogue, key)).filter((name): name is string => name !== null))];
  if (!names.length) return null;
  const rows = names.flatMap((name) => answerCells(catalogue.get(name)!, data));
  const which = questions === 'all' ? sql`` : sql`and question = any(${textArray(names)})`;
  const ctes = sql`removed_answers as (
      delete from answers where response_id = ${target.responseId} ${which}
      returning topic, question, row_key, column_key, value_type, value_numeric
    ), added_answers as (
      insert into answers (response_id, round_id, team_id, question, row_key, column_key, topic, value_type, value_numeric, value_text, value_choice)
      select ${target.responseId}::int, ${target.roundId}::int, ${target.teamId}::int, r.question, r.row_key, r.column_key, r.topic, r.value_type,
        r.value_numeric, r.value_text, r.value_choice
      from jsonb_to_recordset(${jsonb(rows)}) as r(question text, row_key text, column_key text, topic text, value_type text,
        value_numeric double precision, value_text text, value_choice text)
      returning topic, question, row_key, column_key, value_type, value_numeric
    )`;
  return { ctes, tallies: tallyAnswerChanges(target.responseId, 'removed_answers', 'added_answers'), touchesStaffing: touchesStaffing(catalogue, names) };
}

/**
 * Rewrites the answer rows of the given questions of a response from its data (in the caller's transaction), and
 * what is kept with them: the answer tallies (app/models/tallies.server.ts) and the response's row of staffing
 * figures (app/models/aggregation/staffing.server.ts). One statement, two when a staffing question is among them.
 */
export async function rewriteAnswers(
  trx: Executor,
  target: AnswersTarget,
  catalogue: Map<string, CatalogueQuestion>,
  data: Record<string, unknown>,
  questions: string[] | 'all',
): Promise<void> {
  const plan = planAnswersRewrite(target, catalogue, data, questions);
  if (!plan) return;
  await sql`with ${plan.ctes} ${plan.tallies}`.execute(trx);
  if (plan.touchesStaffing) await refreshResponseStaffing(trx, target.responseId);
}
