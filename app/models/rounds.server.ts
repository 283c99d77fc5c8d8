import { stringify } from 'csv-stringify/sync';
import { sql, type RawBuilder } from 'kysely';
import { z } from 'zod';
import type { Executor } from '../../db/index';
import { jsonb } from '../../db/json';
import { TEAM_TYPE_LABELS, TEAM_TYPES, type ResponseStatus, type Round, type RoundSubject, type StoredSampleRule, type TeamType } from '../../db/schema';
import { hasPermission } from '~/utils/permissions';
import { daysUntil } from '~/utils/format';
import { fillFollowUps } from './actions.server';
import { recordAudit } from './audit.server';
import { carryForwardResponse, summariseCarried, versionPath, type EarlierResponse } from './carry-forward.server';
import { neutraliseRow } from './spreadsheet-cells';
import { idSchema, MAX_ID } from './ids';
import { byPosition, byText, listQuerySchema, ordered, pageWindow, SORT_DIRECTIONS, type SortDirection } from './lists.server';
import { getQuestionnaireVersion } from './questionnaires.server';
import { forbidden, invalid, notFound } from './errors.server';
import { progressOf } from './validation.server';
import type { CurrentUser } from './users.server';
import { canReviewArea, reviewedAreaIds, teamReviewedBy, teamVisibleTo } from './access.server';

export type NewRound = {
  name: string;
  questionnaireVersionId: number;
  dueDate: string; // YYYY-MM-DD
  teamIds: number[];
  /** The earlier round this one follows (the next phase): each team's response starts from its answers there. */
  followsRoundId?: number | null;
  /** 'case': a case-file audit round, one response per sampled case (app/models/case-audits.server.ts). */
  subject?: RoundSubject;
  /** A case round that repeats (an annual practice audit): months until the next. */
  repeatMonths?: number | null;
  /** A case round's sample rule, kept for the rounds that repeat it. */
  sampleRule?: StoredSampleRule | null;
};

/**
 * A case-file audit round: its teams, and no response until cases are sampled (case-audits.server.ts). A round that
 * follows another (the next annual audit) keeps its sample rule but carries no answers: each year audits new cases.
 */
