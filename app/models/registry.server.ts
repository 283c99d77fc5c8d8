import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import type { Question } from 'survey-core';
import { z } from 'zod';
import type { Executor } from '../../db/index';
import { jsonb } from '../../db/json';
import type { VersionMapping } from '../../db/schema';
import { config } from '../utils/config.server';
import { type CatalogueQuestion, SUPPORTED_TYPES, DISPLAY_TYPES, REFUSED_TYPES, catalogueOf, createModel } from './catalogue.server';
import { recordAudit } from './audit.server';
import { checkRoles } from './question-roles';
import { type ActionField, checkActionFields, declaredActionFields, metaActionFields } from './action-fields.server';
import { forgetVersion } from './questionnaires.server';
import { recountResponseStaffing } from './aggregation/staffing.server';

/**
 * The questionnaire registry: surveys/<slug>/v<N>.json (SurveyJS JSON, one file per version, never edited once
 * published), surveys/<slug>/meta.json (title, description, change notes and the mapping from the previous version)
 * and surveys/topics.json. Checked by `surveys check`, published into the database at start and by `surveys publish`.
 */

export function surveysDir(): string {
  return config().STOCKTAKE_SURVEYS_DIR;
}
export const LOCK_FILE = 'published.lock.json';

export type Problem = { file: string; question?: string; message: string };

export type Topic = { id: string; title: string; description: string };

export type RegistryVersion = {
  version: number;
  file: string; // relative to the surveys folder, e.g. team-self-assessment/v1.json
  sha256: string;
  definition: Record<string, unknown>;
  changeNotes: string;
  mapping: VersionMapping | null;
  questions: CatalogueQuestion[];
  /** The questions and matrix columns that hold actions or follow them up. */
  actionFields: ActionField[];
};

export type RegistryQuestionnaire = { slug: string; title: string; description: string; versions: RegistryVersion[] };

export type Registry = { dir: string; topics: Topic[]; questionnaires: RegistryQuestionnaire[]; problems: Problem[] };

const topicsSchema = z
  .array(
    z.object({
      id: z.string().regex(/^[a-z0-9-]+$/, 'topic ids are lower-case words joined by hyphens'),
      title: z.string().min(1),
      description: z.string().min(1),
    }),
  )
  .min(1);

const versionMetaSchema = z
  .object({
    changeNotes: z.string().min(1, 'every version needs change notes'),
    from: z.number().int().positive().optional(),
    renamed: z.record(z.string(), z.string()).optional(),
    removed: z.array(z.string()).optional(),
    /**
     * Questions of this version (by their name here) whose period changed since the version mapped from: their earlier
     * answers are asked again, not carried forward. Question name → the reason, in words a team manager understands
     * ("" for none). See docs/authoring.md and docs/decisions/023.
     */
    askAgain: z.record(z.string(), z.string()).optional(),
    /**
     * Roles for a version published before roles existed (its file can no longer change): question name → role.
     * New versions write `"role"` on the question itself.
     */
    roles: z.record(z.string(), z.string()).optional(),
    /**
     * Action parts for a version published before they existed: "question" or "question.column" → part
     * (app/models/action-fields.server.ts). New versions write `"actionPart"` on the question or column.
     */
    actionParts: z.record(z.string(), z.string()).optional(),
  })
  .strict();

const metaSchema = z
  .object({
    slug: z.string().regex(/^[a-z0-9-]+$/),
    title: z.string().min(1),
    description: z.string().default(''),
    versions: z.record(z.string().regex(/^\d+$/, 'version keys are numbers'), versionMetaSchema),
  })
  .strict();

export function sha256(content: string | Buffer): string {
  return crypto.createHash('sha256').update(content).digest('hex');
}

function readJson(dir: string, file: string, problems: Problem[]): unknown {
  const full = path.join(dir, file);
  let text: string;
  try {
    text = fs.readFileSync(full, 'utf8');
  } catch (error) {
    problems.push({ file, message: `cannot be read: ${(error as Error).message}` });
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    problems.push({ file, message: `is not valid JSON: ${(error as Error).message}` });
    return undefined;
  }
}

function zodProblems(file: string, error: z.ZodError): Problem[] {
  return error.issues.map((issue) => ({
    file,
    message: `${issue.path.length ? issue.path.join('.') + ': ' : ''}${issue.message}`,
  }));
}

