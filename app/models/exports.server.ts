import { PassThrough, Readable } from 'node:stream';
import { sql } from 'kysely';
import { stringify } from 'csv-stringify';
import { neutraliseFormula, neutraliseRow } from './spreadsheet-cells';
import ExcelJS from 'exceljs';
import type { Executor } from '../../db/index';
import { TEAM_TYPE_LABELS, type QuestionDetail, type StoredAs } from '../../db/schema';
import type { CatalogueQuestion } from './catalogue.server';
import { COMMENT_SUFFIX } from './validation.server';
import { stableNames } from './aggregation/lineage.server';
import { compareNames, inScope, type Scope, type ScopedResponse } from './aggregation/scope.server';
import { parseInsightsQuery, scopeForQuery, topicInfo } from './aggregation.server';
import { badParameter, notFound } from './errors.server';
import { recordExport } from './audit.server';
import type { CurrentUser } from './users.server';

/**
 * Exports of a round's answers (the responses of a Scope: the caller's teams, the filter, submitted only unless asked):
 *  - wide: one row per team, one column per value a question can hold;
 *  - long: one row per answer row (a checkbox question gives one row per ticked choice), plus a line for each text
 *    typed for "Other";
 *  - codebook: what every wide column holds.
 * Column names are stable across versions: a question's columns start with its name in the earliest version it was
 * carried from (see aggregation/lineage.server.ts), so senior_practitioner_fte (version 2) stays in the column
 * senior_practitioners. After that name come the answer row's place (row_key, then column_key), joined by dots:
 *  - `q`: a whole question (several ticked choices share one cell, as codes separated by "; "; a choice the
 *    respondent typed as they typed it);
 *  - `q.row.column` a matrix cell; `q.row` a single-choice matrix row or a multiple-text item; `q.item` a ranked
 *    item's rank (1 is first); `q.from` and `q.to` a slider range;
 *  - `q-Comment`: the text of a comment area; `q.row.column-Comment` and so on for a cell or a nested question;
 *  - "Other": the answer's column holds `other` (or the codes, other among them) and `<column>-Comment` the text typed
 *    for it, whether SurveyJS kept that text in `-Comment` or as the value (storeOthersAsComment). A question with
 *    both "Other" and a comment area keeps the comment in `-Comment` and the Other text in `<column>-Other`;
 *  - dynamic matrices and panels: `q.count` the number of rows or panels, then `q.1.column`, `q.2.column`… numbered from
 *    1 up to the most rows or panels any response of the export has; nested ones the same way inside
 *    (`q.1.visits.count`, `q.1.visits.2.date`), numbered up to the most any row or panel has.
 * The long form's `export_column` names the wide column of each line; the line for an "Other" text has the choice's
 * row, its column with `-Comment` (or `-Other`) added, value type text and the text as its value.
 */

export const EXPORT_FORMS = ['wide', 'long', 'codebook'] as const;
export type ExportForm = (typeof EXPORT_FORMS)[number];
export const MULTIPLE_SEPARATOR = '; ';
/** After a column that has both "Other" and a comment area, the Other text's column (the comment keeps `-Comment`). */
export const OTHER_TEXT_SUFFIX = '-Other';

/** Identifying columns at the start of every long row. */
export const LONG_ID_COLUMNS = ['round_id', 'round', 'team_id', 'team', 'area', 'team_type', 'status', 'questionnaire', 'version'] as const;
export const LONG_COLUMNS = [...LONG_ID_COLUMNS, 'question', 'row', 'column', 'export_column', 'topic', 'value_type', 'value'] as const;
/**
 * The same identifiers at the start of every wide row, named so they cannot be mistaken for question columns (the
 * self-assessment asks a question called team_type, for one).
 */
export const ID_COLUMNS = [
  'round_id',
  'round_name',
  'team_id',
  'team_name',
  'area_name',
  'registered_team_type',
  'response_status',
  'questionnaire',
  'questionnaire_version',
] as const;
/** A case-file audit round's exports also name the audited case, after its team. */
export const CASE_ID_COLUMN = 'case_reference';
type WideId = (typeof ID_COLUMNS)[number] | typeof CASE_ID_COLUMN;
type LongId = (typeof LONG_ID_COLUMNS)[number] | 'case';

