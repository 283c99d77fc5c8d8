import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findVersion } from '../app/models/questionnaires.server';
import { loadRegistry, publishRegistry } from '../app/models/registry.server';
import { saveResponseChange, submitResponse } from '../app/models/responses.server';
import { createRound } from '../app/models/rounds.server';
import { ACTIVITY_COLUMNS, createRng, DEMO_SEED, generateSelfAssessmentV1, V1_MONTHS, type DemoTeam } from '../db/seed/answers';
import { demoTeams } from '../db/seed/demo';
import { generatePhase2Answers, PHASE2_NEW_MONTHS, TIMELINESS_MEASURES } from '../db/seed/phase2-answers';
import { createTestDatabase, onPostgres, type TestDatabase } from './helpers/db';
import { createArea, createTeam, createUser } from './helpers/factories';

// The Phase 2 demo answers (team self-assessment version 3), from each demo team's Phase 1 answers as the demo seed
// generates them (db/seed/seed.ts: one generator for every team, every ninth return left partial).

const teams: DemoTeam[] = demoTeams().map((spec, index) => ({ slug: spec.slug, name: spec.name, area: spec.areaName, teamType: spec.teamType, index }));

function phase1Answers(seed = DEMO_SEED) {
  const rng = createRng(seed);
  return teams.map((team, i) => generateSelfAssessmentV1(team, rng, i % 9 === 5 ? 'partial' : 'complete'));
}

const phase1 = phase1Answers();
const phase2 = teams.map((team, i) => generatePhase2Answers(team, phase1[i]));

describe('Phase 2 demo answers (pure)', () => {
  it('are deterministic, whatever order the teams are generated in, and change with the seed', () => {
    expect(teams.map((team, i) => generatePhase2Answers(team, phase1[i]))).toEqual(phase2);
    const reversed = [...teams.keys()].reverse().map((i) => generatePhase2Answers(teams[i], phase1[i]));
    expect(reversed.reverse()).toEqual(phase2);
    expect(generatePhase2Answers(teams[0], phase1[0], DEMO_SEED + 1)).not.toEqual(phase2[0]);
  });

  it('carry the Phase 1 months, add January and February 2009, and never start more plans than conferences', () => {
    for (const [i, answers] of phase2.entries()) {
      const table = answers.referrals_monthly as Record<string, Record<string, number>>;
      expect(Object.keys(table), teams[i].slug).toEqual([...V1_MONTHS, ...PHASE2_NEW_MONTHS]);
      const before = phase1[i].referrals_monthly as Record<string, Record<string, number>>;
      for (const month of V1_MONTHS) expect(table[month].new_referrals).toBe(before[month].new_referrals);
      for (const row of Object.values(table)) {
        expect(Object.keys(row)).toEqual([...ACTIVITY_COLUMNS]);
        expect(row.cp_plans_started).toBeLessThanOrEqual(row.initial_cp_conferences);
      }
    }
  });

  it('give timeliness as consistent counts, and keep the caseload figures consistent with each other', () => {
    let completed = 0;
    let notRecorded = 0;
    for (const answers of phase2) {
      const counts = answers.timeliness_counts as Record<string, { completed?: number; within?: number; not_recorded?: boolean }>;
      expect(Object.keys(counts)).toEqual([...TIMELINESS_MEASURES]);
      for (const row of Object.values(counts)) {
        if (row.not_recorded) {
          notRecorded++;
          expect(row).toEqual({ not_recorded: true });
        } else {
          expect(Number.isInteger(row.completed) && Number.isInteger(row.within)).toBe(true);
          expect(row.within!).toBeLessThanOrEqual(row.completed!);
          completed += row.completed!;
        }
      }
      const allocated = (answers.total_cases as number) - (answers.unallocated_cases as number);
      expect(Math.abs((answers.average_caseload as number) - allocated / (answers.case_holding_workers as number))).toBeLessThanOrEqual(0.05 + 1e-9); // rounded to one place
    }
    expect(completed).toBeGreaterThan(1000);
    expect(notRecorded).toBeGreaterThan(0); // a few teams cannot count a measure
    expect(notRecorded).toBeLessThan(phase2.length);
  });
});

describe(`Phase 2 demo answers pass the server's full submit validation for version 3 (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase();
    await publishRegistry(test.db, loadRegistry());
  });
  afterAll(() => test.destroy());

  it('saves and submits every team’s answers, as the app does', async () => {
    const v3 = (await findVersion(test.db, 'team-self-assessment', 3))!;
    const areas = new Map<string, number>();
    const ids: number[] = [];
    for (const team of teams) {
      if (!areas.has(team.area)) areas.set(team.area, (await createArea(test.db, team.area)).id);
      ids.push((await createTeam(test.db, areas.get(team.area)!, team.teamType, team.name)).id);
    }
    const round = await createRound(test.db, { name: 'Phase 2 (demo)', questionnaireVersionId: v3.id, dueDate: '2009-03-31', teamIds: ids }, null);
    const refused: string[] = [];
    for (const [i, team] of teams.entries()) {
      const manager = await createUser(test.db, 'manager', { teamId: ids[i] }, `${team.name} Manager`);
      const response = await test.db
        .selectFrom('responses')
        .select('id')
        .where('round_id', '=', round.id)
        .where('team_id', '=', ids[i])
        .executeTakeFirstOrThrow();
      try {
        const saved = await saveResponseChange(test.db, manager, response.id, { baseRevision: 0, set: phase2[i], unset: [] });
        await submitResponse(test.db, manager, response.id, { revision: saved.revision });
      } catch (error) {
        refused.push(`${team.slug}: ${(error as Error).message} ${JSON.stringify((error as { errors?: unknown }).errors ?? [])}`);
      }
    }
    expect(refused).toEqual([]);
    const submitted = await test.db.selectFrom('responses').select('status').where('round_id', '=', round.id).execute();
    expect(submitted.map((r) => r.status)).toEqual(teams.map(() => 'submitted'));
  });
});
