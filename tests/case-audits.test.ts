import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addAuditReply,
  addCaseByHand,
  confirmSample,
  listAuditWork,
  loadAuditView,
  moderatedData,
  moderationReport,
  previewSample,
  recordModeratedAnswer,
  repeatCaseRound,
  startModeration,
  takeOnAudit,
  uploadCases,
} from '../app/models/case-audits.server';
import type { SampleRule } from '../app/models/case-sampling.server';
import { NOT_FOUND } from '../app/models/errors.server';
import { listVisibleResponses, requireVisibleResponse, saveResponseChange, submitResponse } from '../app/models/responses.server';
import { createRound, roundOverview } from '../app/models/rounds.server';
import type { CurrentUser } from '../app/models/users.server';
import { useTestDatabase, type TestDatabase } from './helpers/db';
import { createKent, createUser, publishFixtureSurveys } from './helpers/factories';

let test: TestDatabase;
let versionId: number;
let east: { id: number };
let west: { id: number };
let eastTeams: Array<{ id: number; name: string }>;
let westTeams: Array<{ id: number; name: string }>;
let reviewer: CurrentUser;
let eastAuditor: CurrentUser;
let kentAuditor: CurrentUser;
let westAuditor: CurrentUser;
/** Manages Ashford Duty and audits the east area: never Ashford's cases. */
let managerAuditor: CurrentUser;
let doverManager: CurrentUser;
let ashfordManager: CurrentUser;

const RULE: SampleRule = { seed: 'kent-2009', size: { count: 2 }, stratifyByKind: true };

/** A complete audit (every standard answered, the grade given): what an auditor would submit. */
const ANSWERS: Record<string, unknown> = {
  evidence_sources: 'both',
  chronology_on_file: 'yes',
  chronology_current: 'no',
  referral_decision_timely: 'yes',
  referrer_told_outcome: 'no',
  agency_checks_before_s47: 'partly',
  strategy_discussion_held: 'yes',
  strategy_all_agencies: 'no',
  initial_assessment_timely: 'yes',
  core_assessment_timely: 'late',
  child_seen: 'yes',
  child_seen_alone: 'yes',
  child_views_recorded: 'yes',
  has_protection_plan: false,
  manager_decisions_recorded: 'yes',
  case_supervision_recorded: 'no',
  record_location: 'ics',
  practice_grade: 'adequate',
};

beforeAll(async () => {
  test = await useTestDatabase();
  const versions = await publishFixtureSurveys(test.db, path.resolve('surveys'));
  versionId = versions['case-file-audit@1'];
  ({ east, west, eastTeams, westTeams } = await createKent(test.db, {
    east: [
      ['duty-initial-assessment', 'Ashford Duty'],
      ['long-term-child-protection', 'Dover Child Protection'],
    ],
    west: [['duty-initial-assessment', 'Sevenoaks Duty']],
  }));
  reviewer = await createUser(test.db, 'reviewer', {}, 'Kim Reviewer');
  eastAuditor = await createUser(test.db, 'auditor', { areaId: east.id }, 'Eden Auditor');
  kentAuditor = await createUser(test.db, 'auditor', {}, 'Kit Auditor');
  westAuditor = await createUser(test.db, 'auditor', { areaId: west.id }, 'Wes Auditor');
  ashfordManager = await createUser(test.db, 'manager', { teamId: eastTeams[0].id }, 'Ash Manager');
  await test.db.insertInto('memberships').values({ user_id: ashfordManager.id, role: 'auditor', area_id: east.id, team_id: null }).execute();
  managerAuditor = (await import('../app/models/users.server').then((m) => m.loadCurrentUser(test.db, ashfordManager.id)))!;
  doverManager = await createUser(test.db, 'manager', { teamId: eastTeams[1].id }, 'Dee Manager');
});
afterAll(() => test.destroy());

async function caseRound(name = `Practice audit ${Math.random().toFixed(6)}`) {
  return createRound(
    test.db,
    {
      subject: 'case',
      name,
      questionnaireVersionId: versionId,
      dueDate: '2009-06-30',
      teamIds: [...eastTeams, ...westTeams].map((t) => t.id),
      repeatMonths: 12,
    },
    reviewer.id,
  );
}

