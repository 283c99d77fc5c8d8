import { type Kysely, sql } from 'kysely';

// Questions asked again rather than carried forward into a response of the next phase (a version mapping's
// `askAgain`: their period changed; docs/decisions/023-ask-again-and-phase-2-corrections.md). Kept beside `carried`
// because every count of carried answers reads each entry there as an answer to confirm. Null for every response
// created before this migration and for responses not carried from an earlier round.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table responses add column asked_again jsonb check (asked_again is null or jsonb_typeof(asked_again) = 'object')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`alter table responses drop column if exists asked_again`.execute(db);
}
