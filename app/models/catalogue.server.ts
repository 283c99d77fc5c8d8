import { Model, type Question } from 'survey-core';
import '~/lib/survey-properties';
import type { ChoiceRules, MatrixColumn, NestedField, QuestionDetail, StoredAs, ValueType } from '../../db/schema';

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
  /** How the answer is stored: one value (numeric/text/choice), one per row/cell ('matrix'), one per selected choice ('multiple'), or a list of rows or panels ('dynamic'). */
  valueType: StoredAs;
  detail: QuestionDetail;
};

/**
 * Question types whose answers Stocktake stores and aggregates: every type survey-core 3.0 registers that holds an
 * answer (its ElementFactory, tests/question-types.test.ts), except those in REFUSED_TYPES.
 */
export const SUPPORTED_TYPES = new Set([
  'text',
  'comment',
  'radiogroup',
  'dropdown',
  'checkbox',
  'tagbox',
  'boolean',
  'rating',
  'slider',
  'ranking',
  'imagepicker',
  'matrix',
  'matrixdropdown',
  'matrixdynamic',
  'multipletext',
  'paneldynamic',
]);
/** Answer-holding types `surveys check` refuses, with the reason it gives. */
export const REFUSED_TYPES = new Map([
  ['file', 'file questions are not supported: Stocktake stores no uploaded files (ask for a reference or a link instead)'],
  ['signaturepad', 'signature pads are not supported: Stocktake stores no images (ask for a typed name and a date instead)'],
]);
/**
 * Types that hold no answer of the respondent's: content (html, image), a value computed from others (expression) and
 * a panel, whose questions are each listed on their own.
 */
export const DISPLAY_TYPES = new Set(['html', 'image', 'expression', 'panel']);

const NUMERIC_INPUT_TYPES = new Set(['number', 'range']);
const NUMERIC_MASKS = new Set(['numeric', 'currency']);
const SELECT_TYPES = new Set(['radiogroup', 'dropdown', 'checkbox', 'tagbox', 'imagepicker', 'ranking']);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SurveyJS's classes do not type their serialised properties (choices, rows, columns…)
type Loose = Record<string, any>;

function items(list: Array<{ value: unknown; text?: string }> | undefined) {
  return (list ?? []).map((item) => ({ value: String(item.value), text: String(item.text ?? item.value) }));
}

function isNumericRating(question: Loose): boolean {
  const values = (question.rateValues ?? []) as Array<{ value: unknown }>;
  return values.every((v) => typeof v.value === 'number' || /^-?\d+(\.\d+)?$/.test(String(v.value)));
}

function isNumericText(q: Loose): boolean {
  return NUMERIC_INPUT_TYPES.has(q.inputType) || NUMERIC_MASKS.has(q.maskType);
}

/** The listed choices of a choice question: its own, or those of the question it copies them from. */
function listedChoices(q: Loose): { value: string; text: string }[] {
  if (q.choicesFromQuestion) {
    const source = q.survey?.getQuestionByName?.(q.choicesFromQuestion) ?? q.data?.getQuestionByName?.(q.choicesFromQuestion);
    // The listed choices are copied, and "Other" when only the chosen ones are (survey-core 3.0 offers the source's
    // "Other", showing its typed text, under its own value); no "None", "Refused" or "Don't know" item is copied.
    if (source && !q.choiceValuesFromQuestion) {
      const other = q.choicesFromQuestionMode === 'selected' && source.showOtherItem && source.otherItem ? items([source.otherItem]) : [];
      return [...items(source.choices), ...other];
    }
  }
  return items(q.choices);
}

/** The special items a choice question shows (other, none, refused, don't know), as choices and as rules. */
function specialItems(q: Loose): { items: { value: string; text: string }[]; rules: ChoiceRules } {
  const found: { value: string; text: string }[] = [];
  const rules: ChoiceRules = {};
  const exclusive: string[] = [];
  for (const [shown, item] of [
    [q.showNoneItem, q.noneItem],
    [q.showRefuseItem, q.refuseItem],
    [q.showDontKnowItem, q.dontKnowItem],
  ] as const) {
    if (!shown || !item) continue;
    found.push({ value: String(item.value), text: String(item.text ?? item.value) });
    exclusive.push(String(item.value));
  }
  if (q.showOtherItem && q.otherItem) {
    found.push({ value: String(q.otherItem.value), text: String(q.otherItem.text ?? q.otherItem.value) });
    rules.other = q.getStoreOthersAsComment?.() === false ? 'value' : 'comment';
  }
  if (exclusive.length && (q.getType() === 'checkbox' || q.getType() === 'tagbox' || q.getType() === 'imagepicker')) rules.exclusive = exclusive;
  return { items: found, rules };
}

