import path from 'node:path';
import type { Executor } from '../../db/index';
import { jsonb } from '../../db/json';
import type { ResponseStatus, TeamType } from '../../db/schema';
import { rewriteAnswers } from '../../app/models/answers.server';
import { getQuestionnaireVersion } from '../../app/models/questionnaires.server';
import { loadRegistry, publishRegistry } from '../../app/models/registry.server';
import { createRound } from '../../app/models/rounds.server';
import type { CurrentUser } from '../../app/models/users.server';
import { createUser } from './factories';

/**
 * A small fixture for the aggregation tests, with numbers chosen so every figure can be worked out by hand (the
 * expected values in tests/aggregation.test.ts are written out, not computed by the code under test).
 *
 *   area    team          type          P1 status     est perm agency vacant workers avg highest nqsw nqswAvg protected threshold
 *   North   Alpha Duty    duty          submitted     10   7    1      2      8      20   30     1    12      yes       -2
 *   North   Bravo CP      long-term     submitted      8   7    0      1      6      25   32     0    –       –         -1
 *   South   Charlie Duty  duty          submitted     12   7    1      4      8      30   40     2    16      no         0
 *   South   Delta CP      long-term     submitted      6   5    1      0      6      15   20     0    –       –         +1
 *   South   Echo Duty     duty          in_progress    4   2    0      2      2      10   12     0    –       –         -1
 *   North   Foxtrot LAC   looked-after  not_started   (no answers)
 */

/** Writes a response's answers directly (data, status and answer rows in one transaction), as the save function would. */
export async function writeResponse(db: Executor, responseId: number, data: Record<string, unknown>, status: ResponseStatus): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const response = await trx
      .updateTable('responses')
      .set({
        data: jsonb(data),
        status,
        revision: 1,
        submitted_at: status === 'submitted' ? new Date('2009-01-30T12:00:00Z') : null,
        updated_at: new Date(),
      })
      .where('id', '=', responseId)
      .returning(['id', 'round_id', 'team_id', 'questionnaire_version_id'])
      .executeTakeFirstOrThrow();
    const version = await getQuestionnaireVersion(trx, response.questionnaire_version_id);
    await rewriteAnswers(trx, { responseId: response.id, roundId: response.round_id, teamId: response.team_id }, version.catalogue, data, 'all');
  });
}

export const MONTHS = ['2008-05', '2008-06', '2008-07', '2008-08', '2008-09', '2008-10', '2008-11', '2008-12'];

/** Monthly activity: each column's values for May to December 2008 (blank columns are left out). */
function monthly(columns: Record<string, number[]>): Record<string, Record<string, number>> {
  return Object.fromEntries(MONTHS.map((month, i) => [month, Object.fromEntries(Object.entries(columns).map(([column, values]) => [column, values[i]]))]));
}

const seven = (value: number, december: number) => [value, value, value, value, value, value, value, december];

type TeamSpec = {
  key: 'alpha' | 'bravo' | 'charlie' | 'delta' | 'echo' | 'foxtrot';
  name: string;
  area: 'north' | 'south';
  type: TeamType;
  status: ResponseStatus;
};

export const FIXTURE_TEAMS: TeamSpec[] = [
  { key: 'alpha', name: 'Alpha Duty', area: 'north', type: 'duty-initial-assessment', status: 'submitted' },
  { key: 'bravo', name: 'Bravo CP', area: 'north', type: 'long-term-child-protection', status: 'submitted' },
  { key: 'charlie', name: 'Charlie Duty', area: 'south', type: 'duty-initial-assessment', status: 'submitted' },
  { key: 'delta', name: 'Delta CP', area: 'south', type: 'long-term-child-protection', status: 'submitted' },
  { key: 'echo', name: 'Echo Duty', area: 'south', type: 'duty-initial-assessment', status: 'in_progress' },
  { key: 'foxtrot', name: 'Foxtrot LAC', area: 'north', type: 'looked-after-children', status: 'not_started' },
];

