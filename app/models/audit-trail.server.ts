import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { sql, type Expression, type SqlBool } from 'kysely';
import { z } from 'zod';
import type { Executor } from '../../db/index';
import { MAX_ID } from './ids';
import { neutraliseFormula } from './spreadsheet-cells';
import { containsPattern, listQuerySchema, PAGE_SIZE, pageWindow, searchTextSchema, type SortDirection } from './lists.server';

/**
 * The audit trail (issue 13): `audit_events` read back for administrators, a page at a time or whole as CSV, filtered
 * by who, what (a category of actions), the record, dates and the client's address. Each event is described in words
 * from its action and details; an action this file does not know (a new feature's) is still listed, filtered by its
 * prefix and described from its name. docs/decisions/022-audit-trail.md.
 */

/** What an event is about, as the filter offers it: each category is the actions with one of its prefixes (or named). */
export const AUDIT_CATEGORIES = [
  { key: 'sign-in', label: 'Sign-ins and sessions', prefixes: ['session.', 'api_token.'] },
  { key: 'people', label: 'People and roles', prefixes: ['user.', 'membership.'] },
  { key: 'teams', label: 'Teams and areas', prefixes: ['team.', 'area.'] },
  { key: 'rounds', label: 'Rounds', prefixes: ['round.'] },
  { key: 'questionnaires', label: 'Questionnaire versions', prefixes: ['questionnaire_version.'] },
  { key: 'responses', label: 'Responses: submitted, returned, confirmed', prefixes: ['response.'] },
  { key: 'exports', label: 'Exports', prefixes: ['export.'], actions: ['export'] },
  { key: 'actions', label: 'Actions', prefixes: ['action.'] },
  { key: 'case-audits', label: 'Case-file audits', prefixes: ['cases.', 'audit.', 'moderation.'] },
  { key: 'other', label: 'Anything else', prefixes: [] },
] as const satisfies ReadonlyArray<{ key: string; label: string; prefixes: readonly string[]; actions?: readonly string[] }>;

export type AuditCategory = (typeof AUDIT_CATEGORIES)[number]['key'];
const CATEGORY_KEYS = AUDIT_CATEGORIES.map((c) => c.key) as [AuditCategory, ...AuditCategory[]];

/** The category of an action ('other' when none claims it). */
export function categoryOf(action: string): AuditCategory {
  for (const category of AUDIT_CATEGORIES) {
    const actions: readonly string[] = 'actions' in category ? category.actions : [];
    if (actions.includes(action) || category.prefixes.some((prefix) => action.startsWith(prefix))) return category.key;
  }
  return 'other';
}

function categoryCondition(key: AuditCategory): Expression<SqlBool> {
  if (key === 'other') {
    const claimed = AUDIT_CATEGORIES.filter((c) => c.key !== 'other').map((c) => categoryCondition(c.key));
    return sql<SqlBool>`not (${sql.join(claimed, sql` or `)})`;
  }
  const category = AUDIT_CATEGORIES.find((c) => c.key === key)!;
  const actions: readonly string[] = 'actions' in category ? category.actions : [];
  // starts_with, not LIKE: the prefixes hold underscores, which LIKE takes as wildcards.
  const parts = [
    ...actions.map((action) => sql<SqlBool>`e.action = ${action}`),
    ...category.prefixes.map((prefix) => sql<SqlBool>`starts_with(e.action, ${prefix})`),
  ];
  return sql<SqlBool>`(${sql.join(parts, sql` or `)})`;
}

/** A day written YYYY-MM-DD that is in the calendar, read as that day in London. */
function dayParam(name: string) {
  return z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, `${name} must be a date written YYYY-MM-DD`)
    .refine((value) => {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return true; // the regex has said what is wrong
      const date = new Date(`${value}T00:00:00Z`);
      return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
    }, `${name} is not a date in the calendar`);
}

/**
 * The audit trail's query string: `page`, `dir` (`desc`, newest first, by default), and the filters `who` (the actor's
 * name or email contains), `what` (a category), `entityType` and `entityId` (the record), `from` and `to` (days in
 * London, both included) and `address` (a client address, or its start followed by `*`). Unknown parameters are
 * refused, so a mistyped filter is a 400 rather than silently ignored.
 */
