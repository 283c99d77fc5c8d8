import { stringify } from 'csv-stringify/sync';
import type { Model } from 'survey-core';
import { z } from 'zod';
import type { Executor } from '../../db/index';
import { CASE_KIND_LABELS, CASE_KINDS, TEAM_TYPE_LABELS, TEAM_TYPES, type CaseKind, type TeamType } from '../../db/schema';
import { teamReviewedBy, teamVisibleTo } from './access.server';
import { stableNames } from './aggregation/lineage.server';
import { answerText, caseRoundTeams, moderatedData, requireCaseRound } from './case-audits.server';
import { createModel, type CatalogueQuestion } from './catalogue.server';
import { rulesFor, visibleQuestions } from './compiled-rules.server';
import { topicTitles } from './compare.server';
import { badParameter, notFound } from './errors.server';
import { idFieldSchema } from './ids';
import { getQuestionnaireVersion, type VersionInfo } from './questionnaires.server';
import { findVisibleRound, type VisibleRound } from './rounds.server';
import { neutraliseRow } from './spreadsheet-cells';
import type { CurrentUser } from './users.server';

/**
 * The figures of a case-file audit round (issue 12): how many audited cases meet each practice standard, overall and
 * by team, area, kind of case, the records the auditor read and where the record was found; the grades given; the
 * standards most often not met; a team's audit beside its own self-assessment on the same topics; and the same
 * figures year on year through the annual repeats.
 *
 * What is counted: first audits that are submitted, with the moderated answers in place of the first auditor's where
 * moderation decided (`moderatedData`). Second, blind audits are never counted: they check the auditors, they are not
 * more cases. A standard is a question declaring `meets` (catalogue `detail.standard`); its share met is the cases
 * whose answer is in `meets` over the cases answered with a value not in `notApplicable`. Cases that left it
 * unanswered, or where the questionnaire hid it (it did not apply), are left out of that count, not counted as unmet.
 * The grade, the records read and where the record was found are read through their roles, never by question name.
 */

// ---------------------------------------------------------------------------------------------------------------
// Standards and how a case stands against one

/** A practice standard of the audit, as the questionnaire declares it. */
export type Standard = { question: string; title: string; topic: string; topicTitle: string };
type StandardRule = Standard & { meets: unknown[]; notApplicable: unknown[] };

/** How many counted cases met a standard, did not, were out of its count, and the share met (null: none counted). */
export type StandardTally = { met: number; notMet: number; notApplicable: number; unanswered: number; counted: number; share: number | null };

type Judgement = 'met' | 'notMet' | 'notApplicable' | 'unanswered';

/** The standards of a version, in questionnaire order. */
function standardsOf(version: VersionInfo): StandardRule[] {
  const titles = topicTitles();
  return [...version.catalogue.values()]
    .filter((q) => q.detail.standard)
    .sort((a, b) => a.position - b.position)
    .map((q) => ({
      question: q.name,
      title: q.title,
      topic: q.topic,
      topicTitle: titles.get(q.topic) ?? q.topic,
      meets: q.detail.standard!.meets,
      notApplicable: q.detail.standard!.notApplicable,
    }));
}

const standardOf = ({ question, title, topic, topicTitle }: StandardRule): Standard => ({ question, title, topic, topicTitle });

// Answers are compared as JSON, as the questionnaire check compares `meets` with a question's answers (a boolean's
// true, a choice's "yes").
const sameAnswer = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const isEmpty = (value: unknown) => value === undefined || value === null || value === '';

function judge(rule: StandardRule, answers: Record<string, unknown>): Judgement {
  const value = answers[rule.question];
  if (isEmpty(value)) return 'unanswered';
  if (rule.notApplicable.some((v) => sameAnswer(v, value))) return 'notApplicable';
  return rule.meets.some((v) => sameAnswer(v, value)) ? 'met' : 'notMet';
}

function emptyTally(): StandardTally {
  return { met: 0, notMet: 0, notApplicable: 0, unanswered: 0, counted: 0, share: null };
}

