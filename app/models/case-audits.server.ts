import { createHash, randomInt } from 'node:crypto';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Executor } from '../../db/index';
import { jsonb } from '../../db/json';
import type { StoredSampleRule } from '../../db/schema';
import { hasPermission } from '~/utils/permissions';
import { canAuditTeam, canManageTeam, canReviewArea, teamAuditedBy, teamManagedBy, teamReviewedBy } from './access.server';
import { agreementOf, type Agreement } from './agreement.server';
import { recordAudit } from './audit.server';
import { drawSample, parseCaseList, type CaseListError, type CaseRecord, type SampleRule, type TeamSample } from './case-sampling.server';
import type { CatalogueQuestion } from './catalogue.server';
import { conflict, forbidden, invalid, notFound } from './errors.server';
import { getQuestionnaireVersion, type VersionInfo } from './questionnaires.server';
import { requireVisibleResponse } from './responses.server';
import { createRoundForUser, isoDateSchema, requireVisibleRound, type VisibleRound } from './rounds.server';
import type { CurrentUser } from './users.server';
import { checkDataValue, progressOf, resolveDataKey, type AnswerError } from './validation.server';

/**
 * Case-file audits (issue 12, docs/case-audits.md, decision 020): a case round's cases, their sample, the auditors who
 * take the audits on, the team managers' written responses, and moderation (a second, blind audit of a share of the
 * completed ones, the agreement between the two and the reviewer's moderated answer). The audits themselves are
 * responses (one per sampled case): saving, submitting, returning and their history work as for a team's return.
 */

// ---------------------------------------------------------------------------------------------------------------
// The round and its cases (reviewers)

/** A case round the user reviews (404 as for any round otherwise; 409 for a round about teams). */
export async function requireCaseRound(db: Executor, user: CurrentUser, roundId: number): Promise<VisibleRound> {
  const round = await requireVisibleRound(db, user, roundId);
  if (round.subject !== 'case') throw conflict(`${round.name} is a round of team returns, not of case-file audits.`);
  return round;
}

function requireRoundManager(user: CurrentUser) {
  if (!hasPermission(user, 'round:manage')) throw forbidden('Only reviewers and administrators can manage case samples and moderation.');
}

/** The round's teams that the user reviews, by name. */
export async function caseRoundTeams(db: Executor, user: CurrentUser, roundId: number) {
  return db
    .selectFrom('round_teams as rt')
    .innerJoin('teams as t', 't.id', 'rt.team_id')
    .innerJoin('areas as a', 'a.id', 't.area_id')
    .select(['t.id', 't.name', 't.slug', 't.area_id', 't.team_type', 'a.name as area_name'])
    .where('rt.round_id', '=', roundId)
    .where(teamReviewedBy(user))
    .orderBy('t.name')
    .execute();
}

export type CaseUploadResult = { ok: true; added: number } | { ok: false; errors: CaseListError[] };

/**
 * Adds an uploaded case list (one CSV for the round, or one for a team) to the cases the round's teams offer. Nothing
 * is added unless every line is valid: a bad line, a team outside the round or the user's areas, or a case the round
 * already holds is named by its line.
 */
export async function uploadCases(
  db: Executor,
  user: CurrentUser,
  roundId: number,
  input: { text: string; teamId?: number },
  today = new Date().toISOString().slice(0, 10),
): Promise<CaseUploadResult> {
  requireRoundManager(user);
  return db.transaction().execute(async (trx) => {
    await lockRound(trx, roundId);
    await requireCaseRound(trx, user, roundId);
    const teams = await caseRoundTeams(trx, user, roundId);
    if (input.teamId !== undefined && !teams.some((t) => t.id === input.teamId))
      throw notFound('team', [{ path: 'teamId', message: 'is not a team of this round' }]);
    const parsed = parseCaseList(input.text, { teams, today, onlyTeamId: input.teamId });
    if (!parsed.ok) return parsed;
    const existing = await trx.selectFrom('audit_cases').select(['team_id', 'reference']).where('round_id', '=', roundId).execute();
    const known = new Set(existing.map((c) => `${c.team_id}\u0000${c.reference.toLowerCase()}`));
    const clashes = parsed.cases
      .map((c, i) => ({ reference: c.reference, line: parsed.lines[i], held: known.has(`${c.teamId}\u0000${c.reference.toLowerCase()}`) }))
      .filter((c) => c.held);
    if (clashes.length) {
      return { ok: false, errors: clashes.map((c) => ({ line: c.line, message: `Case ${c.reference} is already in this round's list for its team.` })) };
    }
    await trx
      .insertInto('audit_cases')
      .values(
        parsed.cases.map((c) => ({
          round_id: roundId,
          team_id: c.teamId,
          reference: c.reference,
          kind: c.kind,
          worker: c.worker,
          opened_on: c.openedOn,
          added_by: user.id,
        })),
      )
      .execute();
    await recordAudit(trx, {
      actorId: user.id,
      action: 'cases.upload',
      entityType: 'round',
      entityId: roundId,
      details: { cases: parsed.cases.length, teamId: input.teamId ?? null },
    });
    return { ok: true, added: parsed.cases.length };
  });
}

