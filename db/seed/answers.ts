/**
 * Synthetic demo answers for the team self-assessment (version 1, Phase 1) and the mini-JAR matrix (version 1).
 *
 * Pure and deterministic: every random choice comes from the `rng` passed in, so `createRng(DEMO_SEED)` (a
 * mulberry32 generator; the seed is the date of the Children's Champions Board meeting, 12 February 2009) gives the
 * same answers on every machine. No database, no imports, no real people: names, figures and comments are invented.
 *
 * Each answer set has the shape SurveyJS stores (matrixdropdown = {row: {column: value}}, matrix = {row: column},
 * checkbox = array) and passes every validator and required rule of its questionnaire version. Over about 40 teams
 * of the usual mix (duty and initial assessment, long-term / child protection and looked-after children teams in
 * each district, a few disabled children's teams and one other) the totals reproduce the Phase 1 report's headline
 * figures:
 *  - an average caseload of about 25 per case-holding qualified social worker, of which about 4 are children with a
 *    child protection plan and just over 4 are looked-after children;
 *  - a qualified-post vacancy rate (vacant / establishment) of about 17%, with a few teams above 25%: the team at
 *    position `index` is one of these when index % 10 === 3, so 40 teams have 4 of them;
 *  - new referrals, strategy discussions, section 47 enquiries and initial conferences that drift gently upwards
 *    through 2008 and then rise by about a quarter in December 2008, after the Haringey report (1 December 2008),
 *    with child protection plans started outpacing plans ended that month.
 * A 'partial' answer set answers only the first three pages (team profile and staffing, caseloads, monthly
 * activity), as a return still in progress would.
 */

export type DemoTeam = {
  slug: string;
  name: string;
  area: string;
  teamType: 'duty-initial-assessment' | 'long-term-child-protection' | 'looked-after-children' | 'disability' | 'other';
  /** The team's 0-based position in the demo list; it decides which few teams carry very high vacancy rates. */
  index: number;
};

type TeamType = DemoTeam['teamType'];
type Rng = () => number;

export const DEMO_SEED = 20090212;

/** mulberry32: a small, fast, well-distributed 32-bit PRNG returning numbers in [0, 1). */
export function createRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Month rows of the version 1 monthly table, December 2007 to December 2008. */
export const V1_MONTHS: readonly string[] = [
  '2007-12',
  '2008-01',
  '2008-02',
  '2008-03',
  '2008-04',
  '2008-05',
  '2008-06',
  '2008-07',
  '2008-08',
  '2008-09',
  '2008-10',
  '2008-11',
  '2008-12',
];

export const ACTIVITY_COLUMNS = [
  'new_referrals',
  'strategy_discussions',
  's47_enquiries',
  'initial_cp_conferences',
  'cp_plans_started',
  'cp_plans_ended',
] as const;
type ActivityColumn = (typeof ACTIVITY_COLUMNS)[number];

/** Questions on the first three pages of version 1: all that a 'partial' answer set contains. */
const FIRST_PAGES_V1 = new Set([
  'team_type',
  'team_description',
  'establishment_fte',
  'filled_permanent_fte',
  'filled_agency_fte',
  'vacant_fte',
  'nqsw_count',
  'senior_practitioners',
  'admin_support_fte',
  'leavers_12_months',
  'total_cases',
  'case_holding_workers',
  'average_caseload',
  'highest_caseload',
  'nqsw_average_caseload',
  'cp_plan_cases',
  'lac_cases',
  'cin_cases',
  'unallocated_cases',
  'unallocated_cp_cases',
  'disability_transition_cases',
  'caseload_notes',
  'referrals_monthly',
  'referrals_data_source',
  'referrals_data_notes',
]);

// ---------------------------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------------------------

const between = (rng: Rng, min: number, max: number) => min + (max - min) * rng();
const intBetween = (rng: Rng, min: number, max: number) => Math.floor(between(rng, min, max + 1));
export const chance = (rng: Rng, p: number) => rng() < p;
const round1 = (x: number) => Math.round(x * 10) / 10;
/** Unbiased rounding of an expected count: 2.3 becomes 3 three times in ten and 2 otherwise. */
const stochasticRound = (rng: Rng, x: number) => Math.max(0, Math.floor(x + rng()));
/** About N(1, 0.06): the month-to-month wobble of a team's figures. */
const wobble = (rng: Rng, spread = 0.12) => 1 + (rng() + rng() + rng() - 1.5) * spread;

export function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

/** One of the keys, each as likely as its weight. */
export function weighted<T extends string>(rng: Rng, weights: Record<T, number>): T {
  const entries = Object.entries(weights) as [T, number][];
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let r = rng() * total;
  for (const [value, w] of entries) {
    r -= w;
    if (r < 0) return value;
  }
  return entries[entries.length - 1][0];
}

function subset<T extends string>(rng: Rng, probabilities: Record<T, number>, atLeast: NoInfer<T>): T[] {
  const chosen = (Object.entries(probabilities) as [T, number][]).filter(([, p]) => chance(rng, p)).map(([v]) => v);
  return chosen.length ? chosen : [atLeast];
}

/** Optional comment boxes are left empty now and then, as real returns are. */
function sometimes(rng: Rng, text: string, p = 0.75): string | undefined {
  return chance(rng, p) ? text : undefined;
}

function setIfDefined(target: Record<string, unknown>, key: string, value: unknown) {
  if (value !== undefined) target[key] = value;
}

