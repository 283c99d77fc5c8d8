import { ACTIVITY_COLUMNS, chance, createRng, DEMO_SEED, isHighVacancyTeam, pick, weighted, type DemoTeam } from './answers';

/**
 * Synthetic demo answers for Phase 2 of the review: the team self-assessment, version 3 (March 2009), from a team's
 * Phase 1 answers (version 1, db/seed/answers.ts).
 *
 * Pure and deterministic: the same team and Phase 1 answers give the same Phase 2 answers on every machine (the
 * random choices come from a generator seeded with DEMO_SEED and the team's slug, so the order teams are generated in
 * does not matter). No database and no real people: figures and comments are invented.
 *
 * What Phase 2 looks like, as a team manager would fill it in:
 *  - answers carried forward from Phase 1 and still true are kept (team type, thresholds, practice ratings, the
 *    Phase 1 months of the monthly table…); figures "as at" move on to 28 February 2009 with a small drift (a post
 *    filled here, a worker leaving there), keeping every sum the questionnaire checks exact;
 *  - the questions version 3 asks again (supervision held, ICS hours, PLO cases, decisions not to start proceedings,
 *    written confirmation of referrals) get new answers for their new period;
 *  - the monthly table gains January and February 2009 at about December's raised level; in every month no more
 *    plans start than initial conferences are held (managers correct the months the questionnaire warns about);
 *  - timeliness is given as counts for December 2008 to February 2009, derived from the team's own activity, with
 *    within-timescale shares near its Phase 1 percentages; now and then a team does not record a measure;
 *  - every cross-check of version 3 holds: the average caseload is the allocated cases over the case-holding workers,
 *    newly qualified workers and senior practitioners are no more than them, joint police enquiries are no more than
 *    the section 47 enquiries of the three months.
 * A Phase 1 answer set that was never finished (the 'partial' ones answer the first three pages) is completed.
 * tests/phase2-answers.test.ts submits every generated set through the server's full submit validation.
 */

type Rng = () => number;
type Row = Record<string, number>;

/** The months of the version 3 monthly table after the Phase 1 ones (December 2007 to December 2008). */
export const PHASE2_NEW_MONTHS = ['2009-01', '2009-02'] as const;
/** The three months version 3's period figures cover. */
const PERIOD_MONTHS = ['2008-12', '2009-01', '2009-02'];

/** The rows of the version 3 timeliness table (matrix timeliness_counts), in order. */
export const TIMELINESS_MEASURES = [
  'referral_decision',
  'initial_assessment',
  'core_assessment',
  'initial_conference',
  'first_core_group',
  'review_conference',
] as const;
type Measure = (typeof TIMELINESS_MEASURES)[number];

/** The version 1 percentage each measure carries on from (removed in version 3; used here for continuity only). */
const PHASE1_PERCENT: Record<Measure, string> = {
  referral_decision: 'referral_decision_1day_pct',
  initial_assessment: 'initial_assessment_7day_pct',
  core_assessment: 'core_assessment_35day_pct',
  initial_conference: 'initial_conference_15day_pct',
  first_core_group: 'first_core_group_10day_pct',
  review_conference: 'review_conference_on_time_pct',
};

/** Working days in March 2009, when Phase 2 returns were completed. */
const COMPLETION_DATES = [
  '2009-03-16',
  '2009-03-17',
  '2009-03-18',
  '2009-03-19',
  '2009-03-20',
  '2009-03-23',
  '2009-03-24',
  '2009-03-25',
  '2009-03-26',
  '2009-03-27',
];

const FREQ = ['always', 'usually', 'sometimes', 'rarely'] as const;

// ---------------------------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------------------------

