import type { Executor } from '../index';
import { findVersion } from '../../app/models/questionnaires.server';
import { createRound } from '../../app/models/rounds.server';
import { saveResponseChange, submitResponse } from '../../app/models/responses.server';
import { loadCurrentUser } from '../../app/models/users.server';
import { createRng, DEMO_SEED, generateMiniJar, generateSelfAssessmentV1, pick, type DemoTeam } from './answers';
import { seedActionRegister } from './actions';
import { generatePhase2Answers } from './phase2-answers';
import { DEMO_CASE_ROUND, seedCaseAudits, seedDemoAuditors } from './case-audits';
import { DEMO_EMAIL_DOMAIN, type DemoLogin, demoTeamIds, demoTeams, type Progress, seedDemoOrganisation } from './demo';

/**
 * The whole synthetic demo: organisation and users, then Phase 1 of a review as it stood in February 2009 — the team
 * self-assessment (version 1) and the mini-JAR matrix, most teams submitted, a few in progress, two not started.
 * Answers come from db/seed/answers.ts with the seed DEMO_SEED, so every machine gets the same figures. Then a
 * synthetic case-file audit round with its auditors (db/seed/case-audits.ts). Idempotent: rounds that exist (by name)
 * are left alone.
 */
export const DEMO_ROUNDS = {
  selfAssessment: 'Phase 1: team self-assessment (January 2009)',
  miniJar: 'Phase 1: mini-JAR matrix (January 2009)',
  caseAudit: DEMO_CASE_ROUND,
  selfAssessmentPhase2: 'Phase 2: team self-assessment (March 2009)',
  miniJarPhase2: 'Phase 2: mini-JAR matrix (March 2009)',
};

export async function seedDemo(db: Executor, options: { progress?: Progress } = {}): Promise<DemoLogin[]> {
  const progress = options.progress ?? (() => {});
  const logins = await seedDemoOrganisation(db, progress);
  logins.push(...(await seedDemoAuditors(db)));
  await seedPhase1(db, progress);
  await seedCaseAudits(db, progress);
  await seedActionRegister(db, progress);
  await seedPhase2(db, progress);
  return logins;
}

