import { type Kysely, sql } from 'kysely';

// Indexes for aggregation (app/models/aggregation/). Each topic's figures read one round's answers of one topic in
// the order (question, row, column) and group them in that order, so PostgreSQL streams them without sorting or
// hashing. Numbers are indexed by value too (quartiles need them sorted within each cell), choices by choice; both
// carry the response and team ids, so the figures come from the index alone (index-only scans). Written answers are
// indexed by team (never by their text, which can be longer than an index entry allows), so a page can count them
// and fetch the first hundred of each question without reading the others.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index answers_numeric_cells_idx on answers (round_id, topic, question, row_key, column_key, value_numeric)
    include (response_id, team_id) where value_type = 'numeric'`.execute(db);
  await sql`create index answers_choice_cells_idx on answers (round_id, topic, question, row_key, column_key, value_choice)
    include (response_id, team_id) where value_type = 'choice'`.execute(db);
  await sql`create index answers_text_cells_idx on answers (round_id, topic, question, row_key, column_key, team_id)
    include (response_id) where value_type = 'text'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists answers_numeric_cells_idx`.execute(db);
  await sql`drop index if exists answers_choice_cells_idx`.execute(db);
  await sql`drop index if exists answers_text_cells_idx`.execute(db);
}
