import type { LoaderFunctionArgs } from '@remix-run/node';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTrailEntries, categoryOf, listAuditTrailPage, londonDayStart, type AuditCategory, type AuditTrailEntry } from '../app/models/audit-trail.server';
import { recordAudit } from '../app/models/audit.server';
import { createApiToken } from '../app/models/auth.server';
import { loadRegistry, publishRegistry } from '../app/models/registry.server';
import { createRound } from '../app/models/rounds.server';
import { saveResponseChange } from '../app/models/responses.server';
import { beginSignIn, SIGN_IN_LIMITS } from '../app/models/sign-in-throttle.server';
import type { CurrentUser } from '../app/models/users.server';
import { action as adminAction } from '../app/routes/admin._index';
import { loader as auditPage } from '../app/routes/admin.audit';
import { loader as auditCsv } from '../app/routes/admin.audit[.csv]';
import { action as actionPage } from '../app/routes/actions.$actionId';
import { action as raiseActionPage } from '../app/routes/actions.new';
import { action as proposalsPage } from '../app/routes/actions.proposed';
import { loader as actionsCsv } from '../app/routes/actions[.csv]';
import { action as addTeamAction } from '../app/routes/admin.teams.new';
import { action as addUserAction } from '../app/routes/admin.users.new';
import { action as submitApi } from '../app/routes/api.v1.responses.$responseId.submit';
import { action as roundsApi } from '../app/routes/api.v1.rounds._index';
import { loader as exportCsvApi } from '../app/routes/api.v1.rounds.$roundId.export[.csv]';
import { loader as exportXlsxApi } from '../app/routes/api.v1.rounds.$roundId.export[.xlsx]';
import { action as loginAction } from '../app/routes/login';
import { action as reviewResponseAction } from '../app/routes/review.responses.$responseId';
import { loader as overviewCsv } from '../app/routes/review.rounds.$roundId[.csv]';
import { loader as caseFiguresCsv } from '../app/routes/review.rounds.$roundId.case-figures[.csv]';
import { runWithRequestOrigin } from '../app/utils/request-context.server';
import { DEMO_PASSWORD, startServer, type TestServer } from './helpers/browser';
import { onPostgres, useTestDatabase, type TestDatabase } from './helpers/db';
import { callRoute, createArea, createTeam, createUser, FIXTURE_SURVEYS, sessionHeaders, TEST_PASSWORD } from './helpers/factories';

/*
 * The audit trail (issue 13): every kind of event the administrators must be able to find leaves one, with its actor
 * and, for a request, the client's address and User-Agent; the page's filters narrow it; the CSV holds the same rows;
 * only administrators may read it.
 *
 * Each kind is a case in CASES: `run` does the thing the way a person would (a route called with an address and a
 * User-Agent, as server.ts sets them) and returns the events it must have left. Cases run in order and may use what
 * earlier ones made (`ctx`). To add a kind, add a case.
 */

const ADDRESS = '198.51.100.23';
const AGENT = 'AuditTrailTest/1.0 (vitest)';

let test: TestDatabase;
let admin: CurrentUser;
let reviewer: CurrentUser;
let manager: CurrentUser;
let teamIds: number[];

/** What the cases made, for later cases. */
const ctx = {} as {
  versionId: number;
  roundId: number;
  responseId: number;
  caseRoundId: number;
  newUserId: number;
  managerToken: string;
  reviewerToken: string;
  actionId: number;
};

beforeAll(async () => {
  test = await useTestDatabase();
  const area = await createArea(test.db, 'Audit Area');
  teamIds = [(await createTeam(test.db, area.id, 'duty-initial-assessment', 'Audit Duty')).id, (await createTeam(test.db, area.id, 'other', 'Audit Other')).id];
  admin = await createUser(test.db, 'admin', {}, 'Ada Admin');
  reviewer = await createUser(test.db, 'reviewer', {}, 'Rex Reviewer');
  manager = await createUser(test.db, 'manager', { teamId: teamIds[0] }, 'Mo Manager');
  ctx.managerToken = (await createApiToken(test.db, manager.id, 'audit test')).token;
  ctx.reviewerToken = (await createApiToken(test.db, reviewer.id, 'audit test')).token;
});
afterAll(() => test.destroy());

type Init = RequestInit & { params?: Record<string, string> };

/** A route called as a request from ADDRESS with the AGENT User-Agent (server.ts's request origin). */
function request<T>(fn: Parameters<typeof callRoute<T>>[0], url: string, init: Init = {}) {
  return callRoute(fn, url, { ...init, headers: { 'User-Agent': AGENT, ...(init.headers as Record<string, string>) }, context: { clientAddress: ADDRESS } });
}

