import type { Executor } from '../index';
import { CASE_KIND_LABELS, type CaseKind, type ReplyStance, type StoredSampleRule, type TeamType } from '../schema';
import { recordAudit } from '../../app/models/audit.server';
import { addAuditReply, confirmSample, previewSample, recordModeratedAnswer, takeOnAudit, uploadCases } from '../../app/models/case-audits.server';
import { findVersion, getQuestionnaireVersion, type VersionInfo } from '../../app/models/questionnaires.server';
import { commitRevision } from '../../app/models/revisions.server';
import { createRound } from '../../app/models/rounds.server';
import { createUserWithRole, findUserByEmail, loadCurrentUser, type CurrentUser } from '../../app/models/users.server';
import { checkDataValue, progressOf, resolveDataKey, type AnswerError } from '../../app/models/validation.server';
import { chance, createRng, DEMO_SEED, pick, weighted } from './answers';
import { DEMO_EMAIL_DOMAIN, DEMO_PASSWORD, type DemoLogin, demoTeamIds, demoTeams, type DemoTeamSpec, type Progress } from './demo';

/**
 * The demo's case-file audit (issue 12), entirely synthetic: a practice audit round on the case-file audit
 * questionnaire (version 1) for every demo team, with made-up cases (references "CF-<TEAM>-<n>", invented workers),
 * audited by two demo auditors and by one team manager who also audits their area.
 *
 * It goes through the app's own functions wherever a person would: the reviewer uploads the case list, previews and
 * confirms a seeded sample (so the draw and its rule are recorded), auditors take audits on (the access rule refusing
 * a team they manage), the reviewer records a few moderated answers and managers reply. Two steps are done here
 * instead: the answers are written as a save and a submit write them, without survey-core's checks, which would double
 * the time of the whole seed (`writeAudit`; the test runs them on every audit); and the audits for a second, blind
 * audit are chosen with a seeded generator rather than by `startModeration`, which draws at random on purpose
 * (moderation must not be foreseeable) while the demo must be the same on every machine.
 *
 * The answers echo the exceptions Kent's first review found in its case audit (February 2009): referrers often not
 * told the outcome, checks with other agencies before section 47 enquiries often incomplete, strategy discussions
 * often without every agency; and an audit read from the electronic record (ICS) alone confirms fewer standards and
 * more often finds records missing, as the review said ICS on its own was not complete enough to rely on. Grades are
 * mostly adequate or good, with some inadequate. Every random choice comes from seeded generators (no Math.random).
 */

export const DEMO_CASE_ROUND = 'Practice audit 2009 (synthetic)';

/** Six cases per team, drawn per kind of case; the seed names the demo so anyone can draw the sample again. */
export const DEMO_CASE_SAMPLE_RULE: StoredSampleRule = { seed: 'synthetic-demo-practice-audit-2009', size: { count: 6 }, stratifyByKind: true };

/** How many cases each team offers for the audit. */
export const DEMO_CASES_PER_TEAM = 10;

/** The demo auditors: new accounts that manage no team. */
export const DEMO_AUDITORS = [
  { key: 'kent', email: `auditor@${DEMO_EMAIL_DOMAIN}`, name: 'Demo Auditor (Kent-wide)', areaSlug: null, scope: 'all of Kent' },
  { key: 'west', email: `west.auditor@${DEMO_EMAIL_DOMAIN}`, name: 'Demo Auditor (West Kent)', areaSlug: 'west-kent', scope: 'West Kent only' },
] as const;

/** A team manager who also audits their area's cases: the access rule refuses them their own team's cases. */
export const DEMO_MANAGER_AUDITOR = { key: 'managerAuditor', teamSlug: 'thanet-cp', areaSlug: 'east-kent' } as const;

type AuditorKey = (typeof DEMO_AUDITORS)[number]['key'] | typeof DEMO_MANAGER_AUDITOR.key;

const managerEmail = (teamSlug: string) => `manager.${teamSlug}@${DEMO_EMAIL_DOMAIN}`;

// ---------------------------------------------------------------------------------------------------------------
// Accounts

/**
 * Creates the demo auditors and makes one demo manager an auditor of their area too (idempotent: a role already held
 * is left alone). Returns their logins.
 */
