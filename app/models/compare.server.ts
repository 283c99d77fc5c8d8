import fs from 'node:fs';
import path from 'node:path';

import type { Executor } from '../../db/index';
import type { QuestionDetail, ResponseStatus } from '../../db/schema';
import { OTHER } from './answers.server';
import { hasPermission } from '~/utils/permissions';
import { nameThrough, versionPath } from './carry-forward.server';
import { getQuestionnaireVersion, type VersionInfo } from './questionnaires.server';
import { surveysDir } from './registry.server';
import { conflict, DomainError, invalid, notFound } from './errors.server';
import { responseListQuery } from './responses.server';
import { requireVisibleRound } from './rounds.server';
import type { CurrentUser } from './users.server';
import { COMMENT_SUFFIX } from './validation.server';
import { canSeeTeam, reachOf, teamVisibleTo } from './access.server';
import { sql } from 'kysely';
import { MAX_ID } from './ids';
import { containsPattern } from './lists.server';
import { runAggregate } from './aggregation/scope.server';
import { summariseCounts } from './aggregation/quantiles';

/**
 * Comparisons for reviewers: several teams of one round side by side, and one team across two rounds (phases),
 * with rows aligned by question name, matrix row and column, through the versions' mappings.
 */

export const MAX_COMPARED_TEAMS = 12;
/**
 * A whole area is compared when it has at most this many teams in the round: as many columns as a chosen set, which
 * keeps the page under its 300 KB budget (about 13 KB a team at the full self-assessment; docs/benchmarks.md).
 */
export const MAX_AREA_TEAMS = MAX_COMPARED_TEAMS;

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

/** Comparisons set one return per team side by side: a case-file audit round compares teams on its figures page. */
function requireTeamRound<R extends { subject: 'team' | 'case'; name: string }>(round: R): R {
  if (round.subject === 'case') {
    throw conflict(`${round.name} is a case-file audit: compare its teams on the round's figures page, which counts cases.`);
  }
  return round;
}

export type TeamsComparisonRequest = { teams?: string[]; area?: string; topic?: string; onlyDiffering?: boolean };

/** At most this many teams are offered at once to pick from (a search narrows them). */
export const TEAM_CHOICES_LIMIT = 50;

/** The responses of a round whose teams the user can see, with their team (`t`) and area (`a`). */
function visibleRoundTeams(db: Executor, user: CurrentUser, roundId: number) {
  return db
    .selectFrom('responses as s')
    .innerJoin('teams as t', 't.id', 's.team_id')
    .innerJoin('areas as a', 'a.id', 't.area_id')
    .where('s.round_id', '=', roundId)
    .where(teamVisibleTo(user));
}

const TEAM_COLUMNS = [
  's.id as response_id',
  's.status',
  't.id',
  't.name',
  't.slug',
  't.area_id',
  't.team_type',
  'a.name as area_name',
  'a.slug as area_slug',
] as const;

/**
 * What the comparison page offers to choose from, without listing every team (a national round holds thousands):
 * the round, its topics, its areas the user can see with how many teams each, and the teams matching a search
 * (name contains `q`, in area `areaId`), at most `limit` of them, with how many match in all (none looked for with a
 * limit of 0: a page showing a comparison has its teams already).
 */