function withShare(tally: StandardTally): StandardTally {
  const counted = tally.met + tally.notMet;
  return { ...tally, counted, share: counted ? tally.met / counted : null };
}

function tallyOf(rule: StandardRule, audits: CountedAudit[]): StandardTally {
  const tally = emptyTally();
  for (const audit of audits) tally[judge(rule, audit.answers)]++;
  return withShare(tally);
}

/** Several standards' tallies added together: every judgement of a case against a standard counts once. */
function pooled(tallies: StandardTally[]): StandardTally {
  const sum = emptyTally();
  for (const t of tallies) {
    sum.met += t.met;
    sum.notMet += t.notMet;
    sum.notApplicable += t.notApplicable;
    sum.unanswered += t.unanswered;
  }
  return withShare(sum);
}

// ---------------------------------------------------------------------------------------------------------------
// The audits counted

/** A first audit the figures count, with the answers they read. */
type CountedAudit = {
  id: number;
  teamId: number;
  teamName: string;
  teamType: TeamType;
  areaId: number;
  areaName: string;
  kind: CaseKind;
  answers: Record<string, unknown>;
};

export type CaseFilter = { areaId?: number; teamId?: number; kind?: CaseKind };

/** How many audits the figures rest on, and those left out (say so on the page). */
export type AuditCounts = { counted: number; waiting: number; secondAudits: number };

// One survey-core model per version, for its compiled rules (and the rare version that cannot be compiled).
const visibilityModels = new Map<number, Model>();

function visibilityModel(version: VersionInfo): Model {
  let model = visibilityModels.get(version.id);
  if (!model) visibilityModels.set(version.id, (model = createModel(version.definition)));
  return model;
}

/**
 * The answers of the questions the questionnaire shows for these answers. An answer left over from before an earlier
 * answer hid its question (a protection plan's timescales, once "no plan" is answered) is not a judgement of the case.
 * Visibility is read from the version's compiled rules, as progress is counted (compiledProgress): a round's few
 * hundred audits through the full model would take seconds.
 */
function shownAnswers(version: VersionInfo, data: Record<string, unknown>): Record<string, unknown> {
  const model = visibilityModel(version);
  const rules = rulesFor(version, model);
  if (!rules.compiled) return shownByModel(model, data);
  const shown: Record<string, unknown> = {};
  for (const question of visibleQuestions(rules, data).questions) if (question.name in data) shown[question.name] = data[question.name];
  return shown;
}

function shownByModel(model: Model, data: Record<string, unknown>): Record<string, unknown> {
  model.clear(true, false);
  model.data = data;
  const shown: Record<string, unknown> = {};
  for (const question of model.getAllQuestions(true)) {
    const name = question.getValueName();
    if (name in data) shown[name] = data[name];
  }
  return shown;
}

/** The round's audits of the teams the user reviews (within the filter): the counted ones, and how many are left out. */
async function roundAudits(db: Executor, user: CurrentUser, round: Pick<VisibleRound, 'id'>, version: VersionInfo, filter: CaseFilter = {}) {
  const rows = await db
    .selectFrom('responses as s')
    .innerJoin('audit_cases as c', 'c.id', 's.case_id')
    .innerJoin('teams as t', 't.id', 's.team_id')
    .innerJoin('areas as a', 'a.id', 't.area_id')
    .select([
      's.id',
      's.status',
      's.moderation_of',
      's.data',
      'c.kind',
      't.id as team_id',
      't.name as team_name',
      't.team_type',
      'a.id as area_id',
      'a.name as area_name',
    ])
    .where('s.round_id', '=', round.id)
    .where(teamReviewedBy(user))
    .$if(filter.areaId !== undefined, (q) => q.where('t.area_id', '=', filter.areaId!))
    .$if(filter.teamId !== undefined, (q) => q.where('t.id', '=', filter.teamId!))
    .$if(filter.kind !== undefined, (q) => q.where('c.kind', '=', filter.kind!))
    .orderBy('t.name')
    .orderBy('s.id')
    .execute();
  const firsts = rows.filter((r) => r.moderation_of === null);
  const submitted = firsts.filter((r) => r.status === 'submitted');
  const moderated = await moderatedData(db, submitted);
  const audits: CountedAudit[] = submitted.map((r) => ({
    id: r.id,
    teamId: r.team_id,
    teamName: r.team_name,
    teamType: r.team_type,
    areaId: r.area_id,
    areaName: r.area_name,
    kind: r.kind,
    answers: shownAnswers(version, moderated.get(r.id)!),
  }));
  const counts: AuditCounts = { counted: audits.length, waiting: firsts.length - submitted.length, secondAudits: rows.length - firsts.length };
  return { audits, counts };
}

