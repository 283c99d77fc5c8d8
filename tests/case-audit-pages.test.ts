import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { saveResponseChange, submitResponse } from '../app/models/responses.server';
import { createRound } from '../app/models/rounds.server';
import type { CurrentUser } from '../app/models/users.server';
import AuditView, { action as auditAction, loader as auditLoader } from '../app/routes/audits.$responseId';
import Audits, { action as auditsAction, loader as auditsLoader } from '../app/routes/audits._index';
import { loader as questionnaireLoader } from '../app/routes/responses.$responseId._index';
import CaseRound, { action as casesAction, loader as casesLoader } from '../app/routes/review.rounds.$roundId.cases';
import { loader as roundLoader } from '../app/routes/review.rounds.$roundId._index';
import { useTestDatabase, type TestDatabase } from './helpers/db';
import { callRoute, createKent, createUser, publishFixtureSurveys, sessionHeaders } from './helpers/factories';
import { renderRoute } from './helpers/render';

/*
 * The case-audit pages through their loaders and actions, as a browser's requests reach them: the reviewer's case
 * round (upload, preview, confirm, moderation, moderated answers), the auditors' and managers' list, the questionnaire
 * page for an audit, and the read-only audit with the team's response.
 */

let test: TestDatabase;
let roundId: number;
let teams: Array<{ id: number; name: string }>;
let reviewer: CurrentUser;
let auditor: CurrentUser;
let secondAuditor: CurrentUser;
let manager: CurrentUser;
const headers: Record<string, Record<string, string>> = {};

type ActionBody = { intent?: string; error: string | null; done?: string; lineErrors?: Array<{ line: number; message: string }>; preview?: Preview };
type Preview = { total: number; fingerprint: string; rule: { seed: string }; teams: Array<{ teamName: string; cases: Array<{ reference: string }> }> };

/** An action's answer: its status and body, whether it came as data (with a status) or as a plain object. */
function answerOf(result: unknown): { status: number; body: ActionBody } {
  if (result instanceof Response) return { status: result.status, body: { error: result.headers.get('Location') } };
  const wrapped = result as { type?: string; data?: ActionBody; init?: { status?: number } | null };
  if (wrapped?.type === 'DataWithResponseInit') return { status: wrapped.init?.status ?? 200, body: wrapped.data! };
  return { status: 200, body: result as ActionBody };
}

async function post(fn: Parameters<typeof callRoute>[0], url: string, as: string, fields: Record<string, string>, params: Record<string, string>) {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.append(name, value);
  return answerOf(await callRoute(fn, url, { method: 'POST', headers: headers[as], body, params }));
}

const casesUrl = () => `/review/rounds/${roundId}/cases`;
const onCases = (fields: Record<string, string>) => post(casesAction, casesUrl(), 'reviewer', fields, { roundId: String(roundId) });

beforeAll(async () => {
  test = await useTestDatabase();
  const versions = await publishFixtureSurveys(test.db, path.resolve('surveys'));
  const kent = await createKent(test.db, { east: [['duty-initial-assessment', 'Ashford Duty']], west: [['disability', 'West Kent Disabled Children']] });
  teams = [...kent.eastTeams, ...kent.westTeams];
  reviewer = await createUser(test.db, 'reviewer', {}, 'Kim Reviewer');
  auditor = await createUser(test.db, 'auditor', {}, 'Ada Auditor');
  secondAuditor = await createUser(test.db, 'auditor', { areaId: kent.east.id }, 'Bo Auditor');
  manager = await createUser(test.db, 'manager', { teamId: teams[0].id }, 'Ash Manager');
  for (const [name, user] of Object.entries({ reviewer, auditor, secondAuditor, manager })) headers[name] = await sessionHeaders(test.db, user);
  const round = await createRound(
    test.db,
    {
      subject: 'case',
      name: 'Practice audit 2009',
      questionnaireVersionId: versions['case-file-audit@1'],
      dueDate: '2009-06-30',
      teamIds: teams.map((t) => t.id),
    },
    reviewer.id,
  );
  roundId = round.id;
});
afterAll(() => test.destroy());