export async function comparisonChoices(
  db: Executor,
  user: CurrentUser,
  roundId: number,
  search: { q?: string; areaId?: number; chosen?: number[] } = {},
  limit = TEAM_CHOICES_LIMIT,
) {
  const round = requireTeamRound(await requireVisibleRound(db, user, roundId));
  const matching = visibleRoundTeams(db, user, roundId)
    .$if(Boolean(search.q), (q) => q.where('t.name', 'ilike', containsPattern(search.q!)))
    .$if(search.areaId !== undefined, (q) => q.where('t.area_id', '=', search.areaId!));
  const chosenIds = (search.chosen ?? []).filter((id) => Number.isSafeInteger(id) && id > 0 && id <= MAX_ID);
  const [version, areas, found, total, chosen] = await Promise.all([
    getQuestionnaireVersion(db, round.questionnaire_version_id),
    visibleRoundTeams(db, user, roundId)
      .select((eb) => ['a.id', 'a.name', eb.fn.countAll<string>().as('teams')])
      .groupBy(['a.id', 'a.name'])
      .orderBy('a.name')
      .execute(),
    limit > 0 ? matching.select(TEAM_COLUMNS).orderBy('a.name').orderBy('t.name').orderBy('t.id').limit(limit).execute() : null,
    limit > 0 ? matching.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow() : null,
    chosenIds.length ? visibleRoundTeams(db, user, roundId).select(TEAM_COLUMNS).where('t.id', 'in', chosenIds).execute() : Promise.resolve([]),
  ]);
  return {
    round,
    topics: topicsOf([...version.catalogue.values()]),
    areas: areas.map((a) => ({ id: a.id, name: a.name, teams: Number(a.teams) })),
    found: found && total ? { teams: found, total: Number(total.n) } : null,
    // The teams already chosen, in the order asked (those the user cannot see are left out).
    chosen: chosenIds.flatMap((id) => chosen.filter((t) => t.id === id)),
  };
}

/** A spread from its quartiles, with Tukey's fences when there are enough values. */
function spreadFrom(n: number, q1: number, median: number, q3: number): Spread {
  const enough = n >= OUTLIER_MIN_VALUES;
  const iqr = q3 - q1;
  return { n, median, q1, q3, lowFence: enough ? q1 - 1.5 * iqr : null, highFence: enough ? q3 + 1.5 * iqr : null };
}

/**
 * The round's spread of every numeric answer (whole question or matrix cell) over the teams the user can see, in
 * SQL. Someone who sees every team reads the answer tallies (a few values per cell with their counts); a reviewer of
 * some areas reads their responses' own answers (through the response index), so their medians are their areas'.
 */
async function numericSpreads(db: Executor, user: CurrentUser, roundId: number): Promise<Map<string, Spread>> {
  const spreads = new Map<string, Spread>();
  if (reachOf(user).see === 'all') {
    const result = await runAggregate(
      db,
      sql<{ question: string; row_key: string; column_key: string; vals: number[]; counts: number[] }>`
      select question, row_key, column_key, array_agg(value order by value) as vals, array_agg(n order by value) as counts
      from (
        select question, row_key, column_key, value, sum(responses)::int as n
        from answer_tallies
        where round_id = ${roundId} and responses > 0
        group by question, row_key, column_key, value
      ) v
      group by question, row_key, column_key`,
    );
    for (const r of result.rows) {
      const summary = summariseCounts(r.vals.map(Number), r.counts.map(Number));
      if (summary) spreads.set(rowKey(r.question, r.row_key, r.column_key), spreadFrom(summary.n, summary.q1, summary.median, summary.q3));
    }
    return spreads;
  }
  const result = await runAggregate(
    db,
    sql<{ question: string; row_key: string; column_key: string; n: number; quartiles: number[] }>`
    select an.question, an.row_key, an.column_key, count(*)::int as n,
      percentile_cont(array[0.25, 0.5, 0.75]) within group (order by an.value_numeric) as quartiles
    from responses s
    join teams t on t.id = s.team_id
    cross join lateral (
      select a.question, a.row_key, a.column_key, a.value_numeric from answers a
      where a.response_id = s.id and a.value_type = 'numeric' and a.value_numeric is not null offset 0
    ) an
    where s.round_id = ${roundId} and ${teamVisibleTo(user)}
    group by an.question, an.row_key, an.column_key`,
  );
  for (const r of result.rows) {
    const [q1, median, q3] = r.quartiles.map(Number);
    spreads.set(rowKey(r.question, r.row_key, r.column_key), spreadFrom(Number(r.n), q1, median, q3));
  }
  return spreads;
}

/**
 * Teams of one round side by side: a row per question, matrix row or cell, a column per team. Numeric rows carry the
 * round's median and quartiles (over every team the reviewer can see, not only those compared) and flag outliers.
 * The teams are found in SQL (by id or identifier, or a whole area); only theirs are read whole.
 */