/** FNV-1a: a team's slug as a 32-bit number, to give each team its own generator. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

const between = (rng: Rng, min: number, max: number) => min + (max - min) * rng();
const intBetween = (rng: Rng, min: number, max: number) => Math.floor(between(rng, min, max + 1));
const round1 = (x: number) => Math.round(x * 10) / 10;
const clamp = (x: number, min: number, max: number) => Math.min(max, Math.max(min, x));
const num = (value: unknown, fallback: number) => (typeof value === 'number' && Number.isFinite(value) ? value : fallback);
const text = (value: unknown, fallback: string) => (typeof value === 'string' && value.trim() ? value : fallback);
const stochasticRound = (rng: Rng, x: number) => Math.max(0, Math.floor(x + rng()));

function subset<T extends string>(rng: Rng, probabilities: Record<T, number>, atLeast: NoInfer<T>): T[] {
  const chosen = (Object.entries(probabilities) as [T, number][]).filter(([, p]) => chance(rng, p)).map(([v]) => v);
  return chosen.length ? chosen : [atLeast];
}

function setIf(target: Record<string, unknown>, key: string, value: unknown) {
  if (value !== undefined) target[key] = value;
}

// ---------------------------------------------------------------------------------------------------------------
// Phrase banks (synthetic)
// ---------------------------------------------------------------------------------------------------------------

const CHANGES = {
  team_profile: [
    'No change.',
    'One agency worker has been replaced by a permanent appointment.',
    'A newly qualified worker started in February; one experienced worker left for another authority.',
    'Interviews for two vacant posts are booked for April.',
  ],
  caseloads: [
    'No change.',
    'Caseloads rose slightly as referrals stayed high through January and February.',
    'Unallocated cases are reviewed weekly and have come down since January.',
    'Two workers took on extra cases while posts were vacant.',
  ],
  referrals: [
    'No change.',
    'Referrals stayed at December’s higher level in January and February.',
    'Corrected the December 2008 figures now that the month is complete.',
    'More referrals from schools since the start of the spring term.',
  ],
  thresholds: ['No change.', 'The team has held a threshold workshop using the CHIN matrix.', 'Managers now review every neglect referral screened out.'],
  cp_plans: ['No change.', 'More plans reviewed at the three-month point.', 'Two sibling groups came onto plans in February.'],
  timeliness: ['No change.', 'Initial assessments slipped in January while duty was short-staffed.', 'A tracking sheet for conferences has been set up.'],
  supervision: ['No change.', 'Supervision is now booked for the whole quarter in advance.', 'The new senior practitioner supervises three workers.'],
  training: ['No change.', 'Three workers attended neglect training in February.', 'Agency staff now attend the induction session.'],
  recording_ics: ['No change.', 'A business support officer now enters contact records on ICS.', 'ICS froze less after the February update.'],
  plo: ['No change.', 'Legal planning meetings are now booked within two weeks.', 'One case went to court in February after pre-proceedings work.'],
  interagency: ['No change.', 'Health now joins most strategy discussions by telephone.', 'A named police officer now attends our weekly allocation meeting.'],
  priorities: ['No change.', 'Recruitment has moved to the top of the list.', 'Bringing chronologies up to date is now the first priority.'],
  urgent_actions: [
    'None raised.',
    'Agency cover was agreed for one of the vacant posts.',
    'The ICS fixes we asked for are promised for April.',
    'Still waiting for approval to recruit to the vacant posts.',
  ],
};

const CIN_APPROACH = [
  'Each case is reviewed with the team manager at 12 weeks; cases move to CAF support when the child’s needs can be met by universal services.',
  'The senior practitioner chairs a monthly step-down meeting with the school and health visitor before a case closes.',
  'Cases close after a closing visit and a letter to the family and referrer saying where to get help.',
];
const NEGLECT_DETAIL = [
  'Referrals about home conditions rarely say what the effect on the child is.',
  'Schools and health visitors disagree with us most often about chronic neglect.',
  'Housing refer when a tenancy is at risk but not the concerns about the children.',
];
const RISE_EXPLANATION = [
  'More referrals reached the team after November 2008, and conferences have been more cautious about ending plans.',
  'Long-standing neglect cases have come onto plans, often large sibling groups.',
  'Plans last longer while care proceedings are prepared under the Public Law Outline.',
];
const REFERRAL_PROCESS = [
  'Telephone referrals are often not followed up in writing within 48 hours.',
  'Referrals arrive by fax to the wrong office and are passed on a day late.',
  'Referrers do not always say what they have already done or what they expect of us.',
];
const INTERAGENCY = [
  'Police join strategy discussions quickly. GPs rarely send reports to conferences.',
  'Schools refer promptly. Health visitors do not always join strategy discussions.',
  'Information from adult mental health services is slow to arrive.',
];
const POLICE_DELAYS = [
  'Waiting for the Crown Prosecution Service to decide whether to charge.',
  'Forensic medical results take several weeks.',
  'Joint interviews wait for a trained police officer to be free.',
];
const TRAINING_GAPS = [
  'Assessing neglect and its effect on children over time.',
  'Refresher training on section 47 enquiries and strategy discussions.',
  'Preparing for court under the Public Law Outline.',
];
const PAPER_DETAIL = [
  'Reports from health, schools and the police arrive on paper and cannot yet be scanned onto ICS.',
  'Court bundles and signed agreements are kept on paper.',
];
const PRIORITIES = [
  '1. Allocate every unallocated case. 2. Bring chronologies up to date. 3. Recruit to vacant posts.',
  '1. Keep initial assessments within 7 working days. 2. Get health into strategy discussions. 3. Protect the newly qualified workers’ caseloads.',
];

// ---------------------------------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------------------------------

/** A copy of the Phase 1 monthly table (empty when Phase 1 has none). */
function phase1Months(phase1: Record<string, unknown>): Record<string, Row> {
  const table = phase1.referrals_monthly;
  return table && typeof table === 'object' ? structuredClone(table as Record<string, Row>) : {};
}