// ---------------------------------------------------------------------------------------------------------------
// Groups of cases

/** Some of the counted cases (a team's, an area's, those of one kind…) with each standard's tally over them. */
export type CaseGroup = { key: string; label: string; audits: number; tallies: StandardTally[] };

type Members = { key: string; label: string; members: CountedAudit[] };

function groupBy(audits: CountedAudit[], keyOf: (audit: CountedAudit) => { key: string; label: string }): Members[] {
  const groups = new Map<string, Members>();
  for (const audit of audits) {
    const { key, label } = keyOf(audit);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { key, label, members: [] }));
    group.members.push(audit);
  }
  return [...groups.values()];
}

/** The key of the cases that left a question unanswered (no choice has the empty value: it is never stored). */
export const NOT_ANSWERED = '';

/** The cases by their answer to a choice question: every listed choice in order (even with no case), then the rest. */
function byAnswer(question: CatalogueQuestion, audits: CountedAudit[]): Members[] {
  const listed: Members[] = (question.detail.choices ?? []).map((c) => ({ key: c.value, label: c.text, members: [] }));
  const groups = new Map(listed.map((g) => [g.key, g]));
  for (const audit of audits) {
    const value = audit.answers[question.name];
    const key = isEmpty(value) ? NOT_ANSWERED : String(value);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { key, label: key === NOT_ANSWERED ? 'Not answered' : answerText(question, value), members: [] }));
    group.members.push(audit);
  }
  return [...groups.values()];
}

function tallied(groups: Members[], rules: StandardRule[]): CaseGroup[] {
  return groups.map((g) => ({ key: g.key, label: g.label, audits: g.members.length, tallies: rules.map((rule) => tallyOf(rule, g.members)) }));
}

const byLabel = (a: Members, b: Members) => a.label.localeCompare(b.label, 'en-GB');

const areaGroups = (audits: CountedAudit[]) => groupBy(audits, (a) => ({ key: String(a.areaId), label: a.areaName })).sort(byLabel);
const teamGroups = (audits: CountedAudit[]) => groupBy(audits, (a) => ({ key: String(a.teamId), label: a.teamName })).sort(byLabel);
const kindGroups = (audits: CountedAudit[]) =>
  groupBy(audits, (a) => ({ key: a.kind, label: CASE_KIND_LABELS[a.kind] })).sort(
    (a, b) => CASE_KINDS.indexOf(a.key as CaseKind) - CASE_KINDS.indexOf(b.key as CaseKind),
  );
const teamTypeGroups = (audits: CountedAudit[]) =>
  groupBy(audits, (a) => ({ key: a.teamType, label: TEAM_TYPE_LABELS[a.teamType] })).sort(
    (a, b) => TEAM_TYPES.indexOf(a.key as TeamType) - TEAM_TYPES.indexOf(b.key as TeamType),
  );

/** The cases by their answer to the question playing a role (the records read, where the record was found). */
function roleBreakdown(version: VersionInfo, role: 'case-sources' | 'case-record-location', audits: CountedAudit[], rules: StandardRule[]) {
  const question = version.roles.get(role);
  if (!question) return null;
  return { title: question.title, groups: tallied(byAnswer(question, audits), rules) };
}