async function lockRound(trx: Executor, roundId: number) {
  if (Number.isSafeInteger(roundId) && roundId > 0) await trx.selectFrom('rounds').select('id').where('id', '=', roundId).forUpdate().execute();
}

export const sampleRuleSchema = z
  .object({
    seed: z.string().trim().min(1, 'state a seed (any words or numbers), so the sample can be drawn again').max(100, 'at most 100 characters'),
    count: z.coerce.number().int().min(1, 'at least 1').max(500, 'at most 500').optional(),
    share: z.coerce.number().gt(0, 'more than 0%').max(100, 'at most 100%').optional(),
    stratifyByKind: z.boolean().default(false),
  })
  .refine((rule) => (rule.count === undefined) !== (rule.share === undefined), {
    message: 'give either a number of cases or a share per team',
    path: ['count'],
  });

export function toSampleRule(input: z.infer<typeof sampleRuleSchema>): StoredSampleRule {
  return {
    seed: input.seed,
    size: input.count !== undefined ? { count: input.count } : { share: input.share! / 100 },
    stratifyByKind: input.stratifyByKind,
  };
}

/** The cases still in the pool (not yet sampled) and those already sampled, of the teams the user reviews. */
async function poolOf(db: Executor, user: CurrentUser, roundId: number) {
  const rows = await db
    .selectFrom('audit_cases as c')
    .innerJoin('teams as t', 't.id', 'c.team_id')
    .select(['c.id', 'c.team_id', 'c.reference', 'c.kind', 'c.worker', 'c.opened_on', 'c.selected'])
    .where('c.round_id', '=', roundId)
    .where(teamReviewedBy(user))
    .execute();
  const toRecord = (c: (typeof rows)[number]): CaseRecord & { id: number } => ({
    id: c.id,
    teamId: c.team_id,
    reference: c.reference,
    kind: c.kind,
    worker: c.worker,
    openedOn: c.opened_on === null ? null : String(c.opened_on).slice(0, 10),
  });
  return { open: rows.filter((c) => c.selected === null).map(toRecord), sampled: rows.filter((c) => c.selected !== null).map(toRecord) };
}

export type SamplePreview = { rule: StoredSampleRule; teams: Array<TeamSample & { teamName: string }>; total: number; fingerprint: string };

/** The sample a rule would draw now, shown before it is confirmed. Nothing is written. */
export async function previewSample(db: Executor, user: CurrentUser, roundId: number, rule: SampleRule): Promise<SamplePreview> {
  requireRoundManager(user);
  await requireCaseRound(db, user, roundId);
  return drawFromPool(db, user, roundId, rule);
}

async function drawFromPool(db: Executor, user: CurrentUser, roundId: number, rule: SampleRule): Promise<SamplePreview> {
  const [pool, teams] = await Promise.all([poolOf(db, user, roundId), caseRoundTeams(db, user, roundId)]);
  const names = new Map(teams.map((t) => [t.id, t.name]));
  const drawn = drawSample(pool.open, rule, pool.sampled);
  const total = drawn.reduce((sum, team) => sum + team.cases.length, 0);
  const fingerprint = createHash('sha256')
    .update(JSON.stringify(drawn.map((t) => [t.teamId, t.cases.map((c) => c.reference)])))
    .digest('hex')
    .slice(0, 16);
  return { rule, teams: drawn.map((t) => ({ ...t, teamName: names.get(t.teamId) ?? `Team ${t.teamId}` })), total, fingerprint };
}

/**
 * Confirms a sample: draws it again (the same seed, rule and cases give the same sample), refuses when it is not the
 * one the reviewer saw (the cases changed in between), records the draw and its rule, and opens one audit per case.
 */
export async function confirmSample(db: Executor, user: CurrentUser, roundId: number, rule: SampleRule, fingerprint: string) {
  requireRoundManager(user);
  return db.transaction().execute(async (trx) => {
    await lockRound(trx, roundId);
    const round = await requireCaseRound(trx, user, roundId);
    if (round.status === 'closed') throw conflict('The round is closed: reopen it to sample cases.');
    const preview = await drawFromPool(trx, user, roundId, rule);
    if (preview.fingerprint !== fingerprint) {
      throw conflict('The cases changed since the sample was shown: look at the new sample before confirming it.', { reason: 'stale' });
    }
    if (!preview.total) throw invalid('The rule draws no cases: upload the teams’ cases first.', { errors: [{ path: 'seed', message: 'draws no cases' }] });
    const draw = await trx
      .insertInto('case_draws')
      .values({ round_id: roundId, rule: jsonb(rule), teams: preview.teams.length, cases: preview.total, drawn_by: user.id })
      .returning('id')
      .executeTakeFirstOrThrow();
    const ids = await trx
      .updateTable('audit_cases')
      .set({ selected: 'drawn', draw_id: draw.id })
      .where('round_id', '=', roundId)
      .where('selected', 'is', null)
      .where(
        sql<boolean>`(team_id, lower(reference)) in (${sql.join(
          preview.teams.flatMap((t) => t.cases.map((c) => sql`(${t.teamId}::int, ${c.reference.toLowerCase()})`)),
        )})`,
      )
      .returning(['id', 'team_id'])
      .execute();
    await openAudits(trx, round, ids);
    await trx
      .updateTable('rounds')
      .set({ sample_rule: jsonb(rule) })
      .where('id', '=', roundId)
      .execute();
    await recordAudit(trx, {
      actorId: user.id,
      action: 'cases.sample',
      entityType: 'round',
      entityId: roundId,
      details: { drawId: draw.id, rule, cases: ids.length },
    });
    return { drawId: draw.id, cases: ids.length };
  });
}

