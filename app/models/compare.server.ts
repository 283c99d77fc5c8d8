import fs from 'node:fs';
import path from 'node:path';

import type { Executor } from '../../db/index';
import type { QuestionDetail, ResponseStatus } from '../../db/schema';
import { OTHER } from './answers.server';
import { hasPermission } from '~/utils/permissions';
import { nameThrough, versionPath } from './carry-forward.server';
import { getQuestionnaireVersion, type VersionInfo } from './questionnaires.server';
import { surveysDir } from './registry.server';
import { DomainError, invalid, notFound } from './errors.server';
import { responseListQuery } from './responses.server';
import { requireVisibleRound } from './rounds.server';
import type { CurrentUser } from './users.server';
import { COMMENT_SUFFIX } from './validation.server';
import { canSeeTeam, teamVisibleTo } from './access.server';

/**
 * Comparisons for reviewers: several teams of one round side by side, and one team across two rounds (phases),
 * with rows aligned by question name, matrix row and column, through the versions' mappings.
 */

export const MAX_COMPARED_TEAMS = 12;

/**
 * The outlier rule, stated once for the page, the API and the docs: Tukey's fences. Among the values the round's
 * teams gave for a numeric question or matrix cell (the teams the reviewer can see, any status), a value is an
 * outlier when it lies more than 1.5 interquartile ranges below the lower quartile or above the upper quartile.
 * Quartiles are interpolated linearly (as PostgreSQL's percentile_cont). With fewer than 4 values nothing is flagged.
 */
export const OUTLIER_RULE =
  'A value is an outlier when it is more than 1.5 times the interquartile range below the lower quartile or above the upper quartile of the values the round’s teams gave (those you can see, whatever their status). Needs at least 4 values.';
export const OUTLIER_MIN_VALUES = 4;

export type RowKind = 'numeric' | 'text' | 'choice' | 'multiple';

/** One comparable answer: a whole question, a matrix row (single-choice matrix), a matrix cell or a multiple-text item. */
export type RowSpec = {
  key: string;
  question: string;
  title: string;
  page: string;
  topic: string;
  row: { key: string; title: string } | null;
  column: { key: string; title: string } | null;
  kind: RowKind;
  choices?: { value: string; text: string }[];
  /** The label of the "Other" item of a question that keeps what was written as the answer itself (storeOthersAsComment: false). */
  otherLabel?: string;
  /**
   * How the value is read when it is not at data[question][row][column]: the rank of an item in a ranking, one end of
   * a slider's range, a question's comment (or "Other" text), or across the rows or panels of a dynamic question
   * (their number, or with a column the number of rows of the dynamic question nested in them; a number column's
   * total; or every value given, which for a column named "<field>-Comment" is the field's comment or "Other" text).
   */
  read?: 'rank' | 'range' | 'comment' | 'count' | 'sum' | 'values';
};

export function rowKey(question: string, row?: string | null, column?: string | null): string {
  return [question, row, column].filter((part) => part !== undefined && part !== null && part !== '').join('.');
}

/** The label of the "Other" item when what was written is kept as the answer itself. */
function otherLabelOf(detail: QuestionDetail): { otherLabel?: string } {
  if (detail.rules?.other !== 'value') return {};
  return { otherLabel: detail.choices?.find((c) => c.value === OTHER)?.text ?? 'Other' };
}

