import { type Kysely, sql } from 'kysely';

// The role each question plays in the special figures (staffing, caseloads, thresholds, monthly activity), per
// published version: see app/models/question-roles.ts. Filled by publishing, from the question's "role" property or
// the version's meta.json "roles". A version published before roles existed gets its roles on the next publish;
// once stored, a role is never changed or removed (the same trigger as the published versions themselves).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table question_roles (
      version_id integer not null,
      role text not null,
      question text not null,
      primary key (version_id, role),
      unique (version_id, question),
      foreign key (version_id, question) references version_questions (version_id, name)
    )`.execute(db);
  await sql`create trigger question_roles_immutable before update or delete on question_roles
    for each row execute function stocktake_refuse_change()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table if exists question_roles`.execute(db);
}