export const auditTrailQuerySchema = listQuerySchema(
  ['at'],
  {
    who: searchTextSchema.optional(),
    what: z.enum(CATEGORY_KEYS, { errorMap: () => ({ message: `what must be one of ${CATEGORY_KEYS.join(', ')}` }) }).optional(),
    entityType: z
      .string()
      .regex(/^[a-z][a-z0-9_]{0,39}$/, 'entityType must be a kind of record such as response, round or user (lower-case letters and _)')
      .optional(),
    entityId: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9_,-]{1,40}$/, 'entityId must be a record id (letters, digits, -, _ and ,)')
      .optional(),
    from: dayParam('from').optional(),
    to: dayParam('to').optional(),
    address: z
      .string()
      .trim()
      .regex(/^[0-9A-Fa-f.:]{1,45}\*?$/, 'address must be an IP address, or the start of one followed by *')
      .optional(),
  },
  { strict: true },
).refine((query) => !query.from || !query.to || query.from <= query.to, { message: 'from must be on or before to', path: ['from'] });

export type AuditTrailQuery = z.infer<typeof auditTrailQuerySchema>;

/** The query string as the filters of the audit trail, or the reasons it is refused (each naming its parameter). */
export function parseAuditTrailQuery(params: URLSearchParams): { ok: true; query: AuditTrailQuery } | { ok: false; message: string } {
  const parsed = auditTrailQuerySchema.safeParse(Object.fromEntries(params));
  if (parsed.success) return { ok: true, query: parsed.data };
  const messages = parsed.error.issues.map((issue) =>
    issue.code === 'unrecognized_keys' ? `unknown parameter${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}` : issue.message,
  );
  return { ok: false, message: `The filters are not valid: ${messages.join('; ')}.` };
}

const londonParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** How far London's clock is ahead of UTC at an instant (0 in winter, an hour in summer), in milliseconds. */
function londonOffsetMs(at: number): number {
  const part = Object.fromEntries(londonParts.formatToParts(new Date(at)).map((p) => [p.type, Number(p.value)]));
  return Date.UTC(part.year, part.month - 1, part.day, part.hour, part.minute, part.second) - Math.floor(at / 1000) * 1000;
}

/** The instant a day starts in London (midnight is never in a clock change there: they happen at 01:00 UTC). */
export function londonDayStart(day: string): Date {
  const utcMidnight = Date.parse(`${day}T00:00:00Z`);
  return new Date(utcMidnight - londonOffsetMs(utcMidnight - londonOffsetMs(utcMidnight)));
}

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

const londonTime = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', dateStyle: 'medium', timeStyle: 'medium' });

/** The events the filters select, with their actor (an event's actor may be none: the system, or an unknown account). */
function matching(db: Executor, query: Partial<AuditTrailQuery>) {
  const address = query.address;
  return db
    .selectFrom('audit_events as e')
    .leftJoin('users as u', 'u.id', 'e.actor_id')
    .$if(Boolean(query.who), (q) =>
      q.where((eb) => eb.or([eb('u.email', 'ilike', containsPattern(query.who!)), eb('u.name', 'ilike', containsPattern(query.who!))])),
    )
    .$if(query.what !== undefined, (q) => q.where(categoryCondition(query.what!)))
    .$if(query.entityType !== undefined, (q) => q.where('e.entity_type', '=', query.entityType!))
    .$if(query.entityId !== undefined, (q) => q.where('e.entity_id', '=', query.entityId!))
    .$if(query.from !== undefined, (q) => q.where('e.at', '>=', londonDayStart(query.from!)))
    .$if(query.to !== undefined, (q) => q.where('e.at', '<', londonDayStart(nextDay(query.to!))))
    .$if(address !== undefined, (q) =>
      address!.endsWith('*')
        ? q.where(sql<SqlBool>`starts_with(e.address, ${address!.slice(0, -1).toLowerCase()})`)
        : q.where('e.address', '=', address!.toLowerCase()),
    );
}

