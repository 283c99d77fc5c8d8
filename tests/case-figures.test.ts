import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseKind } from '../db/schema';
import { addCaseByHand, recordModeratedAnswer, takeOnAudit } from '../app/models/case-audits.server';
import { caseFigures, caseFiguresCsv, caseTrend, selfAssessmentComparison, type CaseGroup, type StandardTally } from '../app/models/case-figures.server';
import { NOT_FOUND } from '../app/models/errors.server';
import { loadRegistry, publishRegistry } from '../app/models/registry.server';
import { saveResponseChange, submitResponse } from '../app/models/responses.server';
import { createRound } from '../app/models/rounds.server';
import type { CurrentUser } from '../app/models/users.server';
import CaseFiguresPage, { loader as figuresLoader } from '../app/routes/review.rounds.$roundId.case-figures';
import { loader as csvLoader } from '../app/routes/review.rounds.$roundId.case-figures[.csv]';
import CaseTrendPage, { loader as trendLoader } from '../app/routes/review.rounds.$roundId.case-trend';
import { writeResponse } from './helpers/aggregation-fixtures';
import { useTestDatabase, type TestDatabase } from './helpers/db';
import { callRoute, createArea, createTeam, createUser, sessionHeaders } from './helpers/factories';
import { renderRoute } from './helpers/render';

// A case round small enough to work every figure out by hand. The standards the cases answer (the rest are left
// unanswered by every case, so none is counted for them):
//
//   case  team (area)            kind   status       records read   chronology on file / current  referral  child seen / alone  plan specific / 1st core group  manager decisions  grade         record found
//   A1    Ashford Duty (East)    CPP    submitted    electronic     yes / yes                     yes       yes / yes           yes / late                      yes                good          ics
//   A2    Ashford Duty (East)    CIN    submitted    both           no  / (yes, hidden)           na        yes / no            –                               no                 inadequate    paper-only
//   A3    Ashford Duty (East)    LAC    submitted    both           yes / no → moderated yes      late      na / (hidden)       –                               yes                adequate → moderated good
//   A4    Ashford Duty (East)    other  in progress  (not counted: no, outstanding)
//   C1    Canterbury CP (East)   CPP    submitted    electronic     yes / yes                     no        no / –              –                               yes                adequate      not-found
//   S1    Sevenoaks LAC (West)   LAC    submitted    both           yes / no                      yes       yes / na            –                               yes                outstanding   ics
//
// A3 also has a second, blind audit (submitted, answers all different): it is never counted.

let test: TestDatabase;
let caseVersionId: number;
let selfV1: number;
let selfV2: number;
let miniJar: number;
const teams = {} as Record<'ashford' | 'canterbury' | 'sevenoaks', { id: number; name: string; area_id: number }>;
let east: { id: number };
let kentReviewer: CurrentUser;
let eastReviewer: CurrentUser;
let northReviewer: CurrentUser;
let firstAuditor: CurrentUser;
let secondAuditor: CurrentUser;
let roundId: number;
const audits: Record<string, number> = {};

