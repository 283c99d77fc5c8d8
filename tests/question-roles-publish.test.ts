import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getQuestionnaireVersion } from '../app/models/questionnaires.server';
import { loadRegistry, publishRegistry, RegistryError } from '../app/models/registry.server';
import { createRound } from '../app/models/rounds.server';
import { writeResponse } from './helpers/aggregation-fixtures';
import { createTestDatabase } from './helpers/db';
import { createArea, createTeam } from './helpers/factories';
import { copySurveys, editJson, questionsOf } from './helpers/survey-files';

// Its own file (its own process): published versions are cached by id for the life of a process, and this test's
// database numbers its versions as the one in tests/question-roles.test.ts does.

const FIXTURE = path.resolve('tests/fixtures/surveys-roles');

describe('publishing roles', () => {
  it('adds roles to a version published without them, recounts its staffing rows, and never changes a stored role', async () => {
    const db = (await createTestDatabase()).db;
    try {
      // Version 1 published before it declared roles, with a submitted response.
      const bare = copySurveys(FIXTURE, (d) => {
        fs.rmSync(path.join(d, 'staffing-return/v2.json'));
        editJson(path.join(d, 'staffing-return/meta.json'), (meta) => delete meta.versions['2']);
        editJson(path.join(d, 'staffing-return/v1.json'), (json) => {
          for (const q of Object.values(questionsOf(json))) delete q.role;
        });
      });
      await publishRegistry(db, loadRegistry(bare));
      const versionId = (await db.selectFrom('questionnaire_versions').select('id').executeTakeFirstOrThrow()).id;
      expect((await getQuestionnaireVersion(db, versionId)).roles.size).toBe(0);
      const area = await createArea(db);
      const team = await createTeam(db, area.id);
      const round = await createRound(db, { name: 'Phase 1', questionnaireVersionId: versionId, dueDate: '2009-01-31', teamIds: [team.id] }, null);
      const response = await db.selectFrom('responses').select('id').where('round_id', '=', round.id).executeTakeFirstOrThrow();
      await writeResponse(db, response.id, { establishment: 10, vacant: 3 }, 'submitted');
      expect(await db.selectFrom('response_staffing').selectAll().execute()).toEqual([]);

      // The same file, with its roles declared in meta.json: publishing adds them and builds the staffing row.
      const withRoles = copySurveys(bare, (d) => {
        editJson(path.join(d, 'staffing-return/meta.json'), (meta) => {
          meta.versions['1'].roles = { establishment: 'staffing-establishment', vacant: 'staffing-vacant' };
        });
      });
      const result = await publishRegistry(db, loadRegistry(withRoles));
      expect(result).toEqual({ published: [], unchanged: ['staffing-return/v1.json'] });
      const version = await getQuestionnaireVersion(db, versionId);
      expect(Object.fromEntries([...version.roles].map(([role, q]) => [role, q.name]))).toEqual({
        'staffing-establishment': 'establishment',
        'staffing-vacant': 'vacant',
      });
      expect(await db.selectFrom('response_staffing').select(['response_id', 'establishment', 'vacant']).execute()).toEqual([
        { response_id: response.id, establishment: 10, vacant: 3 },
      ]);
      const audit = await db.selectFrom('audit_events').select(['action', 'details']).where('action', '=', 'questionnaire_version.roles').execute();
      expect(audit).toHaveLength(1);

      // Publishing again changes nothing; a role that now names another question is refused, naming the file.
      await publishRegistry(db, loadRegistry(withRoles));
      expect(await db.selectFrom('audit_events').select('id').where('action', '=', 'questionnaire_version.roles').execute()).toHaveLength(1);
      const moved = copySurveys(withRoles, (d) => {
        editJson(path.join(d, 'staffing-return/meta.json'), (meta) => {
          meta.versions['1'].roles = { permanent: 'staffing-establishment', vacant: 'staffing-vacant' };
        });
      });
      // "permanent" would need its agency partner only if it played staffing-permanent; here the check passes.
      expect(loadRegistry(moved).problems).toEqual([]);
      const refusal = await publishRegistry(db, loadRegistry(moved)).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(RegistryError);
      expect((refusal as RegistryError).message).toMatch(
        /staffing-return\/v1\.json question "establishment": was published with role "staffing-establishment", which now names "permanent"/,
      );
      expect((await db.selectFrom('question_roles').select(['role', 'question']).orderBy('role').execute()).map((r) => `${r.role}=${r.question}`)).toEqual([
        'staffing-establishment=establishment',
        'staffing-vacant=vacant',
      ]);
    } finally {
      await db.destroy();
    }
  });
});
