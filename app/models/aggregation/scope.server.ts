import { sql, type QueryResult, type RawBuilder } from 'kysely';
import type { Executor } from '../../../db/index';
import { TEAM_TYPES, type ResponseStatus, type TeamType } from '../../../db/schema';
import { getQuestionnaireVersion, type VersionInfo } from '../questionnaires.server';
import { roundsWithQuestionnaire } from '../rounds.server';
import { hasPermission } from '~/utils/permissions';
import type { CurrentUser } from '../users.server';
import { reviewedAreaIds } from '../access.server';
import { badParameter } from '../errors.server';

/**
 * Which responses a figure rests on: one round, the teams the caller may see, optionally one area and one team type,
 * and by default only submitted responses (in-progress and returned ones on request). Every aggregation function
 * takes a Scope, so pages, the API, exports and the benchmark count exactly the same responses.
 */

export type AggregateFilter = {
  areaId: number | null;
  teamType: TeamType | null;
  /** Include responses still in progress (and those returned for correction) as well as submitted ones. */
  includeInProgress: boolean;
};

export const DEFAULT_FILTER: AggregateFilter = { areaId: null, teamType: null, includeInProgress: false };

export type ScopedResponse = {
  responseId: number;
  teamId: number;
  teamName: string;
  areaId: number;
  areaName: string;
  teamType: TeamType;
  status: ResponseStatus;
  /** A case-file audit: the audited case's reference (null for a team's own return). */
  caseReference: string | null;
};

export type Scope = {
  round: ScopeRound;
  version: VersionInfo;
  filter: AggregateFilter;
  /** The responses the figures rest on, by team name. */
  responses: ScopedResponse[];
  /** Every response of the round the caller may see that matches the area and team type filters, whatever its status. */
  matching: ScopedResponse[];
  /** Every response of the round the caller may see that matches the area and team type filters, whatever its status. */
  counts: { teams: number; submitted: number; inProgress: number; returned: number; notStarted: number; included: number };
  /** Areas (of the caller's) that have teams in the round, for filter menus. */
  areas: { id: number; name: string; slug: string }[];
  /**
   * The round's response ids outside the scope, when they were loaded (the SQL filter uses whichever list is
   * shorter); null for a scope of one area or of a reviewer's areas, whose own list is the filter.
   */
  excludedResponseIds: number[] | null;
  /** How many responses the round has in all (every area, whatever their status). */
  roundResponses: number;
  /**
   * Set when the scope is every response of the round with the included statuses (of one team type, or of all):
   * numeric figures can then come from the answer tallies (app/models/tallies.server.ts) instead of the answers.
   * Null for scopes of an area, or of a reviewer who sees only some areas.
   */
  tally: { statuses: ResponseStatus[]; teamType: TeamType | null } | null;
};

export function includedStatuses(filter: Pick<AggregateFilter, 'includeInProgress'>): ResponseStatus[] {
  return filter.includeInProgress ? ['submitted', 'in_progress', 'returned'] : ['submitted'];
}

const collator = new Intl.Collator('en-GB', { numeric: true, sensitivity: 'base' });
/** Team and area names in the order people expect ("Team 9" before "Team 10"). */
export const compareNames = (a: string, b: string) => collator.compare(a, b);

export type ScopeRound = {
  id: number;
  name: string;
  status: 'open' | 'closed';
  due_date: string;
  questionnaire_version_id: number;
  follows_round_id: number | null;
  /** 'case': a case-file audit round, whose responses are audits of cases (second audits are never in a scope). */
  subject?: 'team' | 'case';
  questionnaire_slug: string;
  questionnaire_title: string;
  version: number;
};

/**
 * The round as the caller may see it, with the responses the filter selects; null when the round does not exist or
 * holds no team the caller may see (reviewers of other areas, managers).
 */