async function createCaseRound(trx: Executor, input: NewRound, actorId: number | null): Promise<Round> {
  await getQuestionnaireVersion(trx, input.questionnaireVersionId);
  const round = await trx
    .insertInto('rounds')
    .values({
      name: input.name,
      questionnaire_version_id: input.questionnaireVersionId,
      due_date: input.dueDate,
      follows_round_id: input.followsRoundId ?? null,
      created_by: actorId,
      subject: 'case',
      repeat_months: input.repeatMonths ?? null,
      sample_rule: input.sampleRule ? jsonb(input.sampleRule) : null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  if (input.teamIds.length)
    await trx
      .insertInto('round_teams')
      .values(input.teamIds.map((teamId) => ({ round_id: round.id, team_id: teamId })))
      .execute();
  await recordAudit(trx, {
    actorId,
    action: 'round.create',
    entityType: 'round',
    entityId: round.id,
    details: {
      name: input.name,
      versionId: input.questionnaireVersionId,
      subject: 'case',
      teams: input.teamIds.length,
      followsRoundId: input.followsRoundId ?? null,
      repeatMonths: input.repeatMonths ?? null,
      sampleRule: input.sampleRule ?? null,
    },
  });
  return round;
}

/**
 * Creates a round and one response per team, in one transaction. When the round follows an earlier one, each
 * team's response starts from its response there, carried onto this round's version (see carry-forward.server.ts);
 * teams without one start empty. No permission checks here: see `createRoundForUser`.
 */
export async function createRound(db: Executor, input: NewRound, actorId: number | null): Promise<Round> {
  if (!db.isTransaction) return db.transaction().execute((trx) => createRound(trx, input, actorId));
  const trx = db;
  const teamIds = [...new Set(input.teamIds)];
  if (input.subject === 'case') return createCaseRound(trx, { ...input, teamIds }, actorId);
  const version = await getQuestionnaireVersion(trx, input.questionnaireVersionId);
  let earlier: { id: number; versionId: number; responses: Map<number, EarlierResponse> } | null = null;
  if (input.followsRoundId) {
    const round = await trx.selectFrom('rounds').select(['id', 'name', 'questionnaire_version_id']).where('id', '=', input.followsRoundId).executeTakeFirst();
    if (!round)
      throw invalid(`Round ${input.followsRoundId} does not exist, so the new round cannot follow it.`, {
        errors: [{ path: 'followsRoundId', message: 'no such round' }],
      });
    const responses = teamIds.length
      ? await trx
          .selectFrom('responses')
          .select(['id', 'round_id', 'team_id', 'status', 'data', 'questionnaire_version_id'])
          .where('round_id', '=', round.id)
          .where('team_id', 'in', teamIds)
          .execute()
      : [];
    earlier = {
      id: round.id,
      versionId: round.questionnaire_version_id,
      responses: new Map(responses.map((r) => [r.team_id, { ...r, round_name: round.name }])),
    };
  }
  const path = earlier ? await versionPath(trx, earlier.versionId, version.id) : null;

  const round = await trx
    .insertInto('rounds')
    .values({
      name: input.name,
      questionnaire_version_id: input.questionnaireVersionId,
      due_date: input.dueDate,
      follows_round_id: earlier?.id ?? null,
      created_by: actorId,
    })
    .returningAll()
    .executeTakeFirstOrThrow();

  const carriedFrom: Array<{ teamId: number; fromResponseId: number; carried: number; notCarried: string[]; dropped?: string[] }> = [];
  const fresh = teamIds.filter((teamId) => !earlier?.responses.has(teamId));
  if (fresh.length) {
    // Progress starts at "0 of N": N is what an empty response shows (questions hidden by conditions not counted).
    const empty = progressOf(version, {});
    await trx
      .insertInto('responses')
      .values(
        fresh.map((teamId) => ({
          round_id: round.id,
          team_id: teamId,
          questionnaire_version_id: input.questionnaireVersionId,
          answered_count: 0,
          answerable_count: empty.answerable,
        })),
      )
      .execute();
  }
  if (earlier && path) {
    for (const teamId of teamIds) {
      const previous = earlier.responses.get(teamId);
      if (!previous) continue;
      const { outcome } = await carryForwardResponse(trx, { roundId: round.id, teamId, version, path }, previous, actorId);
      carriedFrom.push({
        teamId,
        fromResponseId: previous.id,
        carried: outcome.carried.length,
        notCarried: outcome.notCarried.map((n) => n.question),
        ...(outcome.dropped.length ? { dropped: outcome.dropped.map((d) => d.path) } : {}),
      });
    }
  }
  // The teams' open actions go into the version's follow-up question, if it has one (app/models/actions.server.ts).
  const followedUp = await fillFollowUps(trx, round.id, version, actorId);
  await recordAudit(trx, {
    actorId,
    action: 'round.create',
    entityType: 'round',
    entityId: round.id,
    details: {
      name: input.name,
      versionId: input.questionnaireVersionId,
      teams: teamIds.length,
      followsRoundId: earlier?.id ?? null,
      ...(earlier ? { carriedForward: carriedFrom } : {}),
      ...(followedUp ? { followedUp } : {}),
    },
  });
  return round;
}

/** Creates the next phase of an earlier round: by default the same teams (those the caller may include) and version. */
export async function createNextPhase(
  db: Executor,
  user: CurrentUser,
  earlierRoundId: number,
  input: { name: string; dueDate: string; questionnaireVersionId?: number; teams?: TeamSelection },
) {
  const earlier = await requireVisibleRound(db, user, earlierRoundId);
  return createRoundForUser(db, user, {
    name: input.name,
    dueDate: input.dueDate,
    questionnaireVersionId: input.questionnaireVersionId ?? earlier.questionnaire_version_id,
    teams: input.teams ?? { by: 'earlier' },
    followsRoundId: earlier.id,
  });
}

/** Which teams a new round is for. 'earlier': the teams of the round it follows. */
export type TeamSelection =
  { by: 'all' } | { by: 'area'; areaIds: number[] } | { by: 'type'; teamTypes: TeamType[] } | { by: 'picked'; teamIds: number[] } | { by: 'earlier' };

export { isoDateSchema } from './ids';

/** The teams of a new round, as the API and the form send them. */
export const teamSelectionSchema = z.discriminatedUnion('by', [
  z.object({ by: z.literal('all') }).strict(),
  z.object({ by: z.literal('area'), areaIds: z.array(idSchema).min(1, 'choose at least one area').max(100) }).strict(),
  z.object({ by: z.literal('type'), teamTypes: z.array(z.enum(TEAM_TYPES)).min(1, 'choose at least one team type') }).strict(),
  z.object({ by: z.literal('picked'), teamIds: z.array(idSchema).min(1, 'choose at least one team').max(2000) }).strict(),
  z.object({ by: z.literal('earlier') }).strict(),
]);

export type RoundRequest = {
  name: string;
  questionnaireVersionId: number;
  dueDate: string;
  teams: TeamSelection;
  followsRoundId?: number | null;
  subject?: RoundSubject;
  repeatMonths?: number | null;
  sampleRule?: StoredSampleRule | null;
};

/** The team ids a selection stands for, all within the user's scope; anything outside it is refused by name. */
async function resolveTeams(db: Executor, user: CurrentUser, selection: TeamSelection, followsRoundId: number | null | undefined): Promise<number[]> {
  const teams = await db.selectFrom('teams').select(['id', 'area_id', 'team_type', 'archived_at']).execute();
  const active = teams.filter((t) => t.archived_at === null && canReviewArea(user, t.area_id));
  switch (selection.by) {
    case 'all':
      return active.map((t) => t.id);
    case 'area': {
      const areas = await db.selectFrom('areas').select(['id', 'name']).execute();
      const errors = selection.areaIds
        .filter((id) => !areas.some((a) => a.id === id) || !canReviewArea(user, id))
        .map((id) => ({ path: 'teams.areaIds', message: `area ${id} does not exist or is outside the areas you review` }));
      if (errors.length) throw invalid('Some areas cannot be included in this round; nothing was created.', { errors });
      return active.filter((t) => selection.areaIds.includes(t.area_id)).map((t) => t.id);
    }
    case 'type':
      return active.filter((t) => selection.teamTypes.includes(t.team_type)).map((t) => t.id);
    case 'picked': {
      const errors = [...new Set(selection.teamIds)]
        .filter((id) => !active.some((t) => t.id === id))
        .map((id) => ({ path: 'teams.teamIds', message: `team ${id} does not exist, is archived or is outside the areas you review` }));
      if (errors.length) throw invalid('Some teams cannot be included in this round; nothing was created.', { errors });
      return [...new Set(selection.teamIds)];
    }
    case 'earlier': {
      if (!followsRoundId) {
        throw invalid('Choose the teams: "same teams as the earlier round" needs an earlier round to follow.', {
          errors: [{ path: 'teams', message: 'needs followsRoundId' }],
        });
      }
      const earlier = await db
        .selectFrom('responses')
        .select('team_id')
        .where('round_id', '=', followsRoundId)
        .union(db.selectFrom('round_teams').select('team_id').where('round_id', '=', followsRoundId))
        .execute();
      const ids = new Set(earlier.map((r) => r.team_id));
      return active.filter((t) => ids.has(t.id)).map((t) => t.id);
    }
  }
}

/**
 * Creates a round as a reviewer or administrator: checks the role, the version, the teams (an area reviewer may
 * only include teams of their areas) and the earlier round, then calls `createRound` in one transaction.
 */
export async function createRoundForUser(db: Executor, user: CurrentUser, request: RoundRequest) {
  if (!hasPermission(user, 'round:manage')) throw forbidden('Only reviewers and administrators can create rounds.');
  return db.transaction().execute(async (trx) => {
    const version = await trx.selectFrom('questionnaire_versions').select('id').where('id', '=', request.questionnaireVersionId).executeTakeFirst();
    if (!version) {
      throw invalid(`Questionnaire version ${request.questionnaireVersionId} does not exist.`, {
        errors: [{ path: 'questionnaireVersionId', message: 'is not a published questionnaire version' }],
      });
    }
    if (request.followsRoundId) {
      const earlier = await findVisibleRound(trx, user, request.followsRoundId);
      if (!earlier) {
        throw invalid(`Round ${request.followsRoundId} does not exist or has no teams you can see, so the new round cannot follow it.`, {
          errors: [{ path: 'followsRoundId', message: 'no such round' }],
        });
      }
    }
    const teamIds = await resolveTeams(trx, user, request.teams, request.followsRoundId);
    if (!teamIds.length) {
      throw invalid('The selection holds no teams: choose at least one team.', { errors: [{ path: 'teams', message: 'selects no teams' }] });
    }
    return createRound(trx, { ...request, teamIds }, user.id);
  });
}

/** Rounds joined to their questionnaire version, with the columns every list and page of rounds shows. */
export function roundsWithQuestionnaire(db: Executor) {
  return db
    .selectFrom('rounds as r')
    .innerJoin('questionnaire_versions as v', 'v.id', 'r.questionnaire_version_id')
    .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
    .select([
      'r.id',
      'r.name',
      'r.status',
      'r.due_date',
      'r.created_at',
      'r.questionnaire_version_id',
      'r.follows_round_id',
      'r.subject',
      'q.slug as questionnaire_slug',
      'q.title as questionnaire_title',
      'v.version',
    ]);
}

/** The round with its questionnaire, if it exists and holds a team the user may see. */
export async function findVisibleRound(db: Executor, user: CurrentUser, roundId: number) {
  if (!Number.isSafeInteger(roundId) || roundId <= 0) return null;
  if (!hasPermission(user, 'response:read-any')) return null;
  const round = await db
    .selectFrom('rounds as r')
    .innerJoin('questionnaire_versions as v', 'v.id', 'r.questionnaire_version_id')
    .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
    .leftJoin('rounds as f', 'f.id', 'r.follows_round_id')
    .leftJoin('users as c', 'c.id', 'r.closed_by')
    .selectAll('r')
    .select(['q.slug as questionnaire_slug', 'q.title as questionnaire_title', 'v.version', 'f.name as follows_round_name', 'c.name as closed_by_name'])
    .where('r.id', '=', roundId)
    .executeTakeFirst();
  if (!round) return null;
  // The areas the round's teams are in: the round is visible to reviewers of any of them.
  // (A case round's teams are listed in round_teams: it has no response before its cases are sampled.)
  const scope =
    round.subject === 'case'
      ? await db
          .selectFrom('round_teams as rt')
          .innerJoin('teams as t', 't.id', 'rt.team_id')
          .select(sql<number[] | null>`array_agg(distinct t.area_id)`.as('area_ids'))
          .where('rt.round_id', '=', roundId)
          .executeTakeFirstOrThrow()
      : await db
          .selectFrom('responses as s')
          .innerJoin('teams as t', 't.id', 's.team_id')
          .select(sql<number[] | null>`array_agg(distinct t.area_id)`.as('area_ids'))
          .where('s.round_id', '=', roundId)
          .executeTakeFirstOrThrow();
  const areaIds = (scope.area_ids ?? []).map(Number);
  const visible = reviewedAreaIds(user) === 'all' || areaIds.some((id) => canReviewArea(user, id));
  if (!visible) return null;
  return { ...round, area_ids: areaIds, whollyInScope: areaIds.every((id) => canReviewArea(user, id)) };
}

export type VisibleRound = NonNullable<Awaited<ReturnType<typeof findVisibleRound>>>;

export async function requireVisibleRound(db: Executor, user: CurrentUser, roundId: number): Promise<VisibleRound> {
  const round = await findVisibleRound(db, user, roundId);
  if (!round) throw notFound('round');
  return round;
}

/**
 * Opens or closes a round. Closing makes its responses read-only (saving and submitting refuse with 409). An area
 * reviewer may only open or close a round whose teams are all in their areas.
 */
export async function setRoundStatus(db: Executor, user: CurrentUser, roundId: number, status: 'open' | 'closed') {
  if (!hasPermission(user, 'round:manage')) throw forbidden('Only reviewers and administrators can open or close rounds.');
  return db.transaction().execute(async (trx) => {
    // Lock the round row first, so two people opening and closing it at once are applied one after the other.
    if (Number.isSafeInteger(roundId) && roundId > 0) await trx.selectFrom('rounds').select('id').where('id', '=', roundId).forUpdate().execute();
    const round = await requireVisibleRound(trx, user, roundId);
    if (!round.whollyInScope) {
      throw forbidden('This round includes teams outside the areas you review: ask an authority-wide reviewer or an administrator to open or close it.');
    }
    if (round.status === status) return { ...round, changed: false };
    const now = new Date();
    const updated = await trx
      .updateTable('rounds')
      .set(status === 'closed' ? { status, closed_at: now, closed_by: user.id } : { status, closed_at: null, closed_by: null })
      .where('id', '=', roundId)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actorId: user.id,
      action: status === 'closed' ? 'round.close' : 'round.reopen',
      entityType: 'round',
      entityId: roundId,
      details: { name: round.name },
    });
    return { ...round, ...updated, closed_by_name: status === 'closed' ? user.name : null, changed: true };
  });
}