/** The identifier columns of a wide export: a case round's add the case reference after the team's name. */
function wideIdColumns(scope: Pick<Scope, 'round'>): WideId[] {
  if (scope.round.subject !== 'case') return [...ID_COLUMNS];
  const at = ID_COLUMNS.indexOf('team_name') + 1;
  return [...ID_COLUMNS.slice(0, at), CASE_ID_COLUMN, ...ID_COLUMNS.slice(at)];
}

function longColumns(scope: Pick<Scope, 'round'>): string[] {
  if (scope.round.subject !== 'case') return [...LONG_COLUMNS];
  const at = LONG_COLUMNS.indexOf('team') + 1;
  return [...LONG_COLUMNS.slice(0, at), 'case', ...LONG_COLUMNS.slice(at)];
}

const WIDE_ID: Record<LongId, WideId> = {
  round_id: 'round_id',
  round: 'round_name',
  team_id: 'team_id',
  team: 'team_name',
  case: CASE_ID_COLUMN,
  area: 'area_name',
  team_type: 'registered_team_type',
  status: 'response_status',
  questionnaire: 'questionnaire',
  version: 'questionnaire_version',
};

export type CodebookEntry = {
  column: string;
  question: string;
  title: string;
  row: string;
  row_title: string;
  matrix_column: string;
  matrix_column_title: string;
  topic: string;
  version: number;
  type: string;
  value_type: string;
  choices: string;
  holds: string;
};
const CODEBOOK_COLUMNS = [
  'column',
  'question',
  'title',
  'row',
  'row_title',
  'matrix_column',
  'matrix_column_title',
  'topic',
  'version',
  'type',
  'value_type',
  'choices',
  'holds',
] as const satisfies ReadonlyArray<keyof CodebookEntry>;

/** What a wide column holds: a value, a ranked item's rank, an end of a range, a comment, an "Other" text, a count. */
type Holds = 'answer' | 'rank' | 'from' | 'to' | 'comment' | 'other' | 'count';

type Cell = {
  column: string;
  question: CatalogueQuestion;
  /** The place of the answer rows it holds (answers.row_key and column_key), as the long form shows them. */
  row: string;
  matrixColumn: string;
  rowTitle: string;
  columnTitle: string;
  valueType: string;
  choices?: { value: string; text: string }[];
  multiple: boolean;
  /** Besides the listed choices, a value the respondent typed (custom choices, choices copied from answers). */
  open: boolean;
  holds: Holds;
  /** Which dynamic row or panel it belongs to, in words ("panel 2", "panel 1, row 2 of Visits"), or ''. */
  within: string;
  /** The answer row it takes its value from: question, row_key and column_key (for "Other", the choice's). */
  source?: string;
  /** For a count: where the list is in the response's data (list positions from 0), and what it lists. */
  list?: Array<string | number>;
  listOf?: 'rows' | 'panels';
  /** For an "Other" text: the column of its choice. */
  choiceColumn?: string;
};

const key = (question: string, row: string, column: string) => `${question}\u0000${row}\u0000${column}`;
const otherKey = (question: string, row: string, column: string) => `other\u0000${key(question, row, column)}`;

/** The wide column of an answer row: the question's stable name, then its row and column (a suffix stays attached). */
function wideColumn(base: string, row: string, column: string): string {
  const tail = column === '' ? '' : column === COMMENT_SUFFIX || column === OTHER_TEXT_SUFFIX ? column : `.${column}`;
  return `${base}${row === '' ? '' : `.${row}`}${tail}`;
}

/** The column suffix of the text typed for "Other": `-Comment`, or `-Other` where a comment area has `-Comment`. */
const otherSuffix = (detail: QuestionDetail) => (detail.comment ? OTHER_TEXT_SUFFIX : COMMENT_SUFFIX);