// ---------------------------------------------------------------------------------------------------------------
// Grades

/** How many cases got each grade (in the order of `choices`, best first), and how many have none. */
export type GradeCounts = { counts: number[]; graded: number; ungraded: number };
export type GradeChoice = { value: string; text: string };

function gradeCounts(question: CatalogueQuestion, choices: GradeChoice[], audits: CountedAudit[]): GradeCounts {
  const counts = choices.map(() => 0);
  let ungraded = 0;
  for (const audit of audits) {
    const value = audit.answers[question.name];
    const index = isEmpty(value) ? -1 : choices.findIndex((c) => c.value === String(value));
    if (index >= 0) counts[index]++;
    else ungraded++;
  }
  return { counts, graded: counts.reduce((sum, n) => sum + n, 0), ungraded };
}

function gradeFigures(version: VersionInfo, audits: CountedAudit[]) {
  const question = version.roles.get('case-grade');
  if (!question) return null;
  const choices = question.detail.choices ?? [];
  return {
    title: question.title,
    choices,
    overall: gradeCounts(question, choices, audits),
    byArea: areaGroups(audits).map((g) => ({ key: g.key, label: g.label, grades: gradeCounts(question, choices, g.members) })),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The round's figures

/** The page's and the CSV's query: filters (area, team, kind of case) and the team whose self-assessment to compare. */
const caseFiguresQuerySchema = z.object({
  area: idFieldSchema('must be an area id').optional(),
  team: idFieldSchema('must be a team id').optional(),
  kind: z.enum(CASE_KINDS, { errorMap: () => ({ message: `must be one of ${CASE_KINDS.join(', ')}` }) }).optional(),
  compare: idFieldSchema('must be a team id').optional(),
});

/** Reads the query string (empty values mean "any"); a bad value is a 400 naming the parameter. */
export function parseCaseFiguresQuery(search: URLSearchParams): { filter: CaseFilter; compare?: number } {
  const given = Object.fromEntries([...search].filter(([, value]) => value !== ''));
  const parsed = caseFiguresQuerySchema.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badParameter(String(issue.path[0] ?? 'query'), issue.message);
  }
  const { area, team, kind, compare } = parsed.data;
  return { filter: { areaId: area, teamId: team, kind }, compare };
}

/** The filters' choices: the round's teams the user reviews, their areas, and the kinds of case. */
async function filterOptions(db: Executor, user: CurrentUser, roundId: number) {
  const teams = await caseRoundTeams(db, user, roundId);
  const areas = [...new Map(teams.map((t) => [t.area_id, { id: t.area_id, name: t.area_name }])).values()].sort((a, b) =>
    a.name.localeCompare(b.name, 'en-GB'),
  );
  return {
    areas,
    teams: teams.map((t) => ({ id: t.id, name: t.name, areaId: t.area_id, areaName: t.area_name, teamType: t.team_type })),
    kinds: CASE_KINDS.map((value) => ({ value, label: CASE_KIND_LABELS[value] })),
  };
}

function checkFilter(filter: CaseFilter, options: Awaited<ReturnType<typeof filterOptions>>) {
  if (filter.areaId !== undefined && !options.areas.some((a) => a.id === filter.areaId))
    throw badParameter('area', 'is not an area of this round that you review');
  if (filter.teamId !== undefined && !options.teams.some((t) => t.id === filter.teamId))
    throw badParameter('team', 'is not a team of this round that you review');
}

/** The standards most often not met first: those with at least one case not meeting them, by the share not met. */
function exceptionsOf(standards: Array<Standard & { overall: StandardTally }>) {
  return standards
    .map((s, position) => ({ ...s, position, shareNotMet: s.overall.counted ? s.overall.notMet / s.overall.counted : 0 }))
    .filter((s) => s.overall.notMet > 0)
    .sort((a, b) => b.shareNotMet - a.shareNotMet || b.overall.notMet - a.overall.notMet || a.position - b.position)
    .map(({ position: _position, ...s }) => s);
}

function describeCaseRound(round: VisibleRound) {
  return { id: round.id, name: round.name, status: round.status, questionnaire: round.questionnaire_title, version: round.version };
}

/**
 * A case round's figures for the teams the user reviews, within the filter: each standard's share met overall and by
 * team, area, kind of case, records read and where the record was found; the grades; and the exceptions.
 */
export async function caseFigures(db: Executor, user: CurrentUser, roundId: number, filter: CaseFilter = {}) {
  const round = await requireCaseRound(db, user, roundId);
  const [version, options] = await Promise.all([getQuestionnaireVersion(db, round.questionnaire_version_id), filterOptions(db, user, roundId)]);
  checkFilter(filter, options);
  const rules = standardsOf(version);
  const { audits, counts } = await roundAudits(db, user, round, version, filter);
  const standards = rules.map((rule) => ({ ...standardOf(rule), overall: tallyOf(rule, audits) }));
  return {
    round: describeCaseRound(round),
    filter,
    options,
    counts,
    standards,
    breakdowns: {
      team: tallied(teamGroups(audits), rules),
      area: tallied(areaGroups(audits), rules),
      kind: tallied(kindGroups(audits), rules),
      sources: roleBreakdown(version, 'case-sources', audits, rules),
      recordLocation: roleBreakdown(version, 'case-record-location', audits, rules),
    },
    grades: gradeFigures(version, audits),
    exceptions: exceptionsOf(standards),
  };
}

export type CaseFigures = Awaited<ReturnType<typeof caseFigures>>;

/** The per-standard figures by team as CSV: a row per team and standard, in the page's filters. */
export function caseFiguresCsv(figures: CaseFigures): string {
  const header = ['Team', 'Area', 'Standard', 'Topic', 'Met', 'Not met', 'Not applicable', 'Not answered', 'Cases counted', 'Share met (%)'];
  const teams = new Map(figures.options.teams.map((t) => [String(t.id), t]));
  const records = figures.breakdowns.team.flatMap((group) =>
    figures.standards.map((standard, i) => {
      const t = group.tallies[i];
      return [
        group.label,
        teams.get(group.key)?.areaName ?? '',
        standard.title,
        standard.topicTitle,
        t.met,
        t.notMet,
        t.notApplicable,
        t.unanswered,
        t.counted,
        t.share === null ? '' : Math.round(t.share * 1000) / 10,
      ];
    }),
  );
  // A leading BOM so spreadsheet programs read UTF-8; text a spreadsheet would run as a formula is neutralised.
  return '\uFEFF' + stringify([header, ...records].map(neutraliseRow));
}

// ---------------------------------------------------------------------------------------------------------------
// A team's audit beside its self-assessment

/** The latest submitted return of the team in a team round the user may see, with a question on one of the topics. */
async function latestSelfAssessment(db: Executor, user: CurrentUser, teamId: number, topics: Set<string>) {
  const returns = await db
    .selectFrom('responses as s')
    .innerJoin('rounds as r', 'r.id', 's.round_id')
    .innerJoin('teams as t', 't.id', 's.team_id')
    .select(['s.id', 's.data', 's.submitted_at', 's.questionnaire_version_id', 'r.id as round_id', 'r.name as round_name'])
    .where('r.subject', '=', 'team')
    .where('s.team_id', '=', teamId)
    .where('s.status', '=', 'submitted')
    .where(teamVisibleTo(user))
    .orderBy('r.created_at', 'desc')
    .orderBy('r.id', 'desc')
    .execute();
  // A later round of another questionnaire (the mini-JAR matrix, say) asks nothing on these topics: look further back.
  for (const row of returns) {
    const version = await getQuestionnaireVersion(db, row.questionnaire_version_id);
    if ([...version.catalogue.values()].some((q) => topics.has(q.topic))) return { ...row, version };
  }
  return null;
}

/** One answer of a team's return as lines to read: a matrix a line per row, anything else in one line. */
function answerLines(question: CatalogueQuestion, value: unknown): string[] {
  if (isEmpty(value)) return [];
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const cells = value as Record<string, unknown>;
    if (question.detail.rows) {
      return question.detail.rows.filter((row) => !isEmpty(cells[row.value])).map((row) => `${row.text}: ${cellText(question, cells[row.value])}`);
    }
    if (question.detail.items) {
      return question.detail.items.filter((item) => !isEmpty(cells[item.name])).map((item) => `${item.title}: ${String(cells[item.name])}`);
    }
  }
  return [answerText(question, value)];
}

