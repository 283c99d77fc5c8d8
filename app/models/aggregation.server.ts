import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Executor } from '../../db/index';
import { TEAM_TYPES, TEAM_TYPE_LABELS } from '../../db/schema';
import { surveysDir } from './registry.server';
import type { CurrentUser } from './users.server';
import { reviewedAreaIds, teamReviewedBy } from './access.server';
import { getQuestionnaireVersion, type VersionInfo } from './questionnaires.server';
import { activityFigures, activityQuestion, activityTotals, type ActivityFigures, type ActivityGroup } from './aggregation/activity.server';
import { heatmapFigures, findingQuestions } from './aggregation/heatmap.server';
import { loadScope, type AggregateFilter, type Scope } from './aggregation/scope.server';
import { badParameter, isDomainError, notFound } from './errors.server';
import { DEFAULT_CASELOAD_REFERENCE, hasStaffingQuestions, staffingFigures, staffingSectionsOn, type StaffingFigures } from './aggregation/staffing.server';
import { thresholdFigures, thresholdQuestion, type ThresholdFigures } from './aggregation/thresholds.server';
import { timelinessFigures, timelinessQuestion, type TimelinessFigures } from './aggregation/timeliness.server';
import { topicQuestionFigures, topicQuestions, versionTopics, type QuestionFigures } from './aggregation/topic.server';

/**
 * Aggregation for reviewers: the figures behind the insights pages and GET /api/v1/rounds/{id}/aggregates. The
 * same functions serve both, so the page and the API always agree. See docs/aggregation.md.
 */

export * from './aggregation/scope.server';
export {
  type QuestionFigures,
  type NumericStats,
  type ChoiceFigures,
  type TextFigures,
  type DynamicFigures,
  TEAM_LIST_LIMIT,
  TEXT_LIMIT,
  TYPED_LIMIT,
} from './aggregation/topic.server';
export { type ActivityFigures, AREA_SERIES_LIMIT } from './aggregation/activity.server';
export { type ThresholdFigures } from './aggregation/thresholds.server';
export { type TimelinessFigures } from './aggregation/timeliness.server';
export {
  type StaffingFigures,
  DEFAULT_CASELOAD_REFERENCE,
  KENT_AVERAGE_CASELOAD,
  HIGH_VACANCY_RATE,
  HIGH_VACANCY_LIST_LIMIT,
} from './aggregation/staffing.server';
export { heatmapFigures, heatmapCell, cellId, HEATMAP_TEAM_LIMIT, type HeatmapFigures, type HeatmapCell } from './aggregation/heatmap.server';
export { comparableQuestions, phaseComparison, PHASE_TEAM_LIMIT, type PhaseComparison } from './aggregation/phases.server';
export { teamReport, type TeamReport, type ReportValue } from './aggregation/report.server';

/**
 * Links to the reports of the teams some figures name (each object's `teamId`): [team id, response id] pairs, for
 * those teams only. A page at national scale lists a few dozen teams of 9,000; it sends their links, not every one.
 */
export function reportLinksFor(scope: Scope, figures: unknown): [number, number][] {
  const named = new Set<number>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value && typeof value === 'object')
      for (const [key, v] of Object.entries(value)) {
        if (key === 'teamId' && typeof v === 'number') named.add(v);
        else visit(v);
      }
  };
  visit(figures);
  return scope.responses.filter((r) => named.has(r.teamId)).map((r) => [r.teamId, r.responseId]);
}

export type TopicInfo = { id: string; title: string; description: string };

let topicFile: TopicInfo[] | undefined;
/** Topic titles and descriptions from surveys/topics.json (an id stands in for a topic the file lacks). */
export function topicInfo(id: string): TopicInfo {
  if (!topicFile) {
    try {
      topicFile = JSON.parse(fs.readFileSync(path.join(surveysDir(), 'topics.json'), 'utf8')) as TopicInfo[];
    } catch {
      topicFile = [];
    }
  }
  return topicFile.find((t) => t.id === id) ?? { id, title: id, description: '' };
}

// ---------------------------------------------------------------------------------------------------------------
// Query parameters (pages and API alike)
// ---------------------------------------------------------------------------------------------------------------

const flag = z
  .enum(['true', 'false', '1', '0', 'on', 'yes', 'no'], { errorMap: () => ({ message: 'must be true or false' }) })
  .transform((v) => v === 'true' || v === '1' || v === 'on' || v === 'yes');

