import { sql } from 'kysely';
import { z } from 'zod';
import type { Executor } from '../../db/index';
import type { Insertable } from 'kysely';
import type { ActionSource, ActionsTable, ActionStatus, QuestionDetail } from '../../db/schema';
import { type ActionField, ACTION_STATUSES, SOURCE_PARTS } from './action-fields.server';
import { actionVisibleTo, canReviewArea, canSeeAction, reviewsActions, teamReviewedBy } from './access.server';
import { recordAudit } from './audit.server';
import { DomainError, conflict, forbidden, invalid, notFound } from './errors.server';
import { idSchema, isoDateSchema } from './ids';
import type { VersionInfo } from './questionnaires.server';
import { findVisibleResponse } from './responses.server';
import { commitRevision } from './revisions.server';
import { progressOf } from './validation.server';
import type { CurrentUser } from './users.server';

/**
 * The action register (docs/actions.md, docs/decisions/024): what teams and the authority said they would do, who owns
 * it, by when, and what became of it. Actions are proposed from the answers of submitted responses (the fields a
 * questionnaire declares, app/models/action-fields.server.ts) and decided by a reviewer, raised by a reviewer (a
 * recommendation, a case-audit finding), updated by the team's managers and the reviewers of its area, and followed up
 * by the next phase's questionnaire. Every change is an append-only row of `action_updates` and an audit event.
 */

export const ACTION_STATUS_LABELS: Record<ActionStatus, string> = {
  open: 'Open',
  in_progress: 'In progress',
  done: 'Done',
  dropped: 'Dropped',
};
export const ACTION_SOURCE_LABELS: Record<ActionSource, string> = {
  answer: 'An answer in a return',
  'case-audit': 'A case-file audit finding',
  recommendation: 'A recommendation of the review',
};
const OPEN_STATUSES: ActionStatus[] = ['open', 'in_progress'];
const TITLE_MAX = 2000;
const NOTE_MAX = 5000;

/** Today's date (UTC), YYYY-MM-DD: an action is overdue when it is still open after its target date. */
export function today(): string {
  return new Date().toISOString().slice(0, 10);
}

export function isOverdue(action: { status: ActionStatus; target_date: string | null }, on = today()): boolean {
  return OPEN_STATUSES.includes(action.status) && action.target_date !== null && action.target_date < on;
}

// ---------------------------------------------------------------------------------------------------------------
// Proposals: the actions a submitted response's answers name

export type FoundAction = { question: string; row: string; rowLabel: string; title: string; owner: string; targetText: string; topic: string | null };

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/**
 * A target date as people write it in a free-text cell: 2009-03-31, 31/3/2009, 31 March 2009, or March 2009 (the
 * month's last day). Null when it cannot be read as one day: the proposal keeps the text for the reviewer.
 */