// ---------------------------------------------------------------------------------------------------------------
// Team profiles: typical size, caseload mix and monthly activity by team type
// ---------------------------------------------------------------------------------------------------------------

type Profile = {
  establishment: number; // qualified posts (FTE)
  caseload: number; // allocated cases per case-holding worker
  cpPerWorker: number;
  lacPerWorker: number;
  activity: Record<ActivityColumn, number>; // expected per month for a team of typical establishment
  ploCases: [number, number];
};

// Per team type: establishment, caseload, child-protection and looked-after cases per worker, PLO cases (fewest, most),
// and the activity per month of a team of typical establishment, in the order of ACTIVITY_COLUMNS.
const PROFILES: Record<TeamType, Profile> = {
  'duty-initial-assessment': profile(10, 22.5, 3, 0.5, [1, 4], [88, 22, 17, 6, 5, 0.8]),
  'long-term-child-protection': profile(9, 27, 8.5, 3, [3, 10], [6, 5, 4, 1.5, 1.5, 4.8]),
  'looked-after-children': profile(7.5, 25, 0.4, 11, [0, 2], [2, 1, 0.7, 0.1, 0.1, 0.2]),
  disability: profile(7, 27, 0.8, 2.5, [0, 2], [15, 1.5, 1.2, 0.4, 0.3, 0.3]),
  other: profile(6, 24, 1, 3, [0, 1], [8, 2, 1.5, 0.5, 0.2, 0.2]),
};

function profile(establishment: number, caseload: number, cpPerWorker: number, lacPerWorker: number, ploCases: [number, number], activity: number[]): Profile {
  const perMonth = Object.fromEntries(ACTIVITY_COLUMNS.map((column, i) => [column, activity[i]])) as Record<ActivityColumn, number>;
  return { establishment, caseload, cpPerWorker, lacPerWorker, activity: perMonth, ploCases };
}

/** The few teams whose vacancy rate is above 25% (one in ten: positions 3, 13, 23, 33…). */
export function isHighVacancyTeam(team: DemoTeam): boolean {
  return team.index % 10 === 3;
}

// ---------------------------------------------------------------------------------------------------------------
// Phrase banks for comment boxes (synthetic)
// ---------------------------------------------------------------------------------------------------------------

const DISTRICT_OFFICES = [
  'Ashford',
  'Canterbury',
  'Dover',
  'Folkestone',
  'Margate',
  'Sevenoaks',
  'Tonbridge',
  'Tunbridge Wells',
  'Dartford',
  'Gravesend',
  'Maidstone',
  'Sittingbourne',
];

const TEAM_WORK: Record<TeamType, string> = {
  'duty-initial-assessment':
    'takes new referrals, carries out initial assessments and section 47 enquiries, and transfers long-term work after the initial conference',
  'long-term-child-protection':
    'holds children with child protection plans and children in need who need longer-term work, including pre-proceedings and care proceedings',
  'looked-after-children': 'works with looked-after children and young people leaving care',
  disability: 'works with disabled children and their families, including short breaks and transition to adult services',
  other: 'works with a specialist group of children across the area',
};

const CASELOAD_NOTES = [
  'One worker is on long-term sick leave; her cases are held by the senior practitioner.',
  'Several cases are waiting to transfer to the long-term team after their initial conference.',
  'The ICS caseload report counted closed cases as open, so these figures come from our allocation list.',
  'Caseloads rose in December when two agency workers left at short notice.',
  'The newly qualified worker’s caseload is protected and kept below 16.',
];

const REFERRAL_NOTES = [
  'December figures are from the team’s own log because the monitoring dataset was late.',
  'Referrals rose sharply in December, mostly from schools and health visitors, after the Haringey report.',
  'The August dip reflects school holidays.',
  'Strategy discussion figures before April 2008 are estimates from the duty diary.',
  'More police referrals about domestic violence since the autumn.',
];

const THRESHOLD_DETAIL_LOWER = [
  'We now hold a strategy discussion for any unexplained injury to a baby, where before we might have started with an initial assessment.',
  'More referrals from schools are accepted for initial assessment rather than signposted to other services.',
  'Managers are more cautious about ending child protection plans, and more cases go to initial conference.',
  'Neglect referrals that we would have passed to other agencies are now assessed by the team.',
];

const THRESHOLD_DETAIL_HIGHER = ['With two vacant posts we have had to focus on the highest-risk referrals and pass more to other agencies through the CAF.'];

const THRESHOLD_EVIDENCE = [
  'The monthly figures show more strategy discussions and conferences since December.',
  'An audit of 20 referrals in January found none that should have been screened out.',
  'Fewer referrals end with no further action than in the autumn.',
  'Conference chairs report more plans agreed where neglect is the main concern.',
];

const SUPERVISION_NOTES = [
  'Newly qualified workers are supervised every two weeks.',
  'Group supervision once a month for discussing complex cases.',
  'Supervision slips when the team is covering duty; sessions are rebooked within the month.',
  'The senior practitioner supervises two workers to share the load.',
];

const TRAINING_GAPS = [
  'Assessing neglect and its effect on children over time.',
  'Refresher training on section 47 enquiries and strategy discussions.',
  'Preparing for court under the Public Law Outline.',
  'Working with parents who do not engage or who say what workers want to hear.',
  'Child protection training for agency staff before they start.',
];