async function openAudits(trx: Executor, round: Pick<VisibleRound, 'id' | 'questionnaire_version_id'>, cases: Array<{ id: number; team_id: number }>) {
  if (!cases.length) return;
  const version = await getQuestionnaireVersion(trx, round.questionnaire_version_id);
  const empty = progressOf(version, {});
  await trx
    .insertInto('responses')
    .values(
      cases.map((c) => ({
        round_id: round.id,
        team_id: c.team_id,
        case_id: c.id,
        questionnaire_version_id: round.questionnaire_version_id,
        answerable_count: empty.answerable,
      })),
    )
    .execute();
}

export const handCaseSchema = z.object({
  teamId: z.coerce.number().int().positive('choose a team'),
  reference: z.string().trim().min(1, 'give the case reference').max(40, 'at most 40 characters'),
  kind: z.enum(['child-protection-plan', 'looked-after', 'child-in-need', 'other'], { errorMap: () => ({ message: 'choose the kind of case' }) }),
  worker: z
    .string()
    .trim()
    .max(120)
    .transform((v) => v || null)
    .optional(),
  // An empty field is no date; a date must be one in the calendar (no 31 February) and not in the future.
  openedOn: z
    .string()
    .trim()
    .transform((v) => v || null)
    .pipe(isoDateSchema.refine((d) => d <= new Date().toISOString().slice(0, 10), 'the date opened is in the future').nullable())
    .optional(),
});

/** Adds a case to the sample by hand (a case the reviewer wants audited whatever the draw), and opens its audit. */
export async function addCaseByHand(db: Executor, user: CurrentUser, roundId: number, input: z.infer<typeof handCaseSchema>) {
  requireRoundManager(user);
  return db.transaction().execute(async (trx) => {
    await lockRound(trx, roundId);
    const round = await requireCaseRound(trx, user, roundId);
    if (round.status === 'closed') throw conflict('The round is closed: reopen it to add cases.');
    const teams = await caseRoundTeams(trx, user, roundId);
    if (!teams.some((t) => t.id === input.teamId)) throw notFound('team', [{ path: 'teamId', message: 'is not a team of this round' }]);
    const existing = await trx
      .selectFrom('audit_cases')
      .select(['id', 'selected'])
      .where('round_id', '=', roundId)
      .where('team_id', '=', input.teamId)
      .where(sql<boolean>`lower(reference) = ${input.reference.toLowerCase()}`)
      .executeTakeFirst();
    if (existing?.selected)
      throw conflict(`Case ${input.reference} is already in the sample.`, { errors: [{ path: 'reference', message: 'is already sampled' }] });
    const row = existing
      ? await trx.updateTable('audit_cases').set({ selected: 'hand' }).where('id', '=', existing.id).returning(['id', 'team_id']).executeTakeFirstOrThrow()
      : await trx
          .insertInto('audit_cases')
          .values({
            round_id: roundId,
            team_id: input.teamId,
            reference: input.reference,
            kind: input.kind,
            worker: input.worker ?? null,
            opened_on: input.openedOn ?? null,
            selected: 'hand',
            added_by: user.id,
          })
          .returning(['id', 'team_id'])
          .executeTakeFirstOrThrow();
    await openAudits(trx, round, [row]);
    await recordAudit(trx, {
      actorId: user.id,
      action: 'cases.add',
      entityType: 'round',
      entityId: roundId,
      details: { teamId: input.teamId, reference: input.reference },
    });
    return row;
  });
}

