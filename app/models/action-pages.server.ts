import { z } from 'zod';
import type { Executor } from '../../db/index';
import type { ActionSource } from '../../db/schema';
import { canReviewArea, canSeeResponse, responseVisibleTo, reviewedAreaIds, reviewsActions } from './access.server';
import {
  ACTION_SOURCE_LABELS,
  ACTION_STATUS_LABELS,
  actionDetail,
  actionRef,
  actionRegister,
  countProposals,
  listProposals,
  REGISTER_PAGE_SIZE,
  type RegisterFilter,
} from './actions.server';
import { ACTION_STATUSES } from './action-fields.server';
import { topicInfo } from './aggregation.server';
import { notFound } from './errors.server';
import { idFieldSchema } from './ids';
import { listAreas, roundTeamChoices, teamChoices } from './organisation.server';
import type { CurrentUser } from './users.server';

/**
 * What the action register's pages show (app/routes/actions.*), gathered from the register's domain code
 * (actions.server.ts): its options, the links to the answers and audits actions rest on, and the choices of the
 * update, decision and new-action forms. Who sees what is decided there and in access.server.ts, not here.
 */

export type Option = { value: string; label: string };

/** The register's status filter: the four statuses and "open or in progress" (`active`). */
export const STATUS_OPTIONS: Option[] = [
  { value: 'active', label: 'Open or in progress' },
  ...ACTION_STATUSES.map((status) => ({ value: status, label: ACTION_STATUS_LABELS[status] })),
];
export const SOURCE_OPTIONS: Option[] = (Object.keys(ACTION_SOURCE_LABELS) as ActionSource[]).map((source) => ({
  value: source,
  label: ACTION_SOURCE_LABELS[source],
}));

/** The topics actions can be filed under: those of the published questionnaires, with their titles (surveys/topics.json). */
export async function actionTopics(db: Executor): Promise<Option[]> {
  const rows = await db.selectFrom('version_questions').select('topic').distinct().execute();
  return rows.map((r) => ({ value: r.topic, label: topicInfo(r.topic).title })).sort((a, b) => a.label.localeCompare(b.label, 'en-GB'));
}

/** Where a response is read: a case audit on its audit page; a team's return on the review page for its reviewers, else the manager's page. */
export function responseHref(user: CurrentUser, response: { id: number; subject: 'team' | 'case'; area_id: number }): string {
  if (response.subject === 'case') return `/audits/${response.id}`;
  return canReviewArea(user, response.area_id) ? `/review/responses/${response.id}` : `/responses/${response.id}`;
}

/** The responses named by ids, as links for the user: the ones they may see, with what each is. */
async function responseLinks(db: Executor, user: CurrentUser, ids: number[]) {
  const wanted = [...new Set(ids)];
  if (!wanted.length) return new Map<number, { href: string; label: string }>();
  const rows = await db
    .selectFrom('responses as s')
    .innerJoin('rounds as r', 'r.id', 's.round_id')
    .innerJoin('teams as t', 't.id', 's.team_id')
    .leftJoin('audit_cases as c', 'c.id', 's.case_id')
    .select([
      's.id',
      's.team_id',
      's.status',
      's.auditor_id',
      's.moderation_of',
      'r.subject',
      'r.name as round_name',
      't.area_id',
      't.name as team_name',
      'c.reference as case_reference',
    ])
    .where('s.id', 'in', wanted)
    .execute();
  const links = new Map<number, { href: string; label: string }>();
  for (const row of rows) {
    if (!canSeeResponse(user, row)) continue;
    links.set(row.id, { href: responseHref(user, row), label: responseLabel(row) });
  }
  return links;
}

function responseLabel(row: { subject: 'team' | 'case'; round_name: string; team_name: string; case_reference: string | null; status: string }): string {
  const status = row.status.replace('_', ' ');
  return row.subject === 'case'
    ? `${row.round_name}: audit of case ${row.case_reference ?? '(no reference)'} (${status})`
    : `${row.round_name}: ${row.team_name}’s return (${status})`;
}

// ---------------------------------------------------------------------------------------------------------------
// The register

