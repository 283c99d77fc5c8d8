import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { Executor } from '../../db/index';
import type { AnswerTalliesTable } from '../../db/schema';

/**
 * Answer tallies (table answer_tallies): for each round, numeric answer (a whole question or a matrix cell) and
 * value, how many responses of each status and team type gave that value. National figures (every team of a round,
 * or every team of one type) are taken from them instead of from every team's answers; see
 * docs/decisions/006-answer-tallies.md.
 *
 * They change in the same transaction as what they count:
 *  - answers: the statement that rewrites answers (planAnswersRewrite in app/models/answers.server.ts, the only
 *    writer of answers) applies tallyAnswerChanges to the rows it removed and added;
 *  - a response's status and a team's type: database triggers (migration 20261126_000200_answer_tallies).
 * Every statement that changes tallies changes them in key order, so two transactions never wait on each other's
 * tally rows in opposite orders within one statement (a transaction that runs two such statements can still meet
 * another in a deadlock, which PostgreSQL breaks; see retryOnDeadlock in db/index.ts).
 */

/**
 * The statement (the main part of one whose CTEs `removed` and `added` list answer rows: topic, question, row_key,
 * column_key, value_type, value_numeric) that applies the net effect of replacing the removed rows by the added
 * ones among one response's answers, under the response's status and its team's type. An answer rewritten to the
 * value it had changes nothing. The rows are written in key order (the triggers sort the same way, by the same
 * collation).
 */
export function tallyAnswerChanges(responseId: number, removed: string, added: string): RawBuilder<unknown> {
  return sql`
    insert into answer_tallies as t (round_id, topic, question, row_key, column_key, value, status, team_type, responses)
    select s.round_id, c.topic, c.question, c.row_key, c.column_key, c.value_numeric, s.status, tm.team_type, sum(c.delta)::int
    from (
      select topic, question, row_key, column_key, value_type, value_numeric, -1 as delta from ${sql.table(removed)}
      union all
      select topic, question, row_key, column_key, value_type, value_numeric, 1 as delta from ${sql.table(added)}
    ) as c
    join responses s on s.id = ${responseId}
    join teams tm on tm.id = s.team_id
    where c.value_type = 'numeric' and c.value_numeric is not null
    group by 1, 2, 3, 4, 5, 6, 7, 8
    having sum(c.delta) <> 0
    order by 1, 2, 3, 4, 5, 6, 7, 8
    on conflict (round_id, topic, question, row_key, column_key, value, status, team_type)
    do update set responses = t.responses + excluded.responses`;
}

const recountQuery = (roundId: number | null) => sql`
  select a.round_id, a.topic, a.question, a.row_key, a.column_key, a.value_numeric as value, s.status, t.team_type, count(*)::int as responses
  from answers a
  join responses s on s.id = a.response_id
  join teams t on t.id = s.team_id
  where a.value_type = 'numeric' and a.value_numeric is not null ${roundId === null ? sql`` : sql`and a.round_id = ${roundId}`}
  group by 1, 2, 3, 4, 5, 6, 7, 8`;

/**
 * Recounts the tallies from the answers (one round, or all): after a bulk load that wrote answers directly (the
 * benchmark generator), or to repair. Takes the table's lock for the recount, so no save interleaves with it.
 */
export async function recountTallies(db: Executor, roundId: number | null = null): Promise<void> {
  const run = async (trx: Executor) => {
    await sql`lock table answer_tallies in exclusive mode`.execute(trx);
    await sql`delete from answer_tallies ${roundId === null ? sql`` : sql`where round_id = ${roundId}`}`.execute(trx);
    await sql`insert into answer_tallies (round_id, topic, question, row_key, column_key, value, status, team_type, responses)
      ${recountQuery(roundId)}`.execute(trx);
  };
  if (db.isTransaction) await run(db);
  else await db.transaction().execute(run);
}

export type TallyMismatch = Omit<Selectable<AnswerTalliesTable>, 'responses'> & { tallied: number; counted: number };

/** Where the tallies differ from a count of the answers (none, unless something wrote around them). */
export async function checkTallies(db: Executor, roundId: number | null = null): Promise<TallyMismatch[]> {
  const result = await sql<TallyMismatch>`
    with counted as (${recountQuery(roundId)}),
    tallied as (select * from answer_tallies where responses > 0 ${roundId === null ? sql`` : sql`and round_id = ${roundId}`})
    select coalesce(t.round_id, c.round_id) as round_id, coalesce(t.topic, c.topic) as topic, coalesce(t.question, c.question) as question,
      coalesce(t.row_key, c.row_key) as row_key, coalesce(t.column_key, c.column_key) as column_key, coalesce(t.value, c.value) as value,
      coalesce(t.status, c.status) as status, coalesce(t.team_type, c.team_type) as team_type,
      coalesce(t.responses, 0) as tallied, coalesce(c.responses, 0) as counted
    from tallied t
    full join counted c using (round_id, topic, question, row_key, column_key, value, status, team_type)
    where coalesce(t.responses, 0) <> coalesce(c.responses, 0)
    order by 1, 2, 3, 4, 5, 6, 7, 8
    limit 100`.execute(db);
  return result.rows;
}