/** The comparable rows of a version, in questionnaire order. */
export function rowsOf(version: VersionInfo): RowSpec[] {
  const rows: RowSpec[] = [];
  for (const q of version.catalogue.values()) {
    const base = { question: q.name, title: q.title, page: q.page, topic: q.topic };
    const detail = q.detail;
    if (q.valueType === 'dynamic') {
      const what = detail.dynamic === 'rows' ? 'rows' : 'panels';
      rows.push({ ...base, key: rowKey(q.name, 'count'), row: { key: 'count', title: `Number of ${what}` }, column: null, kind: 'numeric', read: 'count' });
      for (const field of detail.fields ?? []) {
        const summed = field.valueType === 'numeric';
        const all = { key: '*', title: `All ${what}` };
        if (field.valueType === 'dynamic') {
          // A dynamic question inside each row or panel: how many rows it has across them.
          const nested = field.detail.dynamic === 'rows' ? 'rows' : 'panels';
          rows.push({
            ...base,
            key: rowKey(q.name, '*', field.name),
            row: { key: '*', title: `Total across ${what}` },
            column: { key: field.name, title: `${field.title}: number of ${nested}` },
            kind: 'numeric',
            read: 'count',
          });
          continue;
        }
        rows.push({
          ...base,
          key: rowKey(q.name, '*', field.name),
          row: summed ? { key: '*', title: `Total across ${what}` } : all,
          column: { key: field.name, title: field.title },
          kind: summed ? 'numeric' : field.valueType === 'choice' || field.valueType === 'multiple' ? 'multiple' : 'text',
          ...(field.detail.choices ? { choices: field.detail.choices } : {}),
          ...otherLabelOf(field.detail),
          read: summed ? 'sum' : 'values',
        });
        if (field.detail.comment || field.detail.rules?.other === 'comment') {
          const name = `${field.name}${COMMENT_SUFFIX}`;
          const title = `${field.title}: ${field.detail.comment ? 'comment' : 'other, as written'}`;
          rows.push({ ...base, key: rowKey(q.name, '*', name), row: all, column: { key: name, title }, kind: 'text', read: 'values' });
        }
      }
    } else if (q.valueType !== 'matrix') {
      rows.push({
        ...base,
        key: q.name,
        row: null,
        column: null,
        kind: q.valueType,
        ...(detail.choices ? { choices: detail.choices } : {}),
        ...otherLabelOf(detail),
      });
    } else if (detail.ranking) {
      for (const row of detail.rows ?? []) {
        rows.push({
          ...base,
          key: rowKey(q.name, row.value),
          // 1 is the first place: a lower rank is a higher priority.
          row: { key: row.value, title: `Rank of ${row.text} (1 is first)` },
          column: null,
          kind: 'numeric',
          read: 'rank',
        });
      }
    } else if (detail.items) {
      for (const item of detail.items) {
        rows.push({
          ...base,
          key: rowKey(q.name, item.name),
          row: { key: item.name, title: item.title },
          column: null,
          kind: item.valueType,
          ...(detail.range ? { read: 'range' as const } : {}),
        });
      }
    } else {
      for (const row of detail.rows ?? []) {
        if (q.type === 'matrix') {
          rows.push({
            ...base,
            key: rowKey(q.name, row.value),
            row: { key: row.value, title: row.text },
            column: null,
            kind: 'choice',
            choices: detail.columns?.[0]?.choices ?? [],
          });
          continue;
        }
        for (const column of detail.columns ?? []) {
          rows.push({
            ...base,
            key: rowKey(q.name, row.value, column.name),
            row: { key: row.value, title: row.text },
            column: { key: column.name, title: column.title },
            kind: column.multiple ? 'multiple' : column.valueType,
            ...(column.choices ? { choices: column.choices } : {}),
          });
        }
      }
    }
    if (detail.comment || detail.rules?.other === 'comment') {
      const title = detail.comment ? 'Comment' : 'Other, as written';
      rows.push({ ...base, key: `${q.name}${COMMENT_SUFFIX}`, row: { key: COMMENT_SUFFIX, title }, column: null, kind: 'text', read: 'comment' });
    }
  }
  return rows;
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

function entriesOf(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null && !Array.isArray(e)) : [];
}

