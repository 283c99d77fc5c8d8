import { type Kysely, sql } from 'kysely';

// Case-file audits (issue 12, docs/decisions/020): a round can be about cases, not teams. Its responses are audits of
// one sampled case each; the cases a team offers are uploaded into the round, sampled by a recorded rule, audited by
// auditors (a new role, for the authority or an area), some audited a second time blind, and moderated.
export async function up(db: Kysely<any>): Promise<void> {
  // What a round's responses are about, and for an annual practice audit how often it repeats and how it samples.
  await sql`alter table rounds add column subject text not null default 'team' check (subject in ('team', 'case'))`.execute(db);
  await sql`alter table rounds add column repeat_months integer check (repeat_months between 1 and 60)`.execute(db);
  await sql`alter table rounds add column sample_rule jsonb`.execute(db);

  // Auditors: for the authority (no area) or one area, like reviewers.
  await sql`alter table memberships drop constraint memberships_role_check`.execute(db);
  await sql`alter table memberships add constraint memberships_role_check check (role in ('admin', 'reviewer', 'manager', 'auditor'))`.execute(db);
  await sql`alter table memberships drop constraint memberships_scope_check`.execute(db);
  await sql`alter table memberships add constraint memberships_scope_check check (
      (role = 'admin' and area_id is null and team_id is null)
      or (role in ('reviewer', 'auditor') and team_id is null)
      or (role = 'manager' and team_id is not null and area_id is null))`.execute(db);

  // The teams a case round audits (a team round's teams are its responses' teams; a case round has no response for a
  // team until one of its cases is sampled).
  await sql`
    create table round_teams (
      round_id integer not null references rounds(id),
      team_id integer not null references teams(id),
      primary key (round_id, team_id)
    )`.execute(db);

  // One draw of a sample: the rule (seed, size, stratification) and who drew it, kept for ever.
  await sql`
    create table case_draws (
      id serial primary key,
      round_id integer not null references rounds(id),
      rule jsonb not null,
      teams integer not null,
      cases integer not null,
      drawn_by integer references users(id),
      drawn_at timestamptz not null default now()
    )`.execute(db);

  // The cases a team offers for audit in a round, as the authority's case system names them. `selected` says how a
  // case came to be audited: drawn by a recorded draw, or added by hand; null while it is only in the pool.
  await sql`
    create table audit_cases (
      id serial primary key,
      round_id integer not null references rounds(id),
      team_id integer not null references teams(id),
      reference text not null,
      kind text not null check (kind in ('child-protection-plan', 'looked-after', 'child-in-need', 'other')),
      worker text,
      opened_on date,
      selected text check (selected in ('drawn', 'hand')),
      draw_id integer references case_draws(id),
      added_by integer references users(id),
      created_at timestamptz not null default now(),
      check ((selected = 'drawn') = (draw_id is not null))
    )`.execute(db);
  await sql`create unique index audit_cases_reference_key on audit_cases (round_id, team_id, lower(reference))`.execute(db);

  // A response is about a team (case_id null: one per team and round, as before) or about one case (one first audit
  // per case, and at most one second, blind audit of it: moderation_of names the first). auditor_id: who audits it.
  await sql`alter table responses add column case_id integer references audit_cases(id)`.execute(db);
  await sql`alter table responses add column auditor_id integer references users(id)`.execute(db);
  await sql`alter table responses add column moderation_of integer references responses(id)`.execute(db);
  await sql`alter table responses drop constraint responses_round_team_unique`.execute(db);
  await sql`create unique index responses_round_team_unique on responses (round_id, team_id) where case_id is null`.execute(db);
  await sql`create unique index responses_case_first_unique on responses (case_id) where case_id is not null and moderation_of is null`.execute(db);
  await sql`create unique index responses_case_second_unique on responses (moderation_of) where moderation_of is not null`.execute(db);
  await sql`alter table responses add constraint responses_moderation_check check (moderation_of is null or case_id is not null)`.execute(db);
  await sql`create index responses_auditor_idx on responses (auditor_id) where auditor_id is not null`.execute(db);

  // The moderated answer to one question of a moderated case, kept beside both auditors' answers. Append-only: a
  // later decision on the same question is a new row, the latest one counts.
  await sql`
    create table moderation_decisions (
      id serial primary key,
      response_id integer not null references responses(id),
      question text not null,
      value jsonb,
      note text not null default '',
      decided_by integer references users(id),
      decided_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index moderation_decisions_response_idx on moderation_decisions (response_id, question, id)`.execute(db);
  await sql`create trigger moderation_decisions_append_only before update or delete on moderation_decisions
    for each row execute function stocktake_refuse_change()`.execute(db);

  // A team manager's written response to a completed audit of one of their cases. Append-only.
  await sql`
    create table audit_replies (
      id serial primary key,
      response_id integer not null references responses(id),
      stance text not null check (stance in ('agree', 'partly', 'disagree')),
      body text not null,
      author_id integer references users(id),
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index audit_replies_response_idx on audit_replies (response_id, id)`.execute(db);
  await sql`create trigger audit_replies_append_only before update or delete on audit_replies
    for each row execute function stocktake_refuse_change()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists audit_replies`.execute(db);
  await sql`drop table if exists moderation_decisions`.execute(db);
  await sql`drop index if exists responses_auditor_idx`.execute(db);
  await sql`alter table responses drop constraint if exists responses_moderation_check`.execute(db);
  await sql`drop index if exists responses_case_second_unique`.execute(db);
  await sql`drop index if exists responses_case_first_unique`.execute(db);
  await sql`drop index if exists responses_round_team_unique`.execute(db);
  await sql`alter table responses add constraint responses_round_team_unique unique (round_id, team_id)`.execute(db);
  await sql`alter table responses drop column moderation_of, drop column auditor_id, drop column case_id`.execute(db);
  await sql`drop table if exists audit_cases`.execute(db);
  await sql`drop table if exists case_draws`.execute(db);
  await sql`drop table if exists round_teams`.execute(db);
  await sql`delete from memberships where role = 'auditor'`.execute(db);
  await sql`alter table memberships drop constraint memberships_scope_check`.execute(db);
  await sql`alter table memberships add constraint memberships_scope_check check (
      (role = 'admin' and area_id is null and team_id is null)
      or (role = 'reviewer' and team_id is null)
      or (role = 'manager' and team_id is not null and area_id is null))`.execute(db);
  await sql`alter table memberships drop constraint memberships_role_check`.execute(db);
  await sql`alter table memberships add constraint memberships_role_check check (role in ('admin', 'reviewer', 'manager'))`.execute(db);
  await sql`alter table rounds drop column sample_rule, drop column repeat_months, drop column subject`.execute(db);
}
