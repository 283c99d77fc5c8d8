import { type Kysely, sql } from 'kysely';

// Answer tallies: how many responses of each status and team type gave each value to each numeric answer (a
// whole question or a matrix cell) in a round. They let a national page (every team of the round, or every team
// of one type) take a cell's count, sum, mean, quartiles and extremes from a few thousand tally rows instead of
// reading every team's answer: the monthly activity table alone is 800,000 answers a round at 9,000 teams. See
// docs/decisions/006-answer-tallies.md.
//
// They are kept exact in the same transaction as the answers:
//  - app/models/answers.server.ts (rewriteAnswers, the only writer of answers) applies the net change of each
//    rewrite under the response's status and the team's type;
//  - the triggers below move a response's tallies when its status changes, and a team's when its type changes;
//  - app/models/tallies.server.ts can recount them from the answers and check them (tests do, after every path
//    that writes answers or statuses).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table answer_tallies (
      round_id integer not null references rounds(id),
      topic text not null,
      question text not null,
      row_key text not null,
      column_key text not null,
      value double precision not null,
      status text not null,
      team_type text not null,
      responses integer not null,
      constraint answer_tallies_pk primary key (round_id, topic, question, row_key, column_key, value, status, team_type)
    )`.execute(db);

  await sql`
    insert into answer_tallies (round_id, topic, question, row_key, column_key, value, status, team_type, responses)
    select a.round_id, a.topic, a.question, a.row_key, a.column_key, a.value_numeric, s.status, t.team_type, count(*)
    from answers a
    join responses s on s.id = a.response_id
    join teams t on t.id = s.team_id
    where a.value_type = 'numeric' and a.value_numeric is not null
    group by 1, 2, 3, 4, 5, 6, 7, 8`.execute(db);

  // A count below zero means something changed answers without their tallies. (Not a CHECK constraint: PostgreSQL
  // checks those on the row an INSERT … ON CONFLICT proposes, before it turns into the update that adds a negative
  // change to an existing count; this trigger sees only rows actually written.)
  await sql`
    create function stocktake_refuse_negative_tally() returns trigger language plpgsql as $$
    begin
      if new.responses < 0 then
        raise exception 'answer tally below zero for round %, question %, row "%", column "%", value %, status %, team type %',
          new.round_id, new.question, new.row_key, new.column_key, new.value, new.status, new.team_type
          using errcode = 'check_violation';
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger answer_tallies_not_negative after insert or update on answer_tallies
    for each row execute function stocktake_refuse_negative_tally()`.execute(db);

  // Moves the tallies of the given responses from one (status, team type) to another, in key order: every
  // statement that changes tallies takes its row locks in that one order.
  await sql`
    create function stocktake_move_tallies(response_ids integer[], old_status text, new_status text, old_type text, new_type text)
    returns void language sql as $$
      insert into answer_tallies as t (round_id, topic, question, row_key, column_key, value, status, team_type, responses)
      select a.round_id, a.topic, a.question, a.row_key, a.column_key, a.value_numeric, m.status, m.team_type, sum(m.delta)
      from answers a
      cross join (values (old_status, old_type, -1), (new_status, new_type, 1)) as m(status, team_type, delta)
      where a.response_id = any(response_ids) and a.value_type = 'numeric' and a.value_numeric is not null
      group by 1, 2, 3, 4, 5, 6, 7, 8
      order by 1, 2, 3, 4, 5, 6, 7, 8
      on conflict (round_id, topic, question, row_key, column_key, value, status, team_type)
      do update set responses = t.responses + excluded.responses
    $$`.execute(db);

  await sql`
    create function stocktake_response_status_tallies() returns trigger language plpgsql as $$
    declare
      kind text;
    begin
      if new.status is distinct from old.status then
        select team_type into kind from teams where id = new.team_id;
        perform stocktake_move_tallies(array[new.id], old.status, new.status, kind, kind);
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger responses_status_tallies after update of status on responses
    for each row execute function stocktake_response_status_tallies()`.execute(db);

  await sql`
    create function stocktake_team_type_tallies() returns trigger language plpgsql as $$
    declare
      r record;
    begin
      if new.team_type is distinct from old.team_type then
        for r in select status, array_agg(id) as ids from responses where team_id = new.id group by status loop
          perform stocktake_move_tallies(r.ids, r.status, r.status, old.team_type, new.team_type);
        end loop;
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger teams_type_tallies after update of team_type on teams
    for each row execute function stocktake_team_type_tallies()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists teams_type_tallies on teams`.execute(db);
  await sql`drop trigger if exists responses_status_tallies on responses`.execute(db);
  await sql`drop function if exists stocktake_team_type_tallies()`.execute(db);
  await sql`drop function if exists stocktake_response_status_tallies()`.execute(db);
  await sql`drop function if exists stocktake_move_tallies(integer[], text, text, text, text)`.execute(db);
  await sql`drop table if exists answer_tallies`.execute(db);
  await sql`drop function if exists stocktake_refuse_negative_tally()`.execute(db);
}
