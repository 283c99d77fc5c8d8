import { redirect } from '@remix-run/node';
import type { Executor } from '../../db/index';
import { getQuestionnaireVersion } from './questionnaires.server';
import { editBlocker, findVisibleResponse, NOT_FOUND } from './responses.server';
import type { CurrentUser } from './users.server';

/**
 * What the manager's questionnaire page shows: the response with its answers, carried answers and return, whether
 * it may be changed now (and why not), and the questionnaire version's definition and question titles.
 * Throws a 404 Response when the response is missing or not visible, and a redirect to the reviewers' read-only
 * view when the user does not manage the team (a reviewer following a link meant for the team).
 */
export async function loadQuestionnairePage(db: Executor, user: CurrentUser, responseId: number) {
  const response = await findVisibleResponse(db, user, responseId);
  if (!response) throw new Response(NOT_FOUND, { status: 404 });
  if (!user.managedTeamIds.includes(response.team_id)) throw redirect(`/review/responses/${response.id}`);
  const version = await getQuestionnaireVersion(db, response.questionnaire_version_id);
  const blocker = editBlocker(user, response);
  const titles = Object.fromEntries([...version.catalogue.values()].map((q) => [q.name, q.title]));
  const submitter = response.submitted_by
    ? await db.selectFrom('users').select('name').where('id', '=', response.submitted_by).executeTakeFirst()
    : undefined;
  return {
    response: {
      id: response.id,
      status: response.status,
      revision: response.revision,
      data: response.data,
      currentPage: response.current_page,
      answered: response.answered_count,
      answerable: response.answerable_count,
      updatedAt: response.updated_at.toISOString(),
      submittedAt: response.submitted_at?.toISOString() ?? null,
      submittedBy: submitter?.name ?? null,
      returnReason: response.return_reason,
      returnQuestions: response.return_questions ?? [],
      returnedAt: response.returned_at?.toISOString() ?? null,
      carried: response.carried,
    },
    readOnlyReason: blocker?.message ?? null,
    team: { name: response.team_name },
    round: { name: response.round_name, dueDate: response.due_date, status: response.round_status },
    questionnaire: { title: version.title, version: version.version, definition: version.definition },
    titles,
  };
}

export type QuestionnairePage = Awaited<ReturnType<typeof loadQuestionnairePage>>;