const HARD_COPY_REASONS = [
  'Reports from health, schools and the police arrive on paper and cannot yet be scanned onto ICS.',
  'Court bundles and signed agreements are kept on paper.',
  'A paper file is kept for every child with a plan because ICS is too unreliable to be the only record.',
];

const ICS_NOTES = [
  'Fewer and shorter ICS forms, and administrative staff trained to enter case notes.',
  'Faster log-on and an end to screen freezes.',
  'More computers in the office so workers do not queue to record.',
  'Being able to print a readable chronology from ICS.',
];

const PLO_NOTES = [
  'Waiting for a date for the legal planning meeting.',
  'Arranging family group conferences quickly enough.',
  'The time it takes to prepare the court documents.',
  'Parents not getting legal advice in time for the pre-proceedings meeting.',
];

const INTERAGENCY = [
  'Police child abuse investigation officers join strategy discussions quickly. GPs rarely send reports to conferences.',
  'Schools refer promptly. Health visitors do not always join strategy discussions.',
  'Information from adult mental health services is slow to arrive.',
  'Good joint working with the police; the escalation procedure was needed once to get health information.',
];

const PRIORITIES = [
  '1. Allocate every unallocated case. 2. Bring chronologies up to date. 3. Recruit to vacant posts.',
  '1. Keep initial assessments within 7 working days. 2. Get health into strategy discussions. 3. Protect the newly qualified workers’ caseloads.',
  '1. Review every child protection plan over 12 months. 2. Reduce ICS backlog. 3. Induct new agency staff.',
  '1. Complete outstanding core assessments. 2. Monthly supervision for everyone. 3. Close cases where work has ended.',
];

const URGENT_HIGH_VACANCY = [
  'Agency cover for the vacant posts now: unallocated cases are rising and the team cannot keep up.',
  'Approval to recruit to the vacant posts and funding for agency cover until they are filled.',
];

const DISABLED_COMMUNICATION = [
  'Workers use Makaton and picture boards, and ask school staff who know the child to help.',
  'We use communication passports and, where needed, a worker from the sensory team.',
];

// ---------------------------------------------------------------------------------------------------------------
// Team self-assessment, version 1
// ---------------------------------------------------------------------------------------------------------------

/** Working days in the last two weeks of January 2009, when Phase 1 returns were completed. */
const COMPLETION_DATES = [
  '2009-01-19',
  '2009-01-20',
  '2009-01-21',
  '2009-01-22',
  '2009-01-23',
  '2009-01-26',
  '2009-01-27',
  '2009-01-28',
  '2009-01-29',
  '2009-01-30',
];

const FREQ = ['always', 'usually', 'sometimes', 'rarely'] as const;
type Freq = (typeof FREQ)[number];

/** A frequency answer centred on `centre` (0 = always … 3 = rarely), shifted by how stretched the team is. */
function frequency(rng: Rng, centre: number): Freq {
  const value = Math.round(centre + (rng() + rng() - 1) * 1.2);
  return FREQ[Math.min(3, Math.max(0, value))];
}

function monthlyActivity(team: DemoTeam, rng: Rng, scale: number): Record<string, Record<ActivityColumn, number>> {
  const profile = PROFILES[team.teamType];
  // December 2008: each team's own rise after the Haringey report; plans ended dip over Christmas.
  const spike: Record<ActivityColumn, number> = {
    new_referrals: between(rng, 1.13, 1.33),
    strategy_discussions: between(rng, 1.14, 1.32),
    s47_enquiries: between(rng, 1.15, 1.35),
    initial_cp_conferences: between(rng, 1.15, 1.35),
    cp_plans_started: between(rng, 1.2, 1.4),
    cp_plans_ended: between(rng, 0.75, 0.95),
  };
  const table: Record<string, Record<ActivityColumn, number>> = {};
  V1_MONTHS.forEach((month, m) => {
    const drift = 1 + 0.008 * (m - 6); // gentle rise through 2008
    const season = m === 0 ? 0.96 : m === 8 ? 0.94 : m === 4 ? 0.98 : 1; // Christmas 2007, August, Easter
    const row = {} as Record<ActivityColumn, number>;
    for (const column of ACTIVITY_COLUMNS) {
      let expected = profile.activity[column] * scale * season;
      if (column !== 'cp_plans_ended') expected *= drift;
      if (m === 11 && column !== 'cp_plans_ended') expected *= 1.04; // Baby P news from mid-November
      if (m === 12) expected *= spike[column];
      row[column] = stochasticRound(rng, expected * wobble(rng));
    }
    table[month] = row;
  });
  return table;
}