function choiceDetail(q: Loose): QuestionDetail {
  const special = specialItems(q);
  const rules: ChoiceRules = { ...special.rules };
  if (q.allowCustomChoices || q.choiceValuesFromQuestion) rules.open = true;
  if (q.maxSelectedChoices > 0) rules.maxSelected = Number(q.maxSelectedChoices);
  const choices = [...listedChoices(q), ...special.items];
  const unique = choices.filter((c, i) => choices.findIndex((d) => d.value === c.value) === i);
  return { choices: unique, ...(Object.keys(rules).length ? { rules } : {}) };
}

function booleanDetail(q: Loose): QuestionDetail {
  const custom = q.valueTrue !== undefined || q.valueFalse !== undefined;
  const trueValue = custom ? (q.valueTrue ?? true) : true;
  const falseValue = custom ? (q.valueFalse ?? false) : false;
  return {
    choices: [
      { value: String(trueValue), text: q.labelTrue || 'Yes' },
      { value: String(falseValue), text: q.labelFalse || 'No' },
    ],
    ...(custom ? { booleanValues: [trueValue, falseValue] as [unknown, unknown] } : {}),
  };
}

/** The values a slider can be set to: from min to max by step (unless an expression moves its ends). */
function sliderScale(q: Loose): Pick<QuestionDetail, 'scale'> {
  if (q.minValueExpression || q.maxValueExpression) return {};
  return { scale: { min: Number(q.min), max: Number(q.max), step: Number(q.step) || 1 } };
}

function withComment(q: Loose, detail: QuestionDetail): QuestionDetail {
  return q.showCommentArea ? { ...detail, comment: true } : detail;
}

/** A matrix column (or a row's detail-panel question), from the question SurveyJS builds for its cells. */
function matrixColumn(name: string, title: string, cell: Loose, detailPanel = false, role?: unknown): MatrixColumn {
  const described = describeValue(cell);
  const multiple = described.valueType === 'multiple';
  const valueType = multiple || described.valueType === 'matrix' || described.valueType === 'dynamic' ? 'choice' : (described.valueType as ValueType);
  const { choices, rules, booleanValues } = described.detail;
  return {
    name,
    title,
    valueType,
    // A numeric rating cell keeps its rates too: they are the values it accepts.
    ...(valueType === 'choice' || multiple ? { choices: choices ?? [] } : choices?.length ? { choices } : {}),
    ...(multiple ? { multiple: true } : {}),
    ...(rules ? { rules } : {}),
    ...(booleanValues ? { booleanValues, cellType: 'boolean' } : {}),
    ...(detailPanel ? { detailPanel: true } : {}),
    ...(role ? { role: String(role) } : {}),
  };
}

function cellQuestion(matrix: Loose, column: Loose): Loose {
  const template = column.templateQuestion as Loose;
  // A column without choices of its own shows the matrix's.
  if (!template.choices?.length && matrix.choices?.length && SELECT_TYPES.has(template.getType())) template.choices = matrix.choices;
  return template;
}

function detailQuestions(matrix: Loose): Loose[] {
  return matrix.detailPanelMode && matrix.detailPanelMode !== 'none' ? ((matrix.detailPanel?.questions ?? []) as Loose[]) : [];
}