/** Rounds the user reviews, with their questionnaire and how many of the user's visible responses each holds, by status. */
export async function listRounds(db: Executor, user: CurrentUser) {
  const query = roundsWithQuestionnaire(db)
    .innerJoin('responses as s', 's.round_id', 'r.id')
    .innerJoin('teams as t', 't.id', 's.team_id')
    .select((eb) => [
      eb.fn.countAll<number>().as('responses'),
      eb.fn.count<number>('s.id').filterWhere('s.status', '=', 'submitted').as('submitted'),
      eb.fn.count<number>('s.id').filterWhere('s.status', '=', 'in_progress').as('in_progress'),
      eb.fn.count<number>('s.id').filterWhere('s.status', '=', 'returned').as('returned'),
    ])
    .where('r.subject', '=', 'team')
    .groupBy(['r.id', 'q.title', 'q.slug', 'v.version'])
    .orderBy('r.created_at', 'desc')
    .orderBy('r.id', 'desc');
  // Counts cover the teams the user sees; a round is listed only if it holds a team they review (as
  // findVisibleRound decides), not for a team they only manage.
  const reviewed = reviewedAreaIds(user) === 'all' ? query : query.having(sql<boolean>`bool_or(${teamReviewedBy(user)})`);
  const rows = await reviewed.where(teamVisibleTo(user)).execute();
  return rows.map((r) => ({
    ...r,
    responses: Number(r.responses),
    submitted: Number(r.submitted),
    in_progress: Number(r.in_progress),
    returned: Number(r.returned),
  }));
}

