import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScope, topicPage, type AggregateFilter, type Scope } from '../app/models/aggregation.server';
import { staffingFigures } from '../app/models/aggregation/staffing.server';
import { thresholdFigures } from '../app/models/aggregation/thresholds.server';
import { loadRegistry, publishRegistry } from '../app/models/registry.server';
import { createRound } from '../app/models/rounds.server';
import { writeResponse } from './helpers/aggregation-fixtures';
import { createTestDatabase, type TestDatabase } from './helpers/db';
import { createArea, createTeam, createUser } from './helpers/factories';
import { copySurveys, editJson, questionsOf } from './helpers/survey-files';

const FIXTURE = path.resolve('tests/fixtures/surveys-roles');
const ALL: AggregateFilter = { areaId: null, teamType: null, includeInProgress: false };

let test: TestDatabase;
beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(() => test.destroy());

describe('surveys check of question roles', () => {
  const problemsOf = (dir: string) => loadRegistry(dir).problems.map((p) => `${p.file} ${p.question ?? ''}: ${p.message}`);

  it('accepts the fixture, whose questions declare every staffing, caseload and threshold role', () => {
    expect(problemsOf(FIXTURE)).toEqual([]);
    const v1 = loadRegistry(FIXTURE).questionnaires[0].versions[0];
    expect(v1.questions.find((q) => q.name === 'vacant')?.role).toBe('staffing-vacant');
  });

  it('refuses an unknown role, a role on the wrong kind of question, a role played twice and a role missing its partner', () => {
    const dir = copySurveys(FIXTURE, (d) =>
      editJson(path.join(d, 'staffing-return/v1.json'), (json) => {
        const q = questionsOf(json);
        q.highest.role = 'caseload-maximum';
        q.why.role = 'caseload-highest'; // a comment cannot be a number
        q.nqsw_avg.role = 'caseload-average'; // average_caseload already plays it
        delete q.agency.role; // permanent staff without agency cover: the agency share needs both
      }),
    );
    const problems = problemsOf(dir);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^staffing-return\/v1\.json highest: has unknown role "caseload-maximum" \(known roles: .*staffing-vacant/),
        expect.stringMatching(/^staffing-return\/v1\.json why: cannot play role "caseload-highest" .* must be a number question/),
        expect.stringMatching(/^staffing-return\/v1\.json nqsw_avg: has role "caseload-average", which "average_caseload" already plays/),
        expect.stringMatching(
          /^staffing-return\/v1\.json permanent: has role "staffing-permanent", whose figures also need a question with role "staffing-agency"/,
        ),
      ]),
    );
    expect(problems).toHaveLength(4);
  });

  it('takes roles for an already published version from meta.json, and refuses one naming a question the version lacks', () => {
    const dir = copySurveys(FIXTURE, (d) => {
      editJson(path.join(d, 'staffing-return/v1.json'), (json) => {
        for (const q of Object.values(questionsOf(json))) delete q.role;
      });
      editJson(path.join(d, 'staffing-return/meta.json'), (meta) => {
        meta.versions['1'].roles = { establishment: 'staffing-establishment', vacant: 'staffing-vacant', no_such_question: 'caseload-average' };
      });
    });
    const registry = loadRegistry(dir);
    expect(registry.problems.map((p) => `${p.file} ${p.question}: ${p.message}`)).toEqual([
      'staffing-return/meta.json no_such_question: is given role "caseload-average" for version 1, which has no such question',
    ]);
    expect(registry.questionnaires[0].versions[0].questions.find((q) => q.name === 'vacant')?.role).toBe('staffing-vacant');
  });
});