/** A question's columns start with its stable name (see the module comment). */
async function columnBases(db: Executor, scope: Pick<Scope, 'version'>): Promise<Map<string, string>> {
  const stable = await stableNames(db, scope.version.id);
  return new Map(
    [...scope.version.catalogue.keys()].map((name) => {
      const base = stable.get(name) ?? name;
      // A question named like an identifier column keeps its answers apart (none does today).
      return [name, (ID_COLUMNS as readonly string[]).includes(base) ? `${base}_answer` : base];
    }),
  );
}

type Spec = { valueType: StoredAs; detail: QuestionDetail };
/**
 * Where a value sits, as app/models/answers.server.ts keys its answer rows: `row` and `column` (row_key and column_key),
 * with their titles for the codebook, and where it is in the response's data (`data`, for counting a list).
 */
type Place = { row: string; column: string; rowTitle: string; columnTitle: string; within: string; data: Array<string | number> };

const joinPath = (...parts: string[]) => parts.filter((p) => p !== '').join('.');
const joinTitles = (...parts: string[]) => parts.filter((p) => p !== '').join(' / ');
const isTop = (place: Place) => place.row === '' && place.column === '';
/** A cell of a matrix, ranking, range or multiple-text question: inside a panel it goes after the panel's place. */
function cellAt(place: Place, row: { value: string; title: string }, column: { name: string; title: string } = { name: '', title: '' }): Place {
  if (isTop(place)) return { ...place, row: row.value, column: column.name, rowTitle: row.title, columnTitle: column.title };
  return { ...place, column: joinPath(place.column, row.value, column.name), columnTitle: joinTitles(place.columnTitle, row.title, column.title) };
}
/** A nested question in row or panel `n` of a dynamic question (numbered from 1, as its answer rows are). */
function entryAt(place: Place, n: number, kind: string, field: { name: string; title: string }): Place {
  const data = [...place.data, n - 1, field.name];
  if (place.row === '')
    return {
      row: String(n),
      column: joinPath(place.column, field.name),
      rowTitle: `${capitalise(kind)} ${n}`,
      columnTitle: field.title,
      within: `${kind} ${n}`,
      data,
    };
  return {
    ...place,
    column: joinPath(place.column, String(n), field.name),
    columnTitle: joinTitles(place.columnTitle, `${capitalise(kind)} ${n}`, field.title),
    within: `${place.within}, ${kind} ${n} of ${place.columnTitle}`,
    data,
  };
}
const capitalise = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
const listKey = (data: Array<string | number>) => data.map((p) => (typeof p === 'number' ? '*' : p)).join('\u0000');

