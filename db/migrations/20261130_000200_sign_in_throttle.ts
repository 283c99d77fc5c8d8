import { type Kysely, sql } from 'kysely';

// Failed sign-ins counted per account and per client address, in the database so every app process and a restart
// see the same counts (app/models/sign-in-throttle.server.ts). One row per key and window; keys are sha256 hashes,
// so the table keeps neither the emails people typed nor their addresses.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table sign_in_throttle (
      scope text not null check (scope in ('account', 'address')),
      key_hash text not null,
      failures integer not null,
      window_started_at timestamptz not null,
      primary key (scope, key_hash)
    )`.execute(db);
  // Pruning deletes by window start.
  await sql`create index sign_in_throttle_window_idx on sign_in_throttle (window_started_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists sign_in_throttle`.execute(db);
}
