import { sql } from 'kysely';
import { retryOnDeadlock, type Executor } from '../../db/index';
import { textArray } from '../../db/json';
import type { CarriedAnswers } from '../../db/schema';
import { getQuestionnaireVersion, type VersionInfo } from './questionnaires.server';
import { commitRevision, startedStatus } from './revisions.server';
import { applyFollowUp, proposeActions } from './actions.server';
import type { CurrentUser } from './users.server';
import { assessAnswers, checkDataValue, questionOfKey, resolveDataKey, type AnswerError, type Assessment, type DataKey } from './validation.server';
import { canEditResponse, canSeeResponse, responseVisibleTo, teamManagedBy } from './access.server';
import { conflict, DomainError, invalid, notFound } from './errors.server';

export type ResponseChange = {
  baseRevision: number;
  set: Record<string, unknown>;
  unset: string[];
  /** The page the user is on, to reopen there next time. */
  page?: string;
  /** The client's id for this change: a retry of an applied change is answered without applying it again. */
  changeId?: string;
};

export type Conflict = {
  question: string;
  currentValue: unknown;
  changedBy: { id: number | null; name: string | null };
  changedAt: string;
  revision: number;
};

function sameValue(a: unknown, b: unknown): boolean {
  return stableStringify(a ?? null) === stableStringify(b ?? null);
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The response with its team and round (the columns every reader of one response needs). */
function responseQuery(db: Executor, responseId: number) {
  return db
    .selectFrom('responses as s')
    .innerJoin('teams as t', 't.id', 's.team_id')
    .innerJoin('rounds as r', 'r.id', 's.round_id')
    .leftJoin('audit_cases as c', 'c.id', 's.case_id')
    .selectAll('s')
    .select([
      'c.reference as case_reference',
      'c.kind as case_kind',
      't.name as team_name',
      't.slug as team_slug',
      't.area_id',
      't.team_type',
      'r.name as round_name',
      'r.status as round_status',
      'r.due_date',
      'r.follows_round_id',
      'r.subject',
    ])
    .where('s.id', '=', responseId);
}

/** The response with its team and round, if it exists and the user may see it. */
export async function findVisibleResponse(db: Executor, user: CurrentUser, responseId: number, options: { forUpdate?: boolean } = {}) {
  if (!Number.isSafeInteger(responseId) || responseId <= 0) return null;
  let query = responseQuery(db, responseId);
  if (options.forUpdate) query = query.forUpdate('s');
  const row = await query.executeTakeFirst();
  if (!row || !canSeeResponse(user, row)) return null;
  return row;
}

export type VisibleResponse = NonNullable<Awaited<ReturnType<typeof findVisibleResponse>>>;

export async function requireVisibleResponse(db: Executor, user: CurrentUser, responseId: number, options: { forUpdate?: boolean } = {}) {
  const response = await findVisibleResponse(db, user, responseId, options);
  if (!response) throw notFound('response');
  return response;
}

/** Why the user may not change this response now, or null when they may. */
export function editBlocker(
  user: CurrentUser,
  response: Pick<VisibleResponse, 'team_id' | 'area_id' | 'subject' | 'status' | 'round_status' | 'auditor_id' | 'moderation_of'>,
): { status: 403 | 409; message: string } | null {
  if (!canEditResponse(user, response)) {
    if (response.subject === 'case') {
      return {
        status: 403,
        message: response.auditor_id === null ? 'Take the audit on before changing it.' : 'Only the auditor doing this audit can change it.',
      };
    }
    return { status: 403, message: "Only the team's managers can change its responses." };
  }
  if (response.round_status === 'closed') return { status: 409, message: 'The round is closed: its responses can no longer be changed.' };
  if (response.status === 'submitted') {
    return { status: 409, message: 'The response has been submitted: it is read-only unless a reviewer returns it for correction.' };
  }
  return null;
}

function checkEditable(user: CurrentUser, response: VisibleResponse) {
  const blocker = editBlocker(user, response);
  if (blocker)
    throw new DomainError(blocker.status, blocker.message, {
      reason: blocker.status === 409 ? (response.round_status === 'closed' ? 'round_closed' : 'submitted') : 'role',
    });
}

/**
 * Validates a change against the response's own questionnaire version: shapes first (unknown questions, wrong types,
 * values outside choices, rows or columns), then the questionnaire's validators on the merged answers.
 */
export function validateChange(
  version: VersionInfo,
  current: Record<string, unknown>,
  change: Pick<ResponseChange, 'set' | 'unset'>,
): Assessment & { next: Record<string, unknown> } {
  const errors: AnswerError[] = [];
  const keys = new Map<string, DataKey>();
  for (const name of [...Object.keys(change.set), ...change.unset]) {
    const key = resolveDataKey(version, name);
    if (key) keys.set(name, key);
    else errors.push({ path: name, message: `is not a question of ${version.title} version ${version.version}` });
  }
  for (const name of change.unset) {
    if (name in change.set) errors.push({ path: name, message: 'is both set and unset in one change' });
  }
  for (const [name, value] of Object.entries(change.set)) {
    const key = keys.get(name);
    if (key) checkDataValue(key, name, value, errors);
  }
  if (errors.length) return { errors, progress: { answered: 0, answerable: 0 }, next: current };
  const next = applyToData(current, change);
  return { ...assessAnswers(version, next, 'save', Object.keys(change.set)), next };
}

function applyToData(current: Record<string, unknown>, change: Pick<ResponseChange, 'set' | 'unset'>): Record<string, unknown> {
  const next: Record<string, unknown> = { ...current };
  for (const [name, value] of Object.entries(change.set)) {
    if (value === null || value === '' || (Array.isArray(value) && value.length === 0)) delete next[name];
    else next[name] = value;
  }
  for (const name of change.unset) delete next[name];
  return next;
}

/** Questions touched after `baseRevision`, with who changed each last. */
async function changesSince(trx: Executor, responseId: number, baseRevision: number, questions: string[]) {
  if (!questions.length) return new Map<string, { revision: number; authorId: number | null; authorName: string | null; at: Date }>();
  const found = await trx
    .selectFrom('response_revisions as rv')
    .leftJoin('users as u', 'u.id', 'rv.author_id')
    .select(['rv.revision', 'rv.questions', 'rv.author_id', 'u.name', 'rv.created_at'])
    .where('rv.response_id', '=', responseId)
    .where('rv.revision', '>', baseRevision)
    .where(sql<boolean>`rv.questions && ${textArray(questions)}`)
    .orderBy('rv.revision', 'asc')
    .execute();
  const latest = new Map<string, { revision: number; authorId: number | null; authorName: string | null; at: Date }>();
  for (const row of found) {
    for (const question of row.questions) {
      if (questions.includes(question)) latest.set(question, { revision: row.revision, authorId: row.author_id, authorName: row.name, at: row.created_at });
    }
  }
  return latest;
}

/**
 * Locks a response for a save (select … for update) and tells whether the change `changeId` was applied already (a
 * retry whose reply was lost), in one statement.
 *
 * The statement's snapshot is taken before it waits for the lock: when another save of the response committed in
 * the meantime, PostgreSQL hands back the row as that save left it, but the subqueries saw the revisions from
 * before. So the statement also reads the last revision it saw; when that is not the row's, the change id is looked
 * up again in a statement of its own (a fresh snapshot, taken with the lock held).
 */
async function lockForSave(trx: Executor, user: CurrentUser, responseId: number, changeId: string | undefined) {
  if (!Number.isSafeInteger(responseId) || responseId <= 0) throw notFound('response');
  const row = await responseQuery(trx, responseId)
    .select((eb) =>
      changeId
        ? [
            eb
              .exists(
                eb
                  .selectFrom('response_revisions as rv')
                  .select('rv.revision')
                  .whereRef('rv.response_id', '=', 's.id')
                  .where('rv.client_change_id', '=', changeId),
              )
              .as('change_applied'),
            eb
              .selectFrom('response_revisions as rv')
              .select((e) => e.fn.max('rv.revision').as('last'))
              .whereRef('rv.response_id', '=', 's.id')
              .as('seen_revision'),
          ]
        : [sql<boolean>`false`.as('change_applied'), sql<number | null>`null`.as('seen_revision')],
    )
    .forUpdate('s')
    .executeTakeFirst();
  if (!row || !canSeeResponse(user, row)) throw notFound('response');
  const { change_applied, seen_revision, ...response } = row;
  let alreadyApplied = Boolean(change_applied);
  if (changeId && !alreadyApplied && (seen_revision ?? 0) !== response.revision) {
    const applied = await trx
      .selectFrom('response_revisions')
      .select(['revision'])
      .where('response_id', '=', responseId)
      .where('client_change_id', '=', changeId)
      .executeTakeFirst();
    alreadyApplied = Boolean(applied);
  }
  return { response: response satisfies VisibleResponse, alreadyApplied };
}

export type SaveResult = { revision: number; updatedAt: Date; changed: string[]; progress: { answered: number; answerable: number } };

/**
 * Applies one change to a response: the one function behind autosave and `PATCH /api/v1/responses/{id}`.
 * Per-question optimistic concurrency: the change applies when none of the questions it touches changed after
 * `baseRevision` (or they already hold the same value); otherwise a 409 lists the conflicts and nothing is written.
 * The response, its revision row, its answers rows and the answer tallies change in one transaction (run again if
 * PostgreSQL breaks a deadlock with another save: see retryOnDeadlock).
 */
export async function saveResponseChange(db: Executor, user: CurrentUser, responseId: number, change: ResponseChange): Promise<SaveResult> {
  return retryOnDeadlock(() =>
    db.transaction().execute(async (trx) => {
      const { response, alreadyApplied } = await lockForSave(trx, user, responseId, change.changeId);
      checkEditable(user, response);
      if (alreadyApplied) {
        return {
          revision: response.revision,
          updatedAt: response.updated_at,
          changed: [],
          progress: { answered: response.answered_count, answerable: response.answerable_count },
        };
      }
      if (change.baseRevision > response.revision) {
        throw conflict(`baseRevision ${change.baseRevision} is newer than the response's revision ${response.revision}: reload it.`, {
          currentRevision: response.revision,
          reason: 'stale',
        });
      }
      const version = await getQuestionnaireVersion(trx, response.questionnaire_version_id);
      const data = response.data;
      const { errors, progress, next } = validateChange(version, data, change);
      if (errors.length) throw invalid('Some answers are not valid; nothing was saved.', { errors });

      const touched = [...Object.keys(change.set), ...change.unset];
      const changed = touched.filter((name) => !sameValue(data[name], change.unset.includes(name) ? undefined : normalise(change.set[name])));

      // Conflicts: a touched question someone changed after the caller's base revision, to a value other than theirs.
      if (change.baseRevision < response.revision && changed.length) {
        const since = await changesSince(trx, responseId, change.baseRevision, changed);
        const conflicts: Conflict[] = [...since.entries()].map(([question, last]) => ({
          question,
          currentValue: data[question] ?? null,
          changedBy: { id: last.authorId, name: last.authorName },
          changedAt: last.at.toISOString(),
          revision: last.revision,
        }));
        if (conflicts.length) {
          throw conflict(
            `${conflicts.length === 1 ? 'A question was' : `${conflicts.length} questions were`} changed by someone else since you loaded the response; nothing was saved.`,
            {
              reason: 'conflict',
              conflicts,
              currentRevision: response.revision,
            },
          );
        }
      }

      const page = change.page && typeof change.page === 'string' ? change.page.slice(0, 100) : response.current_page;
      if (!changed.length) {
        if (page !== response.current_page) await trx.updateTable('responses').set({ current_page: page }).where('id', '=', responseId).execute();
        return {
          revision: response.revision,
          updatedAt: response.updated_at,
          changed: [],
          progress: { answered: response.answered_count, answerable: response.answerable_count },
        };
      }

      const { revision, at } = await commitRevision(trx, response, {
        kind: 'edit',
        authorId: user.id,
        baseRevision: change.baseRevision,
        answers: { data: next, progress, catalogue: version.catalogue, questions: changed },
        status: startedStatus(response.status),
        currentPage: page,
        // Changing a carried answer's comment or "Other" text confirms it too.
        carried:
          markCarriedConfirmed(
            response.carried,
            changed.map((key) => questionOfKey(version.catalogue, key) ?? key),
          ) ?? undefined,
        changes: changed.map((question) => ({ question, old: data[question] ?? null, new: next[question] ?? null })),
        clientChangeId: change.changeId ?? null,
      });
      return { revision, updatedAt: at, changed, progress };
    }),
  );
}

function normalise(value: unknown): unknown {
  if (value === '' || (Array.isArray(value) && value.length === 0)) return undefined;
  return value ?? undefined;
}

/**
 * Marks carried-forward answers as confirmed: a manager changed them (a save) or confirmed them as they stand.
 * Returns the new map, or null when none of the questions was a carried answer still to confirm.
 */
export function markCarriedConfirmed(carried: CarriedAnswers, questions: string[]): CarriedAnswers | null {
  const pending = questions.filter((q) => carried[q] && !carried[q].confirmed);
  if (!pending.length) return null;
  const next = { ...carried };
  for (const q of pending) next[q] = { ...next[q], confirmed: true };
  return next;
}

/**
 * Submits a response: full validation on the server (required answers included) against the revision the user saw.
 * Records who submitted and when, as a revision of its own.
 */
export async function submitResponse(db: Executor, user: CurrentUser, responseId: number, input: { revision: number }) {
  return db.transaction().execute(async (trx) => {
    const response = await requireVisibleResponse(trx, user, responseId, { forUpdate: true });
    checkEditable(user, response);
    if (input.revision !== response.revision) {
      throw conflict(`The response has changed since revision ${input.revision} (it is now at ${response.revision}): review the changes and submit again.`, {
        reason: 'stale',
        currentRevision: response.revision,
      });
    }
    const version = await getQuestionnaireVersion(trx, response.questionnaire_version_id);
    const { errors } = assessAnswers(version, response.data, 'submit');
    if (errors.length) {
      throw invalid(`The response cannot be submitted yet: ${errors.length} answer${errors.length === 1 ? ' needs' : 's need'} attention.`, { errors });
    }
    const { revision, at } = await commitRevision(trx, response, {
      kind: 'submit',
      authorId: user.id,
      status: 'submitted',
      submitted: true,
      changes: { resubmission: Boolean(response.returned_at) },
      audit: { action: 'response.submit' },
    });
    // The register: what the answers say will be done is proposed to the reviewers; a follow-up question updates it.
    await applyFollowUp(trx, user.id, response, version, response.data);
    await proposeActions(trx, response, version, response.data, user.id);
    return { revision, submittedAt: at };
  });
}

/** The API's view of a response. */
export async function describeResponse(db: Executor, response: VisibleResponse) {
  const version = await getQuestionnaireVersion(db, response.questionnaire_version_id);
  return {
    id: response.id,
    round: { id: response.round_id, name: response.round_name, status: response.round_status, dueDate: response.due_date },
    team: { id: response.team_id, name: response.team_name, slug: response.team_slug },
    questionnaire: { slug: version.slug, title: version.title, version: version.version },
    status: response.status,
    revision: response.revision,
    data: response.data,
    progress: { answered: response.answered_count, answerable: response.answerable_count },
    carried: response.carried,
    currentPage: response.current_page,
    updatedAt: response.updated_at.toISOString(),
    submittedAt: response.submitted_at?.toISOString() ?? null,
    returned: response.return_reason
      ? { reason: response.return_reason, questions: response.return_questions ?? [], at: response.returned_at?.toISOString() ?? null }
      : null,
    ...caseOf(response),
  };
}

/** For an audit of a case (a case round's response): the case, and whether this is the second, blind audit. */
export function caseOf(response: { case_reference: string | null; case_kind: string | null; moderation_of: number | null }) {
  return response.case_reference === null
    ? {}
    : { case: { reference: response.case_reference, kind: response.case_kind, secondAuditOf: response.moderation_of } };
}

/** The joins and columns every list of responses shows: round, team, questionnaire version, status and progress. */
export function responseListQuery(db: Executor) {
  return db
    .selectFrom('responses as s')
    .innerJoin('teams as t', 't.id', 's.team_id')
    .innerJoin('rounds as r', 'r.id', 's.round_id')
    .innerJoin('questionnaire_versions as v', 'v.id', 's.questionnaire_version_id')
    .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
    .select([
      's.id',
      's.status',
      's.revision',
      's.updated_at',
      's.submitted_at',
      's.answered_count',
      's.answerable_count',
      'r.id as round_id',
      'r.name as round_name',
      't.id as team_id',
      't.name as team_name',
      'v.version',
    ]);
}

/** Responses the user may see, optionally for one round and/or team. */
export async function listVisibleResponses(db: Executor, user: CurrentUser, filter: { roundId?: number; teamId?: number } = {}) {
  let query = responseListQuery(db)
    .leftJoin('audit_cases as c', 'c.id', 's.case_id')
    .select(['q.slug', 'c.reference as case_reference', 'c.kind as case_kind', 's.moderation_of'])
    .where(responseVisibleTo(user))
    .orderBy('r.id', 'desc')
    .orderBy('t.name');
  if (filter.roundId) query = query.where('s.round_id', '=', filter.roundId);
  if (filter.teamId) query = query.where('s.team_id', '=', filter.teamId);
  return query.execute();
}

/** Responses of the teams the user manages (the manager's start page), newest round first, with who changed each last. */
export async function listManagedResponses(db: Executor, user: CurrentUser) {
  return (
    responseListQuery(db)
      .leftJoin('users as u', 'u.id', 's.updated_by')
      .select([
        's.return_reason',
        'u.name as updated_by_name',
        'r.due_date',
        'r.status as round_status',
        'q.title as questionnaire_title',
        'q.slug as questionnaire_slug',
        'v.id as version_id',
      ])
      .where(teamManagedBy(user))
      // Audits of the team's cases are not the team's to complete: the manager reads them on /audits.
      .where('r.subject', '=', 'team')
      .orderBy('r.created_at', 'desc')
      .orderBy('t.name')
      .execute()
  );
}

/** The history of a response: every accepted change, submission and return, with its author. */
export async function listRevisions(db: Executor, responseId: number) {
  const rows = await db
    .selectFrom('response_revisions as rv')
    .leftJoin('users as u', 'u.id', 'rv.author_id')
    .select(['rv.revision', 'rv.base_revision', 'rv.kind', 'rv.questions', 'rv.changes', 'rv.note', 'rv.created_at', 'rv.author_id', 'u.name as author_name'])
    .where('rv.response_id', '=', responseId)
    .orderBy('rv.revision', 'desc')
    .execute();
  return rows.map((r) => ({
    revision: r.revision,
    baseRevision: r.base_revision,
    kind: r.kind,
    questions: r.questions,
    changes: r.changes,
    note: r.note,
    at: r.created_at.toISOString(),
    author: { id: r.author_id, name: r.author_name },
  }));
}

/** A question's value as it stood at a revision (undefined when it had no answer then). */
export async function valueAtRevision(db: Executor, responseId: number, question: string, revision: number): Promise<unknown> {
  const row = await db
    .selectFrom('response_revisions')
    .select(['changes'])
    .where('response_id', '=', responseId)
    .where('revision', '<=', revision)
    .where(sql<boolean>`${question} = any(questions)`)
    .orderBy('revision', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  const change = (row.changes as Array<{ question: string; new: unknown }>).find((c) => c.question === question);
  return change?.new ?? undefined;
}