/** The rounds in which a team has a response, oldest first (for comparing a team across phases). */
export async function listTeamRounds(db: Executor, teamId: number) {
  return roundsWithQuestionnaire(db)
    .innerJoin('responses as s', 's.round_id', 'r.id')
    .select(['s.id as response_id', 's.status as response_status'])
    .where('s.team_id', '=', teamId)
    .where('r.subject', '=', 'team')
    .orderBy('r.created_at')
    .orderBy('r.id')
    .execute();
}

export const OVERVIEW_SORTS = ['team', 'area', 'type', 'status', 'progress', 'updated', 'unconfirmed'] as const;
export type OverviewSort = (typeof OVERVIEW_SORTS)[number];
export const RESPONSE_STATUSES = ['not_started', 'in_progress', 'returned', 'submitted'] as const satisfies readonly ResponseStatus[];

/**
 * The overview's query parameters (pages, CSV and API alike): the filters, the sort and the page (the CSV and the API
 * ignore `page`: they are whole). Empty values mean "any". `direction` is the API's older name for `dir`.
 */
export const overviewQuerySchema = listQuerySchema(
  OVERVIEW_SORTS,
  {
    area: z.coerce.number().int().positive('area must be an area id').max(MAX_ID, 'area must be an area id').optional(),
    type: z.enum(TEAM_TYPES, { errorMap: () => ({ message: `type must be one of ${TEAM_TYPES.join(', ')}` }) }).optional(),
    status: z.enum(RESPONSE_STATUSES, { errorMap: () => ({ message: `status must be one of ${RESPONSE_STATUSES.join(', ')}` }) }).optional(),
    direction: z.enum(SORT_DIRECTIONS, { errorMap: () => ({ message: 'direction must be asc or desc' }) }).optional(),
  },
  { strict: true },
);

