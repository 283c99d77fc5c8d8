import type { Executor } from '../../db/index';
import type { VersionMapping } from '../../db/schema';
import type { ActionField } from './action-fields.server';
import type { CatalogueQuestion } from './catalogue.server';
import { isQuestionRole, type QuestionRole } from './question-roles';
import { cachedPromise } from '~/utils/cache.server';

export async function listQuestionnaires(db: Executor) {
  const versions = await db
    .selectFrom('questionnaire_versions as v')
    .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
    .select([
      'v.id',
      'q.slug',
      'q.title',
      'q.description',
      'v.version',
      'v.sha256',
      'v.change_notes',
      'v.published_at',
      (eb) =>
        eb
          .selectFrom('version_questions as vq')
          .whereRef('vq.version_id', '=', 'v.id')
          .select((e) => e.fn.countAll<number>().as('n'))
          .as('question_count'),
    ])
    .orderBy('q.title')
    .orderBy('v.version')
    .execute();
  return versions.map((v) => ({ ...v, question_count: Number(v.question_count) }));
}

export type VersionInfo = {
  id: number;
  slug: string;
  title: string;
  version: number;
  definition: Record<string, unknown>;
  mapping: VersionMapping | null;
  catalogue: Map<string, CatalogueQuestion>;
  /** The questions that play a role in the special figures, by role (app/models/question-roles.ts). */
  roles: Map<QuestionRole, CatalogueQuestion>;
  /** The questions and matrix columns that hold actions or follow them up (app/models/action-fields.server.ts). */
  actionFields: ActionField[];
};

// Published versions never change, so a version read once is kept for the life of the process.
const versionCache = new Map<number, Promise<VersionInfo>>();

export function getQuestionnaireVersion(db: Executor, versionId: number): Promise<VersionInfo> {
  return cachedPromise(versionCache, versionId, () => loadVersion(db, versionId));
}

/** Drops a version read before its roles were added (publishing adds roles to versions published without them). */
export function forgetVersion(versionId: number): void {
  versionCache.delete(versionId);
}

async function loadVersion(db: Executor, versionId: number): Promise<VersionInfo> {
  const version = await db
    .selectFrom('questionnaire_versions as v')
    .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
    .select(['v.id', 'q.slug', 'q.title', 'v.version', 'v.definition', 'v.mapping'])
    .where('v.id', '=', versionId)
    .executeTakeFirstOrThrow();
  const questions = await db.selectFrom('version_questions').selectAll().where('version_id', '=', versionId).orderBy('position').execute();
  const roleRows = await db.selectFrom('question_roles').select(['role', 'question']).where('version_id', '=', versionId).execute();
  const roleOf = new Map(roleRows.map((r) => [r.question, r.role]));
  const catalogue = new Map<string, CatalogueQuestion>(
    questions.map((q) => [
      q.name,
      {
        name: q.name,
        position: q.position,
        page: q.page,
        title: q.title,
        type: q.type,
        topic: q.topic,
        ...(roleOf.has(q.name) ? { role: roleOf.get(q.name) } : {}),
        valueType: q.value_type,
        detail: q.detail,
      },
    ]),
  );
  const roles = new Map<QuestionRole, CatalogueQuestion>();
  for (const row of roleRows) if (isQuestionRole(row.role) && catalogue.has(row.question)) roles.set(row.role, catalogue.get(row.question)!);
  const actionFields = (
    await db
      .selectFrom('action_fields')
      .select(['question', 'column_name', 'part'])
      .where('version_id', '=', versionId)
      .orderBy('question')
      .orderBy('column_name')
      .execute()
  ).map((row) => ({ question: row.question, column: row.column_name, part: row.part }));
  return { ...version, catalogue, roles, actionFields };
}

export async function findVersion(db: Executor, slug: string, version: number) {
  return db
    .selectFrom('questionnaire_versions as v')
    .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
    .select(['v.id', 'q.slug', 'q.title', 'v.version'])
    .where('q.slug', '=', slug)
    .where('v.version', '=', version)
    .executeTakeFirst();
}