export const insightsQuerySchema = z
  .object({
    topic: z
      .string()
      .regex(/^[a-z0-9-]+$/, 'must be a topic id such as caseloads')
      .optional(),
    area: z.string().min(1).max(100).optional(),
    teamType: z.enum(TEAM_TYPES, { errorMap: () => ({ message: `must be one of ${TEAM_TYPES.join(', ')}` }) }).optional(),
    includeInProgress: flag.optional(),
    reference: z.coerce.number({ invalid_type_error: 'must be a number' }).positive('must be a positive number').max(200, 'must be at most 200').optional(),
    compare: z
      .string()
      .regex(/^\d{1,9}$/, 'must be a round id')
      .transform(Number)
      .optional(),
    /** A heatmap cell to open: question/row/team id. */
    cell: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,100}\/[A-Za-z0-9_.-]{1,100}\/\d{1,9}$/, 'must be question/row/team id')
      .optional(),
    /** The question a phase comparison shows (its name in the later round's version). */
    question: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,100}$/, 'must be a question name')
      .optional(),
    /** A team whose own monthly series the activity page draws. */
    team: z
      .string()
      .regex(/^\d{1,9}$/, 'must be a team id')
      .transform(Number)
      .optional(),
  })
  .strict();

export type InsightsQuery = z.infer<typeof insightsQuerySchema>;

/** Parses the query string; empty values count as absent. Unknown parameters and bad values are 400 refusals naming the parameter. */
export function parseInsightsQuery(
  params: URLSearchParams,
  allowed: (keyof InsightsQuery)[] = ['topic', 'area', 'teamType', 'includeInProgress', 'reference', 'compare'],
): InsightsQuery {
  const raw: Record<string, string> = {};
  for (const [key, value] of params) {
    if (value === '') continue;
    if (!(allowed as string[]).includes(key)) throw badParameter(key, `is not a parameter here (use ${allowed.join(', ')})`);
    raw[key] = value;
  }
  const parsed = insightsQuerySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badParameter(String(issue.path[0] ?? 'query'), issue.message);
  }
  return parsed.data;
}

/** The scope a query asks for: the area by slug (or id) among the round's areas the user may see. */
export async function scopeForQuery(db: Executor, user: CurrentUser, roundId: number, query: InsightsQuery): Promise<Scope | null> {
  const filter: AggregateFilter & { area?: string } = {
    areaId: null,
    teamType: query.teamType ?? null,
    includeInProgress: query.includeInProgress ?? false,
    area: query.area,
  };
  return loadScope(db, user, roundId, filter);
}

// ---------------------------------------------------------------------------------------------------------------
// Figures
// ---------------------------------------------------------------------------------------------------------------

export type ScopeSummary = {
  round: { id: number; name: string; status: string; questionnaire: string; version: number; followsRoundId: number | null };
  filter: {
    area: { id: number; name: string; slug: string } | null;
    teamType: string | null;
    teamTypeLabel: string | null;
    includeInProgress: boolean;
    /** A case-file audit round: each response is one case's audit, so the figures count cases, not teams. */
    counting?: 'cases';
  };
  counts: Scope['counts'];
  areas: Scope['areas'];
};

export function describeScope(scope: Scope): ScopeSummary {
  const area = scope.filter.areaId === null ? null : (scope.areas.find((a) => a.id === scope.filter.areaId) ?? null);
  return {
    round: {
      id: scope.round.id,
      name: scope.round.name,
      status: scope.round.status,
      questionnaire: scope.round.questionnaire_title,
      version: scope.round.version,
      followsRoundId: scope.round.follows_round_id,
    },
    filter: {
      area,
      teamType: scope.filter.teamType,
      teamTypeLabel: scope.filter.teamType ? TEAM_TYPE_LABELS[scope.filter.teamType] : null,
      includeInProgress: scope.filter.includeInProgress,
      ...(scope.round.subject === 'case' ? { counting: 'cases' as const } : {}),
    },
    counts: scope.counts,
    areas: scope.areas,
  };
}

export type TopicPage = {
  scope: ScopeSummary;
  topic: TopicInfo;
  questions: QuestionFigures[];
  activity: ActivityFigures | null;
  thresholds: ThresholdFigures | null;
  staffing: StaffingFigures | null;
  /** Timeliness weighted by the work done, on the topic of the matrix whose columns play the timeliness roles. */
  timeliness: TimelinessFigures | null;
  /** Which staffing sections the topic shows (from the topics of the questions playing staffing and caseload roles). */
  staffingSections: ('vacancies' | 'caseloads')[];
};

