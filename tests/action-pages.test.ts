import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProposals, raiseAction, registerFilterFrom, registerRows } from '../app/models/actions.server';
import { addCaseByHand } from '../app/models/case-audits.server';
import { NOT_FOUND } from '../app/models/errors.server';
import { requireVisibleResponse, saveResponseChange, submitResponse } from '../app/models/responses.server';
import { createRound } from '../app/models/rounds.server';
import type { CurrentUser } from '../app/models/users.server';
import ActionView, { action as updateRoute, loader as actionLoader } from '../app/routes/actions.$actionId';
import Register, { loader as registerLoader } from '../app/routes/actions._index';
import NewAction, { action as newRoute, loader as newLoader } from '../app/routes/actions.new';
import Proposed, { action as decideRoute, loader as proposedLoader } from '../app/routes/actions.proposed';
import { loader as csvLoader } from '../app/routes/actions[.csv]';
import { loader as xlsxLoader } from '../app/routes/actions[.xlsx]';
import { everyMonth } from '../app/components/charts/monthly-counts-chart';
import { createRng, generateMiniJar } from '../db/seed/answers';
import { onPostgres, useTestDatabase, type TestDatabase } from './helpers/db';
import { callRoute, createKent, createUser, publishFixtureSurveys, sessionHeaders } from './helpers/factories';
import { renderRoute } from './helpers/render';

/*
 * The action register's pages through their loaders and actions, as a browser's requests reach them (docs/actions.md):
 * the register for each role with its filters, counts, chart and exports; the proposals a reviewer decides; one action
 * with its trail and update form; raising an action. Refusals are 4xx with messages and change nothing.
 */

let test: TestDatabase;
let versions: Record<string, number>;
let ashford: { id: number };
let dover: { id: number };
let sevenoaks: { id: number };
let ashfordReturn: number;
const users = {} as Record<'eastReviewer' | 'westReviewer' | 'kentReviewer' | 'ashfordManager' | 'doverManager' | 'auditor', CurrentUser>;
const headers = {} as Record<keyof typeof users, Record<string, string>>;

type Answer = { status: number; body: Record<string, unknown>; location: string | null };

/** A route's answer: a Response (its status and Location), `data(body, { status })`, or a plain object (200). */
function answerOf(result: unknown): Answer {
  if (result instanceof Response) return { status: result.status, body: {}, location: result.headers.get('Location') };
  const wrapped = result as { type?: string; data?: Record<string, unknown>; init?: { status?: number } | null };
  if (wrapped?.type === 'DataWithResponseInit') return { status: wrapped.init?.status ?? 200, body: wrapped.data!, location: null };
  return { status: 200, body: result as Record<string, unknown>, location: null };
}

async function post(
  fn: Parameters<typeof callRoute>[0],
  url: string,
  as: keyof typeof users,
  fields: Record<string, string | string[]>,
  params: Record<string, string> = {},
) {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) body.append(name, v);
  return answerOf(await callRoute(fn, url, { method: 'POST', headers: headers[as], body, params }));
}

async function get<T>(fn: (args: never) => Promise<T>, url: string, as: keyof typeof users, params: Record<string, string> = {}) {
  return callRoute(fn as Parameters<typeof callRoute>[0], url, { headers: headers[as], params }) as Promise<T | Response>;
}