const CASES = [
  'team,case reference,kind of case,allocated worker,date opened',
  'Ashford Duty,AD-1,child protection plan,Sam Worker,2008-11-02',
  'Ashford Duty,AD-2,child in need,Sam Worker,2008-12-01',
  'Ashford Duty,AD-3,looked after,,',
  'Ashford Duty,AD-4,child protection plan,,',
  'Dover Child Protection,DC-1,child protection plan,,',
  'Dover Child Protection,DC-2,child protection plan,,',
  'Dover Child Protection,DC-3,child in need,,',
  'Sevenoaks Duty,SD-1,other,,',
  'Sevenoaks Duty,SD-2,child in need,,',
].join('\n');

async function sampledRound() {
  const round = await caseRound();
  const uploaded = await uploadCases(test.db, reviewer, round.id, { text: CASES }, '2009-02-16');
  expect(uploaded).toEqual({ ok: true, added: 9 });
  const preview = await previewSample(test.db, reviewer, round.id, RULE);
  await confirmSample(test.db, reviewer, round.id, RULE, preview.fingerprint);
  return { round, preview };
}

async function auditsOf(roundId: number) {
  return test.db
    .selectFrom('responses as s')
    .innerJoin('audit_cases as c', 'c.id', 's.case_id')
    .select(['s.id', 's.team_id', 'c.reference', 's.moderation_of'])
    .where('s.round_id', '=', roundId)
    .orderBy('c.reference')
    .execute();
}

async function completeAudit(auditor: CurrentUser, responseId: number, answers = ANSWERS) {
  await takeOnAudit(test.db, auditor, responseId);
  const saved = await saveResponseChange(test.db, auditor, responseId, { baseRevision: 0, set: answers, unset: [] });
  await submitResponse(test.db, auditor, responseId, { revision: saved.revision });
}

describe('case lists and samples', () => {
  it('applies nothing from a list with a bad line, and names every bad line', async () => {
    const round = await caseRound();
    const text = [
      'team,case reference,kind of case',
      'Ashford Duty,AD-1,child protection plan',
      'Nowhere Team,NT-1,child in need',
      'Ashford Duty,,looked after',
      'Dover Child Protection,DC-9,adopted',
    ].join('\n');
    const result = await uploadCases(test.db, reviewer, round.id, { text }, '2009-02-16');
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.errors.map((e) => e.line)).toEqual([3, 4, 5]);
    const held = await test.db.selectFrom('audit_cases').select('id').where('round_id', '=', round.id).execute();
    expect(held).toHaveLength(0);
  });

  it('refuses a case the round already holds, naming its line, and adds nothing', async () => {
    const round = await caseRound();
    await uploadCases(test.db, reviewer, round.id, { text: 'team,case reference,kind\nAshford Duty,AD-1,cp' }, '2009-02-16');
    const again = await uploadCases(
      test.db,
      reviewer,
      round.id,
      // AD-10 is a new case: its line is not the clash, though its reference starts like AD-1's.
      { text: 'team,case reference,kind\nAshford Duty,AD-10,cin\nAshford Duty,ad-1,cp' },
      '2009-02-16',
    );
    expect(again).toEqual({ ok: false, errors: [{ line: 3, message: expect.stringMatching(/ad-1 is already in this round/i) }] });
    expect(await test.db.selectFrom('audit_cases').select('reference').where('round_id', '=', round.id).execute()).toEqual([{ reference: 'AD-1' }]);
  });

  it('shows the same sample for the same seed, opens one audit per drawn case, and records how it was drawn', async () => {
    const round = await caseRound();
    await uploadCases(test.db, reviewer, round.id, { text: CASES }, '2009-02-16');
    const first = await previewSample(test.db, reviewer, round.id, RULE);
    const second = await previewSample(test.db, reviewer, round.id, RULE);
    expect(second).toEqual(first);
    expect(first.total).toBe(6);
    await confirmSample(test.db, reviewer, round.id, RULE, first.fingerprint);
    const audits = await auditsOf(round.id);
    expect(audits.map((a) => a.reference).sort()).toEqual(first.teams.flatMap((t) => t.cases.map((c) => c.reference)).sort());
    const stored = await test.db.selectFrom('rounds').select('sample_rule').where('id', '=', round.id).executeTakeFirstOrThrow();
    expect(stored.sample_rule).toEqual(RULE);
    const draws = await test.db.selectFrom('case_draws').select(['rule', 'cases', 'drawn_by']).where('round_id', '=', round.id).execute();
    expect(draws).toEqual([{ rule: RULE, cases: 6, drawn_by: reviewer.id }]);
  });

  it('refuses to confirm a sample other than the one shown, and never draws a case twice', async () => {
    const round = await caseRound();
    await uploadCases(test.db, reviewer, round.id, { text: CASES }, '2009-02-16');
    const shown = await previewSample(test.db, reviewer, round.id, RULE);
    await expect(confirmSample(test.db, reviewer, round.id, RULE, 'not-the-one-shown')).rejects.toMatchObject({ status: 409 });
    expect(await auditsOf(round.id)).toHaveLength(0);
    await confirmSample(test.db, reviewer, round.id, RULE, shown.fingerprint);
    // A second draw takes only from the cases left: 9 listed, 6 drawn, 3 left.
    const more = await previewSample(test.db, reviewer, round.id, { ...RULE, seed: 'top-up' });
    expect(more.total).toBe(3);
    await confirmSample(test.db, reviewer, round.id, { ...RULE, seed: 'top-up' }, more.fingerprint);
    const references = (await auditsOf(round.id)).map((a) => a.reference);
    expect(references).toHaveLength(9);
    expect(new Set(references).size).toBe(9);
    const empty = await previewSample(test.db, reviewer, round.id, RULE);
    expect(empty.total).toBe(0);
  });

  it('adds a case by hand, once', async () => {
    const round = await caseRound();
    await addCaseByHand(test.db, reviewer, round.id, { teamId: westTeams[0].id, reference: 'SD-77', kind: 'looked-after' });
    await expect(addCaseByHand(test.db, reviewer, round.id, { teamId: westTeams[0].id, reference: 'sd-77', kind: 'looked-after' })).rejects.toMatchObject({
      status: 409,
    });
    expect((await auditsOf(round.id)).map((a) => a.reference)).toEqual(['SD-77']);
  });
});