const PHASE1: Record<string, Record<string, unknown>> = {
  alpha: {
    team_type: 'duty-initial-assessment',
    establishment_fte: 10,
    filled_permanent_fte: 7,
    filled_agency_fte: 1,
    vacant_fte: 2,
    senior_practitioners: 1,
    case_holding_workers: 8,
    average_caseload: 20,
    highest_caseload: 30,
    nqsw_count: 1,
    nqsw_average_caseload: 12,
    nqsw_caseload_protected: true,
    referrals_monthly: monthly({
      new_referrals: seven(10, 20),
      strategy_discussions: seven(4, 10),
      s47_enquiries: [2, 3, 4, 5, 6, 7, 8, 9],
      initial_cp_conferences: seven(2, 9),
    }),
    threshold_change: -2,
    threshold_change_detail: 'Strategy discussion for any unexplained injury to a baby.',
    threshold_tools: ['chin_matrix', 'caf'],
    supervision_frequency: 'monthly',
    practice_consistency: { notify_referrer: 'always' },
  },
  bravo: {
    team_type: 'long-term-child-protection',
    establishment_fte: 8,
    filled_permanent_fte: 7,
    filled_agency_fte: 0,
    vacant_fte: 1,
    senior_practitioners: 2,
    case_holding_workers: 6,
    average_caseload: 25,
    highest_caseload: 32,
    nqsw_count: 0,
    referrals_monthly: monthly({
      new_referrals: seven(5, 5),
      strategy_discussions: seven(0, 0),
      s47_enquiries: seven(0, 0),
      initial_cp_conferences: seven(0, 0),
    }),
    threshold_change: -1,
    threshold_change_detail: 'More cases go to initial conference.',
    threshold_tools: ['chin_matrix'],
    supervision_frequency: 'monthly',
    practice_consistency: { notify_referrer: 'usually' },
    caseload_notes: 'Two cases await transfer.',
  },
  charlie: {
    team_type: 'duty-initial-assessment',
    establishment_fte: 12,
    filled_permanent_fte: 7,
    filled_agency_fte: 1,
    vacant_fte: 4,
    senior_practitioners: 1,
    case_holding_workers: 8,
    average_caseload: 30,
    highest_caseload: 40,
    nqsw_count: 2,
    nqsw_average_caseload: 16,
    nqsw_caseload_protected: false,
    referrals_monthly: monthly({
      new_referrals: seven(20, 30),
      strategy_discussions: seven(6, 12),
      s47_enquiries: seven(0, 0),
      initial_cp_conferences: seven(0, 0),
    }),
    threshold_change: 0,
    threshold_tools: ['kscb_procedures', 'chin_matrix'],
    supervision_frequency: 'fortnightly',
    practice_consistency: { notify_referrer: 'always' },
    caseload_notes: 'One worker off sick.',
  },
  delta: {
    team_type: 'long-term-child-protection',
    establishment_fte: 6,
    filled_permanent_fte: 5,
    filled_agency_fte: 1,
    vacant_fte: 0,
    senior_practitioners: 0,
    case_holding_workers: 6,
    average_caseload: 15,
    highest_caseload: 20,
    nqsw_count: 0,
    referrals_monthly: monthly({
      new_referrals: seven(0, 1),
      strategy_discussions: seven(0, 0),
      s47_enquiries: seven(0, 0),
      initial_cp_conferences: seven(0, 0),
    }),
    threshold_change: 1,
    threshold_change_detail: 'Two vacant posts: only the highest-risk referrals are taken.',
    supervision_frequency: 'six_weekly',
    practice_consistency: { notify_referrer: 'rarely' },
  },
  echo: {
    team_type: 'duty-initial-assessment',
    establishment_fte: 4,
    filled_permanent_fte: 2,
    filled_agency_fte: 0,
    vacant_fte: 2,
    senior_practitioners: 0,
    case_holding_workers: 2,
    average_caseload: 10,
    highest_caseload: 12,
    nqsw_count: 0,
    referrals_monthly: monthly({
      new_referrals: seven(100, 100),
      strategy_discussions: seven(0, 0),
      s47_enquiries: seven(0, 0),
      initial_cp_conferences: seven(0, 0),
    }),
    threshold_change: -1,
    threshold_change_detail: 'In progress: not yet checked.',
    supervision_frequency: 'less_often',
    caseload_notes: 'Draft.',
  },
};

/** Phase 2 (version 2): senior_practitioners is now senior_practitioner_fte; Delta is still in progress in no way. */
const PHASE2: Record<string, Record<string, unknown>> = {
  alpha: { average_caseload: 22, senior_practitioner_fte: 1.5, threshold_change: -1, threshold_change_detail: 'Less cautious again.' },
  bravo: { average_caseload: 25, senior_practitioner_fte: 2, threshold_change: -1, threshold_change_detail: 'Unchanged.' },
  charlie: { average_caseload: 27, senior_practitioner_fte: 1, threshold_change: 0 },
  delta: { average_caseload: 18, senior_practitioner_fte: 0.5, threshold_change: 0 },
};

const JAR: Record<string, Record<string, unknown>> = {
  alpha: {
    jar_identifying_concerns: {
      ident_01: { rating: 'met', evidence: 'Duty log checked for December.' },
      ident_02: {
        rating: 'partly_met',
        evidence: 'Two children seen the next day.',
        action: 'Add a second duty manager.',
        owner: 'Team Manager',
        target_date: '2009-03-31',
      },
    },
  },
  bravo: {
    jar_identifying_concerns: {
      ident_01: { rating: 'not_met', action: 'Recruit to the vacant posts.', owner: 'Area Children’s Services Manager', target_date: '2009-04-30' },
    },
  },
  charlie: { jar_identifying_concerns: { ident_01: { rating: 'not_applicable' } } },
};

export type AggregationFixture = Awaited<ReturnType<typeof buildAggregationFixture>>;