export function generateSelfAssessmentV1(team: DemoTeam, rng: () => number, completeness: 'complete' | 'partial'): Record<string, unknown> {
  const profile = PROFILES[team.teamType];
  const high = isHighVacancyTeam(team);
  const a: Record<string, unknown> = {};

  // --- Team profile and staffing (FTE in tenths, so the sums are exact) ---
  a.team_type = team.teamType;
  a.team_description = `Demo team (synthetic data). Works from the ${pick(rng, DISTRICT_OFFICES)} office and ${TEAM_WORK[team.teamType]}.`;
  const establishmentHalves = Math.max(6, Math.round(profile.establishment * between(rng, 0.85, 1.15) * 2));
  const establishment = establishmentHalves * 5; // tenths
  const vacancyRate = high ? between(rng, 0.28, 0.4) : between(rng, 0.07, 0.23);
  let vacant = Math.round((establishment * vacancyRate) / 5) * 5; // whole half-posts
  if (!high) while (vacant > 0 && vacant / establishment > 0.24) vacant -= 5;
  if (high) while (vacant / establishment <= 0.26) vacant += 5;
  const filled = establishment - vacant;
  const agency = Math.round(filled * (high ? between(rng, 0.15, 0.3) : between(rng, 0.03, 0.18)));
  const permanent = filled - agency;
  a.establishment_fte = establishment / 10;
  a.filled_permanent_fte = permanent / 10;
  a.filled_agency_fte = agency / 10;
  a.vacant_fte = vacant / 10;
  const bigTeam = team.teamType === 'duty-initial-assessment' || team.teamType === 'long-term-child-protection';
  const nqsw = bigTeam ? weighted(rng, { '0': 3, '1': 4, '2': 2 }) : weighted(rng, { '0': 6, '1': 3 });
  const nqswCount = Number(nqsw);
  a.nqsw_count = nqswCount;
  a.senior_practitioners = high ? intBetween(rng, 0, 1) : establishment >= 90 ? intBetween(rng, 1, 2) : 1;
  a.admin_support_fte = round1(between(rng, 0.8, 2.5));
  a.leavers_12_months = high ? intBetween(rng, 3, 5) : intBetween(rng, 0, 3);

  // --- Caseloads as at 31 December 2008 ---
  const workers = Math.max(2, Math.round((filled / 10) * between(rng, 1.0, 1.1)) - (chance(rng, 0.15) ? 1 : 0));
  const perWorker = profile.caseload * (high ? 1.1 : 1) * between(rng, 0.92, 1.08);
  const allocated = Math.round(workers * perWorker);
  const unallocated = Math.round(allocated * (high ? between(rng, 0.06, 0.14) : between(rng, 0, 0.05)));
  const total = allocated + unallocated;
  const average = round1(allocated / workers);
  a.total_cases = total;
  a.case_holding_workers = workers;
  a.average_caseload = average;
  a.highest_caseload = Math.max(Math.ceil(average), Math.round(average * between(rng, 1.2, 1.5)));
  if (nqswCount > 0) a.nqsw_average_caseload = round1(between(rng, 12, 16));
  let cp = Math.round(workers * profile.cpPerWorker * between(rng, 0.85, 1.15));
  let lac = Math.round(workers * profile.lacPerWorker * between(rng, 0.85, 1.15));
  const otherCases = Math.round(total * between(rng, 0.02, 0.06)); // care leavers, private fostering and the like
  if (cp + lac + otherCases > total) {
    const factor = (total - otherCases) / (cp + lac);
    cp = Math.floor(cp * factor);
    lac = Math.floor(lac * factor);
  }
  a.cp_plan_cases = cp;
  a.lac_cases = lac;
  a.cin_cases = Math.max(0, total - cp - lac - otherCases);
  a.unallocated_cases = unallocated;
  a.unallocated_cp_cases = high && cp > 0 ? Math.min(unallocated, cp, intBetween(rng, 0, 2)) : 0;
  if (team.teamType === 'disability') a.disability_transition_cases = Math.round(total * between(rng, 0.12, 0.2));
  setIfDefined(a, 'caseload_notes', sometimes(rng, pick(rng, CASELOAD_NOTES)));

  // --- Monthly activity, December 2007 to December 2008 ---
  const scale = (establishment / 10 / profile.establishment) * between(rng, 0.9, 1.1);
  const table = monthlyActivity(team, rng, scale);
  a.referrals_monthly = table;
  a.referrals_data_source = weighted(rng, { monitoring_dataset: 5, ics_reports: 2, team_records: 1, mixed: 2 });
  setIfDefined(a, 'referrals_data_notes', sometimes(rng, pick(rng, REFERRAL_NOTES)));

  // --- Thresholds ---
  const lowered = bigTeam || team.teamType === 'disability';
  const change = Number(
    high ? weighted(rng, { '-1': 4, '0': 4, '1': 2 }) : lowered ? weighted(rng, { '-2': 2, '-1': 6, '0': 2 }) : weighted(rng, { '-1': 3, '0': 7 }),
  );
  a.threshold_change = change;
  if (change !== 0) a.threshold_change_detail = pick(rng, change < 0 ? THRESHOLD_DETAIL_LOWER : THRESHOLD_DETAIL_HIGHER);
  setIfDefined(a, 'threshold_evidence', sometimes(rng, pick(rng, THRESHOLD_EVIDENCE), 0.85));
  a.threshold_tools = subset(
    rng,
    { chin_matrix: 0.85, kscb_procedures: 0.7, manager_consultation: 0.9, caf: 0.4, legal_advice: team.teamType === 'long-term-child-protection' ? 0.6 : 0.15 },
    'manager_consultation',
  );

  // --- Timeliness, July to December 2008 (blank where the team did none of that work) ---
  const strain = high ? 10 : 0;
  const halfYear = V1_MONTHS.slice(7); // 2008-07 … 2008-12
  const conferences = halfYear.reduce((sum, month) => sum + table[month].initial_cp_conferences, 0);
  const pct = (min: number, max: number) => Math.round(Math.min(100, Math.max(0, between(rng, min, max) - strain)));
  a.referral_decision_1day_pct = pct(84, 99);
  if (team.teamType !== 'looked-after-children') a.initial_assessment_7day_pct = pct(58, 84);
  a.core_assessment_35day_pct = pct(62, 88);
  if (conferences > 0) {
    a.initial_conference_15day_pct = pct(70, 96);
    a.first_core_group_10day_pct = pct(78, 100);
  }
  if (team.teamType !== 'duty-initial-assessment') a.review_conference_on_time_pct = pct(88, 100);
  else if (chance(rng, 0.5)) a.review_conference_on_time_pct = pct(85, 100);
  const stretch = high ? 0.8 : 0; // stretched teams record less consistently
  a.practice_consistency = {
    notify_referrer: frequency(rng, 1.2 + stretch),
    agency_checks: frequency(rng, 0.9 + stretch),
    health_at_strategy: frequency(rng, 1.8 + stretch / 2),
    police_at_strategy: frequency(rng, 0.4),
    child_seen_alone: frequency(rng, 1.1 + stretch),
    seen_before_closure: frequency(rng, 0.6 + stretch / 2),
  };
  if (team.teamType === 'disability') a.disabled_child_communication = pick(rng, DISABLED_COMMUNICATION);

  // --- Supervision ---
  a.supervision_frequency = high ? weighted(rng, { monthly: 5, six_weekly: 4, less_often: 1 }) : weighted(rng, { fortnightly: 1, monthly: 8, six_weekly: 1 });
  a.supervision_held_pct = high ? intBetween(rng, 55, 80) : intBetween(rng, 72, 98);
  a.oversight_practice = {
    decisions_on_file: frequency(rng, 0.9 + stretch),
    allocation_discussed: frequency(rng, 0.5 + stretch),
    files_read: frequency(rng, 1.6 + stretch),
    risk_reviewed: frequency(rng, 0.7 + stretch),
    reflection: frequency(rng, 1.5 + stretch),
  };
  setIfDefined(a, 'supervision_notes', sometimes(rng, pick(rng, SUPERVISION_NOTES), 0.6));

  // --- Training ---
  a.cp_training_pct = intBetween(rng, 55, 95);
  a.pq_enrolled = Math.min(workers, intBetween(rng, 0, 3));
  if (nqswCount > 0) a.nqsw_caseload_protected = chance(rng, high ? 0.7 : 0.92);
  a.training_gaps = pick(rng, TRAINING_GAPS);

  // --- Recording and ICS ---
  a.ics_hours_per_week = Math.round(between(rng, 8, 16) * 2) / 2;
  a.ics_freeze_frequency = weighted(rng, { daily: 25, weekly: 45, monthly: 25, rarely: 5 });
  a.ics_lockout_frequency = weighted(rng, { daily: 10, weekly: 35, monthly: 40, rarely: 15 });
  a.hard_copy_files = weighted(rng, { all: 35, some: 55, none: 10 });
  if (a.hard_copy_files !== 'none') a.hard_copy_reason = pick(rng, HARD_COPY_REASONS);
  a.chronology_pct = intBetween(rng, high ? 40 : 50, high ? 70 : 88);
  a.admin_ics_entry = chance(rng, 0.15);
  setIfDefined(a, 'ics_notes', sometimes(rng, pick(rng, ICS_NOTES)));

  // --- Public Law Outline ---
  const ploCases = intBetween(rng, profile.ploCases[0], profile.ploCases[1]);
  a.plo_cases = ploCases;
  if (ploCases > 0) {
    a.plo_steps = subset(
      rng,
      {
        legal_planning_meeting: 1,
        letter_before_proceedings: 0.95,
        pre_proceedings_meeting: 0.85,
        family_group_conference: 0.5,
        kinship_assessment: 0.7,
        core_assessment: 0.85,
        chronology: 0.75,
        care_plan: 0.8,
      },
      'legal_planning_meeting',
    );
    a.plo_weeks = intBetween(rng, 6, 16);
  }
  a.ico_at_home = team.teamType === 'long-term-child-protection' ? intBetween(rng, 0, 3) : chance(rng, 0.1) ? 1 : 0;
  a.dissent_no_proceedings = chance(rng, 0.2) ? 1 : 0;
  setIfDefined(a, 'plo_notes', sometimes(rng, pick(rng, PLO_NOTES), ploCases > 0 ? 0.8 : 0.3));

  // --- Working with other agencies ---
  a.escalations_count = intBetween(rng, 0, 4);
  setIfDefined(a, 'interagency_concerns', sometimes(rng, pick(rng, INTERAGENCY), 0.85));

  // --- Priorities and demand ---
  a.demand_measures = subset(
    rng,
    {
      allocation_meeting: 0.9,
      unallocated_risk_review: high ? 0.95 : 0.7,
      duty_cover: 0.5,
      caseload_weighting: 0.2,
      agency_cover: high ? 0.9 : 0.4,
      overtime: high ? 0.8 : 0.45,
      case_transfer: 0.3,
      closure_review: 0.6,
    },
    'allocation_meeting',
  );
  a.team_priorities = pick(rng, PRIORITIES);
  a.capacity_confidence = high ? intBetween(rng, 1, 3) : intBetween(rng, 2, 5);

  // --- Urgent actions ---
  const support = high
    ? ['more_posts', 'recruitment', 'agency_funding', 'admin_support', 'ics_fixes']
    : ['admin_support', 'ics_fixes', 'more_posts', 'senior_practitioners', 'training', 'legal_advice', 'recruitment'];
  const chosen = new Set<string>();
  const wanted = intBetween(rng, 2, 3);
  while (chosen.size < wanted) chosen.add(support[Math.floor(Math.pow(rng(), 1.6) * support.length)]); // earlier items more likely
  a.support_needed = [...chosen];
  a.urgent_actions = high ? pick(rng, URGENT_HIGH_VACANCY) : chance(rng, 0.8) ? 'None.' : 'Fixes to ICS screen freezes, which put recording at risk.';

  // --- Declaration ---
  a.completed_by_name = `Manager, ${team.name}`;
  a.completed_by_role = high && chance(rng, 0.5) ? 'Acting Team Manager' : 'Team Manager';
  a.completed_on = pick(rng, COMPLETION_DATES);
  a.accuracy_confirmed = true;

  if (completeness === 'partial') {
    for (const key of Object.keys(a)) if (!FIRST_PAGES_V1.has(key)) delete a[key];
  }
  return a;
}