/** The wide columns of one value (a question, a matrix cell or a nested question) at its place. */
function columnsOf(question: CatalogueQuestion, base: string, most: Map<string, number>, spec: Spec, place: Place): Cell[] {
  const { detail } = spec;
  const cells: Cell[] = [];
  const add = (at: Place, cell: Pick<Cell, 'holds' | 'valueType'> & Partial<Cell>) =>
    cells.push({
      column: wideColumn(base, at.row, at.column),
      question,
      row: at.row,
      matrixColumn: at.column,
      rowTitle: at.rowTitle,
      columnTitle: at.columnTitle,
      multiple: false,
      open: false,
      within: at.within,
      source: key(question.name, at.row, at.column),
      ...cell,
    });
  switch (spec.valueType) {
    case 'numeric':
    case 'text':
      // A numeric rating lists its values' labels as choices.
      add(place, { holds: 'answer', valueType: spec.valueType, choices: detail.choices });
      break;
    case 'choice':
    case 'multiple':
      add(place, { holds: 'answer', valueType: 'choice', choices: detail.choices, multiple: spec.valueType === 'multiple', open: Boolean(detail.rules?.open) });
      if (detail.rules?.other) {
        const suffix = otherSuffix(detail);
        add(
          { ...place, column: `${place.column}${suffix}` },
          { holds: 'other', valueType: 'text', source: otherKey(question.name, place.row, place.column), choiceColumn: cells[cells.length - 1].column },
        );
      }
      break;
    case 'matrix':
      if (detail.ranking) {
        for (const item of detail.rows ?? []) add(cellAt(place, { value: item.value, title: item.text }), { holds: 'rank', valueType: 'numeric' });
      } else if (detail.items) {
        for (const item of detail.items) {
          const holds = detail.range ? (item.name as 'from' | 'to') : 'answer';
          add(cellAt(place, { value: item.name, title: item.title }), { holds, valueType: item.valueType });
        }
      } else {
        for (const row of detail.rows ?? [])
          for (const column of detail.columns ?? []) {
            const at = cellAt(place, { value: row.value, title: row.text }, { name: column.name, title: column.title });
            const multiple = Boolean(column.multiple);
            cells.push(
              ...columnsOf(
                question,
                base,
                most,
                { valueType: multiple ? 'multiple' : column.valueType, detail: { choices: column.choices, rules: column.rules } },
                at,
              ),
            );
          }
      }
      break;
    case 'dynamic': {
      const kind = detail.dynamic === 'panels' ? 'panel' : 'row';
      add(place, {
        column: wideColumn(base, place.row, joinPath(place.column, 'count')),
        holds: 'count',
        valueType: 'numeric',
        list: place.data,
        listOf: detail.dynamic,
        source: undefined,
      });
      for (let n = 1; n <= (most.get(listKey(place.data)) ?? 0); n++)
        for (const field of detail.fields ?? []) cells.push(...columnsOf(question, base, most, field, entryAt(place, n, kind, field)));
      break;
    }
  }
  if (detail.comment) add({ ...place, column: `${place.column}${COMMENT_SUFFIX}` }, { holds: 'comment', valueType: 'text' });
  return cells;
}

/** The lists of dynamic rows and panels a question holds, nested ones included, as paths in a response's data. */
function listsOf(name: string, spec: Spec, path: Array<string | number> = [name]): Array<Array<string | number>> {
  if (spec.valueType !== 'dynamic') return [];
  return [path, ...(spec.detail.fields ?? []).flatMap((field) => listsOf(field.name, field, [...path, 0, field.name]))];
}

/** For each list of dynamic rows or panels (listKey), the most entries any response of the scope has in it. */
async function mostEntries(db: Executor, scope: ExportScope): Promise<Map<string, number>> {
  const lists = [...scope.version.catalogue.values()].flatMap((q) => listsOf(q.name, q));
  if (!lists.length || !scope.responses.length) return new Map();
  // One JSON path per list (`$."children"[*]."visits"` reaches the visits of every panel), all in one pass over the
  // scope's responses.
  const jsonPath = (path: Array<string | number>) => `$${path.map((p) => (typeof p === 'number' ? '[*]' : `.${JSON.stringify(p)}`)).join('')}`;
  const paths = sql.join(lists.map((path, i) => sql`(${sql.lit(i)}, cast(${jsonPath(path)} as text)::jsonpath)`));
  const { rows } = await sql<{ list: number; most: number | null }>`
    select p.list, max(jsonb_array_length(x))::int as most
    from responses r
    cross join (values ${paths}) as p(list, path)
    cross join lateral jsonb_path_query(r.data, p.path) x
    where r.round_id = ${scope.round.id} and ${inScope(scope, sql.ref('r.id'))} and jsonb_typeof(x) = 'array'
    group by p.list`.execute(db);
  return new Map(rows.map((r) => [listKey(lists[Number(r.list)]), Number(r.most ?? 0)]));
}

type ExportScope = Pick<Scope, 'version' | 'round' | 'responses' | 'excludedResponseIds'>;

/**
 * The wide columns of a scope, in questionnaire order. Dynamic rows and panels get as many numbered columns as the
 * scope's responses need, so the columns depend on the responses as well as the version.
 */
export async function exportCells(db: Executor, scope: ExportScope): Promise<Cell[]> {
  const [bases, most] = await Promise.all([columnBases(db, scope), mostEntries(db, scope)]);
  const top: Place = { row: '', column: '', rowTitle: '', columnTitle: '', within: '', data: [] };
  return [...scope.version.catalogue.values()]
    .sort((a, b) => a.position - b.position)
    .flatMap((q) => columnsOf(q, bases.get(q.name)!, most, q, { ...top, data: [q.name] }));
}