/** A case round at a glance: per team the cases offered and sampled, and every sampled case with its audits. */
export async function caseRoundOverview(db: Executor, user: CurrentUser, roundId: number) {
  const round = await requireCaseRound(db, user, roundId);
  const [teams, pool, audits, draws] = await Promise.all([
    caseRoundTeams(db, user, roundId),
    db
      .selectFrom('audit_cases as c')
      .innerJoin('teams as t', 't.id', 'c.team_id')
      .select(['c.team_id', (eb) => eb.fn.countAll<number>().as('offered'), (eb) => eb.fn.count<number>('c.selected').as('sampled')])
      .where('c.round_id', '=', roundId)
      .where(teamReviewedBy(user))
      .groupBy('c.team_id')
      .execute(),
    auditRows(db).where('s.round_id', '=', roundId).where(teamReviewedBy(user)).orderBy('t.name').orderBy('c.reference').orderBy('s.id').execute(),
    db
      .selectFrom('case_draws as d')
      .leftJoin('users as u', 'u.id', 'd.drawn_by')
      .select(['d.id', 'd.rule', 'd.teams', 'd.cases', 'd.drawn_at', 'u.name as drawn_by_name'])
      .where('d.round_id', '=', roundId)
      .orderBy('d.id')
      .execute(),
  ]);
  const counts = new Map(pool.map((p) => [p.team_id, { offered: Number(p.offered), sampled: Number(p.sampled) }]));
  const firsts = audits.filter((a) => a.moderation_of === null);
  const seconds = new Map(audits.filter((a) => a.moderation_of !== null).map((a) => [a.moderation_of!, a]));
  return {
    round,
    teams: teams.map((t) => ({ ...t, offered: counts.get(t.id)?.offered ?? 0, sampled: counts.get(t.id)?.sampled ?? 0 })),
    audits: firsts.map((a) => ({ ...a, second: seconds.get(a.id) ?? null })),
    draws,
  };
}

/** Case audits (responses of case rounds) with their case, team, round and auditor. */
function auditRows(db: Executor) {
  return db
    .selectFrom('responses as s')
    .innerJoin('audit_cases as c', 'c.id', 's.case_id')
    .innerJoin('teams as t', 't.id', 's.team_id')
    .innerJoin('areas as a', 'a.id', 't.area_id')
    .innerJoin('rounds as r', 'r.id', 's.round_id')
    .leftJoin('users as au', 'au.id', 's.auditor_id')
    .select([
      's.id',
      's.status',
      's.answered_count',
      's.answerable_count',
      's.updated_at',
      's.submitted_at',
      's.moderation_of',
      's.auditor_id',
      'au.name as auditor_name',
      'c.reference',
      'c.kind',
      'c.worker',
      'c.selected',
      't.id as team_id',
      't.name as team_name',
      'a.name as area_name',
      'r.id as round_id',
      'r.name as round_name',
      'r.status as round_status',
      'r.due_date',
    ]);
}

/** The case rounds the user reviews, newest first, with their audits' progress. */
export async function listCaseRounds(db: Executor, user: CurrentUser) {
  const rows = await db
    .selectFrom('rounds as r')
    .innerJoin('questionnaire_versions as v', 'v.id', 'r.questionnaire_version_id')
    .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
    .select((eb) => [
      'r.id',
      'r.name',
      'r.status',
      'r.due_date',
      'r.repeat_months',
      'q.title as questionnaire_title',
      'v.version',
      eb
        .selectFrom('responses as s')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('s.round_id', '=', 'r.id')
        .where('s.moderation_of', 'is', null)
        .as('audits'),
      eb
        .selectFrom('responses as s')
        .select((e) => e.fn.countAll<number>().as('n'))
        .whereRef('s.round_id', '=', 'r.id')
        .where('s.moderation_of', 'is', null)
        .where('s.status', '=', 'submitted')
        .as('completed'),
    ])
    .where('r.subject', '=', 'case')
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom('round_teams as rt')
          .innerJoin('teams as t', 't.id', 'rt.team_id')
          .select('rt.team_id')
          .whereRef('rt.round_id', '=', 'r.id')
          .where(teamReviewedBy(user)),
      ),
    )
    .orderBy('r.created_at', 'desc')
    .orderBy('r.id', 'desc')
    .execute();
  return rows.map((r) => ({ ...r, audits: Number(r.audits ?? 0), completed: Number(r.completed ?? 0) }));
}

// ---------------------------------------------------------------------------------------------------------------
// Auditors and managers

/**
 * What the user has to do or read on the case audits page: as an auditor, the audits they are doing and those in
 * their scope nobody has taken on (never their own team's); as a team manager, their teams' completed audits.
 */
export async function listAuditWork(db: Executor, user: CurrentUser) {
  const [audits, teamAudits] = await Promise.all([
    user.auditorAreaIds
      ? auditRows(db)
          .where(teamAuditedBy(user))
          .where((eb) => eb.or([eb('s.auditor_id', '=', user.id), eb('s.auditor_id', 'is', null)]))
          .orderBy('r.due_date')
          .orderBy('t.name')
          .orderBy('c.reference')
          .execute()
      : [],
    user.managedTeamIds.length
      ? auditRows(db)
          .select((eb) =>
            eb
              .selectFrom('audit_replies as ar')
              .select((e) => e.fn.countAll<number>().as('n'))
              .whereRef('ar.response_id', '=', 's.id')
              .as('replies'),
          )
          .where(teamManagedBy(user))
          .where('s.status', '=', 'submitted')
          .where('s.moderation_of', 'is', null)
          .orderBy('s.submitted_at', 'desc')
          .execute()
      : [],
  ]);
  return {
    mine: audits.filter((a) => a.auditor_id === user.id),
    available: audits.filter((a) => a.auditor_id === null && a.round_status === 'open'),
    teamAudits: teamAudits.map((a) => ({ ...a, replies: Number(a.replies ?? 0) })),
  };
}