export async function loadScope(
  db: Executor,
  user: CurrentUser,
  roundId: number,
  requested: AggregateFilter & { area?: string } = DEFAULT_FILTER,
): Promise<Scope | null> {
  if (!Number.isSafeInteger(roundId) || roundId <= 0) return null;
  if (!hasPermission(user, 'aggregate:read')) return null;
  // Figures cover the areas the user reviews (null: every area), never a team they only manage.
  const reviewed = reviewedAreaIds(user);
  const visibleAreas = reviewed === 'all' ? null : reviewed;
  if (visibleAreas && !visibleAreas.length) return null;
  // With an area asked for, only that area's responses are loaded (after a count per area, which also gives the
  // filter menu its areas); otherwise every response of the round the caller may see. They come back as one row of
  // arrays: at national scale (9,000 teams) that is about half the time of 9,000 row objects.
  const wantsArea = requested.areaId !== null || requested.area !== undefined;
  const listResponses = (areaIds: number[] | null) =>
    sql<{
      ids: number[] | null;
      teams: number[] | null;
      statuses: ResponseStatus[] | null;
      names: string[] | null;
      areas: number[] | null;
      types: TeamType[] | null;
      refs: Array<string | null> | null;
    }>`
      select array_agg(r.id) as ids, array_agg(r.team_id) as teams, array_agg(r.status) as statuses, array_agg(t.name) as names,
        array_agg(t.area_id) as areas, array_agg(t.team_type) as types, array_agg(c.reference) as refs
      from responses r
      join teams t on t.id = r.team_id
      left join audit_cases c on c.id = r.case_id
      where r.round_id = ${roundId} and r.moderation_of is null ${areaIds ? sql`and t.area_id in (${sql.join(areaIds.length ? areaIds : [-1])})` : sql``}`.execute(
      db,
    );
  const [round, areaRows, perArea, everyone] = await Promise.all([
    roundsWithQuestionnaire(db).where('r.id', '=', roundId).executeTakeFirst(),
    db.selectFrom('areas').select(['id', 'name', 'slug']).execute(),
    wantsArea || visibleAreas
      ? sql<{ area_id: number; responses: number }>`
          select t.area_id, count(*)::int as responses from responses r join teams t on t.id = r.team_id
          where r.round_id = ${roundId} and r.moderation_of is null group by t.area_id`
          .execute(db)
          .then((r) => r.rows.map((a) => ({ areaId: Number(a.area_id), responses: Number(a.responses) })))
      : null,
    wantsArea ? null : listResponses(visibleAreas),
  ]);
  if (!round) return null;
  const areaById = new Map(areaRows.map((a) => [a.id, a]));
  const visible = (areaId: number) => !visibleAreas || visibleAreas.includes(areaId);
  const menu = (areaIds: Iterable<number>) => [...new Set(areaIds)].map((id) => areaById.get(id)!).sort((a, b) => compareNames(a.name, b.name));
  // Areas (of the caller's) with teams in the round, for the filter menu and to resolve an area named by slug.
  const areasInRound = perArea ? menu(perArea.filter((a) => visible(a.areaId)).map((a) => a.areaId)) : null;
  if (visibleAreas && !areasInRound!.length) return null;
  let filter: AggregateFilter = { areaId: requested.areaId, teamType: requested.teamType, includeInProgress: requested.includeInProgress };
  if (requested.area !== undefined) {
    const area = areasInRound!.find((a) => a.slug === requested.area || String(a.id) === requested.area);
    if (!area) {
      // The scope's one refusal (400): an area asked for by slug (or id) with no team in the round the caller may see.
      const known = areasInRound!.map((a) => a.slug).sort();
      throw badParameter('area', `no area "${requested.area}" has teams in this round that you can see (use one of ${known.join(', ') || 'none'})`);
    }
    filter = { ...filter, areaId: area.id };
  }
  const lists = everyone ?? (await listResponses(filter.areaId !== null && visible(filter.areaId) ? [filter.areaId] : []));
  const list = lists.rows[0] ?? { ids: null, teams: null, statuses: null, names: null, areas: null, types: null, refs: null };
  const rows = (list.ids ?? []).map((id, i) => {
    const area = areaById.get(Number(list.areas![i]))!;
    return {
      responseId: Number(id),
      teamId: Number(list.teams![i]),
      status: list.statuses![i],
      teamName: list.names![i],
      areaId: area.id,
      areaName: area.name,
      teamType: list.types![i],
      caseReference: list.refs?.[i] ?? null,
    };
  });
  const version = await getQuestionnaireVersion(db, round.questionnaire_version_id);
  // A plain sort (listings sort their own few rows with compareNames; a collator over 9,000 names costs 10 ms).
  rows.sort((a, b) => (a.teamName < b.teamName ? -1 : a.teamName > b.teamName ? 1 : a.teamId - b.teamId));

  const statuses = new Set(includedStatuses(filter));
  const matching = rows.filter((r) => (filter.areaId === null || r.areaId === filter.areaId) && (filter.teamType === null || r.teamType === filter.teamType));
  const responses = matching.filter((r) => statuses.has(r.status));
  // The round's other responses, listed only when every response of the round was loaded (no area asked for, and
  // the caller sees every area); otherwise the SQL filter names the responses in scope.
  const included = new Set(responses.map((r) => r.responseId));
  const excludedResponseIds = wantsArea || visibleAreas ? null : rows.filter((r) => !included.has(r.responseId)).map((r) => r.responseId);
  const roundResponses = perArea ? perArea.reduce((n, a) => n + a.responses, 0) : rows.length;
  const count = (status: ResponseStatus) => matching.filter((r) => r.status === status).length;
  return {
    round,
    version,
    filter,
    responses,
    matching,
    counts: {
      teams: matching.length,
      submitted: count('submitted'),
      inProgress: count('in_progress'),
      returned: count('returned'),
      notStarted: count('not_started'),
      included: responses.length,
    },
    areas: areasInRound ?? menu(rows.map((r) => r.areaId)),
    excludedResponseIds,
    roundResponses,
    tally: !visibleAreas && filter.areaId === null ? { statuses: [...statuses], teamType: filter.teamType } : null,
  };
}