const ID_DESCRIPTIONS: Record<WideId, string> = {
  round_id: 'Round id',
  round_name: 'Round name',
  team_id: 'Team id',
  team_name: 'Team name',
  case_reference: 'Reference of the audited case, as the authority’s case system writes it',
  area_name: 'Area',
  registered_team_type: 'Team type as registered in Stocktake',
  response_status: 'Response status (submitted, in_progress, returned)',
  questionnaire: 'Questionnaire',
  questionnaire_version: 'Questionnaire version the team answered',
};

/** What a column holds, in words, for the codebook. */
function holdsText(cell: Cell): string {
  const where = cell.within ? ` in ${cell.within}` : '';
  switch (cell.holds) {
    case 'answer':
      return `answer${where}`;
    case 'rank':
      return `rank of this item${where} (1 is first)`;
    case 'from':
      return `lower end of the range${where}`;
    case 'to':
      return `upper end of the range${where}`;
    case 'comment':
      return `text typed in the comment area${where}`;
    case 'other':
      return `text typed for "Other"${where} (the column ${cell.choiceColumn} holds other)`;
    case 'count':
      return `number of ${cell.listOf}${where}`;
  }
}

function codebookOf(scope: ExportScope, cells: Cell[]): CodebookEntry[] {
  const ids: CodebookEntry[] = wideIdColumns(scope).map((column) => ({
    column,
    question: '',
    title: ID_DESCRIPTIONS[column],
    row: '',
    row_title: '',
    matrix_column: '',
    matrix_column_title: '',
    topic: '',
    version: scope.version.version,
    type: 'identifier',
    value_type: column === 'round_id' || column === 'team_id' || column === 'questionnaire_version' ? 'numeric' : 'text',
    choices: '',
    holds: 'identifier',
  }));
  return [
    ...ids,
    ...cells.map((c) => ({
      column: c.column,
      question: c.question.name,
      title: c.question.title,
      row: c.row,
      row_title: c.rowTitle,
      matrix_column: c.matrixColumn,
      matrix_column_title: c.columnTitle,
      topic: `${c.question.topic} (${topicInfo(c.question.topic).title})`,
      version: scope.version.version,
      type: c.question.type,
      value_type: `${c.multiple ? `choice, several separated by "${MULTIPLE_SEPARATOR}"` : c.valueType}${c.open ? ', or a value the respondent typed' : ''}`,
      choices: (c.choices ?? []).map((choice) => `${choice.value}=${choice.text}`).join(MULTIPLE_SEPARATOR),
      holds: holdsText(c),
    })),
  ];
}

type AnswerRow = {
  response_id: number;
  question: string;
  row_key: string;
  column_key: string;
  topic: string;
  value_type: string;
  value_numeric: number | null;
  value_text: string | null;
  value_choice: string | null;
};

const BATCH = 500;

/** Responses of the scope in export order (area, then team), in batches with their answer rows. */
async function* answerBatches(db: Executor, scope: Scope): AsyncGenerator<{ responses: ScopedResponse[]; answers: AnswerRow[] }> {
  const ordered = [...scope.responses].sort((a, b) => compareNames(a.areaName, b.areaName) || compareNames(a.teamName, b.teamName) || a.teamId - b.teamId);
  for (let i = 0; i < ordered.length; i += BATCH) {
    const responses = ordered.slice(i, i + BATCH);
    const answers = (await db
      .selectFrom('answers')
      .select(['response_id', 'question', 'row_key', 'column_key', 'topic', 'value_type', 'value_numeric', 'value_text', 'value_choice'])
      .where(
        'response_id',
        'in',
        responses.map((r) => r.responseId),
      )
      .orderBy('response_id')
      .orderBy('id')
      .execute()) as AnswerRow[];
    yield { responses, answers };
  }
}

