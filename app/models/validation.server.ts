import { Model, type Question } from 'survey-core';
import '~/lib/survey-properties';
import type { CatalogueQuestion } from './catalogue.server';
import type { VersionInfo } from './questionnaires.server';

/** One problem with submitted answers, located by question path (question, question.row or question.row.column). */
export type AnswerError = { path: string; message: string };

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`.slice(0, 80);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

type Scalar = { valueType: 'numeric' | 'text' | 'choice'; choices?: { value: string }[]; date?: boolean; boolean?: boolean };

function checkScalar(path: string, spec: Scalar, value: unknown, errors: AnswerError[]) {
  if (spec.valueType === 'numeric') {
    if (typeof value !== 'number' || !Number.isFinite(value)) errors.push({ path, message: `must be a number, not ${describe(value)}` });
    return;
  }
  if (spec.valueType === 'text') {
    if (typeof value !== 'string') errors.push({ path, message: `must be text, not ${describe(value)}` });
    else if (spec.date && value !== '' && !DATE.test(value)) errors.push({ path, message: `must be a date written YYYY-MM-DD, not ${JSON.stringify(value)}` });
    else if (value.length > 20_000) errors.push({ path, message: 'is longer than 20,000 characters' });
    return;
  }
  if (spec.boolean) {
    if (typeof value !== 'boolean') errors.push({ path, message: `must be true or false, not ${describe(value)}` });
    return;
  }
  if (typeof value !== 'string' && typeof value !== 'number') {
    errors.push({ path, message: `must be one of the listed choices, not ${describe(value)}` });
    return;
  }
  const choices = spec.choices ?? [];
  if (choices.length && !choices.some((c) => c.value === String(value))) {
    errors.push({ path, message: `${JSON.stringify(value)} is not one of the choices (${choices.map((c) => c.value).join(', ')})` });
  }
}

function checkMultiple(path: string, choices: { value: string }[] | undefined, value: unknown, errors: AnswerError[]) {
  if (!Array.isArray(value)) {
    errors.push({ path, message: `must be a list of choices, not ${describe(value)}` });
    return;
  }
  const seen = new Set<string>();
  for (const item of value) {
    checkScalar(path, { valueType: 'choice', choices }, item, errors);
    if (seen.has(String(item))) errors.push({ path, message: `${JSON.stringify(item)} is chosen twice` });
    seen.add(String(item));
  }
}

/**
 * Checks that a value has the shape its question stores: numbers for numeric questions, known choices, known matrix
 * rows and columns. SurveyJS itself reports none of these, so they are checked here from the version's catalogue.
 */
export function checkShape(question: CatalogueQuestion, value: unknown, errors: AnswerError[]): void {
  if (value === null || value === undefined) return;
  const { detail } = question;
  const path = question.name;
  switch (question.valueType) {
    case 'numeric':
    case 'text':
      checkScalar(path, { valueType: question.valueType, date: question.type === 'text' && isDateQuestion(question) }, value, errors);
      return;
    case 'choice':
      checkScalar(path, { valueType: 'choice', choices: detail.choices, boolean: question.type === 'boolean' }, value, errors);
      return;
    case 'multiple':
      checkMultiple(path, detail.choices, value, errors);
      return;
    case 'matrix': {
      if (!isPlainObject(value)) {
        errors.push({ path, message: `must be an object keyed by ${detail.items ? 'item' : 'row'}, not ${describe(value)}` });
        return;
      }
      if (detail.items) {
        for (const [key, itemValue] of Object.entries(value)) {
          const item = detail.items.find((i) => i.name === key);
          if (!item) errors.push({ path: `${path}.${key}`, message: 'is not an item of this question' });
          else if (itemValue !== null && itemValue !== '') checkScalar(`${path}.${key}`, { valueType: item.valueType }, itemValue, errors);
        }
        return;
      }
      for (const [rowKey, rowValue] of Object.entries(value)) {
        const rowPath = `${path}.${rowKey}`;
        if (!(detail.rows ?? []).some((r) => r.value === rowKey)) {
          errors.push({ path: rowPath, message: 'is not a row of this question' });
          continue;
        }
        if (question.type === 'matrix') {
          checkScalar(rowPath, { valueType: 'choice', choices: detail.columns?.[0]?.choices }, rowValue, errors);
          continue;
        }
        if (!isPlainObject(rowValue)) {
          errors.push({ path: rowPath, message: `must be an object keyed by column, not ${describe(rowValue)}` });
          continue;
        }
        for (const [columnKey, cellValue] of Object.entries(rowValue)) {
          const column = (detail.columns ?? []).find((c) => c.name === columnKey);
          const cellPath = `${rowPath}.${columnKey}`;
          if (!column) errors.push({ path: cellPath, message: 'is not a column of this question' });
          else if (cellValue === null || cellValue === undefined) continue;
          else if (column.multiple) checkMultiple(cellPath, column.choices, cellValue, errors);
          else checkScalar(cellPath, { valueType: column.valueType, choices: column.choices, boolean: isBooleanColumn(column.choices) }, cellValue, errors);
        }
      }
      return;
    }
  }
}

function isDateQuestion(question: CatalogueQuestion): boolean {
  return question.detail.inputType === 'date';
}

function isBooleanColumn(choices: { value: string }[] | undefined): boolean {
  return choices?.length === 2 && choices[0].value === 'true' && choices[1].value === 'false';
}

// One SurveyJS model per published version (they never change), reused for every validation: building a model costs
// about 15 ms, reusing one about 0.5 ms. Validation is synchronous, so no other request can interleave.
const models = new Map<number, Model>();

function modelFor(version: VersionInfo): Model {
  let model = models.get(version.id);
  if (!model) {
    model = new Model(version.definition);
    models.set(version.id, model);
  }
  return model;
}

function errorsOf(question: Question, mode: 'save' | 'submit'): AnswerError[] {
  const found: AnswerError[] = [];
  const keep = (type: string) => mode === 'submit' || type !== 'required';
  if (question.getType() === 'matrixdropdown' || question.getType() === 'matrixdynamic') {
    for (const error of question.errors) if (keep(error.getErrorType())) found.push({ path: question.name, message: error.getText() });
    const rows =
      (question as unknown as { visibleRows: Array<{ rowName: string; cells: Array<{ column: { name: string }; question: Question }> }> }).visibleRows ?? [];
    for (const row of rows) {
      for (const cell of row.cells) {
        for (const error of cell.question.errors) {
          if (keep(error.getErrorType())) found.push({ path: `${question.name}.${row.rowName}.${cell.column.name}`, message: error.getText() });
        }
      }
    }
    return found;
  }
  for (const error of question.getAllErrors()) if (keep(error.getErrorType())) found.push({ path: question.name, message: error.getText() });
  return found;
}

export type Assessment = { errors: AnswerError[]; progress: { answered: number; answerable: number } };

/**
 * Runs the questionnaire's own rules with survey-core on the server, and counts progress, in one pass over the data
 * (assigning data to the cached model is the costly step, about 20 ms for the self-assessment). At save, only the
 * touched questions' validators run and required-ness is not checked (a questionnaire is filled over several
 * sittings); at submit, every visible question is checked, required ones included.
 */
export function assessAnswers(version: VersionInfo, data: Record<string, unknown>, mode: 'save' | 'submit', touched: string[] = []): Assessment {
  const model = modelFor(version);
  model.data = data; // replaces every value the model held
  const errors: AnswerError[] = [];
  if (mode === 'submit') {
    model.validate(true, false);
    for (const question of model.getAllQuestions(true)) errors.push(...errorsOf(question, mode));
  } else {
    for (const name of touched) {
      const question = model.getQuestionByName(name);
      if (!question || data[name] === undefined || data[name] === null) continue;
      question.validate(true);
      errors.push(...errorsOf(question, mode));
    }
  }
  let answerable = 0;
  let answered = 0;
  for (const question of model.getAllQuestions(true)) {
    if (!version.catalogue.has(question.name)) continue;
    answerable++;
    if (!question.isEmpty()) answered++;
  }
  return { errors, progress: { answered, answerable } };
}

/** Answerable and answered questions among those visible for these answers (for progress bars). */
export function progressOf(version: VersionInfo, data: Record<string, unknown>): { answered: number; answerable: number } {
  return assessAnswers(version, data, 'save').progress;
}
