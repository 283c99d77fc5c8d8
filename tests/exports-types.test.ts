import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import type { Model } from 'survey-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRound } from '../app/models/rounds.server';
import { loader as csvLoader } from '../app/routes/api.v1.rounds.$roundId.export[.csv]';
import { loader as xlsxLoader } from '../app/routes/api.v1.rounds.$roundId.export[.xlsx]';
import { writeResponse } from './helpers/aggregation-fixtures';
import { useTestDatabase, type TestDatabase } from './helpers/db';
import { answerEveryType, EVERY_TYPE_SURVEYS } from './helpers/every-type';
import { callRoute, createArea, createTeam, createUser, publishFixtureSurveys, sessionHeaders } from './helpers/factories';

/**
 * The exports of the every-type questionnaire (tests/fixtures/surveys-types): two teams answer it as the browser does
 * (tests/helpers/every-type.ts), Dover with fewer dynamic rows and panels but more nested rows, and every kind of value
 * is checked cell by cell in the wide, long and codebook forms, as CSV and as XLSX.
 */

type Loose = any; // survey-core's dynamic questions are driven through their untyped API, as in tests/helpers/every-type.ts

let test: TestDatabase;
let headers: Record<string, string>;
let roundId: number;
let laterRoundId: number;
let responseIds: { ashford: number; dover: number };

/** Dover: one supervision session and one child (Ashford has two of each), but two visits to that child. */
function doverAnswers(): Model {
  const model = answerEveryType();
  (model.getQuestionByName('supervision_log') as Loose).removeRow(1);
  const children = model.getQuestionByName('children') as Loose;
  children.removePanel(children.panels[1]);
  const visits = children.panels[0].getQuestionByName('visits');
  visits.addRow();
  visits.visibleRows[1].cells[0].question.value = '2009-02-09';
  visits.visibleRows[1].cells[1].question.value = 'Worker B';
  return model;
}

/** Version 1's answers under version 2's names (meta.json renames the dynamic questions and drops team_colour). */
function asVersion2(data: Record<string, unknown>): Record<string, unknown> {
  const renamed: Record<string, string> = {
    children: 'children_seen',
    supervision_log: 'supervision_sessions',
    'supervision_log-total': 'supervision_sessions-total',
  };
  return Object.fromEntries(Object.entries(data).flatMap(([key, value]) => (key === 'team_colour' ? [] : [[renamed[key] ?? key, value]])));
}

beforeAll(async () => {
  test = await useTestDatabase();
  const versions = await publishFixtureSurveys(test.db, EVERY_TYPE_SURVEYS);
  const area = await createArea(test.db, 'East Kent');
  const ashford = await createTeam(test.db, area.id, 'duty-initial-assessment', 'Ashford Duty');
  const dover = await createTeam(test.db, area.id, 'duty-initial-assessment', 'Dover Duty');
  const admin = await createUser(test.db, 'admin');
  headers = await sessionHeaders(test.db, await createUser(test.db, 'reviewer'));
  const round = await createRound(
    test.db,
    { name: 'Snapshot', questionnaireVersionId: versions['every-type@1'], dueDate: '2009-02-28', teamIds: [ashford.id, dover.id] },
    admin.id,
  );
  roundId = round.id;
  const later = await createRound(
    test.db,
    { name: 'Snapshot 2', questionnaireVersionId: versions['every-type@2'], dueDate: '2009-05-29', teamIds: [ashford.id] },
    admin.id,
  );
  laterRoundId = later.id;
  const responses = await test.db.selectFrom('responses').select(['id', 'team_id', 'round_id']).execute();
  const responseOf = (round: number, team: number) => responses.find((r) => r.round_id === round && r.team_id === team)!.id;
  responseIds = { ashford: responseOf(round.id, ashford.id), dover: responseOf(round.id, dover.id) };
  await writeResponse(test.db, responseIds.ashford, answerEveryType().data, 'submitted');
  await writeResponse(test.db, responseIds.dover, doverAnswers().data, 'submitted');
  await writeResponse(test.db, responseOf(later.id, ashford.id), asVersion2(answerEveryType().data), 'submitted');
});
afterAll(() => test.destroy());