/** The stored value of a row in a response's data (undefined when unanswered). */
export function rawValue(spec: Pick<RowSpec, 'question' | 'row' | 'column' | 'read'>, data: Record<string, unknown>): unknown {
  const whole: unknown = data[spec.question];
  let value: unknown;
  switch (spec.read) {
    case 'rank': {
      const index = Array.isArray(whole) ? whole.findIndex((item) => String(item) === spec.row?.key) : -1;
      value = index >= 0 ? index + 1 : undefined;
      break;
    }
    case 'range':
      value = Array.isArray(whole) ? whole[spec.row?.key === 'to' ? 1 : 0] : undefined;
      break;
    case 'comment':
      value = data[`${spec.question}${COMMENT_SUFFIX}`];
      break;
    case 'count':
      // An empty list is no rows (0); a question never answered has no list at all.
      if (spec.column) {
        const lists = entriesOf(whole).map((e) => e[spec.column!.key]);
        value = lists.some(Array.isArray) ? lists.reduce<number>((n, list) => n + (Array.isArray(list) ? list.length : 0), 0) : undefined;
      } else value = Array.isArray(whole) ? whole.length : undefined;
      break;
    case 'sum': {
      const numbers = entriesOf(whole)
        .map((e) => e[spec.column!.key])
        .filter((v): v is number => typeof v === 'number');
      value = numbers.length ? numbers.reduce((a, b) => a + b, 0) : undefined;
      break;
    }
    case 'values':
      value = entriesOf(whole).flatMap((e) => {
        const v = e[spec.column!.key];
        // A matrix inside a row or panel is shown as its text (never "[object Object]").
        return isEmpty(v)
          ? []
          : Array.isArray(v)
            ? v.map((item) => (typeof item === 'object' && item !== null ? plainText(item) : item))
            : typeof v === 'object'
              ? [plainText(v)]
              : [v];
      });
      break;
    default:
      value = whole;
      for (const key of [spec.row?.key, spec.column?.key]) {
        if (key === undefined) continue;
        value = value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
      }
  }
  return isEmpty(value) ? undefined : value;
}

/**
 * A team's value of a row, as a comparison shows it: as stored, except that a submitted response without rows or
 * panels for a dynamic question has 0 of them (the topic figures count it so too).
 */
export function teamValue(spec: RowSpec, response: { status: ResponseStatus; data: Record<string, unknown> }): unknown {
  const raw = rawValue(spec, response.data);
  return raw === undefined && spec.read === 'count' && response.status === 'submitted' ? 0 : raw;
}

/** A structured value (a matrix's answer) as plain text: "row: value, row: value", nested objects in brackets. */
export function plainText(value: unknown): string {
  if (Array.isArray(value)) return value.map(plainText).join('; ');
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value)
      .filter(([, v]) => !isEmpty(v))
      .map(([k, v]) => `${k}: ${typeof v === 'object' && v !== null ? `(${plainText(v)})` : String(v)}`)
      .join(', ');
  }
  return String(value);
}

/**
 * What a reader sees: choices as their text, lists joined, numbers as written; null for no answer (never zero). An
 * answer written with "Other" and kept as the answer itself is shown after the "Other" label.
 */
export function displayValue(spec: Pick<RowSpec, 'kind' | 'choices' | 'otherLabel'>, raw: unknown): string | null {
  if (isEmpty(raw)) return null;
  const text = (value: unknown) => {
    const listed = spec.choices?.find((c) => c.value === String(value))?.text;
    if (listed !== undefined) return listed;
    return spec.otherLabel ? `${spec.otherLabel}: ${String(value)}` : String(value);
  };
  if (Array.isArray(raw)) return raw.map(text).join('; ');
  if (spec.kind === 'choice') return text(raw);
  if (typeof raw === 'object') return plainText(raw);
  return String(raw);
}

/** A value reduced for "is it the same?": lists compare regardless of order. */
function comparable(raw: unknown): string {
  if (raw === undefined || raw === null) return '';
  if (Array.isArray(raw)) return JSON.stringify(raw.map(String).sort());
  return JSON.stringify(raw);
}

/** Linear interpolation between closest ranks (PostgreSQL's percentile_cont; R type 7). `sorted` ascending. */
export function quantile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const h = (sorted.length - 1) * p;
  const lower = Math.floor(h);
  const upper = Math.min(lower + 1, sorted.length - 1);
  return sorted[lower] + (h - lower) * (sorted[upper] - sorted[lower]);
}

export type Spread = { n: number; median: number; q1: number; q3: number; lowFence: number | null; highFence: number | null };

export function spreadOf(values: number[]): Spread | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const q1 = quantile(sorted, 0.25);
  const q3 = quantile(sorted, 0.75);
  const enough = sorted.length >= OUTLIER_MIN_VALUES;
  const iqr = q3 - q1;
  return {
    n: sorted.length,
    median: quantile(sorted, 0.5),
    q1,
    q3,
    lowFence: enough ? q1 - 1.5 * iqr : null,
    highFence: enough ? q3 + 1.5 * iqr : null,
  };
}