function inDays(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

async function seedPhase1(db: Executor, progress: Progress) {
  const selfAssessment = await findVersion(db, 'team-self-assessment', 1);
  const miniJar = await findVersion(db, 'mini-jar-matrix', 1);
  if (!selfAssessment || !miniJar) throw new Error('Publish the questionnaires before seeding responses (surveys publish).');
  const specs = demoTeams();
  const teamIds = await demoTeamIds(db, specs);
  const managers = await db
    .selectFrom('users')
    .select(['id', 'email'])
    .where(
      'email',
      'in',
      specs.map((s) => `manager.${s.slug}@${DEMO_EMAIL_DOMAIN}`),
    )
    .execute();
  const managerIds = new Map(managers.map((m) => [m.email, m.id]));
  const admin = await db.selectFrom('users').select('id').where('email', '=', `admin@${DEMO_EMAIL_DOMAIN}`).executeTakeFirst();

  const rng = createRng(DEMO_SEED);
  const plans = [
    // Due dates are relative to the day of seeding, so the demo's rounds read as current.
    {
      name: DEMO_ROUNDS.selfAssessment,
      versionId: selfAssessment.id,
      dueDate: inDays(10),
      generate: (t: DemoTeam, i: number) => generateSelfAssessmentV1(t, rng, i % 9 === 5 ? 'partial' : 'complete'),
      state: (i: number) => (i % 9 === 5 ? 'in_progress' : i % 20 === 8 ? 'not_started' : 'submitted'),
    },
    {
      name: DEMO_ROUNDS.miniJar,
      versionId: miniJar.id,
      dueDate: inDays(17),
      generate: (t: DemoTeam) => generateMiniJar(t, rng),
      state: (i: number) => (i % 7 === 6 ? 'not_started' : 'submitted'),
    },
  ] as const;

  for (const plan of plans) {
    const exists = await db.selectFrom('rounds').select('id').where('name', '=', plan.name).executeTakeFirst();
    if (exists) continue;
    const round = await db
      .transaction()
      .execute((trx) =>
        createRound(
          trx,
          { name: plan.name, questionnaireVersionId: plan.versionId, dueDate: plan.dueDate, teamIds: specs.map((s) => teamIds.get(s.slug)!) },
          admin?.id ?? null,
        ),
      );
    const responses = await db.selectFrom('responses').select(['id', 'team_id']).where('round_id', '=', round.id).execute();
    const responseByTeam = new Map(responses.map((r) => [r.team_id, r.id]));
    let done = 0;
    for (const [index, spec] of specs.entries()) {
      const team: DemoTeam = { slug: spec.slug, name: spec.name, area: spec.areaName, teamType: spec.teamType, index };
      const data = plan.generate(team, index); // generated for every team, so the random sequence never depends on the states
      const state = plan.state(index);
      const responseId = responseByTeam.get(teamIds.get(spec.slug)!)!;
      const manager = await loadCurrentUser(db, managerIds.get(`manager.${spec.slug}@${DEMO_EMAIL_DOMAIN}`)!);
      if (state !== 'not_started' && manager) {
        // Through the same save and submit as the app, so the demo data passes every validator.
        const saved = await saveResponseChange(db, manager, responseId, { baseRevision: 0, set: data, unset: [] });
        if (state === 'submitted') await submitResponse(db, manager, responseId, { revision: saved.revision });
      }
      progress(++done, specs.length, plan.name);
    }
  }
}

/**
 * Phase 2, opened after the register was drawn up, on the new versions:
 * - the team self-assessment version 3, carried forward from Phase 1 (its asked-again questions empty): half the teams
 *   have submitted their Phase 2 return (db/seed/phase2-answers.ts), a few have answered it without submitting yet, the
 *   rest have not started;
 * - the mini-JAR matrix version 2, which follows each team's open actions up (a row per action, filled in when the
 *   round opens) with the Phase 1 ratings carried forward. About a third of the teams have started, saying what became
 *   of their actions; none has submitted yet, so the register stays as spring 2009 left it.
 */
async function seedPhase2(db: Executor, progress: Progress) {
  await seedSelfAssessmentPhase2(db, progress);
  await seedMiniJarPhase2(db, progress);
}

async function managerOf(db: Executor, teamId: number) {
  const manager = await db.selectFrom('memberships').select('user_id').where('role', '=', 'manager').where('team_id', '=', teamId).executeTakeFirst();
  return manager ? loadCurrentUser(db, manager.user_id) : null;
}

async function seedSelfAssessmentPhase2(db: Executor, progress: Progress) {
  const v3 = await findVersion(db, 'team-self-assessment', 3);
  const phase1 = await db.selectFrom('rounds').select('id').where('name', '=', DEMO_ROUNDS.selfAssessment).executeTakeFirst();
  const admin = await db.selectFrom('users').select('id').where('email', '=', `admin@${DEMO_EMAIL_DOMAIN}`).executeTakeFirst();
  if (!v3 || !phase1) return;
  if (await db.selectFrom('rounds').select('id').where('name', '=', DEMO_ROUNDS.selfAssessmentPhase2).executeTakeFirst()) return;
  const specs = demoTeams();
  const teamIds = await demoTeamIds(db, specs);
  const round = await createRound(
    db,
    {
      name: DEMO_ROUNDS.selfAssessmentPhase2,
      questionnaireVersionId: v3.id,
      dueDate: inDays(24),
      teamIds: specs.map((s) => teamIds.get(s.slug)!),
      followsRoundId: phase1.id,
    },
    admin?.id ?? null,
  );
  // Each team's Phase 1 answers as seedPhase1 generated them (the same generator and seed, in the same order), also
  // for the teams that never started Phase 1: their Phase 2 return starts from what they would have said.
  const rng = createRng(DEMO_SEED);
  const phase1Answers = specs.map((spec, index) =>
    generateSelfAssessmentV1(
      { slug: spec.slug, name: spec.name, area: spec.areaName, teamType: spec.teamType, index },
      rng,
      index % 9 === 5 ? 'partial' : 'complete',
    ),
  );
  const responses = new Map(
    (await db.selectFrom('responses').select(['id', 'team_id', 'revision']).where('round_id', '=', round.id).execute()).map((r) => [r.team_id, r]),
  );
  let done = 0;
  for (const [index, spec] of specs.entries()) {
    const teamId = teamIds.get(spec.slug)!;
    const response = responses.get(teamId)!;
    // Half submitted, a few answered but not yet submitted, the rest not started.
    const state = index % 2 === 0 ? 'submitted' : index % 5 === 1 ? 'in_progress' : 'not_started';
    const user = state === 'not_started' ? null : await managerOf(db, teamId);
    if (user) {
      const team: DemoTeam = { slug: spec.slug, name: spec.name, area: spec.areaName, teamType: spec.teamType, index };
      const set = generatePhase2Answers(team, phase1Answers[index]);
      const saved = await saveResponseChange(db, user, response.id, { baseRevision: response.revision, set, unset: [] });
      if (state === 'submitted') await submitResponse(db, user, response.id, { revision: saved.revision });
    }
    progress(++done, specs.length, DEMO_ROUNDS.selfAssessmentPhase2);
  }
}

async function seedMiniJarPhase2(db: Executor, progress: Progress) {
  const miniJar = await findVersion(db, 'mini-jar-matrix', 2);
  const phase1 = await db.selectFrom('rounds').select('id').where('name', '=', DEMO_ROUNDS.miniJar).executeTakeFirst();
  const admin = await db.selectFrom('users').select('id').where('email', '=', `admin@${DEMO_EMAIL_DOMAIN}`).executeTakeFirst();
  if (!miniJar || !phase1) return;
  if (await db.selectFrom('rounds').select('id').where('name', '=', DEMO_ROUNDS.miniJarPhase2).executeTakeFirst()) return;
  const specs = demoTeams();
  const teamIds = await demoTeamIds(db, specs);
  const round = await createRound(
    db,
    {
      name: DEMO_ROUNDS.miniJarPhase2,
      questionnaireVersionId: miniJar.id,
      dueDate: inDays(31),
      teamIds: specs.map((s) => teamIds.get(s.slug)!),
      followsRoundId: phase1.id,
    },
    admin?.id ?? null,
  );
  const rng = createRng(DEMO_SEED + 29);
  const responses = await db
    .selectFrom('responses')
    .select(['id', 'team_id', 'revision', 'data'])
    .where('round_id', '=', round.id)
    .orderBy('team_id')
    .execute();
  let done = 0;
  for (const response of responses) {
    const rows = response.data.jar_action_progress;
    const started = rng() < 0.35;
    if (started && Array.isArray(rows) && rows.length) {
      const user = await managerOf(db, response.team_id);
      if (user) {
        const answered = (rows as Record<string, unknown>[]).map((row, index) =>
          index % 3 === 2
            ? row // not reached yet
            : {
                ...row,
                progress: pick(rng, ['in_progress', 'in_progress', 'done', 'open']),
                evidence: pick(rng, PHASE2_EVIDENCE),
                ...(rng() < 0.3 ? { new_target_date: '2009-06-30' } : {}),
              },
        );
        await saveResponseChange(db, user, response.id, { baseRevision: response.revision, set: { jar_action_progress: answered }, unset: [] });
      }
    }
    progress(++done, responses.length, DEMO_ROUNDS.miniJarPhase2);
  }
}

const PHASE2_EVIDENCE = [
  'Started in February; the team meeting checks progress each fortnight.',
  'Agreed with the area manager; first dip sample due in April.',
  'Done: the duty log since 1 March shows it every day.',
  'Waiting on the county training dates; two staff booked.',
];

/** The demo logins to print, read back from the database. */
export async function demoLogins(db: Executor): Promise<DemoLogin[]> {
  const rows = await db
    .selectFrom('users as u')
    .innerJoin('memberships as m', 'm.user_id', 'u.id')
    .leftJoin('areas as a', 'a.id', 'm.area_id')
    .leftJoin('teams as t', 't.id', 'm.team_id')
    .select(['u.email', 'm.role', 'a.name as area', 't.name as team'])
    .where('u.email', 'like', `%@${DEMO_EMAIL_DOMAIN}`)
    .orderBy('u.id')
    .execute();
  // Show managers with work still to do first: a return in progress, then one not started (case audits are not theirs).
  const pending = await db
    .selectFrom('responses as s')
    .innerJoin('teams as t', 't.id', 's.team_id')
    .select(['t.name', 's.status'])
    .where('s.status', 'in', ['in_progress', 'not_started', 'returned'])
    .where('s.case_id', 'is', null)
    .orderBy('s.status')
    .orderBy('t.name')
    .execute();
  const rank = (team: string | null) => {
    const index = pending.findIndex((p) => p.name === team);
    return index === -1 ? Number.MAX_SAFE_INTEGER : index;
  };
  rows.sort((a, b) => (a.role === 'manager' && b.role === 'manager' ? rank(a.team) - rank(b.team) : 0));
  const logins: DemoLogin[] = [];
  const auditors: DemoLogin[] = [];
  for (const row of rows) {
    if (row.role === 'admin') logins.push({ role: 'Administrator', email: row.email, scope: 'everything' });
    else if (row.role === 'reviewer') logins.push({ role: 'Reviewer', email: row.email, scope: row.area ?? 'all of Kent' });
    else if (row.role === 'auditor') {
      // An auditor who also manages a team: the audits of that team's cases are refused them.
      const manages = rows.find((r) => r.email === row.email && r.role === 'manager')?.team;
      const scope = (row.area ?? 'all of Kent') + (manages ? `, also manager of ${manages} (refused its cases)` : '');
      auditors.push({ role: 'Auditor', email: row.email, scope });
    } else if (logins.filter((l) => l.role === 'Team manager').length < 2) logins.push({ role: 'Team manager', email: row.email, scope: row.team ?? '' });
  }
  return [...logins, ...auditors];
}