export function readTargetDate(text: string): string | null {
  const value = text.trim().toLowerCase();
  const valid = (y: number, m: number, d: number) => {
    const iso = `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
    return isoDateSchema.safeParse(iso).success && y >= 1990 && y <= 2100 ? iso : null;
  };
  let match = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(value);
  if (match) return valid(Number(match[1]), Number(match[2]), Number(match[3]));
  match = /^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$/.exec(value);
  if (match) return valid(Number(match[3]), Number(match[2]), Number(match[1]));
  match = /^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\s+(\d{4})$/.exec(value);
  if (match) {
    const month = MONTHS.findIndex((m) => m.startsWith(match![2].slice(0, 3)) && match![2].length >= 3);
    return month < 0 ? null : valid(Number(match[3]), month + 1, Number(match[1]));
  }
  match = /^(?:end of\s+)?([a-z]+)\s+(\d{4})$/.exec(value);
  if (match) {
    const month = MONTHS.findIndex((m) => m.startsWith(match![1].slice(0, 3)) && match![1].length >= 3);
    if (month < 0) return null;
    const last = new Date(Date.UTC(Number(match[2]), month + 1, 0)).getUTCDate();
    return valid(Number(match[2]), month + 1, last);
  }
  return null;
}

/** An answer that says there is no action ("None", "N/A", "Nothing urgent"…): nothing to propose. */
const NO_ACTION = /^(none|no|nil|nothing|n\/?a|not applicable|no action( needed)?|nothing (urgent|to add)|-+)\.?$/i;

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
}

function clip(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}

/**
 * The actions a response's answers name, through the version's declared fields: one per matrix row whose action cell
 * is filled (with that row's owner and target date), and one per filled action question (with the owner and target
 * date questions of its page). Pure: the same answers always give the same actions.
 */
export function findActions(version: Pick<VersionInfo, 'catalogue' | 'actionFields'>, data: Record<string, unknown>): FoundAction[] {
  const sources = version.actionFields.filter((f) => (SOURCE_PARTS as readonly string[]).includes(f.part));
  const found: FoundAction[] = [];
  const byQuestion = new Map<string, ActionField[]>();
  for (const field of sources) byQuestion.set(field.question, [...(byQuestion.get(field.question) ?? []), field]);
  for (const [question, fields] of byQuestion) {
    const catalogued = version.catalogue.get(question);
    const topic = catalogued?.topic ?? null;
    const columnOf = (part: string) => fields.find((f) => f.column && f.part === part)?.column;
    const actionColumn = columnOf('action');
    if (actionColumn) {
      const value = data[question];
      const rows: [string, string, unknown][] = Array.isArray(value)
        ? value.map((row, index) => [String(index + 1), `Row ${index + 1}`, row])
        : value && typeof value === 'object'
          ? Object.entries(value as Record<string, unknown>).map(([row, cells]) => [
              row,
              catalogued?.detail.rows?.find((r) => r.value === row)?.text ?? row,
              cells,
            ])
          : [];
      for (const [row, rowLabel, cells] of rows) {
        if (!cells || typeof cells !== 'object') continue;
        const record = cells as Record<string, unknown>;
        const title = text(record[actionColumn]);
        if (!title || NO_ACTION.test(title)) continue;
        const ownerColumn = columnOf('owner');
        const targetColumn = columnOf('target-date');
        found.push({
          question,
          row,
          rowLabel,
          title: clip(title, TITLE_MAX),
          owner: ownerColumn ? clip(text(record[ownerColumn]), 200) : '',
          targetText: targetColumn ? clip(text(record[targetColumn]), 200) : '',
          topic,
        });
      }
    } else if (fields.some((f) => !f.column && f.part === 'action')) {
      const title = text(data[question]);
      if (!title || NO_ACTION.test(title)) continue;
      const page = catalogued?.page;
      const partner = (part: string) =>
        sources.find((f) => !f.column && f.part === part && version.catalogue.get(f.question)?.page === page && f.question !== question)?.question;
      const ownerQuestion = partner('owner');
      const targetQuestion = partner('target-date');
      found.push({
        question,
        row: '',
        rowLabel: '',
        title: clip(title, TITLE_MAX),
        owner: ownerQuestion ? clip(text(data[ownerQuestion]), 200) : '',
        targetText: targetQuestion ? clip(text(data[targetQuestion]), 200) : '',
        topic,
      });
    }
  }
  return found;
}

/**
 * Proposes the actions a response just submitted names (in the submit's transaction). A resubmission after a return
 * updates the proposals still waiting and withdraws those whose answer was cleared; decided ones stay as decided. An
 * action the team's earlier responses named in the same place, word for word (an answer carried forward into the next
 * phase unchanged), is not proposed again: it is already waiting or decided.
 */
export async function proposeActions(
  trx: Executor,
  response: { id: number; moderation_of?: number | null },
  version: VersionInfo,
  data: Record<string, unknown>,
  actorId: number,
): Promise<number> {
  if (response.moderation_of || !version.actionFields.length) return 0;
  // An answer carried forward unchanged from an earlier phase names an action already proposed: not proposed again.
  const decided = await trx
    .selectFrom('action_proposals as p')
    .innerJoin('responses as s', 's.id', 'p.response_id')
    .innerJoin('responses as mine', 'mine.team_id', 's.team_id')
    .select(['p.question', 'p.row_name', 'p.title'])
    .where('mine.id', '=', response.id)
    .where('p.response_id', '!=', response.id)
    .execute();
  const known = new Set(decided.map((d) => `${d.question}\u0000${d.row_name}\u0000${d.title}`));
  const found = findActions(version, data).filter((f) => !known.has(`${f.question}\u0000${f.row}\u0000${f.title}`));
  const waiting = await trx
    .selectFrom('action_proposals')
    .select(['id', 'question', 'row_name'])
    .where('response_id', '=', response.id)
    .where('status', '=', 'proposed')
    .execute();
  const key = (question: string, row: string) => `${question}\u0000${row}`;
  const named = new Set(found.map((f) => key(f.question, f.row)));
  const withdrawn = waiting.filter((w) => !named.has(key(w.question, w.row_name)));
  if (withdrawn.length) {
    await trx
      .updateTable('action_proposals')
      .set({ status: 'rejected', reason: 'Withdrawn: the answer was cleared before the response was submitted again.', decided_at: new Date() })
      .where(
        'id',
        'in',
        withdrawn.map((w) => w.id),
      )
      .execute();
  }
  if (found.length) {
    await trx
      .insertInto('action_proposals')
      .values(
        found.map((f) => ({
          response_id: response.id,
          question: f.question,
          row_name: f.row,
          title: f.title,
          owner: f.owner,
          target_text: f.targetText,
          target_date: readTargetDate(f.targetText),
          topic: f.topic,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['response_id', 'question', 'row_name'])
          .doUpdateSet((eb) => ({
            title: eb.ref('excluded.title'),
            owner: eb.ref('excluded.owner'),
            target_text: eb.ref('excluded.target_text'),
            target_date: eb.ref('excluded.target_date'),
          }))
          .where('action_proposals.status', '=', 'proposed'),
      )
      .execute();
  }
  if (found.length || withdrawn.length) {
    await recordAudit(trx, {
      actorId,
      action: 'action.propose',
      entityType: 'response',
      entityId: response.id,
      details: { proposed: found.length, withdrawn: withdrawn.length },
    });
  }
  return found.length;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

function actionsQuery(db: Executor) {
  return db
    .selectFrom('actions as a')
    .leftJoin('teams as t', 't.id', 'a.team_id')
    .leftJoin('areas as ar', 'ar.id', 't.area_id')
    .leftJoin('rounds as r', 'r.id', 'a.round_id')
    .select([
      'a.id',
      'a.reference',
      'a.title',
      'a.team_id',
      't.name as team_name',
      't.area_id',
      'ar.name as area_name',
      'a.owner',
      'a.target_date',
      'a.status',
      'a.dropped_reason',
      'a.topic',
      'a.source',
      'a.source_response_id',
      'a.source_question',
      'a.source_row',
      'a.round_id',
      'r.name as round_name',
      'a.created_at',
      'a.updated_at',
      'a.closed_at',
    ]);
}

export type ActionRow = Awaited<ReturnType<ReturnType<typeof actionsQuery>['execute']>>[number];

/** The action, if it exists and the user may see it; otherwise the same 404 as for a missing id. */
export async function requireVisibleAction(db: Executor, user: CurrentUser, actionId: number, options: { forUpdate?: boolean } = {}): Promise<ActionRow> {
  if (!Number.isSafeInteger(actionId) || actionId <= 0) throw notFound('action');
  let query = actionsQuery(db).where('a.id', '=', actionId);
  if (options.forUpdate) query = query.forUpdate('a');
  const action = await query.executeTakeFirst();
  if (!action || !canSeeAction(user, action)) throw notFound('action');
  return action;
}

export const ACTION_SORTS = ['target', 'team', 'status', 'updated'] as const;

export const registerFilterSchema = z
  .object({
    area: z.coerce.number().pipe(idSchema).optional(),
    team: z.coerce.number().pipe(idSchema).optional(),
    status: z.enum([...ACTION_STATUSES, 'active'] as [string, ...string[]]).optional(),
    overdue: z.enum(['yes']).optional(),
    source: z.enum(['answer', 'case-audit', 'recommendation']).optional(),
    topic: z
      .string()
      .regex(/^[a-z0-9-]{1,100}$/, 'is a topic id')
      .optional(),
    page: z.coerce.number().int().min(1).max(100_000).default(1),
  })
  .strict();
export type RegisterFilter = z.infer<typeof registerFilterSchema>;

/** Reads a register filter from a URL's query, refusing what it cannot read (400, naming the parameter). */
export function registerFilterFrom(url: URL): RegisterFilter {
  const raw = Object.fromEntries([...url.searchParams].filter(([, v]) => v !== ''));
  const parsed = registerFilterSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0] ?? 'query');
    throw new DomainError(400, `${name}: ${issue.code === 'unrecognized_keys' ? `unknown parameter (${issue.keys.join(', ')})` : issue.message}`, {
      errors: [{ path: name, message: issue.message }],
    });
  }
  return parsed.data;
}

function filtered(db: Executor, user: CurrentUser, filter: RegisterFilter, on: string) {
  let query = actionsQuery(db).where(actionVisibleTo(user));
  if (filter.area) query = query.where('t.area_id', '=', filter.area);
  if (filter.team) query = query.where('a.team_id', '=', filter.team);
  if (filter.status === 'active') query = query.where('a.status', 'in', OPEN_STATUSES);
  else if (filter.status) query = query.where('a.status', '=', filter.status as ActionStatus);
  if (filter.overdue) query = query.where('a.status', 'in', OPEN_STATUSES).where('a.target_date', '<', on);
  if (filter.source) query = query.where('a.source', '=', filter.source as ActionSource);
  if (filter.topic) query = query.where('a.topic', '=', filter.topic);
  return query;
}

export const REGISTER_PAGE_SIZE = 50;

/** The register for the user's scope: a page of actions, counts per team and area, and actions opened and closed by month. */
export async function actionRegister(db: Executor, user: CurrentUser, filter: RegisterFilter, on = today()) {
  const base = filtered(db, user, filter, on);
  const total = Number(
    (
      await base
        .clearSelect()
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
  const pages = Math.max(1, Math.ceil(total / REGISTER_PAGE_SIZE));
  const page = Math.min(filter.page, pages);
  const actions = await base
    .orderBy(sql`case when a.status in ('open', 'in_progress') then 0 else 1 end`)
    .orderBy(sql`a.target_date nulls last`)
    .orderBy('a.id')
    .limit(REGISTER_PAGE_SIZE)
    .offset((page - 1) * REGISTER_PAGE_SIZE)
    .execute();
  // Counts and the timeline cover every action the filters leave, not one page of them.
  const counts = await base
    .clearSelect()
    .clearOrderBy()
    .select([
      'a.team_id',
      't.name as team_name',
      'ar.id as area_id',
      'ar.name as area_name',
      sql<number>`count(*) filter (where a.status in ('open', 'in_progress'))::int`.as('open'),
      sql<number>`count(*) filter (where a.status in ('open', 'in_progress') and a.target_date < ${on})::int`.as('overdue'),
      sql<number>`count(*) filter (where a.status = 'done')::int`.as('done'),
      sql<number>`count(*) filter (where a.status = 'dropped')::int`.as('dropped'),
    ])
    .groupBy(['a.team_id', 't.name', 'ar.id', 'ar.name'])
    .orderBy(sql`ar.name nulls first`)
    .orderBy('t.name')
    .execute();
  const byArea = new Map<string, { area: string; open: number; overdue: number; done: number; dropped: number }>();
  for (const row of counts) {
    const area = row.area_name ?? 'Whole authority';
    const sum = byArea.get(area) ?? { area, open: 0, overdue: 0, done: 0, dropped: 0 };
    sum.open += row.open;
    sum.overdue += row.overdue;
    sum.done += row.done;
    sum.dropped += row.dropped;
    byArea.set(area, sum);
  }
  const timeline = await base
    .clearSelect()
    .clearOrderBy()
    .select([
      sql<string>`to_char(a.created_at at time zone 'Europe/London', 'YYYY-MM')`.as('opened_month'),
      sql<string | null>`to_char(a.closed_at at time zone 'Europe/London', 'YYYY-MM')`.as('closed_month'),
    ])
    .execute();
  const months = new Map<string, { month: string; opened: number; closed: number }>();
  const bump = (month: string | null, key: 'opened' | 'closed') => {
    if (!month) return;
    const entry = months.get(month) ?? { month, opened: 0, closed: 0 };
    entry[key] += 1;
    months.set(month, entry);
  };
  for (const row of timeline) {
    bump(row.opened_month, 'opened');
    bump(row.closed_month, 'closed');
  }
  const totals = counts.reduce(
    (sum, row) => ({ open: sum.open + row.open, overdue: sum.overdue + row.overdue, done: sum.done + row.done, dropped: sum.dropped + row.dropped }),
    { open: 0, overdue: 0, done: 0, dropped: 0 },
  );
  return {
    actions: actions.map((a) => ({ ...a, overdue: isOverdue(a, on) })),
    total,
    page,
    pages,
    totals,
    byTeam: counts.map((c) => ({ ...c, team_name: c.team_name ?? 'Whole authority' })),
    byArea: [...byArea.values()],
    timeline: [...months.values()].sort((a, b) => a.month.localeCompare(b.month)),
  };
}

/** Every action the filters leave (for exports), oldest first. */
export async function registerRows(db: Executor, user: CurrentUser, filter: RegisterFilter, on = today()) {
  const rows = await filtered(db, user, filter, on).orderBy('a.id').execute();
  return rows.map((a) => ({ ...a, overdue: isOverdue(a, on) }));
}

/** The open actions of a team (for its questionnaire page and follow-up questions), oldest first. */
export async function openActionsOfTeam(db: Executor, teamId: number, on = today()) {
  const rows = await actionsQuery(db).where('a.team_id', '=', teamId).where('a.status', 'in', OPEN_STATUSES).orderBy('a.id').execute();
  return rows.map((a) => ({ ...a, overdue: isOverdue(a, on) }));
}

/** One action with its trail of updates and the answers it came from. */
export async function actionDetail(db: Executor, user: CurrentUser, actionId: number, on = today()) {
  const action = await requireVisibleAction(db, user, actionId);
  const updates = await db
    .selectFrom('action_updates as u')
    .leftJoin('users as au', 'au.id', 'u.author_id')
    .select(['u.id', 'u.kind', 'u.at', 'u.status', 'u.target_date', 'u.owner', 'u.note', 'u.evidence_response_id', 'u.proposal_id', 'au.name as author_name'])
    .where('u.action_id', '=', action.id)
    .orderBy('u.id')
    .execute();
  const sources = await proposalsQuery(db).select(['p.status']).where('p.action_id', '=', action.id).orderBy('p.id').execute();
  // Whoever may see an action may update it (access.server.ts's canSeeAction).
  const canChange = canSeeAction(user, action);
  return {
    action: { ...action, overdue: isOverdue(action, on) },
    updates,
    sources: sources.map(({ detail, ...s }) => ({ ...s, row_label: rowLabel(detail, s.row_name) })),
    canChange,
  };
}

/** Proposals with the response, round, team and question they came from. */
function proposalsQuery(db: Executor) {
  return db
    .selectFrom('action_proposals as p')
    .innerJoin('responses as s', 's.id', 'p.response_id')
    .innerJoin('rounds as r', 'r.id', 's.round_id')
    .innerJoin('teams as t', 't.id', 's.team_id')
    .innerJoin('version_questions as vq', (join) => join.onRef('vq.version_id', '=', 's.questionnaire_version_id').onRef('vq.name', '=', 'p.question'))
    .select([
      'p.id',
      'p.response_id',
      'p.question',
      'p.row_name',
      'p.title',
      'p.owner',
      'p.target_text',
      'vq.title as question_title',
      'vq.detail',
      'r.name as round_name',
    ]);
}

/** A matrix row's wording (a fixed row's text, or "Row 2" of a dynamic matrix); empty for a whole question. */
function rowLabel(detail: QuestionDetail, row: string): string {
  return detail.rows?.find((r) => r.value === row)?.text ?? (row ? `Row ${row}` : '');
}

/**
 * A new open action and the first row of its trail ('created'), by its author, at one time: how accepting a proposal
 * and raising an action by hand both start one.
 */
async function insertAction(
  trx: Executor,
  values: Omit<Insertable<ActionsTable>, 'created_by' | 'created_at' | 'updated_at' | 'updated_by' | 'status'>,
  created: { authorId: number; at: Date; note: string; proposalId?: number; evidenceResponseId: number | null },
): Promise<{ id: number }> {
  const action = await trx
    .insertInto('actions')
    .values({ ...values, created_by: created.authorId, created_at: created.at, updated_at: created.at, updated_by: created.authorId })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('action_updates')
    .values({
      action_id: action.id,
      kind: 'created',
      author_id: created.authorId,
      at: created.at,
      status: 'open',
      target_date: values.target_date ?? null,
      owner: values.owner ?? '',
      note: created.note,
      proposal_id: created.proposalId ?? null,
      evidence_response_id: created.evidenceResponseId,
    })
    .execute();
  return action;
}

// ---------------------------------------------------------------------------------------------------------------
// Deciding proposals

function requireReviewer(user: CurrentUser) {
  if (!reviewsActions(user)) throw forbidden('Only reviewers decide proposed actions and raise actions for the register.');
}

/** The proposals waiting for a reviewer of the user's areas, with the team's actions they could be merged into. */
export async function listProposals(db: Executor, user: CurrentUser) {
  requireReviewer(user);
  const query = proposalsQuery(db)
    .innerJoin('areas as ar', 'ar.id', 't.area_id')
    .select(['p.target_date', 'p.topic', 's.team_id', 't.name as team_name', 'ar.name as area_name', 'r.id as round_id'])
    .where('p.status', '=', 'proposed')
    .where(teamReviewedBy(user));
  const proposals = (await query.orderBy('ar.name').orderBy('t.name').orderBy('p.id').execute()).map(({ detail, ...p }) => ({
    ...p,
    row_label: rowLabel(detail, p.row_name),
  }));
  const teamIds = [...new Set(proposals.map((p) => p.team_id))];
  const existing = teamIds.length
    ? await db
        .selectFrom('actions')
        .select(['id', 'team_id', 'title', 'status'])
        .where('team_id', 'in', teamIds)
        .where('status', 'in', OPEN_STATUSES)
        .orderBy('id')
        .execute()
    : [];
  // A likely duplicate: an open action of the same team with the same wording (case, spacing and punctuation aside),
  // offered as the merge target; the reviewer decides.
  const byWording = new Map<string, number>();
  for (const a of existing) {
    const key = `${a.team_id}\u0000${normaliseTitle(a.title)}`;
    if (!byWording.has(key)) byWording.set(key, a.id);
  }
  return {
    proposals: proposals.map((p) => ({ ...p, duplicateOf: byWording.get(`${p.team_id}\u0000${normaliseTitle(p.title)}`) ?? null })),
    mergeTargets: existing,
  };
}

/** A title as compared for duplicates: lower case, letters and digits only, single spaces. */
export function normaliseTitle(title: string): string {
  return title
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** How many proposals wait for a reviewer of the user's areas (0 for someone who decides none). */
export async function countProposals(db: Executor, user: CurrentUser): Promise<number> {
  if (!reviewsActions(user)) return 0;
  const { n } = await db
    .selectFrom('action_proposals as p')
    .innerJoin('responses as s', 's.id', 'p.response_id')
    .innerJoin('teams as t', 't.id', 's.team_id')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('p.status', '=', 'proposed')
    .where(teamReviewedBy(user))
    .executeTakeFirstOrThrow();
  return Number(n);
}

const proposalIdsSchema = z.array(idSchema).min(1, 'choose at least one proposed action').max(500);

export const decisionSchema = z.discriminatedUnion('decision', [
  z
    .object({
      decision: z.literal('accept'),
      proposalIds: proposalIdsSchema,
      // For one proposal only: the reviewer's wording, owner and target date.
      title: z.string().trim().min(1, 'say what action is needed').max(TITLE_MAX).optional(),
      owner: z.string().trim().max(200).optional(),
      targetDate: isoDateSchema.optional(),
    })
    .strict(),
  z.object({ decision: z.literal('merge'), proposalIds: proposalIdsSchema, into: idSchema }).strict(),
  z
    .object({
      decision: z.literal('reject'),
      proposalIds: proposalIdsSchema,
      reason: z.string().trim().min(1, 'say why the proposed action is rejected').max(1000),
    })
    .strict(),
]);
export type Decision = z.infer<typeof decisionSchema>;

/**
 * Decides proposals: accepting makes one action each (linked back to its answer); merging adds them to an existing
 * action of the same team as duplicates; rejecting keeps them with the reason. All or nothing: a proposal already
 * decided, or not the reviewer's, refuses the lot.
 */
export async function decideProposals(db: Executor, user: CurrentUser, decision: Decision): Promise<{ actionIds: number[] }> {
  requireReviewer(user);
  const ids = [...new Set(decision.proposalIds)];
  if (decision.decision === 'accept' && ids.length > 1 && (decision.title || decision.owner !== undefined || decision.targetDate)) {
    throw invalid('Change the wording, owner or target date one proposed action at a time.');
  }
  return db.transaction().execute(async (trx) => {
    const proposals = await trx
      .selectFrom('action_proposals as p')
      .innerJoin('responses as s', 's.id', 'p.response_id')
      .innerJoin('teams as t', 't.id', 's.team_id')
      .select([
        'p.id',
        'p.status',
        'p.response_id',
        'p.question',
        'p.row_name',
        'p.title',
        'p.owner',
        'p.target_date',
        'p.topic',
        's.team_id',
        's.round_id',
        't.area_id',
      ])
      .where('p.id', 'in', ids)
      .where(teamReviewedBy(user))
      .forUpdate('p')
      .execute();
    if (proposals.length !== ids.length) throw notFound('proposal');
    proposals.sort((x, y) => ids.indexOf(x.id) - ids.indexOf(y.id));
    const decided = proposals.filter((p) => p.status !== 'proposed');
    if (decided.length)
      throw conflict(`Already decided: proposed action${decided.length === 1 ? '' : 's'} ${decided.map((p) => p.id).join(', ')}. Reload the list.`);
    const now = new Date();
    const actionIds: number[] = [];
    if (decision.decision === 'reject') {
      await trx
        .updateTable('action_proposals')
        .set({ status: 'rejected', reason: decision.reason, decided_by: user.id, decided_at: now })
        .where('id', 'in', ids)
        .execute();
      await recordAudit(trx, {
        actorId: user.id,
        action: 'action.reject',
        entityType: 'action_proposal',
        entityId: ids.join(','),
        details: { proposals: ids, reason: decision.reason },
      });
      return { actionIds };
    }
    if (decision.decision === 'merge') {
      const target = await requireVisibleAction(trx, user, decision.into, { forUpdate: true });
      const elsewhere = proposals.filter((p) => p.team_id !== target.team_id);
      if (elsewhere.length)
        throw invalid(
          `Action ${target.id} is not for the same team as proposed action ${elsewhere[0].id}: only duplicates of one team's action can be merged into it.`,
        );
      await trx
        .updateTable('action_proposals')
        .set({ status: 'merged', action_id: target.id, decided_by: user.id, decided_at: now })
        .where('id', 'in', ids)
        .execute();
      await trx
        .insertInto('action_updates')
        .values(
          proposals.map((p) => ({
            action_id: target.id,
            kind: 'merged' as const,
            author_id: user.id,
            at: now,
            note: `Merged a duplicate from the same team: “${clip(p.title, 300)}”.`,
            proposal_id: p.id,
            evidence_response_id: p.response_id,
          })),
        )
        .execute();
      await trx.updateTable('actions').set({ updated_at: now, updated_by: user.id }).where('id', '=', target.id).execute();
      await recordAudit(trx, { actorId: user.id, action: 'action.merge', entityType: 'action', entityId: target.id, details: { proposals: ids } });
      return { actionIds: [target.id] };
    }
    for (const p of proposals) {
      const title = decision.title ?? p.title;
      const owner = decision.owner ?? p.owner;
      const targetDate = decision.targetDate ?? p.target_date;
      const action = await insertAction(
        trx,
        {
          title,
          team_id: p.team_id,
          owner,
          target_date: targetDate,
          topic: p.topic,
          source: 'answer',
          source_response_id: p.response_id,
          source_question: p.question,
          source_row: p.row_name || null,
          round_id: p.round_id,
        },
        { authorId: user.id, at: now, note: 'Accepted from a submitted return.', proposalId: p.id, evidenceResponseId: p.response_id },
      );
      await trx
        .updateTable('action_proposals')
        .set({ status: 'accepted', action_id: action.id, decided_by: user.id, decided_at: now })
        .where('id', '=', p.id)
        .execute();
      await recordAudit(trx, {
        actorId: user.id,
        action: 'action.accept',
        entityType: 'action',
        entityId: action.id,
        details: { proposal: p.id, response: p.response_id, question: p.question, row: p.row_name },
      });
      actionIds.push(action.id);
    }
    return { actionIds };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Raising and updating actions