describe('who sees and does audits', () => {
  it('never lets an auditor audit their own team, or see teams outside their scope (the same 404 as a missing id)', async () => {
    const { round } = await sampledRound();
    const audits = await auditsOf(round.id);
    const ashford = audits.find((a) => a.team_id === eastTeams[0].id)!;
    const sevenoaks = audits.find((a) => a.team_id === westTeams[0].id)!;
    const notFound = { status: 404, message: NOT_FOUND.response };
    await expect(requireVisibleResponse(test.db, managerAuditor, ashford.id)).rejects.toMatchObject(notFound);
    await expect(takeOnAudit(test.db, managerAuditor, ashford.id)).rejects.toMatchObject(notFound);
    await expect(requireVisibleResponse(test.db, eastAuditor, sevenoaks.id)).rejects.toMatchObject(notFound);
    await expect(requireVisibleResponse(test.db, eastAuditor, 2_000_000)).rejects.toMatchObject(notFound);
    // The manager-auditor may audit Dover's cases, and sees none of Ashford's on their list.
    const work = await listAuditWork(test.db, managerAuditor);
    expect(work.available.some((a) => a.team_id === eastTeams[0].id)).toBe(false);
    expect(work.available.some((a) => a.team_id === eastTeams[1].id)).toBe(true);
    // Lists through the API follow the same rule.
    const listed = await listVisibleResponses(test.db, westAuditor, { roundId: round.id });
    expect(listed.map((r) => r.team_id)).toEqual([westTeams[0].id, westTeams[0].id]);
  });

  it('lets only the auditor who took an audit on change it, and hides it from the other auditors', async () => {
    const { round } = await sampledRound();
    const dover = (await auditsOf(round.id)).find((a) => a.team_id === eastTeams[1].id)!;
    await expect(saveResponseChange(test.db, eastAuditor, dover.id, { baseRevision: 0, set: { chronology_on_file: 'yes' }, unset: [] })).rejects.toMatchObject({
      status: 403,
    });
    await takeOnAudit(test.db, eastAuditor, dover.id);
    await expect(takeOnAudit(test.db, kentAuditor, dover.id)).rejects.toMatchObject({ status: 404 });
    await expect(saveResponseChange(test.db, kentAuditor, dover.id, { baseRevision: 0, set: { chronology_on_file: 'no' }, unset: [] })).rejects.toMatchObject({
      status: 404,
    });
    const saved = await saveResponseChange(test.db, eastAuditor, dover.id, { baseRevision: 0, set: { chronology_on_file: 'yes' }, unset: [] });
    expect(saved.changed).toEqual(['chronology_on_file']);
  });

  it('shows a manager only their team’s completed audits, read-only, and keeps their written response', async () => {
    const { round } = await sampledRound();
    const [first, second] = (await auditsOf(round.id)).filter((a) => a.team_id === eastTeams[1].id);
    await completeAudit(eastAuditor, first.id);
    await takeOnAudit(test.db, eastAuditor, second.id);
    // In progress: not the team's to see yet.
    await expect(loadAuditView(test.db, doverManager, second.id)).rejects.toMatchObject({ status: 404 });
    const view = await loadAuditView(test.db, doverManager, first.id);
    expect(view.canReply).toBe(true);
    expect(view.answers.flatMap((page) => page.answers).find((a) => a.title.startsWith('What is your overall grade'))?.text).toBe('Adequate');
    await expect(loadAuditView(test.db, ashfordManager, first.id)).rejects.toMatchObject({ status: 404, message: NOT_FOUND.response });
    await expect(saveResponseChange(test.db, doverManager, first.id, { baseRevision: 2, set: { practice_grade: 'good' }, unset: [] })).rejects.toMatchObject({
      status: 403,
    });
    const listed = (await listAuditWork(test.db, doverManager)).teamAudits.filter((a) => a.round_id === round.id);
    expect(listed.map((a) => a.id)).toEqual([first.id]);

    await addAuditReply(test.db, doverManager, first.id, { stance: 'partly', body: 'The strategy discussion note is on the paper file.' });
    await expect(addAuditReply(test.db, ashfordManager, first.id, { stance: 'agree', body: 'x' })).rejects.toMatchObject({ status: 404 });
    await expect(addAuditReply(test.db, eastAuditor, first.id, { stance: 'agree', body: 'x' })).rejects.toMatchObject({ status: 403 });
    const after = await loadAuditView(test.db, doverManager, first.id);
    expect(after.replies).toEqual([expect.objectContaining({ stance: 'partly', author_name: 'Dee Manager' })]);
  });
});