export function overviewFilterFrom(query: z.infer<typeof overviewQuerySchema>): OverviewFilter {
  return { areaId: query.area, teamType: query.type, status: query.status, sort: query.sort, direction: query.dir ?? query.direction };
}

export type OverviewFilter = {
  areaId?: number;
  teamType?: TeamType;
  status?: ResponseStatus;
  sort?: OverviewSort;
  direction?: SortDirection;
};

/** How many carried answers of a response (`s`) are still to confirm, in SQL (summariseCarried's `unconfirmed`). */
const UNCONFIRMED = sql<number>`(select count(*) from jsonb_each(s.carried) e where (e.value ->> 'confirmed') is distinct from 'true')::int`;

/** The overview's sorts as SQL; every sort ends with the team's name, then the response, so pages never overlap. */
const OVERVIEW_ORDER: Record<OverviewSort, RawBuilder<unknown>> = {
  team: byText('t.name'),
  area: byText('a.name'),
  type: byPosition('t.team_type', TEAM_TYPES),
  status: byPosition('s.status', RESPONSE_STATUSES),
  progress: sql`case when s.answerable_count > 0 then s.answered_count::float8 / s.answerable_count else 0 end`,
  // No change yet (revision 0) sorts as the earliest.
  updated: sql`case when s.revision > 0 then s.updated_at end`,
  unconfirmed: UNCONFIRMED,
};

