import type { Executor } from '../../../db/index';
import { getQuestionnaireVersion } from '../questionnaires.server';
import { cachedPromise } from '~/utils/cache.server';

/**
 * A question's lineage across the versions of its questionnaire. Each question of a version gets a stable name:
 * the name it had in the earliest version it was carried from (through meta.json's `renamed`, or by keeping its
 * name). Exports use it as the column name, so a question keeps its column when it is carried through a mapping;
 * phase comparisons use it to find the same question in another round's version.
 */

type VersionRow = { id: number; version: number; mapping: { from: number; renamed: Record<string, string>; removed: string[] } | null };

const cache = new Map<number, Promise<Map<string, string>>>();

/** question name in the version → stable name. Published versions never change, so results are kept. */
export function stableNames(db: Executor, versionId: number): Promise<Map<string, string>> {
  return cachedPromise(cache, versionId, () => computeStableNames(db, versionId));
}

async function computeStableNames(db: Executor, versionId: number): Promise<Map<string, string>> {
  const target = await db.selectFrom('questionnaire_versions').select(['questionnaire_id', 'version']).where('id', '=', versionId).executeTakeFirstOrThrow();
  const versions = (await db
    .selectFrom('questionnaire_versions')
    .select(['id', 'version', 'mapping'])
    .where('questionnaire_id', '=', target.questionnaire_id)
    .where('version', '<=', target.version)
    .orderBy('version')
    .execute()) as VersionRow[];
  const roots = new Map<number, Map<string, string>>();
  for (const v of versions) {
    const info = await getQuestionnaireVersion(db, v.id);
    const previous = v.mapping ? roots.get(v.mapping.from) : undefined;
    const renamedFrom = new Map(Object.entries(v.mapping?.renamed ?? {}).map(([oldName, newName]) => [newName, oldName]));
    const removed = new Set(v.mapping?.removed ?? []);
    const names = new Map<string, string>();
    const used = new Set<string>();
    for (const name of info.catalogue.keys()) {
      let root = name;
      if (previous) {
        const oldName = renamedFrom.get(name);
        if (oldName !== undefined) root = previous.get(oldName) ?? oldName;
        else if (previous.has(name) && !removed.has(name)) root = previous.get(name)!;
      }
      // A new question that reuses a name its lineage gave up gets a name of its own.
      if (used.has(root)) root = `${name}@v${v.version}`;
      used.add(root);
      names.set(name, root);
    }
    roots.set(v.version, names);
  }
  return roots.get(target.version)!;
}

/** The name of `question` (of version `fromVersionId`) in version `toVersionId`, or null when it is not asked there. */
export async function sameQuestionIn(db: Executor, fromVersionId: number, question: string, toVersionId: number): Promise<string | null> {
  if (fromVersionId === toVersionId) return question;
  const [from, to] = await Promise.all([stableNames(db, fromVersionId), stableNames(db, toVersionId)]);
  const root = from.get(question);
  if (root === undefined) return null;
  for (const [name, stable] of to) if (stable === root) return name;
  return null;
}