/** A matrix row's answer: one choice (a single-choice matrix), or its cells column by column. */
function cellText(question: CatalogueQuestion, cell: unknown): string {
  const columns = question.detail.columns ?? [];
  const choiceText = (choices: { value: string; text: string }[] | undefined, v: unknown) => choices?.find((c) => c.value === String(v))?.text ?? String(v);
  if (cell && typeof cell === 'object' && !Array.isArray(cell)) {
    const values = cell as Record<string, unknown>;
    return columns
      .filter((c) => !isEmpty(values[c.name]))
      .map((c) => `${c.title} ${choiceText(c.choices, values[c.name])}`)
      .join('; ');
  }
  return choiceText(columns[0]?.choices, cell);
}

/**
 * One team: per topic the case audit's standards use, the team's share met in this round's audits (the topic's
 * standards together, and each) beside the team's own answers on that topic in its latest submitted self-assessment.
 */
export async function selfAssessmentComparison(db: Executor, user: CurrentUser, roundId: number, teamId: number) {
  const round = await requireCaseRound(db, user, roundId);
  const team = (await caseRoundTeams(db, user, roundId)).find((t) => t.id === teamId);
  if (!team) throw notFound('team');
  const version = await getQuestionnaireVersion(db, round.questionnaire_version_id);
  const rules = standardsOf(version);
  const { audits } = await roundAudits(db, user, round, version, { teamId });
  const topics = [...new Map(rules.map((r) => [r.topic, r.topicTitle])).entries()];
  const own = await latestSelfAssessment(db, user, teamId, new Set(topics.map(([id]) => id)));
  const ownQuestions = own ? [...own.version.catalogue.values()].sort((a, b) => a.position - b.position) : [];
  return {
    team: { id: team.id, name: team.name, areaName: team.area_name },
    audits: audits.length,
    selfAssessment: own
      ? {
          responseId: own.id,
          roundId: own.round_id,
          roundName: own.round_name,
          questionnaire: own.version.title,
          version: own.version.version,
          submittedAt: own.submitted_at?.toISOString() ?? null,
        }
      : null,
    topics: topics.map(([id, title]) => {
      const standards = rules.filter((r) => r.topic === id).map((rule) => ({ ...standardOf(rule), tally: tallyOf(rule, audits) }));
      return {
        id,
        title,
        audit: pooled(standards.map((s) => s.tally)),
        standards,
        selfAssessment: ownQuestions.filter((q) => q.topic === id).map((q) => ({ question: q.name, title: q.title, lines: answerLines(q, own!.data[q.name]) })),
      };
    }),
  };
}