export function outlierOf(spread: Spread | null, value: unknown): 'high' | 'low' | null {
  if (!spread || typeof value !== 'number' || spread.lowFence === null || spread.highFence === null) return null;
  if (value > spread.highFence) return 'high';
  if (value < spread.lowFence) return 'low';
  return null;
}

let topicCache: Map<string, string> | undefined;

/** Topic titles from surveys/topics.json (ids stand in when the file cannot be read). */
export function topicTitles(): Map<string, string> {
  if (!topicCache) {
    try {
      const topics = JSON.parse(fs.readFileSync(path.join(surveysDir(), 'topics.json'), 'utf8')) as Array<{ id: string; title: string }>;
      topicCache = new Map(topics.map((t) => [t.id, t.title]));
    } catch {
      topicCache = new Map();
    }
  }
  return topicCache;
}

function topicsOf(rows: Array<{ topic: string }>) {
  const titles = topicTitles();
  return [...new Set(rows.map((r) => r.topic))].map((id) => ({ id, title: titles.get(id) ?? id }));
}

export type TeamsComparisonRequest = { teams?: string[]; area?: string; topic?: string; onlyDiffering?: boolean };

/**
 * Teams of one round side by side: a row per question, matrix row or cell, a column per team. Numeric rows carry the
 * round's median and quartiles (over every team the reviewer can see, not only those compared) and flag outliers.
 */
/** The round and the teams in it the user may compare (with their responses' data), for the picker and the table. */
export async function comparableTeams(db: Executor, user: CurrentUser, roundId: number) {
  const round = await requireVisibleRound(db, user, roundId);
  const query = db
    .selectFrom('responses as s')
    .innerJoin('teams as t', 't.id', 's.team_id')
    .innerJoin('areas as a', 'a.id', 't.area_id')
    .select(['s.id as response_id', 's.status', 's.data', 't.id', 't.name', 't.slug', 't.area_id', 't.team_type', 'a.name as area_name', 'a.slug as area_slug'])
    .where('s.round_id', '=', roundId)
    .orderBy('a.name')
    .orderBy('t.name');
  const teams = await query.where(teamVisibleTo(user)).execute();
  const version = await getQuestionnaireVersion(db, round.questionnaire_version_id);
  return { round, version, teams, topics: topicsOf([...version.catalogue.values()]) };
}

