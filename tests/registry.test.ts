import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatProblem, loadRegistry, publishRegistry, readLockFile, RegistryError, sha256 } from '../app/models/registry.server';
import { createTestDatabase, type TestDatabase } from './helpers/db';
import { FIXTURE_SURVEYS } from './helpers/factories';
import { editJson } from './helpers/survey-files';

const run = promisify(execFile);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stocktake-surveys-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A copy of the fixture registry to break in one way. */
function copyFixtures(name: string): string {
  const dir = path.join(tmp, name);
  fs.cpSync(FIXTURE_SURVEYS, dir, { recursive: true });
  return dir;
}

describe('surveys check', () => {
  it('accepts the fixture questionnaire and flattens its questions with topics and value types', () => {
    const registry = loadRegistry(FIXTURE_SURVEYS);
    expect(registry.problems).toEqual([]);
    const [v1, v2] = registry.questionnaires[0].versions;
    expect(v1.questions.map((q) => [q.name, q.topic, q.valueType])).toEqual([
      ['team_kind', 'team-profile', 'choice'],
      ['establishment', 'staffing-vacancies', 'numeric'],
      ['vacant', 'staffing-vacancies', 'numeric'],
      ['old_note', 'urgent-actions', 'text'],
      ['pressures', 'priorities-demand', 'multiple'],
      ['monthly', 'referrals-activity', 'matrix'],
      ['practice', 'climbie-compliance', 'matrix'],
      ['hard_copy', 'recording-ics', 'choice'],
      ['due', 'plo-legal', 'text'],
    ]);
    expect(v2.mapping).toEqual({ from: 1, renamed: { team_kind: 'team_type_now' }, removed: ['old_note'] });
  });

  it('names the file and the question that has no topic', () => {
    const dir = copyFixtures('no-topic');
    editJson(path.join(dir, 'fixture-check/v1.json'), (json) => delete json.pages[0].elements[1].topic);
    const problems = loadRegistry(dir).problems.map(formatProblem);
    expect(problems).toEqual(['surveys/fixture-check/v1.json question "establishment": has no topic (add "topic": "<id>" from surveys/topics.json)']);
  });

  it('reports unknown topics, unknown properties, duplicate names, JSON errors and a mapping to a missing question', () => {
    const dir = copyFixtures('broken');
    editJson(path.join(dir, 'fixture-check/v1.json'), (json) => {
      json.pages[0].elements[0].topic = 'no-such-topic';
      json.pages[0].elements[2].colour = 'blue';
      json.pages[1].elements[3].name = 'hard_copy';
    });
    editJson(path.join(dir, 'fixture-check/meta.json'), (json) => (json.versions['2'].renamed = { not_there: 'team_type_now' }));
    fs.writeFileSync(path.join(dir, 'fixture-check/v2.json'), '{ "pages": [ }');
    const problems = loadRegistry(dir).problems.map(formatProblem).join('\n');
    expect(problems).toContain('surveys/fixture-check/v1.json question "team_kind": has unknown topic "no-such-topic"');
    expect(problems).toContain(`surveys/fixture-check/v1.json question "vacant": Unknown property in class 'text': 'colour'.`);
    expect(problems).toContain('surveys/fixture-check/v1.json question "hard_copy": duplicate question name');
    expect(problems).toMatch(/surveys\/fixture-check\/v2\.json: is not valid JSON/);

    const dir2 = copyFixtures('bad-mapping');
    editJson(path.join(dir2, 'fixture-check/meta.json'), (json) => (json.versions['2'].renamed = { not_there: 'team_type_now' }));
    expect(loadRegistry(dir2).problems.map(formatProblem)).toEqual([
      'surveys/fixture-check/meta.json question "not_there": renamed in version 2, but version 1 has no such question',
    ]);
  });

  it('exits non-zero from the command line with the file, question and reason on stderr', async () => {
    const dir = copyFixtures('cli');
    editJson(path.join(dir, 'fixture-check/v2.json'), (json) => delete json.pages[1].elements[4].topic);
    const result = await run('npx', ['tsx', 'cli/index.ts', 'surveys', 'check'], { env: { ...process.env, STOCKTAKE_SURVEYS_DIR: dir } }).then(
      () => ({ code: 0, stderr: '' }),
      (error) => ({ code: error.code as number, stderr: error.stderr as string }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('surveys/fixture-check/v2.json question "new_question": has no topic');
  });
});

describe('publishing', () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase();
  });
  afterAll(() => test.destroy());

  it('inserts new versions once, with their questions, and writes the lock file', async () => {
    const dir = copyFixtures('publish');
    const first = await publishRegistry(test.db, loadRegistry(dir), { writeLockFile: true });
    expect(first.published).toEqual(['fixture-check/v1.json', 'fixture-check/v2.json']);
    const again = await publishRegistry(test.db, loadRegistry(dir), { writeLockFile: true });
    expect(again).toEqual({ published: [], unchanged: ['fixture-check/v1.json', 'fixture-check/v2.json'] });
    const lock = readLockFile(dir);
    expect(lock['fixture-check/v1.json']).toBe(sha256(fs.readFileSync(path.join(dir, 'fixture-check/v1.json'))));
    const questions = await test.db.selectFrom('version_questions').select('name').execute();
    expect(questions.length).toBe(9 + 9); // v2 drops old_note and adds new_question
  });

  it('publishes each version once when several processes publish at the same moment (as app processes do at start)', async () => {
    // On the PostgreSQL server each publish runs on its own pooled connection, as two processes' would.
    const fresh = await createTestDatabase();
    try {
      const dir = copyFixtures('concurrent');
      const results = await Promise.all([1, 2, 3, 4].map(() => publishRegistry(fresh.db, loadRegistry(dir))));
      expect(results.flatMap((r) => r.published).sort()).toEqual(['fixture-check/v1.json', 'fixture-check/v2.json']);
      const versions = await fresh.db.selectFrom('questionnaire_versions').select('version').orderBy('version').execute();
      expect(versions.map((v) => v.version)).toEqual([1, 2]);
    } finally {
      await fresh.destroy();
    }
  });

  it('refuses a published version whose file has changed, naming the file and the next version', async () => {
    const dir = copyFixtures('changed');
    await publishRegistry(test.db, loadRegistry(copyFixtures('changed-original')), {});
    editJson(path.join(dir, 'fixture-check/v1.json'), (json) => (json.pages[0].elements[1].title = 'Posts in the establishment'));
    const error = await publishRegistry(test.db, loadRegistry(dir)).catch((e) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.message).toContain('surveys/fixture-check/v1.json: was published with sha256');
    expect(error.message).toContain('publish your changes as the next version, surveys/fixture-check/v3.json');
    const count = await test.db
      .selectFrom('questionnaire_versions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(2);
  });
});

describe("the repository's questionnaires", () => {
  it('pass the check', () => {
    expect(loadRegistry().problems.map(formatProblem)).toEqual([]);
  });

  it('match surveys/published.lock.json: no published file changed and every version is published', () => {
    const registry = loadRegistry();
    const lock = readLockFile();
    const files = registry.questionnaires.flatMap((q) => q.versions.map((v) => [v.file, v.sha256] as const));
    for (const [file, hash] of Object.entries(lock)) {
      expect(fs.existsSync(path.join('surveys', file)), `${file} is in the lock file but missing`).toBe(true);
      expect(files.find(([f]) => f === file)?.[1], `surveys/${file} changed after it was published: publish a new version instead`).toBe(hash);
    }
    for (const [file] of files) {
      expect(lock[file], `surveys/${file} is not in the lock file: run npm run surveys:publish and commit the lock`).toBeTruthy();
    }
  });
});