/** An auditor takes on an audit nobody is doing: from then on only they change it, and other auditors no longer see it. */
export async function takeOnAudit(db: Executor, user: CurrentUser, responseId: number) {
  return db.transaction().execute(async (trx) => {
    const response = await requireVisibleResponse(trx, user, responseId, { forUpdate: true });
    if (response.subject !== 'case' || !canAuditTeam(user, { id: response.team_id, area_id: response.area_id })) {
      throw forbidden('Only an auditor of the team’s area, who does not manage the team, can take this audit on.');
    }
    if (response.auditor_id === user.id) return { changed: false };
    if (response.auditor_id !== null) throw conflict('Another auditor has already taken this audit on.');
    if (response.round_status === 'closed') throw conflict('The round is closed: its audits can no longer be taken on.');
    await trx.updateTable('responses').set({ auditor_id: user.id }).where('id', '=', responseId).execute();
    await recordAudit(trx, { actorId: user.id, action: 'audit.take', entityType: 'response', entityId: responseId });
    return { changed: true };
  });
}

export const replySchema = z.object({
  stance: z.enum(['agree', 'partly', 'disagree'], { errorMap: () => ({ message: 'say whether you agree, partly agree or disagree' }) }),
  body: z.string().trim().min(1, 'write your response').max(4000, 'at most 4,000 characters'),
});

/** A team manager's written response to a completed audit of one of their team's cases (kept, never edited). */
export async function addAuditReply(db: Executor, user: CurrentUser, responseId: number, input: z.infer<typeof replySchema>) {
  return db.transaction().execute(async (trx) => {
    const response = await requireVisibleResponse(trx, user, responseId, { forUpdate: true });
    if (response.subject !== 'case' || response.moderation_of !== null || !canManageTeam(user, response.team_id)) {
      throw forbidden('Only the team’s managers can respond to an audit of its case.');
    }
    if (response.status !== 'submitted') throw conflict('The audit is not complete: respond once the auditor has submitted it.');
    const reply = await trx
      .insertInto('audit_replies')
      .values({ response_id: responseId, stance: input.stance, body: input.body, author_id: user.id })
      .returning(['id', 'created_at'])
      .executeTakeFirstOrThrow();
    await recordAudit(trx, { actorId: user.id, action: 'audit.reply', entityType: 'response', entityId: responseId, details: { stance: input.stance } });
    return reply;
  });
}

/** One answer as people read it: choice texts for values, "Yes"/"No", lists joined. */
export function answerText(question: CatalogueQuestion | undefined, value: unknown): string {
  if (value === undefined || value === null || value === '') return '';
  const choices = question?.detail.choices ?? [];
  const one = (v: unknown): string => {
    if (question?.type === 'boolean') {
      const [yes, no] = question.detail.booleanValues ?? [true, false];
      if (v === yes) return 'Yes';
      if (v === no) return 'No';
    }
    const choice = choices.find((c) => c.value === v);
    if (choice) return choice.text;
    if (v && typeof v === 'object') return JSON.stringify(v);
    return String(v);
  };
  if (Array.isArray(value)) {
    if (value.every((v) => v && typeof v === 'object' && !Array.isArray(v))) {
      return value.map((row) => Object.values(row as Record<string, unknown>).join(' · ')).join('; ');
    }
    return value.map(one).join(', ');
  }
  return one(value);
}

/** The answered questions of a version in order, page by page (with the page's title), each with its answer's text. */
function answerList(version: VersionInfo, data: Record<string, unknown>) {
  const pages = (version.definition.pages ?? []) as Array<{ name?: string; title?: string }>;
  const titles = new Map(pages.map((p) => [p.name ?? '', p.title ?? p.name ?? '']));
  const answers = [...version.catalogue.values()]
    .sort((a, b) => a.position - b.position)
    .map((q) => ({ name: q.name, title: q.title, page: q.page, text: answerText(q, data[q.name]) }))
    .filter((q) => q.text !== '');
  const pageNames = [...new Set(answers.map((a) => a.page))];
  return pageNames.map((page) => ({ page, title: titles.get(page) || page, answers: answers.filter((a) => a.page === page) }));
}

/**
 * A case audit, read-only: the case, the answers, the team manager's responses, and (for reviewers) the second audit
 * and the moderated answers. The same 404 as a missing id for anyone who may not see it.
 */