describe('moderation', () => {
  it('sends audits for a blind second audit by another auditor, measures agreement, and keeps the moderated answer with both originals', async () => {
    const { round } = await sampledRound();
    const dover = (await auditsOf(round.id)).filter((a) => a.team_id === eastTeams[1].id);
    for (const audit of dover) await completeAudit(eastAuditor, audit.id);
    const started = await startModeration(test.db, reviewer, round.id, { share: 100 });
    expect(started.assigned).toBeGreaterThanOrEqual(2);
    const seconds = await test.db
      .selectFrom('responses')
      .select(['id', 'moderation_of', 'auditor_id'])
      .where('round_id', '=', round.id)
      .where('moderation_of', 'is not', null)
      .execute();
    const doverSeconds = seconds.filter((s) => dover.some((d) => d.id === s.moderation_of));
    expect(doverSeconds).toHaveLength(2);
    for (const s of doverSeconds) expect(s.auditor_id).not.toBe(eastAuditor.id);
    // Blind: neither auditor sees the other's audit of the case.
    const [one, two] = doverSeconds;
    const secondAuditor = [kentAuditor, managerAuditor].find((u) => u.id === one.auditor_id)!;
    await expect(requireVisibleResponse(test.db, eastAuditor, one.id)).rejects.toMatchObject({ status: 404 });
    await expect(requireVisibleResponse(test.db, secondAuditor, one.moderation_of!)).rejects.toMatchObject({ status: 404 });

    // The second auditor disagrees on the grade for one case, agrees on everything for the other.
    await completeAudit(secondAuditor, one.id, { ...ANSWERS, practice_grade: 'inadequate' });
    const otherAuditor = [kentAuditor, managerAuditor].find((u) => u.id === two.auditor_id)!;
    await completeAudit(otherAuditor, two.id, ANSWERS);
    // A second audit's answers are compared, never counted in the figures.
    const rows = await test.db.selectFrom('answers').select('id').where('response_id', 'in', [one.id, two.id]).execute();
    expect(rows).toHaveLength(0);

    const report = await moderationReport(test.db, reviewer, round.id);
    expect(report.pairs).toBe(2);
    const grade = report.questions.find((q) => q.name === 'practice_grade')!;
    expect(grade.agreement).toMatchObject({ compared: 2, agreed: 1, share: 0.5 });
    expect(grade.graded).toBe(true);
    expect(report.disagreements).toEqual([
      expect.objectContaining({ firstId: one.moderation_of, question: 'practice_grade', first: 'Adequate', second: 'Inadequate', decision: null }),
    ]);

    await expect(
      recordModeratedAnswer(test.db, reviewer, one.moderation_of!, { question: 'practice_grade', value: JSON.stringify('excellent'), note: '' }),
    ).rejects.toMatchObject({ status: 422 });
    await recordModeratedAnswer(test.db, reviewer, one.moderation_of!, {
      question: 'practice_grade',
      value: JSON.stringify('inadequate'),
      note: 'No plan on file.',
    });
    const decided = await moderationReport(test.db, reviewer, round.id);
    expect(decided.disagreements[0].decision).toMatchObject({ value: 'inadequate', text: 'Inadequate', note: 'No plan on file.', by: 'Kim Reviewer' });
    // Both originals are as the auditors left them; the figures count the moderated answer.
    const originals = await test.db.selectFrom('responses').select(['id', 'data']).where('id', 'in', [one.id, one.moderation_of!]).execute();
    expect(originals.map((r) => (r.data as Record<string, unknown>).practice_grade).sort()).toEqual(['adequate', 'inadequate']);
    const counted = await moderatedData(
      test.db,
      originals.filter((r) => r.id === one.moderation_of),
    );
    expect(counted.get(one.moderation_of!)?.practice_grade).toBe('inadequate');
    // The round's overview (pages and API) lists the cases once each: second audits are moderation, not more cases.
    const overview = await roundOverview(test.db, reviewer, round.id);
    const firsts = (await auditsOf(round.id)).filter((a) => a.moderation_of === null);
    expect(overview.counts.teams).toBe(firsts.length);
    expect(overview.rows.map((r) => r.case?.reference).sort()).toEqual(firsts.map((a) => a.reference).sort());
  });

  it('refuses moderation to a manager, and a decision on a case without a completed second audit', async () => {
    const { round } = await sampledRound();
    const [audit] = (await auditsOf(round.id)).filter((a) => a.team_id === eastTeams[1].id);
    await completeAudit(eastAuditor, audit.id);
    await expect(startModeration(test.db, doverManager, round.id, { share: 10 })).rejects.toMatchObject({ status: 403 });
    await expect(recordModeratedAnswer(test.db, reviewer, audit.id, { question: 'practice_grade', value: '"good"', note: '' })).rejects.toMatchObject({
      status: 409,
    });
  });
});

