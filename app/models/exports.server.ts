import { PassThrough, Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { neutraliseFormula, neutraliseRow } from './spreadsheet-cells';
import ExcelJS from 'exceljs';
import type { Executor } from '../../db/index';
import { TEAM_TYPE_LABELS } from '../../db/schema';
import type { CatalogueQuestion } from './catalogue.server';
import { stableNames } from './aggregation/lineage.server';
import { compareNames, type Scope, type ScopedResponse } from './aggregation/scope.server';
import { parseInsightsQuery, scopeForQuery, topicInfo } from './aggregation.server';
import { badParameter, notFound } from './errors.server';
import type { CurrentUser } from './users.server';

/**
 * Exports of a round's answers (the responses of a Scope: the caller's teams, the filter, submitted only unless asked):
 *  - wide: one row per team, one column per question, matrix cell or multiple-text item;
 *  - long: one row per answer (a checkbox question gives one row per ticked choice);
 *  - codebook: what every wide column holds.
 * Column names are stable across versions: a question's column is its name in the earliest version it was carried
 * from (see aggregation/lineage.server.ts), so senior_practitioner_fte (version 2) stays in the column
 * senior_practitioners. Matrix cells are `question.row.column`, single-choice matrix rows and multiple-text items
 * `question.row`. Several ticked choices share one cell, as codes separated by "; ".
 */

export const EXPORT_FORMS = ['wide', 'long', 'codebook'] as const;
export type ExportForm = (typeof EXPORT_FORMS)[number];
export const MULTIPLE_SEPARATOR = '; ';

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
const WIDE_ID: Record<(typeof LONG_ID_COLUMNS)[number], (typeof ID_COLUMNS)[number]> = {
  round_id: 'round_id',
  round: 'round_name',
  team_id: 'team_id',
  team: 'team_name',
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
};

type Cell = {
  column: string;
  question: CatalogueQuestion;
  row: string;
  matrixColumn: string;
  rowTitle: string;
  columnTitle: string;
  valueType: string;
  choices?: { value: string; text: string }[];
  multiple: boolean;
};

/** The wide columns of a version, in questionnaire order. */
export async function exportCells(db: Executor, scope: Pick<Scope, 'version'>): Promise<Cell[]> {
  const stable = await stableNames(db, scope.version.id);
  const cells: Cell[] = [];
  for (const q of [...scope.version.catalogue.values()].sort((a, b) => a.position - b.position)) {
    let base = stable.get(q.name) ?? q.name;
    // A question named like an identifier column keeps its answers apart (none does today).
    if ((ID_COLUMNS as readonly string[]).includes(base)) base = `${base}_answer`;
    if (q.valueType !== 'matrix') {
      cells.push({
        column: base,
        question: q,
        row: '',
        matrixColumn: '',
        rowTitle: '',
        columnTitle: '',
        valueType: q.valueType === 'multiple' ? 'choice' : q.valueType,
        choices: q.detail.choices,
        multiple: q.valueType === 'multiple',
      });
    } else if (q.detail.items) {
      for (const item of q.detail.items)
        cells.push({
          column: `${base}.${item.name}`,
          question: q,
          row: item.name,
          matrixColumn: '',
          rowTitle: item.title,
          columnTitle: '',
          valueType: item.valueType,
          multiple: false,
        });
    } else {
      const columns = q.detail.columns ?? [];
      for (const row of q.detail.rows ?? []) {
        for (const column of columns) {
          cells.push({
            column: column.name ? `${base}.${row.value}.${column.name}` : `${base}.${row.value}`,
            question: q,
            row: row.value,
            matrixColumn: column.name,
            rowTitle: row.text,
            columnTitle: column.title,
            valueType: column.valueType,
            choices: column.choices,
            multiple: Boolean(column.multiple),
          });
        }
      }
    }
  }
  return cells;
}

const ID_DESCRIPTIONS: Record<(typeof ID_COLUMNS)[number], string> = {
  round_id: 'Round id',
  round_name: 'Round name',
  team_id: 'Team id',
  team_name: 'Team name',
  area_name: 'Area',
  registered_team_type: 'Team type as registered in Stocktake',
  response_status: 'Response status (submitted, in_progress, returned)',
  questionnaire: 'Questionnaire',
  questionnaire_version: 'Questionnaire version the team answered',
};

export async function codebook(db: Executor, scope: Pick<Scope, 'version'>): Promise<CodebookEntry[]> {
  const ids: CodebookEntry[] = ID_COLUMNS.map((column) => ({
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
  }));
  return [
    ...ids,
    ...(await exportCells(db, scope)).map((c) => ({
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
      value_type: c.multiple ? `choice, several separated by "${MULTIPLE_SEPARATOR}"` : c.valueType,
      choices: (c.choices ?? []).map((choice) => `${choice.value}=${choice.text}`).join(MULTIPLE_SEPARATOR),
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

function idValues(scope: Scope, response: ScopedResponse) {
  return {
    round_id: scope.round.id,
    round: scope.round.name,
    team_id: response.teamId,
    team: response.teamName,
    area: response.areaName,
    team_type: response.teamType,
    status: response.status,
    questionnaire: scope.version.slug,
    version: scope.version.version,
  };
}

const valueOf = (a: AnswerRow): string | number =>
  a.value_type === 'numeric' ? Number(a.value_numeric) : a.value_type === 'choice' ? (a.value_choice ?? '') : (a.value_text ?? '');

/** Wide rows, one per team. */
export async function* wideRows(db: Executor, scope: Scope): AsyncGenerator<Record<string, string | number | null>> {
  const cells = await exportCells(db, scope);
  const byKey = new Map(cells.map((c) => [`${c.question.name}\u0000${c.row}\u0000${c.matrixColumn}`, c]));
  for await (const batch of answerBatches(db, scope)) {
    const byResponse = new Map<number, AnswerRow[]>();
    for (const a of batch.answers) byResponse.set(a.response_id, [...(byResponse.get(a.response_id) ?? []), a]);
    for (const response of batch.responses) {
      const ids = idValues(scope, response);
      const row: Record<string, string | number | null> = Object.fromEntries(
        Object.entries(ids).map(([key, value]) => [WIDE_ID[key as keyof typeof WIDE_ID], value]),
      );
      for (const c of cells) row[c.column] = null;
      for (const a of byResponse.get(response.responseId) ?? []) {
        const cell = byKey.get(`${a.question}\u0000${a.row_key}\u0000${a.column_key}`);
        if (!cell) continue;
        const value = valueOf(a);
        row[cell.column] = cell.multiple && row[cell.column] !== null ? `${row[cell.column]}${MULTIPLE_SEPARATOR}${value}` : value;
      }
      yield row;
    }
  }
}

/** Long rows, one per answer. */
export async function* longRows(db: Executor, scope: Scope): AsyncGenerator<Record<string, string | number>> {
  const cells = await exportCells(db, scope);
  const columnOf = new Map(cells.map((c) => [`${c.question.name}\u0000${c.row}\u0000${c.matrixColumn}`, c.column]));
  for await (const batch of answerBatches(db, scope)) {
    const responses = new Map(batch.responses.map((r) => [r.responseId, r]));
    for (const a of batch.answers) {
      yield {
        ...idValues(scope, responses.get(a.response_id)!),
        question: a.question,
        row: a.row_key,
        column: a.column_key,
        export_column: columnOf.get(`${a.question}\u0000${a.row_key}\u0000${a.column_key}`) ?? a.question,
        topic: a.topic,
        value_type: a.value_type,
        value: valueOf(a),
      };
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

async function* codebookRows(db: Executor, scope: Scope) {
  for (const entry of await codebook(db, scope)) yield entry as unknown as Record<string, string | number>;
}

/** A CSV file (UTF-8 with a byte-order mark, so spreadsheet programs read it as UTF-8), streamed. */
export async function csvExport(db: Executor, scope: Scope, form: ExportForm): Promise<ReadableStream<Uint8Array>> {
  const columns =
    form === 'wide'
      ? [...ID_COLUMNS, ...(await exportCells(db, scope)).map((c) => c.column)]
      : form === 'long'
        ? [...LONG_COLUMNS]
        : ['column', 'question', 'title', 'row', 'row_title', 'matrix_column', 'matrix_column_title', 'topic', 'version', 'type', 'value_type', 'choices'];
  const rows = form === 'wide' ? wideRows(db, scope) : form === 'long' ? longRows(db, scope) : codebookRows(db, scope);
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
    const columns = form === 'wide' ? [...ID_COLUMNS, ...cells.map((c) => c.column)] : [...LONG_COLUMNS];
    data.columns = columns.map((key) => ({ header: key, key, width: Math.min(40, Math.max(10, key.length + 2)) }));
    data.getRow(1).font = { bold: true };
    for await (const row of form === 'wide' ? wideRows(db, scope) : longRows(db, scope)) data.addRow(neutraliseRow(row)).commit();
    data.commit();
    const book = workbook.addWorksheet('Codebook', { views: [{ state: 'frozen', ySplit: 1 }] });
    const entries = await codebook(db, scope);
    book.columns = Object.keys(entries[0]).map((key) => ({ header: key, key, width: key === 'title' || key === 'choices' ? 60 : 24 }));
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
      ['Form', form === 'wide' ? 'Wide: one row per team, one column per question or matrix cell' : 'Long: one row per answer'],
      ['Several choices', `Codes separated by "${MULTIPLE_SEPARATOR}" (see the Codebook sheet for their labels)`],
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
  const body = format === 'csv' ? await csvExport(db, scope, form) : await xlsxExport(db, scope, form as Exclude<ExportForm, 'codebook'>);
  return { body, fileName: exportFileName(scope, form, format) };
}