export async function loadAuditView(db: Executor, user: CurrentUser, responseId: number) {
  const response = await requireVisibleResponse(db, user, responseId);
  if (response.subject !== 'case' || !response.case_id) throw notFound('response');
  const reviewer = canReviewArea(user, response.area_id);
  const [version, caseFile, replies, auditor, second] = await Promise.all([
    getQuestionnaireVersion(db, response.questionnaire_version_id),
    db.selectFrom('audit_cases').select(['reference', 'kind', 'worker', 'opened_on', 'selected']).where('id', '=', response.case_id).executeTakeFirstOrThrow(),
    db
      .selectFrom('audit_replies as ar')
      .leftJoin('users as u', 'u.id', 'ar.author_id')
      .select(['ar.id', 'ar.stance', 'ar.body', 'ar.created_at', 'u.name as author_name'])
      .where('ar.response_id', '=', response.moderation_of ?? response.id)
      .orderBy('ar.id')
      .execute(),
    response.auditor_id ? db.selectFrom('users').select('name').where('id', '=', response.auditor_id).executeTakeFirst() : undefined,
    reviewer && response.moderation_of === null
      ? db.selectFrom('responses').select(['id', 'status']).where('moderation_of', '=', response.id).executeTakeFirst()
      : undefined,
  ]);
  return {
    response: {
      id: response.id,
      status: response.status,
      submittedAt: response.submitted_at?.toISOString() ?? null,
      secondAuditOf: response.moderation_of,
    },
    team: { id: response.team_id, name: response.team_name },
    round: { id: response.round_id, name: response.round_name, status: response.round_status },
    questionnaire: { title: version.title, version: version.version },
    caseFile: { ...caseFile, opened_on: caseFile.opened_on === null ? null : String(caseFile.opened_on).slice(0, 10) },
    auditor: auditor?.name ?? null,
    answers: answerList(version, response.data),
    replies: replies.map((r) => ({ ...r, created_at: r.created_at.toISOString() })),
    canReply: response.moderation_of === null && response.status === 'submitted' && canManageTeam(user, response.team_id),
    reviewer,
    second: second ?? null,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Moderation (reviewers)

/** Auditors whose scope holds a team, by id, with how many second audits each already has in the round. */
async function eligibleAuditors(db: Executor, roundId: number) {
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['u.id', 'u.name', 'm.area_id'])
    .where('m.role', '=', 'auditor')
    .where('u.disabled_at', 'is', null)
    .execute();
  const managers = await db.selectFrom('memberships').select(['user_id', 'team_id']).where('role', '=', 'manager').execute();
  const load = await db
    .selectFrom('responses')
    .select(['auditor_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('round_id', '=', roundId)
    .where('moderation_of', 'is not', null)
    .groupBy('auditor_id')
    .execute();
  const auditors = new Map<number, { id: number; name: string; areas: 'all' | number[]; manages: number[]; load: number }>();
  for (const row of rows) {
    const entry = auditors.get(row.id) ?? { id: row.id, name: row.name, areas: [] as 'all' | number[], manages: [], load: 0 };
    entry.areas = row.area_id === null || entry.areas === 'all' ? 'all' : [...entry.areas, row.area_id];
    auditors.set(row.id, entry);
  }
  for (const m of managers) auditors.get(m.user_id)?.manages.push(m.team_id!);
  for (const l of load) if (l.auditor_id !== null && auditors.has(l.auditor_id)) auditors.get(l.auditor_id)!.load = Number(l.n);
  return [...auditors.values()];
}

export const moderationSchema = z.object({
  share: z.coerce.number().gt(0, 'more than 0%').max(100, 'at most 100%'),
});

/**
 * Picks a share of the completed audits not yet moderated, at random, for a second, blind audit: each goes to an
 * auditor of the team's area other than the first auditor (and not one of the team's managers), the least loaded
 * first. Audits for which no such auditor exists are left, and counted.
 */
export async function startModeration(db: Executor, user: CurrentUser, roundId: number, input: z.infer<typeof moderationSchema>) {
  requireRoundManager(user);
  return db.transaction().execute(async (trx) => {
    await lockRound(trx, roundId);
    const round = await requireCaseRound(trx, user, roundId);
    if (round.status === 'closed') throw conflict('The round is closed: reopen it to moderate audits.');
    const completed = await auditRows(trx)
      .select(['t.area_id', 's.case_id', 's.questionnaire_version_id'])
      .where('s.round_id', '=', roundId)
      .where('s.status', '=', 'submitted')
      .where('s.moderation_of', 'is', null)
      .where(teamReviewedBy(user))
      .where((eb) => eb.not(eb.exists(eb.selectFrom('responses as m').select('m.id').whereRef('m.moderation_of', '=', 's.id'))))
      .execute();
    if (!completed.length) throw conflict('No completed audit is waiting for moderation.');
    const wanted = Math.max(1, Math.round((input.share / 100) * completed.length));
    // A random choice (Fisher–Yates), not a reproducible one: moderation checks auditors, so it must not be foreseeable.
    const order = [...completed];
    for (let i = order.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [order[i], order[j]] = [order[j], order[i]];
    }
    const auditors = await eligibleAuditors(trx, roundId);
    const version = await getQuestionnaireVersion(trx, round.questionnaire_version_id);
    const empty = progressOf(version, {});
    const assigned: Array<{ responseId: number; auditorId: number }> = [];
    let noAuditor = 0;
    for (const audit of order) {
      if (assigned.length === wanted) break;
      const candidates = auditors
        .filter((a) => a.id !== audit.auditor_id && !a.manages.includes(audit.team_id) && (a.areas === 'all' || a.areas.includes(audit.area_id)))
        .sort((a, b) => a.load - b.load || a.id - b.id);
      if (!candidates.length) {
        noAuditor++;
        continue;
      }
      const chosen = candidates[0];
      chosen.load++;
      await trx
        .insertInto('responses')
        .values({
          round_id: roundId,
          team_id: audit.team_id,
          case_id: audit.case_id,
          moderation_of: audit.id,
          auditor_id: chosen.id,
          questionnaire_version_id: audit.questionnaire_version_id,
          answerable_count: empty.answerable,
        })
        .execute();
      assigned.push({ responseId: audit.id, auditorId: chosen.id });
    }
    await recordAudit(trx, {
      actorId: user.id,
      action: 'moderation.start',
      entityType: 'round',
      entityId: roundId,
      details: { share: input.share, assigned, noAuditor },
    });
    return { assigned: assigned.length, noAuditor, completed: completed.length };
  });
}

/** The questions agreement is measured on: every answerable question except free text and lists of rows. */
function comparedQuestions(version: VersionInfo): CatalogueQuestion[] {
  return [...version.catalogue.values()]
    .filter((q) => q.valueType === 'choice' || q.valueType === 'numeric' || q.valueType === 'multiple')
    .sort((a, b) => a.position - b.position);
}

/** A graded question: one answer from a fixed list (a choice, a rating, yes/no), where kappa means something. */
function isGraded(question: CatalogueQuestion): boolean {
  return question.valueType !== 'multiple' && (question.type === 'boolean' || (question.detail.choices?.length ?? 0) > 0);
}

export type ModerationReport = {
  pairs: number;
  waiting: number;
  questions: Array<{ name: string; title: string; graded: boolean; agreement: Agreement }>;
  disagreements: Array<{
    firstId: number;
    secondId: number;
    teamName: string;
    reference: string;
    question: string;
    title: string;
    first: string;
    second: string;
    firstValue: unknown;
    secondValue: unknown;
    choices: Array<{ value: unknown; text: string }>;
    decision: { value: unknown; text: string; note: string; by: string | null; at: string } | null;
  }>;
};

/** Agreement per question over the round's moderated cases (both audits submitted), and every disagreement. */
export async function moderationReport(db: Executor, user: CurrentUser, roundId: number): Promise<ModerationReport> {
  const round = await requireCaseRound(db, user, roundId);
  const version = await getQuestionnaireVersion(db, round.questionnaire_version_id);
  const pairs = await db
    .selectFrom('responses as m')
    .innerJoin('responses as s', 's.id', 'm.moderation_of')
    .innerJoin('teams as t', 't.id', 's.team_id')
    .innerJoin('audit_cases as c', 'c.id', 's.case_id')
    .select([
      's.id as first_id',
      'm.id as second_id',
      's.data as first_data',
      'm.data as second_data',
      'm.status as second_status',
      't.name as team_name',
      'c.reference',
    ])
    .where('s.round_id', '=', roundId)
    .where(teamReviewedBy(user))
    .orderBy('t.name')
    .orderBy('c.reference')
    .execute();
  const done = pairs.filter((p) => p.second_status === 'submitted');
  const decisions = done.length
    ? await db
        .selectFrom('moderation_decisions as d')
        .leftJoin('users as u', 'u.id', 'd.decided_by')
        .select(['d.response_id', 'd.question', 'd.value', 'd.note', 'd.decided_at', 'u.name'])
        .where(
          'd.response_id',
          'in',
          done.map((p) => p.first_id),
        )
        .orderBy('d.id')
        .execute()
    : [];
  const latest = new Map(decisions.map((d) => [`${d.response_id}\u0000${d.question}`, d]));
  const questions = comparedQuestions(version);
  const report: ModerationReport = { pairs: done.length, waiting: pairs.length - done.length, questions: [], disagreements: [] };
  for (const question of questions) {
    const answerPairs = done.map((p) => ({ first: p.first_data[question.name], second: p.second_data[question.name] }));
    const graded = isGraded(question);
    report.questions.push({ name: question.name, title: question.title, graded, agreement: agreementOf(answerPairs, { graded }) });
  }
  for (const pair of done) {
    for (const question of questions) {
      const first = pair.first_data[question.name];
      const second = pair.second_data[question.name];
      const a = agreementOf([{ first, second }], { graded: false });
      if (a.agreed === 1 || (first === undefined && second === undefined)) continue;
      const decided = latest.get(`${pair.first_id}\u0000${question.name}`);
      report.disagreements.push({
        firstId: pair.first_id,
        secondId: pair.second_id,
        teamName: pair.team_name,
        reference: pair.reference,
        question: question.name,
        title: question.title,
        first: answerText(question, first) || 'Not answered',
        second: answerText(question, second) || 'Not answered',
        firstValue: first ?? null,
        secondValue: second ?? null,
        choices: choicesOf(question),
        decision: decided
          ? { value: decided.value, text: answerText(question, decided.value), note: decided.note, by: decided.name, at: decided.decided_at.toISOString() }
          : null,
      });
    }
  }
  return report;
}

function choicesOf(question: CatalogueQuestion): Array<{ value: unknown; text: string }> {
  if (question.type === 'boolean') {
    const [yes, no] = question.detail.booleanValues ?? [true, false];
    return [
      { value: yes, text: 'Yes' },
      { value: no, text: 'No' },
    ];
  }
  return question.detail.choices ?? [];
}

export const decisionSchema = z.object({
  question: z.string().min(1).max(200),
  value: z.string().max(2000),
  note: z.string().trim().max(2000).default(''),
});

/**
 * Records the moderated answer to one question of a moderated case: a value the question accepts, with the
 * reviewer's note. Both auditors' answers stay as they were; a later decision on the same question is added, not
 * written over. The figures count the moderated answer in place of the first auditor's.
 */
export async function recordModeratedAnswer(db: Executor, user: CurrentUser, firstResponseId: number, input: z.infer<typeof decisionSchema>) {
  requireRoundManager(user);
  return db.transaction().execute(async (trx) => {
    const response = await requireVisibleResponse(trx, user, firstResponseId, { forUpdate: true });
    if (response.subject !== 'case' || response.moderation_of !== null || !canReviewArea(user, response.area_id)) throw notFound('response');
    const second = await trx.selectFrom('responses').select(['id', 'status']).where('moderation_of', '=', firstResponseId).executeTakeFirst();
    if (!second || second.status !== 'submitted') throw conflict('This audit has no completed second audit to moderate.');
    const version = await getQuestionnaireVersion(trx, response.questionnaire_version_id);
    const key = resolveDataKey(version, input.question);
    if (!key || !version.catalogue.has(input.question)) {
      throw invalid(`"${input.question}" is not a question of ${version.title}.`, {
        errors: [{ path: 'question', message: 'is not a question of this audit' }],
      });
    }
    let value: unknown;
    try {
      value = JSON.parse(input.value);
    } catch {
      throw invalid('The moderated answer is not readable.', { errors: [{ path: 'value', message: 'must be JSON' }] });
    }
    const errors: AnswerError[] = [];
    if (value !== null) checkDataValue(key, input.question, value, errors);
    if (errors.length) throw invalid('That is not an answer this question accepts; nothing was recorded.', { errors });
    await trx
      .insertInto('moderation_decisions')
      .values({ response_id: firstResponseId, question: input.question, value: jsonb(value), note: input.note, decided_by: user.id })
      .execute();
    await recordAudit(trx, {
      actorId: user.id,
      action: 'moderation.decide',
      entityType: 'response',
      entityId: firstResponseId,
      details: { question: input.question, value },
    });
  });
}

/** The answers the figures count for each first audit: its own, with any moderated answers in their place. */
export async function moderatedData(db: Executor, responses: Array<{ id: number; data: Record<string, unknown> }>) {
  if (!responses.length) return new Map<number, Record<string, unknown>>();
  const decisions = await db
    .selectFrom('moderation_decisions')
    .select(['response_id', 'question', 'value'])
    .where(
      'response_id',
      'in',
      responses.map((r) => r.id),
    )
    .orderBy('id')
    .execute();
  const result = new Map(responses.map((r) => [r.id, { ...r.data }]));
  for (const d of decisions) {
    const data = result.get(d.response_id)!;
    if (d.value === null) delete data[d.question];
    else data[d.question] = d.value;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Annual practice audits

export const repeatSchema = z.object({
  name: z.string().trim().min(1, 'name the round').max(200),
  dueDate: isoDateSchema,
  seed: z.string().trim().min(1, 'state a seed for the new sample').max(100),
  questionnaireVersionId: z.coerce.number().int().positive().optional(),
});

/**
 * The next round of an annual practice audit: the same teams, the same questionnaire (or its next version) and the
 * same sample rule with a new seed; no cases and no answers (each year audits newly sampled cases).
 */
export async function repeatCaseRound(db: Executor, user: CurrentUser, roundId: number, input: z.infer<typeof repeatSchema>) {
  requireRoundManager(user);
  const round = await requireCaseRound(db, user, roundId);
  const rule = round.sample_rule ? { ...round.sample_rule, seed: input.seed } : null;
  return createRoundForUser(db, user, {
    name: input.name,
    dueDate: input.dueDate,
    questionnaireVersionId: input.questionnaireVersionId ?? round.questionnaire_version_id,
    teams: { by: 'earlier' },
    followsRoundId: round.id,
    subject: 'case',
    repeatMonths: round.repeat_months,
    sampleRule: rule,
  });
}
