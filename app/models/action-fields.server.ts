import type { Model } from 'survey-core';
import type { ActionPart, ActionStatus } from '../../db/schema';
import { createModel } from './catalogue.server';

/**
 * Which questions and matrix columns of a questionnaire hold an action for the register, and which follow actions up
 * (docs/actions.md, docs/decisions/024). A questionnaire declares them — `"actionPart": "action" | "owner" |
 * "target-date"` on a comment or text question or on a matrix column, `"followsUp": "open-actions"` on a dynamic
 * matrix whose columns declare `"actionPart": "follow-up-…"` — or, for a version published before, in its meta.json
 * entry (`"actionParts": { "question" | "question.column": part }`). Code reads these, never question names.
 */
export type ActionField = { question: string; column: string; part: ActionPart };

export const SOURCE_PARTS = ['action', 'owner', 'target-date'] as const satisfies readonly ActionPart[];
export const FOLLOW_UP_COLUMN_PARTS = [
  'follow-up-ref',
  'follow-up-action',
  'follow-up-status',
  'follow-up-target-date',
  'follow-up-evidence',
] as const satisfies readonly ActionPart[];
export const ACTION_STATUSES = ['open', 'in_progress', 'done', 'dropped'] as const satisfies readonly ActionStatus[];
export const FOLLOWS_UP = 'open-actions';

const TEXT_TYPES = new Set(['text', 'comment']);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SurveyJS's classes do not type their serialised properties (columns…)
type Loose = Record<string, any>;

/** The action fields a questionnaire's own JSON declares. */
export function declaredActionFields(model: Model): ActionField[] {
  const fields: ActionField[] = [];
  for (const question of model.getAllQuestions(false, false, false) as Loose[]) {
    if (question.followsUp) fields.push({ question: question.name, column: '', part: 'follow-up' });
    else if (question.actionPart) fields.push({ question: question.name, column: '', part: question.actionPart });
    for (const column of (question.columns ?? []) as Loose[]) {
      if (column.actionPart) fields.push({ question: question.name, column: column.name, part: column.actionPart });
    }
  }
  return fields;
}

/** Fields declared in meta.json for a published version: `{ "question": part }` or `{ "question.column": part }`. */
export function metaActionFields(parts: Record<string, string>): ActionField[] {
  return Object.entries(parts).map(([key, part]) => {
    const dot = key.indexOf('.');
    return dot < 0
      ? { question: key, column: '', part: part as ActionPart }
      : { question: key.slice(0, dot), column: key.slice(dot + 1), part: part as ActionPart };
  });
}

function label(field: ActionField): string {
  return field.column ? `${field.question}.${field.column}` : field.question;
}

/**
 * What stops the declared fields working, named by question: an unknown part, a part on the wrong kind of question or
 * column, a matrix's owner or target date without its action, a follow-up matrix the respondent could add rows to.
 */
