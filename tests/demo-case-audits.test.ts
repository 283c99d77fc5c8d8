import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { moderationReport, takeOnAudit } from '../app/models/case-audits.server';
import { allocate, CASE_KINDS, drawSample, type CaseKind } from '../app/models/case-sampling.server';
import { getQuestionnaireVersion } from '../app/models/questionnaires.server';
import { loadRegistry, publishRegistry } from '../app/models/registry.server';
import { validateChange } from '../app/models/responses.server';
import { findUserByEmail, loadCurrentUser, type CurrentUser } from '../app/models/users.server';
import { assessAnswers } from '../app/models/validation.server';
import type { Executor } from '../db/index';
import {
  DEMO_AUDITORS,
  DEMO_CASE_ROUND,
  DEMO_CASE_SAMPLE_RULE,
  DEMO_CASES_PER_TEAM,
  DEMO_MANAGER_AUDITOR,
  seedCaseAudits,
  seedDemoAuditors,
} from '../db/seed/case-audits';
import { demoTeams, formatLogins, seedDemoOrganisation } from '../db/seed/demo';
import { demoLogins, seedDemo } from '../db/seed/seed';
import { createTestDatabase, type TestDatabase } from './helpers/db';

// The demo's synthetic case-file audit round (npm start): the uploaded cases and a recorded, stratified sample of six
// per team, audits by the demo auditors (never of a team they manage), about one in ten audited a second time with
// some disagreements and moderated answers, managers' replies; the same data on every seed.

const MANAGER_AUDITOR = `manager.${DEMO_MANAGER_AUDITOR.teamSlug}@demo.stocktake.example`;

let test: TestDatabase;
let again: TestDatabase;
let reviewer: CurrentUser;
let roundId: number;

async function userNamed(db: Executor, email: string): Promise<CurrentUser> {
  const row = await findUserByEmail(db, email);
  return (await loadCurrentUser(db, row!.id))!;
}

/** Every audit of the demo round, first and second, with its case, team and auditor, in an order ids do not decide. */
async function auditsOf(db: Executor) {
  const rows = await db
    .selectFrom('responses as s')
    .innerJoin('rounds as r', 'r.id', 's.round_id')
    .innerJoin('audit_cases as c', 'c.id', 's.case_id')
    .innerJoin('teams as t', 't.id', 's.team_id')
    .leftJoin('users as u', 'u.id', 's.auditor_id')
    .select([
      's.id',
      's.status',
      's.data',
      's.moderation_of',
      's.auditor_id',
      's.team_id',
      't.slug',
      't.area_id',
      'c.reference',
      'c.kind',
      'u.email as auditor',
    ])
    .where('r.name', '=', DEMO_CASE_ROUND)
    .execute();
  return rows.sort((a, b) => `${a.slug} ${a.reference} ${a.moderation_of ?? 0}`.localeCompare(`${b.slug} ${b.reference} ${b.moderation_of ?? 0}`));
}

beforeAll(async () => {
  test = await createTestDatabase();
  await publishRegistry(test.db, loadRegistry(path.resolve('surveys')));
  await seedDemo(test.db);
  reviewer = await userNamed(test.db, 'reviewer@demo.stocktake.example');
  roundId = (await test.db.selectFrom('rounds').select('id').where('name', '=', DEMO_CASE_ROUND).executeTakeFirstOrThrow()).id;
}, 300_000);
afterAll(async () => {
  await test?.destroy();
  await again?.destroy();
});