export async function compareTeamsInRound(db: Executor, user: CurrentUser, roundId: number, request: TeamsComparisonRequest) {
  const { round, version, teams: available, topics } = await comparableTeams(db, user, roundId);

  let chosen: typeof available;
  if (request.area) {
    const token = request.area;
    chosen = available.filter((t) => String(t.area_id) === token || t.area_slug === token);
    if (!chosen.length)
      throw new DomainError(404, `No area "${token}" with teams in this round that you can see.`, {
        errors: [{ path: 'area', message: `"${token}" is not an area of this round you can see` }],
      });
  } else {
    const tokens = [...new Set(request.teams ?? [])];
    if (!tokens.length)
      throw invalid('Choose the teams to compare (up to 12), or an area.', { errors: [{ path: 'teams', message: 'choose at least one team' }] });
    if (tokens.length > MAX_COMPARED_TEAMS) {
      throw invalid(`Compare up to ${MAX_COMPARED_TEAMS} teams at a time (or a whole area).`, {
        errors: [{ path: 'teams', message: `${tokens.length} teams chosen` }],
      });
    }
    const missing = tokens.filter((token) => !available.some((t) => String(t.id) === token || t.slug === token));
    if (missing.length) {
      throw new DomainError(404, `No team ${missing.map((m) => `"${m}"`).join(', ')} in this round that you can see.`, {
        errors: missing.map((m) => ({ path: 'teams', message: `"${m}" is not a team of this round you can see` })),
      });
    }
    chosen = tokens.map((token) => available.find((t) => String(t.id) === token || t.slug === token)!);
  }

  const specs = rowsOf(version);

  // The round's spread per numeric row, from the typed answers table, over every visible team.
  const numeric = await db
    .selectFrom('answers as an')
    .select(['an.question', 'an.row_key', 'an.column_key', 'an.value_numeric'])
    .where('an.round_id', '=', roundId)
    .where('an.value_type', '=', 'numeric')
    .where('an.value_numeric', 'is not', null)
    .where('an.team_id', 'in', available.length ? available.map((t) => t.id) : [-1])
    .execute();
  const valuesByKey = new Map<string, number[]>();
  for (const a of numeric) {
    const key = rowKey(a.question, a.row_key, a.column_key);
    if (!valuesByKey.has(key)) valuesByKey.set(key, []);
    valuesByKey.get(key)!.push(Number(a.value_numeric));
  }

  // Numbers of a dynamic question's rows (their count, a column's total) are not answers of their own: their spread
  // is over each visible team's figure from its response.
  const figures = (spec: RowSpec) => available.map((team) => teamValue(spec, team)).filter((v): v is number => typeof v === 'number');
  const allRows = specs.map((spec) => {
    const spread = spec.kind !== 'numeric' ? null : spreadOf(spec.read === 'count' || spec.read === 'sum' ? figures(spec) : (valuesByKey.get(spec.key) ?? []));
    const values = chosen.map((team) => {
      const raw = teamValue(spec, team);
      return { teamId: team.id, value: raw ?? null, text: displayValue(spec, raw), outlier: spec.kind === 'numeric' ? outlierOf(spread, raw) : null };
    });
    const differs = new Set(values.map((v) => comparable(v.value))).size > 1;
    return {
      key: spec.key,
      question: spec.question,
      title: spec.title,
      topic: spec.topic,
      page: spec.page,
      row: spec.row,
      column: spec.column,
      kind: spec.kind,
      spread,
      values,
      differs,
    };
  });
  const rows = allRows.filter((r) => (!request.topic || r.topic === request.topic) && (!request.onlyDiffering || r.differs));
  return {
    round: {
      id: round.id,
      name: round.name,
      status: round.status,
      questionnaire: { slug: round.questionnaire_slug, title: round.questionnaire_title, version: round.version },
    },
    teams: chosen.map((t) => ({
      id: t.id,
      name: t.name,
      slug: t.slug,
      area: { id: t.area_id, name: t.area_name },
      responseId: t.response_id,
      status: t.status,
    })),
    available: available.map((t) => ({ id: t.id, name: t.name, slug: t.slug, area: { id: t.area_id, name: t.area_name, slug: t.area_slug } })),
    topics,
    outlierRule: OUTLIER_RULE,
    filter: { topic: request.topic ?? null, onlyDiffering: Boolean(request.onlyDiffering) },
    counts: {
      rows: rows.length,
      allRows: allRows.length,
      differing: allRows.filter((r) => r.differs).length,
      outliers: rows.reduce((n, r) => n + r.values.filter((v) => v.outlier).length, 0),
    },
    rows,
  };
}

export type TeamsComparison = Awaited<ReturnType<typeof compareTeamsInRound>>;

export type PhaseSide = { asked: boolean; question: string | null; value: unknown; text: string | null };
export type PhaseRowStatus = 'changed' | 'unchanged' | 'added' | 'removed';

/**
 * One team's answers in two rounds, aligned through the versions' mappings: a renamed question is one row, a
 * question only the earlier version asked is 'removed', one only the later version asks is 'added'. Rounds are put
 * in order (earlier version, then earlier round) whatever order they are asked in.
 */
/** A team a reviewer may look at (their area's, or any for authority-wide reviewers and administrators), or 404. */
export async function requireReviewableTeam(db: Executor, user: CurrentUser, teamId: number) {
  if (!hasPermission(user, 'response:read-any') || !Number.isSafeInteger(teamId) || teamId <= 0) throw notFound('team');
  const team = await db
    .selectFrom('teams as t')
    .innerJoin('areas as a', 'a.id', 't.area_id')
    .select(['t.id', 't.name', 't.slug', 't.area_id', 't.team_type', 'a.name as area_name'])
    .where('t.id', '=', teamId)
    .executeTakeFirst();
  if (!team || !canSeeTeam(user, team)) throw notFound('team');
  return team;
}