/** The topics the round's questionnaire version covers, with their question counts. */
export function roundTopics(scope: Scope): (TopicInfo & { questions: number })[] {
  return versionTopics(scope).map((t) => ({ ...topicInfo(t.id), questions: t.questions }));
}

/**
 * Everything on one topic's page. `compare` is the scope of an earlier round (thresholds: teams whose rating
 * changed); `reference` the caseload reference (staffing and caseloads). Null when the version has no such topic.
 */
export async function topicPage(
  db: Executor,
  scope: Scope,
  topicId: string,
  options: { reference?: number; compare?: Scope | null } = {},
): Promise<TopicPage | null> {
  const questions = topicQuestions(scope, topicId);
  if (!questions.length) return null;
  const activity = activityQuestion(scope.version, topicId);
  const staffingSections = staffingSectionsOn(scope.version, topicId);
  const figures = topicQuestionFigures(db, scope, topicId);
  // The activity series are the sums of the matrix cells, which the cell statistics already hold.
  const totals = activity
    ? figures.then((all) => {
        const matrix = all.find((q) => q.name === activity.name);
        if (!matrix || matrix.kind !== 'matrix') return [];
        return Object.entries(matrix.matrix.cells).flatMap(([row, cells]) =>
          Object.entries(cells).flatMap(([column, cell]) =>
            cell.kind === 'numeric' && cell.stats ? [{ row_key: row, column_key: column, total: cell.stats.sum, teams: cell.stats.n }] : [],
          ),
        );
      })
    : null;
  const [questionFigures, activityResult, thresholds, staffing, timeliness] = await Promise.all([
    figures,
    activity && totals ? activityFigures(db, scope, activity, totals) : null,
    thresholdQuestion(scope)?.topic === topicId ? thresholdFigures(db, scope, options.compare ?? null) : null,
    staffingSections.length ? staffingFigures(db, scope, options.reference ?? DEFAULT_CASELOAD_REFERENCE) : null,
    timelinessQuestion(scope.version)?.question.topic === topicId ? timelinessFigures(db, scope) : null,
  ]);
  return {
    scope: describeScope(scope),
    topic: topicInfo(topicId),
    questions: questionFigures,
    activity: activityResult,
    thresholds,
    staffing,
    timeliness,
    staffingSections,
  };
}

/** Whether the topic holds the thresholds rating, whose page compares with the earlier round by default. */
export function isThresholdsTopic(version: VersionInfo, topicId: string): boolean {
  return thresholdQuestion({ version })?.topic === topicId;
}

export type RoundInsights = {
  scope: ScopeSummary;
  topics: (TopicInfo & { questions: number })[];
  hasHeatmap: boolean;
  headlines: {
    staffing: StaffingFigures['overall'] | null;
    reference: number;
    activity: (Pick<ActivityFigures, 'question' | 'months' | 'columns'> & { overall: ActivityGroup; topic: string }) | null;
    thresholds: Pick<ThresholdFigures, 'question' | 'choices' | 'overall' | 'changed'> | null;
    ratings: { choices: { value: string; text: string }[]; counts: Record<string, number>; findings: number } | null;
  };
};