export async function seedDemoAuditors(db: Executor): Promise<DemoLogin[]> {
  const managerAuditor = managerEmail(DEMO_MANAGER_AUDITOR.teamSlug);
  const accounts = [
    ...DEMO_AUDITORS.map((a) => ({ email: a.email, name: a.name, areaSlug: a.areaSlug, scope: a.scope })),
    { email: managerAuditor, name: '', areaSlug: DEMO_MANAGER_AUDITOR.areaSlug, scope: 'East Kent, also manager of a team there (refused its cases)' },
  ];
  const logins: DemoLogin[] = [];
  for (const account of accounts) {
    const existing = await findUserByEmail(db, account.email);
    const held =
      existing && (await db.selectFrom('memberships').select('id').where('user_id', '=', existing.id).where('role', '=', 'auditor').executeTakeFirst());
    if (!held) {
      await createUserWithRole(db, {
        email: account.email,
        name: existing?.name ?? account.name,
        // The shared demo password for a new account; an existing one (the manager) keeps theirs.
        password: existing ? null : DEMO_PASSWORD,
        role: 'auditor',
        areaSlug: account.areaSlug ?? undefined,
      });
    }
    logins.push({ role: 'Auditor', email: account.email, scope: account.scope });
  }
  return logins;
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers

type Rng = () => number;

function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const order = [...items];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

function isoDay(from: string, days: number): string {
  return new Date(Date.parse(`${from}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------------------------------
// The case pool (pure)

export type DemoCase = { teamSlug: string; reference: string; kind: CaseKind; worker: string; openedOn: string };

/** The kinds of case each type of team holds, as shares of its caseload. */
const KIND_MIX: Record<TeamType, Partial<Record<CaseKind, number>>> = {
  'duty-initial-assessment': { 'child-in-need': 0.55, 'child-protection-plan': 0.25, other: 0.2 },
  'long-term-child-protection': { 'child-protection-plan': 0.6, 'child-in-need': 0.3, 'looked-after': 0.1 },
  'looked-after-children': { 'looked-after': 0.75, 'child-protection-plan': 0.15, 'child-in-need': 0.1 },
  disability: { 'child-in-need': 0.6, 'looked-after': 0.2, 'child-protection-plan': 0.1, other: 0.1 },
  other: { 'looked-after': 0.7, 'child-in-need': 0.2, other: 0.1 },
};

// Invented names (first names with Kent village names as surnames): no real worker.
const FIRST_NAMES = ['Alex', 'Sam', 'Jo', 'Chris', 'Pat', 'Nicola', 'Gemma', 'Daniel', 'Priya', 'Tom', 'Rachel', 'Marcus', 'Helen', 'Owen'];
const SURNAMES = ['Ashdown', 'Brambley', 'Chalcroft', 'Dunmore', 'Elverton', 'Fairlight', 'Greenstreet', 'Lenham', 'Marden', 'Pluckley', 'Stelling', 'Yalding'];

/** Each team's synthetic case list: `DEMO_CASES_PER_TEAM` cases of the kinds its type holds, three or four workers. */
export function demoCasePool(teams: readonly DemoTeamSpec[], rng: Rng): DemoCase[] {
  const cases: DemoCase[] = [];
  for (const team of teams) {
    const workers = Array.from({ length: 3 + Math.floor(rng() * 2) }, () => `${pick(rng, FIRST_NAMES)} ${pick(rng, SURNAMES)}`);
    const code = team.slug.toUpperCase();
    for (let n = 1; n <= DEMO_CASES_PER_TEAM; n++) {
      cases.push({
        teamSlug: team.slug,
        reference: `CF-${code}-${String(n).padStart(2, '0')}`,
        kind: weighted(rng, KIND_MIX[team.teamType] as Record<CaseKind, number>),
        worker: pick(rng, workers),
        openedOn: isoDay('2007-01-08', Math.floor(rng() * 700)),
      });
    }
  }
  return cases;
}

/** The case list as a reviewer would upload it (one CSV for the round). */
export function caseListCsv(cases: readonly DemoCase[]): string {
  return [
    'team,case reference,kind of case,allocated worker,date opened',
    ...cases.map((c) => [c.teamSlug, c.reference, CASE_KIND_LABELS[c.kind], c.worker, c.openedOn].join(',')),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// Audit answers (pure)

/** What each practice standard's shortfall reads as, and the action it calls for. */
const SHORTFALLS: Record<string, { met: string; unmet: string; action?: string; owner?: 'worker' | 'manager' }> = {
  chronology_on_file: { met: 'a chronology on file', unmet: 'no chronology on file', action: 'Start a chronology of significant events', owner: 'worker' },
  chronology_current: { met: 'an up-to-date chronology', unmet: 'the chronology is out of date', action: 'Bring the chronology up to date', owner: 'worker' },
  referral_decision_timely: { met: 'a prompt decision on the referral', unmet: 'the referral decision was late or not recorded' },
  referrer_told_outcome: {
    met: 'the referrer told the outcome',
    unmet: 'no record that the referrer was told the outcome in time',
    action: 'Write to the referrer with the outcome and put a copy on file',
    owner: 'worker',
  },
  agency_checks_before_s47: {
    met: 'full agency checks before the section 47 enquiry',
    unmet: 'checks with other agencies incomplete before the section 47 enquiry',
    action: 'Complete the agency checks and record what each agency said',
    owner: 'worker',
  },
  strategy_discussion_held: { met: 'a strategy discussion held', unmet: 'no strategy discussion although the concerns called for one', owner: 'manager' },
  strategy_all_agencies: {
    met: 'every agency in the strategy discussion',
    unmet: 'not every relevant agency took part in the strategy discussion',
    action: 'Invite health and the school to the next core group and send them the strategy notes',
    owner: 'manager',
  },
  initial_assessment_timely: { met: 'a timely initial assessment', unmet: 'the initial assessment was late' },
  core_assessment_timely: {
    met: 'a timely core assessment',
    unmet: 'the core assessment was late or is overdue',
    action: 'Complete the core assessment',
    owner: 'worker',
  },
  child_seen: { met: 'the child seen', unmet: 'no record that the child was seen', action: 'Visit and see the child', owner: 'worker' },
  child_seen_alone: {
    met: 'the child seen alone',
    unmet: 'the child not seen alone',
    action: 'See the child alone at the next visit and record it',
    owner: 'worker',
  },
  child_views_recorded: {
    met: 'the child’s views recorded',
    unmet: 'the child’s views are not recorded',
    action: 'Record the child’s views and wishes',
    owner: 'worker',
  },
  plan_specific: {
    met: 'a specific child protection plan',
    unmet: 'the plan lacks named people and dates',
    action: 'Rewrite the plan with named actions, owners and dates',
    owner: 'manager',
  },
  first_core_group_timely: { met: 'a prompt first core group', unmet: 'the first core group was late or not held' },
  review_conferences_timely: {
    met: 'review conferences on time',
    unmet: 'a review conference was late or missed',
    action: 'Book the overdue review conference',
    owner: 'manager',
  },
  manager_decisions_recorded: {
    met: 'managers’ decisions recorded with reasons',
    unmet: 'managers’ decisions not recorded with their reasons',
    action: 'Record the management decisions and their reasons',
    owner: 'manager',
  },
  case_supervision_recorded: {
    met: 'supervision of the case on file',
    unmet: 'no note of supervision of the case',
    action: 'Discuss the case in supervision and record what was agreed',
    owner: 'manager',
  },
};

const GRADES = ['inadequate', 'adequate', 'good', 'outstanding'] as const;

export type DemoAuditInput = { kind: CaseKind; worker: string };

/**
 * One synthetic audit of a case: answers of the shape SurveyJS stores, only to questions the answers make visible,
 * valid for the case-file audit version 1. 'partial' answers the first four pages only (an audit in progress).
 */
export function generateCaseAudit(input: DemoAuditInput, rng: Rng, completeness: 'complete' | 'partial'): Record<string, unknown> {
  const { kind } = input;
  const sources = weighted(rng, { both: 0.55, electronic: 0.35, paper: 0.1 });
  // What the file can prove: read from ICS alone, much of what the paper file holds cannot be confirmed.
  const shown = (p: number) => chance(rng, sources === 'electronic' ? p * 0.7 : p);
  const data: Record<string, unknown> = { evidence_sources: sources };

  const chronology = shown(0.85);
  data.chronology_on_file = chronology ? 'yes' : 'no';
  if (chronology) data.chronology_current = shown(0.75) ? 'yes' : 'no';

  const transferredIn = (kind === 'looked-after' || kind === 'other') && chance(rng, 0.35);
  data.referral_decision_timely = transferredIn ? 'na' : shown(0.8) ? 'yes' : weighted(rng, { late: 0.7, no: 0.3 });
  // The review's most frequent exception: the referrer not told the outcome, or not within the timescale.
  data.referrer_told_outcome = transferredIn || chance(rng, 0.06) ? 'na' : shown(0.45) ? 'yes' : weighted(rng, { late: 0.35, no: 0.65 });

  const s47 = kind === 'child-protection-plan' || chance(rng, kind === 'child-in-need' ? 0.3 : kind === 'looked-after' ? 0.2 : 0.15);
  if (!s47) {
    data.agency_checks_before_s47 = 'na';
    data.strategy_discussion_held = 'na';
  } else {
    // Agency checks before the section 47 enquiry: often only with some agencies, or after it started.
    const checks = shown(0.45) ? 'yes' : weighted(rng, { partly: 0.7, no: 0.3 });
    data.agency_checks_before_s47 = checks;
    if (checks === 'yes') {
      data.agencies_checked = [
        'police',
        'health_gp',
        ...(chance(rng, 0.8) ? ['school'] : []),
        ...(chance(rng, 0.4) ? ['health_visitor'] : []),
        ...(chance(rng, 0.15) ? ['probation'] : []),
      ];
    } else if (checks === 'partly') {
      const some = [...(chance(rng, 0.85) ? ['police'] : []), ...(chance(rng, 0.4) ? ['health_gp'] : []), ...(chance(rng, 0.3) ? ['school'] : [])];
      data.agencies_checked = some.length ? some : ['police'];
    }
    const held = shown(0.95) ? 'yes' : 'no';
    data.strategy_discussion_held = held;
    if (held === 'yes') {
      // Most strategy discussions involve social care and the police; health and schools are often missing.
      const health = shown(0.5);
      const education = shown(0.4);
      data.strategy_participants = [
        'social_care',
        ...(chance(rng, 0.93) ? ['police'] : []),
        ...(health ? ['health'] : []),
        ...(education ? ['education'] : []),
      ];
      const police = (data.strategy_participants as string[]).includes('police');
      data.strategy_all_agencies = police && health && (education || chance(rng, 0.4)) ? 'yes' : 'no';
    }
  }

  data.initial_assessment_timely = transferredIn ? 'na' : shown(0.7) ? 'yes' : weighted(rng, { late: 0.8, no: 0.2 });
  data.core_assessment_timely =
    transferredIn || (kind === 'child-in-need' && chance(rng, 0.4)) ? 'na' : shown(0.6) ? 'yes' : weighted(rng, { late: 0.7, no: 0.3 });
  if (completeness === 'partial') return data;

  const unborn = kind === 'child-protection-plan' && chance(rng, 0.04);
  data.child_seen = unborn ? 'na' : shown(0.97) ? 'yes' : 'no';
  if (!unborn) {
    const tooYoung = chance(rng, 0.15);
    data.child_seen_alone = data.child_seen === 'no' ? 'no' : tooYoung ? 'na' : shown(0.6) ? 'yes' : weighted(rng, { explained: 0.5, no: 0.5 });
    data.child_views_recorded = shown(0.7) ? 'yes' : 'no';
  }

  const plan = kind === 'child-protection-plan';
  data.has_protection_plan = plan;
  if (plan) {
    data.plan_specific = shown(0.65) ? 'yes' : 'no';
    data.first_core_group_timely = shown(0.7) ? 'yes' : weighted(rng, { late: 0.6, no: 0.15, na: 0.25 });
    data.review_conferences_timely = shown(0.65) ? 'yes' : weighted(rng, { late: 0.5, no: 0.15, na: 0.35 });
  }
  data.manager_decisions_recorded = shown(0.65) ? 'yes' : 'no';
  data.case_supervision_recorded = shown(0.6) ? 'yes' : 'no';

  // Read from ICS alone, key records are more often missing; read with the paper file, they are often only there.
  data.record_location =
    sources === 'electronic'
      ? weighted(rng, { ics: 0.5, 'not-found': 0.4, 'paper-only': 0.1 })
      : sources === 'paper'
        ? weighted(rng, { 'paper-only': 0.85, 'not-found': 0.15 })
        : weighted(rng, { ics: 0.45, 'paper-only': 0.45, 'not-found': 0.1 });

  // The grade follows the share of applicable standards met, give or take the auditor's judgement.
  const standards = Object.keys(SHORTFALLS).filter((q) => data[q] !== undefined && data[q] !== 'na');
  const met = standards.filter((q) => data[q] === 'yes');
  const unmet = standards.filter((q) => data[q] !== 'yes');
  const score = met.length / Math.max(1, standards.length) + (rng() - 0.5) * 0.2;
  const grade = score < 0.4 ? 'inadequate' : score < 0.66 ? 'adequate' : score < 0.9 ? 'good' : chance(rng, 0.5) ? 'outstanding' : 'good';
  data.practice_grade = grade;

  const list = (items: string[]) => items.slice(0, 3).join('; ');
  const strengths = met.length ? `Strengths: ${list(shuffled(rng, met).map((q) => SHORTFALLS[q].met))}.` : '';
  const gaps = unmet.length ? `Shortfalls: ${list(unmet.map((q) => SHORTFALLS[q].unmet))}.` : '';
  const reading = sources === 'electronic' ? ' Read from ICS only: the paper file was not available.' : '';
  data.practice_grade_reason = `Synthetic demo audit. ${strengths} ${gaps}${reading}`.replace(/\s+/g, ' ').trim();

  const actions = unmet.filter((q) => SHORTFALLS[q].action).slice(0, 3);
  if (actions.length) {
    data.case_actions = actions.map((q, i) => ({
      action: SHORTFALLS[q].action,
      owner: SHORTFALLS[q].owner === 'manager' ? 'Team manager' : input.worker,
      target_date: isoDay('2009-03-02', 7 * i + Math.floor(rng() * 7)),
    }));
  }
  data.case_action_urgent = grade === 'inadequate' && chance(rng, 0.3);
  return data;
}

/** Answers a second auditor might give the questions that rest on judgement: the ones a second audit may change. */
const SECOND_OPINIONS: Record<string, readonly string[]> = {
  referrer_told_outcome: ['yes', 'late', 'no'],
  agency_checks_before_s47: ['yes', 'partly'],
  initial_assessment_timely: ['yes', 'late'],
  chronology_current: ['yes', 'no'],
  child_views_recorded: ['yes', 'no'],
  manager_decisions_recorded: ['yes', 'no'],
  case_supervision_recorded: ['yes', 'no'],
  record_location: ['ics', 'paper-only', 'not-found'],
  practice_grade: GRADES,
};

/**
 * A second, blind audit of the same case: mostly the same answers, with none to three questions of judgement read
 * differently (a grade one step away). Never a question that decides which others are shown, so it stays valid.
 */
export function generateSecondAudit(first: Record<string, unknown>, rng: Rng): Record<string, unknown> {
  const second: Record<string, unknown> = { ...first };
  const open = Object.keys(SECOND_OPINIONS).filter((q) => typeof first[q] === 'string' && SECOND_OPINIONS[q].includes(first[q] as string));
  const count = Number(weighted(rng, { '0': 0.1, '1': 0.35, '2': 0.4, '3': 0.15 }));
  for (const question of shuffled(rng, open).slice(0, count)) {
    const choices = SECOND_OPINIONS[question];
    const at = choices.indexOf(first[question] as string);
    if (question === 'practice_grade') {
      second[question] = choices[at === 0 ? 1 : at === choices.length - 1 ? at - 1 : at + (chance(rng, 0.5) ? 1 : -1)];
    } else {
      second[question] = pick(
        rng,
        choices.filter((c) => c !== first[question]),
      );
    }
  }
  if (typeof first.practice_grade_reason === 'string') {
    second.practice_grade_reason = `Synthetic demo second audit (moderation), read without sight of the first. Grade ${String(second.practice_grade)}.`;
  }
  return second;
}

const REPLIES = {
  agree: [
    'Synthetic demo reply. We agree with the audit. The referrer has now been written to and the letter is on file; the chronology will be up to date by the end of the month.',
    'Synthetic demo reply. Agreed. The plan has been rewritten with named people and dates and was shared at the core group this week.',
  ],
  partly: [
    'Synthetic demo reply. We accept the findings on recording, but the checks with health were made by phone before the enquiry began; the worker has now added the note of the call to ICS.',
    'Synthetic demo reply. Partly agreed: supervision of this case is recorded in the paper supervision file, which the auditor did not see. The other actions are in hand.',
  ],
  disagree: [
    'Synthetic demo reply. We do not agree with the grade: the paper file holds the strategy discussion minutes with health present, which the audit did not see. We ask for the case to be looked at again.',
  ],
} as const;

// ---------------------------------------------------------------------------------------------------------------
// The round

type PlannedAudit = {
  responseId: number;
  caseId: number;
  teamSlug: string;
  teamId: number;
  reference: string;
  data: Record<string, unknown>;
  partial: Record<string, unknown>;
  state: 'submitted' | 'in_progress' | 'taken' | 'available';
  auditor: AuditorKey;
};

function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * Seeds the practice audit round (idempotent: nothing is done when a round of that name exists). Needs the demo
 * organisation and auditors (seedDemoOrganisation, seedDemoAuditors) and the published questionnaires.
 */
export async function seedCaseAudits(db: Executor, progress: Progress = () => {}): Promise<void> {
  if (await db.selectFrom('rounds').select('id').where('name', '=', DEMO_CASE_ROUND).executeTakeFirst()) return;
  const version = await findVersion(db, 'case-file-audit', 1);
  if (!version) throw new Error('Publish the questionnaires before seeding the case audits (surveys publish).');

  const specs = demoTeams();
  const teamIds = await demoTeamIds(db, specs);
  const userByEmail = async (email: string): Promise<CurrentUser> => {
    const row = await findUserByEmail(db, email);
    const user = row && (await loadCurrentUser(db, row.id));
    if (!user) throw new Error(`The demo account ${email} is missing: seed the demo organisation first.`);
    return user;
  };
  const admin = await userByEmail(`admin@${DEMO_EMAIL_DOMAIN}`);
  const reviewer = await userByEmail(`reviewer@${DEMO_EMAIL_DOMAIN}`);
  const auditors: Record<AuditorKey, CurrentUser> = {
    kent: await userByEmail(DEMO_AUDITORS[0].email),
    west: await userByEmail(DEMO_AUDITORS[1].email),
    managerAuditor: await userByEmail(managerEmail(DEMO_MANAGER_AUDITOR.teamSlug)),
  };

  // Separate streams, so that changing how answers are made leaves the case lists and the plan as they were.
  const seed = DEMO_SEED + 12; // issue 12
  const rngCases = createRng(seed);
  const rngAnswers = createRng(seed + 1);
  const rngPlan = createRng(seed + 2);

  const round = await createRound(
    db,
    {
      subject: 'case',
      name: DEMO_CASE_ROUND,
      questionnaireVersionId: version.id,
      dueDate: inDays(24),
      teamIds: specs.map((s) => teamIds.get(s.slug)!),
      // Kent's review recommended an annual programme of practice audits.
      repeatMonths: 12,
      sampleRule: DEMO_CASE_SAMPLE_RULE,
    },
    admin.id,
  );

  // The reviewer uploads the teams' case lists, looks at the sample the rule draws and confirms it.
  const pool = demoCasePool(specs, rngCases);
  const uploaded = await uploadCases(db, reviewer, round.id, { text: caseListCsv(pool) });
  if (!uploaded.ok) throw new Error(`The demo case list was refused: ${JSON.stringify(uploaded.errors.slice(0, 3))}`);
  const preview = await previewSample(db, reviewer, round.id, DEMO_CASE_SAMPLE_RULE);
  await confirmSample(db, reviewer, round.id, DEMO_CASE_SAMPLE_RULE, preview.fingerprint);

  const audits = await db
    .selectFrom('responses as s')
    .innerJoin('audit_cases as c', 'c.id', 's.case_id')
    .select(['s.id', 's.team_id', 'c.id as case_id', 'c.reference', 'c.kind', 'c.worker'])
    .where('s.round_id', '=', round.id)
    .execute();
  const auditsByTeam = new Map<number, typeof audits>();
  for (const audit of audits) auditsByTeam.set(audit.team_id, [...(auditsByTeam.get(audit.team_id) ?? []), audit]);

  // Who audits what, and how far each audit has got, in a fixed order (teams as listed, cases by reference).
  const planned: PlannedAudit[] = [];
  for (const spec of specs) {
    const teamId = teamIds.get(spec.slug)!;
    const ofTeam = (auditsByTeam.get(teamId) ?? []).sort((a, b) => (a.reference < b.reference ? -1 : 1));
    for (const audit of ofTeam) {
      const input = { kind: audit.kind, worker: audit.worker ?? 'Allocated worker' };
      // Both answer sets are made for every audit, so the random sequence never depends on the states.
      const data = generateCaseAudit(input, rngAnswers, 'complete');
      const partial = generateCaseAudit(input, rngAnswers, 'partial');
      const r = rngPlan();
      const state = r < 0.82 ? 'submitted' : r < 0.89 ? 'in_progress' : r < 0.93 ? 'taken' : 'available';
      const who = rngPlan();
      const auditor: AuditorKey =
        spec.areaSlug === DEMO_AUDITORS[1].areaSlug
          ? who < 0.7
            ? 'west'
            : 'kent'
          : spec.areaSlug === DEMO_MANAGER_AUDITOR.areaSlug && spec.slug !== DEMO_MANAGER_AUDITOR.teamSlug && who < 0.45
            ? 'managerAuditor'
            : 'kent';
      planned.push({
        responseId: audit.id,
        caseId: audit.case_id,
        teamSlug: spec.slug,
        teamId,
        reference: audit.reference,
        data,
        partial,
        state,
        auditor,
      });
    }
  }

  // The auditors take the audits on (refused a team they manage), answer and submit them.
  const questionnaire = await getQuestionnaireVersion(db, version.id);
  let done = 0;
  const total = planned.length;
  for (const audit of planned) {
    if (audit.state !== 'available') {
      const auditor = auditors[audit.auditor];
      await takeOnAudit(db, auditor, audit.responseId);
      if (audit.state === 'submitted') await writeAudit(db, questionnaire, auditor, audit.responseId, audit.data, { submit: true });
      if (audit.state === 'in_progress') await writeAudit(db, questionnaire, auditor, audit.responseId, audit.partial, { submit: false });
    }
    progress(++done, total, DEMO_CASE_ROUND);
  }

  const seconds = await seedModeration(db, { roundId: round.id, version: questionnaire, planned, auditors, reviewer, rng: rngPlan });
  await seedModeratedAnswers(db, reviewer, seconds);
  await seedReplies(db, planned, rngPlan);
}

/**
 * Writes an auditor's answers to an audit as one save, then submits it, through commitRevision (the one writer of
 * responses: revision rows, answers rows, audit event), as saveResponseChange and submitResponse do. Not through
 * them: their survey-core checks cost about 50 ms an audit, ten seconds for the demo's 250 or so, doubling the time
 * of the whole seed. So each answer's shape is checked here (a question of the version, its type, its choices), and
 * tests/demo-case-audits.test.ts runs the full checks of a submit on every audit the seed writes.
 */
async function writeAudit(
  db: Executor,
  version: VersionInfo,
  auditor: CurrentUser,
  responseId: number,
  data: Record<string, unknown>,
  options: { submit: boolean },
) {
  const errors: AnswerError[] = [];
  for (const [name, value] of Object.entries(data)) {
    const key = resolveDataKey(version, name);
    if (key) checkDataValue(key, name, value, errors);
    else errors.push({ path: name, message: `is not a question of ${version.title} version ${version.version}` });
  }
  if (errors.length) throw new Error(`A demo audit is not valid: ${JSON.stringify(errors)}`);
  const questions = Object.keys(data);
  await db.transaction().execute(async (trx) => {
    const response = await trx
      .selectFrom('responses')
      .select(['id', 'revision', 'round_id', 'team_id', 'moderation_of', 'auditor_id'])
      .where('id', '=', responseId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (response.auditor_id !== auditor.id) throw new Error(`Audit ${responseId} is not ${auditor.email}'s to complete.`);
    const saved = await commitRevision(trx, response, {
      kind: 'edit',
      authorId: auditor.id,
      answers: { data, progress: progressOf(version, data), catalogue: version.catalogue, questions },
      status: 'in_progress',
      changes: questions.map((question) => ({ question, old: null, new: data[question] })),
    });
    if (options.submit) {
      await commitRevision(
        trx,
        { ...response, revision: saved.revision },
        { kind: 'submit', authorId: auditor.id, status: 'submitted', submitted: true, changes: { resubmission: false }, audit: { action: 'response.submit' } },
      );
    }
  });
}

/** Whether an auditor manages the team (and so may not audit its cases, as startModeration also checks). */
function manages(auditor: CurrentUser, teamId: number) {
  return auditor.managedTeamIds.includes(teamId);
}

function auditsArea(auditor: CurrentUser, areaId: number) {
  const areas = auditor.auditorAreaIds;
  return areas === 'all' || (Array.isArray(areas) && areas.includes(areaId));
}

/**
 * About one completed audit in ten gets a second, blind audit by another auditor of the team's area (not one of its
 * managers), the least loaded first: what `startModeration` does, with a seeded choice instead of a random one. Most
 * second audits are submitted; one is in progress and one not started.
 */
async function seedModeration(
  db: Executor,
  options: { roundId: number; version: VersionInfo; planned: PlannedAudit[]; auditors: Record<AuditorKey, CurrentUser>; reviewer: CurrentUser; rng: Rng },
) {
  const { planned, auditors, rng } = options;
  const areas = await db.selectFrom('teams').select(['id', 'area_id']).execute();
  const areaOf = new Map(areas.map((t) => [t.id, t.area_id]));
  const submitted = planned.filter((a) => a.state === 'submitted');
  const wanted = Math.max(1, Math.round(submitted.length / 10));
  const load = new Map<AuditorKey, number>();
  const chosen: Array<PlannedAudit & { second: AuditorKey }> = [];
  for (const audit of shuffled(rng, submitted)) {
    if (chosen.length === wanted) break;
    const candidates = (Object.keys(auditors) as AuditorKey[])
      .filter((key) => key !== audit.auditor && !manages(auditors[key], audit.teamId) && auditsArea(auditors[key], areaOf.get(audit.teamId)!))
      .sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0));
    if (!candidates.length) continue;
    load.set(candidates[0], (load.get(candidates[0]) ?? 0) + 1);
    chosen.push({ ...audit, second: candidates[0] });
  }
  chosen.sort((a, b) => a.responseId - b.responseId);

  const answerable = progressOf(options.version, {}).answerable;
  const inserted = await db.transaction().execute(async (trx) => {
    const rows = await trx
      .insertInto('responses')
      .values(
        chosen.map((audit) => ({
          round_id: options.roundId,
          team_id: audit.teamId,
          case_id: audit.caseId,
          moderation_of: audit.responseId,
          auditor_id: auditors[audit.second].id,
          questionnaire_version_id: options.version.id,
          answerable_count: answerable,
        })),
      )
      .returning(['id', 'moderation_of'])
      .execute();
    await recordAudit(trx, {
      actorId: options.reviewer.id,
      action: 'moderation.start',
      entityType: 'round',
      entityId: options.roundId,
      details: {
        share: 10,
        assigned: chosen.map((a) => ({ responseId: a.responseId, auditorId: auditors[a.second].id })),
        noAuditor: 0,
        synthetic: true,
      },
    });
    return rows;
  });
  const secondId = new Map(inserted.map((r) => [r.moderation_of!, r.id]));

  const pairs: Array<{ firstId: number; first: Record<string, unknown>; second: Record<string, unknown> }> = [];
  for (const [i, audit] of chosen.entries()) {
    const data = generateSecondAudit(audit.data, rng);
    const auditor = auditors[audit.second];
    const id = secondId.get(audit.responseId)!;
    const state = i === chosen.length - 1 ? 'not_started' : i === chosen.length - 2 ? 'in_progress' : 'submitted';
    if (state === 'not_started') continue;
    if (state === 'in_progress') {
      await writeAudit(db, options.version, auditor, id, Object.fromEntries(Object.entries(data).slice(0, 6)), { submit: false });
    } else {
      await writeAudit(db, options.version, auditor, id, data, { submit: true });
      pairs.push({ firstId: audit.responseId, first: audit.data, second: data });
    }
  }
  return pairs;
}