/** How one question (top-level, a matrix cell or inside a dynamic panel) stores its answer. */
export function describeValue(question: Question | Loose): { valueType: StoredAs; detail: QuestionDetail } {
  const q = question as Loose;
  const type = q.getType() as string;
  switch (type) {
    case 'text':
      return {
        valueType: isNumericText(q) ? 'numeric' : 'text',
        detail: withComment(q, q.inputType && q.inputType !== 'text' ? { inputType: String(q.inputType) } : {}),
      };
    case 'comment':
      return { valueType: 'text', detail: {} };
    case 'radiogroup':
    case 'dropdown':
      return { valueType: 'choice', detail: withComment(q, choiceDetail(q)) };
    case 'checkbox':
    case 'tagbox':
      return { valueType: 'multiple', detail: withComment(q, choiceDetail(q)) };
    case 'imagepicker':
      return { valueType: q.multiSelect ? 'multiple' : 'choice', detail: withComment(q, choiceDetail(q)) };
    case 'ranking': {
      const { choices, rules } = choiceDetail(q);
      return {
        valueType: 'matrix',
        detail: withComment(q, {
          ranking: true,
          rows: choices,
          columns: [{ name: '', title: 'Rank', valueType: 'numeric' }],
          ...(rules?.open ? { rules } : {}),
        }),
      };
    }
    case 'boolean':
      return { valueType: 'choice', detail: withComment(q, booleanDetail(q)) };
    case 'rating': {
      const rateValues = (q.visibleRateValues ?? q.rateValues ?? []) as Array<{ value: unknown; text?: string }>;
      return { valueType: isNumericRating(q) ? 'numeric' : 'choice', detail: withComment(q, { choices: items(rateValues) }) };
    }
    case 'slider':
      if (q.sliderType === 'range') {
        return {
          valueType: 'matrix',
          detail: withComment(q, {
            range: true,
            items: [
              { name: 'from', title: 'From', valueType: 'numeric' },
              { name: 'to', title: 'To', valueType: 'numeric' },
            ],
            ...sliderScale(q),
          }),
        };
      }
      return { valueType: 'numeric', detail: withComment(q, sliderScale(q)) };
    case 'matrix':
      return {
        valueType: 'matrix',
        detail: withComment(q, { rows: items(q.rows), columns: [{ name: '', title: '', valueType: 'choice', choices: items(q.columns) }] }),
      };
    case 'matrixdropdown': {
      const columns = answeredColumns(q).map((column) =>
        matrixColumn(String(column.name), String(column.title || column.name), cellQuestion(q, column), false, column.role),
      );
      for (const detailQuestion of detailQuestions(q)) {
        columns.push(matrixColumn(detailQuestion.getValueName(), String(detailQuestion.title || detailQuestion.name), detailQuestion, true));
      }
      return {
        valueType: 'matrix',
        detail: withComment(q, { rows: items(q.rows), columns, ...(hasTotals(q) ? { totals: true } : {}), ...computedOf(q.columns) }),
      };
    }
    case 'matrixdynamic': {
      const fields: NestedField[] = answeredColumns(q).map((column) =>
        nestedField(String(column.name), String(column.title || column.name), cellQuestion(q, column)),
      );
      for (const detailQuestion of detailQuestions(q))
        fields.push(nestedField(detailQuestion.getValueName(), String(detailQuestion.title || detailQuestion.name), detailQuestion));
      return {
        valueType: 'dynamic',
        detail: withComment(q, {
          dynamic: 'rows',
          fields,
          ...(hasTotals(q) ? { totals: true } : {}),
          ...computedOf(q.columns),
          ...(q.maxRowCount > 0 ? { maxCount: Number(q.maxRowCount) } : {}),
        }),
      };
    }
    case 'paneldynamic': {
      const nested = (q.template?.questions ?? []) as Loose[];
      const fields = nested.filter((n) => !DISPLAY_TYPES.has(n.getType())).map((n) => nestedField(n.getValueName(), String(n.title || n.name), n));
      return {
        valueType: 'dynamic',
        detail: withComment(q, { dynamic: 'panels', fields, ...computedOf(nested), ...(q.maxPanelCount > 0 ? { maxCount: Number(q.maxPanelCount) } : {}) }),
      };
    }
    case 'multipletext':
      return {
        valueType: 'matrix',
        detail: withComment(q, {
          items: (q.items as Loose[]).map((item) => ({
            name: String(item.name),
            title: String(item.title || item.name),
            valueType: isNumericText(item) || isNumericText(item.editor ?? {}) ? 'numeric' : 'text',
          })),
        }),
      };
    default:
      return { valueType: 'text', detail: {} };
  }
}

/** Matrix columns whose cells the respondent answers (expression columns are computed). */
function answeredColumns(matrix: Loose): Loose[] {
  return (matrix.columns as Loose[]).filter((column) => cellQuestion(matrix, column).getType() !== 'expression');
}

/** The keys of expression cells or questions, which SurveyJS computes into a row's or a panel's object. */
function computedOf(elements: Loose[]): { computed?: string[] } {
  const keys = elements.filter((e) => (e.templateQuestion ?? e).getType() === 'expression').map((e) => String(e.templateQuestion ? e.name : e.getValueName()));
  return keys.length ? { computed: keys } : {};
}

function hasTotals(matrix: Loose): boolean {
  return (matrix.columns as Loose[]).some((c) => c.totalType && c.totalType !== 'none');
}

function nestedField(name: string, title: string, question: Loose): NestedField {
  return { name, title, type: question.getType(), ...describeValue(question) };
}

export function describeQuestion(question: Question, position: number): CatalogueQuestion {
  const q = question as unknown as Loose;
  return {
    // Answers are kept under the question's value name (its name unless `valueName` says otherwise).
    name: question.getValueName(),
    position,
    page: question.page?.name ?? '',
    title: question.title || question.name,
    type: question.getType(),
    topic: String(q.topic ?? ''),
    ...(q.role ? { role: String(q.role) } : {}),
    ...withStandard(describeValue(question), q),
  };
}

/** A case-file audit's standard (`meets`, `notApplicable`), kept in the question's detail. */
function withStandard<T extends { detail: QuestionDetail }>(described: T, q: Loose): T {
  if (q.meets === undefined || q.meets === null) return described;
  const list = (value: unknown) => (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]);
  return { ...described, detail: { ...described.detail, standard: { meets: list(q.meets), notApplicable: list(q.notApplicable) } } };
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