/** The register page: the register for the user's scope and the filter's choices. */
export async function registerPage(db: Executor, user: CurrentUser, filter: RegisterFilter) {
  const reviewer = reviewsActions(user);
  const reviewed = reviewedAreaIds(user);
  const [register, choices, allAreas, topics, waiting] = await Promise.all([
    actionRegister(db, user, filter),
    teamChoices(db, user, filter.area),
    reviewer ? listAreas(db) : Promise.resolve([]),
    actionTopics(db),
    countProposals(db, user),
  ]);
  const areas = allAreas.filter((a) => reviewed === 'all' || reviewed.includes(a.id));
  const from = register.total === 0 ? 0 : (register.page - 1) * REGISTER_PAGE_SIZE + 1;
  return {
    register: {
      ...register,
      actions: register.actions.map((a) => ({ ...a, ref: actionRef(a.id) })),
      pageInfo: { number: register.page, count: register.pages, total: register.total, from, to: from === 0 ? 0 : from + register.actions.length - 1 },
    },
    options: {
      areas: areas.map((a) => ({ value: String(a.id), label: a.name })),
      teams: choices.teams.map((t) => ({ value: String(t.id), label: reviewer ? `${t.name} (${t.area_name})` : t.name })),
      teamsByArea: choices.byArea,
      statuses: STATUS_OPTIONS,
      sources: SOURCE_OPTIONS,
      topics,
    },
    reviewer,
    proposalsWaiting: waiting,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// One action

const EVIDENCE_CHOICES = 100;

/**
 * One action's page: the action with its trail and sources (actionDetail: the same 404 for another team's action as
 * for a missing one), links to the responses and audits it rests on, and the responses of its team the user may choose
 * as evidence.
 */
export async function actionPage(db: Executor, user: CurrentUser, actionId: number) {
  const detail = await actionDetail(db, user, actionId);
  const { action } = detail;
  const links = await responseLinks(db, user, [
    ...(action.source_response_id ? [action.source_response_id] : []),
    ...detail.sources.map((s) => s.response_id),
    ...detail.updates.flatMap((u) => (u.evidence_response_id ? [u.evidence_response_id] : [])),
  ]);
  // A case-audit finding names its standard: the audit's question, by its wording.
  const standard =
    action.source === 'case-audit' && action.source_response_id && action.source_question
      ? await db
          .selectFrom('responses as s')
          .innerJoin('version_questions as vq', (join) => join.onRef('vq.version_id', '=', 's.questionnaire_version_id'))
          .select('vq.title')
          .where('s.id', '=', action.source_response_id)
          .where('vq.name', '=', action.source_question)
          .executeTakeFirst()
      : undefined;
  const evidence =
    detail.canChange && action.team_id !== null
      ? await db
          .selectFrom('responses as s')
          .innerJoin('rounds as r', 'r.id', 's.round_id')
          .innerJoin('teams as t', 't.id', 's.team_id')
          .leftJoin('audit_cases as c', 'c.id', 's.case_id')
          .select(['s.id', 's.status', 'r.subject', 'r.name as round_name', 't.name as team_name', 'c.reference as case_reference'])
          .where('s.team_id', '=', action.team_id)
          .where('s.moderation_of', 'is', null)
          .where(responseVisibleTo(user))
          .orderBy('s.id', 'desc')
          .limit(EVIDENCE_CHOICES)
          .execute()
      : [];
  const link = (id: number | null) => (id ? (links.get(id) ?? { href: null, label: `Response ${id} (not one you can see)` }) : null);
  return {
    action: {
      ...action,
      ref: actionRef(action.id),
      topic_title: action.topic ? topicInfo(action.topic).title : null,
      source_link: link(action.source_response_id),
      standard: standard?.title ?? null,
    },
    sources: detail.sources.map((s) => ({ ...s, link: link(s.response_id) })),
    updates: detail.updates.map((u) => ({ ...u, evidence: link(u.evidence_response_id) })),
    canChange: detail.canChange,
    evidenceChoices: evidence.map((e) => ({ value: String(e.id), label: responseLabel(e) })),
    statuses: ACTION_STATUSES.map((status) => ({ value: status, label: ACTION_STATUS_LABELS[status] })),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Proposals

/** The proposals page: what waits for the reviewer, one group per team, each with the team's open actions to merge into. */
export async function proposalsPage(db: Executor, user: CurrentUser) {
  const { proposals, mergeTargets } = await listProposals(db, user);
  const teams = new Map<number, { teamId: number; teamName: string; areaName: string; proposals: typeof proposals; mergeTargets: Option[] }>();
  for (const p of proposals) {
    let team = teams.get(p.team_id);
    if (!team) {
      team = {
        teamId: p.team_id,
        teamName: p.team_name,
        areaName: p.area_name,
        proposals: [],
        mergeTargets: mergeTargets
          .filter((a) => a.team_id === p.team_id)
          .map((a) => ({ value: String(a.id), label: `${actionRef(a.id)}: ${a.title.length > 120 ? `${a.title.slice(0, 119)}…` : a.title}` })),
      };
      teams.set(p.team_id, team);
    }
    team.proposals.push(p);
  }
  return {
    total: proposals.length,
    teams: [...teams.values()].map((t) => ({
      ...t,
      proposals: t.proposals.map((p) => ({
        ...p,
        duplicate_ref: p.duplicateOf ? actionRef(p.duplicateOf) : null,
        topic_title: p.topic ? topicInfo(p.topic).title : null,
        response_href: `/review/responses/${p.response_id}`,
      })),
    })),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Raising an action

export const newActionQuerySchema = z
  .object({
    area: idFieldSchema('area must be an area id').optional(),
    audit: idFieldSchema('audit must be the number of a case-file audit').optional(),
  })
  .strict();

/**
 * The new-action page: the teams the reviewer may raise an action for (those of one area at a time when there are
 * many), whether they may raise one for the whole authority, the topics, and the case-file audit a finding comes from
 * with its standards (an audit they cannot see, or a response that is not an audit, is said on the page).
 */
export async function newActionPage(db: Executor, user: CurrentUser, query: z.infer<typeof newActionQuerySchema>) {
  const [choices, topics] = await Promise.all([roundTeamChoices(db, user, query.area), actionTopics(db)]);
  let audit: {
    id: number;
    teamName: string;
    roundName: string;
    caseReference: string | null;
    href: string;
    standards: Option[];
  } | null = null;
  let auditProblem: string | null = null;
  if (query.audit) {
    const row = await db
      .selectFrom('responses as s')
      .innerJoin('rounds as r', 'r.id', 's.round_id')
      .innerJoin('teams as t', 't.id', 's.team_id')
      .leftJoin('audit_cases as c', 'c.id', 's.case_id')
      .select([
        's.id',
        's.team_id',
        's.status',
        's.auditor_id',
        's.moderation_of',
        's.questionnaire_version_id',
        'r.subject',
        'r.name as round_name',
        't.area_id',
        't.name as team_name',
        'c.reference as case_reference',
      ])
      .where('s.id', '=', query.audit)
      .executeTakeFirst();
    if (!row || !canSeeResponse(user, row)) auditProblem = notFound('response').message;
    else if (row.subject !== 'case') auditProblem = `Response ${row.id} is a team’s return, not a case-file audit.`;
    else {
      const questions = await db
        .selectFrom('version_questions')
        .select(['name', 'title'])
        .where('version_id', '=', row.questionnaire_version_id)
        .orderBy('position')
        .execute();
      audit = {
        id: row.id,
        teamName: row.team_name,
        roundName: row.round_name,
        caseReference: row.case_reference,
        href: responseHref(user, row),
        standards: questions.map((q) => ({ value: q.name, label: q.title })),
      };
    }
  }
  return {
    areas: choices.areas.map((a) => ({ value: String(a.id), label: `${a.name} (${a.teams} teams)` })),
    teams: choices.teams.map((t) => ({ value: String(t.id), label: `${t.name} (${t.area_name})` })),
    teamsByArea: choices.byArea,
    area: query.area ?? null,
    forAuthority: user.isAdmin || user.reviewerAreaIds === 'all',
    topics,
    audit,
    auditProblem,
  };
}