const EVENT_COLUMNS = [
  'e.id',
  'e.at',
  'e.actor_id',
  'u.email as actor_email',
  'u.name as actor_name',
  'e.action',
  'e.entity_type',
  'e.entity_id',
  'e.details',
  'e.address',
  'e.user_agent',
] as const;

type EventRow = {
  id: string;
  at: Date;
  actor_id: number | null;
  actor_email: string | null;
  actor_name: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  details: Record<string, unknown>;
  address: string | null;
  user_agent: string | null;
};

/** An event as the page and the CSV show it. */
export type AuditTrailEntry = {
  id: string;
  /** ISO 8601, UTC. */
  at: string;
  /** The same instant on London's clock, as people read it ("2 Dec 2026, 14:03:07"). */
  atLondon: string;
  who: { kind: 'user'; id: number; name: string; email: string } | { kind: 'system' } | { kind: 'unknown-account' };
  /** Who in words: "Name (email)", "system" (start-up, the command line, expiry) or "unknown account" (a sign-in). */
  whoLabel: string;
  action: string;
  category: AuditCategory;
  description: string;
  record: { type: string; id: string | null; label: string; href: string | null };
  address: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
};

// The records an event can name, and how to label and link them. Ids are read from the event's entity and from
// details that name another record (a membership's team or area).
type Labels = {
  users: Map<number, { email: string; name: string }>;
  teams: Map<number, string>;
  areas: Map<number, string>;
  rounds: Map<number, string>;
  responses: Map<number, { team: string; round: string }>;
  versions: Map<number, string>;
};

const idOf = (value: unknown): number | null => {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,10}$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) && n > 0 && n <= MAX_ID ? n : null;
};

async function loadLabels(db: Executor, rows: EventRow[]): Promise<Labels> {
  const ids = {
    user: new Set<number>(),
    team: new Set<number>(),
    area: new Set<number>(),
    round: new Set<number>(),
    response: new Set<number>(),
    version: new Set<number>(),
  };
  for (const row of rows) {
    const id = idOf(row.entity_id);
    const type = row.entity_type === 'questionnaire_version' ? 'version' : row.entity_type;
    if (id !== null && type in ids) ids[type as keyof typeof ids].add(id);
    const teamId = idOf(row.details.teamId);
    const areaId = idOf(row.details.areaId);
    if (teamId !== null) ids.team.add(teamId);
    if (areaId !== null) ids.area.add(areaId);
  }
  const list = (set: Set<number>) => [...set];
  const [users, teams, areas, rounds, responses, versions] = await Promise.all([
    ids.user.size ? db.selectFrom('users').select(['id', 'email', 'name']).where('id', 'in', list(ids.user)).execute() : [],
    ids.team.size ? db.selectFrom('teams').select(['id', 'name']).where('id', 'in', list(ids.team)).execute() : [],
    ids.area.size ? db.selectFrom('areas').select(['id', 'name']).where('id', 'in', list(ids.area)).execute() : [],
    ids.round.size ? db.selectFrom('rounds').select(['id', 'name']).where('id', 'in', list(ids.round)).execute() : [],
    ids.response.size
      ? db
          .selectFrom('responses as s')
          .innerJoin('teams as t', 't.id', 's.team_id')
          .innerJoin('rounds as r', 'r.id', 's.round_id')
          .select(['s.id', 't.name as team', 'r.name as round'])
          .where('s.id', 'in', list(ids.response))
          .execute()
      : [],
    ids.version.size
      ? db
          .selectFrom('questionnaire_versions as v')
          .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
          .select(['v.id', 'q.title', 'v.version'])
          .where('v.id', 'in', list(ids.version))
          .execute()
      : [],
  ]);
  return {
    users: new Map(users.map((u) => [u.id, { email: u.email, name: u.name }])),
    teams: new Map(teams.map((t) => [t.id, t.name])),
    areas: new Map(areas.map((a) => [a.id, a.name])),
    rounds: new Map(rounds.map((r) => [r.id, r.name])),
    responses: new Map(responses.map((s) => [s.id, { team: s.team, round: s.round }])),
    versions: new Map(versions.map((v) => [v.id, `${v.title}, version ${v.version}`])),
  };
}