// ---------------------------------------------------------------------------------------------------------------
// Mini-JAR matrix, version 1
// ---------------------------------------------------------------------------------------------------------------

type JarRating = 'met' | 'partly_met' | 'not_met' | 'not_applicable';
type JarRow = {
  id: string;
  /** Chance of each rating for a team under ordinary pressure; stretched teams shift towards "not met". */
  odds: [met: number, partly: number, notMet: number, notApplicable: number];
  met: string;
  partly: string;
  action: string;
  owner: string;
  /** Team types for which the standard does not apply most of the time. */
  rarelyApplies?: TeamType[];
};

const OWNER_TM = 'Team Manager';
const OWNER_SP = 'Senior Practitioner';
const OWNER_AREA = 'Area Children’s Services Manager';
const OWNER_BS = 'Business Support Supervisor';

const JAR: Record<string, JarRow[]> = {
  jar_identifying_concerns: [
    {
      id: 'ident_01',
      odds: [7, 2, 0.3, 0],
      met: 'Duty log: a decision was recorded within one working day for almost every contact in December.',
      partly: 'About one in ten contacts waited more than a day for a decision in December.',
      action: 'Add a second duty manager on the busiest days.',
      owner: OWNER_TM,
      rarelyApplies: ['looked-after-children'],
    },
    {
      id: 'ident_02',
      odds: [8, 1.5, 0.2, 0],
      met: 'Every child at immediate risk in the January sample was seen the same day.',
      partly: 'Two children in the sample were seen the next day.',
      action: 'Same-day visits logged and checked by the duty manager.',
      owner: OWNER_TM,
      rarelyApplies: ['looked-after-children'],
    },
    {
      id: 'ident_03',
      odds: [4, 4, 0.5, 0],
      met: 'Referral audit found consistent decisions across duty workers.',
      partly: 'Referral audit found neglect referrals screened differently by different workers.',
      action: 'Threshold workshop using the CHIN matrix for all duty workers.',
      owner: OWNER_TM,
    },
    {
      id: 'ident_04',
      odds: [6, 3, 0.3, 0],
      met: 'Previous referrals are checked on ICS and the old SWIFT records every time.',
      partly: 'Checks of old SWIFT records are not always recorded.',
      action: 'Add the history check to the referral recording template.',
      owner: OWNER_SP,
    },
    {
      id: 'ident_05',
      odds: [3, 5, 1, 0],
      met: 'Outcome letters sent to referrers in all cases sampled.',
      partly: 'Outcome letters sent in about seven cases in ten.',
      action: 'Business support to send outcome letters from a template on the day of decision.',
      owner: OWNER_BS,
      rarelyApplies: ['looked-after-children'],
    },
  ],
  jar_recording_assessment: [
    {
      id: 'rec_01',
      odds: [2, 6, 2, 0],
      met: 'File audit: chronologies up to date on nearly every open case.',
      partly: 'File audit: chronologies up to date on about two-thirds of open cases.',
      action: 'Bring chronologies up to date, children with plans first.',
      owner: OWNER_SP,
    },
    {
      id: 'rec_02',
      odds: [4, 5, 0.5, 0],
      met: 'Children seen alone in every enquiry sampled, or the reason recorded.',
      partly: 'Children usually seen alone, but reasons not recorded when they were not.',
      action: 'Add a "seen alone" field to visit records and check it in supervision.',
      owner: OWNER_TM,
    },
    {
      id: 'rec_03',
      odds: [6, 3, 0.3, 0],
      met: 'Core assessments sampled use history and other agencies’ information.',
      partly: 'Some core assessments sampled did not use health information.',
      action: 'Core assessment checklist to include agency information.',
      owner: OWNER_SP,
    },
    {
      id: 'rec_04',
      odds: [5, 4, 0.5, 0],
      met: 'Plans are specific and core group minutes show progress.',
      partly: 'Core group minutes missing from some files.',
      action: 'Minute every core group on ICS within five working days.',
      owner: OWNER_SP,
      rarelyApplies: ['looked-after-children'],
    },
    {
      id: 'rec_05',
      odds: [6, 3, 0.5, 0],
      met: 'Supervision decisions recorded on the child’s file in the files sampled.',
      partly: 'Supervision decisions not always copied to the child’s file.',
      action: 'Use the supervision decision template on ICS.',
      owner: OWNER_TM,
    },
    {
      id: 'rec_06',
      odds: [1, 5, 4, 0],
      met: 'ICS and paper file together give a full picture in the files sampled.',
      partly: 'Some documents are only on paper and ICS does not say so.',
      action: 'Follow the interim recording guidance; keep a paper file index.',
      owner: OWNER_TM,
    },
  ],
  jar_inter_agency: [
    {
      id: 'inter_01',
      odds: [2, 6, 2, 0],
      met: 'Health takes part in strategy discussions, usually by telephone.',
      partly: 'Police take part in every strategy discussion; health in about half.',
      action: 'Agree with the named nurse how health joins strategy discussions by phone.',
      owner: OWNER_AREA,
    },
    {
      id: 'inter_02',
      odds: [6, 3, 0.3, 0],
      met: 'Agency checks recorded before every section 47 enquiry sampled.',
      partly: 'Agency checks not always recorded.',
      action: 'Record agency checks on the strategy discussion form.',
      owner: OWNER_SP,
    },
    {
      id: 'inter_03',
      odds: [6, 3, 0.3, 0],
      met: 'Core groups held on time with all agencies present (ICS report).',
      partly: 'GPs and schools sometimes miss core groups.',
      action: 'Send core group dates to every agency when the plan is made.',
      owner: OWNER_SP,
      rarelyApplies: ['looked-after-children'],
    },
    {
      id: 'inter_04',
      odds: [6, 2, 0.3, 1],
      met: 'Escalation procedure used when needed; outcomes recorded.',
      partly: 'Disagreements settled informally and not always recorded.',
      action: 'Remind the team of the escalation procedure at the team meeting.',
      owner: OWNER_TM,
    },
  ],
  jar_governance: [
    {
      id: 'gov_01',
      odds: [6, 3, 0.5, 0],
      met: 'Monthly performance meeting with the area manager reviews vacancies and unallocated cases.',
      partly: 'Pressures are reported but action is slow.',
      action: 'Agree a monthly action log with the area manager.',
      owner: OWNER_AREA,
    },
    {
      id: 'gov_02',
      odds: [3, 5, 1, 0],
      met: 'The team hears back on every concern raised with senior managers.',
      partly: 'The team does not always hear what happened to concerns it raised.',
      action: 'Area manager to report back at the monthly team meeting.',
      owner: OWNER_AREA,
    },
    {
      id: 'gov_03',
      odds: [2, 5, 2, 0.5],
      met: 'Senior managers read a sample of files in the last audit.',
      partly: 'The area manager reads files; senior managers above the area do not.',
      action: 'Ask the head of service to read a sample of files each quarter.',
      owner: OWNER_AREA,
    },
  ],
  jar_performance: [
    {
      id: 'perf_01',
      odds: [3, 5, 1.5, 0],
      met: 'Performance figures are checked against files every month.',
      partly: 'Figures checked against files now and then; some errors found.',
      action: 'Check five files against the performance report each month.',
      owner: OWNER_TM,
    },
    {
      id: 'perf_02',
      odds: [4, 4, 1.5, 0],
      met: 'Monthly performance report discussed at every team meeting.',
      partly: 'The ICS performance report is often late or wrong.',
      action: 'Report ICS data errors to the performance team each month.',
      owner: OWNER_TM,
    },
    {
      id: 'perf_03',
      odds: [5, 4, 0.5, 0],
      met: 'The quarterly audit uses the county tool, which looks at quality.',
      partly: 'Audits mostly check timescales.',
      action: 'Add quality questions to the team’s audit.',
      owner: OWNER_SP,
    },
  ],
  jar_workforce: [
    {
      id: 'work_01',
      odds: [2, 5, 3, 0],
      met: 'Caseloads let workers act on every case (weekly allocation meeting).',
      partly: 'Most workers can act on every case; two carry too many.',
      action: 'Fill vacant posts and cap caseloads for experienced workers.',
      owner: OWNER_AREA,
    },
    {
      id: 'work_02',
      odds: [6, 3, 0.5, 0],
      met: 'Supervision log shows regular, recorded supervision for everyone.',
      partly: 'Supervision slips when the team is short-staffed.',
      action: 'Book supervision three months ahead and rebook within the month.',
      owner: OWNER_TM,
    },
    {
      id: 'work_03',
      odds: [7, 2, 0.3, 0],
      met: 'Every case is allocated at the weekly allocation meeting.',
      partly: 'Some cases allocated on the system during busy weeks.',
      action: 'No allocation without a conversation with the worker.',
      owner: OWNER_TM,
    },
    {
      id: 'work_04',
      odds: [4, 4, 1, 0.5],
      met: 'Agency workers have the full team induction and monthly supervision.',
      partly: 'Agency workers are supervised but do not always get the full induction.',
      action: 'Use the induction checklist for every agency worker.',
      owner: OWNER_SP,
    },
    {
      id: 'work_05',
      odds: [8, 1.5, 0.2, 0],
      met: 'Personnel confirm that all staff had checks before starting.',
      partly: 'Checks for one agency worker were confirmed after the start date.',
      action: 'No start date without written confirmation of checks.',
      owner: OWNER_BS,
    },
    {
      id: 'work_06',
      odds: [6, 2, 0.5, 2],
      met: 'Newly qualified workers hold protected caseloads and are supervised fortnightly.',
      partly: 'Protected caseloads slip when the team is short-staffed.',
      action: 'Cap newly qualified workers’ caseloads and review them monthly.',
      owner: OWNER_TM,
    },
  ],
  jar_learning_scr: [
    {
      id: 'scr_01',
      odds: [6, 3, 0.3, 0],
      met: 'Lessons from Kent serious case reviews discussed at team meetings.',
      partly: 'Newer staff have not heard the lessons from recent reviews.',
      action: 'Add serious case review lessons to the team induction.',
      owner: OWNER_TM,
    },
    {
      id: 'scr_02',
      odds: [6, 2, 0.3, 1.5],
      met: 'Actions that apply to the team are complete.',
      partly: 'One action is still open.',
      action: 'Complete the open action and report to the area manager.',
      owner: OWNER_TM,
    },
    {
      id: 'scr_03',
      odds: [7, 2, 0.2, 1],
      met: 'Staff who contributed to management reviews were supported.',
      partly: 'Support for staff in reviews is informal.',
      action: 'Agree how staff are supported during a serious case review.',
      owner: OWNER_AREA,
    },
  ],
  jar_climbie: [
    {
      id: 'climbie_01',
      odds: [2, 6, 1.5, 0],
      met: 'Telephone referrals from professionals confirmed in writing within 48 hours in the sample.',
      partly: 'About seven in ten telephone referrals confirmed in writing.',
      action: 'Remind partner agencies of the 48-hour rule through the area safeguarding group.',
      owner: OWNER_TM,
      rarelyApplies: ['looked-after-children'],
    },
    {
      id: 'climbie_02',
      odds: [7, 2, 0.3, 0],
      met: 'Children seen within 24 hours of allocation in every enquiry sampled.',
      partly: 'A few children seen after 24 hours.',
      action: 'Duty manager to check first visits daily.',
      owner: OWNER_TM,
    },
    {
      id: 'climbie_03',
      odds: [7, 2, 0.3, 0],
      met: 'Closure records sampled all show the child was seen.',
      partly: 'Two closure records did not show the child was seen.',
      action: 'Managers to check that the child was seen before signing closure.',
      owner: OWNER_TM,
    },
    {
      id: 'climbie_04',
      odds: [6, 3, 0.3, 0],
      met: 'Agency checks recorded before section 47 enquiries.',
      partly: 'Agency checks not always recorded.',
      action: 'Record agency checks on the strategy discussion form.',
      owner: OWNER_SP,
    },
    {
      id: 'climbie_05',
      odds: [3, 5, 1, 0],
      met: 'Case summary and chronology at the front of every file sampled.',
      partly: 'Case summaries are on ICS but not at the front of paper files.',
      action: 'Printed case summary and chronology at the front of every paper file.',
      owner: OWNER_BS,
    },
  ],
};