/** The round's headline figures (for the insights start page and the API without a topic). */
export async function roundInsights(db: Executor, scope: Scope, options: { reference?: number } = {}): Promise<RoundInsights> {
  const reference = options.reference ?? DEFAULT_CASELOAD_REFERENCE;
  const activity = activityQuestion(scope.version);
  const [staffing, totals, thresholds, heatmap] = await Promise.all([
    hasStaffingQuestions(scope) ? staffingFigures(db, scope, reference, { headline: true }) : null,
    activity ? activityTotals(db, scope, activity) : null,
    thresholdQuestion(scope) ? thresholdFigures(db, scope, null, { headline: true }) : null,
    findingQuestions(scope).length ? heatmapFigures(db, scope, { cells: false }) : null,
  ]);
  let activityHeadline: RoundInsights['headlines']['activity'] = null;
  if (activity && totals) {
    const figures = await activityFigures(db, scope, activity, totals, { breakdowns: false });
    activityHeadline = { question: figures.question, months: figures.months, columns: figures.columns, overall: figures.overall, topic: activity.topic };
  }
  let ratings: RoundInsights['headlines']['ratings'] = null;
  if (heatmap) {
    const counts: Record<string, number> = {};
    let findings = 0;
    for (const section of heatmap.sections) {
      for (const row of section.rows) {
        findings++;
        for (const [value, n] of Object.entries(row.counts)) counts[value] = (counts[value] ?? 0) + n;
      }
    }
    ratings = { choices: heatmap.choices, counts, findings };
  }
  return {
    scope: describeScope(scope),
    topics: roundTopics(scope),
    hasHeatmap: Boolean(heatmap),
    headlines: {
      staffing: staffing?.overall ?? null,
      reference,
      activity: activityHeadline,
      thresholds: thresholds ? { question: thresholds.question, choices: thresholds.choices, overall: thresholds.overall, changed: thresholds.changed } : null,
      ratings,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Requests: parameters → scope, for the pages and the API alike
// ---------------------------------------------------------------------------------------------------------------

export type InsightsRequest = { query: InsightsQuery; scope: Scope; compare: Scope | null };

/**
 * Parses the parameters and loads the scope (and, for comparisons, the earlier round's scope with the same filter:
 * `compare`, or by default the round this one follows). Throws a 400 refusal naming the parameter for bad ones, and the round's 404 when
 * it is not the caller's to see.
 */
export async function insightsRequest(
  db: Executor,
  user: CurrentUser,
  roundId: number,
  params: URLSearchParams,
  allowed?: (keyof InsightsQuery)[],
  options: { compare?: boolean | ((version: VersionInfo) => boolean) } = {},
): Promise<InsightsRequest> {
  const query = parseInsightsQuery(params, allowed);
  // The earlier round (asked for, or the one this round follows) is loaded beside this one, not after it. A page
  // may decide from the round's questionnaire version whether it compares (the thresholds topic does).
  let compareId: number | null = null;
  if (options.compare !== false) {
    const round = await db.selectFrom('rounds').select(['follows_round_id', 'questionnaire_version_id']).where('id', '=', roundId).executeTakeFirst();
    const wanted =
      typeof options.compare === 'function' ? round !== undefined && options.compare(await getQuestionnaireVersion(db, round.questionnaire_version_id)) : true;
    if (wanted) compareId = query.compare ?? round?.follows_round_id ?? null;
    if (compareId === roundId) throw badParameter('compare', 'must be another round');
  }
  const filter = { areaId: null, teamType: query.teamType ?? null, includeInProgress: query.includeInProgress ?? false, area: query.area };
  const [scope, other] = await Promise.all([
    scopeForQuery(db, user, roundId, query),
    compareId
      ? loadScope(db, user, compareId, filter).catch((error) => {
          if (isDomainError(error, 400)) return null; // loadScope's one refusal: the area had no teams in the earlier round
          throw error;
        })
      : Promise.resolve(null),
  ]);
  if (!scope) throw notFound('round');
  let compare: Scope | null = null;
  if (compareId) {
    if (!other && query.compare) throw badParameter('compare', `no round ${compareId} that you can see`);
    if (other && other.version.slug !== scope.version.slug) {
      if (query.compare) throw badParameter('compare', `round ${compareId} uses another questionnaire (${other.version.title})`);
    } else compare = other;
  }
  return { query, scope, compare };
}

/** Rounds of the same questionnaire as the scope's, that the user can see, for the phase picker. */
export async function sameQuestionnaireRounds(db: Executor, user: CurrentUser, scope: Scope) {
  const reviewed = reviewedAreaIds(user);
  if (reviewed !== 'all' && !reviewed.length) return [];
  let query = db
    .selectFrom('rounds as r')
    .innerJoin('questionnaire_versions as v', 'v.id', 'r.questionnaire_version_id')
    .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
    .select(['r.id', 'r.name', 'r.created_at', 'v.version'])
    .where('q.slug', '=', scope.version.slug)
    .where('r.id', '<>', scope.round.id)
    .orderBy('r.created_at')
    .orderBy('r.id');
  if (reviewed !== 'all') {
    query = query.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('responses as s')
          .innerJoin('teams as t', 't.id', 's.team_id')
          .select('s.id')
          .whereRef('s.round_id', '=', 'r.id')
          .where(teamReviewedBy(user, 't')),
      ),
    );
  }
  return query.execute();
}

export const TEAM_TYPE_OPTIONS = TEAM_TYPES.map((value) => ({ value, label: TEAM_TYPE_LABELS[value] }));