/** The lists of dynamic rows and panels of some responses (only those keys of their data), by response id. */
async function listsByResponse(db: Executor, responseIds: number[], questions: string[]): Promise<Map<number, Record<string, unknown>>> {
  if (!questions.length || !responseIds.length) return new Map();
  const lists = sql<
    Record<string, unknown>
  >`jsonb_build_object(${sql.join(questions.flatMap((q) => [sql`cast(${q} as text)`, sql`data -> cast(${q} as text)`]))})`;
  const rows = await db
    .selectFrom('responses')
    .select(['id', lists.as('lists')])
    .where('id', 'in', responseIds)
    .execute();
  return new Map(rows.map((r) => [r.id, r.lists as Record<string, unknown>]));
}

/** How many entries the list at `path` has (null when the response has no list there). */
function countAt(data: Record<string, unknown> | undefined, path: Array<string | number>): number | null {
  let value: unknown = data;
  for (const step of path) value = value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[step] : undefined;
  return Array.isArray(value) ? value.length : null;
}

function idValues(scope: Scope, response: ScopedResponse) {
  return {
    round_id: scope.round.id,
    round: scope.round.name,
    team_id: response.teamId,
    team: response.teamName,
    ...(scope.round.subject === 'case' ? { case: response.caseReference ?? '' } : {}),
    area: response.areaName,
    team_type: response.teamType,
    status: response.status,
    questionnaire: scope.version.slug,
    version: scope.version.version,
  };
}

const valueOf = (a: AnswerRow): string | number =>
  a.value_type === 'numeric' ? Number(a.value_numeric) : a.value_type === 'choice' ? (a.value_choice ?? '') : (a.value_text ?? '');
/** The text typed for "Other", which answers.server.ts keeps with the choice `other` in value_text. */
const otherTextOf = (a: AnswerRow): string | null => (a.value_type === 'choice' && a.value_text !== null ? a.value_text : null);

/** Wide rows, one per team, with the columns `cells` (exportCells of the same scope). */
export async function* wideRows(db: Executor, scope: Scope, cells: Cell[]): AsyncGenerator<Record<string, string | number | null>> {
  const bySource = new Map(cells.filter((c) => c.source !== undefined).map((c) => [c.source!, c]));
  const counts = cells.filter((c) => c.list);
  const dynamic = [...new Set(counts.map((c) => c.question.name))];
  for await (const batch of answerBatches(db, scope)) {
    const byResponse = new Map<number, AnswerRow[]>();
    for (const a of batch.answers) byResponse.set(a.response_id, [...(byResponse.get(a.response_id) ?? []), a]);
    const lists = await listsByResponse(
      db,
      batch.responses.map((r) => r.responseId),
      dynamic,
    );
    for (const response of batch.responses) {
      const ids = idValues(scope, response);
      const row: Record<string, string | number | null> = Object.fromEntries(
        Object.entries(ids).map(([key, value]) => [WIDE_ID[key as keyof typeof WIDE_ID], value]),
      );
      for (const c of cells) row[c.column] = null;
      for (const c of counts) row[c.column] = countAt(lists.get(response.responseId), c.list!);
      for (const a of byResponse.get(response.responseId) ?? []) {
        const cell = bySource.get(key(a.question, a.row_key, a.column_key));
        if (cell) {
          const value = valueOf(a);
          row[cell.column] = cell.multiple && row[cell.column] !== null ? `${row[cell.column]}${MULTIPLE_SEPARATOR}${value}` : value;
        }
        const other = otherTextOf(a);
        const otherCell = other === null ? undefined : bySource.get(otherKey(a.question, a.row_key, a.column_key));
        if (otherCell) row[otherCell.column] = other;
      }
      yield row;
    }
  }
}