const signedIn = async (user: { id: number }) => sessionHeaders(test.db, user);
// The administrator reading the trail signs in once: each sign-in is itself an event.
let adminSession: Promise<Record<string, string>> | undefined;
const asAdmin = () => (adminSession ??= signedIn(admin));
const bearer = (token: string) => ({ Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' });
const form = (fields: Record<string, string>) => new URLSearchParams(fields);

async function statusOf(result: unknown): Promise<number> {
  if (result instanceof Response) {
    await result.arrayBuffer(); // a download is streamed: read it whole, as a browser would
    return result.status;
  }
  const r = result as { type?: string; init?: { status?: number } };
  return r?.type === 'DataWithResponseInit' ? (r.init?.status ?? 200) : 200;
}

/** An event a case must leave. `address` is ADDRESS unless said (null: recorded outside a request). */
type Expected = {
  action: string;
  actorId: number | null;
  entityType: string;
  entityId: number | string | null;
  address?: string | null;
  details?: Record<string, unknown>;
  /** How the page describes it. */
  description: RegExp;
  /** How the page names the actor, when there is none. */
  who?: 'system' | 'unknown-account';
};

type Case = { name: string; category: AuditCategory; run: () => Promise<Expected[]> };

const CASES: Case[] = [
  {
    name: 'questionnaire version publish (at start-up or from the command line: no person, no address)',
    category: 'questionnaires',
    run: async () => {
      await publishRegistry(test.db, loadRegistry(FIXTURE_SURVEYS));
      const versions = await test.db.selectFrom('questionnaire_versions').select(['id', 'version']).orderBy('version').execute();
      ctx.versionId = versions[0].id;
      return versions.map((v) => ({
        action: 'questionnaire_version.publish',
        actorId: null,
        entityType: 'questionnaire_version',
        entityId: v.id,
        address: null,
        who: 'system' as const,
        description: new RegExp(`^Published the questionnaire version fixture-check/v${v.version}\\.json$`),
      }));
    },
  },
  {
    name: 'sign-in',
    category: 'sign-in',
    run: async () => {
      expect(await statusOf(await request(loginAction, '/login', { method: 'POST', body: form({ email: manager.email, password: TEST_PASSWORD }) }))).toBe(302);
      return [{ action: 'session.login', actorId: manager.id, entityType: 'user', entityId: manager.id, description: /^Signed in$/ }];
    },
  },
  {
    name: 'failed sign-in of an account (its id, never the password)',
    category: 'sign-in',
    run: async () => {
      expect(
        await statusOf(
          await request(loginAction, '/login', { method: 'POST', body: form({ email: manager.email.toUpperCase(), password: 'not-the-password' }) }),
        ),
      ).toBe(401);
      const stored = await test.db.selectFrom('audit_events').selectAll().where('action', '=', 'session.login_failed').execute();
      expect(JSON.stringify(stored)).not.toContain('not-the-password');
      return [
        {
          action: 'session.login_failed',
          actorId: manager.id,
          entityType: 'user',
          entityId: manager.id,
          details: { reason: 'wrong-password' },
          description: /^Failed sign-in: wrong password$/,
        },
      ];
    },
  },
  {
    name: 'failed sign-in of an unknown email (not the email typed)',
    category: 'sign-in',
    run: async () => {
      const typed = 'Perhaps-A-Password@nowhere.example';
      expect(await statusOf(await request(loginAction, '/login', { method: 'POST', body: form({ email: typed, password: 'whatever it was' }) }))).toBe(401);
      const stored = await test.db.selectFrom('audit_events').selectAll().where('action', '=', 'session.login_failed').where('actor_id', 'is', null).execute();
      expect(JSON.stringify(stored).toLowerCase()).not.toContain('perhaps-a-password');
      return [
        {
          action: 'session.login_failed',
          actorId: null,
          entityType: 'user',
          entityId: null,
          details: { reason: 'unknown-account' },
          who: 'unknown-account',
          description: /^Failed sign-in: no account has that email$/,
        },
      ];
    },
  },
  {
    name: 'sign-in refused by throttling',
    category: 'sign-in',
    run: async () => {
      for (let i = 0; i < SIGN_IN_LIMITS.account; i++) await beginSignIn(test.db, { email: reviewer.email, address: null });
      expect(await statusOf(await request(loginAction, '/login', { method: 'POST', body: form({ email: reviewer.email, password: TEST_PASSWORD }) }))).toBe(
        429,
      );
      return [
        {
          action: 'session.login_refused',
          actorId: reviewer.id,
          entityType: 'user',
          entityId: reviewer.id,
          details: { scope: 'account' },
          description: /^Sign-in refused before checking the password: too many failed sign-ins for this account/,
        },
      ];
    },
  },
  {
    name: 'user create (with their first role)',
    category: 'people',
    run: async () => {
      const fields = {
        email: 'new.person@test.example',
        name: 'New Person',
        role: 'reviewer',
        reviewerArea: '',
        team: '',
        password: 'a long enough first password',
      };
      expect(await statusOf(await request(addUserAction, '/admin/users/new', { method: 'POST', headers: await signedIn(admin), body: form(fields) }))).toBe(
        302,
      );
      ctx.newUserId = (await test.db.selectFrom('users').select('id').where('email', '=', fields.email).executeTakeFirstOrThrow()).id;
      return [
        {
          action: 'user.create',
          actorId: admin.id,
          entityType: 'user',
          entityId: ctx.newUserId,
          description: /^Created the account new\.person@test\.example$/,
        },
        {
          action: 'membership.grant',
          actorId: admin.id,
          entityType: 'user',
          entityId: ctx.newUserId,
          details: { role: 'reviewer' },
          description: /^Gave New Person the role reviewer for the whole authority$/,
        },
      ];
    },
  },
  {
    name: 'role change (a role added to an existing account)',
    category: 'people',
    run: async () => {
      const fields = { email: 'new.person@test.example', name: 'New Person', role: 'manager', reviewerArea: '', team: 'audit-duty', password: '' };
      expect(await statusOf(await request(addUserAction, '/admin/users/new', { method: 'POST', headers: await signedIn(admin), body: form(fields) }))).toBe(
        302,
      );
      return [
        {
          action: 'membership.grant',
          actorId: admin.id,
          entityType: 'user',
          entityId: ctx.newUserId,
          details: { role: 'manager', teamId: teamIds[0] },
          description: /^Gave New Person the role team manager of Audit Duty$/,
        },
      ];
    },
  },
  {
    name: 'account disabled',
    category: 'people',
    run: async () => {
      const fields = { intent: 'disable', userId: String(ctx.newUserId) };
      expect(await statusOf(await request(adminAction, '/admin', { method: 'POST', headers: await signedIn(admin), body: form(fields) }))).toBe(200);
      return [
        {
          action: 'user.disable',
          actorId: admin.id,
          entityType: 'user',
          entityId: ctx.newUserId,
          description: /^Disabled the account new\.person@test\.example$/,
        },
      ];
    },
  },
  {
    name: 'team create',
    category: 'teams',
    run: async () => {
      const area = await test.db.selectFrom('areas').select('id').where('name', '=', 'Audit Area').executeTakeFirstOrThrow();
      const fields = { name: 'Audit Newcomers', areaId: String(area.id), newArea: '', teamType: 'other' };
      expect(await statusOf(await request(addTeamAction, '/admin/teams/new', { method: 'POST', headers: await signedIn(admin), body: form(fields) }))).toBe(
        302,
      );
      const team = await test.db.selectFrom('teams').select('id').where('name', '=', 'Audit Newcomers').executeTakeFirstOrThrow();
      return [{ action: 'team.create', actorId: admin.id, entityType: 'team', entityId: team.id, description: /^Created the team “Audit Newcomers”$/ }];
    },
  },
  {
    name: 'round create (through the API, with a token)',
    category: 'rounds',
    run: async () => {
      const body = JSON.stringify({ name: 'Audit Phase', questionnaireVersionId: ctx.versionId, dueDate: '2009-03-31', teams: { by: 'all' } });
      const response = (await request(roundsApi, '/api/v1/rounds', { method: 'POST', headers: bearer(ctx.reviewerToken), body })) as Response;
      expect(response.status).toBe(201);
      ctx.roundId = ((await response.json()) as { id: number }).id;
      const own = await test.db
        .selectFrom('responses')
        .select('id')
        .where('round_id', '=', ctx.roundId)
        .where('team_id', '=', teamIds[0])
        .executeTakeFirstOrThrow();
      ctx.responseId = own.id;
      return [
        { action: 'round.create', actorId: reviewer.id, entityType: 'round', entityId: ctx.roundId, description: /^Created the round “Audit Phase”, 3 teams$/ },
      ];
    },
  },
  {
    name: 'submit (through the API, with a token)',
    category: 'responses',
    run: async () => {
      const complete = { team_kind: 'duty', establishment: 12, vacant: 2, monthly: { '2008-12': { referrals: 40, trend: 'up' } } };
      const saved = await saveResponseChange(test.db, manager, ctx.responseId, { baseRevision: 0, set: complete, unset: [] });
      const url = `/api/v1/responses/${ctx.responseId}/submit`;
      const response = (await request(submitApi, url, {
        method: 'POST',
        headers: bearer(ctx.managerToken),
        body: JSON.stringify({ revision: saved.revision }),
        params: { responseId: String(ctx.responseId) },
      })) as Response;
      expect(response.status).toBe(200);
      const revision = saved.revision + 1;
      return [
        {
          action: 'response.submit',
          actorId: manager.id,
          entityType: 'response',
          entityId: ctx.responseId,
          details: { revision },
          description: new RegExp(`^Submitted response #${ctx.responseId} \\(revision ${revision}\\)$`),
        },
      ];
    },
  },
  {
    name: 'return (from the review page)',
    category: 'responses',
    run: async () => {
      const fields = new URLSearchParams({ intent: 'return', reason: 'Please check the vacancy figure.' });
      fields.append('questions', 'vacant');
      const url = `/review/responses/${ctx.responseId}`;
      const headers = await signedIn(reviewer);
      expect(
        await statusOf(await request(reviewResponseAction, url, { method: 'POST', headers, body: fields, params: { responseId: String(ctx.responseId) } })),
      ).toBe(302);
      return [
        {
          action: 'response.return',
          actorId: reviewer.id,
          entityType: 'response',
          entityId: ctx.responseId,
          details: { questions: ['vacant'] },
          description: new RegExp(`^Returned response #${ctx.responseId} for correction \\(revision \\d+; 1 question marked\\)$`),
        },
      ];
    },
  },
  {
    name: 'export of the answers, CSV (API)',
    category: 'exports',
    run: async () => {
      const url = `/api/v1/rounds/${ctx.roundId}/export.csv?form=long&includeInProgress=true`;
      expect(await statusOf(await request(exportCsvApi, url, { headers: bearer(ctx.reviewerToken), params: { roundId: String(ctx.roundId) } }))).toBe(200);
      return [
        {
          action: 'export',
          actorId: reviewer.id,
          entityType: 'round',
          entityId: ctx.roundId,
          details: { kind: 'answers', format: 'csv', form: 'long', filters: { includeInProgress: true } },
          description: new RegExp(`^Exported the answers of round #${ctx.roundId} \\(long, CSV\\)$`),
        },
      ];
    },
  },
  {
    name: 'export of the answers, XLSX (API)',
    category: 'exports',
    run: async () => {
      const url = `/api/v1/rounds/${ctx.roundId}/export.xlsx`;
      expect(await statusOf(await request(exportXlsxApi, url, { headers: bearer(ctx.reviewerToken), params: { roundId: String(ctx.roundId) } }))).toBe(200);
      return [
        {
          action: 'export',
          actorId: reviewer.id,
          entityType: 'round',
          entityId: ctx.roundId,
          details: { kind: 'answers', format: 'xlsx', form: 'wide' },
          description: new RegExp(`^Exported the answers of round #${ctx.roundId} \\(wide, XLSX\\)$`),
        },
      ];
    },
  },
  {
    name: 'export of the round overview, CSV (page)',
    category: 'exports',
    run: async () => {
      const url = `/review/rounds/${ctx.roundId}.csv?status=returned`;
      expect(await statusOf(await request(overviewCsv, url, { headers: await signedIn(reviewer), params: { roundId: String(ctx.roundId) } }))).toBe(200);
      return [
        {
          action: 'export',
          actorId: reviewer.id,
          entityType: 'round',
          entityId: ctx.roundId,
          details: { kind: 'round-overview', format: 'csv', filters: { status: 'returned' } },
          description: new RegExp(`^Exported the overview table of round #${ctx.roundId} \\(CSV\\)$`),
        },
      ];
    },
  },
  {
    name: 'export of the case figures, CSV (page)',
    category: 'exports',
    run: async () => {
      const round = await createRound(
        test.db,
        { subject: 'case', name: 'Audit Cases', questionnaireVersionId: ctx.versionId, dueDate: '2009-06-30', teamIds },
        reviewer.id,
      );
      ctx.caseRoundId = round.id;
      const url = `/review/rounds/${round.id}/case-figures.csv`;
      expect(await statusOf(await request(caseFiguresCsv, url, { headers: await signedIn(reviewer), params: { roundId: String(round.id) } }))).toBe(200);
      return [
        {
          action: 'export',
          actorId: reviewer.id,
          entityType: 'round',
          entityId: round.id,
          details: { kind: 'case-figures', format: 'csv' },
          description: new RegExp(`^Exported the case figures of round #${round.id} \\(CSV\\)$`),
        },
      ];
    },
  },
  {
    name: 'export of the audit trail itself',
    category: 'exports',
    run: async () => {
      expect(await statusOf(await request(auditCsv, '/admin/audit.csv?what=sign-in', { headers: await signedIn(admin) }))).toBe(200);
      return [
        {
          action: 'export',
          actorId: admin.id,
          entityType: 'audit_trail',
          entityId: null,
          details: { kind: 'audit-trail', format: 'csv', filters: { what: 'sign-in' } },
          description: /^Exported the audit trail \(CSV\)$/,
        },
      ];
    },
  },
  {
    name: 'an action raised for a recommendation (the register’s page)',
    category: 'actions',
    run: async () => {
      const body = form({ source: 'recommendation', reference: 'R2', title: 'Interim recording guidance for every team.', teamId: String(teamIds[0]) });
      const response = (await request(raiseActionPage, '/actions/new', { method: 'POST', headers: await signedIn(reviewer), body })) as Response;
      expect(response.status).toBe(302);
      ctx.actionId = Number(/\/actions\/(\d+)/.exec(response.headers.get('Location')!)![1]);
      return [
        {
          action: 'action.create',
          actorId: reviewer.id,
          entityType: 'action',
          entityId: ctx.actionId,
          details: { source: 'recommendation', reference: 'R2' },
          description: new RegExp(`^Raised action A-${ctx.actionId} for recommendation R2$`),
        },
      ];
    },
  },
  {
    name: 'an action updated by the team’s manager (its page)',
    category: 'actions',
    run: async () => {
      const body = form({ status: 'in_progress', note: 'Guidance drafted; out next week.' });
      const url = `/actions/${ctx.actionId}`;
      const response = (await request(actionPage, url, {
        method: 'POST',
        headers: await signedIn(manager),
        body,
        params: { actionId: String(ctx.actionId) },
      })) as Response;
      expect(response.status).toBe(302);
      return [
        {
          action: 'action.update',
          actorId: manager.id,
          entityType: 'action',
          entityId: ctx.actionId,
          details: { status: ['open', 'in_progress'] },
          description: new RegExp(`^Updated action A-${ctx.actionId} \\(now in progress\\)$`),
        },
      ];
    },
  },
  {
    name: 'proposed actions accepted and rejected (the proposals page)',
    category: 'actions',
    run: async () => {
      const [one, two] = await test.db
        .insertInto('action_proposals')
        .values([
          { response_id: ctx.responseId, question: 'monthly', row_name: '2008-12', title: 'Duty rota with a senior every day.' },
          { response_id: ctx.responseId, question: 'monthly', row_name: '2009-01', title: 'Ask the county for more staff.' },
        ])
        .returning('id')
        .execute();
      const headers = await signedIn(reviewer);
      await request(proposalsPage, '/actions/proposed', { method: 'POST', headers, body: form({ decision: 'accept', proposalIds: String(one.id) }) });
      await request(proposalsPage, '/actions/proposed', {
        method: 'POST',
        headers,
        body: form({ decision: 'reject', proposalIds: String(two.id), reason: 'Raised with the county already.' }),
      });
      const accepted = await test.db.selectFrom('action_proposals').select('action_id').where('id', '=', one.id).executeTakeFirstOrThrow();
      expect(accepted.action_id).not.toBeNull();
      return [
        {
          action: 'action.accept',
          actorId: reviewer.id,
          entityType: 'action',
          entityId: accepted.action_id,
          details: { proposal: one.id, response: ctx.responseId },
          description: new RegExp(`^Accepted action A-${accepted.action_id} into the register \\(from response #${ctx.responseId}\\)$`),
        },
        {
          action: 'action.reject',
          actorId: reviewer.id,
          entityType: 'action_proposal',
          entityId: String(two.id),
          description: /^Rejected 1 proposed action: “Raised with the county already\.”$/,
        },
      ];
    },
  },
  {
    name: 'export of the action register (CSV)',
    category: 'exports',
    run: async () => {
      expect(await statusOf(await request(actionsCsv, '/actions.csv?status=active', { headers: await signedIn(reviewer) }))).toBe(200);
      return [
        {
          action: 'export',
          actorId: reviewer.id,
          entityType: 'actions',
          entityId: null,
          details: { kind: 'actions', format: 'csv' },
          description: /^Exported the actions \(CSV\)$/,
        },
      ];
    },
  },
];

async function lastEventId(): Promise<number> {
  const row = await test.db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.max('id').as('id'))
    .executeTakeFirstOrThrow();
  return Number(row.id ?? 0);
}

/** The page (as an administrator) with these query parameters: its rows, every page of them. */
async function pageRows(query: Record<string, string>): Promise<AuditTrailEntry[]> {
  const headers = await asAdmin();
  const rows: AuditTrailEntry[] = [];
  for (let page = 1; ; page++) {
    const params = new URLSearchParams({ ...query, ...(page > 1 ? { page: String(page) } : {}) });
    const result = (await callRoute(auditPage, `/admin/audit?${params}`, { headers })) as Awaited<ReturnType<typeof auditPage>>;
    rows.push(...(JSON.parse(JSON.stringify(result.rows)) as AuditTrailEntry[]));
    if (result.page.number >= result.page.count) return rows;
  }
}

/** The CSV (as an administrator) with these query parameters, as records. */
async function csvRows(query: Record<string, string>): Promise<Record<string, string>[]> {
  const response = (await callRoute(auditCsv, `/admin/audit.csv?${new URLSearchParams(query)}`, { headers: await asAdmin() })) as Response;
  expect(response.status).toBe(200);
  expect(response.headers.get('Content-Type')).toBe('text/csv; charset=utf-8');
  return parse(await response.text(), { columns: true, bom: true }) as Record<string, string>[];
}

describe(`the audit trail records every kind of event (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  for (const kind of CASES) {
    it(kind.name, async () => {
      const before = await lastEventId();
      const expected = await kind.run();
      const events = await test.db.selectFrom('audit_events').selectAll().where('id', '>', String(before)).orderBy('id').execute();
      expect(JSON.stringify(events)).not.toContain(TEST_PASSWORD);
      for (const want of expected) {
        const entityId = want.entityId === null ? null : String(want.entityId);
        const found = events.filter((e) => e.action === want.action && e.entity_type === want.entityType && e.entity_id === entityId);
        expect(found, `one ${want.action} event for ${want.entityType} ${entityId}`).toHaveLength(1);
        const [event] = found;
        const address = want.address === undefined ? ADDRESS : want.address;
        expect(event).toMatchObject({ actor_id: want.actorId, address, user_agent: address === null ? null : AGENT });
        if (want.details) expect(event.details).toMatchObject(want.details);
        expect(categoryOf(event.action)).toBe(kind.category);

        // On the page: found by its category and record, described in words, with its actor and address.
        const filter: Record<string, string> = { what: kind.category, entityType: want.entityType, ...(entityId ? { entityId } : {}) };
        const listed = (await pageRows(filter)).find((row) => row.id === String(event.id));
        expect(listed, `${want.action} on the page filtered by ${JSON.stringify(filter)}`).toBeDefined();
        expect(listed!.description).toMatch(want.description);
        expect(listed!.address).toBe(address);
        expect(listed!.who).toEqual(want.actorId === null ? { kind: want.who ?? 'system' } : expect.objectContaining({ kind: 'user', id: want.actorId }));
        expect(listed!.at).toBe(new Date(event.at).toISOString());
      }
    });
  }
});

/** Events of the past at chosen times: id, time, address. */
const DATED = [
  ['dated-1', '2009-06-30T22:59:59.999Z', '203.0.113.1'],
  ['dated-2', '2009-06-30T23:30:00.000Z', '203.0.113.2'],
  ['dated-3', '2009-07-01T22:59:59.999Z', '203.0.113.30'],
  ['dated-4', '2009-07-01T23:00:00.000Z', '2001:db8::5'],
] as const;

describe(`filtering the audit trail (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  beforeAll(async () => {
    // Events at chosen times (the table takes inserts with a time; it refuses changes), in London's summer time:
    // 23:30 UTC on 30 June is 00:30 on 1 July in London.
    for (const [id, at, address] of DATED) {
      await test.db
        .insertInto('audit_events')
        .values({ at: new Date(at), actor_id: admin.id, action: 'test.dated', entity_type: 'test_dated', entity_id: id, address })
        .execute();
    }
    // Enough events for more than one page.
    await test.db
      .insertInto('audit_events')
      .values(Array.from({ length: 60 }, (_, i) => ({ actor_id: null, action: 'test.bulk', entity_type: 'test_bulk', entity_id: String(i) })))
      .execute();
    // An action register event, as the register records it.
    await runWithRequestOrigin({ address: ADDRESS, userAgent: AGENT }, () =>
      recordAudit(test.db, { actorId: reviewer.id, action: 'action.accept', entityType: 'action', entityId: 41, details: { title: 'Fill the vacant posts' } }),
    );
  });

  it('by category: each row is of its category, and the categories together are everything', async () => {
    const all = await pageRows({});
    let together = 0;
    for (const category of ['sign-in', 'people', 'teams', 'rounds', 'questionnaires', 'responses', 'exports', 'actions', 'case-audits', 'other'] as const) {
      const rows = await pageRows({ what: category });
      for (const row of rows) expect(categoryOf(row.action), `${row.action} under ${category}`).toBe(category);
      together += rows.length;
    }
    expect(together).toBe(all.length);
    expect((await pageRows({ what: 'sign-in' })).map((r) => r.action)).toEqual(
      expect.arrayContaining(['session.login', 'session.login_failed', 'session.login_refused']),
    );
  });

  it('shows and filters the action register’s events (action.*), described in words', async () => {
    const [row] = await pageRows({ what: 'actions' });
    expect(row).toMatchObject({
      action: 'action.accept',
      category: 'actions',
      address: ADDRESS,
      userAgent: AGENT,
      record: { type: 'action', id: '41', href: '/actions/41' },
    });
    expect(row.description).toBe('Accepted action A-41 into the register');
    expect((await pageRows({ entityType: 'action', entityId: '41' })).map((r) => r.id)).toEqual([row.id]);
  });

  it('by who: the actor’s email or name contains the text', async () => {
    const rows = await pageRows({ who: 'rex reviewer' });
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) expect(row.who).toMatchObject({ kind: 'user', id: reviewer.id });
    const byEmail = await pageRows({ who: manager.email.slice(0, 12).toUpperCase() });
    expect(byEmail.length).toBeGreaterThan(0);
    for (const row of byEmail) expect(row.who).toMatchObject({ kind: 'user', id: manager.id });
    expect(await pageRows({ who: 'nobody is called this' })).toEqual([]);
  });

  it('by record: kind and id', async () => {
    const rows = await pageRows({ entityType: 'response', entityId: String(ctx.responseId) });
    expect(rows.map((r) => r.action).sort()).toEqual(['response.return', 'response.submit']);
    expect(rows[0].record).toMatchObject({ href: `/review/responses/${ctx.responseId}`, label: expect.stringContaining('Audit Duty, Audit Phase') });
    const round = await pageRows({ entityType: 'round', entityId: String(ctx.roundId) });
    expect(round.map((r) => r.action).sort()).toEqual(['export', 'export', 'export', 'round.create']);
  });

  it('by days in London, both ends included', async () => {
    const ids = async (query: Record<string, string>) => (await pageRows({ what: 'other', entityType: 'test_dated', ...query })).map((r) => r.record.id).sort();
    expect(await ids({})).toEqual(['dated-1', 'dated-2', 'dated-3', 'dated-4']);
    expect(await ids({ from: '2009-07-01', to: '2009-07-01' })).toEqual(['dated-2', 'dated-3']);
    expect(await ids({ to: '2009-06-30' })).toEqual(['dated-1']);
    expect(await ids({ from: '2009-07-02' })).toEqual(['dated-4']);
    expect(await ids({ from: '2009-06-30', to: '2009-07-02' })).toEqual(['dated-1', 'dated-2', 'dated-3', 'dated-4']);
    // In winter London is on UTC: 1 December 2009 starts at midnight UTC.
    expect(londonDayStart('2009-12-01').toISOString()).toBe('2009-12-01T00:00:00.000Z');
    expect(londonDayStart('2009-07-01').toISOString()).toBe('2009-06-30T23:00:00.000Z');
    // Shown on London's clock, with the instant in the <time> element's attribute.
    const [summer] = await pageRows({ entityType: 'test_dated', entityId: 'dated-2' });
    expect(summer).toMatchObject({ at: '2009-06-30T23:30:00.000Z', atLondon: '1 Jul 2009, 00:30:00' });
  });

  it('by address: exactly, or by its start with *', async () => {
    const addresses = async (address: string) => (await pageRows({ address })).map((r) => r.address);
    expect(await addresses('203.0.113.3')).toEqual([]);
    expect(await addresses('203.0.113.30')).toEqual(['203.0.113.30']);
    expect((await addresses('203.0.113.*')).sort()).toEqual(['203.0.113.1', '203.0.113.2', '203.0.113.30']);
    expect(await addresses('2001:DB8::5')).toEqual(['2001:db8::5']);
    const fromTests = await pageRows({ address: ADDRESS });
    expect(fromTests.length).toBeGreaterThan(10);
  });

  it('orders newest first by default, oldest first with dir=asc, and pages by 50', async () => {
    const newest = await listAuditTrailPage(test.db, {});
    const oldest = await listAuditTrailPage(test.db, { dir: 'asc' });
    expect(newest.page.total).toBe(oldest.page.total);
    expect(newest.page.total).toBeGreaterThan(50);
    expect(newest.rows).toHaveLength(50);
    const times = newest.rows.map((r) => r.at);
    expect([...times].sort().reverse()).toEqual(times);
    expect(oldest.rows[0].record.id).toBe('dated-1');
    const all = await pageRows({});
    expect(all).toHaveLength(newest.page.total);
    expect(new Set(all.map((r) => r.id)).size).toBe(all.length);
  });

  it('reads the whole trail in batches with no event lost or repeated (times to the microsecond)', async () => {
    // Events in one transaction share their time: the batches must still part between them.
    await test.db.transaction().execute(async (trx) => {
      for (let i = 0; i < 5; i++) await recordAudit(trx, { actorId: null, action: 'test.same_time', entityType: 'test', entityId: `same-${i}` });
    });
    for (const dir of ['desc', 'asc'] as const) {
      const whole = (await listAuditTrailPage(test.db, { dir }, 100_000)).rows.map((r) => r.id);
      const batched: string[] = [];
      for await (const entry of auditTrailEntries(test.db, { dir }, 3)) batched.push(entry.id);
      expect(batched).toEqual(whole);
    }
  });

  it('gives the same rows in the CSV as on the page, with the same filters', async () => {
    for (const query of [{ what: 'responses' }, { who: 'ada', what: 'people' }, { address: '203.0.113.*', dir: 'asc' }] as Array<Record<string, string>>) {
      const page = await pageRows(query);
      const csv = await csvRows(query);
      expect(page.length).toBeGreaterThan(0);
      expect(csv.map((r) => [r.at, r.actor, r.action, r.description, r.entity_type, r.entity_id, r.address])).toEqual(
        page.map((r) => [r.at, r.whoLabel, r.action, r.description, r.record.type, r.record.id ?? '', r.address ?? '']),
      );
      expect(csv.map((r) => JSON.parse(r.details))).toEqual(page.map((r) => r.details));
    }
    // Unfiltered, the CSV also holds its own download, newest of all.
    const page = await pageRows({});
    const csv = await csvRows({});
    expect(csv).toHaveLength(page.length + 1);
    expect(csv[0]).toMatchObject({ action: 'export', description: 'Exported the audit trail (CSV)', actor_id: String(admin.id) });
    expect(csv.slice(1).map((r) => r.at)).toEqual(page.map((r) => r.at));
  });

  it('refuses bad filter values with 400 saying what is wrong, and records nothing', async () => {
    const headers = await asAdmin();
    const before = await lastEventId();
    for (const [query, message] of [
      ['what=everything', /what must be one of sign-in, people/],
      ['from=2026-02-30', /from is not a date in the calendar/],
      ['to=1%2F7%2F2026', /to must be a date written YYYY-MM-DD/],
      ['from=2026-07-02&to=2026-07-01', /from must be on or before to/],
      ['address=10.0.0.1%27%20or%201%3D1', /address must be an IP address/],
      ['entityType=Robert%27)%3B', /entityType must be a kind of record/],
      ['page=0', /page must be 1 or more/],
      ['dir=sideways', /dir must be asc or desc/],
      ['colour=red', /unknown parameter colour/],
      [`who=${'x'.repeat(101)}`, /at most 100 characters/],
    ] as const) {
      for (const [fn, path] of [
        [auditPage, '/admin/audit'],
        [auditCsv, '/admin/audit.csv'],
      ] as Array<[(args: LoaderFunctionArgs) => Promise<unknown>, string]>) {
        const response = (await callRoute(fn, `${path}?${query}`, { headers })) as Response;
        expect(response.status, `${path}?${query}`).toBe(400);
        const text = await response.text();
        expect(text).toMatch(/^The filters are not valid: /);
        expect(text).toMatch(message);
      }
    }
    expect(await lastEventId()).toBe(before);
  });

  it('is for administrators only: 403 for every other role, the sign-in page when signed out', async () => {
    for (const user of [reviewer, manager, await createUser(test.db, 'auditor', {}, 'Aud Itor')]) {
      const headers = await signedIn(user);
      for (const [fn, path] of [
        [auditPage, '/admin/audit'],
        [auditCsv, '/admin/audit.csv'],
      ] as Array<[(args: LoaderFunctionArgs) => Promise<unknown>, string]>) {
        expect(((await callRoute(fn, path, { headers })) as Response).status).toBe(403);
      }
    }
    const anonymous = (await callRoute(auditPage, '/admin/audit')) as Response;
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('Location')).toMatch(/^\/login/);
  });
});