async function download(loader: typeof csvLoader, round: number, extension: 'csv' | 'xlsx', form: string): Promise<Buffer> {
  const response = (await callRoute(loader, `/api/v1/rounds/${round}/export.${extension}?form=${form}`, {
    headers,
    params: { roundId: String(round) },
  })) as Response;
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

async function csv(form: 'wide' | 'long' | 'codebook', round = roundId): Promise<Record<string, string>[]> {
  return parse(await download(csvLoader, round, 'csv', form), { columns: true, bom: true, skip_empty_lines: true });
}

async function csvHeader(form: 'wide' | 'long' | 'codebook', round = roundId): Promise<string[]> {
  const [header]: string[][] = parse(await download(csvLoader, round, 'csv', form), { bom: true, to_line: 1 });
  return header;
}

async function workbook(form: 'wide' | 'long'): Promise<ExcelJS.Workbook> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load((await download(xlsxLoader, roundId, 'xlsx', form)) as unknown as ArrayBuffer);
  return book;
}

/** A sheet's rows as records keyed by its header, cell values as ExcelJS reads them (numbers stay numbers). */
function sheetRecords(sheet: ExcelJS.Worksheet): Record<string, unknown>[] {
  const header = (sheet.getRow(1).values as unknown[]).slice(1).map(String);
  const records: Record<string, unknown>[] = [];
  sheet.eachRow((row, n) => {
    if (n > 1) records.push(Object.fromEntries(header.map((name, i) => [name, row.getCell(i + 1).value ?? null])));
  });
  return records;
}

const pick = <T>(record: Record<string, T>, columns: string[]) => Object.fromEntries(columns.map((c) => [c, record[c]]));

/** Ashford's wide cells for a sample of every type (CSV text; the XLSX test checks the numbers as numbers). */
const ASHFORD: Record<string, string> = {
  snapshot_date: '2009-02-01',
  meeting_start: '2009-02-01T09:30',
  open_cases: '42',
  confidence: '70',
  team_colour: '#336699',
  pressures: 'Two workers on long-term sick leave (synthetic).',
  agency_share: '20',
  // slider range
  'caseload_band.from': '12',
  'caseload_band.to': '30',
  // "Other" with its text in -Comment (storeOthersAsComment on)
  referral_route: 'other',
  'referral_route-Comment': 'Anonymous callers',
  // "Other" kept as the value (storeOthersAsComment off) beside a comment area: the comment keeps -Comment
  threshold_view: 'other',
  'threshold_view-Other': 'Depends on the duty manager',
  'threshold_view-Comment': 'More referrals are stepped down',
  // several choices, "Other" among them
  agencies_checked: 'police; other',
  'agencies_checked-Comment': 'Youth offending team',
  strategy_attendees: 'police; health',
  // a custom choice as typed
  training_needs: 'court; Chairing meetings',
  ics_problem: 'dontknow',
  worst_delay: 'core',
  duty_rota_full: 'false',
  ics_used: 'yes',
  // a comment area
  morale: '3',
  'morale-Comment': 'Better since January',
  // ranking: each item's rank
  'priorities.recording': '1',
  'priorities.timeliness': '2',
  'priorities.supervision': '3',
  office_layout: 'open',
  rooms_used: 'family; interview',
  manager_remarks: 'Synthetic answers for a test.',
  'recording.chronology': 'part',
  'recording.plan': 'full',
  // a matrix cell with "Other"
  'workers.qualified.count': '6',
  'workers.qualified.cover': 'other',
  'workers.qualified.cover-Comment': 'Seconded',
  'workers.qualified.duties': 'duty',
  'workers.qualified.supervised': 'true',
  'workers.unqualified.count': '',
  'workers.unqualified.cover-Comment': '',
  'contacts_month.received': '120',
  'contacts_month.note': 'Half from schools',
  // a dynamic matrix: its rows numbered from 1, with a detail panel's question
  'supervision_log.count': '2',
  'supervision_log.1.worker': 'Worker A',
  'supervision_log.1.minutes': '60',
  'supervision_log.1.kind': 'other',
  'supervision_log.1.kind-Comment': 'Group supervision',
  'supervision_log.1.recorded': '',
  'supervision_log.1.actions': 'Review the plan',
  'supervision_log.2.worker': 'Worker B',
  'supervision_log.2.recorded': 'false',
  // a dynamic panel, with a dynamic matrix inside
  'children.count': '2',
  'children.1.case_reference': 'C-0001',
  'children.1.age': '4',
  'children.1.seen_alone': 'other',
  'children.1.seen_alone-Comment': 'Too young to be seen alone',
  'children.1.plans': 'none',
  'children.1.visits.count': '1',
  'children.1.visits.1.date': '2009-02-02',
  'children.1.visits.1.by': 'Worker A',
  'children.1.visits.2.date': '',
  'children.2.case_reference': 'C-0002',
  'children.2.seen_alone': 'yes',
  'children.2.seen_alone-Comment': '',
  'children.2.plans': 'cp; cin',
  'children.2.visits.count': '',
};

