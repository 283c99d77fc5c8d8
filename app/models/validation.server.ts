import { Model, type Question, type SurveyError } from 'survey-core';
import '~/lib/survey-properties';
import { emptyUnansweredDynamic } from '~/lib/survey-dynamic';
import type { MatrixColumn, QuestionDetail, StoredAs } from '../../db/schema';
import type { CatalogueQuestion } from './catalogue.server';
import { compiledProgress, computedInside, conditionValues, isAnswered, rulesFor, withoutElements, type CompiledRules } from './compiled-rules.server';
import type { VersionInfo } from './questionnaires.server';

/** One problem with submitted answers, located by question path (question, question.row or question.row.column). */
export type AnswerError = { path: string; message: string };

/** A calendar date written YYYY-MM-DD that exists (no 30 February). */
function isDate(value: string): boolean {
  const date = new Date(`${value.slice(0, 10)}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value.slice(0, 10);
}

/** A time of day written HH:MM, HH:MM:SS or HH:MM:SS.sss, within the day. */
function isTime(value: string): boolean {
  const [hours, minutes, seconds = '0'] = value.split(':');
  return Number(hours) < 24 && Number(minutes) < 60 && Number(seconds) < 60;
}

/**
 * Formats SurveyJS's inputs write, by input type (the browser's own formats for these inputs), and the values they
 * can hold (the browser's pickers offer no 30 February, no 25:00, no month 13 and no week 54).
 */
const FORMATS: Record<string, { pattern: RegExp; example: string; what: string; valid: (value: string) => boolean }> = {
  date: { pattern: /^\d{4}-\d{2}-\d{2}$/, example: 'YYYY-MM-DD', what: 'date', valid: isDate },
  'datetime-local': {
    pattern: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/,
    example: 'YYYY-MM-DDTHH:MM',
    what: 'date and time',
    valid: (value) => isDate(value) && isTime(value.slice(11)),
  },
  time: { pattern: /^\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/, example: 'HH:MM', what: 'time', valid: isTime },
  month: { pattern: /^\d{4}-\d{2}$/, example: 'YYYY-MM', what: 'month', valid: (value) => isDate(`${value}-01`) },
  week: { pattern: /^\d{4}-W\d{2}$/, example: 'YYYY-Www', what: 'week', valid: (value) => Number(value.slice(6)) >= 1 && Number(value.slice(6)) <= 53 },
  color: { pattern: /^#[0-9a-fA-F]{6}$/, example: '#rrggbb', what: 'colour', valid: () => true },
};
const MAX_TEXT = 20_000;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`.slice(0, 80);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

/** What one value is checked against: a question, a matrix column, a multiple-text item or a field of a dynamic panel. */
export type ValueSpec = { type: string; valueType: StoredAs; detail: QuestionDetail };

export function columnSpec(column: MatrixColumn): ValueSpec {
  const isBoolean = column.cellType === 'boolean' || isBooleanColumn(column.choices);
  return {
    type: isBoolean ? 'boolean' : 'cell',
    valueType: column.multiple ? 'multiple' : column.valueType,
    detail: { choices: column.choices, rules: column.rules, booleanValues: column.booleanValues },
  };
}

function isBooleanColumn(choices: { value: string }[] | undefined): boolean {
  return choices?.length === 2 && choices[0].value === 'true' && choices[1].value === 'false';
}

function checkText(path: string, detail: QuestionDetail, value: unknown, errors: AnswerError[]) {
  if (typeof value !== 'string') return void errors.push({ path, message: `must be text, not ${describe(value)}` });
  const format = detail.inputType ? FORMATS[detail.inputType] : undefined;
  if (format && value !== '' && !format.pattern.test(value))
    errors.push({ path, message: `must be written ${format.example}, not ${JSON.stringify(value).slice(0, 60)}` });
  else if (format && value !== '' && !format.valid(value))
    errors.push({ path, message: `${JSON.stringify(value)} is not a ${format.what} (${format.example})` });
  else if (value.length > MAX_TEXT) errors.push({ path, message: 'is longer than 20,000 characters' });
}

function checkChoice(path: string, spec: ValueSpec, value: unknown, errors: AnswerError[]) {
  const { detail } = spec;
  if (spec.type === 'boolean') {
    const allowed = detail.booleanValues ?? [true, false];
    if (!allowed.some((v) => v === value))
      errors.push({ path, message: `must be ${allowed.map((v) => JSON.stringify(v)).join(' or ')}, not ${describe(value)}` });
    return;
  }
  if (typeof value !== 'string' && (typeof value !== 'number' || !Number.isFinite(value))) {
    errors.push({ path, message: `must be one of the listed choices, not ${describe(value)}` });
    return;
  }
  const choices = detail.choices ?? [];
  if (!choices.length || choices.some((c) => c.value === String(value))) return;
  // A value typed by the respondent: their own choice (allowCustomChoices, or copied from answers), or the text of "Other".
  if (typeof value === 'string' && (detail.rules?.open || detail.rules?.other === 'value')) {
    if (value.length > MAX_TEXT) errors.push({ path, message: 'is longer than 20,000 characters' });
    return;
  }
  errors.push({ path, message: `${JSON.stringify(value).slice(0, 80)} is not one of the choices (${choices.map((c) => c.value).join(', ')})` });
}

function checkMultiple(path: string, spec: ValueSpec, value: unknown, errors: AnswerError[]) {
  if (!Array.isArray(value)) return void errors.push({ path, message: `must be a list of choices, not ${describe(value)}` });
  const seen = new Set<string>();
  for (const item of value) {
    checkChoice(path, { ...spec, type: 'choice' }, item, errors);
    if (seen.has(String(item))) errors.push({ path, message: `${JSON.stringify(item)} is chosen twice` });
    seen.add(String(item));
  }
  const rules = spec.detail.rules;
  const exclusive = value.find((item) => rules?.exclusive?.includes(String(item)));
  if (exclusive !== undefined && value.length > 1) errors.push({ path, message: `${JSON.stringify(exclusive)} cannot be chosen with other choices` });
  if (rules?.maxSelected && value.length > rules.maxSelected)
    errors.push({ path, message: `has ${value.length} choices ticked, more than the ${rules.maxSelected} allowed` });
}

function checkRanking(path: string, detail: QuestionDetail, value: unknown, errors: AnswerError[]) {
  if (!Array.isArray(value)) return void errors.push({ path, message: `must be the list of items in rank order, not ${describe(value)}` });
  const items = new Set((detail.rows ?? []).map((r) => r.value));
  const seen = new Set<string>();
  for (const item of value) {
    if (!isScalar(item) || (!items.has(String(item)) && !detail.rules?.open))
      errors.push({ path, message: `${describe(item)} is not one of the items to rank` });
    else if (seen.has(String(item))) errors.push({ path, message: `${JSON.stringify(item)} is ranked twice` });
    seen.add(String(item));
  }
}

/** Keys an object (a matrix row, a panel) may hold beside its fields: comments, "Other" texts and computed values. */
function accessoryKeys(fields: { name: string; spec: ValueSpec }[], computed: string[] = []): Map<string, 'comment' | 'total' | 'computed'> {
  const keys = new Map<string, 'comment' | 'total' | 'computed'>();
  for (const { name, spec } of fields) {
    if (spec.detail.comment || spec.detail.rules?.other === 'comment') keys.set(`${name}${COMMENT_SUFFIX}`, 'comment');
    if (spec.detail.totals) keys.set(`${name}${TOTAL_SUFFIX}`, 'total');
  }
  for (const name of computed) keys.set(name, 'computed');
  return keys;
}

function checkAccessory(path: string, kind: 'comment' | 'total' | 'computed', value: unknown, errors: AnswerError[]) {
  if (value === null || value === undefined) return;
  if (kind === 'comment') return checkText(path, {}, value, errors);
  if (kind === 'computed') {
    if (!isScalar(value)) errors.push({ path, message: `is computed by the questionnaire and must be a number, text or true/false, not ${describe(value)}` });
    return;
  }
  if (!isPlainObject(value) || !Object.values(value).every((v) => v === null || isScalar(v))) {
    errors.push({ path, message: `holds the matrix's column totals and must be an object of numbers, not ${describe(value)}` });
  }
}

/** Checks an object whose keys are fields (a matrix row, a panel, a multiple-text answer). */
function checkObject(path: string, fields: { name: string; spec: ValueSpec }[], value: unknown, what: string, errors: AnswerError[], computed?: string[]) {
  if (!isPlainObject(value)) return void errors.push({ path, message: `must be an object keyed by ${what}, not ${describe(value)}` });
  const accessories = accessoryKeys(fields, computed);
  for (const [key, fieldValue] of Object.entries(value)) {
    const field = fields.find((f) => f.name === key);
    const fieldPath = `${path}.${key}`;
    if (field) checkValue(fieldPath, field.spec, fieldValue, errors);
    else if (accessories.has(key)) checkAccessory(fieldPath, accessories.get(key)!, fieldValue, errors);
    else errors.push({ path: fieldPath, message: `is not ${what === 'column' ? 'a column' : what === 'item' ? 'an item' : 'a question'} of this question` });
  }
}

function checkMatrix(path: string, spec: ValueSpec, value: unknown, errors: AnswerError[]) {
  const { detail } = spec;
  if (detail.ranking) return checkRanking(path, detail, value, errors);
  if (detail.range) {
    if (!Array.isArray(value) || value.length !== 2 || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      errors.push({ path, message: `must be a range [from, to] of two numbers, not ${describe(value)}` });
    } else value.forEach((v, index) => checkScale(`${path}.${index === 0 ? 'from' : 'to'}`, detail, v, errors));
    return;
  }
  if (detail.items) {
    const fields = detail.items.map((item) => ({ name: item.name, spec: { type: 'text', valueType: item.valueType, detail: {} } as ValueSpec }));
    return checkObject(path, fields, value, 'item', errors);
  }
  if (!isPlainObject(value)) return void errors.push({ path, message: `must be an object keyed by row, not ${describe(value)}` });
  const columns = (detail.columns ?? []).map((c) => ({ name: c.name, spec: columnSpec(c) }));
  for (const [rowKey, rowValue] of Object.entries(value)) {
    const rowPath = `${path}.${rowKey}`;
    if (!(detail.rows ?? []).some((r) => r.value === rowKey)) errors.push({ path: rowPath, message: 'is not a row of this question' });
    else if (rowValue === null || rowValue === undefined) continue;
    else if (spec.type === 'matrix') checkChoice(rowPath, columns[0].spec, rowValue, errors);
    else checkObject(rowPath, columns, rowValue, 'column', errors, detail.computed);
  }
}

function checkDynamic(path: string, spec: ValueSpec, value: unknown, errors: AnswerError[]) {
  const { detail } = spec;
  const what = detail.dynamic === 'rows' ? 'row' : 'panel';
  if (!Array.isArray(value)) return void errors.push({ path, message: `must be a list of ${what}s, not ${describe(value)}` });
  if (detail.maxCount && value.length > detail.maxCount)
    errors.push({ path, message: `has ${value.length} ${what}s, more than the ${detail.maxCount} allowed` });
  const fields = (detail.fields ?? []).map((f) => ({ name: f.name, spec: f as ValueSpec }));
  value.forEach((entry, index) =>
    checkObject(`${path}.${index + 1}`, fields, entry, detail.dynamic === 'rows' ? 'column' : 'question', errors, detail.computed),
  );
}

/** A slider's value is on its scale: between its ends, a whole number of steps from the start. */
function checkScale(path: string, detail: QuestionDetail, value: number, errors: AnswerError[]) {
  const scale = detail.scale;
  if (!scale) return;
  const steps = (value - scale.min) / scale.step;
  if (value < scale.min || value > scale.max || Math.abs(steps - Math.round(steps)) > 1e-9)
    errors.push({ path, message: `${value} is not on the slider's scale (${scale.min} to ${scale.max} by ${scale.step})` });
}

/** Checks one value against what its question (or column, item, nested question) stores; null is always allowed. */
export function checkValue(path: string, spec: ValueSpec, value: unknown, errors: AnswerError[]): void {
  if (value === null || value === undefined) return;
  switch (spec.valueType) {
    case 'numeric':
      if (typeof value !== 'number' || !Number.isFinite(value)) errors.push({ path, message: `must be a number, not ${describe(value)}` });
      // A numeric rating (the only numeric answer with choices) is one of its rates.
      else if (spec.detail.choices?.length && !spec.detail.choices.some((c) => Number(c.value) === value))
        errors.push({ path, message: `${value} is not one of the ratings (${spec.detail.choices.map((c) => c.value).join(', ')})` });
      else checkScale(path, spec.detail, value, errors);
      return;
    case 'text':
      return checkText(path, spec.detail, value, errors);
    case 'choice':
      return checkChoice(path, spec, value, errors);
    case 'multiple':
      return checkMultiple(path, spec, value, errors);
    case 'matrix':
      return checkMatrix(path, spec, value, errors);
    case 'dynamic':
      return checkDynamic(path, spec, value, errors);
  }
}

/**
 * Checks that a value has the shape its question stores: numbers for numeric questions, known choices (and the
 * values "Other", custom choices and special items allow), known matrix rows and columns, lists of rows or panels
 * holding their own questions. SurveyJS itself reports none of these, so they are checked here from the catalogue.
 */
export function checkShape(question: CatalogueQuestion, value: unknown, errors: AnswerError[]): void {
  checkValue(question.name, question, value, errors);
}

export const COMMENT_SUFFIX = '-Comment';
export const TOTAL_SUFFIX = '-total';

/** What a key of a response's data holds: a question's answer, its comment (or "Other" text), or a computed value. */
export type DataKey = { question: CatalogueQuestion; part: 'value' | 'comment' | 'total' } | { question: null; part: 'computed' };

/** The question a key of the response's data belongs to, or null for a key the version does not have. */
export function resolveDataKey(version: VersionInfo, key: string): DataKey | null {
  const question = version.catalogue.get(key);
  if (question) return { question, part: 'value' };
  for (const [suffix, part] of [
    [COMMENT_SUFFIX, 'comment'],
    [TOTAL_SUFFIX, 'total'],
  ] as const) {
    if (!key.endsWith(suffix)) continue;
    const owner = version.catalogue.get(key.slice(0, -suffix.length));
    if (!owner) continue;
    if (part === 'comment' && (owner.detail.comment || owner.detail.rules?.other === 'comment')) return { question: owner, part };
    if (part === 'total' && owner.detail.totals) return { question: owner, part };
  }
  if (computedKeys(version).has(key)) return { question: null, part: 'computed' };
  return null;
}

/** Checks the value of any key of the response's data (see resolveDataKey). */
export function checkDataValue(key: DataKey, path: string, value: unknown, errors: AnswerError[]): void {
  if (key.part === 'value') checkShape(key.question, value, errors);
  else checkAccessory(path, key.part, value, errors);
}

/** The question whose answer rows a key of the data feeds (its comment and "Other" text included). */
export function questionOfKey(catalogue: Map<string, CatalogueQuestion>, key: string): string | null {
  if (catalogue.has(key)) return key;
  if (key.endsWith(COMMENT_SUFFIX) && catalogue.has(key.slice(0, -COMMENT_SUFFIX.length))) return key.slice(0, -COMMENT_SUFFIX.length);
  return null;
}

const computed = new Map<number, Set<string>>();

/** Keys SurveyJS computes into the data: the values of expression questions (top level). */
function computedKeys(version: VersionInfo): Set<string> {
  let keys = computed.get(version.id);
  if (!keys) {
    keys = new Set(
      modelFor(version)
        .getAllQuestions(false, false, false)
        .filter((q) => q.getType() === 'expression')
        .map((q) => q.getValueName()),
    );
    computed.set(version.id, keys);
  }
  return keys;
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

/**
 * survey-core's errors that say an answer is not finished yet rather than wrong: a required answer, the text of a
 * chosen "Other" (typed after the choice, and saved under its own key), a row or panel still to fill. A questionnaire
 * is filled over several sittings, so a save accepts them; submitting does not.
 */
const UNFINISHED_ERRORS = new Set(['required', 'otherempty', 'requireoneanswer', 'requiredinallrowserror', 'minrowcounterror']);

function errorsOf(question: Question, mode: 'save' | 'submit'): AnswerError[] {
  const found: AnswerError[] = [];
  // A validator's warning or note (`notificationType` "warning" or "info") never blocks: SurveyJS lets the respondent
  // go on, and so does the server, at save and at submit.
  const keep = (error: SurveyError) => error.isError && (mode === 'submit' || !UNFINISHED_ERRORS.has(error.getErrorType()));
  const name = question.getValueName();
  const type = question.getType();
  if (type === 'matrixdropdown' || type === 'matrixdynamic') {
    for (const error of question.errors) if (keep(error)) found.push({ path: name, message: error.getText() });
    const rows =
      (question as unknown as { visibleRows: Array<{ rowName: string; cells: Array<{ column: { name: string }; question: Question }> }> }).visibleRows ?? [];
    rows.forEach((row, index) => {
      // Dynamic rows are named by SurveyJS at random: they are numbered from 1 here, as in the stored answers.
      const rowKey = type === 'matrixdynamic' ? String(index + 1) : row.rowName;
      for (const cell of row.cells) {
        for (const error of cell.question.errors) {
          if (keep(error)) found.push({ path: `${name}.${rowKey}.${cell.column.name}`, message: error.getText() });
        }
      }
    });
    return found;
  }
  if (type === 'paneldynamic') {
    for (const error of question.errors) if (keep(error)) found.push({ path: name, message: error.getText() });
    const panels = (question as unknown as { panels: Array<{ questions: Question[] }> }).panels ?? [];
    panels.forEach((panel, index) => {
      for (const nested of panel.questions) {
        for (const error of errorsOf(nested, mode)) found.push({ ...error, path: `${name}.${index + 1}.${error.path}` });
      }
    });
    return found;
  }
  for (const error of question.getAllErrors()) if (keep(error)) found.push({ path: name, message: error.getText() });
  return found;
}

function hasDynamic(version: VersionInfo): boolean {
  for (const question of version.catalogue.values()) if (question.valueType === 'dynamic') return true;
  return false;
}

export type Assessment = { errors: AnswerError[]; progress: { answered: number; answerable: number } };

/**
 * Runs the questionnaire's own rules with survey-core on the server, and counts progress. At save, only the touched
 * questions' validators run, as SurveyJS runs them when a value changes, and what only a finished answer must have
 * (required answers, the text of "Other", the fewest choices, rows or panels still to fill: UNFINISHED_ERRORS) is not
 * checked (a questionnaire is filled over several sittings); at submit, every visible question is checked.
 * A save takes the version's compiled rules (compiled-rules.server.ts: a probe model per touched question, progress
 * from compiled visibility); a submit, and a save on a version that cannot be compiled, take the full model.
 */
export function assessAnswers(version: VersionInfo, data: Record<string, unknown>, mode: 'save' | 'submit', touched: string[] = []): Assessment {
  const model = modelFor(version);
  const rules = rulesFor(version, model);
  if (mode === 'submit' || !rules.compiled) return assessWithModel(version, data, mode, touched);
  const values = conditionValues(rules, data);
  const errors: AnswerError[] = [];
  if (touched.length) {
    const probeData = { ...values };
    for (const { name } of rules.calculated) delete probeData[name];
    for (const name of touchedQuestions(version, touched)) {
      if (data[name] === undefined || data[name] === null) continue;
      const probe = probeFor(version, model, name);
      // Nothing of the last response the probe judged may stay (a matrix's rows keep their cells through `data =`).
      if (probe.dynamic) probe.model.clear(true, false);
      else probe.model.data = {};
      probe.model.data = probeData;
      if (probe.dynamic) emptyUnansweredDynamic(probe.model);
      const question = probe.model.getQuestionByValueName(name);
      question.validate(true, false, true);
      errors.push(...errorsOf(question, mode));
    }
  }
  return { errors, progress: compiledProgress(rules, values) };
}

function touchedQuestions(version: VersionInfo, touched: string[]): Set<string> {
  return new Set(touched.map((key) => questionOfKey(version.catalogue, key)).filter((name): name is string => name !== null));
}

/**
 * The full survey-core model's judgement: the response assigned to the version's cached model (every condition of the
 * questionnaire runs, about 20 ms for the self-assessment), the touched questions (save) or every visible question
 * (submit) validated, progress counted from the model's visible questions.
 */
export function assessWithModel(version: VersionInfo, data: Record<string, unknown>, mode: 'save' | 'submit', touched: string[] = []): Assessment {
  const model = modelFor(version);
  const dynamic = hasDynamic(version);
  // `data =` does not reset everything the last response left: dynamic panels keep their panels, and a matrix's rows
  // their cells' values (the equivalence test found a submit judged with the last response's cells).
  model.clear(true, false);
  model.data = data;
  // Judged on the rows and panels the team gave, not the default empty ones SurveyJS adds to a missing answer (their
  // computed cells would count as answers in the progress, their required cells as errors at submit).
  if (dynamic) emptyUnansweredDynamic(model);
  const errors: AnswerError[] = [];
  if (mode === 'submit') {
    model.validate(true, false);
    for (const question of model.getAllQuestions(true)) errors.push(...errorsOf(question, mode));
  } else {
    for (const name of touchedQuestions(version, touched)) {
      const question = model.getQuestionByValueName(name);
      if (!question || data[name] === undefined || data[name] === null) continue;
      // Checked as SurveyJS checks a value as it changes: an answer still being given ("Other" chosen, its text not
      // yet typed; fewer boxes ticked than the least allowed; an empty cell) is saved, and refused only at submit.
      question.validate(true, false, true);
      errors.push(...errorsOf(question, mode));
    }
  }
  let answerable = 0;
  let answered = 0;
  for (const question of model.getAllQuestions(true)) {
    if (!version.catalogue.has(question.getValueName())) continue;
    answerable++;
    // Computed cells (which the model fills for every row of a matrix) are not an answer the team gave.
    if (!question.isEmpty() && isAnswered({ type: question.getType(), computed: computedInside(question) }, question.value)) answered++;
  }
  return { errors, progress: { answered, answerable } };
}

type Probe = { model: Model; dynamic: boolean };
const probes = new Map<number, Map<string, Probe>>();

/**
 * A one-question model for validating a question as the full model would: the question inside its page and panels
 * (their own properties, which make it read-only or hidden, without their other elements), beside the questions its
 * choices are copied from, under the survey's own settings and calculated values.
 */
function probeFor(version: VersionInfo, model: Model, name: string): Probe {
  let byName = probes.get(version.id);
  if (!byName) probes.set(version.id, (byName = new Map()));
  let probe = byName.get(name);
  if (probe) return probe;
  const question = model.getQuestionByValueName(name);
  const elementJson = (element: Question) => ({ type: element.getType(), ...(element.toJSON() as Record<string, unknown>) });
  let inner: Record<string, unknown> = elementJson(question);
  let parent = question.parent as unknown as { isPage?: boolean; parent?: unknown; toJSON: () => Record<string, unknown> } | null;
  while (parent && !parent.isPage) {
    inner = { type: 'panel', ...withoutElements(parent.toJSON()), elements: [inner] };
    parent = parent.parent as typeof parent;
  }
  const sources = choiceSources(model, question).map(elementJson);
  const page = { ...(parent ? withoutElements(parent.toJSON()) : {}), name: 'probe', elements: [...sources, inner] };
  const { pages: _pages, triggers: _triggers, ...settings } = model.toJSON() as Record<string, unknown>;
  probe = { model: new Model({ ...settings, pages: [page] }), dynamic: hasDynamic(version) };
  byName.set(name, probe);
  return probe;
}

/** The questions a question copies its choices (or its columns' choices) from, and theirs in turn. */
function choiceSources(model: Model, question: Question): Question[] {
  const found: Question[] = [];
  const visit = (json: unknown) => {
    if (Array.isArray(json)) json.forEach(visit);
    else if (json && typeof json === 'object') {
      for (const [key, value] of Object.entries(json)) {
        if (key === 'choicesFromQuestion' && typeof value === 'string') {
          const source = model.getQuestionByName(value);
          if (source && source !== question && !found.includes(source)) {
            found.unshift(source);
            visit(source.toJSON());
          }
        } else visit(value);
      }
    }
  };
  visit(question.toJSON());
  return found;
}

/** Whether a version's saves take its compiled rules, and if not why (for `surveys:check` and the docs). */
export function compiledRulesOf(version: VersionInfo): CompiledRules {
  return rulesFor(version, modelFor(version));
}

/** Answerable and answered questions among those visible for these answers (for progress bars). */
export function progressOf(version: VersionInfo, data: Record<string, unknown>): { answered: number; answerable: number } {
  return assessAnswers(version, data, 'save').progress;
}