export function checkActionFields(definition: object, fields: ActionField[]): { question: string; message: string }[] {
  const model = createModel(definition);
  const problems: { question: string; message: string }[] = [];
  const seen = new Set<string>();
  const known = new Set<string>([...SOURCE_PARTS, ...FOLLOW_UP_COLUMN_PARTS]);
  for (const field of fields) {
    const name = label(field);
    if (seen.has(name)) problems.push({ question: name, message: 'declares its action part twice' });
    seen.add(name);
    const question = model.getQuestionByName(field.question) as Loose | null;
    if (!question) {
      problems.push({ question: name, message: 'declares an action part, but the version has no such question' });
      continue;
    }
    if (field.part === 'follow-up') {
      problems.push(...checkFollowUp(question, fields));
      continue;
    }
    if (!known.has(field.part)) {
      problems.push({ question: name, message: `has unknown action part "${field.part}" (use ${[...SOURCE_PARTS].join(', ')}, or a follow-up column part)` });
      continue;
    }
    const followUpPart = (FOLLOW_UP_COLUMN_PARTS as readonly string[]).includes(field.part);
    const inFollowUp = fields.some((f) => f.question === field.question && f.part === 'follow-up');
    if (followUpPart !== inFollowUp || (followUpPart && !field.column)) {
      problems.push({
        question: name,
        message: followUpPart
          ? `declares "${field.part}", which only a column of a follow-up matrix ("followsUp": "${FOLLOWS_UP}") can`
          : `declares "${field.part}" inside a follow-up matrix: use the follow-up parts there`,
      });
      continue;
    }
    if (followUpPart) continue;
    if (field.column) {
      const column = ((question.columns ?? []) as Loose[]).find((c) => c.name === field.column);
      if (!column) {
        problems.push({ question: name, message: 'declares an action part, but the matrix has no such column' });
        continue;
      }
      const cellType = column.cellType === 'default' || !column.cellType ? question.cellType : column.cellType;
      if (!TEXT_TYPES.has(cellType))
        problems.push({ question: name, message: `declares "${field.part}", which only a text or comment column can (it is ${cellType})` });
    } else if (!TEXT_TYPES.has(question.getType())) {
      problems.push({ question: name, message: `declares "${field.part}", which only a text or comment question can (it is ${question.getType()})` });
    }
  }
  // An owner or a target date belongs to an action: in the same matrix, or (for questions) on the same page.
  const sources = fields.filter((f) => (SOURCE_PARTS as readonly string[]).includes(f.part));
  for (const field of sources.filter((f) => f.part !== 'action')) {
    const actions = field.column
      ? sources.filter((f) => f.question === field.question && f.part === 'action')
      : sources.filter((f) => !f.column && f.part === 'action' && pageOf(model, f.question) === pageOf(model, field.question));
    if (actions.length !== 1) {
      problems.push({
        question: label(field),
        message: `declares "${field.part}" but ${field.column ? 'its matrix' : 'its page'} has ${actions.length ? 'more than one' : 'no'} "action" ${field.column ? 'column' : 'question'} for it to belong to`,
      });
    }
  }
  for (const matrix of new Set(sources.filter((f) => f.column).map((f) => f.question))) {
    const actionColumns = sources.filter((f) => f.question === matrix && f.column && f.part === 'action');
    if (actionColumns.length > 1) problems.push({ question: matrix, message: 'has more than one "action" column: one action per row' });
  }
  return problems;
}

function pageOf(model: Model, question: string): string | undefined {
  return (model.getQuestionByName(question) as Loose | null)?.page?.name;
}

function checkFollowUp(question: Loose, fields: ActionField[]): { question: string; message: string }[] {
  const name = question.name as string;
  if (question.followsUp !== undefined && question.followsUp !== FOLLOWS_UP) {
    return [{ question: name, message: `has "followsUp": "${question.followsUp}": the only kind is "${FOLLOWS_UP}"` }];
  }
  if (question.getType() !== 'matrixdynamic')
    return [{ question: name, message: `follows actions up, which only a dynamic matrix (matrixdynamic) can: one row per action` }];
  const problems: { question: string; message: string }[] = [];
  if (question.allowAddRows !== false || question.allowRemoveRows !== false) {
    problems.push({
      question: name,
      message: 'follows actions up, so its rows come from the register: set "allowAddRows": false and "allowRemoveRows": false',
    });
  }
  const columns = fields.filter((f) => f.question === name && f.column);
  const refs = columns.filter((f) => f.part === 'follow-up-ref');
  if (refs.length !== 1) problems.push({ question: name, message: `follows actions up and needs exactly one "follow-up-ref" column (it has ${refs.length})` });
  for (const part of FOLLOW_UP_COLUMN_PARTS) {
    if (columns.filter((f) => f.part === part).length > 1) problems.push({ question: name, message: `has more than one "${part}" column` });
  }
  for (const field of columns) {
    const column = ((question.columns ?? []) as Loose[]).find((c) => c.name === field.column);
    if (!column) {
      problems.push({ question: label(field), message: 'declares an action part, but the matrix has no such column' });
      continue;
    }
    const cellType = column.cellType === 'default' || !column.cellType ? question.cellType : column.cellType;
    if (field.part === 'follow-up-status') {
      const values = ((column.choices ?? []) as Loose[]).map((c) => String(c.value));
      const wrong = values.filter((v) => !(ACTION_STATUSES as readonly string[]).includes(v));
      if (!['dropdown', 'radiogroup'].includes(cellType) || !values.length || wrong.length) {
        problems.push({
          question: label(field),
          message: `holds an action's status: make it a dropdown or radiogroup column whose choice values are among ${ACTION_STATUSES.join(', ')}${wrong.length ? ` (not ${wrong.join(', ')})` : ''}`,
        });
      }
    } else if (!TEXT_TYPES.has(cellType)) {
      problems.push({ question: label(field), message: `declares "${field.part}", which only a text or comment column can (it is ${cellType})` });
    } else if ((field.part === 'follow-up-ref' || field.part === 'follow-up-action') && !column.readOnly) {
      problems.push({ question: label(field), message: `declares "${field.part}", which the register fills in: make the column "readOnly": true` });
    }
  }
  return problems;
}
