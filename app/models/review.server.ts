import type { Executor } from '../../db/index';
import { hasPermission } from '~/utils/permissions';
import { getQuestionnaireVersion } from './questionnaires.server';
import { OTHER } from './answers.server';
import { displayValue, rawValue, rowsOf } from './compare.server';
import { COMMENT_SUFFIX } from './validation.server';
import { conflict, forbidden, invalid } from './errors.server';
import { listRevisions, requireVisibleResponse, type VisibleResponse } from './responses.server';
import { summariseCarried } from './carry-forward.server';
import { commitRevision } from './revisions.server';
import type { CurrentUser } from './users.server';

export const MAX_RETURN_REASON = 4000;

export type ReturnRequest = { reason: string; questions?: string[] };

/**
 * A reviewer returns a submitted response to the team for correction, with a reason and, optionally, the questions
 * to look at. The response becomes 'returned' (the manager can change and resubmit it); the return is a revision of
 * its own, so both submissions and the return between them stay in the history.
 */
export async function returnResponse(db: Executor, user: CurrentUser, responseId: number, request: ReturnRequest) {
  if (!hasPermission(user, 'response:return')) throw forbidden('Only reviewers and administrators can return responses.');
  return db.transaction().execute(async (trx) => {
    const response = await requireVisibleResponse(trx, user, responseId, { forUpdate: true });
    if (response.round_status === 'closed') {
      throw conflict('The round is closed: reopen it before returning a response.', { reason: 'round_closed' });
    }
    if (response.status !== 'submitted') {
      throw conflict(`Only a submitted response can be returned; this one is ${response.status.replace('_', ' ')}.`, {
        reason: 'not_submitted',
        status: response.status,
      });
    }
    const reason = request.reason.trim();
    if (!reason) throw invalid('Give the reason for returning the response.', { errors: [{ path: 'reason', message: 'is required' }] });
    if (reason.length > MAX_RETURN_REASON) {
      throw invalid(`The reason is longer than ${MAX_RETURN_REASON} characters.`, {
        errors: [{ path: 'reason', message: `at most ${MAX_RETURN_REASON} characters` }],
      });
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
    const { revision, at } = await commitRevision(trx, response, {
      kind: 'return',
      authorId: user.id,
      status: 'returned',
      returned: { reason, questions: marked },
      changes: { reason, questions: marked },
      note: reason,
      audit: { action: 'response.return', details: { questions: marked } },
    });
    return { id: responseId, status: 'returned' as const, revision, returnedAt: at, reason, questions: marked };
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
    const written = response.data[`${q.name}${COMMENT_SUFFIX}`];
    const commentText = typeof written === 'string' && written !== '' ? written : null;
    // One "-Comment" value holds either the text written with "Other" or the comment area's text.
    const otherText = q.detail.rules?.other === 'comment' ? commentText : null;
    const comment = q.detail.comment && !otherText ? commentText : null;
    const specs = rowsOf({ ...version, catalogue: new Map([[q.name, q]]) }).filter((s) => s.read !== 'comment');
    let summary: string | null;
    if (q.valueType === 'dynamic') {
      const count = Array.isArray(value) ? value.length : 0;
      const what = q.detail.dynamic === 'rows' ? 'row' : 'panel';
      summary = count ? `${count} ${what}${count === 1 ? '' : 's'}` : null;
    } else if (q.detail.ranking) {
      summary =
        Array.isArray(value) && value.length
          ? value.map((item) => q.detail.rows?.find((r) => r.value === String(item))?.text ?? String(item)).join(' > ')
          : null;
    } else if (q.detail.range) {
      summary = Array.isArray(value) && value.length === 2 ? `${value[0]} to ${value[1]}` : null;
    } else if (q.valueType === 'matrix') {
      const answered = specs.filter((s) => rawValue(s, response.data) !== undefined).length;
      summary = answered ? `${answered} of ${specs.length} ${q.detail.items ? 'items' : 'cells'} answered` : null;
    } else {
      // "Other" is shown with what was written with it, wherever it stands among the ticked answers.
      const [spec] = specs;
      const choices = otherText ? spec.choices?.map((c) => (c.value === OTHER ? { ...c, text: `${c.text}: ${otherText}` } : c)) : spec.choices;
      summary = displayValue({ ...spec, choices }, value);
    }
    if (comment) summary = summary === null ? `Comment: ${comment}` : `${summary} (comment: ${comment})`;
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

/**
 * What the reviewers' read-only view of a response shows: its answers (as text and in the questionnaire), its
 * revisions, who submitted or returned it, where its answers were carried from, and whether it can be returned now.
 * Throws the response's not-found refusal when the user may not see it.
 */
export async function loadReviewPage(db: Executor, user: CurrentUser, id: number) {
  const response = await requireVisibleResponse(db, user, id);
  const [version, revisions, answers] = await Promise.all([
    getQuestionnaireVersion(db, response.questionnaire_version_id),
    listRevisions(db, id),
    describeAnswers(db, response),
  ]);
  const people = await db
    .selectFrom('users')
    .select(['id', 'name'])
    .where('id', 'in', [response.submitted_by ?? 0, response.returned_by ?? 0])
    .execute();
  const name = (userId: number | null) => people.find((p) => p.id === userId)?.name ?? null;
  const carriedFrom = response.carried_from_response_id
    ? await db
        .selectFrom('responses as s')
        .innerJoin('rounds as r', 'r.id', 's.round_id')
        .select(['s.id', 'r.id as round_id', 'r.name'])
        .where('s.id', '=', response.carried_from_response_id)
        .executeTakeFirst()
    : undefined;
  const pages = ((version.definition.pages as Array<{ name: string; title?: string }> | undefined) ?? []).map((p) => ({
    name: p.name,
    title: p.title ?? p.name,
  }));
  const titles = Object.fromEntries(answers.map((a) => [a.question, a.title]));
  return {
    response: {
      id: response.id,
      status: response.status,
      revision: response.revision,
      data: response.data,
      answered: response.answered_count,
      answerable: response.answerable_count,
      updatedAt: response.revision > 0 ? response.updated_at.toISOString() : null,
      submitted: response.submitted_at ? { at: response.submitted_at.toISOString(), by: name(response.submitted_by) } : null,
      returned: response.returned_at
        ? { at: response.returned_at.toISOString(), by: name(response.returned_by), reason: response.return_reason, questions: response.return_questions ?? [] }
        : null,
      carried: summariseCarried(response.carried),
    },
    team: { id: response.team_id, name: response.team_name },
    round: { id: response.round_id, name: response.round_name, status: response.round_status, dueDate: response.due_date },
    carriedFrom: carriedFrom ? { responseId: carriedFrom.id, roundId: carriedFrom.round_id, roundName: carriedFrom.name } : null,
    questionnaire: { title: version.title, version: version.version, definition: version.definition },
    pages,
    titles,
    answers,
    revisions,
    canReturn: hasPermission(user, 'response:return') && response.status === 'submitted' && response.round_status === 'open',
    maxReason: MAX_RETURN_REASON,
  };
}