function intArray(ids: number[]): RawBuilder<unknown> {
  // Ids come from the database as integers; inlined (not bound) so PostgreSQL can hash the list in every plan.
  if (!ids.every((id) => Number.isSafeInteger(id))) throw new Error('response ids must be integers');
  return sql.raw(`'{${ids.join(',')}}'::int[]`);
}

/**
 * A scope is small when it holds few of the round's responses (one area of many, say): its answers are then best
 * fetched response by response through the (response_id, question) index, rather than by reading the topic's whole
 * range of the aggregation indexes and filtering it.
 */
export function isSmallScope(scope: Pick<Scope, 'responses' | 'roundResponses'>): boolean {
  const included = scope.responses.length;
  return included <= 2000 && included * 4 <= scope.roundResponses;
}

/**
 * The answers table as a FROM item under `alias`: for a small scope joined from the scope's response ids (so
 * PostgreSQL reads the responses' own answers), otherwise the table itself (the queries' index ranges, filtered
 * by inScope()). Use it with inScope() on the same alias; `questions`, when given, must include every question the
 * query reads.
 */
export function scopedAnswers(scope: Pick<Scope, 'responses' | 'roundResponses'>, alias = 'a', questions?: string[]): RawBuilder<unknown> {
  if (!/^[a-z]\w*$/.test(alias)) throw new Error('alias must be a plain identifier');
  if (!isSmallScope(scope) || !scope.responses.length) return sql.raw(`answers ${alias}`);
  // OFFSET 0 keeps the subquery as it is (no flattening into a join the planner would turn back into a range scan),
  // so each response's answers are read through answers_response_idx: a few hundred rows per response, or only the
  // given questions' rows when the caller names them (the index is on response and question).
  const a = sql.raw(alias);
  const only = questions?.length ? sql`and answers.question in (${sql.join(questions)})` : sql``;
  return sql`(unnest(${intArray(scope.responses.map((r) => r.responseId))}) as ${a}_scope(response_id)
    cross join lateral (select * from answers where answers.response_id = ${a}_scope.response_id ${only} offset 0) ${a})`;
}

/**
 * The condition that limits answers (alias `a`) to the scope, for queries that already filter on the round.
 * It names whichever is shorter: the responses in scope, or those of the round outside it (none: no condition)
 * when that list was loaded.
 * Both are constant lists, which PostgreSQL hashes, and neither breaks the index order the grouping relies on.
 */
export function inScope(scope: Pick<Scope, 'responses' | 'excludedResponseIds'>, column: RawBuilder<unknown> = sql.ref('a.response_id')): RawBuilder<boolean> {
  const included = scope.responses.map((r) => r.responseId);
  if (!included.length) return sql<boolean>`false`;
  const excluded = scope.excludedResponseIds;
  if (excluded && !excluded.length) return sql<boolean>`true`;
  if (excluded && excluded.length < included.length) return sql<boolean>`${column} <> all(${intArray(excluded)})`;
  return sql<boolean>`${column} = any(${intArray(included)})`;
}

export function isTeamType(value: string): value is TeamType {
  return (TEAM_TYPES as readonly string[]).includes(value);
}

/** Team names, areas and types of the scope by team id (for listings). */
export function teamsById(scope: Pick<Scope, 'responses'>): Map<number, ScopedResponse> {
  return new Map(scope.responses.map((r) => [r.teamId, r]));
}

/** The answer tallies of a scope with `tally` set, as a condition on alias `t` (round, statuses, team type). */
export function talliesInScope(scope: Pick<Scope, 'round' | 'tally'>): RawBuilder<boolean> {
  if (!scope.tally) throw new Error('the scope cannot be read from the tallies');
  const { statuses, teamType } = scope.tally;
  if (!statuses.length) return sql<boolean>`false`;
  return sql<boolean>`t.round_id = ${scope.round.id} and t.status in (${sql.join(statuses)}) ${teamType ? sql`and t.team_type = ${teamType}` : sql``} and t.responses > 0`;
}

/**
 * Runs one aggregation query with just-in-time compilation off. PostgreSQL JIT-compiles any query whose estimated
 * cost passes jit_above_cost, which these large scans do; compiling takes 100–200 ms, more than it ever saves on
 * queries of this size. SET LOCAL needs a transaction: its own, or the caller's.
 */
export async function runAggregate<T>(db: Executor, query: RawBuilder<T>): Promise<QueryResult<T>> {
  if (db.isTransaction) {
    await sql`set local jit = off`.execute(db);
    return query.execute(db);
  }
  return db.transaction().execute(async (trx) => {
    await sql`set local jit = off`.execute(trx);
    return query.execute(trx);
  });
}