describe('every answer-holding type in the exports', () => {
  it('wide CSV: a column for every value, dynamic rows and panels numbered up to the most any team has', async () => {
    const rows = await csv('wide');
    expect(rows.map((r) => r.team_name)).toEqual(['Ashford Duty', 'Dover Duty']);
    const [ashford, dover] = rows;
    expect(pick(ashford, Object.keys(ASHFORD))).toEqual(ASHFORD);
    // Dover has one session and one child, but two visits to that child.
    expect(
      pick(dover, [
        'supervision_log.count',
        'supervision_log.1.kind-Comment',
        'supervision_log.2.worker',
        'children.count',
        'children.1.visits.count',
        'children.1.visits.2.date',
        'children.1.visits.2.by',
        'children.2.case_reference',
      ]),
    ).toEqual({
      'supervision_log.count': '1',
      'supervision_log.1.kind-Comment': 'Group supervision',
      'supervision_log.2.worker': '',
      'children.count': '1',
      'children.1.visits.count': '2',
      'children.1.visits.2.date': '2009-02-09',
      'children.1.visits.2.by': 'Worker B',
      'children.2.case_reference': '',
    });
    // Two panels (Ashford's) and two visits (Dover's first child) in every panel, each list with its count first.
    const header = Object.keys(ashford);
    expect(header.filter((c) => c.startsWith('children.'))).toEqual([
      'children.count',
      ...[1, 2].flatMap((n) => [
        `children.${n}.case_reference`,
        `children.${n}.age`,
        `children.${n}.seen_alone`,
        `children.${n}.seen_alone-Comment`,
        `children.${n}.plans`,
        `children.${n}.visits.count`,
        ...[1, 2].flatMap((v) => [`children.${n}.visits.${v}.date`, `children.${n}.visits.${v}.by`]),
      ]),
    ]);
    expect(header.filter((c) => c.startsWith('supervision_log.2.'))).toEqual([
      'supervision_log.2.worker',
      'supervision_log.2.minutes',
      'supervision_log.2.kind',
      'supervision_log.2.kind-Comment',
      'supervision_log.2.recorded',
      'supervision_log.2.actions',
    ]);
    // Computed values (expressions, matrix totals) are not answers: the exports leave them out.
    expect(header.filter((c) => /^cases_if_shared$|\.share$|-total$|\.age_band$/.test(c))).toEqual([]);
  });

  it('codebook: an entry per wide column, saying what it holds', async () => {
    const [wide] = await csv('wide');
    const book = await csv('codebook');
    expect(book.map((b) => b.column)).toEqual(Object.keys(wide));
    const entry = (column: string) => book.find((b) => b.column === column)!;
    const described = (columns: string[]) => Object.fromEntries(columns.map((c) => [c, entry(c).holds]));
    expect(
      described([
        'open_cases',
        'priorities.recording',
        'caseload_band.from',
        'caseload_band.to',
        'morale-Comment',
        'referral_route-Comment',
        'threshold_view-Other',
        'threshold_view-Comment',
        'workers.qualified.cover-Comment',
        'supervision_log.count',
        'supervision_log.2.kind-Comment',
        'children.count',
        'children.2.age',
        'children.2.visits.count',
        'children.2.visits.1.date',
      ]),
    ).toEqual({
      open_cases: 'answer',
      'priorities.recording': 'rank of this item (1 is first)',
      'caseload_band.from': 'lower end of the range',
      'caseload_band.to': 'upper end of the range',
      'morale-Comment': 'text typed in the comment area',
      'referral_route-Comment': 'text typed for "Other" (the column referral_route holds other)',
      'threshold_view-Other': 'text typed for "Other" (the column threshold_view holds other)',
      'threshold_view-Comment': 'text typed in the comment area',
      'workers.qualified.cover-Comment': 'text typed for "Other" (the column workers.qualified.cover holds other)',
      'supervision_log.count': 'number of rows',
      'supervision_log.2.kind-Comment': 'text typed for "Other" in row 2 (the column supervision_log.2.kind holds other)',
      'children.count': 'number of panels',
      'children.2.age': 'answer in panel 2',
      'children.2.visits.count': 'number of rows in panel 2',
      'children.2.visits.1.date': 'answer in panel 2, row 1 of Visits',
    });
    expect(entry('children.2.visits.1.date')).toMatchObject({
      question: 'children',
      row: '2',
      row_title: 'Panel 2',
      matrix_column: 'visits.1.date',
      matrix_column_title: 'Visits / Row 1 / Date',
      type: 'paneldynamic',
      value_type: 'text',
    });
    expect(entry('priorities.recording')).toMatchObject({ row: 'recording', row_title: 'Recording', type: 'ranking', value_type: 'numeric' });
    expect(entry('workers.qualified.cover')).toMatchObject({
      row: 'qualified',
      matrix_column: 'cover',
      value_type: 'choice',
      choices: 'permanent=Permanent; agency=Agency; other=Other (describe)',
    });
    expect(entry('workers.qualified.cover-Comment')).toMatchObject({ row: 'qualified', matrix_column: 'cover-Comment', value_type: 'text', choices: '' });
    expect(entry('children.count')).toMatchObject({ question: 'children', row: '', value_type: 'numeric' });
    expect(entry('training_needs').value_type).toBe('choice, several separated by "; ", or a value the respondent typed');
    expect(entry('morale').choices).toBe('1=1; 2=2; 3=3; 4=4; 5=5');
  });

  it('long CSV: one line per answer row, and after "other" a line with the text typed for it', async () => {
    const long = await csv('long');
    const lines = (team: string, question: string) =>
      long.filter((r) => r.team === team && r.question === question).map((r) => pick(r, ['row', 'column', 'export_column', 'value_type', 'value']));
    expect(lines('Ashford Duty', 'referral_route')).toEqual([
      { row: '', column: '', export_column: 'referral_route', value_type: 'choice', value: 'other' },
      // A column starting with "-" is written with an apostrophe, as every such text (app/models/spreadsheet-cells.ts).
      { row: '', column: "'-Comment", export_column: 'referral_route-Comment', value_type: 'text', value: 'Anonymous callers' },
    ]);
    expect(lines('Ashford Duty', 'threshold_view')).toEqual([
      { row: '', column: '', export_column: 'threshold_view', value_type: 'choice', value: 'other' },
      { row: '', column: "'-Other", export_column: 'threshold_view-Other', value_type: 'text', value: 'Depends on the duty manager' },
      { row: '', column: "'-Comment", export_column: 'threshold_view-Comment', value_type: 'text', value: 'More referrals are stepped down' },
    ]);
    expect(lines('Ashford Duty', 'priorities')).toEqual([
      { row: 'recording', column: '', export_column: 'priorities.recording', value_type: 'numeric', value: '1' },
      { row: 'timeliness', column: '', export_column: 'priorities.timeliness', value_type: 'numeric', value: '2' },
      { row: 'supervision', column: '', export_column: 'priorities.supervision', value_type: 'numeric', value: '3' },
    ]);
    expect(lines('Ashford Duty', 'workers').filter((l) => l.column.startsWith('cover'))).toEqual([
      { row: 'qualified', column: 'cover', export_column: 'workers.qualified.cover', value_type: 'choice', value: 'other' },
      { row: 'qualified', column: 'cover-Comment', export_column: 'workers.qualified.cover-Comment', value_type: 'text', value: 'Seconded' },
    ]);
    expect(lines('Dover Duty', 'children').filter((l) => l.column.startsWith('seen_alone') || l.column.startsWith('visits'))).toEqual([
      { row: '1', column: 'seen_alone', export_column: 'children.1.seen_alone', value_type: 'choice', value: 'other' },
      { row: '1', column: 'seen_alone-Comment', export_column: 'children.1.seen_alone-Comment', value_type: 'text', value: 'Too young to be seen alone' },
      { row: '1', column: 'visits.1.date', export_column: 'children.1.visits.1.date', value_type: 'text', value: '2009-02-02' },
      { row: '1', column: 'visits.1.by', export_column: 'children.1.visits.1.by', value_type: 'text', value: 'Worker A' },
      { row: '1', column: 'visits.2.date', export_column: 'children.1.visits.2.date', value_type: 'text', value: '2009-02-09' },
      { row: '1', column: 'visits.2.by', export_column: 'children.1.visits.2.by', value_type: 'text', value: 'Worker B' },
    ]);
    // Every answer row is a line, and every "Other" text one more.
    for (const [team, responseId] of [
      ['Ashford Duty', responseIds.ashford],
      ['Dover Duty', responseIds.dover],
    ] as const) {
      const answers = await test.db.selectFrom('answers').select(['value_type', 'value_text']).where('response_id', '=', responseId).execute();
      const others = answers.filter((a) => a.value_type === 'choice' && a.value_text !== null).length;
      expect(others, team).toBe(6);
      expect(long.filter((r) => r.team === team).length, team).toBe(answers.length + others);
    }
    // The long and wide forms agree: each line's value is in the wide cell its export_column names.
    const wide = new Map((await csv('wide')).map((r) => [r.team_name, r]));
    for (const line of long) {
      const cell = wide.get(line.team)![line.export_column];
      expect(cell === undefined ? undefined : cell.split('; '), `${line.team} ${line.export_column}`).toContain(line.value);
    }
  });

  it('XLSX: the same cells, numbers as numbers, with the codebook sheet', async () => {
    const book = await workbook('wide');
    expect(book.worksheets.map((s) => s.name)).toEqual(['Wide', 'Codebook', 'About']);
    const [ashford, dover] = sheetRecords(book.getWorksheet('Wide')!);
    const header = (book.getWorksheet('Wide')!.getRow(1).values as unknown[]).slice(1);
    expect(header).toEqual(await csvHeader('wide'));
    expect(
      pick(ashford, [
        'open_cases',
        'caseload_band.to',
        'threshold_view',
        'threshold_view-Other',
        'agencies_checked',
        'priorities.timeliness',
        'workers.qualified.cover-Comment',
        'supervision_log.count',
        'supervision_log.1.kind-Comment',
        'supervision_log.2.minutes',
        'children.1.visits.1.date',
        'children.2.age',
        'children.2.visits.count',
      ]),
    ).toEqual({
      open_cases: 42,
      'caseload_band.to': 30,
      threshold_view: 'other',
      'threshold_view-Other': 'Depends on the duty manager',
      agencies_checked: 'police; other',
      'priorities.timeliness': 2,
      'workers.qualified.cover-Comment': 'Seconded',
      'supervision_log.count': 2,
      'supervision_log.1.kind-Comment': 'Group supervision',
      'supervision_log.2.minutes': 45,
      'children.1.visits.1.date': '2009-02-02',
      'children.2.age': 11,
      'children.2.visits.count': null,
    });
    expect(pick(dover, ['children.count', 'children.1.visits.count', 'children.1.visits.2.by', 'children.2.age'])).toEqual({
      'children.count': 1,
      'children.1.visits.count': 2,
      'children.1.visits.2.by': 'Worker B',
      'children.2.age': null,
    });
    const codebook = sheetRecords(book.getWorksheet('Codebook')!);
    expect(codebook.map((entry) => entry.column)).toEqual(header);
    expect(codebook.find((entry) => entry.column === 'children.1.visits.count')).toMatchObject({ holds: 'number of rows in panel 1', value_type: 'numeric' });

    const long = sheetRecords((await workbook('long')).getWorksheet('Long')!);
    expect(
      long
        .filter((r) => r.team === 'Ashford Duty' && String(r.export_column).startsWith('supervision_log.1.'))
        .map((r) => [r.export_column, r.value_type, r.value]),
    ).toEqual([
      ['supervision_log.1.worker', 'text', 'Worker A'],
      ['supervision_log.1.minutes', 'numeric', 60],
      ['supervision_log.1.kind', 'choice', 'other'],
      ['supervision_log.1.kind-Comment', 'text', 'Group supervision'],
      ['supervision_log.1.actions', 'text', 'Review the plan'],
    ]);
  });

  it('keeps the columns of questions a later version renames, nested columns included', async () => {
    const [ashford] = await csv('wide', laterRoundId);
    const header = Object.keys(ashford);
    expect(header.filter((c) => /children_seen|supervision_sessions|team_colour/.test(c))).toEqual([]);
    expect(
      pick(ashford, [
        'questionnaire_version',
        'supervision_log.count',
        'supervision_log.1.kind-Comment',
        'children.count',
        'children.1.visits.1.date',
        'children.2.plans',
      ]),
    ).toEqual({
      questionnaire_version: '2',
      'supervision_log.count': '2',
      'supervision_log.1.kind-Comment': 'Group supervision',
      'children.count': '2',
      'children.1.visits.1.date': '2009-02-02',
      'children.2.plans': 'cp; cin',
    });
    const book = await csv('codebook', laterRoundId);
    expect(book.find((b) => b.column === 'children.1.visits.1.date')).toMatchObject({
      question: 'children_seen',
      version: '2',
      matrix_column: 'visits.1.date',
    });
    const long = await csv('long', laterRoundId);
    expect(long.find((r) => r.question === 'children_seen' && r.row === '1' && r.column === 'seen_alone-Comment')).toMatchObject({
      export_column: 'children.1.seen_alone-Comment',
      value: 'Too young to be seen alone',
    });
  });
});