/** Long rows, one per answer row, and after a choice "other" a line with the text typed for it. */
export async function* longRows(db: Executor, scope: Scope, cells: Cell[]): AsyncGenerator<Record<string, string | number>> {
  const bySource = new Map(cells.filter((c) => c.source !== undefined).map((c) => [c.source!, c]));
  const bases = await columnBases(db, scope);
  for await (const batch of answerBatches(db, scope)) {
    const responses = new Map(batch.responses.map((r) => [r.responseId, r]));
    for (const a of batch.answers) {
      const line = { ...idValues(scope, responses.get(a.response_id)!), question: a.question, row: a.row_key };
      const base = bases.get(a.question) ?? a.question;
      yield {
        ...line,
        column: a.column_key,
        export_column: bySource.get(key(a.question, a.row_key, a.column_key))?.column ?? wideColumn(base, a.row_key, a.column_key),
        topic: a.topic,
        value_type: a.value_type,
        value: valueOf(a),
      };
      const other = otherTextOf(a);
      if (other === null) continue;
      const otherCell = bySource.get(otherKey(a.question, a.row_key, a.column_key));
      const column = otherCell?.matrixColumn ?? `${a.column_key}${COMMENT_SUFFIX}`;
      yield { ...line, column, export_column: otherCell?.column ?? wideColumn(base, a.row_key, column), topic: a.topic, value_type: 'text', value: other };
    }
  }
}

export function exportFileName(scope: Scope, form: ExportForm, extension: 'csv' | 'xlsx'): string {
  const slug =
    scope.round.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'round';
  const filter = [
    scope.filter.areaId !== null ? scope.areas.find((a) => a.id === scope.filter.areaId)?.slug : null,
    scope.filter.teamType,
    scope.filter.includeInProgress ? 'with-in-progress' : null,
  ].filter(Boolean);
  return `stocktake-round-${scope.round.id}-${slug}${filter.length ? `-${filter.join('-')}` : ''}-${form}.${extension}`;
}

async function* codebookRows(scope: Scope, cells: Cell[]) {
  for (const entry of codebookOf(scope, cells)) yield entry as unknown as Record<string, string | number>;
}

/** A CSV file (UTF-8 with a byte-order mark, so spreadsheet programs read it as UTF-8), streamed. */
export async function csvExport(db: Executor, scope: Scope, form: ExportForm): Promise<ReadableStream<Uint8Array>> {
  const cells = await exportCells(db, scope);
  const columns = form === 'wide' ? [...wideIdColumns(scope), ...cells.map((c) => c.column)] : form === 'long' ? longColumns(scope) : [...CODEBOOK_COLUMNS];
  const rows = form === 'wide' ? wideRows(db, scope, cells) : form === 'long' ? longRows(db, scope, cells) : codebookRows(scope, cells);
  // Text that a spreadsheet would run as a formula is neutralised (app/models/spreadsheet-cells.ts).
  const stringifier = stringify({ header: true, columns, bom: true, cast: { number: (n) => String(n), string: (text) => neutraliseFormula(text) } });
  const source = Readable.from(rows);
  source.on('error', (error) => stringifier.destroy(error));
  source.pipe(stringifier);
  return Readable.toWeb(stringifier) as unknown as ReadableStream<Uint8Array>;
}