describe('the reviewer’s case round page', () => {
  it('sends a case round’s overview to its page', async () => {
    const answer = await callRoute(roundLoader, `/review/rounds/${roundId}`, { headers: headers.reviewer, params: { roundId: String(roundId) } });
    expect(answer).toBeInstanceOf(Response);
    expect((answer as Response).headers.get('Location')).toBe(casesUrl());
  });

  it('names every bad line of an upload and adds nothing; then adds a good list', async () => {
    const bad = await onCases({ intent: 'upload', cases: 'team,case reference,kind\nAshford Duty,AD-1,cp\nNowhere,NW-1,cin\nAshford Duty,AD-2,adopted' });
    expect(bad.status).toBe(422);
    expect(bad.body.lineErrors?.map((e) => e.line)).toEqual([3, 4]);
    expect(await test.db.selectFrom('audit_cases').select('id').where('round_id', '=', roundId).execute()).toHaveLength(0);

    const lines = ['team,case reference,kind of case,allocated worker'];
    for (let n = 1; n <= 5; n++) lines.push(`Ashford Duty,AD-${n},${n % 2 ? 'child protection plan' : 'child in need'},Sam Worker`);
    for (let n = 1; n <= 3; n++) lines.push(`West Kent Disabled Children,WK-${n},looked after,`);
    const good = await onCases({ intent: 'upload', cases: lines.join('\n') });
    expect(good).toEqual({ status: 200, body: expect.objectContaining({ error: null, done: '8 cases added to the round’s list.' }) });
  });

  it('shows the sample a rule draws, confirms exactly that sample, and refuses one that was not shown', async () => {
    const rule = { seed: 'kent-2009', sizeBy: 'count', count: '2', stratifyByKind: 'on' };
    const shown = await onCases({ intent: 'preview', ...rule });
    expect(shown.status).toBe(200);
    const preview = shown.body.preview!;
    expect(preview.total).toBe(4);
    const stale = await onCases({ intent: 'confirm', ...rule, fingerprint: 'something else' });
    expect(stale.status).toBe(409);
    const confirmed = await onCases({ intent: 'confirm', ...rule, fingerprint: preview.fingerprint });
    expect(confirmed.body.done).toBe('Sample confirmed: 4 audits opened.');
    const references = await test.db
      .selectFrom('audit_cases')
      .select('reference')
      .where('round_id', '=', roundId)
      .where('selected', '=', 'drawn')
      .orderBy('reference')
      .execute();
    expect(references.map((r) => r.reference)).toEqual(preview.teams.flatMap((t) => t.cases.map((c) => c.reference)).sort());
  });

  it('refuses a rule without a seed or a size, naming what is missing', async () => {
    const answer = await onCases({ intent: 'preview', seed: '', sizeBy: 'count', count: '' });
    expect(answer.status).toBe(400);
    expect(Object.values((answer.body as unknown as { fieldErrors: Record<string, string> }).fieldErrors).join(' ')).toMatch(/seed/);
  });

  it('renders the round with its teams, audits and how the sample was drawn', async () => {
    const data = await callRoute(casesLoader, casesUrl(), { headers: headers.reviewer, params: { roundId: String(roundId) } });
    const html = await renderRoute(CaseRound, casesUrl(), data);
    expect(html).toContain('Cases each team offered for audit');
    expect(html).toMatch(/4 cases in the sample, 0 audits completed/);
    expect(html).toMatch(/4 cases from 2 teams \(2 cases per team, stratified by kind of case, seed “kent-2009”\)/);
  });
});