export async function buildAggregationFixture(db: Executor) {
  await publishRegistry(db, loadRegistry(path.resolve('surveys')));
  const versions = await db
    .selectFrom('questionnaire_versions as v')
    .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
    .select(['v.id', 'q.slug', 'v.version'])
    .execute();
  const versionId = (slug: string, version: number) => versions.find((v) => v.slug === slug && v.version === version)!.id;

  const north = await db.insertInto('areas').values({ slug: 'north', name: 'North' }).returningAll().executeTakeFirstOrThrow();
  const south = await db.insertInto('areas').values({ slug: 'south', name: 'South' }).returningAll().executeTakeFirstOrThrow();
  const elsewhere = await db.insertInto('areas').values({ slug: 'elsewhere', name: 'Elsewhere' }).returningAll().executeTakeFirstOrThrow();
  const areaIds = { north: north.id, south: south.id };
  const teams = {} as Record<TeamSpec['key'], { id: number; name: string; areaId: number }>;
  for (const spec of FIXTURE_TEAMS) {
    const row = await db
      .insertInto('teams')
      .values({ slug: spec.key, name: spec.name, area_id: areaIds[spec.area], team_type: spec.type })
      .returningAll()
      .executeTakeFirstOrThrow();
    teams[spec.key] = { id: row.id, name: row.name, areaId: row.area_id };
  }
  const admin = await createUser(db, 'admin', {}, 'Fixture Admin');
  const users: Record<string, CurrentUser> = {
    admin,
    reviewer: await createUser(db, 'reviewer', {}, 'Fixture Reviewer'),
    northReviewer: await createUser(db, 'reviewer', { areaId: north.id }, 'North Reviewer'),
    elsewhereReviewer: await createUser(db, 'reviewer', { areaId: elsewhere.id }, 'Elsewhere Reviewer'),
    manager: await createUser(db, 'manager', { teamId: teams.alpha.id }, 'Alpha Manager'),
  };
  const allTeamIds = FIXTURE_TEAMS.map((t) => teams[t.key].id);
  const responseIds = async (roundId: number) =>
    new Map((await db.selectFrom('responses').select(['id', 'team_id']).where('round_id', '=', roundId).execute()).map((r) => [r.team_id, r.id]));

  const phase1 = await createRound(
    db,
    { name: 'Phase 1', questionnaireVersionId: versionId('team-self-assessment', 1), dueDate: '2009-01-30', teamIds: allTeamIds },
    admin.id,
  );
  const phase1Responses = await responseIds(phase1.id);
  for (const spec of FIXTURE_TEAMS) {
    if (spec.status === 'not_started') continue;
    await writeResponse(db, phase1Responses.get(teams[spec.key].id)!, PHASE1[spec.key], spec.status);
  }

  const phase2 = await createRound(
    db,
    {
      name: 'Phase 2',
      questionnaireVersionId: versionId('team-self-assessment', 2),
      dueDate: '2009-03-13',
      teamIds: allTeamIds.slice(0, 4),
      followsRoundId: phase1.id,
    },
    admin.id,
  );
  const phase2Responses = await responseIds(phase2.id);
  for (const [key, data] of Object.entries(PHASE2)) {
    await writeResponse(db, phase2Responses.get(teams[key as TeamSpec['key']].id)!, data, 'submitted');
  }

  const jar = await createRound(
    db,
    { name: 'Mini-JAR', questionnaireVersionId: versionId('mini-jar-matrix', 1), dueDate: '2009-02-13', teamIds: allTeamIds.slice(0, 4) },
    admin.id,
  );
  const jarResponses = await responseIds(jar.id);
  for (const [key, data] of Object.entries(JAR)) await writeResponse(db, jarResponses.get(teams[key as TeamSpec['key']].id)!, data, 'submitted');

  // A round with only the Elsewhere area's team: invisible to the North reviewer.
  const elsewhereTeam = await db
    .insertInto('teams')
    .values({ slug: 'golf', name: 'Golf Elsewhere', area_id: elsewhere.id, team_type: 'other' })
    .returningAll()
    .executeTakeFirstOrThrow();
  const elsewhereRound = await createRound(
    db,
    { name: 'Elsewhere only', questionnaireVersionId: versionId('team-self-assessment', 1), dueDate: '2009-01-30', teamIds: [elsewhereTeam.id] },
    admin.id,
  );

  return {
    areas: { north, south, elsewhere },
    teams,
    users,
    rounds: { phase1, phase2, jar, elsewhere: elsewhereRound },
    responses: { phase1: phase1Responses, phase2: phase2Responses, jar: jarResponses },
  };
}

/** Rows of a table of figures, for readable expectations. */
export function byKey<T extends { key: string }>(rows: T[]): Record<string, T> {
  return Object.fromEntries(rows.map((r) => [r.key, r]));
}

export async function responseOf(db: Executor, roundId: number, teamId: number): Promise<number> {
  const row = await db.selectFrom('responses').select('id').where('round_id', '=', roundId).where('team_id', '=', teamId).executeTakeFirstOrThrow();
  return row.id;
}