const optionalText = (max: number) => z.string().trim().max(max).optional();

export const newActionSchema = z
  .object({
    source: z.enum(['recommendation', 'case-audit']),
    reference: z
      .string()
      .trim()
      .max(20)
      .regex(/^[\w.-]*$/, 'is a short reference such as R1')
      .optional(),
    title: z.string().trim().min(1, 'say what action is needed').max(TITLE_MAX),
    teamId: idSchema.optional(),
    owner: optionalText(200),
    targetDate: isoDateSchema.optional(),
    topic: z
      .string()
      .regex(/^[a-z0-9-]{1,100}$/)
      .optional(),
    // A case-audit finding: the audit it rests on, and the standard (question) not met.
    responseId: idSchema.optional(),
    question: optionalText(200),
  })
  .strict();
export type NewAction = z.infer<typeof newActionSchema>;

/** Raises an action by hand: a recommendation (for a team or the whole authority) or a case-audit finding. */
export async function raiseAction(db: Executor, user: CurrentUser, input: NewAction): Promise<{ id: number }> {
  requireReviewer(user);
  return db.transaction().execute(async (trx) => {
    let teamId = input.teamId ?? null;
    let roundId: number | null = null;
    if (input.source === 'case-audit') {
      if (!input.responseId)
        throw invalid('A case-audit finding needs the audit it rests on.', { errors: [{ path: 'responseId', message: 'choose the audit' }] });
      const audit = await findVisibleResponse(trx, user, input.responseId);
      if (!audit) throw notFound('response', [{ path: 'responseId', message: 'no such audit you can see' }]);
      if (audit.subject !== 'case')
        throw invalid(`Response ${audit.id} is not a case-file audit.`, { errors: [{ path: 'responseId', message: 'not a case-file audit' }] });
      if (input.question) {
        const known = await trx
          .selectFrom('version_questions')
          .select('name')
          .where('version_id', '=', audit.questionnaire_version_id)
          .where('name', '=', input.question)
          .executeTakeFirst();
        if (!known)
          throw invalid(`The audit's questionnaire has no question "${input.question}".`, { errors: [{ path: 'question', message: 'no such question' }] });
      }
      if (teamId !== null && teamId !== audit.team_id)
        throw invalid('A case-audit finding is for the team whose case was audited.', { errors: [{ path: 'teamId', message: 'not the audited team' }] });
      teamId = audit.team_id;
      roundId = audit.round_id;
    }
    if (teamId !== null) {
      const team = await trx.selectFrom('teams').select(['id', 'area_id']).where('id', '=', teamId).executeTakeFirst();
      if (!team || !canReviewArea(user, team.area_id)) {
        throw notFound('team', [{ path: 'teamId', message: 'no such team you review' }]);
      }
    } else if (reviewedAreasOnly(user)) {
      throw forbidden('Only reviewers of the whole authority raise actions for the whole authority: choose a team.');
    }
    if (input.topic) {
      const known = await trx.selectFrom('version_questions').select('topic').where('topic', '=', input.topic).limit(1).executeTakeFirst();
      if (!known) {
        throw invalid(`No published questionnaire has the topic "${input.topic}".`, { errors: [{ path: 'topic', message: 'choose a topic from the list' }] });
      }
    }
    const now = new Date();
    const action = await insertAction(
      trx,
      {
        reference: input.reference || null,
        title: input.title,
        team_id: teamId,
        owner: input.owner ?? '',
        target_date: input.targetDate ?? null,
        topic: input.topic ?? null,
        source: input.source,
        source_response_id: input.source === 'case-audit' ? input.responseId! : null,
        source_question: input.source === 'case-audit' ? (input.question ?? null) : null,
        round_id: roundId,
      },
      {
        authorId: user.id,
        at: now,
        note:
          input.source === 'recommendation' ? `Raised for recommendation ${input.reference || '(no reference)'}.` : 'Raised from a case-file audit finding.',
        evidenceResponseId: input.source === 'case-audit' ? input.responseId! : null,
      },
    );
    await recordAudit(trx, {
      actorId: user.id,
      action: 'action.create',
      entityType: 'action',
      entityId: action.id,
      details: { source: input.source, team: teamId, reference: input.reference ?? null },
    });
    return action;
  });
}

