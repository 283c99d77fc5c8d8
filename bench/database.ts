import postgres from 'postgres';
import { connect, migrateToLatest, type Executor } from '../db/index';
import { loadRegistry, publishRegistry, RegistryError } from '../app/models/registry.server';

export const DEFAULT_BENCH_URL = 'postgres://postgres@127.0.0.1:5432/stocktake_bench';

/** Opens the benchmark database, creating it first when it does not exist (or afresh when `recreate`). */
export async function openBenchDatabase(url: string, options: { recreate: boolean; log: (line: string) => void }) {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error(`BENCH_DATABASE_URL must name a database (letters, digits, _): got "${name}"`);
  const adminUrl = new URL(url);
  adminUrl.pathname = '/postgres';
  const admin = postgres(adminUrl.toString(), { max: 1, onnotice: () => {} });
  try {
    const exists = await admin`select 1 from pg_database where datname = ${name}`;
    if (exists.length && options.recreate) {
      options.log(`Dropping the benchmark database ${name}…`);
      await admin.unsafe(`drop database ${name} with (force)`);
    }
    if (!exists.length || options.recreate) {
      options.log(`Creating the benchmark database ${name}…`);
      await admin.unsafe(`create database ${name}`);
    }
  } finally {
    await admin.end();
  }
  const opened = await connect({ kind: 'postgres', url });
  const db: Executor = opened.db;
  await migrateToLatest(db);
  try {
    await publishRegistry(db, loadRegistry());
  } catch (error) {
    await opened.close();
    if (error instanceof RegistryError) {
      throw new Error(
        `The benchmark database holds questionnaire versions that differ from surveys/ (${error.message.split('\n')[0].slice(0, 120)}…): run npm run bench -- --regenerate`,
      );
    }
    throw error;
  }
  // A second client for COPY, which Kysely does not expose.
  const client = postgres(url, { max: 1, onnotice: () => {} });
  return {
    db,
    client,
    close: async () => {
      await client.end();
      await opened.close();
    },
  };
}
