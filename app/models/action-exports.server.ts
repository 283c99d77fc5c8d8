import { PassThrough, Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';
import type { Executor } from '../../db/index';
import { actionRef, registerRows, type RegisterFilter } from './actions.server';
import { recordExport } from './audit.server';
import { neutraliseFormula, neutraliseRow } from './spreadsheet-cells';
import type { CurrentUser } from './users.server';

/**
 * The action register as a file (CSV or XLSX): every action the register's filters leave for the user, one row each,
 * in the order they were raised. Text a spreadsheet would run as a formula is neutralised (spreadsheet-cells.ts);
 * the download is recorded in the audit trail (action `export`, kind `actions`) before the file is sent.
 */

export const ACTION_EXPORT_COLUMNS = [
  'reference',
  'id',
  'title',
  'team',
  'area',
  'owner',
  'target_date',
  'status',
  'overdue',
  'dropped_reason',
  'source',
  'source_reference',
  'topic',
  'round',
  'source_response_id',
  'source_question',
  'source_row',
  'created_at',
  'updated_at',
  'closed_at',
] as const;

type ExportRow = Record<(typeof ACTION_EXPORT_COLUMNS)[number], string | number>;

const iso = (value: Date | string | null) => (value === null ? '' : value instanceof Date ? value.toISOString() : value);

function exportRow(a: Awaited<ReturnType<typeof registerRows>>[number]): ExportRow {
  return {
    reference: actionRef(a.id),
    id: a.id,
    title: a.title,
    team: a.team_name ?? 'Whole authority',
    area: a.area_name ?? '',
    owner: a.owner,
    target_date: a.target_date ?? '',
    status: a.status,
    overdue: a.overdue ? 'yes' : 'no',
    dropped_reason: a.dropped_reason ?? '',
    source: a.source,
    source_reference: a.reference ?? '',
    topic: a.topic ?? '',
    round: a.round_name ?? '',
    source_response_id: a.source_response_id ?? '',
    source_question: a.source_question ?? '',
    source_row: a.source_row ?? '',
    created_at: iso(a.created_at),
    updated_at: iso(a.updated_at),
    closed_at: iso(a.closed_at),
  };
}

/** The filter as the audit trail keeps it and the file's About sheet says it (no page number). */
function filterDetails(filter: RegisterFilter): Record<string, unknown> {
  const { page: _page, ...rest } = filter;
  return rest;
}

function fileName(extension: 'csv' | 'xlsx'): string {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
  return `stocktake-actions-${day}.${extension}`;
}

/** A CSV file of the register (UTF-8 with a byte-order mark), streamed. */
function csvFile(rows: ExportRow[]): ReadableStream<Uint8Array> {
  const stringifier = stringify({
    header: true,
    columns: [...ACTION_EXPORT_COLUMNS],
    bom: true,
    cast: { number: (n) => String(n), string: (text) => neutraliseFormula(text) },
  });
  const source = Readable.from(rows);
  source.on('error', (error) => stringifier.destroy(error));
  source.pipe(stringifier);
  return Readable.toWeb(stringifier) as unknown as ReadableStream<Uint8Array>;
}

/** An XLSX workbook of the register, streamed: the actions, then a sheet saying what the file holds. */
function xlsxFile(rows: ExportRow[], filter: RegisterFilter): ReadableStream<Uint8Array> {
  const output = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true, useSharedStrings: false });
  workbook.creator = 'Stocktake';
  workbook.created = new Date();
  const write = async () => {
    const sheet = workbook.addWorksheet('Actions', { views: [{ state: 'frozen', ySplit: 1, xSplit: 1 }] });
    sheet.columns = ACTION_EXPORT_COLUMNS.map((key) => ({
      header: key,
      key,
      width: key === 'title' ? 60 : key === 'dropped_reason' ? 40 : Math.max(10, key.length + 2),
    }));
    sheet.getRow(1).font = { bold: true };
    for (const row of rows) sheet.addRow(neutraliseRow(row)).commit();
    sheet.commit();
    const about = workbook.addWorksheet('About');
    about.columns = [
      { header: 'Item', key: 'item', width: 28 },
      { header: 'Value', key: 'value', width: 90 },
    ];
    about.getRow(1).font = { bold: true };
    const filters = Object.entries(filterDetails(filter))
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(', ');
    for (const [item, value] of [
      ['Actions', String(rows.length)],
      ['Filters', filters || 'None: every action you can see'],
      ['status', 'open, in_progress, done or dropped'],
      ['overdue', 'yes when the action is open or in progress after its target date'],
      ['source', 'answer (proposed from a return and accepted), case-audit (a case-file audit finding) or recommendation (raised by a reviewer)'],
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

/** The register's export for the user and filter, recorded in the audit trail; the route sends it (download.server.ts). */
export async function actionsExport(
  db: Executor,
  user: CurrentUser,
  filter: RegisterFilter,
  format: 'csv' | 'xlsx',
): Promise<{ body: ReadableStream<Uint8Array>; fileName: string; rows: number }> {
  const rows = (await registerRows(db, user, filter)).map(exportRow);
  await recordExport(db, user.id, { kind: 'actions', entityType: 'actions', format, filters: filterDetails(filter) });
  return { body: format === 'csv' ? csvFile(rows) : xlsxFile(rows, filter), fileName: fileName(format), rows: rows.length };
}