const JAR_SECTION_TITLES: Record<string, string> = {
  jar_identifying_concerns: 'identifying and responding to concerns',
  jar_recording_assessment: 'recording, assessment and planning',
  jar_inter_agency: 'inter-agency working',
  jar_governance: 'governance and leadership',
  jar_performance: 'performance management',
  jar_workforce: 'workforce and supervision',
  jar_learning_scr: 'learning from serious case reviews',
  jar_climbie: 'Climbié compliance',
};

/** Month-end target dates in 2009, from February to September. */
const TARGET_DATES = ['2009-02-28', '2009-03-31', '2009-04-30', '2009-05-31', '2009-06-30', '2009-07-31', '2009-08-31', '2009-09-30'];

export function generateMiniJar(team: DemoTeam, rng: () => number): Record<string, unknown> {
  const high = isHighVacancyTeam(team);
  const answers: Record<string, unknown> = {};
  const metBySection: [string, number][] = [];
  const actions: { action: string; severity: number }[] = [];
  for (const [question, rows] of Object.entries(JAR)) {
    const value: Record<string, Record<string, string>> = {};
    let met = 0;
    for (const row of rows) {
      let [pMet, pPartly, pNot, pNa] = row.odds;
      if (high) [pMet, pPartly, pNot] = [pMet * 0.6, pPartly * 1.1, pNot * 2 + 0.5];
      if (row.rarelyApplies?.includes(team.teamType)) pNa += 8;
      const rating = weighted<JarRating>(rng, { met: pMet, partly_met: pPartly, not_met: pNot, not_applicable: pNa });
      const cell: Record<string, string> = { rating };
      if (rating === 'met') {
        cell.evidence = row.met;
        met += 1;
      }
      if (rating === 'partly_met') cell.evidence = row.partly;
      if (rating === 'partly_met' || rating === 'not_met') {
        cell.action = row.action;
        cell.owner = row.owner;
        cell.target_date = TARGET_DATES[Math.min(TARGET_DATES.length - 1, Math.floor(rng() * (rating === 'not_met' ? 5 : TARGET_DATES.length)))];
        actions.push({ action: row.action, severity: rating === 'not_met' ? 2 : 1 });
      }
      value[row.id] = cell;
    }
    answers[question] = value;
    metBySection.push([question, met / rows.length]);
  }
  const strongest = [...metBySection]
    .sort((x, y) => y[1] - x[1])
    .slice(0, 2)
    .map(([q]) => JAR_SECTION_TITLES[q]);
  answers.jar_strengths = `The team is strongest on ${strongest[0]} and ${strongest[1]}.`;
  const top = actions.sort((x, y) => y.severity - x.severity).slice(0, 3);
  answers.jar_priority_actions = top.length
    ? top.map((item, i) => `${i + 1}. ${item.action}`).join(' ') + (high ? ' The team needs help with recruitment and agency cover to complete these.' : '')
    : 'No actions outstanding; keep the current audits going.';
  return answers;
}