export type SelfAssessmentComparison = Awaited<ReturnType<typeof selfAssessmentComparison>>;

// ---------------------------------------------------------------------------------------------------------------
// Year on year

/** The round and the earlier case rounds it follows (the annual repeats) that the user may see, oldest first. */
async function caseRoundChain(db: Executor, user: CurrentUser, round: VisibleRound): Promise<VisibleRound[]> {
  const chain = [round];
  const seen = new Set([round.id]);
  let current = round;
  while (current.follows_round_id !== null && !seen.has(current.follows_round_id)) {
    const earlier = await findVisibleRound(db, user, current.follows_round_id);
    if (!earlier || earlier.subject !== 'case') break;
    chain.unshift(earlier);
    seen.add(earlier.id);
    current = earlier;
  }
  return chain;
}

/** One round's figures for one slice of the cases (all, an area, a team type). */
export type TrendCell = { audits: number; standards: Array<StandardTally | null>; allStandards: StandardTally; grades: GradeCounts | null };

type RoundData = { round: VisibleRound; version: VersionInfo; stable: Map<string, string>; audits: CountedAudit[] };

/** A standard followed across rounds: `key` is its stable name (the same through renames), the rest as the newest round asks it. */
export type TrendStandard = Standard & { key: string };

/** The standards across the rounds, in the newest round's order, then those only earlier versions asked. */
function trendStandards(rounds: RoundData[]): TrendStandard[] {
  const standards = new Map<string, TrendStandard>();
  for (const data of [...rounds].reverse()) {
    for (const rule of standardsOf(data.version)) {
      const key = data.stable.get(rule.question) ?? rule.question;
      if (!standards.has(key)) standards.set(key, { key, ...standardOf(rule) });
    }
  }
  return [...standards.values()];
}

