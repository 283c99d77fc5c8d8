import type { Executor } from '../../db/index';
import { jsonb } from '../../db/json';
import type { AskedAgain, CarriedAnswers, ResponseStatus, VersionMapping } from '../../db/schema';
import type { Model } from 'survey-core';
import { OTHER } from './answers.server';
import { createModel, type CatalogueQuestion } from './catalogue.server';
import { getQuestionnaireVersion, type VersionInfo } from './questionnaires.server';
import { DomainError, invalid } from './errors.server';
import { editBlocker, markCarriedConfirmed, requireVisibleResponse } from './responses.server';
import { commitRevision, startedStatus } from './revisions.server';
import type { CurrentUser } from './users.server';
import { checkValue, columnSpec, COMMENT_SUFFIX, progressOf, TOTAL_SUFFIX, type AnswerError, type ValueSpec } from './validation.server';

/**
 * Carrying answers forward from one phase to the next: a response of an earlier round is moved onto the new round's
 * questionnaire version through the versions' mappings (meta.json `from`, `renamed`, `removed`). Renamed questions
 * follow their new name, with their comment ("<name>-Comment": a comment area or the text typed for "Other") and
 * their matrix totals (recomputed); removed ones stay behind (visible in the earlier round, which is never touched),
 * new ones start empty; computed expression values are not carried. An answer the new question can only partly hold
 * keeps what it still offers, and the rest is listed. A question a version on the way marks `askAgain` (its period
 * changed) is asked again: its earlier answer is not carried, and the response records why it is empty. Every carried
 * answer is marked so the team's manager confirms or changes it.
 */

/** The mappings that lead from one version to a later one of the same questionnaire, oldest first. */
export type VersionPath = { from: VersionInfo; to: VersionInfo; steps: VersionMapping[] };

export async function versionPath(db: Executor, fromVersionId: number, toVersionId: number): Promise<VersionPath> {
  const [from, to] = await Promise.all([getQuestionnaireVersion(db, fromVersionId), getQuestionnaireVersion(db, toVersionId)]);
  if (from.slug !== to.slug) {
    throw invalid(`Answers cannot move from "${from.title}" to "${to.title}": a next phase must use the same questionnaire.`, {
      errors: [{ path: 'questionnaireVersionId', message: `must be a version of ${from.title}` }],
    });
  }
  if (to.version < from.version) {
    throw invalid(`Version ${to.version} is older than version ${from.version} used by the earlier round: a next phase uses the same or a newer version.`, {
      errors: [{ path: 'questionnaireVersionId', message: `must be version ${from.version} or newer` }],
    });
  }
  if (to.version === from.version) return { from, to, steps: [] };
  const versions = await db
    .selectFrom('questionnaire_versions as v')
    .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
    .select(['v.version', 'v.mapping'])
    .where('q.slug', '=', to.slug)
    .execute();
  const byNumber = new Map(versions.map((v) => [v.version, v.mapping]));
  const steps: VersionMapping[] = [];
  let current = to.version;
  while (current > from.version) {
    const mapping = byNumber.get(current);
    if (!mapping || mapping.from >= current) {
      throw invalid(`Version ${current} of ${to.title} does not say which version it follows (meta.json "from"), so answers cannot be carried to it.`);
    }
    steps.unshift(mapping);
    current = mapping.from;
  }
  if (current !== from.version) {
    throw invalid(`The versions of ${to.title} map from version ${current}, skipping version ${from.version}: answers cannot be carried from it.`);
  }
  return { from, to, steps };
}

/** A question's name after the mappings: renamed along the way, or null once removed. */
export function nameThrough(steps: VersionMapping[], name: string): string | null {
  let current: string | null = name;
  for (const step of steps) {
    if (current === null) return null;
    if (step.removed.includes(current)) current = null;
    else current = step.renamed[current] ?? current;
  }
  return current;
}

/**
 * Where a question of the earlier version ends up through the mappings: its name in the new version (null once
 * removed) and, when a version on the way asks it again (its `askAgain`, by its name in that version), which version
 * did and why (the latest one, when several did).
 */
