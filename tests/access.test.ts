import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  areaReviewedBy,
  canAuditTeam,
  canEditResponse,
  canSeeResponse,
  responseVisibleTo,
  teamAuditedBy,
  type ResponseFacts,
  canManageTeam,
  canReviewArea,
  canSeeTeam,
  reachOf,
  reviewedAreaIds,
  teamManagedBy,
  teamReviewedBy,
  teamVisibleTo,
  type AccessUser,
} from '../app/models/access.server';
import { loadScope } from '../app/models/aggregation/scope.server';
import { listManagedTeams, listReviewedTeams, listVisibleTeams } from '../app/models/organisation.server';
import { listManagedResponses, listVisibleResponses } from '../app/models/responses.server';
import { createRound, findVisibleRound, listRounds } from '../app/models/rounds.server';
import { loadCurrentUser, type CurrentUser } from '../app/models/users.server';
import { createTestDatabase, type TestDatabase } from './helpers/db';
import { createArea, createTeam, createUser, publishFixtureSurveys } from './helpers/factories';

/**
 * One rule, two forms: for every role, the code form (canSeeTeam…) and the SQL form (teamVisibleTo…) of
 * app/models/access.server.ts pick the same teams of a small organisation, and those are the teams the role should
 * reach (pinned by name, so a rule wrong in both forms still fails).
 */

let test: TestDatabase;
type Team = { id: number; name: string; area_id: number };
let teams: Team[];
let areas: Record<'north' | 'south' | 'west', { id: number }>;
const byName = (name: string) => teams.find((t) => t.name === name)!;
let users: Record<string, CurrentUser>;

async function grant(user: CurrentUser, role: 'manager' | 'reviewer', scope: { areaId?: number; teamId?: number }): Promise<CurrentUser> {
  await test.db
    .insertInto('memberships')
    .values({ user_id: user.id, role, area_id: scope.areaId ?? null, team_id: scope.teamId ?? null })
    .execute();
  return (await loadCurrentUser(test.db, user.id))!;
}