/**
 * The visible teams of a round with their response's status, progress, last change, carried answers still to
 * confirm and days to the due date: one page of them (`page`, from 1; past the last page, the last), or every one
 * when `page` is not given (the CSV, the API). Filters, sort, counts and the page run in SQL. Counts by status are
 * taken after the area and team-type filters and before the status filter, so they read as "how many of these teams
 * are in each state"; they cover every page.
 */
export async function roundOverview(
  db: Executor,
  user: CurrentUser,
  roundId: number,
  filter: OverviewFilter = {},
  now = new Date(),
  options: { page?: number; pageSize?: number } = {},
) {
  const round = await requireVisibleRound(db, user, roundId);
  // A case round's rows are its first audits (a second, blind audit is moderation, not another case).
  const visible = db
    .selectFrom('responses as s')
    .innerJoin('teams as t', 't.id', 's.team_id')
    .innerJoin('areas as a', 'a.id', 't.area_id')
    .leftJoin('audit_cases as c', 'c.id', 's.case_id')
    .where('s.round_id', '=', roundId)
    .where('s.moderation_of', 'is', null)
    .where(teamVisibleTo(user));
  const faceted = visible
    .$if(filter.areaId !== undefined, (q) => q.where('t.area_id', '=', filter.areaId!))
    .$if(filter.teamType !== undefined, (q) => q.where('t.team_type', '=', filter.teamType!));
  const [facets, byStatus] = await Promise.all([
    visible.select(['a.id', 'a.name', 't.team_type']).distinct().execute(),
    faceted
      .select((eb) => ['s.status', eb.fn.countAll<string>().as('n'), sql<string>`coalesce(sum(${UNCONFIRMED}), 0)`.as('unconfirmed')])
      .groupBy('s.status')
      .execute(),
  ]);
  const areas = [...new Map(facets.map((f) => [f.id, { id: f.id, name: f.name }])).values()].sort((a, b) => a.name.localeCompare(b.name));
  const teamTypes = TEAM_TYPES.filter((type) => facets.some((f) => f.team_type === type));
  const countOf = (status: ResponseStatus) => Number(byStatus.find((c) => c.status === status)?.n ?? 0);
  const counts = {
    teams: byStatus.reduce((sum, c) => sum + Number(c.n), 0),
    ...(Object.fromEntries(RESPONSE_STATUSES.map((s) => [s, countOf(s)])) as Record<ResponseStatus, number>),
    unconfirmedCarried: byStatus.reduce((sum, c) => sum + Number(c.unconfirmed), 0),
  };

  const sort = filter.sort ?? 'team';
  const direction = filter.direction ?? 'asc';
  const page = options.page === undefined ? null : pageWindow(filter.status ? counts[filter.status] : counts.teams, options.page, options.pageSize);
  const rows = await faceted
    .$if(filter.status !== undefined, (q) => q.where('s.status', '=', filter.status!))
    .leftJoin('users as u', 'u.id', 's.updated_by')
    .leftJoin('users as sb', 'sb.id', 's.submitted_by')
    .select([
      's.id as response_id',
      's.status',
      's.revision',
      's.answered_count',
      's.answerable_count',
      's.updated_at',
      's.submitted_at',
      's.returned_at',
      's.return_reason',
      's.carried',
      's.carried_from_response_id',
      'u.name as updated_by_name',
      'sb.name as submitted_by_name',
      't.id as team_id',
      't.name as team_name',
      't.slug as team_slug',
      't.team_type',
      'a.id as area_id',
      'a.name as area_name',
      'c.reference as case_reference',
    ])
    .orderBy(ordered(OVERVIEW_ORDER[sort], direction))
    .orderBy(byText('t.name'))
    .orderBy('t.name')
    .orderBy('s.id')
    .$if(page !== null, (q) => q.limit(page!.size).offset(page!.offset))
    .execute();
  return {
    round: describeRound(round, now),
    filter: { ...filter, sort, direction },
    counts,
    areas,
    teamTypes: teamTypes.map((type) => ({ value: type, label: TEAM_TYPE_LABELS[type] })),
    page,
    rows: rows.map((r) => ({
      responseId: r.response_id,
      team: { id: r.team_id, name: r.team_name, slug: r.team_slug, type: r.team_type, typeLabel: TEAM_TYPE_LABELS[r.team_type] },
      area: { id: r.area_id, name: r.area_name },
      status: r.status,
      revision: r.revision,
      progress: { answered: r.answered_count, answerable: r.answerable_count, ratio: r.answerable_count ? r.answered_count / r.answerable_count : 0 },
      // A response still 'not started' with a revision holds only the answers carried forward when the round was created.
      lastChange: r.revision > 0 ? { at: r.updated_at.toISOString(), by: r.updated_by_name, carriedOnly: r.status === 'not_started' } : null,
      submitted: r.submitted_at ? { at: r.submitted_at.toISOString(), by: r.submitted_by_name } : null,
      returned: r.returned_at ? { at: r.returned_at.toISOString(), reason: r.return_reason } : null,
      carried: summariseCarried(r.carried),
      carriedFromResponseId: r.carried_from_response_id,
      ...(r.case_reference === null ? {} : { case: { reference: r.case_reference } }),
    })),
  };
}

