import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, migrateToLatest } from '../db/index';
import { jsonb } from '../db/json';
import { migrations } from '../db/migrations';
import { createTestDatabase, onPostgres, type TestDatabase } from './helpers/db';
import { publishFixtureSurveys } from './helpers/factories';

let test: TestDatabase;
beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(() => test.destroy());

describe(`migrations (${onPostgres ? 'PostgreSQL server' : 'PGlite'})`, () => {
  it('apply every listed migration and are idempotent', async () => {
    const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(test.db);
    expect(applied.rows.map((r) => r.name)).toEqual(Object.keys(migrations).sort());
    const again = await migrateToLatest(test.db);
    expect(again.results).toEqual([]);
  });

  it('create the whole domain schema', async () => {
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = 'public' order by table_name`.execute(test.db);
    expect(tables.rows.map((r) => r.table_name)).toEqual(
      expect.arrayContaining([
        'areas',
        'teams',
        'users',
        'memberships',
        'questionnaires',
        'questionnaire_versions',
        'version_questions',
        'rounds',
        'responses',
        'response_revisions',
        'answers',
        'sessions',
        'api_tokens',
        'audit_events',
      ]),
    );
  });

  it('refuse to change a published questionnaire version, in the database itself', async () => {
    const versions = await publishFixtureSurveys(test.db);
    const id = versions['fixture-check@1'];
    await expect(
      test.db
        .updateTable('questionnaire_versions')
        .set({ definition: jsonb({ pages: [] }) })
        .where('id', '=', id)
        .execute(),
    ).rejects.toThrow(/immutable/);
    await expect(test.db.deleteFrom('questionnaire_versions').where('id', '=', id).execute()).rejects.toThrow(/immutable/);
    const row = await test.db.selectFrom('questionnaire_versions').select('definition').where('id', '=', id).executeTakeFirstOrThrow();
    expect((row.definition as { pages: unknown[] }).pages.length).toBe(2);
  });

  it('keep audit events append-only', async () => {
    await test.db.insertInto('audit_events').values({ action: 'test', entity_type: 'test', actor_id: null }).execute();
    await expect(test.db.deleteFrom('audit_events').execute()).rejects.toThrow(/immutable/);
  });

  it('round-trip jsonb with the one helper: objects, arrays, strings and null', async () => {
    for (const value of [{ a: [1, 'two', null] }, [1, 2], 'text', null, { nested: { 'quote"d': "it's" } }]) {
      const row = await sql<{ v: unknown }>`select ${jsonb(value)} as v`.execute(test.db);
      expect(row.rows[0].v).toEqual(value);
    }
  });

  it.runIf(onPostgres)('are safe when two processes migrate one new database at once', async () => {
    const url = new URL(process.env.TEST_DATABASE_URL!);
    const admin = await connect({ kind: 'postgres', url: url.toString() });
    const name = `stocktake_race_${process.pid}`;
    await sql`drop database if exists ${sql.id(name)}`.execute(admin.db);
    await sql`create database ${sql.id(name)}`.execute(admin.db);
    url.pathname = `/${name}`;
    const [a, b] = await Promise.all([connect({ kind: 'postgres', url: url.toString() }), connect({ kind: 'postgres', url: url.toString() })]);
    try {
      const results = await Promise.all([migrateToLatest(a.db), migrateToLatest(b.db)]);
      const appliedCounts = results.map((r) => r.results?.length ?? 0).sort();
      expect(appliedCounts).toEqual([0, Object.keys(migrations).length]);
    } finally {
      await a.close();
      await b.close();
      await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin.db);
      await admin.close();
    }
  });
});
