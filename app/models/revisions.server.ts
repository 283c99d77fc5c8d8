import { sql, type Updateable } from 'kysely';
import type { Executor } from '../../db/index';
import { jsonb, textArray } from '../../db/json';
import type { CarriedAnswers, ResponsesTable, ResponseStatus, RevisionKind } from '../../db/schema';
import { planAnswersRewrite } from './answers.server';
import { refreshResponseStaffing } from './aggregation/staffing.server';
import { recordAudit } from './audit.server';
import type { CatalogueQuestion } from './catalogue.server';

/**
 * How a response gets a new revision: the one writer behind saving, submitting, returning, confirming carried answers
 * and carrying answers forward. Callers check what they must (who may, conflicts, validation) and say what changes;
 * this bumps `responses.revision`, updates the response, appends its `response_revisions` row, rewrites the answers
 * rows (with their tallies and staffing row) of the questions whose value changed, and records the audit event.
 */

/** The response as its caller holds it: locked (select … for update) or inserted in the same transaction. */
export type LockedResponse = {
  id: number;
  revision: number;
  round_id: number;
  team_id: number;
  /** A second, blind audit of a case (moderation): its answers are compared, never counted in the figures. */
  moderation_of?: number | null;
};

export type RevisionChange = {
  kind: RevisionKind;
  authorId: number | null;
  /** The revision the author started from; by default the response's current one (only a save may be behind). */
  baseRevision?: number;
  /**
   * New answers: the whole data, its progress, and the questions whose value changed. Only these questions are named
   * in the revision row: a revision that changes no value (submit, return, confirm) names none, so it can never
   * conflict with a save (see changesSince in responses.server.ts).
   */
  answers?: {
    data: Record<string, unknown>;
    progress: { answered: number; answerable: number };
    catalogue: Map<string, CatalogueQuestion>;
    questions: string[];
  };
  status?: ResponseStatus;
  carried?: CarriedAnswers;
  currentPage?: string | null;
  /** Stamps submitted_at/by with the revision's time and author. */
  submitted?: boolean;
  /** Stamps returned_at/by with the revision's time and author, with the reviewer's reason and marked questions. */
  returned?: { reason: string; questions: string[] };
  /** The revision row's record of the change. */
  changes: unknown;
  note?: string | null;
  /** The client's id for a save, so a retry is recognised. */
  clientChangeId?: string | null;
  /**
   * The audit event, for the changes that are events (submit, return, confirm); `revision` is added to its details.
   * Saves and carry-forwards have none: saves come every few seconds and the revision row records them; carrying
   * forward is audited once for the round (round.create).
   */
  audit?: { action: string; details?: Record<string, unknown> };
  at?: Date;
};

/** A response's status once its team starts work on it (a save or a confirmation). */
export function startedStatus(status: ResponseStatus): ResponseStatus {
  return status === 'not_started' ? 'in_progress' : status;
}

/** Writes the next revision of a locked response (in the caller's transaction); returns its number and time. */
export async function commitRevision(trx: Executor, response: LockedResponse, change: RevisionChange): Promise<{ revision: number; at: Date }> {
  const revision = response.revision + 1;
  const at = change.at ?? new Date();
  const questions = change.answers?.questions ?? [];
  const columns: Updateable<ResponsesTable> = { revision, updated_at: at, updated_by: change.authorId };
  if (change.answers) {
    columns.data = jsonb(change.answers.data);
    columns.answered_count = change.answers.progress.answered;
    columns.answerable_count = change.answers.progress.answerable;
  }
  if (change.status) columns.status = change.status;
  if (change.carried) columns.carried = jsonb(change.carried);
  if (change.currentPage !== undefined) columns.current_page = change.currentPage;
  if (change.submitted) Object.assign(columns, { submitted_at: at, submitted_by: change.authorId });
  if (change.returned) {
    Object.assign(columns, {
      returned_at: at,
      returned_by: change.authorId,
      return_reason: change.returned.reason,
      return_questions: jsonb(change.returned.questions),
    });
  }
  const update = trx.updateTable('responses').set(columns).where('id', '=', response.id);
  const insert = trx.insertInto('response_revisions').values({
    response_id: response.id,
    revision,
    base_revision: change.baseRevision ?? response.revision,
    kind: change.kind,
    author_id: change.authorId,
    questions: textArray(questions),
    changes: jsonb(change.changes),
    note: change.note ?? null,
    client_change_id: change.clientChangeId ?? null,
    created_at: at,
  });
  const answers =
    change.answers && questions.length && !response.moderation_of
      ? planAnswersRewrite(
          { responseId: response.id, roundId: response.round_id, teamId: response.team_id },
          change.answers.catalogue,
          change.answers.data,
          questions,
        )
      : null;
  // One statement (one round trip): the response, its revision row and, when answers change, their rows and
  // tallies. The staffing row reads the answers it wrote, so it follows in a statement of its own.
  if (answers) {
    await sql`with updated_response as (${update}), inserted_revision as (${insert}), ${answers.ctes} ${answers.tallies}`.execute(trx);
    if (answers.touchesStaffing) await refreshResponseStaffing(trx, response.id);
  } else {
    await sql`with updated_response as (${update}) ${insert}`.execute(trx);
  }
  if (change.audit) {
    await recordAudit(trx, {
      actorId: change.authorId,
      action: change.audit.action,
      entityType: 'response',
      entityId: response.id,
      details: { ...change.audit.details, revision },
    });
  }
  return { revision, at };
}