/** The grades across the rounds: the newest scale, then any grade only an earlier version offered. */
function trendGrades(rounds: RoundData[]): GradeChoice[] {
  const choices: GradeChoice[] = [];
  for (const data of [...rounds].reverse()) {
    for (const c of data.version.roles.get('case-grade')?.detail.choices ?? []) if (!choices.some((d) => d.value === c.value)) choices.push(c);
  }
  return choices;
}

function trendCell(data: RoundData, standards: TrendStandard[], grades: GradeChoice[], audits: CountedAudit[]): TrendCell {
  const rules = new Map(standardsOf(data.version).map((r) => [data.stable.get(r.question) ?? r.question, r]));
  const tallies = standards.map((s) => (rules.has(s.key) ? tallyOf(rules.get(s.key)!, audits) : null));
  const grade = data.version.roles.get('case-grade');
  return {
    audits: audits.length,
    standards: tallies,
    allStandards: pooled(tallies.filter((t): t is StandardTally => t !== null)),
    grades: grade ? gradeCounts(grade, grades, audits) : null,
  };
}

/**
 * Year on year: the round and the earlier case rounds it repeats, each with every standard's share met and the
 * grades, for all the teams the user reviews, each area and each team type. A standard is followed through renames
 * (the version mapping); a round whose version lacks it shows none.
 */
export async function caseTrend(db: Executor, user: CurrentUser, roundId: number) {
  const round = await requireCaseRound(db, user, roundId);
  const rounds: RoundData[] = [];
  for (const r of await caseRoundChain(db, user, round)) {
    const version = await getQuestionnaireVersion(db, r.questionnaire_version_id);
    const [stable, { audits }] = await Promise.all([stableNames(db, version.id), roundAudits(db, user, r, version)]);
    rounds.push({ round: r, version, stable, audits });
  }
  const standards = trendStandards(rounds);
  const grades = trendGrades(rounds);
  const all = rounds.flatMap((r) => r.audits);
  const slices = [
    { key: 'all', label: 'All teams', pick: () => true },
    ...areaGroups(all).map((g) => ({ key: `area-${g.key}`, label: g.label, pick: (a: CountedAudit) => String(a.areaId) === g.key })),
    ...teamTypeGroups(all).map((g) => ({ key: `type-${g.key}`, label: g.label, pick: (a: CountedAudit) => a.teamType === g.key })),
  ];
  return {
    round: describeCaseRound(round),
    rounds: rounds.map((r) => ({ id: r.round.id, name: r.round.name, dueDate: r.round.due_date, version: r.version.version, audits: r.audits.length })),
    standards,
    grades,
    slices: slices.map((slice) => ({
      key: slice.key,
      label: slice.label,
      kind: slice.key === 'all' ? ('all' as const) : slice.key.startsWith('area-') ? ('area' as const) : ('teamType' as const),
      rounds: rounds.map((r) => trendCell(r, standards, grades, r.audits.filter(slice.pick))),
    })),
  };
}

export type CaseTrend = Awaited<ReturnType<typeof caseTrend>>;