describe('figures read roles, not question names', () => {
  const PHASE1 = {
    north: {
      establishment: 10,
      permanent: 7,
      agency: 1,
      vacant: 2,
      nqsw: 1,
      workers: 8,
      average_caseload: 20,
      highest: 30,
      nqsw_avg: 12,
      nqsw_protected: true,
      threshold: -1,
      why: 'More strategy discussions.',
    },
    south: {
      establishment: 6,
      permanent: 5,
      agency: 1,
      vacant: 0,
      nqsw: 0,
      workers: 6,
      average_caseload: 15,
      highest: 20,
      threshold: 1,
      why: 'Fewer referrals accepted.',
    },
  };
  let phase1: Scope;
  let phase2: Scope;

  beforeAll(async () => {
    await publishRegistry(test.db, loadRegistry(FIXTURE));
    const versions = await test.db.selectFrom('questionnaire_versions').select(['id', 'version']).orderBy('version').execute();
    const reviewer = await createUser(test.db, 'reviewer');
    const north = await createTeam(test.db, (await createArea(test.db, 'North')).id, 'duty-initial-assessment', 'North Duty');
    const south = await createTeam(test.db, (await createArea(test.db, 'South')).id, 'long-term-child-protection', 'South CP');
    const teams = { north, south };
    const first = await createRound(
      test.db,
      { name: 'Phase 1', questionnaireVersionId: versions[0].id, dueDate: '2009-01-31', teamIds: [north.id, south.id] },
      null,
    );
    for (const [key, data] of Object.entries(PHASE1)) {
      const response = await test.db
        .selectFrom('responses')
        .select('id')
        .where('round_id', '=', first.id)
        .where('team_id', '=', teams[key as keyof typeof teams].id)
        .executeTakeFirstOrThrow();
      await writeResponse(test.db, response.id, data, 'submitted');
    }
    // Phase 2 on version 2, whose establishment, vacancy, average caseload and threshold questions are renamed:
    // each team's answers are carried forward under the new names and submitted unchanged.
    const second = await createRound(
      test.db,
      { name: 'Phase 2', questionnaireVersionId: versions[1].id, dueDate: '2009-03-31', teamIds: [north.id, south.id], followsRoundId: first.id },
      null,
    );
    const carried = await test.db.selectFrom('responses').select(['id', 'data']).where('round_id', '=', second.id).execute();
    for (const response of carried) {
      expect(response.data).toHaveProperty('funded_posts_fte');
      expect(response.data).not.toHaveProperty('establishment');
      await writeResponse(test.db, response.id, response.data as Record<string, unknown>, 'submitted');
    }
    phase1 = (await loadScope(test.db, reviewer, first.id, ALL))!;
    phase2 = (await loadScope(test.db, reviewer, second.id, ALL))!;
  });

  it('give the same staffing and caseload figures in both phases, though the questions were renamed', async () => {
    const [before, after] = await Promise.all([staffingFigures(test.db, phase1), staffingFigures(test.db, phase2)]);
    expect(before).not.toBeNull();
    // Worked out by hand from PHASE1: 2 vacant of 16 posts; agency 2 of 14 filled; worker-weighted caseload
    // (20×8 + 15×6) / 14.
    expect(before!.overall).toMatchObject({
      teams: 2,
      establishment: 16,
      vacant: 2,
      vacancyRate: 2 / 16,
      agency: 2,
      filled: 14,
      meanCaseload: 17.5,
      highestCaseload: 30,
    });
    expect(before!.overall.weightedCaseload).toBeCloseTo((20 * 8 + 15 * 6) / 14, 10);
    expect(after).toEqual(before);
    expect(after!.asked).toEqual(Object.fromEntries(Object.keys(before!.asked).map((key) => [key, true])));
  });

  it('find the renamed threshold rating, its explanation and its change between phases through the roles', async () => {
    const after = await thresholdFigures(test.db, phase2, phase1);
    expect(after!.question.name).toBe('threshold_shift');
    expect(after!.overall.counts).toEqual([1, 0, 1]);
    expect(after!.largest.map((t) => t.explanation).sort()).toEqual(['Fewer referrals accepted.', 'More strategy discussions.']);
    expect(after!.comparison).toMatchObject({ compared: 2, changes: [] });
  });

  it('show the vacancies and caseloads sections on the topics of the questions that play those roles', async () => {
    const staffing = await topicPage(test.db, phase2, 'staffing-vacancies');
    const caseloads = await topicPage(test.db, phase2, 'caseloads');
    const thresholds = await topicPage(test.db, phase2, 'thresholds');
    expect(staffing!.staffingSections).toEqual(['vacancies']);
    expect(caseloads!.staffingSections).toEqual(['caseloads']);
    expect(thresholds!.staffingSections).toEqual([]);
    expect(thresholds!.thresholds?.question.name).toBe('threshold_shift');
    expect(staffing!.thresholds).toBeNull();
  });
});

describe('app/', () => {
  it('names no question of any questionnaire (code reads roles and topics instead)', () => {
    const names = new Set<string>();
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (node && typeof node === 'object') {
        const element = node as Record<string, unknown>;
        // Questions (and panels) have a type; pages do not.
        if (typeof element.name === 'string' && typeof element.type === 'string') names.add(element.name);
        Object.values(element).forEach(collect);
      }
    };
    for (const surveysDir of ['surveys', 'tests/fixtures/surveys']) {
      for (const slug of fs.readdirSync(surveysDir, { withFileTypes: true }).filter((e) => e.isDirectory())) {
        for (const file of fs.readdirSync(path.join(surveysDir, slug.name)).filter((f) => /^v\d+\.json$/.test(f))) {
          collect(JSON.parse(fs.readFileSync(path.join(surveysDir, slug.name, file), 'utf8')));
        }
      }
    }
    // Database columns that share a name with a fixture's question: the code reads the column, not the answer
    // (teams.team_type; response_staffing's columns, filled through the roles).
    const columns = new Set(['team_type', 'establishment', 'vacant']);
    const found: string[] = [];
    const files = fs.readdirSync('app', { recursive: true, encoding: 'utf8' }).filter((f) => /\.(ts|tsx)$/.test(f));
    for (const file of files) {
      const text = fs.readFileSync(path.join('app', file), 'utf8');
      for (const match of text.matchAll(/(['"`])([a-z][a-z0-9_]*)\1/g)) {
        if (names.has(match[2]) && !columns.has(match[2])) found.push(`app/${file}: ${match[2]}`);
      }
    }
    expect(names.size).toBeGreaterThan(100);
    expect(found).toEqual([]);
  });
});
