import type { Executor } from '../../db/index';
import type { AskedAgain } from '../../db/schema';
import { canAuditTeam, canEditResponse } from './access.server';
import { notFound } from './errors.server';
import { getQuestionnaireVersion, type VersionInfo } from './questionnaires.server';
import { cachedPromise } from '~/utils/cache.server';
import { editBlocker, requireVisibleResponse } from './responses.server';
import { actionRef, followUpOf, openActionsOfTeam } from './actions.server';
import type { CurrentUser } from './users.server';

// Published versions never change: each one's hash is read once for the life of the process.
const hashes = new Map<number, Promise<string>>();

/**
 * The key of a version's definition in its URL: the start of the published definition's hash (the lock file's and
 * the database's). A published version never changes, so one URL always names one content and the browser may keep
 * it for good (a database set up again with other versions under the same ids gives other URLs).
 */
export function definitionKey(db: Executor, versionId: number): Promise<string> {
  return cachedPromise(hashes, versionId, async () => {
    const row = await db.selectFrom('questionnaire_versions').select('sha256').where('id', '=', versionId).executeTakeFirstOrThrow();
    return row.sha256.slice(0, 16);
  });
}

/** Question titles by name, as the catalogue has them (the questionnaire's words, or the name when it has none). */
function titlesOf(version: VersionInfo, names?: Iterable<string>): Record<string, string> {
  if (!names) return Object.fromEntries([...version.catalogue.values()].map((q) => [q.name, q.title]));
  return Object.fromEntries([...new Set(names)].flatMap((name) => (version.catalogue.has(name) ? [[name, version.catalogue.get(name)!.title]] : [])));
}

/**
 * What the manager's questionnaire page shows: the response with its answers, carried answers and return, whether
 * it may be changed now (and why not), and where to fetch the questionnaire version's definition. The definition is
 * not in the page: the browser fetches it once per version (loadQuestionnaireDefinition) and keeps it, so the page
 * carries each answer once and no copy of the questionnaire. `titles` holds only what the page shows before the
 * definition arrives: the questions a reviewer returned the response about.
 * Throws the response's not-found refusal when it is missing or not visible; the path of its read-only view when the
 * user may see the response but does not complete it (a reviewer following a link meant for the team, a manager
 * reading an audit of their team's case): the route sends them there.
 */
export async function loadQuestionnairePage(db: Executor, user: CurrentUser, responseId: number) {
  const response = await requireVisibleResponse(db, user, responseId);
  // A case audit opens here for its auditors (read-only until they take it on); everyone else reads it elsewhere.
  const auditor = response.subject === 'case' && canAuditTeam(user, { id: response.team_id, area_id: response.area_id });
  if (!canEditResponse(user, response) && !auditor) return response.subject === 'case' ? `/audits/${response.id}` : `/review/responses/${response.id}`;
  const [version, key, submitter, caseFile] = await Promise.all([
    getQuestionnaireVersion(db, response.questionnaire_version_id),
    definitionKey(db, response.questionnaire_version_id),
    response.submitted_by ? db.selectFrom('users').select('name').where('id', '=', response.submitted_by).executeTakeFirst() : undefined,
    response.case_id
      ? db.selectFrom('audit_cases').select(['reference', 'kind', 'worker', 'opened_on']).where('id', '=', response.case_id).executeTakeFirst()
      : undefined,
  ]);
  const blocker = editBlocker(user, response);
  const returnQuestions = response.return_questions ?? [];
  const askedAgain = await askedAgainOf(db, version, response.asked_again);
  // The next phase shows the team what it said it would do (the action register), whether or not its questionnaire asks.
  const openActions =
    response.subject === 'team' && response.follows_round_id ? await openActionsForPage(db, response.team_id, version, response.follows_round_id) : null;
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
      returnQuestions,
      returnedAt: response.returned_at?.toISOString() ?? null,
      carried: response.carried,
      askedAgain,
    },
    readOnlyReason: blocker?.message ?? null,
    team: { name: response.team_name },
    caseFile: caseFile ? { ...caseFile, secondAudit: response.moderation_of !== null, takenOn: response.auditor_id !== null } : null,
    round: { name: response.round_name, dueDate: response.due_date, status: response.round_status },
    // Served by responses.$responseId.definition.$key.ts.
    questionnaire: { title: version.title, version: version.version, definitionUrl: `/responses/${response.id}/definition/${key}` },
    titles: titlesOf(version, returnQuestions),
    openActions,
  };
}

/**
 * The questions asked again in a response (a version on the way marked them `askAgain`: their period changed), each
 * with the earlier round its answer was not carried from and the version's reason, for the page to say why they are
 * empty; in questionnaire order.
 */
async function askedAgainOf(
  db: Executor,
  version: VersionInfo,
  askedAgain: AskedAgain | null,
): Promise<Array<{ name: string; since: string; version: number; reason: string | null }>> {
  const position = (name: string) => version.catalogue.get(name)?.position ?? Number.MAX_SAFE_INTEGER;
  const entries = Object.entries(askedAgain ?? {}).sort(([a], [b]) => position(a) - position(b));
  if (!entries.length) return [];
  const roundIds = [...new Set(entries.map(([, a]) => a.fromRoundId))];
  const rounds = await db.selectFrom('rounds').select(['id', 'name']).where('id', 'in', roundIds).execute();
  const names = new Map(rounds.map((r) => [r.id, r.name]));
  return entries.map(([name, a]) => ({ name, since: names.get(a.fromRoundId) ?? 'the last phase', version: a.version, reason: a.reason }));
}

export type QuestionnairePage = Exclude<Awaited<ReturnType<typeof loadQuestionnairePage>>, string>;

/** What the questionnaire page fetches beside itself: the version's SurveyJS definition and its question titles. */
export type QuestionnaireDefinition = { definition: Record<string, unknown>; titles: Record<string, string> };

/**
 * The definition of a response's questionnaire version, for whoever may see the response (the same not-found
 * refusal otherwise, and for a key that is not the version's: an old link after the database was set up again).
 */
export async function loadQuestionnaireDefinition(
  db: Executor,
  user: CurrentUser,
  responseId: number,
  key: string,
): Promise<QuestionnaireDefinition & { key: string }> {
  const response = await requireVisibleResponse(db, user, responseId);
  const [version, versionKey] = await Promise.all([
    getQuestionnaireVersion(db, response.questionnaire_version_id),
    definitionKey(db, response.questionnaire_version_id),
  ]);
  if (versionKey !== key) throw notFound('response');
  return { key, definition: version.definition, titles: titlesOf(version) };
}

/** The team's open actions for its next-phase questionnaire page, and whether this version follows them up. */
async function openActionsForPage(db: Executor, teamId: number, version: VersionInfo, earlierRoundId: number) {
  const actions = await openActionsOfTeam(db, teamId);
  const earlier = await db.selectFrom('rounds').select('name').where('id', '=', earlierRoundId).executeTakeFirst();
  return {
    followedUp: followUpOf(version) !== null,
    earlierRound: earlier?.name ?? null,
    actions: actions.map((a) => ({
      id: a.id,
      ref: actionRef(a.id),
      title: a.title,
      owner: a.owner,
      targetDate: a.target_date,
      status: a.status,
      overdue: a.overdue,
      raisedIn: a.round_name ?? (a.reference ? `Recommendation ${a.reference}` : null),
    })),
  };
}
