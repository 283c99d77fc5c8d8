import { sql, type RawBuilder } from 'kysely';
import type { Executor } from '../../../db/index';
import type { TeamType } from '../../../db/schema';
import { compareNames, inScope, runAggregate, teamsById, type Scope } from './scope.server';
import { TEAM_LIST_LIMIT } from './topic.server';
import type { CatalogueQuestion } from '../catalogue.server';
import type { QuestionRole } from '../question-roles';
import type { VersionInfo } from '../questionnaires.server';

/**
 * Staffing and caseloads, from the questions a questionnaire declares for the staffing and caseload roles:
 *  - vacancy rate = sum of vacant FTE / sum of establishment FTE over the teams that gave both (so large teams
 *    weigh more), authority-wide, by area and by team; teams above 25%;
 *  - vacancy rate counting agency cover as vacant = sum of (vacant + agency FTE) / sum of establishment FTE over the
 *    teams that gave all three: the posts without a permanent worker, which the review also reports;
 *  - agency share = agency FTE / (permanent + agency FTE): the share of filled posts held by agency staff;
 *  - average caseload per case-holding worker: the mean of the teams' averages, the median team, and the average
 *    weighted by each team's case-holding workers (sum of average × workers / sum of workers: the caseload of the
 *    average worker); highest caseloads; each against a reference (18 by default: the caseload the Haringey review
 *    called high; Kent's own average in January 2009 was about 25);
 *  - newly qualified workers: teams with any, whether their caseloads are protected, and their average caseload.
 */

export const DEFAULT_CASELOAD_REFERENCE = 18;
export const KENT_AVERAGE_CASELOAD = 25;
export const HIGH_VACANCY_RATE = 0.25;

/** Teams above the high vacancy rate listed in a scope too wide to list every team (the highest rates first). */
export const HIGH_VACANCY_LIST_LIMIT = 20;

/** The roles the staffing and caseload figures read (app/models/question-roles.ts), by their column in response_staffing. */
export const STAFFING_ROLES = {
  establishment: 'staffing-establishment',
  permanent: 'staffing-permanent',
  agency: 'staffing-agency',
  vacant: 'staffing-vacant',
  workers: 'caseload-workers',
  average: 'caseload-average',
  highest: 'caseload-highest',
  nqsw: 'nqsw-count',
  nqswAverage: 'nqsw-average-caseload',
  nqswProtected: 'nqsw-caseload-protected',
} as const satisfies Record<string, QuestionRole>;

type Role = keyof typeof STAFFING_ROLES;
export type StaffingGroup = {
  key: string;
  label: string;
  teams: number;
  establishment: number | null;
  vacant: number | null;
  vacancyRate: number | null;
  teamsAboveHighVacancy: number;
  /** Vacant and agency-covered FTE, and the establishment, of the teams that gave all three. */
  vacantOrAgency: number | null;
  establishmentWithAgency: number | null;
  /** (vacant + agency) ÷ establishment: agency cover counted as vacant. */
  vacancyOrAgencyRate: number | null;
  agency: number | null;
  filled: number | null;
  agencyShare: number | null;
  teamsWithCaseload: number;
  meanCaseload: number | null;
  medianCaseload: number | null;
  weightedCaseload: number | null;
  teamsAverageAboveReference: number;
  highestCaseload: number | null;
  medianHighestCaseload: number | null;
  teamsHighestAboveReference: number;
  teamsWithNqsw: number;
  nqsw: number | null;
  nqswProtectedYes: number;
  nqswProtectedNo: number;
  nqswMeanCaseload: number | null;
  /** The mean team average caseload of the same teams that have newly qualified workers, for comparison. */
  meanCaseloadOfNqswTeams: number | null;
};