describe(`through the real server (${onPostgres ? 'PostgreSQL' : 'embedded'}; behind a trusted proxy)`, () => {
  let server: TestServer;
  const DEMO_ADMIN = 'admin@demo.stocktake.example';
  const CLIENT = '192.0.2.77';

  beforeAll(async () => {
    server = await startServer({ TRUST_PROXY: 'loopback' });
  }, 240_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('records the client address the proxy reports and the User-Agent, for pages and the API', async () => {
    const headers = { 'X-Forwarded-For': CLIENT, 'User-Agent': AGENT };
    const failed = await fetch(`${server.url}/login`, { method: 'POST', body: form({ email: DEMO_ADMIN, password: 'wrong' }), headers, redirect: 'manual' });
    expect(failed.status).toBe(401);
    const signIn = await fetch(`${server.url}/login`, {
      method: 'POST',
      body: form({ email: DEMO_ADMIN, password: DEMO_PASSWORD }),
      headers,
      redirect: 'manual',
    });
    expect(signIn.status).toBe(302);
    const cookie = /stocktake_session=[^;]+/.exec(signIn.headers.get('Set-Cookie') ?? '')![0];
    const { rounds } = (await (await fetch(`${server.url}/api/v1/rounds`, { headers: { ...headers, Cookie: cookie } })).json()) as {
      rounds: Array<{ id: number }>;
    };
    const exported = await fetch(`${server.url}/api/v1/rounds/${rounds[0].id}/export.csv`, { headers: { ...headers, Cookie: cookie } });
    expect(exported.status).toBe(200);
    await exported.arrayBuffer();

    const trail = await fetch(`${server.url}/admin/audit.csv?address=${CLIENT}&dir=asc`, { headers: { ...headers, Cookie: cookie } });
    expect(trail.status).toBe(200);
    const rows = parse(await trail.text(), { columns: true, bom: true }) as Record<string, string>[];
    expect(rows.map((r) => [r.action, r.actor, r.address, r.user_agent])).toEqual([
      ['session.login_failed', expect.stringContaining(DEMO_ADMIN), CLIENT, AGENT],
      ['session.login', expect.stringContaining(DEMO_ADMIN), CLIENT, AGENT],
      ['export', expect.stringContaining(DEMO_ADMIN), CLIENT, AGENT],
      ['export', expect.stringContaining(DEMO_ADMIN), CLIENT, AGENT], // this download of the trail
    ]);
    expect(rows[2]).toMatchObject({
      entity_type: 'round',
      entity_id: String(rounds[0].id),
      description: expect.stringMatching(/^Exported the answers of round #\d+ \(wide, CSV\)$/),
    });

    // The page shows them too, the time in a <time> element.
    const page = await (await fetch(`${server.url}/admin/audit?address=${CLIENT}`, { headers: { Cookie: cookie } })).text();
    expect(page).toContain('Failed sign-in: wrong password');
    expect(page).toMatch(/<time datetime="\d{4}-\d{2}-\d{2}T[\d:.]+Z"/i);
    // Events recorded while the server prepared the database (publishing, the seed) have no address.
    const system = parse(await (await fetch(`${server.url}/admin/audit.csv?what=questionnaires`, { headers: { Cookie: cookie } })).text(), {
      columns: true,
      bom: true,
    }) as Record<string, string>[];
    expect(system.length).toBeGreaterThan(0);
    for (const row of system) expect([row.actor, row.address, row.user_agent]).toEqual(['system', '', '']);
  });
});