function recordOf(row: EventRow, labels: Labels): AuditTrailEntry['record'] {
  const id = idOf(row.entity_id);
  const base = { type: row.entity_type, id: row.entity_id };
  const plain = `${row.entity_type.replace(/_/g, ' ')}${row.entity_id !== null ? ` #${row.entity_id}` : ''}`;
  if (id !== null) {
    switch (row.entity_type) {
      case 'user': {
        const user = labels.users.get(id);
        if (user) return { ...base, label: `${user.name} (${user.email})`, href: `/admin?userQ=${encodeURIComponent(user.email)}#users` };
        break;
      }
      case 'team': {
        const team = labels.teams.get(id);
        if (team) return { ...base, label: team, href: `/admin?teamQ=${encodeURIComponent(team)}#teams` };
        break;
      }
      case 'area': {
        const area = labels.areas.get(id);
        if (area) return { ...base, label: area, href: `/admin?teamArea=${id}#teams` };
        break;
      }
      case 'round': {
        const round = labels.rounds.get(id);
        if (round) return { ...base, label: `Round #${id}: ${round}`, href: `/review/rounds/${id}` };
        break;
      }
      case 'response': {
        const response = labels.responses.get(id);
        if (response) return { ...base, label: `Response #${id}: ${response.team}, ${response.round}`, href: `/review/responses/${id}` };
        break;
      }
      case 'action':
        return { ...base, label: `Action #${id}`, href: `/actions/${id}` };
      case 'questionnaire_version': {
        const version = labels.versions.get(id);
        if (version) return { ...base, label: version, href: '/admin#questionnaires' };
        break;
      }
    }
  }
  if (row.entity_type === 'audit_trail') return { ...base, label: 'The audit trail', href: '/admin/audit' };
  if (row.entity_type === 'actions') return { ...base, label: 'The actions', href: '/actions' };
  return { ...base, label: row.entity_id === null && row.entity_type === 'user' ? 'an unknown account' : plain, href: null };
}

const text = (value: unknown): string | null => (typeof value === 'string' && value ? value : typeof value === 'number' ? String(value) : null);
const count = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;
const FAILURES: Record<string, string> = {
  'wrong-password': 'wrong password',
  disabled: 'the account is disabled',
  'no-password': 'the account has no password',
  'unknown-account': 'no account has that email',
};
const ROLES: Record<string, string> = { admin: 'administrator', reviewer: 'reviewer', manager: 'team manager', auditor: 'auditor' };
const EXPORTS: Record<string, string> = {
  answers: 'the answers',
  'round-overview': 'the overview table',
  'case-figures': 'the case figures',
};

