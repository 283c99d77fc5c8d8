import { type Kysely, sql } from 'kysely';

// The audit trail (issue 13, docs/decisions/022-audit-trail.md): where each event came from, the client's network
// address and its User-Agent (cut to 300 characters by the app, checked here), null for events recorded outside a
// request (the command line, the seed) and for every event before this migration. Adding columns changes no row, so
// the append-only trigger is not involved. Indexes for the audit trail page: newest first, and by actor.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table audit_events
      add column address text check (length(address) <= 100),
      add column user_agent text check (length(user_agent) <= 300)`.execute(db);
  await sql`create index audit_events_at_idx on audit_events (at, id)`.execute(db);
  await sql`create index audit_events_actor_idx on audit_events (actor_id, at) where actor_id is not null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists audit_events_actor_idx`.execute(db);
  await sql`drop index if exists audit_events_at_idx`.execute(db);
  await sql`alter table audit_events drop column if exists user_agent, drop column if exists address`.execute(db);
}