describe('the demo case-file audit round', () => {
  it('audits every demo team on the case-file audit, repeating yearly', async () => {
    const round = await test.db
      .selectFrom('rounds as r')
      .innerJoin('questionnaire_versions as v', 'v.id', 'r.questionnaire_version_id')
      .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
      .select(['r.subject', 'r.repeat_months', 'r.sample_rule', 'q.slug', 'v.version'])
      .where('r.id', '=', roundId)
      .executeTakeFirstOrThrow();
    expect(round).toMatchObject({ subject: 'case', repeat_months: 12, slug: 'case-file-audit', version: 1 });
    expect(round.sample_rule).toEqual(DEMO_CASE_SAMPLE_RULE);
    const teams = await test.db.selectFrom('round_teams').select('team_id').where('round_id', '=', roundId).execute();
    expect(teams).toHaveLength(demoTeams().length);
  });

  it('holds ten uploaded cases per team and a sample of six, drawn in proportion to each kind of case', async () => {
    const cases = await test.db.selectFrom('audit_cases').selectAll().where('round_id', '=', roundId).execute();
    const byTeam = new Map<number, typeof cases>();
    for (const c of cases) byTeam.set(c.team_id, [...(byTeam.get(c.team_id) ?? []), c]);
    expect(byTeam.size).toBe(demoTeams().length);
    for (const [, teamCases] of byTeam) {
      expect(teamCases).toHaveLength(DEMO_CASES_PER_TEAM);
      expect(teamCases.every((c) => /^CF-[A-Z-]+-\d{2}$/.test(c.reference) && c.worker)).toBe(true);
      const drawn = teamCases.filter((c) => c.selected === 'drawn');
      expect(drawn).toHaveLength(6);
      const offered = CASE_KINDS.map((kind) => teamCases.filter((c) => c.kind === kind).length);
      const shares = allocate(
        6,
        offered.filter((n) => n > 0),
      );
      const kinds = CASE_KINDS.filter((_, i) => offered[i] > 0);
      expect(kinds.map((kind) => drawn.filter((c) => c.kind === kind).length)).toEqual(shares);
    }
    const kinds = new Set(cases.map((c) => c.kind));
    expect([...kinds].sort()).toEqual([...CASE_KINDS].sort()); // a mix of every kind across the round
  });

  it('records the draw with its rule, and the rule draws the same sample again', async () => {
    const draws = await test.db.selectFrom('case_draws').selectAll().where('round_id', '=', roundId).execute();
    expect(draws).toHaveLength(1);
    expect(draws[0]).toMatchObject({ rule: DEMO_CASE_SAMPLE_RULE, teams: demoTeams().length, cases: 6 * demoTeams().length, drawn_by: reviewer.id });
    const cases = await test.db.selectFrom('audit_cases').selectAll().where('round_id', '=', roundId).execute();
    expect(cases.filter((c) => c.selected === 'drawn').every((c) => c.draw_id === draws[0].id)).toBe(true);
    const event = await test.db.selectFrom('audit_events').select('details').where('action', '=', 'cases.sample').executeTakeFirstOrThrow();
    expect(event.details).toMatchObject({ drawId: draws[0].id, rule: DEMO_CASE_SAMPLE_RULE });

    const redrawn = drawSample(
      cases.map((c) => ({ teamId: c.team_id, reference: c.reference, kind: c.kind as CaseKind, worker: c.worker, openedOn: null })),
      draws[0].rule,
    );
    const key = (teamId: number, reference: string) => `${teamId} ${reference}`;
    expect(redrawn.flatMap((t) => t.cases.map((c) => key(t.teamId, c.reference))).sort()).toEqual(
      cases
        .filter((c) => c.selected === 'drawn')
        .map((c) => key(c.team_id, c.reference))
        .sort(),
    );
  });

  it('has most audits submitted, a few in progress, taken on but not started, or waiting for an auditor', async () => {
    const firsts = (await auditsOf(test.db)).filter((a) => a.moderation_of === null);
    expect(firsts).toHaveLength(6 * demoTeams().length);
    const submitted = firsts.filter((a) => a.status === 'submitted').length;
    expect(submitted / firsts.length).toBeGreaterThan(0.7);
    expect(firsts.filter((a) => a.status === 'in_progress').length).toBeGreaterThan(3);
    expect(firsts.filter((a) => a.status === 'not_started' && a.auditor).length).toBeGreaterThan(0);
    expect(firsts.filter((a) => a.status === 'not_started' && !a.auditor).length).toBeGreaterThan(0);
    const auditors = new Set(firsts.map((a) => a.auditor).filter(Boolean));
    expect([...auditors].sort()).toEqual([...DEMO_AUDITORS.map((a) => a.email), MANAGER_AUDITOR].sort());
  });

  it('writes audits the questionnaire accepts: submitted ones pass every check of a submit', async () => {
    const audits = await auditsOf(test.db);
    const version = await getQuestionnaireVersion(
      test.db,
      (await test.db.selectFrom('rounds').select('questionnaire_version_id').where('id', '=', roundId).executeTakeFirstOrThrow()).questionnaire_version_id,
    );
    const problems: unknown[] = [];
    for (const audit of audits) {
      if (audit.status === 'submitted') {
        const { errors } = assessAnswers(version, audit.data, 'submit');
        if (errors.length) problems.push({ reference: audit.reference, errors });
      } else if (audit.status === 'in_progress') {
        const { errors } = validateChange(version, {}, { set: audit.data, unset: [] });
        if (errors.length) problems.push({ reference: audit.reference, errors });
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);

  it('echoes the exceptions Kent’s first review found, and grades mostly adequate or good', async () => {
    const done = (await auditsOf(test.db)).filter((a) => a.moderation_of === null && a.status === 'submitted').map((a) => a.data);
    const share = (question: string, value: string) => {
      const applicable = done.filter((d) => d[question] !== undefined && d[question] !== 'na');
      return applicable.filter((d) => d[question] === value).length / applicable.length;
    };
    expect(share('referrer_told_outcome', 'yes')).toBeLessThan(0.55);
    expect(share('agency_checks_before_s47', 'yes')).toBeLessThan(0.55);
    expect(share('strategy_all_agencies', 'yes')).toBeLessThan(0.5);
    // Audits read from ICS alone confirm fewer standards, and find key records missing more often.
    const met = (sources: string) => {
      const some = done.filter((d) => d.evidence_sources === sources);
      return some.filter((d) => d.manager_decisions_recorded === 'yes').length / some.length;
    };
    expect(met('electronic')).toBeLessThan(met('both'));
    const notFound = (sources: string) => {
      const some = done.filter((d) => d.evidence_sources === sources);
      return some.filter((d) => d.record_location === 'not-found').length / some.length;
    };
    expect(notFound('electronic')).toBeGreaterThan(notFound('both'));
    const grades = (grade: string) => done.filter((d) => d.practice_grade === grade).length / done.length;
    expect(grades('adequate') + grades('good')).toBeGreaterThan(0.65);
    expect(grades('inadequate')).toBeGreaterThan(0.05);
    expect(grades('inadequate')).toBeLessThan(0.3);
  });

  it('moderates about one completed audit in ten: second audits by another auditor, disagreements, moderated answers', async () => {
    const audits = await auditsOf(test.db);
    const firsts = new Map(audits.filter((a) => a.moderation_of === null).map((a) => [a.id, a]));
    const seconds = audits.filter((a) => a.moderation_of !== null);
    const submitted = [...firsts.values()].filter((a) => a.status === 'submitted').length;
    expect(seconds.length / submitted).toBeGreaterThan(0.07);
    expect(seconds.length / submitted).toBeLessThan(0.13);
    for (const second of seconds) {
      const first = firsts.get(second.moderation_of!)!;
      expect(first.status).toBe('submitted');
      expect(second.auditor).toBeTruthy();
      expect(second.auditor).not.toBe(first.auditor);
    }
    expect(seconds.filter((a) => a.status === 'submitted').length).toBeGreaterThan(seconds.length / 2);

    const report = await moderationReport(test.db, reviewer, roundId);
    expect(report.pairs).toBeGreaterThan(5);
    expect(report.waiting).toBeGreaterThan(0);
    expect(report.disagreements.length).toBeGreaterThan(3);
    const decided = report.disagreements.filter((d) => d.decision);
    expect(decided.length).toBeGreaterThanOrEqual(2);
    expect(decided.every((d) => d.decision!.note.startsWith('Synthetic demo'))).toBe(true);
  });

  it('never has an auditor audit a team they manage; the manager who audits is refused their own team', async () => {
    const memberships = await test.db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['u.email', 'm.role', 'm.area_id', 'm.team_id'])
      .execute();
    const managed = (email: string | null) => memberships.filter((m) => m.email === email && m.role === 'manager').map((m) => m.team_id);
    const audits = await auditsOf(test.db);
    expect(audits.filter((a) => a.auditor && managed(a.auditor).includes(a.team_id))).toEqual([]);

    // The two demo auditors manage no team; the manager who also audits does so for their own area.
    for (const auditor of DEMO_AUDITORS) {
      expect(managed(auditor.email)).toEqual([]);
      expect(memberships.filter((m) => m.email === auditor.email).map((m) => m.role)).toEqual(['auditor']);
    }
    expect(memberships.filter((m) => m.email === 'auditor@demo.stocktake.example')[0].area_id).toBeNull();
    const managerAuditor = await userNamed(test.db, MANAGER_AUDITOR);
    expect(managerAuditor.managedTeamIds).toHaveLength(1);
    expect(audits.some((a) => a.auditor === MANAGER_AUDITOR)).toBe(true);
    // A completed audit of their own team they may read, as its manager, but not take on as an auditor.
    const own = audits.find((a) => a.team_id === managerAuditor.managedTeamIds[0] && a.moderation_of === null && a.status === 'submitted')!;
    await expect(takeOnAudit(test.db, managerAuditor, own.id)).rejects.toMatchObject({ status: 403 });
  });

  it('has a few managers’ replies to completed audits: agreeing, partly agreeing and disagreeing', async () => {
    const replies = await test.db
      .selectFrom('audit_replies as ar')
      .innerJoin('responses as s', 's.id', 'ar.response_id')
      .innerJoin('memberships as m', (join) => join.onRef('m.user_id', '=', 'ar.author_id').onRef('m.team_id', '=', 's.team_id'))
      .select(['ar.stance', 'ar.body', 's.status', 's.moderation_of', 'm.role'])
      .execute();
    expect(replies.length).toBeGreaterThanOrEqual(3);
    expect(new Set(replies.map((r) => r.stance))).toEqual(new Set(['agree', 'partly', 'disagree']));
    expect(replies.every((r) => r.status === 'submitted' && r.moderation_of === null && r.role === 'manager' && r.body.startsWith('Synthetic demo'))).toBe(
      true,
    );
  });

  it('lists the auditors among the demo logins', async () => {
    const logins = await demoLogins(test.db);
    const auditors = logins.filter((l) => l.role === 'Auditor');
    expect(auditors.map((l) => l.email).sort()).toEqual([...DEMO_AUDITORS.map((a) => a.email), MANAGER_AUDITOR].sort());
    expect(auditors.find((l) => l.email === MANAGER_AUDITOR)!.scope).toMatch(/East Kent, also manager of .*refused its cases/);
    expect(formatLogins(logins)).toContain('west.auditor@demo.stocktake.example');
    // Case audits do not decide which managers are shown first (those with a team return still to do).
    expect(logins.filter((l) => l.role === 'Team manager')).toHaveLength(2);
  });

  it('seeds the same cases, sample, auditors and answers on another database', async () => {
    again = await createTestDatabase();
    await publishRegistry(again.db, loadRegistry(path.resolve('surveys')));
    await seedDemoOrganisation(again.db);
    await seedDemoAuditors(again.db);
    await seedCaseAudits(again.db);
    const shape = async (db: Executor) =>
      (await auditsOf(db)).map((a) => ({
        team: a.slug,
        reference: a.reference,
        second: a.moderation_of !== null,
        status: a.status,
        auditor: a.auditor,
        data: a.data,
      }));
    expect(await shape(again.db)).toEqual(await shape(test.db));
    // A second seed of the same database leaves the round as it is.
    const before = await shape(again.db);
    await seedDemoAuditors(again.db);
    await seedCaseAudits(again.db);
    expect(await shape(again.db)).toEqual(before);
  }, 120_000);
});