export type StaffingTeam = {
  teamId: number;
  teamName: string;
  areaName: string;
  teamType: TeamType;
  establishment: number | null;
  vacant: number | null;
  vacancyRate: number | null;
  /** (vacant + agency) ÷ establishment: agency cover counted as vacant. */
  vacancyOrAgencyRate: number | null;
  agency: number | null;
  agencyShare: number | null;
  average: number | null;
  highest: number | null;
  nqsw: number | null;
  nqswAverage: number | null;
  nqswProtected: boolean | null;
};

export type StaffingFigures = {
  reference: number;
  kentAverage: number;
  highVacancyRate: number;
  overall: StaffingGroup;
  byArea: StaffingGroup[];
  /** Every team when the scope holds few enough to list, else null. */
  teams: StaffingTeam[] | null;
  /**
   * Teams above the high vacancy rate, highest first: every one when the scope lists its teams, else the
   * HIGH_VACANCY_LIST_LIMIT highest (overall.teamsAboveHighVacancy says how many there are; an area lists them all).
   */
  highVacancyTeams: StaffingTeam[];
  /** The teams with the highest caseloads (top 10 by highest caseload). */
  highestCaseloadTeams: StaffingTeam[];
  /** Which roles the version asks about. */
  asked: Record<Role, boolean>;
};

/** Whether the version declares what the section needs (establishment and vacant posts, or the average caseload). */
export function hasStaffingQuestions(scope: Pick<Scope, 'version'>): boolean {
  const has = (role: QuestionRole) => scope.version.roles.has(role);
  return (has('staffing-establishment') && has('staffing-vacant')) || has('caseload-average');
}

/** The staffing sections a topic's page shows: vacancies on the topic of the posts questions, caseloads on the caseloads'. */
export function staffingSectionsOn(version: Pick<VersionInfo, 'roles'>, topicId: string): ('vacancies' | 'caseloads')[] {
  const on = (roles: QuestionRole[]) => roles.some((role) => version.roles.get(role)?.topic === topicId);
  return [
    ...(on(['staffing-establishment', 'staffing-vacant']) ? (['vacancies'] as const) : []),
    ...(on(['caseload-average', 'caseload-workers', 'caseload-highest']) ? (['caseloads'] as const) : []),
  ];
}

const STAFFING_ROLE_NAMES: string[] = Object.values(STAFFING_ROLES);

/** Whether any of the questions plays a role the staffing figures read. */
export function touchesStaffing(catalogue: Map<string, CatalogueQuestion>, questions: string[]): boolean {
  return questions.some((name) => STAFFING_ROLE_NAMES.includes(catalogue.get(name)?.role ?? ''));
}

/**
 * The response_staffing rows of the responses that match `condition` (on answers `a`), from their answers: each
 * response's questions are found through the roles its questionnaire version declares (table question_roles).
 */
function staffingRows(condition: RawBuilder<boolean>) {
  const value = (role: Role) => sql`max(a.value_numeric) filter (where qr.role = ${STAFFING_ROLES[role]} and a.value_type = 'numeric')`;
  return sql`
    select a.response_id, min(a.round_id) as round_id, min(a.team_id) as team_id,
      ${value('establishment')} as establishment, ${value('permanent')} as permanent, ${value('agency')} as agency,
      ${value('vacant')} as vacant, ${value('workers')} as workers, ${value('average')} as average,
      ${value('highest')} as highest, ${value('nqsw')} as nqsw, ${value('nqswAverage')} as nqsw_average,
      bool_or(a.value_choice = 'true') filter (where qr.role = ${STAFFING_ROLES.nqswProtected} and a.value_type = 'choice') as nqsw_protected
    from answers a
    join responses s on s.id = a.response_id
    join question_roles qr on qr.version_id = s.questionnaire_version_id and qr.question = a.question
    where ${condition} and qr.role in (${sql.join(STAFFING_ROLE_NAMES)}) and a.row_key = '' and a.column_key = ''
      and a.value_type in ('numeric', 'choice')
    group by a.response_id`;
}

