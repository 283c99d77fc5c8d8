import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * Runs once per `npm test`. On PGlite, creates one migrated database and dumps it, so each test file loads a
 * copy (about 1 s) instead of running initdb (about 5 s). On PostgreSQL (TEST_DATABASE_URL), checks the server.
 */
export default async function setup(project: TestProject) {
  // Browser tests serve the production build: make sure it is current (a no-op when it is, as in CI).
  const { ensureBuild, hasChromium, skipReason } = await import('./browser');
  if (hasChromium) ensureBuild();
  else console.warn(skipReason);
  if (process.env.TEST_DATABASE_URL) {
    const { default: postgres } = await import('postgres');
    const client = postgres(process.env.TEST_DATABASE_URL, { max: 1, onnotice: () => {} });
    try {
      const [{ version }] = await client`select version()`;
      console.log(`Tests run against PostgreSQL: ${String(version).split(',')[0]} (a fresh database per test file)`);
    } finally {
      await client.end();
    }
    return;
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { Kysely } = await import('kysely');
  const { PGliteDialect } = await import('kysely-pglite-dialect');
  const { migrateToLatest } = await import('../../db/index');
  const pglite = new PGlite();
  const db = new Kysely<any>({ dialect: new PGliteDialect(pglite) });
  await migrateToLatest(db);
  const dump = await pglite.dumpDataDir('none');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stocktake-test-')), 'migrated.tar');
  fs.writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  await db.destroy();
  project.provide('pgliteTemplate', file);
  console.log('Tests run against embedded PostgreSQL (PGlite, in memory, a fresh database per test file)');
  return () => fs.rmSync(path.dirname(file), { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}
