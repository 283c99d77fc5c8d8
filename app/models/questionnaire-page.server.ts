import type { Executor } from '../../db/index';
import { canManageTeam } from './access.server';
import { getQuestionnaireVersion } from './questionnaires.server';
import { editBlocker, requireVisibleResponse } from './responses.server';
import type { CurrentUser } from './users.server';

/**
 * What the manager's questionnaire page shows: the response with its answers, carried answers and return, whether
 * it may be changed now (and why not), and the questionnaire version's definition and question titles.
 * Throws the response's not-found refusal when it is missing or not visible; null when the user may see the response
 * but does not manage the team (a reviewer following a link meant for the team: the route sends them to the
 * reviewers' read-only view).
 */
export async function loadQuestionnairePage(db: Executor, user: CurrentUser, responseId: number) {
  const response = await requireVisibleResponse(db, user, responseId);
  if (!canManageTeam(user, response.team_id)) return null;
  const version = await getQuestionnaireVersion(db, response.questionnaire_version_id);
  const blocker = editBlocker(user, response);
  const titles = Object.fromEntries([...version.catalogue.values()].map((q) => [q.name, q.title]));
  const submitter = response.submitted_by ? await db.selectFrom('users').select('name').where('id', '=', response.submitted_by).executeTakeFirst() : undefined;
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

export type QuestionnairePage = NonNullable<Awaited<ReturnType<typeof loadQuestionnairePage>>>;