export function traceThrough(
  path: { steps: VersionMapping[]; to: Pick<VersionInfo, 'version'> },
  name: string,
): { name: string | null; askedAgain: { version: number; reason: string | null } | null } {
  let current: string | null = name;
  let askedAgain: { version: number; reason: string | null } | null = null;
  for (const [index, step] of path.steps.entries()) {
    current = nameThrough([step], current);
    if (current === null) break;
    // A step's own version is the one the next step maps from (the last step's is the version carried to).
    const version = index + 1 < path.steps.length ? path.steps[index + 1].from : path.to.version;
    if (step.askAgain && Object.hasOwn(step.askAgain, current)) askedAgain = { version, reason: step.askAgain[current] ?? null };
  }
  return { name: current, askedAgain };
}

export type CarryOutcome = {
  /** The answers on the new version, with the comments and matrix totals that go with them. */
  data: Record<string, unknown>;
  /** Carried answers by their name in the new version, with the name they had in the earlier one. */
  carried: Array<{ question: string; from: string }>;
  /** Answered questions of the earlier version that were not carried, and why. */
  notCarried: Array<{ question: string; reason: 'removed' | 'not-in-version' | 'incompatible' | 'asked-again' }>;
  /** Answered questions asked again instead (by their name in the new version), the version that asks and its reason. */
  askedAgain: Array<{ question: string; from: string; version: number; reason: string | null }>;
  /**
   * Parts of answers the new version no longer offers, by their path under the new name (matrix rows or columns,
   * choices, ranked items, rows or panels and their fields: `children_seen.2.plans`), rows and panels numbered as in
   * the earlier response.
   */
  dropped: AnswerError[];
};