export async function compareTeamsInRound(db: Executor, user: CurrentUser, roundId: number, request: TeamsComparisonRequest) {
  const round = requireTeamRound(await requireVisibleRound(db, user, roundId));
  const version = await getQuestionnaireVersion(db, round.questionnaire_version_id);
  const teams = visibleRoundTeams(db, user, roundId).select([...TEAM_COLUMNS, 's.data']);

  let chosen: Awaited<ReturnType<typeof teams.execute>>;
  if (request.area) {
    const token = request.area;
    const id = /^\d{1,10}$/.test(token) && Number(token) <= MAX_ID ? Number(token) : null;
    chosen = await teams
      .where((eb) => (id === null ? eb('a.slug', '=', token) : eb.or([eb('a.id', '=', id), eb('a.slug', '=', token)])))
      .orderBy('a.name')
      .orderBy('t.name')
      .orderBy('t.id')
      .execute();
    if (!chosen.length)
      throw new DomainError(404, `No area "${token}" with teams in this round that you can see.`, {
        errors: [{ path: 'area', message: `"${token}" is not an area of this round you can see` }],
      });
    if (chosen.length > MAX_AREA_TEAMS) {
      throw invalid(
        `${chosen[0].area_name} has ${chosen.length} teams in this round: compare up to ${MAX_AREA_TEAMS} at a time (or choose up to ${MAX_COMPARED_TEAMS} teams).`,
        {
          errors: [{ path: 'area', message: `${chosen.length} teams, more than ${MAX_AREA_TEAMS}` }],
        },
      );
    }
  } else {
    const tokens = [...new Set(request.teams ?? [])];
    if (!tokens.length)
      throw invalid(`Choose the teams to compare (up to ${MAX_COMPARED_TEAMS}), or an area.`, {
        errors: [{ path: 'teams', message: 'choose at least one team' }],
      });
    if (tokens.length > MAX_COMPARED_TEAMS) {
      throw invalid(`Compare up to ${MAX_COMPARED_TEAMS} teams at a time (or a whole area).`, {
        errors: [{ path: 'teams', message: `${tokens.length} teams chosen` }],
      });
    }
    const ids = tokens.filter((t) => /^\d{1,10}$/.test(t) && Number(t) <= MAX_ID).map(Number);
    const found = await teams.where((eb) => eb.or([eb('t.slug', 'in', tokens), ...(ids.length ? [eb('t.id', 'in', ids)] : [])])).execute();
    const match = (token: string) => found.find((t) => String(t.id) === token) ?? found.find((t) => t.slug === token);
    const missing = tokens.filter((token) => !match(token));
    if (missing.length) {
      throw new DomainError(404, `No team ${missing.map((m) => `"${m}"`).join(', ')} in this round that you can see.`, {
        errors: missing.map((m) => ({ path: 'teams', message: `"${m}" is not a team of this round you can see` })),
      });
    }
    chosen = tokens.map((token) => match(token)!);
  }

  const specs = rowsOf(version);
  const spreads = await numericSpreads(db, user, roundId);

  // Numbers of a dynamic question's rows (their count, a column's total) are not answers of their own: their spread
  // is over each visible team's figure from its response, of which only those questions are read.
  const dynamic = [...new Set(specs.filter((s) => s.read === 'count' || s.read === 'sum').map((s) => s.question))];
  const everyTeam = dynamic.length
    ? await visibleRoundTeams(db, user, roundId)
        .select([
          's.status',
          sql<
            Record<string, unknown>
          >`(select coalesce(jsonb_object_agg(e.key, e.value), '{}'::jsonb) from jsonb_each(s.data) e where e.key in (${sql.join(dynamic)}))`.as('data'),
        ])
        .execute()
    : [];
  const figures = (spec: RowSpec) => everyTeam.map((team) => teamValue(spec, team)).filter((v): v is number => typeof v === 'number');
  const allRows = specs.map((spec) => {
    const spread = spec.kind !== 'numeric' ? null : spec.read === 'count' || spec.read === 'sum' ? spreadOf(figures(spec)) : (spreads.get(spec.key) ?? null);
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
    topics: topicsOf([...version.catalogue.values()]),
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
    .where('r.subject', '=', 'team')
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
