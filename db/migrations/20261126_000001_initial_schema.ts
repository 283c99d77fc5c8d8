import { type Kysely, sql } from 'kysely';

// The whole domain from the start. Migrations take Kysely<any> and never import app code.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('areas')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('teams')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('area_id', 'integer', (c) => c.notNull().references('areas.id'))
    .addColumn('team_type', 'text', (c) =>
      c.notNull().check(sql`team_type in ('duty-initial-assessment', 'long-term-child-protection', 'looked-after-children', 'disability', 'other')`),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('archived_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('teams_area_idx').on('teams').columns(['area_id', 'team_type']).execute();

  await db.schema
    .createTable('users')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('disabled_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('users_email_key')
    .on('users')
    .expression(sql`lower(email)`)
    .unique()
    .execute();

  // A user can hold several roles: admin (no scope), reviewer (whole authority when area_id is null, else one area),
  // manager (one team).
  await db.schema
    .createTable('memberships')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('admin', 'reviewer', 'manager')`))
    .addColumn('area_id', 'integer', (c) => c.references('areas.id'))
    .addColumn('team_id', 'integer', (c) => c.references('teams.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'memberships_scope_check',
      sql`(role = 'admin' and area_id is null and team_id is null)
        or (role = 'reviewer' and team_id is null)
        or (role = 'manager' and team_id is not null and area_id is null)`,
    )
    .execute();
  await db.schema
    .createIndex('memberships_unique')
    .on('memberships')
    .expression(sql`user_id, role, coalesce(area_id, 0), coalesce(team_id, 0)`)
    .unique()
    .execute();
  await db.schema.createIndex('memberships_team_idx').on('memberships').column('team_id').execute();

  await db.schema
    .createTable('questionnaires')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('questionnaire_versions')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('questionnaire_id', 'integer', (c) => c.notNull().references('questionnaires.id'))
    .addColumn('version', 'integer', (c) => c.notNull().check(sql`version >= 1`))
    .addColumn('definition', 'jsonb', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('change_notes', 'text', (c) => c.notNull().defaultTo(''))
    // { from: n, renamed: { old: new }, removed: [old] } — how answers of version `from` carry onto this one.
    .addColumn('mapping', 'jsonb')
    .addColumn('published_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('published_by', 'integer', (c) => c.references('users.id'))
    .addUniqueConstraint('questionnaire_versions_unique', ['questionnaire_id', 'version'])
    .execute();

  // The questions of a published version, flattened once at publish time: titles, types, topics and the
  // rows/columns/choices that answers and aggregation refer to.
  await db.schema
    .createTable('version_questions')
    .addColumn('version_id', 'integer', (c) => c.notNull().references('questionnaire_versions.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('page', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('value_type', 'text', (c) => c.notNull())
    .addColumn('detail', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('version_questions_pk', ['version_id', 'name'])
    .execute();

  // Published versions are immutable: the database refuses edits and deletions, not only the app.
  await sql`
    create function stocktake_refuse_change() returns trigger language plpgsql as $$
    begin
      raise exception '% rows are immutable (%): publish a new version or append a new row instead', TG_TABLE_NAME, TG_OP;
    end $$`.execute(db);
  await sql`create trigger questionnaire_versions_immutable before update or delete on questionnaire_versions
    for each row execute function stocktake_refuse_change()`.execute(db);
  await sql`create trigger version_questions_immutable before update or delete on version_questions
    for each row execute function stocktake_refuse_change()`.execute(db);

  await db.schema
    .createTable('rounds')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('questionnaire_version_id', 'integer', (c) => c.notNull().references('questionnaire_versions.id'))
    .addColumn('due_date', 'date', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('open')
        .check(sql`status in ('open', 'closed')`),
    )
    .addColumn('follows_round_id', 'integer', (c) => c.references('rounds.id'))
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('closed_at', 'timestamptz')
    .addColumn('closed_by', 'integer', (c) => c.references('users.id'))
    .execute();

  await db.schema
    .createTable('responses')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('round_id', 'integer', (c) => c.notNull().references('rounds.id'))
    .addColumn('team_id', 'integer', (c) => c.notNull().references('teams.id'))
    .addColumn('questionnaire_version_id', 'integer', (c) => c.notNull().references('questionnaire_versions.id'))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('not_started')
        .check(sql`status in ('not_started', 'in_progress', 'submitted', 'returned')`),
    )
    .addColumn('data', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('current_page', 'text')
    // Progress, computed with survey-core at every save (visible answerable questions and how many are answered).
    .addColumn('answered_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('answerable_count', 'integer', (c) => c.notNull().defaultTo(0))
    // Answers carried from the earlier round: { question: { fromResponseId, confirmed } }.
    .addColumn('carried', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('carried_from_response_id', 'integer', (c) => c.references('responses.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_by', 'integer', (c) => c.references('users.id'))
    .addColumn('submitted_at', 'timestamptz')
    .addColumn('submitted_by', 'integer', (c) => c.references('users.id'))
    .addColumn('returned_at', 'timestamptz')
    .addColumn('returned_by', 'integer', (c) => c.references('users.id'))
    .addColumn('return_reason', 'text')
    .addColumn('return_questions', 'jsonb')
    .addUniqueConstraint('responses_round_team_unique', ['round_id', 'team_id'])
    .execute();
  await db.schema.createIndex('responses_team_idx').on('responses').column('team_id').execute();

  // Append-only history: every accepted change, with its author and the questions it touched.
  await db.schema
    .createTable('response_revisions')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('response_id', 'integer', (c) => c.notNull().references('responses.id'))
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('base_revision', 'integer', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('edit', 'submit', 'return', 'carry_forward', 'confirm', 'reopen')`))
    .addColumn('author_id', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('questions', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    // [{ question, old, new }] for edits; kind-specific details (reason, declaration) for the others.
    .addColumn('changes', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('note', 'text')
    // The client's id for a change, so a retried request (its reply lost) is recognised, not applied twice.
    .addColumn('client_change_id', 'text')
    .addUniqueConstraint('response_revisions_unique', ['response_id', 'revision'])
    .addUniqueConstraint('response_revisions_client_change_unique', ['response_id', 'client_change_id'])
    .execute();
  await sql`create index response_revisions_questions_idx on response_revisions using gin (questions)`.execute(db);
  await sql`create trigger response_revisions_append_only before update or delete on response_revisions
    for each row execute function stocktake_refuse_change()`.execute(db);

  // One row per answered question, matrix cell or selected checkbox choice, typed for aggregation in SQL.
  await db.schema
    .createTable('answers')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('response_id', 'integer', (c) => c.notNull().references('responses.id'))
    .addColumn('round_id', 'integer', (c) => c.notNull().references('rounds.id'))
    .addColumn('team_id', 'integer', (c) => c.notNull().references('teams.id'))
    .addColumn('question', 'text', (c) => c.notNull())
    .addColumn('row_key', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('column_key', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('value_type', 'text', (c) => c.notNull().check(sql`value_type in ('numeric', 'text', 'choice')`))
    .addColumn('value_numeric', 'double precision')
    .addColumn('value_text', 'text')
    .addColumn('value_choice', 'text')
    .execute();
  await db.schema.createIndex('answers_response_idx').on('answers').columns(['response_id', 'question']).execute();
  await db.schema.createIndex('answers_round_topic_idx').on('answers').columns(['round_id', 'topic', 'question', 'row_key', 'column_key']).execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey()) // sha256 of the cookie's token: a leaked table holds no live session
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (c) => c.notNull())
    .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('user_agent', 'text')
    .addColumn('revoked_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', 'serial', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('actor_id', 'integer', (c) => c.references('users.id'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text')
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.createIndex('audit_events_entity_idx').on('audit_events').columns(['entity_type', 'entity_id']).execute();
  await sql`create trigger audit_events_append_only before update or delete on audit_events
    for each row execute function stocktake_refuse_change()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'audit_events',
    'api_tokens',
    'sessions',
    'answers',
    'response_revisions',
    'responses',
    'rounds',
    'version_questions',
    'questionnaire_versions',
    'questionnaires',
    'memberships',
    'users',
    'teams',
    'areas',
  ]) {
    await db.schema.dropTable(table).ifExists().cascade().execute();
  }
  await sql`drop function if exists stocktake_refuse_change() cascade`.execute(db);
}