function isEmpty(value: unknown): boolean {
  return (
    value === undefined ||
    value === null ||
    value === '' ||
    (Array.isArray(value) && value.length === 0) ||
    (typeof value === 'object' && !Array.isArray(value) && Object.keys(value as object).length === 0)
  );
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorsFor(spec: ValueSpec, path: string, value: unknown): AnswerError[] {
  const errors: AnswerError[] = [];
  checkValue(path, spec, value, errors);
  return errors;
}

/** What fitting a value can use besides the new question: the question it comes from. */
export type FitContext = { from?: ValueSpec };

/**
 * Keeps as much of a value as the new version's question can hold: the whole value when it fits; otherwise the
 * matrix rows and cells, multiple-text items, checkbox choices, ranked items, dynamic rows and panels (field by
 * field, with the comments of kept fields) that still exist, and no more rows or panels than the question allows.
 * What is left out is listed in `dropped`, by path (`question.row.column`, `question.2.field`) and reason.
 */
export function fitToQuestion(question: CatalogueQuestion, value: unknown, dropped: AnswerError[], context: FitContext = {}): unknown {
  return fitValue(question, question.name, value, dropped, context);
}

function fitValue(spec: ValueSpec, path: string, value: unknown, dropped: AnswerError[], context: FitContext = {}): unknown {
  if (isEmpty(value)) return value;
  const errors = errorsFor(spec, path, value);
  if (!errors.length) return value;
  const { detail } = spec;
  if (spec.valueType === 'multiple' && Array.isArray(value)) return fitChoices(spec, path, value, dropped);
  if (detail.ranking && Array.isArray(value)) return fitRanking(spec, path, value, dropped);
  if (spec.valueType === 'matrix' && isPlainObject(value)) {
    if (detail.items) {
      const items = detail.items.map((item) => ({ name: item.name, spec: { type: 'text', valueType: item.valueType, detail: {} } as ValueSpec }));
      return fitObject(items, undefined, value, path, dropped, { noun: 'item' });
    }
    if (detail.rows && !detail.ranking) return fitRows(spec, path, value, dropped, context.from);
  }
  if (spec.valueType === 'dynamic' && Array.isArray(value)) return fitEntries(spec, path, value, dropped, context.from);
  dropped.push({ path, message: `the answer does not fit the question in the new version: ${errors[0].message}` });
  return undefined;
}

function fitChoices(spec: ValueSpec, path: string, value: unknown[], dropped: AnswerError[]): unknown {
  const kept: unknown[] = [];
  for (const item of value) {
    const errors = errorsFor(spec, path, [...kept, item]);
    if (!errors.length) kept.push(item);
    else if (errorsFor(spec, path, [item]).length) dropped.push({ path, message: `choice ${JSON.stringify(item)} is not offered any more` });
    else dropped.push({ path, message: `choice ${JSON.stringify(item)} no longer fits with the others: ${errors[0].message}` });
  }
  return kept.length ? kept : undefined;
}

/** A ranking keeps the order of the items still offered (or typed, where the question takes its own items). */
function fitRanking(spec: ValueSpec, path: string, value: unknown[], dropped: AnswerError[]): unknown {
  const kept: unknown[] = [];
  for (const item of value) {
    if (!errorsFor(spec, path, [...kept, item]).length) kept.push(item);
    else dropped.push({ path, message: `item ${JSON.stringify(item)} is not offered for ranking any more` });
  }
  return kept.length ? kept : undefined;
}

/** Rows of a matrix (one choice per row) or of a matrix of dropdowns (an object of cells per row). */
function fitRows(spec: ValueSpec, path: string, value: Record<string, unknown>, dropped: AnswerError[], from: ValueSpec | undefined): unknown {
  const { detail } = spec;
  const kept: Record<string, unknown> = {};
  const columns = (detail.columns ?? []).map((c) => ({ name: c.name, spec: columnSpec(c) }));
  const fromColumns = (from?.detail.columns ?? []).map((c) => ({ name: c.name, spec: columnSpec(c) }));
  for (const [rowKey, rowValue] of Object.entries(value)) {
    const rowPath = `${path}.${rowKey}`;
    if (!(detail.rows ?? []).some((r) => r.value === rowKey)) {
      dropped.push({ path: rowPath, message: 'is not a row of this question any more' });
      continue;
    }
    if (spec.type === 'matrix' || !isPlainObject(rowValue)) {
      const errors = spec.type === 'matrix' ? errorsFor(columns[0].spec, rowPath, rowValue) : errorsFor(spec, path, { [rowKey]: rowValue });
      if (errors.length) dropped.push({ path: rowPath, message: `no longer fits: ${errors[0].message}` });
      else kept[rowKey] = rowValue;
      continue;
    }
    const cells = fitObject(columns, detail.computed, rowValue, rowPath, dropped, {
      noun: 'column',
      fromFields: fromColumns,
      fromComputed: from?.detail.computed,
    });
    if (cells !== undefined) kept[rowKey] = cells;
  }
  return isEmpty(kept) ? undefined : kept;
}

/** The rows of a dynamic matrix or the panels of a dynamic panel, entry by entry, up to the most the question allows. */
function fitEntries(spec: ValueSpec, path: string, value: unknown[], dropped: AnswerError[], from: ValueSpec | undefined): unknown {
  const { detail } = spec;
  const what = detail.dynamic === 'rows' ? 'row' : 'panel';
  const fields = (detail.fields ?? []).map((f) => ({ name: f.name, spec: f as ValueSpec }));
  const fromFields = (from?.detail.fields ?? []).map((f) => ({ name: f.name, spec: f as ValueSpec }));
  const kept: unknown[] = [];
  value.forEach((entry, index) => {
    const entryPath = `${path}.${index + 1}`;
    if (!isPlainObject(entry)) return void dropped.push({ path: entryPath, message: `is not a ${what} (${String(JSON.stringify(entry)).slice(0, 40)})` });
    const fitted = fitObject(fields, detail.computed, entry, entryPath, dropped, {
      noun: detail.dynamic === 'rows' ? 'column' : 'question',
      fromFields,
      fromComputed: from?.detail.computed,
    });
    if (fitted === undefined) return;
    if (detail.maxCount && kept.length >= detail.maxCount) {
      dropped.push({ path: entryPath, message: `the new version allows at most ${detail.maxCount} ${what}s` });
      return;
    }
    kept.push(fitted);
  });
  return kept.length ? kept : undefined;
}

const NOT_THERE = {
  column: 'is not a column of this question any more',
  question: 'is not a question of this panel any more',
  item: 'is not an item of this question any more',
};

/**
 * An object of fields (a matrix row, a dynamic row or panel, a multiple-text answer): the fields still there, each
 * fitted; the comment (or "Other" text) of a kept field; the values the new version computes (recomputed after).
 * Values only the earlier version computed are left out without a note: they were never the respondent's. Undefined
 * when every answer in it was left out.
 */
function fitObject(
  fields: Array<{ name: string; spec: ValueSpec }>,
  computed: string[] | undefined,
  value: Record<string, unknown>,
  path: string,
  dropped: AnswerError[],
  how: { noun: 'column' | 'question' | 'item'; fromFields?: Array<{ name: string; spec: ValueSpec }>; fromComputed?: string[] },
): Record<string, unknown> | undefined {
  const kept: Record<string, unknown> = {};
  const comments: Array<[string, unknown]> = [];
  for (const [key, fieldValue] of Object.entries(value)) {
    const field = fields.find((f) => f.name === key);
    if (field) {
      const fitted = fitValue(field.spec, `${path}.${key}`, fieldValue, dropped, { from: how.fromFields?.find((f) => f.name === key)?.spec });
      if (fitted !== undefined) kept[key] = fitted;
    } else if (
      key.endsWith(COMMENT_SUFFIX) &&
      (fields.some((f) => `${f.name}${COMMENT_SUFFIX}` === key) || how.fromFields?.some((f) => `${f.name}${COMMENT_SUFFIX}` === key))
    ) {
      comments.push([key, fieldValue]);
    } else if (computed?.includes(key)) {
      kept[key] = fieldValue;
    } else if (!how.fromComputed?.includes(key)) {
      dropped.push({ path: `${path}.${key}`, message: NOT_THERE[how.noun] });
    }
  }
  for (const [key, text] of comments) {
    const name = key.slice(0, -COMMENT_SUFFIX.length);
    const field = fields.find((f) => f.name === name);
    const fitted = fitComment(
      field?.spec,
      how.fromFields?.find((f) => f.name === name)?.spec,
      name in kept ? kept[name] : undefined,
      text,
      `${path}.${key}`,
      dropped,
    );
    if (fitted !== undefined) kept[key] = fitted;
  }
  // A row or panel left empty by the respondent is carried as it is; one whose every answer was left out is not.
  const answered = (object: Record<string, unknown>) =>
    Object.keys(object).some((key) => !computed?.includes(key) && !how.fromComputed?.includes(key) && !isEmpty(object[key]));
  return answered(kept) || !answered(value) ? kept : undefined;
}

/**
 * The text kept in `<name>-Comment` beside a question's value: a comment area's text travels when the new question
 * still has a comment area; the text typed for "Other" travels with its "Other" choice.
 */
function fitComment(
  spec: ValueSpec | undefined,
  from: ValueSpec | undefined,
  keptValue: unknown,
  text: unknown,
  path: string,
  dropped: AnswerError[],
): unknown {
  if (isEmpty(text)) return undefined;
  const otherText = (s: ValueSpec | undefined) => s?.detail.rules?.other === 'comment' && !s.detail.comment;
  let reason: string | null;
  if (!spec) reason = 'is left out with its question';
  else if (spec.detail.comment || (spec.detail.rules?.other === 'comment' && holdsOther(keptValue))) reason = null;
  else if (spec.detail.rules?.other === 'comment' || otherText(from)) reason = `the text typed for "${OTHER}" is left out with its choice`;
  else reason = 'the question has no comment area any more';
  if (reason === null && !errorsFor({ type: 'text', valueType: 'text', detail: {} }, path, text).length) return text;
  dropped.push({ path, message: reason ?? 'is not text' });
  return undefined;
}

function holdsOther(value: unknown): boolean {
  return Array.isArray(value) ? value.some((v) => String(v) === OTHER) : value !== undefined && value !== null && String(value) === OTHER;
}

// survey-core models of new versions (published versions never change): matrix totals and computed cells are
// recomputed from the carried answers, as the questionnaire computes them in the browser.
const models = new WeakMap<VersionInfo, Model>();

function modelOf(version: VersionInfo): Model {
  let model = models.get(version);
  if (!model) {
    model = createModel(version.definition);
    models.set(version, model);
  }
  return model;
}

/**
 * What the new version computes from the carried answers: a matrix's totals (`<name>-total`) and the computed cells
 * of its rows or panels. Recomputed rather than carried, so that rows, panels or fields left out leave no stale sum.
 * (Top-level expression values are not carried at all: the questionnaire computes them when it opens.)
 */
function recomputeDerived(version: VersionInfo, data: Record<string, unknown>, questions: CatalogueQuestion[]): void {
  const derived = questions.filter((q) => q.detail.totals || q.detail.computed?.length);
  if (!derived.length) return;
  const model = modelOf(version);
  model.data = structuredClone(data); // survey-core adds to the objects it is given (rows it computes cells for)
  for (const question of derived) {
    const totalKey = `${question.name}${TOTAL_SUFFIX}`;
    delete data[totalKey];
    const total = question.detail.totals ? model.getValue(totalKey) : undefined;
    if (isPlainObject(total) && !isEmpty(total)) data[totalKey] = structuredClone(total);
    const computed = question.detail.computed ?? [];
    if (!computed.length) continue;
    // survey-core computes the cells of rows and panels once it builds them (as the browser does when it shows them).
    const built = model.getQuestionByValueName(question.name) as unknown as { visibleRows?: unknown; panels?: unknown } | null;
    void (question.detail.dynamic === 'panels' ? built?.panels : built?.visibleRows);
    const fresh = model.getValue(question.name) as unknown;
    const value = data[question.name];
    const entries: Array<[Record<string, unknown>, unknown]> = Array.isArray(value)
      ? value.map((entry, index) => [entry as Record<string, unknown>, Array.isArray(fresh) ? fresh[index] : undefined])
      : isPlainObject(value)
        ? Object.entries(value).map(([rowKey, row]) => [row as Record<string, unknown>, isPlainObject(fresh) ? fresh[rowKey] : undefined])
        : [];
    for (const [entry, freshEntry] of entries) {
      if (!isPlainObject(entry)) continue;
      for (const key of computed) {
        const recomputed = isPlainObject(freshEntry) ? freshEntry[key] : undefined;
        if (recomputed === undefined || recomputed === null) delete entry[key];
        else entry[key] = recomputed;
      }
    }
  }
}

/** Moves answers of the earlier version onto the new one, with their comments (no database). */
export function carryAnswers(path: VersionPath, data: Record<string, unknown>): CarryOutcome {
  const outcome: CarryOutcome = { data: {}, carried: [], notCarried: [], askedAgain: [], dropped: [] };
  const source = structuredClone(data); // carried values are recomputed in place below; the earlier response is never touched
  const carriedQuestions: CatalogueQuestion[] = [];
  for (const [name, from] of path.from.catalogue) {
    const value = source[name];
    const comment = source[`${name}${COMMENT_SUFFIX}`];
    if (isEmpty(value) && isEmpty(comment)) continue;
    const { name: newName, askedAgain } = traceThrough(path, name);
    if (newName === null) {
      outcome.notCarried.push({ question: name, reason: 'removed' });
      continue;
    }
    const question = path.to.catalogue.get(newName);
    if (!question) {
      outcome.notCarried.push({ question: name, reason: 'not-in-version' });
      continue;
    }
    if (askedAgain) {
      outcome.notCarried.push({ question: name, reason: 'asked-again' });
      outcome.askedAgain.push({ question: newName, from: name, ...askedAgain });
      continue;
    }
    const kept = fitToQuestion(question, value, outcome.dropped, { from });
    const keptComment = fitComment(question, from, kept, comment, `${newName}${COMMENT_SUFFIX}`, outcome.dropped);
    if (isEmpty(kept) && keptComment === undefined) {
      outcome.notCarried.push({ question: name, reason: 'incompatible' });
      continue;
    }
    if (!isEmpty(kept)) outcome.data[newName] = kept;
    if (keptComment !== undefined) outcome.data[`${newName}${COMMENT_SUFFIX}`] = keptComment;
    outcome.carried.push({ question: newName, from: name });
    carriedQuestions.push(question);
  }
  recomputeDerived(path.to, outcome.data, carriedQuestions);
  return outcome;
}

/** The keys of the carried data that belong to a carried question: its value, its comment and its totals. */
function keysOf(outcome: CarryOutcome, carried: { question: string; from: string }) {
  return ['', COMMENT_SUFFIX, TOTAL_SUFFIX]
    .filter((suffix) => `${carried.question}${suffix}` in outcome.data)
    .map((suffix) => ({ key: `${carried.question}${suffix}`, from: `${carried.from}${suffix}` }));
}

/** The parts of a carried question's answer that were left out (paths under its new name). */
function droppedFrom(outcome: CarryOutcome, question: string): AnswerError[] {
  return outcome.dropped.filter((d) => d.path === question || d.path.startsWith(`${question}.`) || d.path === `${question}${COMMENT_SUFFIX}`);
}

export type EarlierResponse = {
  id: number;
  round_id: number;
  round_name: string;
  status: ResponseStatus;
  data: Record<string, unknown>;
  questionnaire_version_id: number;
};

/**
 * Creates a team's response in a new round, starting from its response in the earlier round (in the caller's
 * transaction). The earlier response is only read. The carried answers are one revision of kind 'carry_forward'.
 */
export async function carryForwardResponse(
  trx: Executor,
  target: { roundId: number; teamId: number; version: VersionInfo; path: VersionPath },
  earlier: EarlierResponse,
  actorId: number | null,
): Promise<{ responseId: number; outcome: CarryOutcome }> {
  const outcome = carryAnswers(target.path, earlier.data);
  const submitted = earlier.status === 'submitted';
  const carried: CarriedAnswers = Object.fromEntries(
    outcome.carried.map((c) => {
      const dropped = droppedFrom(outcome, c.question);
      return [c.question, { fromResponseId: earlier.id, fromRoundId: earlier.round_id, confirmed: false, submitted, ...(dropped.length ? { dropped } : {}) }];
    }),
  );
  const askedAgain: AskedAgain = Object.fromEntries(
    outcome.askedAgain.map((a) => [
      a.question,
      { from: a.from, fromResponseId: earlier.id, fromRoundId: earlier.round_id, version: a.version, reason: a.reason },
    ]),
  );
  const progress = progressOf(target.version, outcome.data);
  const now = new Date();
  // Inserted as carried, at revision 0; the carried answers are then its first revision, written as every revision
  // is (answers rows and tallies with it). With nothing carried the response stays as a fresh one is, at revision 0.
  const inserted = await trx
    .insertInto('responses')
    .values({
      round_id: target.roundId,
      team_id: target.teamId,
      questionnaire_version_id: target.version.id,
      data: jsonb(outcome.data),
      carried: jsonb(carried),
      carried_from_response_id: earlier.id,
      asked_again: jsonb(askedAgain),
      revision: 0,
      answered_count: progress.answered,
      answerable_count: progress.answerable,
      created_at: now,
      updated_at: now,
    })
    .returning(['id', 'revision', 'round_id', 'team_id'])
    .executeTakeFirstOrThrow();
  if (outcome.carried.length) {
    // Every key written, as a save names them: a question's value, its comment and its totals.
    const keys = outcome.carried.flatMap((c) => keysOf(outcome, c));
    await commitRevision(trx, inserted, {
      kind: 'carry_forward',
      authorId: actorId,
      answers: { data: outcome.data, progress, catalogue: target.version.catalogue, questions: keys.map((k) => k.key) },
      // Same shape as an edit ({question, old, new}) so a value at any revision can be read back the same way.
      changes: keys.map((k) => ({ question: k.key, old: null, new: outcome.data[k.key], fromQuestion: k.from })),
      note: `Carried forward from ${earlier.round_name} (response ${earlier.id}${submitted ? ', submitted' : ', never submitted'}). Not carried: ${
        outcome.notCarried.map((n) => `${n.question} (${n.reason})`).join(', ') || 'none'
      }.${outcome.askedAgain.length ? ` Asked again (their period changed): ${outcome.askedAgain.map((a) => a.question).join(', ')}.` : ''}${
        outcome.dropped.length ? ` Left out of carried answers: ${outcome.dropped.map((d) => `${d.path} (${d.message})`).join('; ')}.` : ''
      }`,
      at: now,
    });
  }
  return { responseId: inserted.id, outcome };
}

export type CarriedSummary = { carried: number; confirmed: number; unconfirmed: number; fromUnsubmitted: number };

export function summariseCarried(carried: CarriedAnswers | null | undefined): CarriedSummary {
  const entries = Object.values(carried ?? {});
  const confirmed = entries.filter((e) => e.confirmed).length;
  return { carried: entries.length, confirmed, unconfirmed: entries.length - confirmed, fromUnsubmitted: entries.filter((e) => !e.submitted).length };
}

/**
 * The manager confirms carried answers as they stand: a list of questions, or every carried answer on a page
 * ('page:<name>'). A revision of kind 'confirm' records it; the answers themselves do not change. Answers already
 * confirmed are left as they are; confirming nothing new writes nothing.
 */
export async function confirmCarriedAnswers(db: Executor, user: CurrentUser, responseId: number, target: string[] | `page:${string}`) {
  return db.transaction().execute(async (trx) => {
    const response = await requireVisibleResponse(trx, user, responseId, { forUpdate: true });
    const blocker = editBlocker(user, response);
    if (blocker) {
      throw new DomainError(blocker.status, blocker.message, {
        reason: blocker.status === 403 ? 'role' : response.round_status === 'closed' ? 'round_closed' : 'submitted',
      });
    }
    const version = await getQuestionnaireVersion(trx, response.questionnaire_version_id);
    const carried = response.carried ?? {};
    let questions: string[];
    if (typeof target === 'string') {
      const page = target.slice('page:'.length);
      const pageQuestions = [...version.catalogue.values()].filter((q) => q.page === page).map((q) => q.name);
      if (!pageQuestions.length) {
        throw invalid(`"${page}" is not a page of ${version.title} version ${version.version}.`, {
          errors: [{ path: 'page', message: `no page named "${page}"` }],
        });
      }
      questions = pageQuestions.filter((name) => carried[name]);
    } else {
      const errors = target
        .filter((name) => !carried[name])
        .map((name) => ({
          path: name,
          message: version.catalogue.has(name)
            ? 'was not carried forward from the earlier round'
            : `is not a question of ${version.title} version ${version.version}`,
        }));
      if (errors.length) throw invalid('Only answers carried forward from the earlier round can be confirmed; nothing was confirmed.', { errors });
      questions = [...new Set(target)];
    }
    const pending = questions.filter((name) => !carried[name].confirmed);
    if (!pending.length) return { revision: response.revision, confirmed: [] as string[], carried: summariseCarried(carried) };

    const next = markCarriedConfirmed(carried, pending)!;
    const { revision } = await commitRevision(trx, response, {
      kind: 'confirm',
      authorId: user.id,
      status: startedStatus(response.status),
      carried: next,
      changes: { confirmed: pending, ...(typeof target === 'string' ? { page: target.slice('page:'.length) } : {}) },
      audit: { action: 'response.confirm_carried', details: { questions: pending } },
    });
    return { revision, confirmed: pending, carried: summariseCarried(next) };
  });
}
