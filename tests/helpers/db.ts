import crypto from 'node:crypto';
import fs from 'node:fs';
import { sql } from 'kysely';
import { inject } from 'vitest';
import { connect, migrateToLatest, useDatabase, closeDatabase, type Executor } from '../../db/index';
import { noteStatement } from './statements';

export type TestDatabase = { db: Executor; kind: 'pglite' | 'postgres'; destroy: () => Promise<void> };

export const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

/**
 * A fresh, migrated database for one test file: a new database on the PostgreSQL server when TEST_DATABASE_URL is
 * set (dropped afterwards), otherwise an in-memory PGlite loaded from the migrated template.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    const name = `stocktake_test_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
    const admin = await connect({ kind: 'postgres', url });
    await sql`create database ${sql.id(name)}`.execute(admin.db);
    const testUrl = new URL(url);
    testUrl.pathname = `/${name}`;
    const opened = await connect({ kind: 'postgres', url: testUrl.toString() }, { log: noteStatement });
    await migrateToLatest(opened.db);
    return {
      db: opened.db,
      kind: 'postgres',
      destroy: async () => {
        await opened.close();
        await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin.db);
        await admin.close();
      },
    };
  }
  let template: string | undefined;
  try {
    template = inject('pgliteTemplate');
  } catch {
    template = undefined; // run outside `vitest run` (no global setup): start from an empty database
  }
  const opened = await connect({ kind: 'memory', loadDataDir: template ? new Blob([fs.readFileSync(template)]) : undefined }, { log: noteStatement });
  const db = opened.db;
  await migrateToLatest(db);
  return { db, kind: 'pglite', destroy: () => db.destroy() };
}

/** A test database that is also the process's database (for loaders, actions and API routes). */
export async function useTestDatabase(): Promise<TestDatabase> {
  const test = await createTestDatabase();
  useDatabase(test.db, test.destroy);
  return { ...test, destroy: () => closeDatabase() };
}