/** Reads and checks every questionnaire and version. Problems are collected, not thrown. */
export function loadRegistry(dir: string = surveysDir()): Registry {
  const problems: Problem[] = [];
  const rawTopics = readJson(dir, 'topics.json', problems);
  const parsedTopics = topicsSchema.safeParse(rawTopics ?? []);
  if (rawTopics !== undefined && !parsedTopics.success) problems.push(...zodProblems('topics.json', parsedTopics.error));
  const topics = parsedTopics.success ? parsedTopics.data : [];
  const topicIds = new Set(topics.map((t) => t.id));
  const seenTopics = new Set<string>();
  for (const topic of topics) {
    if (seenTopics.has(topic.id)) problems.push({ file: 'topics.json', message: `topic "${topic.id}" is listed twice` });
    seenTopics.add(topic.id);
  }

  const questionnaires: RegistryQuestionnaire[] = [];
  const slugs = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();

  for (const slug of slugs) {
    const metaFile = `${slug}/meta.json`;
    const rawMeta = readJson(dir, metaFile, problems);
    if (rawMeta === undefined) continue;
    const parsedMeta = metaSchema.safeParse(rawMeta);
    if (!parsedMeta.success) {
      problems.push(...zodProblems(metaFile, parsedMeta.error));
      continue;
    }
    const meta = parsedMeta.data;
    if (meta.slug !== slug) problems.push({ file: metaFile, message: `slug "${meta.slug}" differs from its folder "${slug}"` });

    const versionFiles = fs
      .readdirSync(path.join(dir, slug))
      .filter((name) => name !== 'meta.json')
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    const versions: RegistryVersion[] = [];
    for (const name of versionFiles) {
      const file = `${slug}/${name}`;
      const match = /^v(\d+)\.json$/.exec(name);
      if (!match) {
        problems.push({ file, message: 'is not a version file: name versions v1.json, v2.json, …' });
        continue;
      }
      const version = Number(match[1]);
      const raw = fs.readFileSync(path.join(dir, file));
      const definition = readJson(dir, file, problems);
      if (definition === undefined) continue;
      if (typeof definition !== 'object' || definition === null || Array.isArray(definition)) {
        problems.push({ file, message: 'must hold a SurveyJS questionnaire object' });
        continue;
      }
      const versionMeta = meta.versions[String(version)];
      if (!versionMeta) {
        problems.push({ file: metaFile, message: `has no entry for version ${version} (change notes are required)` });
        continue;
      }
      const questions = checkDefinition(file, definition, topicIds, problems);
      applyMetaRoles(metaFile, version, questions, versionMeta.roles ?? {}, problems);
      for (const problem of checkRoles(questions)) problems.push({ file, ...problem });
      const actionFields = [...declaredActionFields(createModel(definition)), ...metaActionFields(versionMeta.actionParts ?? {})];
      for (const problem of checkActionFields(definition, actionFields)) problems.push({ file, ...problem });
      versions.push({
        version,
        file,
        sha256: sha256(raw),
        definition: definition as Record<string, unknown>,
        changeNotes: versionMeta.changeNotes,
        mapping: versionMeta.from ? mappingOf(versionMeta.from, versionMeta) : null,
        questions,
        actionFields,
      });
    }
    versions.sort((a, b) => a.version - b.version);
    versions.forEach((v, index) => {
      if (v.version !== index + 1) problems.push({ file: v.file, message: `versions must be numbered 1, 2, 3… without gaps` });
    });
    for (const key of Object.keys(meta.versions)) {
      if (!versions.some((v) => v.version === Number(key)) && !problems.some((p) => p.file === `${slug}/v${key}.json`)) {
        problems.push({ file: metaFile, message: `describes version ${key} but ${slug}/v${key}.json does not exist` });
      }
    }
    for (const v of versions) checkMapping(metaFile, v, versions, problems);
    if (versions.length > 0) questionnaires.push({ slug, title: meta.title, description: meta.description, versions });
  }
  return { dir, topics, questionnaires, problems };
}