function monthlyTable(rng: Rng, phase1: Record<string, unknown>): Record<string, Row> {
  const table = phase1Months(phase1);
  const december: Row = table['2008-12'] ?? Object.fromEntries(ACTIVITY_COLUMNS.map((c) => [c, c === 'new_referrals' ? 20 : 3]));
  // January and February 2009: activity stays near December's raised level (plans ended recover after Christmas).
  PHASE2_NEW_MONTHS.forEach((month, m) => {
    const row: Row = {};
    for (const column of ACTIVITY_COLUMNS) {
      const level = column === 'cp_plans_ended' ? 1.15 : m === 0 ? 0.97 : 1.01;
      row[column] = stochasticRound(rng, num(december[column], 0) * level * between(rng, 0.92, 1.08));
    }
    table[month] = row;
  });
  // No more plans started than initial conferences in any month (the questionnaire warns otherwise).
  for (const row of Object.values(table)) row.cp_plans_started = Math.min(num(row.cp_plans_started, 0), num(row.initial_cp_conferences, 0));
  return table;
}

function timelinessCounts(rng: Rng, team: DemoTeam, phase1: Record<string, unknown>, table: Record<string, Row>, cpCases: number) {
  const sum = (column: string) => PERIOD_MONTHS.reduce((total, month) => total + num(table[month]?.[column], 0), 0);
  const strain = isHighVacancyTeam(team) ? 0.1 : 0;
  const completed: Record<Measure, number> = {
    referral_decision: sum('new_referrals'),
    initial_assessment: team.teamType === 'looked-after-children' ? 0 : Math.round(sum('new_referrals') * between(rng, 0.45, 0.65)),
    core_assessment: Math.round(sum('s47_enquiries') * between(rng, 0.8, 1.0) + (team.teamType === 'duty-initial-assessment' ? 0 : between(rng, 0, 3))),
    initial_conference: sum('initial_cp_conferences'),
    first_core_group: sum('cp_plans_started'),
    review_conference: Math.round(cpCases * between(rng, 0.4, 0.6)),
  };
  const usual: Record<Measure, [number, number]> = {
    referral_decision: [0.84, 0.99],
    initial_assessment: [0.58, 0.84],
    core_assessment: [0.62, 0.88],
    initial_conference: [0.7, 0.96],
    first_core_group: [0.78, 1],
    review_conference: [0.88, 1],
  };
  // A team that cannot count one measure now and then (more often the decision on a referral, logged on paper).
  const unrecorded: Measure | null = chance(rng, 0.12) ? (chance(rng, 0.6) ? 'referral_decision' : pick(rng, TIMELINESS_MEASURES)) : null;
  const counts: Record<string, Record<string, unknown>> = {};
  for (const measure of TIMELINESS_MEASURES) {
    if (measure === unrecorded) {
      counts[measure] = { not_recorded: true };
      continue;
    }
    const phase1Share = typeof phase1[PHASE1_PERCENT[measure]] === 'number' ? (phase1[PHASE1_PERCENT[measure]] as number) / 100 : null;
    const share = clamp((phase1Share ?? between(rng, ...usual[measure])) + between(rng, -0.05, 0.05) - strain / 2, 0, 1);
    const done = completed[measure];
    counts[measure] = { completed: done, within: Math.min(done, Math.round(done * share)) };
  }
  return counts;
}

