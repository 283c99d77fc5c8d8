import { type Kysely, sql } from 'kysely';

// The staffing and caseload answers of each response side by side, one row per response (see
// app/models/aggregation/staffing.server.ts, refreshResponseStaffing). The staffing figures pair a team's answers
// (vacant posts over establishment, caseload weighted by workers); at 9,000 teams, pairing them from the answers
// table on every page view cost about 100 ms. rewriteAnswers keeps the row in the same transaction as the answers.
// The question names are those of the team self-assessment (STAFFING_QUESTIONS), written out here so this migration
// stays as it was when it ran.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table response_staffing (
      response_id integer primary key references responses(id),
      round_id integer not null references rounds(id),
      team_id integer not null references teams(id),
      establishment double precision,
      permanent double precision,
      agency double precision,
      vacant double precision,
      workers double precision,
      average double precision,
      highest double precision,
      nqsw double precision,
      nqsw_average double precision,
      nqsw_protected boolean
    )`.execute(db);
  await sql`create index response_staffing_round_idx on response_staffing (round_id)`.execute(db);
  const value = (question: string) => sql`max(a.value_numeric) filter (where a.question = ${question} and a.value_type = 'numeric')`;
  await sql`
    insert into response_staffing (response_id, round_id, team_id, establishment, permanent, agency, vacant, workers, average, highest, nqsw, nqsw_average, nqsw_protected)
    select a.response_id, min(a.round_id), min(a.team_id),
      ${value('establishment_fte')}, ${value('filled_permanent_fte')}, ${value('filled_agency_fte')}, ${value('vacant_fte')},
      ${value('case_holding_workers')}, ${value('average_caseload')}, ${value('highest_caseload')}, ${value('nqsw_count')},
      ${value('nqsw_average_caseload')},
      bool_or(a.value_choice = 'true') filter (where a.question = 'nqsw_caseload_protected' and a.value_type = 'choice')
    from answers a
    where a.question in ('establishment_fte', 'filled_permanent_fte', 'filled_agency_fte', 'vacant_fte', 'case_holding_workers',
        'average_caseload', 'highest_caseload', 'nqsw_count', 'nqsw_average_caseload', 'nqsw_caseload_protected')
      and a.row_key = '' and a.column_key = '' and a.value_type in ('numeric', 'choice')
    group by a.response_id`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists response_staffing`.execute(db);
}
