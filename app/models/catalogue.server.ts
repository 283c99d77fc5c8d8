import { Model, type Question } from 'survey-core';
import '~/lib/survey-properties';
import type { QuestionDetail, ValueType } from '../../db/schema';

/** One answerable question of a questionnaire version, flattened for storage, validation and aggregation. */
export type CatalogueQuestion = {
  name: string;
  position: number;
  page: string;
  title: string;
  type: string;
  topic: string;
  /** The part the question plays in the special figures (app/models/question-roles.ts), when it has one. */
  role?: string;
  /** How the answer is stored: one value (numeric/text/choice), one per row/cell ('matrix'), or one per selected choice ('multiple'). */
  valueType: ValueType | 'matrix' | 'multiple';
  detail: QuestionDetail;
};

/** Question types whose answers Stocktake stores and aggregates. Others are refused by `surveys check`. */
export const SUPPORTED_TYPES = new Set([
  'text',
  'comment',
  'radiogroup',
  'dropdown',
  'checkbox',
  'tagbox',
  'boolean',
  'rating',
  'matrix',
  'matrixdropdown',
  'multipletext',
]);
/** Types that show content but hold no answer. */
export const DISPLAY_TYPES = new Set(['html', 'image', 'expression']);

const NUMERIC_INPUT_TYPES = new Set(['number', 'range']);

function items(list: Array<{ value: unknown; text?: string }> | undefined) {
  return (list ?? []).map((item) => ({ value: String(item.value), text: String(item.text ?? item.value) }));
}

function cellValueType(cellType: string, inputType: string | undefined): ValueType | 'multiple' {
  if (cellType === 'checkbox' || cellType === 'tagbox') return 'multiple';
  if (cellType === 'text') return NUMERIC_INPUT_TYPES.has(inputType ?? '') ? 'numeric' : 'text';
  if (cellType === 'comment') return 'text';
  if (cellType === 'rating') return 'numeric';
  return 'choice'; // dropdown, radiogroup, boolean
}

function isNumericRating(question: Question): boolean {
  const values = (question as unknown as { rateValues: Array<{ value: unknown }> }).rateValues ?? [];
  return values.every((v) => typeof v.value === 'number' || /^-?\d+(\.\d+)?$/.test(String(v.value)));
}

export function describeQuestion(question: Question, position: number): CatalogueQuestion {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- SurveyJS's classes do not type their serialised properties (choices, rows, columns…)
  const q = question as unknown as Record<string, any>;
  const type = question.getType();
  const base = {
    name: question.name,
    position,
    page: question.page?.name ?? '',
    title: question.title || question.name,
    type,
    topic: String(q.topic ?? ''),
    ...(q.role ? { role: String(q.role) } : {}),
  };
  switch (type) {
    case 'text':
      return {
        ...base,
        valueType: NUMERIC_INPUT_TYPES.has(q.inputType) ? 'numeric' : 'text',
        detail: q.inputType && q.inputType !== 'text' ? { inputType: String(q.inputType) } : {},
      };
    case 'comment':
      return { ...base, valueType: 'text', detail: {} };
    case 'radiogroup':
    case 'dropdown':
      return { ...base, valueType: 'choice', detail: { choices: items(q.choices) } };
    case 'checkbox':
    case 'tagbox':
      return { ...base, valueType: 'multiple', detail: { choices: items(q.choices) } };
    case 'boolean':
      return {
        ...base,
        valueType: 'choice',
        detail: {
          choices: [
            { value: 'true', text: q.labelTrue || 'Yes' },
            { value: 'false', text: q.labelFalse || 'No' },
          ],
        },
      };
    case 'rating': {
      const rateValues = (q.visibleRateValues ?? q.rateValues ?? []) as Array<{ value: unknown; text?: string }>;
      return {
        ...base,
        valueType: isNumericRating(question) ? 'numeric' : 'choice',
        detail: { choices: items(rateValues) },
      };
    }
    case 'matrix':
      return {
        ...base,
        valueType: 'matrix',
        detail: {
          rows: items(q.rows),
          columns: [{ name: '', title: '', valueType: 'choice', choices: items(q.columns) }],
        },
      };
    case 'matrixdropdown':
      return {
        ...base,
        valueType: 'matrix',
        detail: {
          rows: items(q.rows),
          // eslint-disable-next-line @typescript-eslint/no-explicit-any -- SurveyJS matrix columns, untyped as above
          columns: (q.columns as Array<Record<string, any>>).map((column) => {
            const cellType = column.cellType === 'default' ? q.cellType || 'dropdown' : column.cellType;
            // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the column's template question, untyped as above
            const template = column.templateQuestion as Record<string, any> | undefined;
            const choices = template?.choices?.length ? items(template.choices) : column.choices?.length ? items(column.choices) : items(q.choices);
            const valueType = cellValueType(cellType, template?.inputType ?? column.inputType);
            return {
              name: String(column.name),
              title: String(column.title || column.name),
              valueType: valueType === 'multiple' ? 'choice' : valueType,
              ...(valueType === 'choice' || valueType === 'multiple'
                ? {
                    choices:
                      cellType === 'boolean'
                        ? items([
                            { value: 'true', text: 'Yes' },
                            { value: 'false', text: 'No' },
                          ])
                        : choices,
                  }
                : {}),
              ...(valueType === 'multiple' ? { multiple: true } : {}),
            };
          }),
        },
      };
    case 'multipletext':
      return {
        ...base,
        valueType: 'matrix',
        detail: {
          // eslint-disable-next-line @typescript-eslint/no-explicit-any -- SurveyJS multiple-text items, untyped as above
          items: (q.items as Array<Record<string, any>>).map((item) => ({
            name: String(item.name),
            title: String(item.title || item.name),
            valueType: NUMERIC_INPUT_TYPES.has(item.inputType) ? 'numeric' : 'text',
          })),
        },
      };
    default:
      return { ...base, valueType: 'text', detail: {} };
  }
}

/** The answerable questions of a questionnaire definition, in page order (display-only questions left out). */
export function catalogueOf(model: Model): CatalogueQuestion[] {
  return model
    .getAllQuestions(false, false, false)
    .filter((question) => !DISPLAY_TYPES.has(question.getType()))
    .map((question, index) => describeQuestion(question, index));
}

export function createModel(definition: unknown): Model {
  return new Model(definition as object);
}