beforeAll(async () => {
  test = await createTestDatabase();
  areas = { north: await createArea(test.db, 'North'), south: await createArea(test.db, 'South'), west: await createArea(test.db, 'West') };
  teams = [
    await createTeam(test.db, areas.north.id, 'duty-initial-assessment', 'North Duty'),
    await createTeam(test.db, areas.north.id, 'disability', 'North Disability'),
    await createTeam(test.db, areas.south.id, 'duty-initial-assessment', 'South Duty'),
    await createTeam(test.db, areas.south.id, 'looked-after-children', 'South Children in Care'),
    await createTeam(test.db, areas.west.id, 'duty-initial-assessment', 'West Duty'),
  ];
  const nobody = await test.db
    .insertInto('users')
    .values({ email: 'nobody@test.example', name: 'No Role', password_hash: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  users = {
    admin: await createUser(test.db, 'admin', {}, 'Admin'),
    authorityReviewer: await createUser(test.db, 'reviewer', {}, 'Authority Reviewer'),
    northReviewer: await createUser(test.db, 'reviewer', { areaId: areas.north.id }, 'North Reviewer'),
    northSouthReviewer: await grant(await createUser(test.db, 'reviewer', { areaId: areas.north.id }, 'North South Reviewer'), 'reviewer', {
      areaId: areas.south.id,
    }),
    northDutyManager: await createUser(test.db, 'manager', { teamId: byName('North Duty').id }, 'North Duty Manager'),
    twoTeamManager: await grant(await createUser(test.db, 'manager', { teamId: byName('North Duty').id }, 'Two Team Manager'), 'manager', {
      teamId: byName('South Duty').id,
    }),
    // Reviews North, manages a team in West.
    managerAndReviewer: await grant(await createUser(test.db, 'reviewer', { areaId: areas.north.id }, 'Manager And Reviewer'), 'manager', {
      teamId: byName('West Duty').id,
    }),
    noRole: (await loadCurrentUser(test.db, nobody.id))!,
  };
});
afterAll(() => test.destroy());

const ALL = ['North Duty', 'North Disability', 'South Duty', 'South Children in Care', 'West Duty'];
const NORTH = ['North Duty', 'North Disability'];
const SOUTH = ['South Duty', 'South Children in Care'];

/** What each role should reach, by team name. */
const expected: Record<string, { see: string[]; manage: string[]; review: string[] }> = {
  admin: { see: ALL, manage: [], review: ALL },
  authorityReviewer: { see: ALL, manage: [], review: ALL },
  northReviewer: { see: NORTH, manage: [], review: NORTH },
  northSouthReviewer: { see: [...NORTH, ...SOUTH], manage: [], review: [...NORTH, ...SOUTH] },
  northDutyManager: { see: ['North Duty'], manage: ['North Duty'], review: [] },
  twoTeamManager: { see: ['North Duty', 'South Duty'], manage: ['North Duty', 'South Duty'], review: [] },
  managerAndReviewer: { see: [...NORTH, 'West Duty'], manage: ['West Duty'], review: NORTH },
  noRole: { see: [], manage: [], review: [] },
};

async function teamsWhere(condition: ReturnType<typeof teamVisibleTo>): Promise<string[]> {
  const rows = await test.db.selectFrom('teams as t').select('t.name').where(condition).execute();
  return rows.map((r) => r.name).sort();
}

const sorted = (names: string[]) => [...names].sort();

describe.each(Object.keys(expected))('%s', (role) => {
  const user = () => users[role];

  it('sees the same teams in code and in SQL', async () => {
    const inCode = teams.filter((t) => canSeeTeam(user(), t)).map((t) => t.name);
    expect(sorted(inCode)).toEqual(sorted(expected[role].see));
    expect(await teamsWhere(teamVisibleTo(user(), 't'))).toEqual(sorted(inCode));
  });

  it('manages the same teams in code and in SQL', async () => {
    const inCode = teams.filter((t) => canManageTeam(user(), t.id)).map((t) => t.name);
    expect(sorted(inCode)).toEqual(sorted(expected[role].manage));
    expect(await teamsWhere(teamManagedBy(user(), 't'))).toEqual(sorted(inCode));
  });

  it('reviews the same teams and areas in code and in SQL', async () => {
    const inCode = teams.filter((t) => canReviewArea(user(), t.area_id)).map((t) => t.name);
    expect(sorted(inCode)).toEqual(sorted(expected[role].review));
    expect(await teamsWhere(teamReviewedBy(user(), 't'))).toEqual(sorted(inCode));
    const areasInSql = await test.db
      .selectFrom('areas as a')
      .select('a.id')
      .where(areaReviewedBy(user(), sql.ref('a.id')))
      .execute();
    const areasInCode = Object.values(areas).filter((a) => canReviewArea(user(), a.id));
    expect(areasInSql.map((a) => a.id).sort()).toEqual(areasInCode.map((a) => a.id).sort());
    const reviewed = reviewedAreaIds(user());
    expect(reviewed === 'all' ? Object.values(areas).map((a) => a.id) : reviewed).toEqual(expect.arrayContaining(areasInCode.map((a) => a.id)));
  });

  it('reviews only teams it sees', () => {
    for (const team of teams) if (canReviewArea(user(), team.area_id)) expect(canSeeTeam(user(), team)).toBe(true);
  });

  it('lists its teams through the same rule', async () => {
    const names = (rows: { name: string }[]) => rows.map((r) => r.name).sort();
    expect(names(await listVisibleTeams(test.db, user()))).toEqual(sorted(expected[role].see));
    expect(names(await listManagedTeams(test.db, user()))).toEqual(sorted(expected[role].manage));
    expect(names(await listReviewedTeams(test.db, user()))).toEqual(sorted(expected[role].review));
  });
});

describe('a reach', () => {
  it('keeps an authority-wide reviewer authority-wide even with an area of their own', () => {
    const user: AccessUser = { isAdmin: false, reviewerAreaIds: 'all', managedTeamIds: [7] };
    expect(reachOf(user)).toEqual({ see: 'all', manage: [7], review: 'all', audit: [] });
  });
});

describe('rounds and figures, for someone who manages a team outside the area they review', () => {
  let westOnly: { id: number };
  let mixed: { id: number };

  beforeAll(async () => {
    const versions = await publishFixtureSurveys(test.db);
    const round = (name: string, names: string[]) =>
      createRound(test.db, { name, questionnaireVersionId: versions['fixture-check@1'], dueDate: '2009-01-30', teamIds: names.map((n) => byName(n).id) }, null);
    westOnly = await round('West only', ['West Duty']);
    mixed = await round('North and West', ['North Duty', 'West Duty', 'South Duty']);
  });

  it('lists only the rounds they review, counting the responses they see', async () => {
    const user = users.managerAndReviewer;
    const listed = await listRounds(test.db, user);
    expect(listed.map((r) => r.id)).toEqual([mixed.id]);
    expect(listed[0].responses).toBe(2); // North Duty (reviewed) and West Duty (managed); not South Duty
    expect(await findVisibleRound(test.db, user, westOnly.id)).toBeNull();
    expect(await findVisibleRound(test.db, user, mixed.id)).toMatchObject({ id: mixed.id, whollyInScope: false });
  });

  it('counts figures over the areas they review only, not the team they manage', async () => {
    const scope = await loadScope(test.db, users.managerAndReviewer, mixed.id, { areaId: null, teamType: null, includeInProgress: true });
    expect(scope!.matching.map((r) => r.teamName)).toEqual(['North Duty']);
    expect(await loadScope(test.db, users.managerAndReviewer, westOnly.id)).toBeNull();
  });

  it('shows them their own team and responses as a manager', async () => {
    const user = users.managerAndReviewer;
    expect((await listManagedResponses(test.db, user)).map((r) => [r.round_name, r.team_name]).sort()).toEqual([
      ['North and West', 'West Duty'],
      ['West only', 'West Duty'],
    ]);
    expect((await listVisibleResponses(test.db, user)).map((r) => r.team_name).sort()).toEqual(['North Duty', 'West Duty', 'West Duty']);
    expect(await listManagedResponses(test.db, users.noRole)).toEqual([]);
    expect(await listRounds(test.db, users.noRole)).toEqual([]);
  });
});

// Last: its audits would change the counts of the tests above.
describe('case audits: one rule, two forms', () => {
  /**
   * Audits of every kind (not taken on, taken on by each auditor, submitted, second audits) in every team; for each
   * user the code form (canSeeResponse, canAuditTeam) and the SQL form (responseVisibleTo, teamAuditedBy) pick the
   * same ones, and those are the ones pinned here by rule.
   */
  let auditors: Record<'north' | 'authority', CurrentUser>;
  let audits: Array<ResponseFacts & { id: number; team: string }>;

  beforeAll(async () => {
    const north = await createUser(test.db, 'auditor', { areaId: areas.north.id }, 'North Auditor');
    // Audits for the whole authority and manages North Duty: never North Duty's cases.
    const authority = await grant(await createUser(test.db, 'auditor', {}, 'Authority Auditor'), 'manager', { teamId: byName('North Duty').id });
    auditors = { north, authority };
    const versions = await publishFixtureSurveys(test.db);
    const round = await createRound(
      test.db,
      { subject: 'case', name: 'Audit', questionnaireVersionId: versions['fixture-check@1'], dueDate: '2009-06-30', teamIds: teams.map((t) => t.id) },
      null,
    );
    audits = [];
    let n = 0;
    for (const team of teams) {
      for (const [auditorId, status] of [
        [null, 'not_started'],
        [north.id, 'in_progress'],
        [north.id, 'submitted'],
        [authority.id, 'submitted'],
      ] as const) {
        const kase = await test.db
          .insertInto('audit_cases')
          .values({ round_id: round.id, team_id: team.id, reference: `C-${++n}`, kind: 'other', selected: 'hand' })
          .returning('id')
          .executeTakeFirstOrThrow();
        const first = await test.db
          .insertInto('responses')
          .values({
            round_id: round.id,
            team_id: team.id,
            case_id: kase.id,
            questionnaire_version_id: round.questionnaire_version_id,
            auditor_id: auditorId,
            status,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        const facts = { team_id: team.id, area_id: team.area_id, subject: 'case' as const, auditor_id: auditorId, team: team.name };
        audits.push({ ...facts, id: first.id, status, moderation_of: null });
        if (status === 'submitted') {
          const second = await test.db
            .insertInto('responses')
            .values({
              round_id: round.id,
              team_id: team.id,
              case_id: kase.id,
              questionnaire_version_id: round.questionnaire_version_id,
              auditor_id: auditorId === north.id ? authority.id : north.id,
              status: 'submitted',
              moderation_of: first.id,
            })
            .returning('id')
            .executeTakeFirstOrThrow();
          audits.push({ ...facts, id: second.id, status: 'submitted', moderation_of: first.id, auditor_id: auditorId === north.id ? authority.id : north.id });
        }
      }
    }
  });

  const seenInSql = async (user: CurrentUser) =>
    (
      await test.db
        .selectFrom('responses as s')
        .innerJoin('teams as t', 't.id', 's.team_id')
        .innerJoin('rounds as r', 'r.id', 's.round_id')
        .select('s.id')
        .where('r.subject', '=', 'case')
        .where(responseVisibleTo(user))
        .execute()
    )
      .map((r) => r.id)
      .sort((a, b) => a - b);
  const seenInCode = (user: CurrentUser) =>
    audits
      .filter((a) => canSeeResponse(user, a))
      .map((a) => a.id)
      .sort((a, b) => a - b);

  it('audits the teams of their areas, never a team they manage, in code and in SQL', async () => {
    const audited = async (user: CurrentUser) => ({
      code: teams.filter((t) => canAuditTeam(user, t)).map((t) => t.name),
      sql: await teamsWhere(teamAuditedBy(user, 't')),
    });
    expect(await audited(auditors.north)).toEqual({ code: NORTH, sql: sorted(NORTH) });
    const others = ALL.filter((name) => name !== 'North Duty');
    expect(await audited(auditors.authority)).toEqual({ code: others, sql: sorted(others) });
    expect(await audited(users.northReviewer)).toEqual({ code: [], sql: [] });
  });

  it.each(['north', 'authority'] as const)('shows the %s auditor the audits they do and those nobody has taken on, in code and in SQL', async (name) => {
    const user = auditors[name];
    const asAuditor = (a: ResponseFacts) => canAuditTeam(user, { id: a.team_id, area_id: a.area_id }) && (a.auditor_id === null || a.auditor_id === user.id);
    // The authority auditor also manages North Duty: as its manager, they read its completed first audits.
    const asManager = (a: ResponseFacts) => canManageTeam(user, a.team_id) && a.status === 'submitted' && a.moderation_of === null;
    const expectedIds = audits
      .filter((a) => asAuditor(a) || asManager(a))
      .map((a) => a.id)
      .sort((a, b) => a - b);
    expect(seenInCode(user)).toEqual(expectedIds);
    expect(await seenInSql(user)).toEqual(expectedIds);
    // Blind: never the other auditor's audit of a case.
    const other = name === 'north' ? auditors.authority.id : auditors.north.id;
    expect(audits.filter((a) => expectedIds.includes(a.id) && !asManager(a)).every((a) => a.auditor_id !== other)).toBe(true);
  });

  it('shows a manager only their team’s completed first audits, in code and in SQL', async () => {
    const expectedIds = audits
      .filter((a) => a.team === 'North Duty' && a.status === 'submitted' && a.moderation_of === null)
      .map((a) => a.id)
      .sort((a, b) => a - b);
    expect(expectedIds).toHaveLength(2);
    expect(seenInCode(users.northDutyManager)).toEqual(expectedIds);
    expect(await seenInSql(users.northDutyManager)).toEqual(expectedIds);
  });

  it.each(['northReviewer', 'authorityReviewer', 'noRole'])('shows %s every audit of the areas they review, in code and in SQL', async (role) => {
    const user = users[role];
    const expectedIds = audits
      .filter((a) => canReviewArea(user, a.area_id))
      .map((a) => a.id)
      .sort((a, b) => a - b);
    expect(seenInCode(user)).toEqual(expectedIds);
    expect(await seenInSql(user)).toEqual(expectedIds);
  });

  it('lets only the audit’s own auditor change it', () => {
    const taken = audits.find((a) => a.auditor_id === auditors.north.id && a.team === 'North Disability')!;
    expect(canEditResponse(auditors.north, taken)).toBe(true);
    expect(canEditResponse(auditors.authority, taken)).toBe(false);
    expect(canEditResponse(users.northReviewer, taken)).toBe(false);
    const open = audits.find((a) => a.auditor_id === null)!;
    expect(canEditResponse(auditors.north, open)).toBe(false);
  });
});