const COLUMN_NAMES = [
  'response_id',
  'round_id',
  'team_id',
  'establishment',
  'permanent',
  'agency',
  'vacant',
  'workers',
  'average',
  'highest',
  'nqsw',
  'nqsw_average',
  'nqsw_protected',
];
const STAFFING_COLUMNS = sql.raw(COLUMN_NAMES.join(', '));
const columnsOf = (alias: string) => sql.raw(COLUMN_NAMES.map((c) => `${alias}.${c}`).join(', '));

/**
 * Rewrites a response's row of staffing figures from its answers (in the caller's transaction, after the answers
 * changed). The writers of answers call it whenever a staffing question is rewritten; no row means no staffing
 * answers. One statement: the fresh row replaces the old one (upsert), or the old one goes when there is none.
 */
export async function refreshResponseStaffing(trx: Executor, responseId: number): Promise<void> {
  const updates = sql.raw(
    COLUMN_NAMES.filter((c) => c !== 'response_id')
      .map((c) => `${c} = excluded.${c}`)
      .join(', '),
  );
  await sql`
    with fresh as (${staffingRows(sql<boolean>`a.response_id = ${responseId}`)}),
    emptied as (delete from response_staffing where response_id = ${responseId} and not exists (select 1 from fresh))
    insert into response_staffing (${STAFFING_COLUMNS}) select ${STAFFING_COLUMNS} from fresh
    on conflict (response_id) do update set ${updates}`.execute(trx);
}

/** Rebuilds every response's staffing row from the answers (after a bulk load that went around rewriteAnswers). */
export async function recountResponseStaffing(db: Executor): Promise<void> {
  const run = async (trx: Executor) => {
    await sql`lock table response_staffing in exclusive mode`.execute(trx);
    await sql`delete from response_staffing`.execute(trx);
    await sql`insert into response_staffing (${STAFFING_COLUMNS}) ${staffingRows(sql<boolean>`true`)}`.execute(trx);
  };
  if (db.isTransaction) await run(db);
  else await db.transaction().execute(run);
}