function reviewedAreasOnly(user: CurrentUser): boolean {
  return !user.isAdmin && user.reviewerAreaIds !== 'all';
}

export const actionUpdateSchema = z
  .object({
    status: z.enum(ACTION_STATUSES),
    targetDate: z.union([isoDateSchema, z.literal('')]).optional(),
    owner: optionalText(200),
    note: z.string().trim().min(1, 'say what has been done, and the evidence').max(NOTE_MAX),
    droppedReason: optionalText(1000),
    evidenceResponseId: idSchema.optional(),
  })
  .strict();
export type ActionUpdate = z.infer<typeof actionUpdateSchema>;

/**
 * Updates an action: its status, target date and owner, with a note of what was done and, optionally, the response or
 * audit that shows it. The team's managers and the reviewers of its area may; everyone else gets the 404 a missing
 * action gets. Dropping needs a reason; a closed action can be reopened.
 */
export async function updateAction(db: Executor, user: CurrentUser, actionId: number, input: ActionUpdate, via?: { responseId: number }): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const action = await requireVisibleAction(trx, user, actionId, { forUpdate: true });
    await applyUpdate(trx, user.id, action, input, 'update', via);
    if (input.evidenceResponseId) {
      const evidence = await findVisibleResponse(trx, user, input.evidenceResponseId);
      if (!evidence || (action.team_id !== null && evidence.team_id !== action.team_id)) {
        throw notFound('response', [{ path: 'evidenceResponseId', message: 'no response of this team that you can see' }]);
      }
    }
  });
}