/** An XLSX workbook, streamed: the chosen form's sheet, then the codebook and a sheet saying what the file holds. */
export async function xlsxExport(db: Executor, scope: Scope, form: Exclude<ExportForm, 'codebook'>): Promise<ReadableStream<Uint8Array>> {
  const output = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true, useSharedStrings: false });
  workbook.creator = 'Stocktake';
  workbook.created = new Date();
  const write = async () => {
    const cells = await exportCells(db, scope);
    const data = workbook.addWorksheet(form === 'wide' ? 'Wide' : 'Long', { views: [{ state: 'frozen', ySplit: 1, xSplit: form === 'wide' ? 4 : 0 }] });
    const columns = form === 'wide' ? [...wideIdColumns(scope), ...cells.map((c) => c.column)] : longColumns(scope);
    data.columns = columns.map((key) => ({ header: key, key, width: Math.min(40, Math.max(10, key.length + 2)) }));
    data.getRow(1).font = { bold: true };
    for await (const row of form === 'wide' ? wideRows(db, scope, cells) : longRows(db, scope, cells)) data.addRow(neutraliseRow(row)).commit();
    data.commit();
    const book = workbook.addWorksheet('Codebook', { views: [{ state: 'frozen', ySplit: 1 }] });
    const entries = codebookOf(scope, cells);
    book.columns = CODEBOOK_COLUMNS.map((key) => ({ header: key, key, width: key === 'title' || key === 'choices' ? 60 : 24 }));
    book.getRow(1).font = { bold: true };
    for (const entry of entries) book.addRow(neutraliseRow(entry)).commit();
    book.commit();
    const about = workbook.addWorksheet('About');
    about.columns = [
      { header: 'Item', key: 'item', width: 28 },
      { header: 'Value', key: 'value', width: 90 },
    ];
    about.getRow(1).font = { bold: true };
    const area = scope.filter.areaId !== null ? scope.areas.find((a) => a.id === scope.filter.areaId)?.name : null;
    for (const [item, value] of [
      ['Round', `${scope.round.name} (id ${scope.round.id})`],
      ['Questionnaire', `${scope.version.title}, version ${scope.version.version}`],
      ['Responses', `${scope.counts.included} (${scope.filter.includeInProgress ? 'submitted, in progress and returned' : 'submitted only'})`],
      ['Area', area ?? 'All areas you can see'],
      ['Team type', scope.filter.teamType ? TEAM_TYPE_LABELS[scope.filter.teamType] : 'All team types'],
      ['Form', form === 'wide' ? 'Wide: one row per team, one column per question, matrix cell, ranked item or range end' : 'Long: one row per answer'],
      ['Several choices', `Codes separated by "${MULTIPLE_SEPARATOR}" (see the Codebook sheet for their labels)`],
      [
        '"Other" and comments',
        form === 'wide'
          ? 'The answer holds "other"; the text typed for it is in the column after, ending "-Comment" (or "-Other" where a comment area has "-Comment")'
          : 'The answer "other" is followed by a line with the text typed for it, its column ending "-Comment" (or "-Other" where a comment area has "-Comment")',
      ],
      ['Dynamic rows and panels', 'Numbered from 1 (question.1.column); question.count gives how many a team has (see the Codebook sheet)'],
      ['Exported', new Date().toISOString()],
    ]) {
      about.addRow(neutraliseRow({ item, value })).commit();
    }
    about.commit();
    await workbook.commit();
  };
  write().catch((error) => output.destroy(error));
  return Readable.toWeb(output) as unknown as ReadableStream<Uint8Array>;
}

/**
 * A round's export as the API asks for it: parameters checked (a 400 refusal naming the parameter), the scope loaded
 * (404 when the round is not the caller's), the file as a stream with its name. Permissions are checked by the route
 * first, and the route sends the file (app/utils/download.server.ts).
 */
export async function roundExport(
  db: Executor,
  user: CurrentUser,
  roundId: number,
  params: URLSearchParams,
  format: 'csv' | 'xlsx',
): Promise<{ body: ReadableStream<Uint8Array>; fileName: string }> {
  const forms: readonly ExportForm[] = format === 'csv' ? EXPORT_FORMS : ['wide', 'long'];
  const rest = new URLSearchParams(params);
  const form = (rest.get('form') || 'wide') as ExportForm;
  rest.delete('form');
  if (!forms.includes(form)) throw badParameter('form', `must be one of ${forms.join(', ')}`);
  const scope = await scopeForQuery(db, user, roundId, parseInsightsQuery(rest, ['area', 'teamType', 'includeInProgress']));
  if (!scope) throw notFound('round');
  const { areaId, teamType, includeInProgress } = scope.filter;
  await recordExport(db, user.id, {
    kind: 'answers',
    entityType: 'round',
    entityId: scope.round.id,
    format,
    form,
    filters: { areaId, teamType, includeInProgress: includeInProgress || null },
  });
  const body = format === 'csv' ? await csvExport(db, scope, form) : await xlsxExport(db, scope, form as Exclude<ExportForm, 'codebook'>);
  return { body, fileName: exportFileName(scope, form, format) };
}