export async function compareTeamAcrossRounds(db: Executor, user: CurrentUser, teamId: number, roundIds: number[], request: { topic?: string } = {}) {
  const team = await requireReviewableTeam(db, user, teamId);
  const ids = [...new Set(roundIds)];
  if (ids.length !== 2) throw invalid('Choose two different rounds to compare.', { errors: [{ path: 'rounds', message: 'give two round ids' }] });
  const responses = await responseListQuery(db)
    .select(['s.data', 's.questionnaire_version_id', 'r.created_at'])
    .where('s.team_id', '=', teamId)
    .where('s.round_id', 'in', ids)
    .execute();
  const missing = ids.filter((id) => !responses.some((r) => r.round_id === id));
  if (missing.length) {
    throw new DomainError(404, `${team.name} has no response in round ${missing.join(' or ')}, or the round does not exist.`, {
      errors: missing.map((id) => ({ path: 'rounds', message: `round ${id} has no response of this team` })),
    });
  }
  responses.sort((a, b) => a.version - b.version || a.created_at.getTime() - b.created_at.getTime() || a.round_id - b.round_id);
  const [before, after] = responses;
  const path = await versionPath(db, before.questionnaire_version_id, after.questionnaire_version_id);
  const afterSpecs = rowsOf(path.to);
  const beforeSpecs = rowsOf(path.from);

  type Aligned = { key: string; before: RowSpec | null; after: RowSpec | null };
  const aligned: Aligned[] = afterSpecs.map((spec) => ({ key: spec.key, before: null, after: spec }));
  const index = new Map(aligned.map((row, i) => [row.key, i]));
  // Rows only the earlier version had go right after the row their predecessor was aligned with.
  const orphansAfter = new Map<number, Aligned[]>();
  let lastMatched = -1;
  for (const spec of beforeSpecs) {
    const newName = nameThrough(path.steps, spec.question);
    const key = newName && path.to.catalogue.has(newName) ? rowKey(newName, spec.row?.key, spec.column?.key) : null;
    const at = key === null ? undefined : index.get(key);
    if (at !== undefined) {
      aligned[at].before = spec;
      lastMatched = at;
    } else {
      if (!orphansAfter.has(lastMatched)) orphansAfter.set(lastMatched, []);
      orphansAfter.get(lastMatched)!.push({ key: `${spec.key}@v${path.from.version}`, before: spec, after: null });
    }
  }
  const ordered: Aligned[] = [...(orphansAfter.get(-1) ?? [])];
  aligned.forEach((row, i) => ordered.push(row, ...(orphansAfter.get(i) ?? [])));

  const side = (spec: RowSpec | null, data: Record<string, unknown>): PhaseSide => {
    if (!spec) return { asked: false, question: null, value: null, text: null };
    const raw = rawValue(spec, data);
    return { asked: true, question: spec.question, value: raw ?? null, text: displayValue(spec, raw) };
  };
  const allRows = ordered.map((row) => {
    const spec = (row.after ?? row.before)!;
    const b = side(row.before, before.data);
    const a = side(row.after, after.data);
    const status: PhaseRowStatus = !row.before ? 'added' : !row.after ? 'removed' : comparable(b.value) === comparable(a.value) ? 'unchanged' : 'changed';
    return {
      key: row.key,
      title: spec.title,
      titleBefore: row.before && row.after && row.before.title !== row.after.title ? row.before.title : null,
      topic: spec.topic,
      page: spec.page,
      row: spec.row,
      column: spec.column,
      kind: spec.kind,
      status,
      before: b,
      after: a,
    };
  });
  const rows = allRows.filter((r) => !request.topic || r.topic === request.topic);
  const count = (status: PhaseRowStatus) => rows.filter((r) => r.status === status).length;
  const describe = (r: typeof before) => ({
    id: r.round_id,
    name: r.round_name,
    responseId: r.id,
    status: r.status,
    questionnaireVersion: r.version,
    submittedAt: r.submitted_at?.toISOString() ?? null,
  });
  return {
    team: { id: team.id, name: team.name, slug: team.slug, area: { id: team.area_id, name: team.area_name } },
    questionnaire: { slug: path.to.slug, title: path.to.title },
    rounds: [describe(before), describe(after)],
    mapping: path.steps,
    topics: topicsOf(allRows),
    filter: { topic: request.topic ?? null },
    counts: { changed: count('changed'), unchanged: count('unchanged'), added: count('added'), removed: count('removed') },
    rows,
  };
}

export type PhasesComparison = Awaited<ReturnType<typeof compareTeamAcrossRounds>>;