async function versionId(slug: string, version: number) {
  const row = await test.db
    .selectFrom('questionnaire_versions as v')
    .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
    .select('v.id')
    .where('q.slug', '=', slug)
    .where('v.version', '=', version)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Adds a case to the round by hand and returns its (first) audit's id. */
async function addCase(round: number, teamId: number, reference: string, kind: CaseKind) {
  const row = await addCaseByHand(test.db, kentReviewer, round, { teamId, reference, kind });
  const audit = await test.db.selectFrom('responses').select('id').where('case_id', '=', row.id).where('moderation_of', 'is', null).executeTakeFirstOrThrow();
  return audit.id;
}

/** An auditor takes the audit on, answers it and (unless told not to) submits it. */
async function audit(responseId: number, answers: Record<string, unknown>, { submit = true, auditor = firstAuditor } = {}) {
  await takeOnAudit(test.db, auditor, responseId);
  const saved = await saveResponseChange(test.db, auditor, responseId, { baseRevision: 0, set: answers, unset: [] });
  if (submit) await submitResponse(test.db, auditor, responseId, { revision: saved.revision });
}

const tally = (met: number, notMet: number, notApplicable: number, unanswered: number): StandardTally => ({
  met,
  notMet,
  notApplicable,
  unanswered,
  counted: met + notMet,
  share: met + notMet ? met / (met + notMet) : null,
});

/** A standard's tally in each group, by the group's label. */
function byGroup(groups: CaseGroup[], standards: Array<{ question: string }>, question: string) {
  const i = standards.findIndex((s) => s.question === question);
  return Object.fromEntries(groups.map((g) => [g.label, `${g.tallies[i].met}/${g.tallies[i].counted}`]));
}

beforeAll(async () => {
  test = await useTestDatabase();
  await publishRegistry(test.db, loadRegistry());
  caseVersionId = await versionId('case-file-audit', 1);
  selfV1 = await versionId('team-self-assessment', 1);
  selfV2 = await versionId('team-self-assessment', 2);
  miniJar = await versionId('mini-jar-matrix', 1);
  east = await createArea(test.db, 'East Kent');
  const west = await createArea(test.db, 'West Kent');
  const north = await createArea(test.db, 'North Kent');
  teams.ashford = await createTeam(test.db, east.id, 'duty-initial-assessment', 'Ashford Duty');
  teams.canterbury = await createTeam(test.db, east.id, 'long-term-child-protection', 'Canterbury CP');
  teams.sevenoaks = await createTeam(test.db, west.id, 'looked-after-children', 'Sevenoaks LAC');
  await createTeam(test.db, north.id, 'duty-initial-assessment', 'Gravesham Duty');
  kentReviewer = await createUser(test.db, 'reviewer', {}, 'Kim Reviewer');
  eastReviewer = await createUser(test.db, 'reviewer', { areaId: east.id }, 'Eve Reviewer');
  northReviewer = await createUser(test.db, 'reviewer', { areaId: north.id }, 'Nat Reviewer');
  firstAuditor = await createUser(test.db, 'auditor', {}, 'Ada Auditor');
  secondAuditor = await createUser(test.db, 'auditor', {}, 'Bo Auditor');

  const round = await createRound(
    test.db,
    {
      name: 'Practice audit 2009',
      questionnaireVersionId: caseVersionId,
      dueDate: '2009-06-30',
      teamIds: [teams.ashford.id, teams.canterbury.id, teams.sevenoaks.id],
      subject: 'case',
    },
    kentReviewer.id,
  );
  roundId = round.id;
  audits.A1 = await addCase(roundId, teams.ashford.id, 'A1', 'child-protection-plan');
  audits.A2 = await addCase(roundId, teams.ashford.id, 'A2', 'child-in-need');
  audits.A3 = await addCase(roundId, teams.ashford.id, 'A3', 'looked-after');
  audits.A4 = await addCase(roundId, teams.ashford.id, 'A4', 'other');
  audits.C1 = await addCase(roundId, teams.canterbury.id, 'C1', 'child-protection-plan');
  audits.S1 = await addCase(roundId, teams.sevenoaks.id, 'S1', 'looked-after');

  await audit(audits.A1, {
    evidence_sources: 'electronic',
    chronology_on_file: 'yes',
    chronology_current: 'yes',
    referral_decision_timely: 'yes',
    child_seen: 'yes',
    child_seen_alone: 'yes',
    has_protection_plan: true,
    plan_specific: 'yes',
    first_core_group_timely: 'late',
    manager_decisions_recorded: 'yes',
    record_location: 'ics',
    practice_grade: 'good',
  });
  // chronology_current was answered before "no chronology" hid it: the answer stays in the data, and is not counted.
  await audit(audits.A2, {
    evidence_sources: 'both',
    chronology_on_file: 'no',
    chronology_current: 'yes',
    referral_decision_timely: 'na',
    child_seen: 'yes',
    child_seen_alone: 'no',
    has_protection_plan: false,
    manager_decisions_recorded: 'no',
    record_location: 'paper-only',
    practice_grade: 'inadequate',
  });
  await audit(audits.A3, {
    evidence_sources: 'both',
    chronology_on_file: 'yes',
    chronology_current: 'no',
    referral_decision_timely: 'late',
    child_seen: 'na',
    manager_decisions_recorded: 'yes',
    practice_grade: 'adequate',
  });
  await audit(audits.A4, { chronology_on_file: 'no', practice_grade: 'outstanding' }, { submit: false });
  await audit(audits.C1, {
    evidence_sources: 'electronic',
    chronology_on_file: 'yes',
    chronology_current: 'yes',
    referral_decision_timely: 'no',
    child_seen: 'no',
    manager_decisions_recorded: 'yes',
    record_location: 'not-found',
    practice_grade: 'adequate',
  });
  await audit(audits.S1, {
    evidence_sources: 'both',
    chronology_on_file: 'yes',
    chronology_current: 'no',
    referral_decision_timely: 'yes',
    child_seen: 'yes',
    child_seen_alone: 'na',
    manager_decisions_recorded: 'yes',
    record_location: 'ics',
    practice_grade: 'outstanding',
  });

  // A3's second, blind audit (as startModeration opens one, but for this case only), then the moderated answers.
  const first = await test.db.selectFrom('responses').select(['case_id', 'answerable_count']).where('id', '=', audits.A3).executeTakeFirstOrThrow();
  const second = await test.db
    .insertInto('responses')
    .values({
      round_id: roundId,
      team_id: teams.ashford.id,
      case_id: first.case_id,
      moderation_of: audits.A3,
      auditor_id: secondAuditor.id,
      questionnaire_version_id: caseVersionId,
      answerable_count: first.answerable_count,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await audit(
    second.id,
    {
      evidence_sources: 'paper',
      chronology_on_file: 'no',
      referral_decision_timely: 'no',
      child_seen: 'no',
      manager_decisions_recorded: 'no',
      practice_grade: 'inadequate',
    },
    { auditor: secondAuditor },
  );
  await recordModeratedAnswer(test.db, kentReviewer, audits.A3, {
    question: 'chronology_current',
    value: '"yes"',
    note: 'The chronology was updated in March.',
  });
  await recordModeratedAnswer(test.db, kentReviewer, audits.A3, { question: 'practice_grade', value: '"good"', note: '' });
});
afterAll(() => test.destroy());

describe('the share of cases meeting each standard', () => {
  it('counts submitted first audits, leaving out not applicable, unanswered and hidden answers, with moderated answers in place', async () => {
    const figures = await caseFigures(test.db, kentReviewer, roundId);
    expect(figures.counts).toEqual({ counted: 5, waiting: 1, secondAudits: 1 });
    const overall = Object.fromEntries(figures.standards.map((s) => [s.question, s.overall]));
    expect(overall.chronology_on_file).toEqual(tally(4, 1, 0, 0));
    // A1, A3 (moderated from "no") and C1 met it; S1 did not; A2's answer is to a hidden question.
    expect(overall.chronology_current).toEqual({ met: 3, notMet: 1, notApplicable: 0, unanswered: 1, counted: 4, share: 0.75 });
    expect(overall.referral_decision_timely).toEqual({ met: 2, notMet: 2, notApplicable: 1, unanswered: 0, counted: 4, share: 0.5 });
    expect(overall.child_seen).toEqual(tally(3, 1, 1, 0));
    expect(overall.child_seen_alone).toEqual(tally(1, 1, 1, 2));
    expect(overall.plan_specific).toEqual(tally(1, 0, 0, 4));
    expect(overall.first_core_group_timely).toEqual(tally(0, 1, 0, 4));
    expect(overall.manager_decisions_recorded).toEqual(tally(4, 1, 0, 0));
    expect(overall.case_supervision_recorded).toEqual({ met: 0, notMet: 0, notApplicable: 0, unanswered: 5, counted: 0, share: null });
  });

  it('lists the standards in questionnaire order with their titles and topics', async () => {
    const figures = await caseFigures(test.db, kentReviewer, roundId);
    expect(figures.standards.map((s) => s.question)).toEqual([
      'chronology_on_file',
      'chronology_current',
      'referral_decision_timely',
      'referrer_told_outcome',
      'agency_checks_before_s47',
      'strategy_discussion_held',
      'strategy_all_agencies',
      'initial_assessment_timely',
      'core_assessment_timely',
      'child_seen',
      'child_seen_alone',
      'child_views_recorded',
      'plan_specific',
      'first_core_group_timely',
      'review_conferences_timely',
      'manager_decisions_recorded',
      'case_supervision_recorded',
    ]);
    expect(figures.standards[0]).toMatchObject({ title: 'Is there a chronology on the file?', topic: 'recording-ics', topicTitle: 'Recording and ICS' });
  });

  it('breaks each standard down by team, area, kind of case, records read and where the record was found', async () => {
    const { standards, breakdowns } = await caseFigures(test.db, kentReviewer, roundId);
    expect(breakdowns.team.map((g) => [g.label, g.audits])).toEqual([
      ['Ashford Duty', 3],
      ['Canterbury CP', 1],
      ['Sevenoaks LAC', 1],
    ]);
    expect(byGroup(breakdowns.team, standards, 'chronology_current')).toEqual({ 'Ashford Duty': '2/2', 'Canterbury CP': '1/1', 'Sevenoaks LAC': '0/1' });
    expect(byGroup(breakdowns.area, standards, 'chronology_on_file')).toEqual({ 'East Kent': '3/4', 'West Kent': '1/1' });
    // Kinds in the order the sampling lists them.
    expect(breakdowns.kind.map((g) => [g.key, g.audits])).toEqual([
      ['child-protection-plan', 2],
      ['looked-after', 2],
      ['child-in-need', 1],
    ]);
    expect(byGroup(breakdowns.kind, standards, 'referral_decision_timely')).toEqual({
      'Child protection plan': '1/2',
      'Looked after': '1/2',
      'Child in need': '0/0',
    });
    // Every choice of the records read, in order, even one no case chose.
    expect(breakdowns.sources!.groups.map((g) => [g.key, g.audits])).toEqual([
      ['electronic', 2],
      ['paper', 0],
      ['both', 3],
    ]);
    expect(byGroup(breakdowns.sources!.groups, standards, 'chronology_on_file')).toEqual({
      'The electronic record (ICS) only': '2/2',
      'The paper file only': '0/0',
      'Both the electronic record and the paper file': '2/3',
    });
    // A3 did not say where the record was found.
    expect(breakdowns.recordLocation!.groups.map((g) => [g.key, g.audits])).toEqual([
      ['ics', 2],
      ['paper-only', 1],
      ['not-found', 1],
      ['', 1],
    ]);
    expect(breakdowns.recordLocation!.groups[3].label).toBe('Not answered');
  });

  it('filters by area, team and kind of case', async () => {
    const eastOnly = await caseFigures(test.db, kentReviewer, roundId, { areaId: east.id });
    expect(eastOnly.counts).toEqual({ counted: 4, waiting: 1, secondAudits: 1 });
    const lookedAfter = await caseFigures(test.db, kentReviewer, roundId, { kind: 'looked-after' });
    expect(lookedAfter.counts).toEqual({ counted: 2, waiting: 0, secondAudits: 1 });
    expect(lookedAfter.standards.find((s) => s.question === 'chronology_current')!.overall).toEqual(tally(1, 1, 0, 0));
    const canterbury = await caseFigures(test.db, kentReviewer, roundId, { teamId: teams.canterbury.id });
    expect(canterbury.counts.counted).toBe(1);
    await expect(caseFigures(test.db, eastReviewer, roundId, { teamId: teams.sevenoaks.id })).rejects.toMatchObject({ status: 400 });
  });

  it('counts the grades given (moderated where moderated), in the order of the choices, overall and by area', async () => {
    const { grades } = await caseFigures(test.db, kentReviewer, roundId);
    expect(grades!.choices.map((c) => c.value)).toEqual(['outstanding', 'good', 'adequate', 'inadequate']);
    expect(grades!.overall).toEqual({ counts: [1, 2, 1, 1], graded: 5, ungraded: 0 });
    expect(grades!.byArea.map((a) => [a.label, a.grades.counts])).toEqual([
      ['East Kent', [0, 2, 1, 1]],
      ['West Kent', [1, 0, 0, 0]],
    ]);
  });

  it('lists the exceptions: standards with cases not meeting them, the largest share not met first', async () => {
    const { exceptions } = await caseFigures(test.db, kentReviewer, roundId);
    expect(exceptions.map((e) => [e.question, e.overall.notMet, e.overall.counted])).toEqual([
      ['first_core_group_timely', 1, 1],
      ['referral_decision_timely', 2, 4], // a half, as child_seen_alone, with more cases not meeting it
      ['child_seen_alone', 1, 2],
      ['chronology_current', 1, 4], // a quarter, as child_seen: questionnaire order
      ['child_seen', 1, 4],
      ['chronology_on_file', 1, 5],
      ['manager_decisions_recorded', 1, 5],
    ]);
    expect(exceptions[0].shareNotMet).toBe(1);
  });

  it('covers only the teams the user reviews, and is a 404 for a reviewer of an area with none of the round’s teams', async () => {
    const eastFigures = await caseFigures(test.db, eastReviewer, roundId);
    expect(eastFigures.counts.counted).toBe(4);
    expect(eastFigures.options.teams.map((t) => t.name)).toEqual(['Ashford Duty', 'Canterbury CP']);
    await expect(caseFigures(test.db, northReviewer, roundId)).rejects.toMatchObject({ status: 404, message: NOT_FOUND.round });
    await expect(caseTrend(test.db, northReviewer, roundId)).rejects.toMatchObject({ status: 404, message: NOT_FOUND.round });
    await expect(selfAssessmentComparison(test.db, northReviewer, roundId, teams.ashford.id)).rejects.toMatchObject({ status: 404, message: NOT_FOUND.round });
    await expect(selfAssessmentComparison(test.db, eastReviewer, roundId, teams.sevenoaks.id)).rejects.toMatchObject({ status: 404, message: NOT_FOUND.team });
  });

  it('writes the figures by team and standard as CSV', async () => {
    const csv = caseFiguresCsv(await caseFigures(test.db, kentReviewer, roundId));
    const lines = csv
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\n');
    expect(lines).toHaveLength(1 + 3 * 17);
    expect(lines[0]).toBe('Team,Area,Standard,Topic,Met,Not met,Not applicable,Not answered,Cases counted,Share met (%)');
    expect(lines).toContain('Sevenoaks LAC,West Kent,Is there a chronology on the file?,Recording and ICS,1,0,0,0,1,100');
    expect(lines.filter((l) => l.startsWith('Ashford Duty,East Kent,Is the chronology up to date?'))).toEqual([
      'Ashford Duty,East Kent,Is the chronology up to date?,Recording and ICS,2,0,0,1,2,100',
    ]);
  });
});

describe('a team’s audits beside its self-assessment', () => {
  beforeAll(async () => {
    // Phase 1 and Phase 2 of the self-assessment, then a later mini-JAR round (no question on the audit's topics) and
    // a Phase 3 still in progress: the comparison takes Phase 2.
    const rounds = [
      { name: 'Phase 1', version: selfV1, data: { chronology_pct: 40, supervision_frequency: 'six_weekly' }, status: 'submitted' as const },
      {
        name: 'Phase 2',
        version: selfV2,
        data: { chronology_pct: 60, supervision_frequency: 'monthly', oversight_practice: { decisions_on_file: 'usually', files_read: 'rarely' } },
        status: 'submitted' as const,
      },
      { name: 'Mini-JAR', version: miniJar, data: {}, status: 'submitted' as const },
      { name: 'Phase 3', version: selfV2, data: { chronology_pct: 90 }, status: 'in_progress' as const },
    ];
    for (const r of rounds) {
      const round = await createRound(test.db, { name: r.name, questionnaireVersionId: r.version, dueDate: '2009-03-31', teamIds: [teams.ashford.id] }, null);
      const response = await test.db.selectFrom('responses').select('id').where('round_id', '=', round.id).executeTakeFirstOrThrow();
      await writeResponse(test.db, response.id, r.data, r.status);
    }
  });

  it('gives per topic the team’s share met beside its latest submitted self-assessment’s answers on that topic', async () => {
    const comparison = await selfAssessmentComparison(test.db, kentReviewer, roundId, teams.ashford.id);
    expect(comparison.team).toMatchObject({ name: 'Ashford Duty', areaName: 'East Kent' });
    expect(comparison.audits).toBe(3);
    expect(comparison.selfAssessment).toMatchObject({ roundName: 'Phase 2', version: 2 });
    expect(comparison.topics.map((t) => t.id)).toEqual([
      'recording-ics',
      'timeliness',
      'climbie-compliance',
      'inter-agency',
      'child-voice',
      'planning',
      'supervision',
    ]);

    const recording = comparison.topics.find((t) => t.id === 'recording-ics')!;
    // Chronology on file: A1 and A3 yes, A2 no; up to date: A1 yes, A3 moderated yes (A2's hidden).
    expect(recording.audit).toEqual(tally(4, 1, 0, 1));
    expect(recording.standards.map((s) => [s.question, s.tally.met, s.tally.counted])).toEqual([
      ['chronology_on_file', 2, 3],
      ['chronology_current', 2, 2],
    ]);
    const chronology = recording.selfAssessment.find((a) => a.question === 'chronology_pct')!;
    expect(chronology.lines).toEqual(['60']);
    expect(recording.selfAssessment.find((a) => a.question === 'ics_freeze_frequency')!.lines).toEqual([]);

    const supervision = comparison.topics.find((t) => t.id === 'supervision')!;
    expect(supervision.audit).toEqual(tally(2, 1, 0, 3));
    expect(supervision.selfAssessment.find((a) => a.question === 'supervision_frequency')!.lines).toEqual(['Every month']);
    expect(supervision.selfAssessment.find((a) => a.question === 'oversight_practice')!.lines).toEqual([
      'Decisions made in supervision are recorded on the child’s file: Usually',
      'Managers read and sign case files between supervision sessions: Rarely or never',
    ]);
    // The audit's topics the self-assessment does not ask about.
    expect(comparison.topics.find((t) => t.id === 'child-voice')!.selfAssessment).toEqual([]);
  });

  it('has no self-assessment for a team that has submitted none', async () => {
    const comparison = await selfAssessmentComparison(test.db, kentReviewer, roundId, teams.sevenoaks.id);
    expect(comparison.selfAssessment).toBeNull();
    expect(comparison.topics.every((t) => t.selfAssessment.length === 0)).toBe(true);
    expect(comparison.topics[0].audit).toEqual(tally(1, 1, 0, 0));
  });
});

describe('year on year', () => {
  let nextRoundId: number;
  beforeAll(async () => {
    const next = await createRound(
      test.db,
      {
        name: 'Practice audit 2010',
        questionnaireVersionId: caseVersionId,
        dueDate: '2010-06-30',
        teamIds: [teams.ashford.id, teams.canterbury.id, teams.sevenoaks.id],
        subject: 'case',
        followsRoundId: roundId,
      },
      kentReviewer.id,
    );
    nextRoundId = next.id;
    const b1 = await addCase(nextRoundId, teams.ashford.id, 'B1', 'child-protection-plan');
    const b2 = await addCase(nextRoundId, teams.sevenoaks.id, 'B2', 'looked-after');
    await audit(b1, { chronology_on_file: 'yes', chronology_current: 'no', practice_grade: 'good' });
    await audit(b2, { chronology_on_file: 'yes', chronology_current: 'yes', practice_grade: 'good' });
  });

  it('follows the round back through the rounds it repeats, with each standard’s share met and the grades per round', async () => {
    const trend = await caseTrend(test.db, kentReviewer, nextRoundId);
    expect(trend.rounds.map((r) => [r.name, r.audits])).toEqual([
      ['Practice audit 2009', 5],
      ['Practice audit 2010', 2],
    ]);
    const all = trend.slices.find((s) => s.key === 'all')!;
    const row = (question: string) => all.rounds.map((r) => r.standards[trend.standards.findIndex((s) => s.key === question)]);
    expect(row('chronology_on_file').map((t) => t?.share)).toEqual([0.8, 1]);
    expect(row('chronology_current').map((t) => t && [t.met, t.counted])).toEqual([
      [3, 4],
      [1, 2],
    ]);
    expect(all.rounds.map((r) => r.grades?.counts)).toEqual([
      [1, 2, 1, 1],
      [0, 2, 0, 0],
    ]);
    // Every judgement of the first round, over the eight standards the cases answered: 4+3+2+3+1+1+0+4 met of 5+4+4+4+2+1+1+5.
    expect(all.rounds[0].allStandards).toMatchObject({ met: 18, counted: 26 });
    expect(all.rounds[1].allStandards).toMatchObject({ met: 3, counted: 4 });
  });

  it('gives the same figures by area and by team type', async () => {
    const trend = await caseTrend(test.db, kentReviewer, nextRoundId);
    expect(trend.slices.map((s) => s.label)).toEqual([
      'All teams',
      'East Kent',
      'West Kent',
      'Duty and initial assessment',
      'Long-term / child protection',
      'Looked-after children',
    ]);
    const i = trend.standards.findIndex((s) => s.key === 'chronology_on_file');
    const shares = (label: string) =>
      trend.slices.find((s) => s.label === label)!.rounds.map((r) => r.standards[i] && `${r.standards[i]!.met}/${r.standards[i]!.counted}`);
    expect(shares('East Kent')).toEqual(['3/4', '1/1']);
    expect(shares('Duty and initial assessment')).toEqual(['2/3', '1/1']);
    expect(shares('Long-term / child protection')).toEqual(['1/1', '0/0']);
    expect(trend.slices.find((s) => s.label === 'West Kent')!.rounds.map((r) => r.grades?.counts)).toEqual([
      [1, 0, 0, 0],
      [0, 1, 0, 0],
    ]);
  });

  it('shows the first round alone, and only the teams a reviewer reviews', async () => {
    expect((await caseTrend(test.db, kentReviewer, roundId)).rounds.map((r) => r.name)).toEqual(['Practice audit 2009']);
    const eastTrend = await caseTrend(test.db, eastReviewer, nextRoundId);
    expect(eastTrend.rounds.map((r) => r.audits)).toEqual([4, 1]);
    expect(eastTrend.slices.map((s) => s.label)).toEqual(['All teams', 'East Kent', 'Duty and initial assessment', 'Long-term / child protection']);
  });
});

describe('the pages', () => {
  let headers: Record<string, string>;
  beforeAll(async () => {
    headers = await sessionHeaders(test.db, eastReviewer);
  });

  it('shows the figures with charts beside their tables, and a team’s comparison', async () => {
    const url = `/review/rounds/${roundId}/case-figures?kind=&compare=${teams.ashford.id}`;
    const data = (await callRoute(figuresLoader, url, { headers, params: { roundId: String(roundId) } })) as Awaited<ReturnType<typeof figuresLoader>>;
    expect(data).not.toBeInstanceOf(Response);
    expect(data.figures.counts.counted).toBe(4);
    expect(data.comparison?.selfAssessment?.roundName).toBe('Phase 2');
    const html = await renderRoute(CaseFiguresPage, url, data);
    expect(html).toContain('Cases meeting each standard');
    expect(html).toContain('role="img"');
    expect(html).toContain('<th scope="row">Is there a chronology on the file?</th>');
    expect(html).toContain('Second audits are never counted');
    expect(html).toContain('Every month');
    expect(html).toContain(`/review/rounds/${roundId}/case-trend`);
  });

  it('answers 400 for a bad filter and 404 for a round the reviewer cannot see', async () => {
    const params = { roundId: String(roundId) };
    const bad = (await callRoute(figuresLoader, `/review/rounds/${roundId}/case-figures?kind=adopted`, { headers, params })) as Response;
    expect(bad.status).toBe(400);
    const north = await sessionHeaders(test.db, northReviewer);
    const hidden = (await callRoute(figuresLoader, `/review/rounds/${roundId}/case-figures`, { headers: north, params })) as Response;
    expect(hidden.status).toBe(404);
    expect(await hidden.text()).toBe(NOT_FOUND.round);
  });

  it('downloads the CSV with the filters', async () => {
    const response = (await callRoute(csvLoader, `/review/rounds/${roundId}/case-figures.csv?team=${teams.canterbury.id}`, {
      headers,
      params: { roundId: String(roundId) },
    })) as Response;
    expect(response.headers.get('Content-Type')).toBe('text/csv; charset=utf-8');
    const lines = (await response.text()).trim().split('\n');
    expect(lines).toHaveLength(1 + 17);
    expect(lines.slice(1).every((line) => line.startsWith('Canterbury CP,East Kent,'))).toBe(true);
  });

  it('shows the trend for all teams or one slice', async () => {
    const [next] = await test.db.selectFrom('rounds').select('id').where('follows_round_id', '=', roundId).execute();
    const url = `/review/rounds/${next.id}/case-trend?slice=area-${east.id}`;
    const data = (await callRoute(trendLoader, url, { headers, params: { roundId: String(next.id) } })) as Awaited<ReturnType<typeof trendLoader>>;
    expect(data).not.toBeInstanceOf(Response);
    const html = await renderRoute(CaseTrendPage, url, data);
    expect(html).toContain('Practice audit 2009');
    expect(html).toContain('All standards together');
    const wrong = (await callRoute(trendLoader, `/review/rounds/${next.id}/case-trend?slice=area-999`, {
      headers,
      params: { roundId: String(next.id) },
    })) as Response;
    expect(wrong.status).toBe(400);
  });
});