/** What the pages' refusals could have changed. */
async function fingerprint(): Promise<string> {
  const count = async (table: 'actions' | 'action_updates' | 'action_proposals' | 'audit_events') =>
    Number(
      (
        await test.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return JSON.stringify({
    actions: await test.db.selectFrom('actions').select(['id', 'status', 'title', 'owner', 'target_date', 'updated_at']).orderBy('id').execute(),
    proposals: await test.db.selectFrom('action_proposals').select(['id', 'status']).orderBy('id').execute(),
    updates: await count('action_updates'),
    events: await count('audit_events'),
  });
}

/** The published mini-JAR matrix and case-file audit alone (with the topics), so these tests need no other questionnaire. */
function surveysForActions(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stocktake-action-pages-'));
  fs.copyFileSync(path.resolve('surveys/topics.json'), path.join(dir, 'topics.json'));
  for (const slug of ['mini-jar-matrix', 'case-file-audit']) fs.cpSync(path.resolve(`surveys/${slug}`), path.join(dir, slug), { recursive: true });
  return dir;
}

beforeAll(async () => {
  test = await useTestDatabase();
  versions = await publishFixtureSurveys(test.db, surveysForActions());
  const kent = await createKent(test.db, {
    east: [
      ['duty-initial-assessment', 'Ashford Duty'],
      ['long-term-child-protection', 'Dover Child Protection'],
    ],
    west: [['duty-initial-assessment', 'Sevenoaks Duty']],
  });
  [ashford, dover] = kent.eastTeams;
  [sevenoaks] = kent.westTeams;
  users.eastReviewer = await createUser(test.db, 'reviewer', { areaId: kent.east.id }, 'Eve Reviewer');
  users.westReviewer = await createUser(test.db, 'reviewer', { areaId: kent.west.id }, 'Wyn Reviewer');
  users.kentReviewer = await createUser(test.db, 'reviewer', {}, 'Kai Reviewer');
  users.ashfordManager = await createUser(test.db, 'manager', { teamId: ashford.id }, 'Ash Manager');
  users.doverManager = await createUser(test.db, 'manager', { teamId: dover.id }, 'Dov Manager');
  users.auditor = await createUser(test.db, 'auditor', {}, 'Aud Auditor');
  for (const [name, user] of Object.entries(users)) headers[name as keyof typeof users] = await sessionHeaders(test.db, user);
  const round = await createRound(
    test.db,
    { name: 'Phase 1: mini-JAR', questionnaireVersionId: versions['mini-jar-matrix@1'], dueDate: '2009-01-31', teamIds: [ashford.id, dover.id, sevenoaks.id] },
    users.kentReviewer.id,
  );
  const responses = await test.db.selectFrom('responses').select(['id', 'team_id']).where('round_id', '=', round.id).execute();
  ashfordReturn = responses.find((r) => r.team_id === ashford.id)!.id;
  const data = generateMiniJar({ slug: 'ashford-duty', name: 'Ashford Duty', area: 'East Kent', teamType: 'duty-initial-assessment', index: 3 }, createRng(7));
  const before = await requireVisibleResponse(test.db, users.ashfordManager, ashfordReturn);
  const saved = await saveResponseChange(test.db, users.ashfordManager, ashfordReturn, { baseRevision: before.revision, set: data, unset: [] });
  await submitResponse(test.db, users.ashfordManager, ashfordReturn, { revision: saved.revision });
});

afterAll(() => test?.destroy());

describe(`the register page (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('refuses an auditor (403) and a filter it cannot read (400, naming it)', async () => {
    expect(((await get(registerLoader, '/actions', 'auditor')) as Response).status).toBe(403);
    const bad = (await get(registerLoader, '/actions?status=finished', 'eastReviewer')) as Response;
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/^status: /);
    const unknown = (await get(registerLoader, '/actions?colour=red', 'eastReviewer')) as Response;
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toMatch(/colour/);
  });

  it('offers reviewers the proposals waiting and the page to raise actions; managers neither', async () => {
    const waiting = (await listProposals(test.db, users.eastReviewer)).proposals.length;
    expect(waiting).toBeGreaterThan(1);
    const data = (await get(registerLoader, '/actions', 'eastReviewer')) as Awaited<ReturnType<typeof registerLoader>>;
    expect(data.proposalsWaiting).toBe(waiting);
    const html = await renderRoute(Register, '/actions', data);
    expect(html).toContain(`Proposed actions (${waiting})`);
    expect(html).toContain('href="/actions/new"');
    expect(html).toContain('href="/actions.csv"');
    const mine = (await get(registerLoader, '/actions', 'ashfordManager')) as Awaited<ReturnType<typeof registerLoader>>;
    expect(mine.reviewer).toBe(false);
    const managerHtml = await renderRoute(Register, '/actions', mine);
    expect(managerHtml).not.toContain('Proposed actions (');
    expect(managerHtml).not.toContain('href="/actions/new"');
  });
});

describe('deciding proposed actions', () => {
  it('is for reviewers only; each sees the proposals of their areas, grouped by team, with the standard’s wording', async () => {
    for (const role of ['ashfordManager', 'auditor'] as const) expect(((await get(proposedLoader, '/actions/proposed', role)) as Response).status).toBe(403);
    const west = (await get(proposedLoader, '/actions/proposed', 'westReviewer')) as Awaited<ReturnType<typeof proposedLoader>>;
    expect(west.total).toBe(0);
    const east = (await get(proposedLoader, '/actions/proposed', 'eastReviewer')) as Awaited<ReturnType<typeof proposedLoader>>;
    expect(east.teams.map((t) => t.teamName)).toEqual(['Ashford Duty']);
    const [first] = east.teams[0].proposals;
    expect(first.row_label.length).toBeGreaterThan(10);
    expect(first.response_href).toBe(`/review/responses/${ashfordReturn}`);
    const html = await renderRoute(Proposed, '/actions/proposed', east);
    expect(html).toContain(first.question_title);
    expect(html).toContain('Accept selected');
    expect(html).toContain(`href="/review/responses/${ashfordReturn}"`);
  });

  it('refuses bad bodies with 400 and messages beside the fields, changing nothing', async () => {
    const [p] = (await listProposals(test.db, users.eastReviewer)).proposals;
    const before = await fingerprint();
    const noReason = await post(decideRoute, '/actions/proposed', 'eastReviewer', { decision: 'reject', proposalIds: String(p.id), reason: '  ' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.fieldErrors).toMatchObject({ reason: expect.stringMatching(/say why/) });
    expect(noReason.body.proposalId).toBe(p.id);
    const noneTicked = await post(decideRoute, '/actions/proposed', 'eastReviewer', { decision: 'accept' });
    expect(noneTicked.status).toBe(400);
    expect(noneTicked.body.fieldErrors).toMatchObject({ proposalIds: expect.stringMatching(/choose at least one/) });
    const notAnId = await post(decideRoute, '/actions/proposed', 'eastReviewer', { decision: 'accept', proposalIds: 'abc' });
    expect(notAnId.status).toBe(400);
    const noDecision = await post(decideRoute, '/actions/proposed', 'eastReviewer', { proposalIds: String(p.id) });
    expect(noDecision.status).toBe(400);
    expect(noDecision.body.fieldErrors).toMatchObject({ decision: expect.any(String) });
    const badDate = await post(decideRoute, '/actions/proposed', 'eastReviewer', { decision: 'accept', proposalIds: String(p.id), targetDate: '2009-02-30' });
    expect(badDate.status).toBe(400);
    expect(badDate.body.fieldErrors).toMatchObject({ targetDate: expect.stringMatching(/^Target date: /) });
    const otherArea = await post(decideRoute, '/actions/proposed', 'westReviewer', { decision: 'accept', proposalIds: String(p.id) });
    expect(otherArea).toMatchObject({ status: 404, body: { error: NOT_FOUND.proposal } });
    expect(await fingerprint()).toBe(before);
  });

  it('accepts one with the reviewer’s wording, suggests and merges a duplicate, and accepts the ticked ones together', async () => {
    const [a, b, c, d] = (await listProposals(test.db, users.eastReviewer)).proposals;
    const accepted = await post(decideRoute, '/actions/proposed', 'eastReviewer', {
      decision: 'accept',
      proposalIds: String(a.id),
      title: 'Duty seniors review every contact within a day.',
      owner: a.owner,
      targetDate: '2009-05-31',
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.done).toMatch(/^1 action accepted into the register: A-\d+\.$/);
    const created = await test.db.selectFrom('actions').selectAll().where('source_response_id', '=', ashfordReturn).executeTakeFirstOrThrow();
    expect(created).toMatchObject({ title: 'Duty seniors review every contact within a day.', target_date: '2009-05-31', source_question: a.question });

    // An open action of the team with the same wording, but for case, spaces and punctuation: suggested as the merge target.
    const same = await raiseAction(test.db, users.eastReviewer, { source: 'recommendation', title: `  ${b.title.toUpperCase()}!! `, teamId: ashford.id });
    const page = (await get(proposedLoader, '/actions/proposed', 'eastReviewer')) as Awaited<ReturnType<typeof proposedLoader>>;
    const hinted = page.teams[0].proposals.find((p) => p.id === b.id)!;
    expect(hinted.duplicateOf).toBe(same.id);
    expect(page.teams[0].proposals.find((p) => p.id === c.id)!.duplicateOf).toBeNull();
    const html = await renderRoute(Proposed, '/actions/proposed', page);
    expect(html).toMatch(new RegExp(`Likely a duplicate of <a [^>]*href="/actions/${same.id}">A-${same.id}</a>`));
    expect(html).toMatch(new RegExp(`<option value="${same.id}" selected="">`));
    const merged = await post(decideRoute, '/actions/proposed', 'eastReviewer', { decision: 'merge', proposalIds: String(b.id), into: String(same.id) });
    expect(merged.body.done).toBe(`1 proposed action merged into A-${same.id}.`);

    const both = await post(decideRoute, '/actions/proposed', 'eastReviewer', { decision: 'accept', proposalIds: [String(c.id), String(d.id)] });
    expect(both.body.done).toMatch(/^2 actions accepted into the register: A-\d+, A-\d+\.$/);
    const again = await post(decideRoute, '/actions/proposed', 'eastReviewer', { decision: 'accept', proposalIds: String(c.id) });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatch(/Already decided/);
  });
});

describe('one action', () => {
  let actionId: number;
  let url: string;
  beforeAll(async () => {
    const row = await test.db.selectFrom('actions').select('id').where('source', '=', 'answer').orderBy('id').executeTakeFirstOrThrow();
    actionId = row.id;
    url = `/actions/${actionId}`;
  });
  const params = () => ({ actionId: String(actionId) });

  it('shows the action, where it came from (linked for each role) and its trail, with the form to update it', async () => {
    const asManager = (await get(actionLoader, url, 'ashfordManager', params())) as Awaited<ReturnType<typeof actionLoader>>;
    expect(asManager.action).toMatchObject({ id: actionId, ref: `A-${actionId}`, team_id: ashford.id, overdue: true });
    expect(asManager.sources[0].link).toMatchObject({ href: `/responses/${ashfordReturn}` });
    expect(asManager.canChange).toBe(true);
    expect(asManager.evidenceChoices.map((c) => c.value)).toEqual([String(ashfordReturn)]);
    const asReviewer = (await get(actionLoader, url, 'eastReviewer', params())) as Awaited<ReturnType<typeof actionLoader>>;
    expect(asReviewer.sources[0].link).toMatchObject({ href: `/review/responses/${ashfordReturn}` });
    const html = await renderRoute(ActionView, url, asManager);
    expect(html).toContain(`Action A-${actionId}`);
    expect(html).toContain('<span class="tag tag--overdue">Overdue</span>');
    expect(html).toContain('Update this action');
    expect(html).toContain('Accepted from a submitted return.');
  });

  it('answers another team’s manager, another area’s reviewer and an id that does not exist with the same 404', async () => {
    const answers = [];
    for (const [as, id] of [
      ['doverManager', String(actionId)],
      ['westReviewer', String(actionId)],
      ['doverManager', '999999'],
      ['doverManager', 'abc'],
    ] as const) {
      const answer = (await get(actionLoader, `/actions/${id}`, as, { actionId: id })) as Response;
      answers.push({ status: answer.status, text: await answer.text() });
    }
    expect(answers.every((a) => a.status === 404 && a.text === NOT_FOUND.action)).toBe(true);
    expect(((await get(actionLoader, url, 'auditor', params())) as Response).status).toBe(403);
    const before = await fingerprint();
    const refused = await post(updateRoute, url, 'doverManager', { status: 'done', note: 'Not ours.' }, params());
    expect(refused).toMatchObject({ status: 404 });
    expect(await fingerprint()).toBe(before);
  });

  it('refuses bad updates with 400 or 422 and the message beside the field, changing nothing', async () => {
    const doverReturn = await test.db.selectFrom('responses').select('id').where('team_id', '=', dover.id).executeTakeFirstOrThrow();
    const before = await fingerprint();
    const cases: Array<[Record<string, string>, number, string, RegExp]> = [
      [{ status: 'in_progress', note: '' }, 400, 'note', /^What has been done: say what has been done/],
      [{ status: 'finished', note: 'x' }, 400, 'status', /^Status: must be chosen/],
      [{ status: 'open', note: 'x', targetDate: '31/03/2009' }, 400, 'targetDate', /^Target date: /],
      [{ status: 'open', note: 'x', evidenceResponseId: 'abc' }, 400, 'evidenceResponseId', /^Evidence: /],
      [{ status: 'dropped', note: 'No longer needed.' }, 422, 'droppedReason', /^Why it is dropped: say why/],
      [{ status: 'open', note: 'See Dover.', evidenceResponseId: String(doverReturn.id) }, 404, 'evidenceResponseId', /^Evidence: /],
    ];
    for (const [fields, status, field, message] of cases) {
      const answer = await post(updateRoute, url, 'ashfordManager', fields, params());
      expect(answer.status, JSON.stringify(fields)).toBe(status);
      expect((answer.body.fieldErrors as Record<string, string>)[field], JSON.stringify(fields)).toMatch(message);
      expect(answer.body.error).toEqual(expect.any(String));
    }
    const unknownField = await post(updateRoute, url, 'ashfordManager', { status: 'open', note: 'x', colour: 'red' }, params());
    expect(unknownField.status).toBe(400);
    expect(await fingerprint()).toBe(before);
  });

  it('saves a manager’s update with its evidence and goes back to the action with a notice', async () => {
    const saved = await post(
      updateRoute,
      url,
      'ashfordManager',
      {
        status: 'in_progress',
        targetDate: '2099-09-30',
        owner: 'Deputy team manager',
        note: 'Rota drafted; starts next month.',
        evidenceResponseId: String(ashfordReturn),
      },
      params(),
    );
    expect(saved).toMatchObject({ status: 302, location: `${url}?notice=saved` });
    const page = (await get(actionLoader, `${url}?notice=saved`, 'eastReviewer', params())) as Awaited<ReturnType<typeof actionLoader>>;
    expect(page.notice).toBe('saved');
    expect(page.action).toMatchObject({ status: 'in_progress', target_date: '2099-09-30', owner: 'Deputy team manager', overdue: false });
    expect(page.updates.at(-1)).toMatchObject({
      kind: 'update',
      author_name: 'Ash Manager',
      note: 'Rota drafted; starts next month.',
      evidence: { href: `/review/responses/${ashfordReturn}` },
    });
    const html = await renderRoute(ActionView, `${url}?notice=saved`, page);
    expect(html).toContain('Your update is saved');
    expect(html).toContain('Rota drafted; starts next month.');
  });
});

describe('raising an action', () => {
  let auditId: number;
  beforeAll(async () => {
    const round = await createRound(
      test.db,
      { subject: 'case', name: 'Practice audit 2009', questionnaireVersionId: versions['case-file-audit@1'], dueDate: '2009-06-30', teamIds: [ashford.id] },
      users.kentReviewer.id,
    );
    const audited = await addCaseByHand(test.db, users.kentReviewer, round.id, { teamId: ashford.id, reference: 'AD-7', kind: 'child-in-need' });
    const audit = await test.db
      .updateTable('responses')
      .set({ status: 'submitted', submitted_at: new Date() })
      .where('case_id', '=', audited.id)
      .returning('id')
      .executeTakeFirstOrThrow();
    auditId = audit.id;
  });

  it('is for reviewers: the teams they review, and the whole authority for authority-wide reviewers only', async () => {
    expect(((await get(newLoader, '/actions/new', 'ashfordManager')) as Response).status).toBe(403);
    const east = (await get(newLoader, '/actions/new', 'eastReviewer')) as Awaited<ReturnType<typeof newLoader>>;
    expect(east.teams.map((t) => t.label)).toEqual(['Ashford Duty (East Kent)', 'Dover Child Protection (East Kent)']);
    expect(east.forAuthority).toBe(false);
    const kent = (await get(newLoader, '/actions/new', 'kentReviewer')) as Awaited<ReturnType<typeof newLoader>>;
    expect(kent.forAuthority).toBe(true);
    expect(kent.topics.map((t) => t.value)).toContain('mini-jar');
    const html = await renderRoute(NewAction, '/actions/new', kent);
    expect(html).toContain('The whole authority');
    expect(((await get(newLoader, '/actions/new?audit=abc', 'kentReviewer')) as Response).status).toBe(400);
  });

  it('refuses a bad form (400) and an area reviewer’s action for the whole authority (403), creating nothing', async () => {
    const before = await fingerprint();
    const noTitle = await post(newRoute, '/actions/new', 'eastReviewer', { source: 'recommendation', reference: 'R1', title: '', teamId: String(ashford.id) });
    expect(noTitle.status).toBe(400);
    expect(noTitle.body.fieldErrors).toMatchObject({ title: 'Action needed: say what action is needed' });
    const badTopic = await post(newRoute, '/actions/new', 'eastReviewer', {
      source: 'recommendation',
      title: 'x',
      teamId: String(ashford.id),
      topic: 'no-such-topic',
    });
    expect(badTopic.status).toBe(422);
    expect(badTopic.body.fieldErrors).toMatchObject({ topic: expect.stringMatching(/^Topic: /) });
    const badReference = await post(newRoute, '/actions/new', 'eastReviewer', {
      source: 'recommendation',
      reference: 'R 1; drop',
      title: 'x',
      teamId: String(ashford.id),
    });
    expect(badReference.status).toBe(400);
    const authority = await post(newRoute, '/actions/new', 'eastReviewer', {
      source: 'recommendation',
      reference: 'R2',
      title: 'Report to Members quarterly.',
      teamId: '',
    });
    expect(authority.status).toBe(403);
    expect(authority.body.error).toMatch(/whole authority/);
    const westTeam = await post(newRoute, '/actions/new', 'eastReviewer', { source: 'recommendation', title: 'x', teamId: String(sevenoaks.id) });
    expect(westTeam.status).toBe(404);
    expect(await fingerprint()).toBe(before);
  });

  it('raises a recommendation for the whole authority and opens it', async () => {
    const raised = await post(newRoute, '/actions/new', 'kentReviewer', {
      source: 'recommendation',
      reference: 'R1',
      title: 'Report the review’s findings to Members each quarter.',
      teamId: '',
      owner: 'Director of Children’s Services',
      targetDate: '2009-04-30',
      topic: 'mini-jar',
    });
    expect(raised.status).toBe(302);
    const id = Number(/^\/actions\/(\d+)\?notice=raised$/.exec(raised.location!)![1]);
    const action = await test.db.selectFrom('actions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(action).toMatchObject({
      team_id: null,
      reference: 'R1',
      source: 'recommendation',
      topic: 'mini-jar',
      target_date: '2009-04-30',
      created_by: users.kentReviewer.id,
    });
  });

  it('raises a case-audit finding from the audit and its standard', async () => {
    const page = (await get(newLoader, `/actions/new?audit=${auditId}`, 'eastReviewer')) as Awaited<ReturnType<typeof newLoader>>;
    expect(page.audit).toMatchObject({ id: auditId, teamName: 'Ashford Duty', caseReference: 'AD-7', href: `/audits/${auditId}` });
    expect(page.audit!.standards.length).toBeGreaterThan(3);
    const html = await renderRoute(NewAction, `/actions/new?audit=${auditId}`, page);
    expect(html).toContain('Standard not met');
    const notAudit = (await get(newLoader, `/actions/new?audit=${ashfordReturn}`, 'eastReviewer')) as Awaited<ReturnType<typeof newLoader>>;
    expect(notAudit.auditProblem).toMatch(/not a case-file audit/);
    const hidden = (await get(newLoader, `/actions/new?audit=${auditId}`, 'westReviewer')) as Awaited<ReturnType<typeof newLoader>>;
    expect(hidden.audit).toBeNull();
    expect(hidden.auditProblem).toBe(NOT_FOUND.response);

    const standard = page.audit!.standards[0].value;
    const raised = await post(newRoute, '/actions/new', 'eastReviewer', {
      source: 'case-audit',
      responseId: String(auditId),
      question: standard,
      title: 'Record the child’s views at every visit.',
    });
    expect(raised.status).toBe(302);
    const id = Number(/^\/actions\/(\d+)/.exec(raised.location!)![1]);
    const detail = (await get(actionLoader, `/actions/${id}`, 'ashfordManager', { actionId: String(id) })) as Awaited<ReturnType<typeof actionLoader>>;
    expect(detail.action).toMatchObject({ source: 'case-audit', team_id: ashford.id, source_question: standard, standard: page.audit!.standards[0].label });
    expect(detail.action.source_link).toMatchObject({ href: `/audits/${auditId}` });
  });
});

describe('the register’s figures and exports', () => {
  it('counts open and overdue actions per area and team, draws them by month beside a table, and lists them with links', async () => {
    const data = (await get(registerLoader, '/actions', 'kentReviewer')) as Awaited<ReturnType<typeof registerLoader>>;
    const rows = await registerRows(test.db, users.kentReviewer, registerFilterFrom(new URL('http://x/actions')));
    expect(data.register.total).toBe(rows.length);
    expect(data.register.totals.open).toBe(rows.filter((r) => r.status === 'open' || r.status === 'in_progress').length);
    expect(data.register.totals.overdue).toBe(rows.filter((r) => r.overdue).length);
    expect(data.register.totals.overdue).toBeGreaterThan(0);
    const ashfordRow = data.register.byTeam.find((t) => t.team_id === ashford.id)!;
    expect(ashfordRow.open).toBe(rows.filter((r) => r.team_id === ashford.id && ['open', 'in_progress'].includes(r.status)).length);
    expect(data.register.byArea.map((a) => a.area)).toEqual(['Whole authority', 'East Kent']);
    const html = await renderRoute(Register, '/actions', data);
    expect(html).toContain('Actions opened and closed each month');
    expect(html).toContain('<caption>Actions opened and closed each month: the figures</caption>');
    expect(html).toContain(`href="/actions?team=${ashford.id}"`);
    expect(html).toContain(`href="/actions/${rows[0].id}"`);
    expect(html).toContain('<span class="tag tag--overdue">Overdue</span>');

    const overdue = (await get(registerLoader, '/actions?overdue=yes', 'kentReviewer')) as Awaited<ReturnType<typeof registerLoader>>;
    expect(overdue.register.actions.length).toBe(data.register.totals.overdue);
    expect(overdue.register.actions.every((a) => a.overdue)).toBe(true);
    const mine = (await get(registerLoader, '/actions', 'doverManager')) as Awaited<ReturnType<typeof registerLoader>>;
    expect(mine.register.total).toBe(0);
    const ashfords = (await get(registerLoader, '/actions', 'ashfordManager')) as Awaited<ReturnType<typeof registerLoader>>;
    expect(ashfords.register.actions.length).toBeGreaterThan(0);
    expect(ashfords.register.actions.every((a) => a.team_id === ashford.id)).toBe(true);
  });

  it('exports every action the filters leave as CSV, neutralising formulas, and records the export', async () => {
    await raiseAction(test.db, users.eastReviewer, {
      source: 'recommendation',
      reference: 'R7',
      title: '=HYPERLINK("http://evil.example","Click")',
      teamId: dover.id,
      owner: '@owner',
    });
    const response = (await get(csvLoader, `/actions.csv?team=${dover.id}`, 'eastReviewer')) as Response;
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toMatch(/^text\/csv/);
    const text = (await response.text()).replace(/^\uFEFF/, '');
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe(
      'reference,id,title,team,area,owner,target_date,status,overdue,dropped_reason,source,source_reference,topic,round,source_response_id,source_question,source_row,created_at,updated_at,closed_at',
    );
    const doverRows = await registerRows(test.db, users.eastReviewer, registerFilterFrom(new URL(`http://x/actions?team=${dover.id}`)));
    expect(lines).toHaveLength(doverRows.length + 1);
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""Click"")"`);
    expect(text).toContain(",'@owner,");
    expect(text).not.toMatch(/(^|,)=HYPERLINK/m);
    const event = await test.db
      .selectFrom('audit_events')
      .select(['actor_id', 'entity_type', 'details'])
      .where('action', '=', 'export')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(event).toMatchObject({
      actor_id: users.eastReviewer.id,
      entity_type: 'actions',
      details: { kind: 'actions', format: 'csv', filters: { team: dover.id } },
    });

    // The whole register for a manager is their team's; an auditor and a bad filter are refused, recording nothing.
    const managers = await ((await get(csvLoader, '/actions.csv', 'doverManager')) as Response).text();
    expect(managers.trim().split('\n')).toHaveLength(2);
    const before = await fingerprint();
    expect(((await get(csvLoader, '/actions.csv', 'auditor')) as Response).status).toBe(403);
    expect(((await get(csvLoader, '/actions.csv?overdue=maybe', 'eastReviewer')) as Response).status).toBe(400);
    expect(await fingerprint()).toBe(before);
  });

  it('exports the same rows as an XLSX workbook', async () => {
    const response = (await get(xlsxLoader, `/actions.xlsx?team=${dover.id}`, 'eastReviewer')) as Response;
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toMatch(/spreadsheetml/);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await response.arrayBuffer()) as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet('Actions')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header[0]).toBe('reference');
    const titles = [];
    for (let r = 2; r <= sheet.rowCount; r++) titles.push(sheet.getRow(r).getCell(3).value);
    expect(titles).toContain(`'=HYPERLINK("http://evil.example","Click")`);
    expect(titles).toHaveLength((await registerRows(test.db, users.eastReviewer, registerFilterFrom(new URL(`http://x/actions?team=${dover.id}`)))).length);
    const event = await test.db.selectFrom('audit_events').select('details').where('action', '=', 'export').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(event.details).toMatchObject({ kind: 'actions', format: 'xlsx' });
  });
});

describe('the months of the chart', () => {
  it('draws every month between the first and the last, quiet ones as 0, unless they span years', () => {
    const rows = [
      { month: '2009-02', opened: 5, closed: 0 },
      { month: '2008-11', opened: 2, closed: 1 },
    ];
    expect(everyMonth(rows, ['opened', 'closed'])).toEqual({
      filled: true,
      rows: [
        { month: '2008-11', opened: 2, closed: 1 },
        { month: '2008-12', opened: 0, closed: 0 },
        { month: '2009-01', opened: 0, closed: 0 },
        { month: '2009-02', opened: 5, closed: 0 },
      ],
    });
    const apart = [...rows, { month: '2026-12', opened: 1, closed: 0 }];
    expect(everyMonth(apart, ['opened', 'closed'])).toEqual({ filled: false, rows: [rows[1], rows[0], apart[2]] });
    expect(everyMonth([], ['opened'])).toEqual({ filled: true, rows: [] });
  });
});