describe('auditors and managers', () => {
  let auditId: number;

  it('lists the audits waiting for an auditor, and takes one on', async () => {
    const data = (await callRoute(auditsLoader, '/audits', { headers: headers.auditor })) as Awaited<ReturnType<typeof auditsLoader>>;
    expect(data.available).toHaveLength(4);
    auditId = data.available.find((a) => a.team_name === 'Ashford Duty')!.id;
    const html = await renderRoute(Audits, '/audits', data);
    expect(html).toContain('Audits waiting for an auditor');
    const taken = await post(auditsAction, '/audits', 'auditor', { intent: 'take', responseId: String(auditId) }, {});
    expect(taken.body.error).toBe(`/responses/${auditId}`);
    const page = (await callRoute(questionnaireLoader, `/responses/${auditId}`, { headers: headers.auditor, params: { responseId: String(auditId) } })) as {
      caseFile: { reference: string; takenOn: boolean };
      readOnlyReason: string | null;
    };
    expect(page.caseFile).toMatchObject({ reference: expect.stringMatching(/^AD-/), takenOn: true });
    expect(page.readOnlyReason).toBeNull();
    // Another auditor no longer sees it; the team's manager sees nothing yet.
    const other = (await callRoute(auditsLoader, '/audits', { headers: headers.secondAuditor })) as Awaited<ReturnType<typeof auditsLoader>>;
    expect(other.available.map((a) => a.id)).not.toContain(auditId);
    const notYet = await callRoute(auditLoader, `/audits/${auditId}`, { headers: headers.manager, params: { responseId: String(auditId) } });
    expect((notYet as Response).status).toBe(404);
  });

  it('shows the manager the completed audit, refuses an empty response, keeps a written one', async () => {
    const saved = await saveResponseChange(test.db, auditor, auditId, {
      baseRevision: 0,
      set: { evidence_sources: 'electronic', referrer_told_outcome: 'no', practice_grade: 'adequate' },
      unset: [],
    });
    await submitResponse(test.db, auditor, auditId, { revision: saved.revision });
    const params = { responseId: String(auditId) };
    const view = await callRoute(auditLoader, `/audits/${auditId}`, { headers: headers.manager, params });
    const html = await renderRoute(AuditView, `/audits/${auditId}`, view);
    expect(html).toContain('Add your team’s response');
    expect(html).toMatch(
      /Referral, agency checks and strategy discussion<\/h3>.*Was the referrer told the outcome[^<]*<\/dt><dd>No record that the referrer was told</,
    );
    const empty = await post(auditAction, `/audits/${auditId}`, 'manager', { body: '' }, params);
    expect(empty.status).toBe(400);
    const kept = await post(auditAction, `/audits/${auditId}`, 'manager', { stance: 'disagree', body: 'The outcome letter is on the paper file.' }, params);
    expect(kept).toEqual({ status: 200, body: expect.objectContaining({ ok: true }) });
    const replies = await test.db.selectFrom('audit_replies').select(['stance', 'body', 'author_id']).where('response_id', '=', auditId).execute();
    expect(replies).toEqual([{ stance: 'disagree', body: 'The outcome letter is on the paper file.', author_id: manager.id }]);
  });

  it('sends the audit for a blind second audit, and records the moderated answer from the page', async () => {
    const sent = await onCases({ intent: 'moderate', share: '100' });
    expect(sent.body.done).toMatch(/^1 of 1 completed audits sent for a second, blind audit\.$/);
    const second = await test.db.selectFrom('responses').select(['id', 'auditor_id']).where('moderation_of', '=', auditId).executeTakeFirstOrThrow();
    expect(second.auditor_id).toBe(secondAuditor.id);
    const saved = await saveResponseChange(test.db, secondAuditor, second.id, {
      baseRevision: 0,
      set: { evidence_sources: 'both', referrer_told_outcome: 'yes', practice_grade: 'adequate' },
      unset: [],
    });
    await submitResponse(test.db, secondAuditor, second.id, { revision: saved.revision });

    const data = (await callRoute(casesLoader, casesUrl(), { headers: headers.reviewer, params: { roundId: String(roundId) } })) as Awaited<
      ReturnType<typeof casesLoader>
    >;
    expect(data.moderation.disagreements.map((d) => d.question).sort()).toEqual(['evidence_sources', 'referrer_told_outcome']);
    const html = await renderRoute(CaseRound, casesUrl(), data);
    expect(html).toContain('Agreement between the two audits, question by question');

    const wrong = await onCases({ intent: 'decide', responseId: String(auditId), question: 'referrer_told_outcome', value: '"perhaps"', note: '' });
    expect(wrong.status).toBe(422);
    const decided = await onCases({
      intent: 'decide',
      responseId: String(auditId),
      question: 'referrer_told_outcome',
      value: '"yes"',
      note: 'Letter on paper file.',
    });
    expect(decided.body.done).toMatch(/Moderated answer recorded/);
    const rows = await test.db.selectFrom('moderation_decisions').select(['question', 'value', 'note', 'decided_by']).execute();
    expect(rows).toEqual([{ question: 'referrer_told_outcome', value: 'yes', note: 'Letter on paper file.', decided_by: reviewer.id }]);
  });

  it('closes the round from its page: audits can then be neither taken on nor changed', async () => {
    const waiting = (await callRoute(auditsLoader, '/audits', { headers: headers.auditor })) as Awaited<ReturnType<typeof auditsLoader>>;
    const next = waiting.available[0];
    const closed = await onCases({ intent: 'close' });
    expect(closed.body.done).toBe('The round is closed: its audits are read-only.');
    const after = (await callRoute(auditsLoader, '/audits', { headers: headers.auditor })) as Awaited<ReturnType<typeof auditsLoader>>;
    expect(after.available).toEqual([]);
    const refused = await post(auditsAction, '/audits', 'auditor', { intent: 'take', responseId: String(next.id) }, {});
    expect(refused).toEqual({ status: 409, body: { error: 'The round is closed: its audits can no longer be taken on.' } });
    const reopened = await onCases({ intent: 'open' });
    expect(reopened.body.done).toBe('The round is open again.');
  });

  it('refuses a date that is not in the calendar with a 400, creating nothing', async () => {
    const before = await test.db.selectFrom('audit_cases').select('id').where('round_id', '=', roundId).execute();
    const added = await onCases({ intent: 'add', teamId: String(teams[0].id), reference: 'AD-99', kind: 'other', openedOn: '2009-02-31' });
    expect(added.status).toBe(400);
    expect(await test.db.selectFrom('audit_cases').select('id').where('round_id', '=', roundId).execute()).toHaveLength(before.length);
    const repeated = await onCases({ intent: 'repeat', name: 'Practice audit 2010', dueDate: '2010-02-30', seed: 'kent-2010' });
    expect(repeated.status).toBe(400);
    expect(await test.db.selectFrom('rounds').select('id').where('name', '=', 'Practice audit 2010').execute()).toHaveLength(0);
  });
});