/** An event in words: what happened, from its action and details (the record column says which record in full). */
export function describeEvent(row: Pick<EventRow, 'action' | 'entity_type' | 'entity_id' | 'details'>, labels?: Partial<Labels>): string {
  const d = row.details;
  const id = row.entity_id ?? '';
  const revision = typeof d.revision === 'number' ? ` (revision ${d.revision})` : '';
  switch (row.action) {
    case 'session.login':
      return 'Signed in';
    case 'session.login_failed':
      return `Failed sign-in: ${FAILURES[String(d.reason)] ?? 'refused'}`;
    case 'session.login_refused': {
      const minutes = typeof d.retryAfterSeconds === 'number' ? Math.max(1, Math.ceil(d.retryAfterSeconds / 60)) : null;
      const where = d.scope === 'address' ? 'from this address' : 'for this account';
      return `Sign-in refused before checking the password: too many failed sign-ins ${where}${minutes ? ` (blocked for ${count(minutes, 'more minute')})` : ''}${d.reason === 'unknown-account' ? '; no account has that email' : ''}`;
    }
    case 'session.logout':
      return 'Signed out';
    case 'session.logout_everywhere':
      return `Signed out everywhere${typeof d.sessions === 'number' ? ` (${count(d.sessions, 'session')} ended)` : ''}`;
    case 'session.expire':
      return `Session ended ${d.reason === 'idle' ? 'after a time without activity' : 'at its time limit'}`;
    case 'user.password_change':
      return 'Changed their password';
    case 'user.password_set':
      return `Set a new password for ${text(d.email) ?? `user #${id}`}`;
    case 'api_token.create':
      return `Created the API token “${text(d.name) ?? 'API token'}”`;
    case 'api_token.revoke':
      return `Revoked API token #${id}`;
    case 'user.create':
      return `Created the account ${text(d.email) ?? `#${id}`}`;
    case 'user.disable':
      return `Disabled the account ${text(d.email) ?? `#${id}`}`;
    case 'user.enable':
      return `Enabled the account ${text(d.email) ?? `#${id}`} again`;
    case 'membership.grant': {
      const teamId = idOf(d.teamId);
      const areaId = idOf(d.areaId);
      const team = teamId !== null ? (labels?.teams?.get(teamId) ?? `team #${teamId}`) : null;
      const area = areaId !== null ? (labels?.areas?.get(areaId) ?? `area #${areaId}`) : null;
      const scope = team ? ` of ${team}` : area ? ` for ${area}` : d.role === 'reviewer' || d.role === 'auditor' ? ' for the whole authority' : '';
      const user = idOf(id) !== null ? labels?.users?.get(idOf(id)!) : undefined;
      return `Gave ${user ? user.name : `user #${id}`} the role ${ROLES[String(d.role)] ?? String(d.role)}${scope}`;
    }
    case 'area.create':
      return `Created the area “${text(d.name) ?? id}”`;
    case 'team.create':
      return `Created the team “${text(d.name) ?? id}”`;
    case 'round.create': {
      const teams = typeof d.teams === 'number' ? `, ${count(d.teams, 'team')}` : '';
      const follows = idOf(d.followsRoundId) !== null ? `, following round #${d.followsRoundId}` : '';
      return `Created ${d.subject === 'case' ? 'the case-file audit round' : 'the round'} “${text(d.name) ?? id}”${teams}${follows}`;
    }
    case 'round.close':
      return `Closed the round “${text(d.name) ?? id}”`;
    case 'round.reopen':
      return `Reopened the round “${text(d.name) ?? id}”`;
    case 'questionnaire_version.publish':
      return `Published the questionnaire version ${text(d.file) ?? `#${id}`}`;
    case 'questionnaire_version.roles':
      return `Recorded question roles for ${text(d.file) ?? `version #${id}`}`;
    case 'response.submit':
      return `Submitted response #${id}${revision}`;
    case 'response.return': {
      const notes = [
        typeof d.revision === 'number' ? `revision ${d.revision}` : null,
        Array.isArray(d.questions) && d.questions.length ? `${count(d.questions.length, 'question')} marked` : null,
      ].filter(Boolean);
      return `Returned response #${id} for correction${notes.length ? ` (${notes.join('; ')})` : ''}`;
    }
    case 'response.confirm_carried':
      return `Confirmed carried-forward answers of response #${id}${revision}`;
    case 'export': {
      const format = String(d.format ?? 'csv').toUpperCase();
      if (d.kind === 'audit-trail') return `Exported the audit trail (${format})`;
      if (d.kind === 'actions') return `Exported the actions (${format})`;
      const form = text(d.form) ? `${text(d.form)}, ` : '';
      return `Exported ${EXPORTS[String(d.kind)] ?? 'data'} of round #${id} (${form}${format})`;
    }
    case 'cases.upload':
      return `Uploaded ${typeof d.cases === 'number' ? count(d.cases, 'case') : 'cases'} to round #${id}`;
    case 'cases.sample':
      return `Drew a sample of ${typeof d.cases === 'number' ? count(d.cases, 'case') : 'cases'} in round #${id}`;
    case 'cases.add':
      return `Added ${text(d.reference) ? `the case ${text(d.reference)}` : 'a case'} to round #${id}`;
    case 'audit.take':
      return `Took on case audit #${id}`;
    case 'audit.reply':
      return `Replied to case audit #${id}${text(d.stance) ? ` (${text(d.stance)})` : ''}`;
    case 'moderation.start': {
      const assigned = Array.isArray(d.assigned) ? d.assigned.length : typeof d.assigned === 'number' ? d.assigned : null;
      return `Started moderation in round #${id}${assigned !== null ? ` (${count(assigned, 'second audit')})` : ''}`;
    }
    case 'moderation.decide':
      return `Decided a moderated answer of case audit #${id}`;
    case 'action.propose':
      return `Proposed ${typeof d.proposed === 'number' ? count(d.proposed, 'action') : 'actions'} from submitted response #${id}${
        typeof d.withdrawn === 'number' && d.withdrawn ? ` (${count(d.withdrawn, 'proposal')} withdrawn)` : ''
      }`;
    case 'action.accept':
      return `Accepted action A-${id} into the register${idOf(d.response) !== null ? ` (from response #${d.response})` : ''}`;
    case 'action.merge':
      return `Merged ${Array.isArray(d.proposals) ? count(d.proposals.length, 'proposed action') : 'proposed actions'} into action A-${id}`;
    case 'action.reject':
      return `Rejected ${Array.isArray(d.proposals) ? count(d.proposals.length, 'proposed action') : 'proposed actions'}${text(d.reason) ? `: “${text(d.reason)}”` : ''}`;
    case 'action.create':
      return `Raised action A-${id}${d.source === 'recommendation' ? ` for recommendation ${text(d.reference) ?? '(no reference)'}` : d.source === 'case-audit' ? ' from a case-file audit' : ''}`;
    case 'action.update':
    case 'action.follow_up': {
      const status = Array.isArray(d.status) ? ` (now ${String(d.status[1]).replace('_', ' ')})` : '';
      return `${row.action === 'action.follow_up' ? `Followed up action A-${id} in response #${d.response}` : `Updated action A-${id}`}${status}`;
    }
    case 'demo.seed_organisation':
      return `Created the demo organisation${typeof d.teams === 'number' ? ` (${count(d.teams, 'team')})` : ''}`;
  }
  // An action this page has no words for (a newer feature's): its name, its record, and a title if it has one.
  const [area, ...verb] = row.action.split('.');
  const name = `${area.charAt(0).toUpperCase()}${area.slice(1).replace(/_/g, ' ')}${verb.length ? `: ${verb.join(' ').replace(/_/g, ' ')}` : ''}`;
  const record = row.entity_id !== null ? ` (${row.entity_type.replace(/_/g, ' ')} #${row.entity_id})` : '';
  const title = text(d.title) ?? text(d.name) ?? text(d.reference);
  return `${name}${record}${title ? `: “${title}”` : ''}`;
}

function entryOf(row: EventRow, labels: Labels): AuditTrailEntry {
  const who: AuditTrailEntry['who'] =
    row.actor_id !== null
      ? { kind: 'user', id: row.actor_id, name: row.actor_name ?? '', email: row.actor_email ?? '' }
      : row.details.reason === 'unknown-account'
        ? { kind: 'unknown-account' }
        : { kind: 'system' };
  return {
    id: String(row.id),
    at: row.at.toISOString(),
    atLondon: londonTime.format(row.at),
    who,
    whoLabel: whoText(who),
    action: row.action,
    category: categoryOf(row.action),
    description: describeEvent(row, labels),
    record: recordOf(row, labels),
    address: row.address,
    userAgent: row.user_agent,
    details: row.details,
  };
}

async function entriesOf(db: Executor, rows: EventRow[]): Promise<AuditTrailEntry[]> {
  const labels = await loadLabels(db, rows);
  return rows.map((row) => entryOf(row, labels));
}

/** One page of the events the filters select, newest first unless `dir=asc`, with how many match in all. */
export async function listAuditTrailPage(db: Executor, query: Partial<AuditTrailQuery>, pageSize = PAGE_SIZE) {
  const dir: SortDirection = query.dir ?? 'desc';
  const events = matching(db, query);
  const { n } = await events.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  const page = pageWindow(Number(n), query.page ?? 1, pageSize);
  const rows = (await events
    .select([...EVENT_COLUMNS])
    .orderBy('e.at', dir)
    .orderBy('e.id', dir)
    .limit(page.size)
    .offset(page.offset)
    .execute()) as EventRow[];
  return { page, dir, rows: await entriesOf(db, rows) };
}

/**
 * Every event the filters select, in the page's order, read in batches (keyset on time and id, so a long trail is
 * never held whole nor re-scanned from the start).
 */
export async function* auditTrailEntries(db: Executor, query: Partial<AuditTrailQuery>, batchSize = 1000): AsyncGenerator<AuditTrailEntry> {
  const dir: SortDirection = query.dir ?? 'desc';
  let afterId: string | null = null;
  for (;;) {
    // The last event's time is read in SQL, not sent back from JavaScript: a Date would lose its microseconds.
    const last: string | null = afterId;
    const position = sql`(select a.at, a.id from audit_events a where a.id = ${last}::bigint)`;
    const rows = (await matching(db, query)
      .select([...EVENT_COLUMNS])
      .$if(last !== null, (q) => q.where(dir === 'desc' ? sql<SqlBool>`(e.at, e.id) < ${position}` : sql<SqlBool>`(e.at, e.id) > ${position}`))
      .orderBy('e.at', dir)
      .orderBy('e.id', dir)
      .limit(batchSize)
      .execute()) as EventRow[];
    for (const entry of await entriesOf(db, rows)) yield entry;
    if (rows.length < batchSize) return;
    afterId = String(rows[rows.length - 1].id);
  }
}

/** The kinds of record the trail holds, for the filter's list. */
export async function auditEntityTypes(db: Executor): Promise<string[]> {
  const rows = await db.selectFrom('audit_events').select('entity_type').distinct().orderBy('entity_type').execute();
  return rows.map((r) => r.entity_type);
}

/** Who an event's actor is, in words (the page and the CSV). */
export function whoText(who: AuditTrailEntry['who']): string {
  return who.kind === 'user' ? `${who.name} (${who.email})` : who.kind === 'unknown-account' ? 'unknown account' : 'system';
}

export const AUDIT_CSV_COLUMNS = [
  'at',
  'at_london',
  'actor_id',
  'actor',
  'action',
  'category',
  'description',
  'entity_type',
  'entity_id',
  'record',
  'address',
  'user_agent',
  'details',
] as const;

/** An event as a CSV line (the columns of AUDIT_CSV_COLUMNS). */
export function auditCsvRow(entry: AuditTrailEntry): Record<(typeof AUDIT_CSV_COLUMNS)[number], string> {
  return {
    at: entry.at,
    at_london: entry.atLondon,
    actor_id: entry.who.kind === 'user' ? String(entry.who.id) : '',
    actor: entry.whoLabel,
    action: entry.action,
    category: entry.category,
    description: entry.description,
    entity_type: entry.record.type,
    entity_id: entry.record.id ?? '',
    record: entry.record.label,
    address: entry.address ?? '',
    user_agent: entry.userAgent ?? '',
    details: JSON.stringify(entry.details),
  };
}

/** The events the filters select as a CSV file (UTF-8 with a byte-order mark), streamed in batches. */
export function auditTrailCsv(db: Executor, query: Partial<AuditTrailQuery>): ReadableStream<Uint8Array> {
  // Text a spreadsheet would run as a formula (a name, a case reference) is neutralised, as in the other exports.
  const stringifier = stringify({ header: true, columns: [...AUDIT_CSV_COLUMNS], bom: true, cast: { string: (value) => neutraliseFormula(value) } });
  const rows = (async function* () {
    for await (const entry of auditTrailEntries(db, query)) yield auditCsvRow(entry);
  })();
  const source = Readable.from(rows);
  source.on('error', (error) => stringifier.destroy(error));
  source.pipe(stringifier);
  return Readable.toWeb(stringifier) as unknown as ReadableStream<Uint8Array>;
}