function checkDefinition(file: string, definition: object, topicIds: Set<string>, problems: Problem[]): CatalogueQuestion[] {
  const model = createModel(definition);
  for (const error of model.jsonErrors ?? []) {
    const element = (error as unknown as { element?: { name?: string } }).element;
    problems.push({ file, question: element?.name, message: error.message });
  }
  const seen = new Set<string>();
  const valueNames = new Map<string, string>();
  for (const question of model.getAllQuestions(false, false, false)) {
    const type = question.getType();
    if (!question.name) problems.push({ file, message: `a ${type} question has no name` });
    if (seen.has(question.name)) problems.push({ file, question: question.name, message: 'duplicate question name' });
    seen.add(question.name);
    if (DISPLAY_TYPES.has(type)) continue;
    const valueName = question.getValueName();
    const sharing = valueNames.get(valueName);
    if (sharing !== undefined && sharing !== question.name) {
      problems.push({
        file,
        question: question.name,
        message: `keeps its answer under "${valueName}", as question "${sharing}" does: give each question its own valueName (Stocktake aggregates each answer under one question and topic)`,
      });
    }
    valueNames.set(valueName, question.name);
    for (const problem of answerProblems(question)) problems.push({ file, ...problem });
    const topic = (question as unknown as { topic?: string }).topic;
    if (!topic) problems.push({ file, question: question.name, message: 'has no topic (add "topic": "<id>" from surveys/topics.json)' });
    else if (!topicIds.has(topic)) problems.push({ file, question: question.name, message: `has unknown topic "${topic}"` });
  }
  for (const [valueName, name] of valueNames) {
    for (const suffix of ['-Comment', '-total']) {
      if (valueName.endsWith(suffix) && valueNames.has(valueName.slice(0, -suffix.length))) {
        problems.push({
          file,
          question: name,
          message: `is named like the "${suffix}" value SurveyJS keeps for "${valueName.slice(0, -suffix.length)}": rename it`,
        });
      }
    }
  }
  if (seen.size === 0) problems.push({ file, message: 'has no questions' });
  return catalogueOf(model);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SurveyJS's classes do not type their serialised properties (columns, templates…)
type Loose = Record<string, any>;

/**
 * What stops a question's answers being stored, checked and aggregated on the server, for it and every question it
 * holds (matrix cells, detail panels, questions inside dynamic panels), named by its path: uploads, choices fetched
 * from a URL, types Stocktake does not know.
 */
function answerProblems(question: Question | Loose, path = (question as Loose).name as string, nested = false): { question: string; message: string }[] {
  const q = question as Loose;
  const type = q.getType() as string;
  const found: { question: string; message: string }[] = [];
  if (nested && type === 'expression') return found;
  if (REFUSED_TYPES.has(type)) return [{ question: path, message: REFUSED_TYPES.get(type)! }];
  if (!SUPPORTED_TYPES.has(type)) return [{ question: path, message: `question type "${type}" is not supported by Stocktake` }];
  if (q.choicesByUrl?.url) {
    found.push({
      question: path,
      message: `takes its choices from a URL (choicesByUrl), which the server cannot fetch to check answers: write the choices into the file ("choices": [...])`,
    });
  }
  if (type === 'matrixdropdown' || type === 'matrixdynamic') {
    for (const column of q.columns as Loose[]) found.push(...answerProblems(column.templateQuestion, `${path}.${column.name}`, true));
    // Column roles name a measure per fixed row (app/models/question-roles.ts): rows the respondent adds have none.
    if (type === 'matrixdynamic') {
      for (const column of (q.columns as Loose[]).filter((c) => c.role)) {
        found.push({
          question: `${path}.${column.name}`,
          message: `has column role "${column.role}", which only a column of a matrix of dropdowns (matrixdropdown, fixed rows) can play`,
        });
      }
    }
    const detail = q.detailPanelMode && q.detailPanelMode !== 'none' ? ((q.detailPanel?.questions ?? []) as Loose[]) : [];
    for (const inner of detail) {
      if (
        type === 'matrixdropdown' &&
        ['matrix', 'matrixdropdown', 'matrixdynamic', 'paneldynamic', 'multipletext', 'ranking', 'slider'].includes(inner.getType())
      ) {
        found.push({
          question: `${path}.${inner.name}`,
          message: `is a ${inner.getType()} in the detail panel of a fixed-row matrix: only single-value questions can go there (use a dynamic panel instead)`,
        });
      } else found.push(...answerProblems(inner, `${path}.${inner.name}`, true));
    }
  }
  if (type === 'paneldynamic') {
    for (const inner of (q.template?.questions ?? []) as Loose[])
      if (!DISPLAY_TYPES.has(inner.getType())) found.push(...answerProblems(inner, `${path}.${inner.name}`, true));
  }
  return found;
}

/** Adds the roles meta.json declares for a version to its questions (refusing a question that names another role). */
function applyMetaRoles(metaFile: string, version: number, questions: CatalogueQuestion[], roles: Record<string, string>, problems: Problem[]) {
  const byName = new Map(questions.map((q) => [q.name, q]));
  for (const [name, role] of Object.entries(roles)) {
    const question = byName.get(name);
    if (!question) {
      problems.push({ file: metaFile, question: name, message: `is given role "${role}" for version ${version}, which has no such question` });
    } else if (question.role !== undefined && question.role !== role) {
      problems.push({
        file: metaFile,
        question: name,
        message: `is given role "${role}" for version ${version}, but the question itself declares role "${question.role}"`,
      });
    } else {
      question.role = role;
    }
  }
}

/** The mapping a version's meta.json entry declares; `askAgain` only when it names questions (stored mappings before it have none). */
function mappingOf(from: number, meta: z.infer<typeof versionMetaSchema>): VersionMapping {
  const askAgain = Object.entries(meta.askAgain ?? {});
  return {
    from,
    renamed: meta.renamed ?? {},
    removed: meta.removed ?? [],
    ...(askAgain.length ? { askAgain: Object.fromEntries(askAgain.map(([name, reason]) => [name, reason.trim() || null])) } : {}),
  };
}

function checkMapping(metaFile: string, version: RegistryVersion, versions: RegistryVersion[], problems: Problem[]) {
  const mapping = version.mapping;
  if (!mapping) return;
  const from = versions.find((v) => v.version === mapping.from);
  if (!from) {
    problems.push({ file: metaFile, message: `version ${version.version} maps from version ${mapping.from}, which does not exist` });
    return;
  }
  if (mapping.from >= version.version) {
    problems.push({ file: metaFile, message: `version ${version.version} must map from an earlier version` });
  }
  const oldNames = new Set(from.questions.map((q) => q.name));
  const newNames = new Set(version.questions.map((q) => q.name));
  for (const [oldName, newName] of Object.entries(mapping.renamed)) {
    if (!oldNames.has(oldName)) {
      problems.push({ file: metaFile, question: oldName, message: `renamed in version ${version.version}, but version ${from.version} has no such question` });
    }
    if (!newNames.has(newName)) {
      problems.push({ file: metaFile, question: newName, message: `is the new name of "${oldName}", but version ${version.version} has no such question` });
    }
  }
  for (const name of mapping.removed) {
    if (!oldNames.has(name)) {
      problems.push({ file: metaFile, question: name, message: `removed in version ${version.version}, but version ${from.version} has no such question` });
    }
    if (newNames.has(name)) {
      problems.push({ file: metaFile, question: name, message: `is listed as removed but version ${version.version} still has it` });
    }
  }
  // Asked again: a question of this version (its name here) that comes from one of the earlier version, renamed or not.
  for (const name of Object.keys(mapping.askAgain ?? {})) {
    const at = `asked again in version ${version.version}`;
    if (mapping.removed.includes(name)) {
      problems.push({ file: metaFile, question: name, message: `is ${at} and also listed as removed: a removed question has no answer to ask again` });
      continue;
    }
    if (!newNames.has(name)) {
      const renamedTo = mapping.renamed[name];
      problems.push({
        file: metaFile,
        question: name,
        message: renamedTo
          ? `is ${at} by its old name: name it as version ${version.version} does ("${renamedTo}")`
          : `is ${at}, but version ${version.version} has no such question`,
      });
      continue;
    }
    const origin = Object.entries(mapping.renamed).find(([, newName]) => newName === name)?.[0] ?? (name in mapping.renamed ? null : name);
    if (origin === null || !oldNames.has(origin)) {
      problems.push({
        file: metaFile,
        question: name,
        message: `is ${at}, but no question of version ${from.version} becomes it: a new question has no earlier answer to ask again`,
      });
    } else if (mapping.removed.includes(origin)) {
      problems.push({ file: metaFile, question: name, message: `is ${at}, but "${origin}", which it comes from, is listed as removed` });
    }
  }
}

export function formatProblem(problem: Problem): string {
  return `surveys/${problem.file}${problem.question ? ` question "${problem.question}"` : ''}: ${problem.message}`;
}

export type LockFile = Record<string, string>;

export function readLockFile(dir: string = surveysDir()): LockFile {
  const full = path.join(dir, LOCK_FILE);
  if (!fs.existsSync(full)) return {};
  return JSON.parse(fs.readFileSync(full, 'utf8')) as LockFile;
}

/** Versions whose file no longer matches the hash it was published with, as problems naming the file. */
export function changedPublishedVersions(registry: Registry, published: Record<string, string>): Problem[] {
  const problems: Problem[] = [];
  for (const questionnaire of registry.questionnaires) {
    const next = questionnaire.versions.length + 1;
    for (const version of questionnaire.versions) {
      const publishedHash = published[version.file];
      if (publishedHash && publishedHash !== version.sha256) {
        problems.push({
          file: version.file,
          message:
            `was published with sha256 ${publishedHash.slice(0, 12)}… but the file now hashes to ${version.sha256.slice(0, 12)}…. ` +
            `Published versions never change: restore surveys/${version.file} (git checkout -- surveys/${version.file}) ` +
            `and publish your changes as the next version, surveys/${questionnaire.slug}/v${next}.json, with change notes in meta.json.`,
        });
      }
    }
  }
  return problems;
}

/**
 * The registry's problems, for the start-up script and the command line only (publishing never runs in a request), so
 * it is not a DomainError: it carries the problems to print one per line, not an HTTP status.
 */
export class RegistryError extends Error {
  constructor(public problems: Problem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

function questionRoles(versionId: number, version: RegistryVersion) {
  return version.questions.flatMap((q) => (q.role ? [{ version_id: versionId, role: q.role, question: q.name }] : []));
}

/**
 * A version published before it declared roles gets them now (roles are read by the figures, not shown to
 * respondents, so adding them leaves the published questionnaire as it was). A stored role never changes: a
 * difference is refused, naming the file. True when roles were added.
 */
async function addMissingRoles(trx: Executor, versionId: number, version: RegistryVersion, actorId: number | null): Promise<boolean> {
  const stored = await trx.selectFrom('question_roles').select(['role', 'question']).where('version_id', '=', versionId).execute();
  const declared = questionRoles(versionId, version);
  const problems: Problem[] = [];
  for (const row of stored) {
    const now = declared.find((d) => d.role === row.role);
    if (!now || now.question !== row.question) {
      problems.push({
        file: version.file,
        question: row.question,
        message: `was published with role "${row.role}"${now ? `, which now names "${now.question}"` : ', which is no longer declared'}: a published version's roles never change`,
      });
    }
  }
  if (problems.length) throw new RegistryError(problems);
  const missing = declared.filter((d) => !stored.some((row) => row.role === d.role));
  if (!missing.length) return false;
  await trx.insertInto('question_roles').values(missing).execute();
  forgetVersion(versionId);
  await recordAudit(trx, {
    actorId,
    action: 'questionnaire_version.roles',
    entityType: 'questionnaire_version',
    entityId: String(versionId),
    details: { file: version.file, roles: Object.fromEntries(missing.map((m) => [m.question, m.role])) },
  });
  return true;
}

/**
 * Stores a version's action fields: all of them for a version being published, and for one published before it
 * declared them, those it now declares in meta.json (they are read by the register, never shown to respondents). A
 * stored field never changes: a difference is refused, naming the file. Additions to a published version are audited.
 */
async function addMissingActionFields(trx: Executor, versionId: number, version: RegistryVersion, audit: { actorId: number | null } | null): Promise<void> {
  const stored = await trx.selectFrom('action_fields').select(['question', 'column_name', 'part']).where('version_id', '=', versionId).execute();
  const key = (question: string, column: string) => `${question}\u0000${column}`;
  const declared = new Map(version.actionFields.map((f) => [key(f.question, f.column), f]));
  const problems: Problem[] = [];
  for (const row of stored) {
    const now = declared.get(key(row.question, row.column_name));
    if (!now || now.part !== row.part) {
      problems.push({
        file: version.file,
        question: row.column_name ? `${row.question}.${row.column_name}` : row.question,
        message: `was published with action part "${row.part}"${now ? `, now "${now.part}"` : ', which is no longer declared'}: a published version's action parts never change`,
      });
    }
  }
  if (problems.length) throw new RegistryError(problems);
  const have = new Set(stored.map((row) => key(row.question, row.column_name)));
  const missing = version.actionFields.filter((f) => !have.has(key(f.question, f.column)));
  if (!missing.length) return;
  await trx
    .insertInto('action_fields')
    .values(missing.map((f) => ({ version_id: versionId, question: f.question, column_name: f.column, part: f.part })))
    .execute();
  forgetVersion(versionId);
  if (audit) {
    await recordAudit(trx, {
      actorId: audit.actorId,
      action: 'questionnaire_version.action_fields',
      entityType: 'questionnaire_version',
      entityId: String(versionId),
      details: { file: version.file, fields: missing.map((f) => (f.column ? `${f.question}.${f.column}` : f.question)) },
    });
  }
}

/** The advisory lock that serialises publishing across processes (an arbitrary constant: "stocktake publish"). */
const PUBLISH_LOCK_KEY = 727_100_001;

export type PublishResult = { published: string[]; unchanged: string[] };

/**
 * Inserts versions not yet in the database, in one transaction. Refuses everything if any published version's
 * file has changed (by the lock file or by the database's own hash) or the registry has problems.
 */
export async function publishRegistry(
  db: Executor,
  registry: Registry,
  options: { actorId?: number | null; writeLockFile?: boolean } = {},
): Promise<PublishResult> {
  if (registry.problems.length) throw new RegistryError(registry.problems);
  const lock = readLockFile(registry.dir);
  const result: PublishResult = { published: [], unchanged: [] };
  await db.transaction().execute(async (trx) => {
    // Several app processes publish at start: one at a time, each reading what is published after the one before it
    // has committed (else two would insert the same new version and the second would fail to start).
    await sql`select pg_advisory_xact_lock(${PUBLISH_LOCK_KEY})`.execute(trx);
    const existing = await trx
      .selectFrom('questionnaire_versions as v')
      .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
      .select(['v.id', 'q.slug', 'v.version', 'v.sha256'])
      .execute();
    const versionIds = new Map(existing.map((row) => [`${row.slug}/v${row.version}.json`, row.id]));
    const inDatabase = Object.fromEntries(existing.map((row) => [`${row.slug}/v${row.version}.json`, row.sha256]));
    // Checked against the lock file (what the repository published) and the database (what this installation did).
    const byFile = new Map<string, Problem>();
    for (const problem of [...changedPublishedVersions(registry, lock), ...changedPublishedVersions(registry, inDatabase)]) {
      if (!byFile.has(problem.file)) byFile.set(problem.file, problem);
    }
    const changed = [...byFile.values()];
    if (changed.length) throw new RegistryError(changed);

    let rolesAdded = false;
    for (const questionnaire of registry.questionnaires) {
      const row = await trx
        .insertInto('questionnaires')
        .values({ slug: questionnaire.slug, title: questionnaire.title, description: questionnaire.description })
        .onConflict((oc) => oc.column('slug').doUpdateSet({ title: questionnaire.title, description: questionnaire.description }))
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const version of questionnaire.versions) {
        if (inDatabase[version.file]) {
          result.unchanged.push(version.file);
          if (await addMissingRoles(trx, versionIds.get(version.file)!, version, options.actorId ?? null)) rolesAdded = true;
          await addMissingActionFields(trx, versionIds.get(version.file)!, version, { actorId: options.actorId ?? null });
          continue;
        }
        const inserted = await trx
          .insertInto('questionnaire_versions')
          .values({
            questionnaire_id: row.id,
            version: version.version,
            definition: jsonb(version.definition),
            sha256: version.sha256,
            change_notes: version.changeNotes,
            mapping: jsonb(version.mapping),
            published_by: options.actorId ?? null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        if (version.questions.length) {
          await trx
            .insertInto('version_questions')
            .values(
              version.questions.map((q) => ({
                version_id: inserted.id,
                name: q.name,
                position: q.position,
                page: q.page,
                title: q.title,
                type: q.type,
                topic: q.topic,
                value_type: q.valueType,
                detail: jsonb(q.detail),
              })),
            )
            .execute();
          const roles = questionRoles(inserted.id, version);
          if (roles.length) await trx.insertInto('question_roles').values(roles).execute();
          await addMissingActionFields(trx, inserted.id, version, null); // audited with the version's publish
        }
        await recordAudit(trx, {
          actorId: options.actorId ?? null,
          action: 'questionnaire_version.publish',
          entityType: 'questionnaire_version',
          entityId: String(inserted.id),
          details: { file: version.file, sha256: version.sha256 },
        });
        result.published.push(version.file);
      }
    }
    // Staffing rows are built through the roles: responses of a version that just gained its roles need theirs.
    if (rolesAdded) await recountResponseStaffing(trx);
  });

  if (options.writeLockFile) {
    const next: LockFile = { ...lock };
    for (const questionnaire of registry.questionnaires) {
      for (const version of questionnaire.versions) next[version.file] ??= version.sha256;
    }
    const sorted = Object.fromEntries(Object.entries(next).sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })));
    if (JSON.stringify(sorted) !== JSON.stringify(lock)) {
      fs.writeFileSync(path.join(registry.dir, LOCK_FILE), JSON.stringify(sorted, null, 2) + '\n');
    }
  }
  return result;
}
