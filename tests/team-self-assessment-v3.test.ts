import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Model, type Question } from 'survey-core';
import '../app/lib/survey-properties';
import { getQuestionnaireVersion, findVersion, type VersionInfo } from '../app/models/questionnaires.server';
import { loadQuestionnairePage } from '../app/models/questionnaire-page.server';
import { loadRegistry, publishRegistry } from '../app/models/registry.server';
import { saveResponseChange, submitResponse, validateChange } from '../app/models/responses.server';
import { createRound } from '../app/models/rounds.server';
import type { CurrentUser } from '../app/models/users.server';
import { assessAnswers, assessWithModel, type AnswerError } from '../app/models/validation.server';
import { createRng, DEMO_SEED, generateSelfAssessmentV1, type DemoTeam } from '../db/seed/answers';
import { generatePhase2Answers } from '../db/seed/phase2-answers';
import { createTestDatabase, onPostgres, type TestDatabase } from './helpers/db';
import { createArea, createTeam, createUser } from './helpers/factories';

// Version 3 of the team self-assessment (Phase 2): its new questions take every value SurveyJS's UI produces, its
// cross-checks refuse (or, for plans against conferences, only warn) as the questionnaire says, on the save and the
// submit paths alike, and a Phase 1 return carried onto it leaves the questions whose period changed empty.

const DEFINITION = JSON.parse(fs.readFileSync(path.resolve('surveys/team-self-assessment/v3.json'), 'utf8')) as Record<string, unknown>;
const META = JSON.parse(fs.readFileSync(path.resolve('surveys/team-self-assessment/meta.json'), 'utf8'));

let test: TestDatabase;
let v3: VersionInfo;
let v1Id: number;

const TEAM: DemoTeam = { slug: 'ashford-duty', name: 'Ashford Duty and Initial Assessment', area: 'East Kent', teamType: 'duty-initial-assessment', index: 0 };
const phase1 = generateSelfAssessmentV1(TEAM, createRng(DEMO_SEED), 'complete');
/** A complete, valid version 3 return to break one rule at a time. */
const valid = () => structuredClone(generatePhase2Answers(TEAM, phase1));

beforeAll(async () => {
  test = await createTestDatabase();
  await publishRegistry(test.db, loadRegistry());
  v3 = await getQuestionnaireVersion(test.db, (await findVersion(test.db, 'team-self-assessment', 3))!.id);
  v1Id = (await findVersion(test.db, 'team-self-assessment', 1))!.id;
});
afterAll(() => test.destroy());

const isCleared = (value: unknown) => value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);

type Cells = { rowName: string; getQuestionByColumnName: (name: string) => Question };
const rowOf = (model: Model, matrix: string, row: string) =>
  (model.getQuestionByName(matrix) as unknown as { visibleRows: Cells[] }).visibleRows.find((r) => r.rowName === row)!;

/** Saves of the changes SurveyJS reports, one by one as the autosave sends them; the errors of each. */
function replaySaves(version: VersionInfo, start: Record<string, unknown>, answer: (model: Model) => void) {
  const model = new Model(DEFINITION);
  model.data = structuredClone(start);
  const changes: Array<{ name: string; value: unknown }> = [];
  model.onValueChanged.add((_, options) =>
    changes.push({ name: options.name, value: isCleared(options.value) ? null : JSON.parse(JSON.stringify(options.value)) }),
  );
  answer(model);
  let data = structuredClone(start);
  const refused: Array<{ name: string; value: unknown; errors: AnswerError[] }> = [];
  for (const { name, value } of changes) {
    const result = validateChange(version, data, value === null ? { set: {}, unset: [name] } : { set: { [name]: value }, unset: [] });
    if (result.errors.length) refused.push({ name, value, errors: result.errors });
    else data = result.next;
  }
  return { changes, refused, data, model };
}