export type RoundOverview = Awaited<ReturnType<typeof roundOverview>>;

/** The API's and pages' view of a round. */
export function describeRound(round: VisibleRound, now = new Date()) {
  return {
    id: round.id,
    name: round.name,
    /** 'team': one return per team; 'case': a case-file audit, one audit per sampled case. */
    subject: round.subject,
    status: round.status,
    dueDate: round.due_date,
    daysToDue: daysUntil(round.due_date, now),
    questionnaire: { slug: round.questionnaire_slug, title: round.questionnaire_title, version: round.version, versionId: round.questionnaire_version_id },
    followsRound: round.follows_round_id ? { id: round.follows_round_id, name: round.follows_round_name } : null,
    createdAt: round.created_at.toISOString(),
    closed: round.closed_at ? { at: round.closed_at.toISOString(), by: round.closed_by_name } : null,
    /** Whether the caller's scope covers every team of the round (needed to open or close it). */
    wholeRoundInScope: round.whollyInScope,
  };
}

const STATUS_TEXT: Record<ResponseStatus, string> = {
  not_started: 'Not started',
  in_progress: 'In progress',
  submitted: 'Submitted',
  returned: 'Returned for correction',
};

/** The overview table as CSV (one row per team, the same filters and order as the page). */
export function overviewCsv(overview: RoundOverview): string {
  const header = [
    'Team',
    'Area',
    'Team type',
    'Status',
    'Answered',
    'Answerable',
    'Progress (%)',
    'Carried answers unconfirmed',
    'Last change',
    'Last changed by',
    'Submitted',
    'Due date',
    'Days to due date',
    'Return reason',
    'Response id',
  ];
  const records = overview.rows.map((r) => [
    r.team.name,
    r.area.name,
    r.team.typeLabel,
    STATUS_TEXT[r.status],
    r.progress.answered,
    r.progress.answerable,
    Math.round(r.progress.ratio * 100),
    r.carried.unconfirmed,
    r.lastChange?.at ?? '',
    r.lastChange?.by ?? '',
    r.submitted?.at ?? '',
    overview.round.dueDate,
    overview.round.daysToDue,
    r.status === 'returned' ? (r.returned?.reason ?? '') : '',
    r.responseId,
  ]);
  // A leading BOM so spreadsheet programs read the file as UTF-8; text that a spreadsheet would run as a formula is
  // neutralised (app/models/spreadsheet-cells.ts).
  return '\uFEFF' + stringify([header, ...records].map(neutraliseRow));
}
