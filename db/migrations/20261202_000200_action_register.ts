import { type Kysely, sql } from 'kysely';

// The action register (issue 13, docs/decisions/024): actions raised from answers (a matrix row's action, an urgent
// action), from a case-file audit, or by a reviewer for a recommendation; proposed from submitted responses and decided
// by a reviewer; followed up by the team and by the next phase's questionnaire. Every change is an append-only update.
export async function up(db: Kysely<any>): Promise<void> {
  // Which questions and matrix columns of a version hold an action, its owner and target date, or follow actions up
  // (declared in the questionnaire or, for a version published before, in meta.json; never named in code).
  // column_name '' is the question itself.
  await sql`
    create table action_fields (
      version_id integer not null references questionnaire_versions(id),
      question text not null,
      column_name text not null default '',
      part text not null check (part in (
        'action', 'owner', 'target-date',
        'follow-up', 'follow-up-ref', 'follow-up-action', 'follow-up-status', 'follow-up-target-date', 'follow-up-evidence')),
      primary key (version_id, question, column_name)
    )`.execute(db);
  // Insert-only, like the versions and their roles: a published version's action fields never change.
  await sql`create trigger action_fields_append_only before update or delete on action_fields
    for each row execute function stocktake_refuse_change()`.execute(db);

  // An action: for a team, or for the whole authority (team_id null). Its current state; the trail is action_updates.
  await sql`
    create table actions (
      id serial primary key,
      reference text,
      title text not null check (length(title) between 1 and 2000),
      team_id integer references teams(id),
      owner text not null default '',
      target_date date,
      status text not null default 'open' check (status in ('open', 'in_progress', 'done', 'dropped')),
      dropped_reason text,
      topic text,
      source text not null check (source in ('answer', 'case-audit', 'recommendation')),
      source_response_id integer references responses(id),
      source_question text,
      source_row text,
      round_id integer references rounds(id),
      created_by integer references users(id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      updated_by integer references users(id),
      closed_at timestamptz,
      check ((status = 'dropped') = (dropped_reason is not null)),
      check ((status in ('done', 'dropped')) = (closed_at is not null)),
      check ((source = 'recommendation') or source_response_id is not null)
    )`.execute(db);
  await sql`create index actions_team_idx on actions (team_id, status)`.execute(db);
  await sql`create index actions_source_idx on actions (source_response_id) where source_response_id is not null`.execute(db);

  // An action found in a submitted response, waiting for a reviewer: accepted (a new action), merged into another
  // action (a duplicate), or rejected with a reason. One per answer (question and matrix row) of a response.
  await sql`
    create table action_proposals (
      id serial primary key,
      response_id integer not null references responses(id),
      question text not null,
      row_name text not null default '',
      title text not null,
      owner text not null default '',
      target_text text not null default '',
      target_date date,
      topic text,
      status text not null default 'proposed' check (status in ('proposed', 'accepted', 'merged', 'rejected')),
      action_id integer references actions(id),
      reason text,
      decided_by integer references users(id),
      decided_at timestamptz,
      created_at timestamptz not null default now(),
      unique (response_id, question, row_name),
      check ((status in ('accepted', 'merged')) = (action_id is not null)),
      check ((status = 'proposed') = (decided_at is null))
    )`.execute(db);
  await sql`create index action_proposals_status_idx on action_proposals (status, response_id)`.execute(db);

  // Every change to an action, with its author and evidence: append-only.
  await sql`
    create table action_updates (
      id serial primary key,
      action_id integer not null references actions(id),
      kind text not null check (kind in ('created', 'update', 'merged', 'follow-up')),
      author_id integer references users(id),
      at timestamptz not null default now(),
      status text check (status in ('open', 'in_progress', 'done', 'dropped')),
      target_date date,
      owner text,
      note text not null default '',
      evidence_response_id integer references responses(id),
      proposal_id integer references action_proposals(id)
    )`.execute(db);
  await sql`create index action_updates_action_idx on action_updates (action_id, id)`.execute(db);
  await sql`create trigger action_updates_append_only before update or delete on action_updates
    for each row execute function stocktake_refuse_change()`.execute(db);

  // A response revision that writes the team's open actions into a follow-up question.
  await sql`alter table response_revisions drop constraint response_revisions_kind_check`.execute(db);
  await sql`alter table response_revisions add constraint response_revisions_kind_check
    check (kind in ('edit', 'submit', 'return', 'carry_forward', 'confirm', 'reopen', 'follow_up'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // Revisions are history and are never deleted: with follow-up revisions recorded, the old check stays off.
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from response_revisions where kind = 'follow_up'`.execute(db);
  if (rows[0]?.n === 0) {
    await sql`alter table response_revisions drop constraint response_revisions_kind_check`.execute(db);
    await sql`alter table response_revisions add constraint response_revisions_kind_check
      check (kind in ('edit', 'submit', 'return', 'carry_forward', 'confirm', 'reopen'))`.execute(db);
  }
  await sql`drop table if exists action_updates`.execute(db);
  await sql`drop table if exists action_proposals`.execute(db);
  await sql`drop table if exists actions`.execute(db);
  await sql`drop table if exists action_fields`.execute(db);
}