describe('annual practice audits', () => {
  it('repeats a round with the same teams and sample rule, a new seed, and no cases or answers', async () => {
    const { round } = await sampledRound();
    const [audit] = await auditsOf(round.id);
    await completeAudit(audit.team_id === eastTeams[0].id ? kentAuditor : eastAuditor, audit.id);
    const next = await repeatCaseRound(test.db, reviewer, round.id, { name: 'Practice audit 2010', dueDate: '2010-06-30', seed: 'kent-2010' });
    expect(next).toMatchObject({ subject: 'case', follows_round_id: round.id, repeat_months: 12, questionnaire_version_id: versionId });
    expect(next.sample_rule).toEqual({ ...RULE, seed: 'kent-2010' });
    const teams = await test.db.selectFrom('round_teams').select('team_id').where('round_id', '=', next.id).orderBy('team_id').execute();
    expect(teams.map((t) => t.team_id)).toEqual([...eastTeams, ...westTeams].map((t) => t.id).sort((a, b) => a - b));
    expect(await auditsOf(next.id)).toHaveLength(0);
    expect(await test.db.selectFrom('audit_cases').select('id').where('round_id', '=', next.id).execute()).toHaveLength(0);
    expect(await test.db.selectFrom('answers').select('id').where('round_id', '=', next.id).execute()).toHaveLength(0);
  });
});