async function applyUpdate(
  trx: Executor,
  authorId: number,
  action: ActionRow,
  input: ActionUpdate,
  kind: 'update' | 'follow-up',
  via?: { responseId: number },
): Promise<boolean> {
  const status = input.status;
  if (status === 'dropped' && !input.droppedReason) {
    throw invalid('Say why the action is dropped.', { errors: [{ path: 'droppedReason', message: 'say why the action is dropped' }] });
  }
  const targetDate = input.targetDate === undefined ? action.target_date : input.targetDate || null;
  const owner = input.owner ?? action.owner;
  const changed = status !== action.status || targetDate !== action.target_date || owner !== action.owner;
  if (!changed && !input.note) return false;
  const note = input.note || 'Followed up in the next phase’s return.';
  const now = new Date();
  const closed = status === 'done' || status === 'dropped';
  await trx
    .updateTable('actions')
    .set({
      status,
      target_date: targetDate,
      owner,
      dropped_reason: status === 'dropped' ? input.droppedReason! : null,
      closed_at: closed ? (action.closed_at && (action.status === 'done' || action.status === 'dropped') ? action.closed_at : now) : null,
      updated_at: now,
      updated_by: authorId,
    })
    .where('id', '=', action.id)
    .execute();
  await trx
    .insertInto('action_updates')
    .values({
      action_id: action.id,
      kind,
      author_id: authorId,
      at: now,
      status: status !== action.status ? status : null,
      target_date: targetDate !== action.target_date ? targetDate : null,
      owner: owner !== action.owner ? owner : null,
      note: status === 'dropped' && input.droppedReason ? `${note}\nDropped because: ${input.droppedReason}` : note,
      evidence_response_id: input.evidenceResponseId ?? via?.responseId ?? null,
    })
    .execute();
  await recordAudit(trx, {
    actorId: authorId,
    action: kind === 'follow-up' ? 'action.follow_up' : 'action.update',
    entityType: 'action',
    entityId: action.id,
    details: {
      ...(status !== action.status ? { status: [action.status, status] } : {}),
      ...(targetDate !== action.target_date ? { targetDate: [action.target_date, targetDate] } : {}),
      ...(owner !== action.owner ? { owner: [action.owner, owner] } : {}),
      ...(via ? { response: via.responseId } : {}),
    },
  });
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Following up in the next phase

/** The follow-up question of a version and its columns by part, or null when it has none. */
export function followUpOf(version: Pick<VersionInfo, 'actionFields'>) {
  const question = version.actionFields.find((f) => f.part === 'follow-up')?.question;
  if (!question) return null;
  const column = (part: string) => version.actionFields.find((f) => f.question === question && f.column && f.part === part)?.column;
  return {
    question,
    ref: column('follow-up-ref')!,
    action: column('follow-up-action'),
    status: column('follow-up-status'),
    targetDate: column('follow-up-target-date'),
    evidence: column('follow-up-evidence'),
  };
}

/** How a follow-up row names its action: "A-12". */
export function actionRef(id: number): string {
  return `A-${id}`;
}

function refId(ref: unknown): number | null {
  const match = /^A-(\d{1,9})$/.exec(typeof ref === 'string' ? ref.trim() : '');
  return match ? Number(match[1]) : null;
}

/** The rows a follow-up question starts with: one per open action of the team, as the register holds it. */
export function followUpRows(follow: NonNullable<ReturnType<typeof followUpOf>>, actions: Pick<ActionRow, 'id' | 'title' | 'status' | 'target_date'>[]) {
  return actions.map((a) => ({
    [follow.ref]: actionRef(a.id),
    ...(follow.action ? { [follow.action]: a.title } : {}),
    ...(follow.status ? { [follow.status]: a.status } : {}),
    ...(follow.targetDate && a.target_date ? { [follow.targetDate]: a.target_date } : {}),
  }));
}

/**
 * Applies a submitted follow-up question to the register (in the submit's transaction): each row's status, new target
 * date and evidence become an update of its action by the person who submitted, linked to the response. A row naming an
 * action that is not one of the team's refuses the submit, naming the row.
 */
export async function applyFollowUp(
  trx: Executor,
  authorId: number,
  response: { id: number; team_id: number },
  version: VersionInfo,
  data: Record<string, unknown>,
): Promise<number> {
  const follow = followUpOf(version);
  if (!follow) return 0;
  const rows = Array.isArray(data[follow.question]) ? (data[follow.question] as Record<string, unknown>[]) : [];
  let updated = 0;
  for (const [index, row] of rows.entries()) {
    if (!row || typeof row !== 'object') continue;
    const id = refId(row[follow.ref]);
    const action = id ? await actionsQuery(trx).where('a.id', '=', id).where('a.team_id', '=', response.team_id).forUpdate('a').executeTakeFirst() : undefined;
    if (!action) {
      throw invalid(`Row ${index + 1} of "${follow.question}" names an action (${String(row[follow.ref] ?? 'none')}) that is not one of the team's.`, {
        errors: [{ path: `${follow.question}[${index}].${follow.ref}`, message: 'not one of the team’s actions' }],
      });
    }
    const status =
      follow.status && typeof row[follow.status] === 'string' && (ACTION_STATUSES as readonly string[]).includes(row[follow.status] as string)
        ? (row[follow.status] as ActionStatus)
        : action.status;
    const target = follow.targetDate ? text(row[follow.targetDate]) : '';
    const evidence = follow.evidence ? text(row[follow.evidence]) : '';
    const targetDate = target && isoDateSchema.safeParse(target).success ? target : undefined;
    if (
      await applyUpdate(
        trx,
        authorId,
        action,
        { status, targetDate, note: evidence, droppedReason: status === 'dropped' ? evidence || 'Dropped in the next phase’s return.' : undefined },
        'follow-up',
        { responseId: response.id },
      )
    )
      updated += 1;
  }
  return updated;
}

/**
 * Writes each team's open actions into the follow-up question of a round's responses (in the round's transaction),
 * as one revision of kind 'follow_up': the manager then says, row by row, what became of each. A version without a
 * follow-up question, or a team without open actions, is left as it is.
 */
export async function fillFollowUps(trx: Executor, roundId: number, version: VersionInfo, actorId: number | null): Promise<number> {
  const follow = followUpOf(version);
  if (!follow) return 0;
  const responses = await trx
    .selectFrom('responses')
    .select(['id', 'revision', 'round_id', 'team_id', 'data', 'moderation_of'])
    .where('round_id', '=', roundId)
    .where('case_id', 'is', null)
    .forUpdate()
    .execute();
  let filled = 0;
  for (const response of responses) {
    const actions = await openActionsOfTeam(trx, response.team_id);
    if (!actions.length) continue;
    const data = { ...response.data, [follow.question]: followUpRows(follow, actions) };
    await commitRevision(trx, response, {
      kind: 'follow_up',
      authorId: actorId,
      answers: { data, progress: progressOf(version, data), catalogue: version.catalogue, questions: [follow.question] },
      changes: [{ question: follow.question, old: response.data[follow.question] ?? null, new: data[follow.question] }],
      note: `The team's open actions from the register (${actions.map((a) => actionRef(a.id)).join(', ')}), to follow up.`,
    });
    filled += 1;
  }
  return filled;
}