/** Response ids whose staffing row differs from their answers (none, unless something wrote around it). */
export async function checkResponseStaffing(db: Executor): Promise<number[]> {
  const result = await sql<{ response_id: number }>`
    with fresh as (${staffingRows(sql<boolean>`true`)})
    select coalesce(s.response_id, f.response_id) as response_id
    from response_staffing s
    full join fresh f on f.response_id = s.response_id
    where (${columnsOf('s')}) is distinct from (${columnsOf('f')})
    order by 1`.execute(db);
  return result.rows.map((r) => Number(r.response_id));
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** The figures; with `headline`, only the overall group (no areas, no team lists: the start page's cards). */
export async function staffingFigures(
  db: Executor,
  scope: Scope,
  reference = DEFAULT_CASELOAD_REFERENCE,
  options: { headline?: boolean } = {},
): Promise<StaffingFigures | null> {
  if (!hasStaffingQuestions(scope)) return null;
  const asked = Object.fromEntries(Object.entries(STAFFING_ROLES).map(([key, role]) => [key, scope.version.roles.has(role)])) as Record<Role, boolean>;
  // One row per team with its staffing figures side by side, kept with the answers (table response_staffing).
  const perTeam = sql`
    select s.team_id, s.establishment, s.permanent, s.agency, s.vacant, s.workers, s.average, s.highest, s.nqsw,
      s.nqsw_average, s.nqsw_protected
    from response_staffing s
    where s.round_id = ${scope.round.id} and ${inScope(scope, sql.ref('s.response_id'))}`;
  const listAll = scope.responses.length <= TEAM_LIST_LIMIT;
  // One statement: the per-team rows are computed once and feed both the groups and the listed teams.
  const result = await runAggregate(
    db,
    sql<{ groups: Record<string, unknown>[]; listed: Record<string, unknown>[] }>`
    with per_team as (${perTeam}),
    teams_in as (select p.*, t.area_id from per_team p join teams t on t.id = p.team_id),
    grouped as (
      select grouping(area_id) as whole, area_id, count(*)::int as teams,
        sum(establishment) filter (where establishment > 0 and vacant is not null) as establishment,
        sum(vacant) filter (where establishment > 0 and vacant is not null) as vacant,
        count(*) filter (where establishment > 0 and vacant / establishment > ${HIGH_VACANCY_RATE})::int as teams_above_high,
        sum(vacant + agency) filter (where establishment > 0 and vacant is not null and agency is not null) as vacant_or_agency,
        sum(establishment) filter (where establishment > 0 and vacant is not null and agency is not null) as establishment_with_agency,
        sum(agency) filter (where agency is not null and permanent is not null) as agency,
        sum(agency + permanent) filter (where agency is not null and permanent is not null) as filled,
        count(average)::int as teams_with_caseload,
        avg(average) as mean_caseload,
        percentile_cont(0.5) within group (order by average) as median_caseload,
        sum(average * workers) filter (where workers > 0) / nullif(sum(workers) filter (where workers > 0 and average is not null), 0) as weighted_caseload,
        count(*) filter (where average > ${reference})::int as teams_average_above,
        max(highest) as highest_caseload,
        percentile_cont(0.5) within group (order by highest) as median_highest,
        count(*) filter (where highest > ${reference})::int as teams_highest_above,
        count(*) filter (where nqsw > 0)::int as teams_with_nqsw,
        sum(nqsw) as nqsw,
        count(*) filter (where nqsw > 0 and nqsw_protected)::int as nqsw_protected_yes,
        count(*) filter (where nqsw > 0 and not nqsw_protected)::int as nqsw_protected_no,
        avg(nqsw_average) filter (where nqsw > 0) as nqsw_mean_caseload,
        avg(average) filter (where nqsw > 0 and nqsw_average is not null) as mean_caseload_nqsw_teams
      from teams_in
      group by grouping sets ((), (area_id))
      having ${options.headline ? sql`grouping(area_id) = 1` : sql`true`}
    ),
    listed as (
      select * from (
        select team_id, establishment, vacant, agency, permanent, average, highest, nqsw, nqsw_average, nqsw_protected,
          case when establishment > 0 and vacant is not null then vacant / establishment end as vacancy_rate,
          case when establishment > 0 and vacant is not null and agency is not null then (vacant + agency) / establishment end as vacancy_or_agency_rate,
          row_number() over (order by case when establishment > 0 and vacant is not null then vacant / establishment end desc nulls last, team_id)
            as by_vacancy,
          row_number() over (order by highest desc nulls last, team_id) as by_highest
        from per_team
      ) ranked
      where ${options.headline ? sql`false` : sql`${listAll ? sql`true` : sql`false`} or by_highest <= 10 or (vacancy_rate > ${HIGH_VACANCY_RATE} and by_vacancy <= ${HIGH_VACANCY_LIST_LIMIT})`}
    )
    select (select coalesce(json_agg(g), '[]'::json) from grouped g) as groups,
           (select coalesce(json_agg(l), '[]'::json) from listed l) as listed`,
  );
  const groups = { rows: result.rows[0].groups };
  const listed = { rows: result.rows[0].listed };
  const areaNames = new Map(scope.responses.map((r) => [r.areaId, r.areaName]));
  const toGroup = (r: Record<string, unknown>, key: string, label: string): StaffingGroup => {
    const establishment = num(r.establishment);
    const vacant = num(r.vacant);
    const agency = num(r.agency);
    const filled = num(r.filled);
    const vacantOrAgency = num(r.vacant_or_agency);
    const establishmentWithAgency = num(r.establishment_with_agency);
    return {
      key,
      label,
      teams: Number(r.teams),
      establishment,
      vacant,
      vacancyRate: establishment ? (vacant ?? 0) / establishment : null,
      teamsAboveHighVacancy: Number(r.teams_above_high),
      vacantOrAgency,
      establishmentWithAgency,
      vacancyOrAgencyRate: establishmentWithAgency ? (vacantOrAgency ?? 0) / establishmentWithAgency : null,
      agency,
      filled,
      agencyShare: filled ? (agency ?? 0) / filled : null,
      teamsWithCaseload: Number(r.teams_with_caseload),
      meanCaseload: num(r.mean_caseload),
      medianCaseload: num(r.median_caseload),
      weightedCaseload: num(r.weighted_caseload),
      teamsAverageAboveReference: Number(r.teams_average_above),
      highestCaseload: num(r.highest_caseload),
      medianHighestCaseload: num(r.median_highest),
      teamsHighestAboveReference: Number(r.teams_highest_above),
      teamsWithNqsw: Number(r.teams_with_nqsw),
      nqsw: num(r.nqsw),
      nqswProtectedYes: Number(r.nqsw_protected_yes),
      nqswProtectedNo: Number(r.nqsw_protected_no),
      nqswMeanCaseload: num(r.nqsw_mean_caseload),
      meanCaseloadOfNqswTeams: num(r.mean_caseload_nqsw_teams),
    };
  };
  const emptyOverall = {
    teams: 0,
    teams_above_high: 0,
    teams_with_caseload: 0,
    teams_average_above: 0,
    teams_highest_above: 0,
    teams_with_nqsw: 0,
    nqsw_protected_yes: 0,
    nqsw_protected_no: 0,
  };
  const overallRow = groups.rows.find((r) => Number(r.whole) === 1) ?? emptyOverall;
  const byArea = groups.rows
    .filter((r) => Number(r.whole) === 0)
    .map((r) => toGroup(r, String(r.area_id), areaNames.get(Number(r.area_id)) ?? String(r.area_id)))
    .sort((a, b) => compareNames(a.label, b.label));
  const teams = teamsById(scope);
  const toTeam = (r: Record<string, unknown>): StaffingTeam => {
    const team = teams.get(Number(r.team_id))!;
    const agency = num(r.agency);
    const permanent = num(r.permanent);
    return {
      teamId: team.teamId,
      teamName: team.teamName,
      areaName: team.areaName,
      teamType: team.teamType,
      establishment: num(r.establishment),
      vacant: num(r.vacant),
      vacancyRate: num(r.vacancy_rate),
      vacancyOrAgencyRate: num(r.vacancy_or_agency_rate),
      agency,
      agencyShare: agency !== null && permanent !== null && agency + permanent > 0 ? agency / (agency + permanent) : null,
      average: num(r.average),
      highest: num(r.highest),
      nqsw: num(r.nqsw),
      nqswAverage: num(r.nqsw_average),
      nqswProtected: r.nqsw_protected === null || r.nqsw_protected === undefined ? null : Boolean(r.nqsw_protected),
    };
  };
  const listedTeams = listed.rows.map((r) => ({ team: toTeam(r), byHighest: Number(r.by_highest) }));
  const byName = (a: StaffingTeam, b: StaffingTeam) => compareNames(a.areaName, b.areaName) || compareNames(a.teamName, b.teamName);
  return {
    reference,
    kentAverage: KENT_AVERAGE_CASELOAD,
    highVacancyRate: HIGH_VACANCY_RATE,
    overall: toGroup(overallRow, 'all', 'All teams in scope'),
    byArea,
    teams: listAll ? listedTeams.map((t) => t.team).sort(byName) : null,
    highVacancyTeams: listedTeams
      .map((t) => t.team)
      .filter((t) => (t.vacancyRate ?? 0) > HIGH_VACANCY_RATE)
      .sort((a, b) => (b.vacancyRate ?? 0) - (a.vacancyRate ?? 0) || byName(a, b)),
    highestCaseloadTeams: listedTeams
      .filter((t) => t.byHighest <= 10 && t.team.highest !== null)
      .sort((a, b) => a.byHighest - b.byHighest)
      .map((t) => t.team),
    asked,
  };
}