describe(`team self-assessment version 3: what the browser sends (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('accepts every value the new questions produce as they are answered, changed and cleared', () => {
    const base = valid();
    for (const name of ['timeliness_counts', 'leavers_since_last_phase', 'unfinished_police_investigations', 'joint_police_s47', 'police_investigation_delays'])
      delete base[name];
    const { changes, refused, data } = replaySaves(v3, base, (model) => {
      const cell = (row: string, column: string) => rowOf(model, 'timeliness_counts', row).getQuestionByColumnName(column);
      cell('initial_assessment', 'completed').value = 12;
      cell('initial_assessment', 'within').value = 10;
      cell('initial_assessment', 'within').value = 12; // all within the timescale
      cell('core_assessment', 'completed').value = 0; // none done
      cell('core_assessment', 'within').value = 0;
      cell('referral_decision', 'not_recorded').value = true; // ticked…
      cell('referral_decision', 'not_recorded').value = false; // …and unticked
      cell('referral_decision', 'completed').value = 40;
      cell('referral_decision', 'within').value = 39;
      cell('review_conference', 'completed').value = 3;
      cell('review_conference', 'completed').value = undefined; // typed, then cleared
      cell('review_conference', 'not_recorded').value = true;
      model.getQuestionByName('leavers_since_last_phase').value = 0;
      model.getQuestionByName('leavers_since_last_phase').value = 2;
      model.getQuestionByName('unfinished_police_investigations').value = 1;
      model.getQuestionByName('joint_police_s47').value = 0;
      model.getQuestionByName('police_investigation_delays').value = 'Waiting for a charging decision.';
      model.getQuestionByName('police_investigation_delays').value = '';
      // The computed display beside the average caseload changes with the figures it reads; the browser saves it too.
      model.getQuestionByName('total_cases').value = Number(base.total_cases) + 1;
      model.getQuestionByName('total_cases').value = base.total_cases;
    });
    expect(refused).toEqual([]);
    expect(new Set(changes.map((c) => c.name))).toEqual(
      new Set([
        'timeliness_counts',
        'leavers_since_last_phase',
        'unfinished_police_investigations',
        'joint_police_s47',
        'police_investigation_delays',
        'total_cases',
        'allocated_per_worker',
      ]),
    );
    expect(data.timeliness_counts).toEqual({
      initial_assessment: { completed: 12, within: 12 },
      core_assessment: { completed: 0, within: 0 },
      referral_decision: { not_recorded: false, completed: 40, within: 39 },
      review_conference: { not_recorded: true },
    });
    expect(data).toMatchObject({ leavers_since_last_phase: 2, unfinished_police_investigations: 1, joint_police_s47: 0 });
    expect(data).not.toHaveProperty('police_investigation_delays');
    // Rows still to fill are saved, and asked for at submit.
    const atSubmit = assessAnswers(v3, data, 'submit').errors.map((e) => e.path);
    expect(atSubmit.sort()).toEqual([
      'timeliness_counts.first_core_group.completed',
      'timeliness_counts.first_core_group.within',
      'timeliness_counts.initial_conference.completed',
      'timeliness_counts.initial_conference.within',
    ]);
  });
});

/** The errors of saving one change on top of a valid return, on the compiled path, checked against the full model. */
function saveErrors(data: Record<string, unknown>, set: Record<string, unknown>): string[] {
  const { errors, next } = validateChange(v3, data, { set, unset: [] });
  const full = assessWithModel(v3, next, 'save', Object.keys(set)).errors;
  expect(errors, 'the compiled save path and the full model agree').toEqual(full);
  return errors.map((e) => e.path);
}
const submitErrors = (data: Record<string, unknown>) => assessAnswers(v3, data, 'submit').errors.map((e) => e.path);

describe('team self-assessment version 3: cross-checks', () => {
  it('a complete generated return passes them all', () => {
    expect(submitErrors(valid())).toEqual([]);
  });

  it('refuses more newly qualified workers or senior practitioners than case-holding workers, from either side', () => {
    const data = valid();
    const workers = Number(data.case_holding_workers);
    expect(saveErrors(data, { nqsw_count: workers + 1 })).toEqual(['nqsw_count']);
    expect(saveErrors(data, { senior_practitioner_fte: workers + 0.5 })).toEqual(['senior_practitioner_fte']);
    expect(saveErrors({ ...data, nqsw_count: 3, senior_practitioner_fte: 1 }, { case_holding_workers: 2 })).toEqual(['case_holding_workers']);
    expect(saveErrors(data, { nqsw_count: workers })).toEqual([]); // as many is fine
    expect(submitErrors({ ...data, nqsw_count: workers + 1 })).toEqual(expect.arrayContaining(['nqsw_count', 'case_holding_workers']));
  });

  it('checks the average caseload against total cases, unallocated cases and case-holding workers', () => {
    const data = valid();
    const allocated = Number(data.total_cases) - Number(data.unallocated_cases);
    const workers = Number(data.case_holding_workers);
    expect(saveErrors(data, { average_caseload: Math.round((allocated / workers) * 10) / 10 })).toEqual([]);
    expect(saveErrors(data, { average_caseload: Math.round(allocated / workers) })).toEqual([]); // rounded to a whole number: within 0.5
    expect(saveErrors(data, { average_caseload: Math.round(allocated / workers) + 2 })).toEqual(['average_caseload']);
    expect(submitErrors({ ...data, unallocated_cases: Number(data.unallocated_cases) + workers * 2 })).toContain('average_caseload');
    // Nobody holds cases: the average is 0 and every case is unallocated.
    const empty = { ...data, total_cases: 5, unallocated_cases: 5, unallocated_cp_cases: 0, cp_plan_cases: 0, lac_cases: 0, cin_cases: 0 };
    expect(saveErrors(empty, { case_holding_workers: 0, nqsw_count: 0, senior_practitioner_fte: 0, average_caseload: 0 })).toEqual([]);
    expect(saveErrors(empty, { case_holding_workers: 0, nqsw_count: 0, senior_practitioner_fte: 0, average_caseload: 4 })).toEqual(['average_caseload']);
  });

  it('refuses timeliness counts within the timescale above those completed, and counts beside "not recorded"', () => {
    const data = valid();
    const counts = data.timeliness_counts as Record<string, Record<string, unknown>>;
    expect(saveErrors(data, { timeliness_counts: { ...counts, initial_assessment: { completed: 10, within: 11 } } })).toEqual([
      'timeliness_counts.initial_assessment.within',
    ]);
    expect(saveErrors(data, { timeliness_counts: { ...counts, core_assessment: { completed: 4, within: 3, not_recorded: true } } })).toEqual([
      'timeliness_counts.core_assessment.not_recorded',
    ]);
    expect(submitErrors({ ...data, timeliness_counts: { ...counts, core_assessment: {} } })).toEqual([
      'timeliness_counts.core_assessment.completed',
      'timeliness_counts.core_assessment.within',
    ]);
  });

  it('refuses more police cases than the team holds, and more joint enquiries than section 47 enquiries in the three months', () => {
    const data = valid();
    const months = data.referrals_monthly as Record<string, Record<string, number>>;
    const s47 = ['2008-12', '2009-01', '2009-02'].reduce((sum, m) => sum + months[m].s47_enquiries, 0);
    expect(saveErrors(data, { unfinished_police_investigations: Number(data.total_cases) + 1 })).toEqual(['unfinished_police_investigations']);
    expect(saveErrors(data, { joint_police_s47: s47 + 1 })).toEqual(['joint_police_s47']);
    expect(saveErrors(data, { joint_police_s47: s47 })).toEqual([]);
  });

  it('only warns when more plans started than initial conferences were held: the save and the submit go through, the page shows the warning', () => {
    const data = valid();
    const months = structuredClone(data.referrals_monthly) as Record<string, Record<string, number>>;
    months['2009-01'].cp_plans_started = months['2009-01'].initial_cp_conferences + 2;
    expect(saveErrors(data, { referrals_monthly: months })).toEqual([]);
    const warned = { ...data, referrals_monthly: months };
    expect(submitErrors(warned)).toEqual([]);
    // In the browser: a warning on the cell (not an error: SurveyJS lets the manager go on), and the notice under the table.
    const model = new Model(DEFINITION);
    model.data = warned;
    expect(model.validate(true, false)).toBe(true);
    const cell = rowOf(model, 'referrals_monthly', '2009-01').getQuestionByColumnName('cp_plans_started');
    expect(cell.errors.map((e) => [e.notificationType, e.getText()])).toEqual([
      ['warning', expect.stringMatching(/More plans started than initial conferences/)],
    ]);
    expect(model.getQuestionByName('plans_conferences_notice').isVisible).toBe(true);
    model.data = data;
    expect(model.getQuestionByName('plans_conferences_notice').isVisible).toBe(false);
  });
});

describe(`Phase 1 carried onto version 3 (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let manager: CurrentUser;
  let teamId: number;

  beforeAll(async () => {
    const area = await createArea(test.db, 'East Kent');
    teamId = (await createTeam(test.db, area.id, 'duty-initial-assessment', TEAM.name)).id;
    manager = await createUser(test.db, 'manager', { teamId }, 'Ashford Manager');
  });

  it('carries what has not changed, through versions 2 and 3, and asks again the questions whose period changed, saying why', async () => {
    const phase1Round = await createRound(
      test.db,
      { name: 'Phase 1: team self-assessment (January 2009)', questionnaireVersionId: v1Id, dueDate: '2009-01-30', teamIds: [teamId] },
      null,
    );
    const [r1] = await test.db.selectFrom('responses').select('id').where('round_id', '=', phase1Round.id).execute();
    const saved = await saveResponseChange(test.db, manager, r1.id, { baseRevision: 0, set: phase1, unset: [] });
    await submitResponse(test.db, manager, r1.id, { revision: saved.revision });
    const phase2Round = await createRound(
      test.db,
      {
        name: 'Phase 2: team self-assessment (March 2009)',
        questionnaireVersionId: v3.id,
        dueDate: '2009-03-31',
        teamIds: [teamId],
        followsRoundId: phase1Round.id,
      },
      null,
    );
    const r2 = await test.db.selectFrom('responses').selectAll().where('round_id', '=', phase2Round.id).executeTakeFirstOrThrow();
    const reasons = META.versions['3'].askAgain as Record<string, string>;
    // Asked again: the period questions Phase 1 answered (written_confirmation_pct is new since Phase 1).
    expect(Object.keys(r2.asked_again ?? {}).sort()).toEqual(['dissent_no_proceedings', 'ics_hours_per_week', 'plo_cases', 'supervision_held_pct']);
    for (const [name, entry] of Object.entries(r2.asked_again ?? {})) {
      expect(entry).toEqual({ from: name, fromResponseId: r1.id, fromRoundId: phase1Round.id, version: 3, reason: reasons[name] });
      expect(r2.data, name).not.toHaveProperty(name);
    }
    // Carried: figures to check and update, renamed ones under their new names; removed ones (the percentages) not.
    expect(r2.data).toMatchObject({
      average_caseload: phase1.average_caseload,
      referrals_monthly: phase1.referrals_monthly,
      senior_practitioner_fte: phase1.senior_practitioners,
      paper_records_kept: phase1.hard_copy_files,
      threshold_change: phase1.threshold_change,
    });
    expect(r2.data).not.toHaveProperty('initial_assessment_7day_pct');
    expect(r2.data).not.toHaveProperty('timeliness_counts');
    expect(Object.keys(r2.carried).some((name) => name in reasons)).toBe(false);

    const page = await loadQuestionnairePage(test.db, manager, r2.id);
    if (typeof page === 'string') throw new Error(`redirected to ${page}`);
    expect(page.response.askedAgain.map((a) => a.name)).toEqual(['supervision_held_pct', 'ics_hours_per_week', 'plo_cases', 'dissent_no_proceedings']);
    expect(page.response.askedAgain[0]).toEqual({
      name: 'supervision_held_pct',
      since: 'Phase 1: team self-assessment (January 2009)',
      version: 3,
      reason: 'The supervision log period is now December 2008 to February 2009.',
    });
  });
});