/**
 * The team's Phase 2 return (version 3 of the team self-assessment), from its Phase 1 return (version 1). Every value
 * has the shape SurveyJS stores and passes every rule of version 3 (tests/phase2-answers.test.ts).
 */
export function generatePhase2Answers(team: DemoTeam, phase1: Record<string, unknown>, seed: number = DEMO_SEED): Record<string, unknown> {
  const rng = createRng((seed ^ hashOf(team.slug)) >>> 0);
  const high = isHighVacancyTeam(team);
  const a: Record<string, unknown> = {};
  const changes = (key: keyof typeof CHANGES) => pick(rng, CHANGES[key]);

  // --- Team profile and staffing, as at 28 February 2009 (FTE in tenths, so the sums stay exact) ---
  a.team_type = text(phase1.team_type, team.teamType);
  a.team_description = text(phase1.team_description, `Demo team (synthetic data): ${team.name}.`);
  const establishment = Math.round(num(phase1.establishment_fte, 8) * 10);
  let vacant = Math.round(num(phase1.vacant_fte, establishment / 60) * 10);
  // A post filled or a worker gone since January, in half-posts.
  vacant = clamp(vacant + (chance(rng, 0.3) ? -5 : chance(rng, 0.25) ? 5 : 0), 0, Math.floor(establishment * 0.45));
  const filled = establishment - vacant;
  const phase1Agency = Math.round(num(phase1.filled_agency_fte, 0) * 10);
  const agency = clamp(phase1Agency + (chance(rng, 0.3) ? intBetween(rng, -5, 5) : 0), 0, filled);
  a.establishment_fte = establishment / 10;
  a.filled_permanent_fte = (filled - agency) / 10;
  a.filled_agency_fte = agency / 10;
  a.vacant_fte = vacant / 10;
  const nqsw = clamp(num(phase1.nqsw_count, 0) + (chance(rng, 0.15) ? 1 : 0), 0, 30);
  a.nqsw_count = nqsw;
  a.admin_support_fte = clamp(round1(num(phase1.admin_support_fte, 1.5) + between(rng, -0.2, 0.3)), 0, 20);
  a.leavers_since_last_phase = high ? intBetween(rng, 1, 3) : weighted(rng, { '0': 6, '1': 3, '2': 1 }) === '0' ? 0 : intBetween(rng, 1, 2);

  // --- Caseloads, as at 28 February 2009 ---
  const workers = clamp(Math.round(filled / 10 + between(rng, 0, 1)), Math.max(2, nqsw), 80);
  const perWorker = num(phase1.average_caseload, 24) * between(rng, 0.98, 1.07);
  const allocated = Math.round(workers * perWorker);
  const unallocated = Math.round(allocated * (high ? between(rng, 0.05, 0.12) : between(rng, 0, 0.05)));
  const total = allocated + unallocated;
  const average = round1(allocated / workers);
  a.case_holding_workers = workers;
  a.total_cases = total;
  a.average_caseload = average;
  a.highest_caseload = Math.min(150, Math.max(Math.ceil(average), Math.round(num(phase1.highest_caseload, average * 1.3) * between(rng, 0.97, 1.08))));
  if (nqsw > 0) a.nqsw_average_caseload = round1(num(phase1.nqsw_average_caseload, between(rng, 12, 16)) + between(rng, -0.5, 1));
  // Senior practitioners: the Phase 1 headcount as FTE, with a new post here and there; they hold cases.
  const seniors = round1(num(phase1.senior_practitioners, 1) * between(rng, 0.8, 1) + (chance(rng, 0.2) ? 0.5 : 0));
  a.senior_practitioner_fte = clamp(seniors, 0, Math.min(15, workers));
  const scale = total / Math.max(1, num(phase1.total_cases, total));
  let cp = Math.round(num(phase1.cp_plan_cases, total * 0.15) * scale * between(rng, 1.0, 1.08));
  let lac = Math.round(num(phase1.lac_cases, total * 0.15) * scale);
  const others = Math.round(total * between(rng, 0.02, 0.06));
  if (cp + lac + others > total) {
    const factor = (total - others) / (cp + lac);
    cp = Math.floor(cp * factor);
    lac = Math.floor(lac * factor);
  }
  a.cp_plan_cases = cp;
  a.lac_cases = lac;
  a.cin_cases = Math.max(0, total - cp - lac - others);
  if (a.team_type === 'disability') a.disability_transition_cases = Math.min(total, Math.round(total * between(rng, 0.12, 0.2)));
  a.unallocated_cases = unallocated;
  a.unallocated_cp_cases = high && cp > 0 ? Math.min(unallocated, cp, intBetween(rng, 0, 2)) : 0;
  setIf(a, 'caseload_notes', typeof phase1.caseload_notes === 'string' ? phase1.caseload_notes : undefined);
  a.changes_caseloads = changes('caseloads');
  a.changes_team_profile = changes('team_profile');

  // --- Monthly activity, December 2007 to February 2009 ---
  const table = monthlyTable(rng, phase1);
  a.referrals_monthly = table;
  a.referrals_data_source = text(phase1.referrals_data_source, 'monitoring_dataset');
  setIf(a, 'referrals_data_notes', typeof phase1.referrals_data_notes === 'string' ? phase1.referrals_data_notes : undefined);
  a.changes_referrals_activity = changes('referrals');

  // --- Thresholds ---
  const change = num(phase1.threshold_change, 0);
  a.threshold_change = change;
  if (change !== 0)
    a.threshold_change_detail = text(phase1.threshold_change_detail, 'The team now acts at a lower level of concern than before November 2008.');
  setIf(a, 'threshold_evidence', typeof phase1.threshold_evidence === 'string' ? phase1.threshold_evidence : undefined);
  a.threshold_tools = Array.isArray(phase1.threshold_tools) && phase1.threshold_tools.length ? phase1.threshold_tools : ['manager_consultation'];
  a.neglect_threshold_clarity = Number(weighted(rng, { '1': 1, '2': 4, '3': 4, '4': 2, '5': 0.5 }));
  if (chance(rng, 0.7)) a.neglect_threshold_detail = pick(rng, NEGLECT_DETAIL);
  a.cin_threshold_approach = pick(rng, CIN_APPROACH);
  a.cin_step_down_route = weighted(rng, { agreed_used: 3, agreed_not_used: 3, informal: 3, none: 1 });
  a.changes_thresholds = changes('thresholds');

  // --- Why child protection plans increased ---
  a.cp_plans_neglect = Math.round(cp * between(rng, 0.4, 0.55));
  a.cp_plans_repeat = Math.round(cp * between(rng, 0.1, 0.2));
  a.cp_plans_over_two_years = Math.round(cp * between(rng, 0.03, 0.08));
  a.cp_rise_reasons = subset(
    rng,
    {
      more_referrals: 0.8,
      more_caution: 0.6,
      partner_caution: 0.5,
      more_neglect: 0.6,
      sibling_groups: 0.3,
      plans_last_longer: 0.35,
      fewer_care_proceedings: 0.2,
      better_identification: 0.3,
    },
    'more_referrals',
  );
  a.cp_rise_explanation = pick(rng, RISE_EXPLANATION);
  a.changes_cp_plans = changes('cp_plans');

  // --- Timeliness, 1 December 2008 to 28 February 2009, as counts ---
  a.timeliness_counts = timelinessCounts(rng, team, phase1, table, cp);
  a.practice_consistency =
    phase1.practice_consistency && typeof phase1.practice_consistency === 'object'
      ? phase1.practice_consistency
      : Object.fromEntries(
          ['notify_referrer', 'agency_checks', 'health_at_strategy', 'police_at_strategy', 'child_seen_alone', 'seen_before_closure'].map((r) => [
            r,
            pick(rng, FREQ),
          ]),
        );
  if (a.team_type === 'disability') a.disabled_child_communication = text(phase1.disabled_child_communication, 'Workers use Makaton and picture boards.');
  a.changes_timeliness = changes('timeliness');

  // --- Supervision (held: asked again for December 2008 to February 2009) ---
  a.supervision_frequency = text(phase1.supervision_frequency, 'monthly');
  a.supervision_held_pct = clamp(Math.round(num(phase1.supervision_held_pct, 80) + between(rng, -6, 8)), 0, 100);
  a.oversight_practice =
    phase1.oversight_practice && typeof phase1.oversight_practice === 'object'
      ? phase1.oversight_practice
      : Object.fromEntries(['decisions_on_file', 'allocation_discussed', 'files_read', 'risk_reviewed', 'reflection'].map((r) => [r, pick(rng, FREQ)]));
  setIf(a, 'supervision_notes', typeof phase1.supervision_notes === 'string' ? phase1.supervision_notes : undefined);
  a.changes_supervision = changes('supervision');

  // --- Training ---
  a.cp_training_pct = clamp(Math.round(num(phase1.cp_training_pct, 75) + between(rng, 0, 6)), 0, 100);
  a.pq_enrolled = clamp(Math.round(num(phase1.pq_enrolled, 1)), 0, 60);
  if (nqsw > 0)
    a.nqsw_caseload_protected = typeof phase1.nqsw_caseload_protected === 'boolean' ? phase1.nqsw_caseload_protected : chance(rng, high ? 0.7 : 0.92);
  a.training_gaps = text(phase1.training_gaps, pick(rng, TRAINING_GAPS));
  a.changes_training = changes('training');

  // --- Recording and ICS (hours: asked again for a typical week in March 2009) ---
  a.ics_hours_per_week = clamp(Math.round((num(phase1.ics_hours_per_week, 12) + between(rng, -2, 1)) * 2) / 2, 0, 40);
  a.ics_freeze_frequency = text(phase1.ics_freeze_frequency, 'weekly');
  a.ics_lockout_frequency = text(phase1.ics_lockout_frequency, 'monthly');
  const paper = text(phase1.hard_copy_files, weighted(rng, { all: 35, some: 55, none: 10 }));
  a.paper_records_kept = paper;
  if (paper !== 'none') a.paper_records_detail = text(phase1.hard_copy_reason, pick(rng, PAPER_DETAIL));
  a.chronology_pct = clamp(Math.round(num(phase1.chronology_pct, 65) + between(rng, 0, 8)), 0, 100);
  a.admin_ics_entry_status = weighted(rng, { in_place: 1, partly: 3, training: 4, not_started: 2 });
  setIf(a, 'ics_notes', typeof phase1.ics_notes === 'string' ? phase1.ics_notes : undefined);
  a.changes_recording_ics = changes('recording_ics');

  // --- Public Law Outline (cases and dissent: asked again for April 2008 to February 2009) and the police ---
  const ploCases = clamp(Math.round(num(phase1.plo_cases, 1) + (chance(rng, 0.5) ? intBetween(rng, 0, 2) : 0)), 0, 500);
  a.plo_cases = ploCases;
  if (ploCases > 0) {
    a.plo_steps = Array.isArray(phase1.plo_steps) && phase1.plo_steps.length ? phase1.plo_steps : ['legal_planning_meeting', 'letter_before_proceedings'];
    a.plo_weeks = clamp(Math.round(num(phase1.plo_weeks, 10)), 0, 104);
  }
  a.ico_at_home = clamp(Math.round(num(phase1.ico_at_home, 0)), 0, 500);
  a.dissent_no_proceedings = clamp(Math.round(num(phase1.dissent_no_proceedings, 0)) + (chance(rng, 0.1) ? 1 : 0), 0, 500);
  const s47 = PERIOD_MONTHS.reduce((sum, month) => sum + num(table[month]?.s47_enquiries, 0), 0);
  a.unfinished_police_investigations = Math.min(
    total,
    team.teamType === 'looked-after-children' ? intBetween(rng, 0, 1) : Math.round(cp * between(rng, 0.03, 0.1)),
  );
  a.joint_police_s47 = Math.min(s47, Math.round(s47 * between(rng, 0.2, 0.45)));
  if (a.unfinished_police_investigations !== 0 && chance(rng, 0.6)) a.police_investigation_delays = pick(rng, POLICE_DELAYS);
  setIf(a, 'plo_notes', typeof phase1.plo_notes === 'string' ? phase1.plo_notes : undefined);
  a.changes_plo = changes('plo');

  // --- Working with other agencies (written confirmation: asked again for December 2008 to February 2009) ---
  a.escalations_count = clamp(Math.round(num(phase1.escalations_count, 1)), 0, 200);
  const quality = () => weighted(rng, { good: 3, adequate: 4, poor: 2, none: 0.5 });
  a.partner_referral_quality = Object.fromEntries(
    ['police', 'health_visitors', 'gps', 'hospitals', 'schools', 'early_years', 'adult_services', 'housing'].map((r) => [r, quality()]),
  );
  a.written_confirmation_pct = intBetween(rng, 35, 85);
  a.conference_contribution = {
    police: weighted(rng, { always: 5, usually: 4, sometimes: 1, rarely: 0.2 }),
    health_visitors: weighted(rng, { always: 2, usually: 5, sometimes: 2, rarely: 0.5 }),
    gps: weighted(rng, { always: 0.2, usually: 1, sometimes: 4, rarely: 4 }),
    schools: weighted(rng, { always: 2, usually: 5, sometimes: 2, rarely: 0.5 }),
  };
  a.referral_process_issues = pick(rng, REFERRAL_PROCESS);
  a.interagency_concerns = text(phase1.interagency_concerns, pick(rng, INTERAGENCY));
  a.changes_interagency = changes('interagency');

  // --- Priorities and demand ---
  a.demand_measures = Array.isArray(phase1.demand_measures) && phase1.demand_measures.length ? phase1.demand_measures : ['allocation_meeting'];
  a.team_priorities = text(phase1.team_priorities, pick(rng, PRIORITIES));
  a.capacity_confidence = clamp(Math.round(num(phase1.capacity_confidence, 3) + (chance(rng, 0.25) ? pick(rng, [-1, 1]) : 0)), 1, 5);
  a.changes_priorities = changes('priorities');

  // --- Urgent actions (as version 2 has them) ---
  a.support_needed = Array.isArray(phase1.support_needed) && phase1.support_needed.length ? phase1.support_needed.slice(0, 3) : ['admin_support'];
  a.urgent_actions = text(phase1.urgent_actions, 'None.');
  a.changes_urgent_actions = typeof phase1.urgent_actions === 'string' && phase1.urgent_actions !== 'None.' ? changes('urgent_actions') : 'None raised.';

  // --- Declaration ---
  a.completed_by_name = text(phase1.completed_by_name, `Manager, ${team.name}`);
  a.completed_by_role = text(phase1.completed_by_role, 'Team Manager');
  a.declaration_date = pick(rng, COMPLETION_DATES);
  a.declaration_confirmed = true;
  return a;
}
