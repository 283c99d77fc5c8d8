import type { DB, Executor } from '../../db/index';
import { jsonb } from '../../db/json';
import { hasPermission } from '~/utils/permissions';
import { recordAudit } from './audit.server';
import { getQuestionnaireVersion } from './questionnaires.server';
import { displayValue, rawValue, rowsOf } from './compare.server';
import { conflict, forbidden, invalid } from './errors.server';
import { appendRevision, listRevisions, requireVisibleResponse, type VisibleResponse } from './responses.server';
import type { CurrentUser } from './users.server';

export const MAX_RETURN_REASON = 4000;

export type ReturnRequest = { reason: string; questions?: string[] };

/**
 * A reviewer returns a submitted response to the team for correction, with a reason and, optionally, the questions
 * to look at. The response becomes 'returned' (the manager can change and resubmit it); the return is a revision of
 * its own, so both submissions and the return between them stay in the history.
 */
export async function returnResponse(db: DB, user: CurrentUser, responseId: number, request: ReturnRequest) {
  if (!hasPermission(user, 'response:return')) throw forbidden('Only reviewers and administrators can return responses.');
  return db.transaction().execute(async (trx) => {
    const response = await requireVisibleResponse(trx, user, responseId, { forUpdate: true });
    if (response.round_status === 'closed') {
      throw conflict('The round is closed: reopen it before returning a response.', { reason: 'round_closed' });
    }
    if (response.status !== 'submitted') {
      throw conflict(`Only a submitted response can be returned; this one is ${response.status.replace('_', ' ')}.`, { reason: 'not_submitted', status: response.status });
    }
    const reason = request.reason.trim();
    if (!reason) throw invalid('Give the reason for returning the response.', { errors: [{ path: 'reason', message: 'is required' }] });
    if (reason.length > MAX_RETURN_REASON) {
      throw invalid(`The reason is longer than ${MAX_RETURN_REASON} characters.`, { errors: [{ path: 'reason', message: `at most ${MAX_RETURN_REASON} characters` }] });
    }
    const version = await getQuestionnaireVersion(trx, response.questionnaire_version_id);
    const questions = [...new Set(request.questions ?? [])];
    const unknown = questions.filter((name) => !version.catalogue.has(name));
    if (unknown.length) {
      throw invalid('Some of the marked questions are not in this questionnaire; nothing was returned.', {
        errors: unknown.map((name) => ({ path: `questions`, message: `"${name}" is not a question of ${version.title} version ${version.version}` })),
      });
    }
    // Keep the questionnaire's order, whatever order they were marked in.
    const marked = [...version.catalogue.keys()].filter((name) => questions.includes(name));
    const revision = response.revision + 1;
    const now = new Date();
    await trx
      .updateTable('responses')
      .set({
        status: 'returned',
        revision,
        returned_at: now,
        returned_by: user.id,
        return_reason: reason,
        return_questions: jsonb(marked),
        updated_at: now,
        updated_by: user.id,
      })
      .where('id', '=', responseId)
      .execute();
    // `questions` stays empty: a return changes no answer (the marked questions are in `changes`).
    await appendRevision(trx, {
      responseId,
      revision,
      baseRevision: response.revision,
      kind: 'return',
      authorId: user.id,
      questions: [],
      changes: { reason, questions: marked },
      note: reason,
      at: now,
    });
    await recordAudit(trx, { actorId: user.id, action: 'response.return', entityType: 'response', entityId: responseId, details: { revision, questions: marked } });
    return { id: responseId, status: 'returned' as const, revision, returnedAt: now, reason, questions: marked };
  });
}

export type AnswerProvenance = {
  question: string;
  /** Who gave the current answer and when (the last edit or carry-forward that touched it). */
  answeredBy: { name: string | null; at: string; revision: number; kind: 'edit' | 'carry_forward' } | null;
  /** For a carried answer: when the manager confirmed it as it stands, if they did. */
  confirmedBy: { name: string | null; at: string; revision: number } | null;
};

/** Who answered what and when, per question, read from the response's history. */
export async function answerProvenance(db: Executor, responseId: number): Promise<Map<string, AnswerProvenance>> {
  const revisions = (await listRevisions(db, responseId)).reverse(); // oldest first
  const result = new Map<string, AnswerProvenance>();
  const entry = (question: string) => {
    if (!result.has(question)) result.set(question, { question, answeredBy: null, confirmedBy: null });
    return result.get(question)!;
  };
  for (const revision of revisions) {
    if (revision.kind === 'edit' || revision.kind === 'carry_forward') {
      for (const question of revision.questions) {
        const e = entry(question);
        e.answeredBy = { name: revision.author.name, at: revision.at, revision: revision.revision, kind: revision.kind };
        // A change after a confirmation is the manager's own answer: the confirmation no longer describes it.
        if (revision.kind === 'edit') e.confirmedBy = null;
      }
    } else if (revision.kind === 'confirm') {
      const confirmed = (revision.changes as { confirmed?: string[] }).confirmed ?? [];
      for (const question of confirmed) entry(question).confirmedBy = { name: revision.author.name, at: revision.at, revision: revision.revision };
    }
  }
  return result;
}

export type AnswerLine = {
  question: string;
  title: string;
  page: string;
  /** The answer as a reader sees it; for a matrix, how many of its cells are answered. */
  summary: string | null;
  provenance: AnswerProvenance | null;
  carried: { fromRoundId: number; fromResponseId: number; confirmed: boolean; submitted: boolean } | null;
  returnMarked: boolean;
};

/** Every question of the response's version with its answer, who gave it and when, and its carried-forward state. */
export async function describeAnswers(db: Executor, response: VisibleResponse): Promise<AnswerLine[]> {
  const version = await getQuestionnaireVersion(db, response.questionnaire_version_id);
  const provenance = await answerProvenance(db, response.id);
  const marked = new Set(response.return_questions ?? []);
  return [...version.catalogue.values()].map((q) => {
    const value = response.data[q.name];
    let summary: string | null;
    if (q.valueType === 'matrix') {
      const specs = rowsOf({ ...version, catalogue: new Map([[q.name, q]]) });
      const answered = specs.filter((spec) => rawValue(spec, response.data) !== undefined).length;
      summary = answered ? `${answered} of ${specs.length} ${q.detail.items ? 'items' : 'cells'} answered` : null;
    } else {
      summary = displayValue({ kind: q.valueType, choices: q.detail.choices }, value);
    }
    return {
      question: q.name,
      title: q.title,
      page: q.page,
      summary,
      provenance: provenance.get(q.name) ?? null,
      carried: response.carried?.[q.name] ?? null,
      returnMarked: marked.has(q.name),
    };
  });
}