/** The reviewer settles a few disagreements with a moderated answer. */
async function seedModeratedAnswers(
  db: Executor,
  reviewer: CurrentUser,
  pairs: Array<{ firstId: number; first: Record<string, unknown>; second: Record<string, unknown> }>,
) {
  let recorded = 0;
  for (const pair of pairs) {
    const question = ['practice_grade', 'referrer_told_outcome', 'record_location'].find((q) => pair.first[q] !== pair.second[q]);
    if (!question) continue;
    await recordModeratedAnswer(db, reviewer, pair.firstId, {
      question,
      value: JSON.stringify(pair.second[question]),
      note: 'Synthetic demo: moderated after reading the paper file with both auditors.',
    });
    if (++recorded === 3) break;
  }
}

/** A few team managers reply to completed audits of their cases: agreeing, partly agreeing or disagreeing. */
async function seedReplies(db: Executor, planned: PlannedAudit[], rng: Rng) {
  const candidates = shuffled(
    rng,
    planned.filter((a) => a.state === 'submitted'),
  );
  // A manager disagrees with a poor grade, partly agrees with anything short of outstanding, agrees with anything.
  const fits: Record<ReplyStance, (grade: unknown) => boolean> = {
    agree: () => true,
    partly: (grade) => grade !== 'outstanding',
    disagree: (grade) => grade === 'inadequate' || grade === 'adequate',
  };
  for (const stance of ['agree', 'partly', 'agree', 'disagree', 'partly', 'agree'] as const) {
    const index = candidates.findIndex((a) => fits[stance](a.data.practice_grade));
    if (index < 0) continue;
    const [audit] = candidates.splice(index, 1);
    const manager = await loadCurrentUser(db, (await findUserByEmail(db, managerEmail(audit.teamSlug)))!.id);
    await addAuditReply(db, manager!, audit.responseId, { stance, body: pick(rng, REPLIES[stance]) });
  }
}
