import type { Executor } from '../../db/index';
import { jsonb } from '../../db/json';
import type { CarriedAnswers, ResponseStatus, VersionMapping } from '../../db/schema';
import type { CatalogueQuestion } from './catalogue.server';
import { getQuestionnaireVersion, type VersionInfo } from './questionnaires.server';
import { DomainError, invalid } from './errors.server';
import { editBlocker, markCarriedConfirmed, requireVisibleResponse } from './responses.server';
import { commitRevision, startedStatus } from './revisions.server';
import type { CurrentUser } from './users.server';
import { checkShape, progressOf, type AnswerError } from './validation.server';

/**
 * Carrying answers forward from one phase to the next: a response of an earlier round is moved onto the new round's
 * questionnaire version through the versions' mappings (meta.json `from`, `renamed`, `removed`). Renamed questions
 * follow their new name, removed ones stay behind (visible in the earlier round, which is never touched), new ones
 * start empty. Every carried answer is marked so the team's manager confirms or changes it.
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

export type CarryOutcome = {
  /** The answers on the new version. */
  data: Record<string, unknown>;
  /** Carried answers by their name in the new version, with the name they had in the earlier one. */
  carried: Array<{ question: string; from: string }>;
  /** Answered questions of the earlier version that were not carried, and why. */
  notCarried: Array<{ question: string; reason: 'removed' | 'not-in-version' | 'incompatible' }>;
  /** Parts of carried answers the new version no longer offers (matrix rows or columns, choices). */
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

function fits(question: CatalogueQuestion, value: unknown): boolean {
  const errors: AnswerError[] = [];
  checkShape(question, value, errors);
  return errors.length === 0;
}

/**
 * Keeps as much of a value as the new version's question can hold: the whole value when it fits; otherwise the
 * matrix rows, cells or checkbox choices that still exist. What is left out is listed in `dropped`.
 */
export function fitToQuestion(question: CatalogueQuestion, value: unknown, dropped: AnswerError[]): unknown {
  if (isEmpty(value) || fits(question, value)) return value;
  const path = question.name;
  if (question.valueType === 'multiple' && Array.isArray(value)) {
    const kept = value.filter((item) => fits(question, [item]));
    for (const item of value) if (!kept.includes(item)) dropped.push({ path, message: `choice ${JSON.stringify(item)} is not offered any more` });
    return kept.length ? kept : undefined;
  }
  if (question.valueType === 'matrix' && value && typeof value === 'object' && !Array.isArray(value)) {
    const kept: Record<string, unknown> = {};
    for (const [rowKey, rowValue] of Object.entries(value as Record<string, unknown>)) {
      if (fits(question, { [rowKey]: rowValue })) {
        kept[rowKey] = rowValue;
        continue;
      }
      if (question.type === 'matrixdropdown' && rowValue && typeof rowValue === 'object' && !Array.isArray(rowValue) && fits(question, { [rowKey]: {} })) {
        const cells: Record<string, unknown> = {};
        for (const [columnKey, cellValue] of Object.entries(rowValue as Record<string, unknown>)) {
          if (fits(question, { [rowKey]: { [columnKey]: cellValue } })) cells[columnKey] = cellValue;
          else dropped.push({ path: `${path}.${rowKey}.${columnKey}`, message: 'is not a column of this question any more, or its value no longer fits' });
        }
        if (Object.keys(cells).length) kept[rowKey] = cells;
        continue;
      }
      dropped.push({ path: `${path}.${rowKey}`, message: 'is not a row of this question any more, or its value no longer fits' });
    }
    return Object.keys(kept).length ? kept : undefined;
  }
  dropped.push({ path, message: 'the answer does not fit the question in the new version' });
  return undefined;
}

/** Moves answers of the earlier version onto the new one (pure: no database). */
export function carryAnswers(path: VersionPath, data: Record<string, unknown>): CarryOutcome {
  const outcome: CarryOutcome = { data: {}, carried: [], notCarried: [], dropped: [] };
  const names = [...path.from.catalogue.keys()].filter((name) => !isEmpty(data[name]));
  for (const name of names) {
    const newName = nameThrough(path.steps, name);
    if (newName === null) {
      outcome.notCarried.push({ question: name, reason: 'removed' });
      continue;
    }
    const question = path.to.catalogue.get(newName);
    if (!question) {
      outcome.notCarried.push({ question: name, reason: 'not-in-version' });
      continue;
    }
    const value = fitToQuestion(question, data[name], outcome.dropped);
    if (isEmpty(value)) {
      outcome.notCarried.push({ question: name, reason: 'incompatible' });
      continue;
    }
    outcome.data[newName] = value;
    outcome.carried.push({ question: newName, from: name });
  }
  return outcome;
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
    outcome.carried.map((c) => [c.question, { fromResponseId: earlier.id, fromRoundId: earlier.round_id, confirmed: false, submitted }]),
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
      revision: 0,
      answered_count: progress.answered,
      answerable_count: progress.answerable,
      created_at: now,
      updated_at: now,
    })
    .returning(['id', 'revision', 'round_id', 'team_id'])
    .executeTakeFirstOrThrow();
  if (outcome.carried.length) {
    await commitRevision(trx, inserted, {
      kind: 'carry_forward',
      authorId: actorId,
      answers: { data: outcome.data, progress, catalogue: target.version.catalogue, questions: outcome.carried.map((c) => c.question) },
      // Same shape as an edit ({question, old, new}) so a value at any revision can be read back the same way.
      changes: outcome.carried.map((c) => ({ question: c.question, old: null, new: outcome.data[c.question], fromQuestion: c.from })),
      note: `Carried forward from ${earlier.round_name} (response ${earlier.id}${submitted ? ', submitted' : ', never submitted'}). Not carried: ${
        outcome.notCarried.map((n) => `${n.question} (${n.reason})`).join(', ') || 'none'
      }.`,
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
