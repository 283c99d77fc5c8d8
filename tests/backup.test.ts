import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Executor } from '../db/index';
import { findUserByEmail, loadCurrentUser } from '../app/models/users.server';
import { saveResponseChange } from '../app/models/responses.server';

/**
 * Backups of the embedded database (issue 14): `npm run cli -- backup` and `restore`, run as an operator runs them,
 * on a data folder seeded with the demo data. A PostgreSQL server is backed up with pg_dump, so on a server run this
 * file is skipped.
 */

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'stocktake-backup-'));
const seeded = path.join(root, 'seeded');
const restored = path.join(root, 'restored');
const backupFile = path.join(root, 'stocktake.backup');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function cli(dataDir: string, ...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, STOCKTAKE_DATA_DIR: dataDir, VITEST: '' };
  delete env.DATABASE_URL;
  const result = spawnSync('npx', ['tsx', 'cli/index.ts', ...args], { env, encoding: 'utf8' });
  return { status: result.status, output: result.stdout + result.stderr };
}

async function withDataDir<T>(dataDir: string, fn: (db: Executor) => Promise<T>): Promise<T> {
  const opened = await connect({ kind: 'embedded', dataDir });
  try {
    return await fn(opened.db);
  } finally {
    await opened.close();
  }
}

/** Every table of the database: its row count and an md5 of its rows in primary-key order. */
async function fingerprint(db: Executor): Promise<Record<string, { rows: number; md5: string }>> {
  const tables = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`.execute(db);
  const result: Record<string, { rows: number; md5: string }> = {};
  for (const { name } of tables.rows) {
    const keys = await sql<{ column: string }>`
      select a.attname as column from pg_index i
      join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
      where i.indrelid = ${name}::regclass and i.indisprimary
      order by array_position(i.indkey::int2[], a.attnum)`.execute(db);
    // Tables without a primary key are ordered by the whole row.
    const order = keys.rows.length ? sql.join(keys.rows.map((k) => sql.ref(`t.${k.column}`))) : sql`t::text`;
    const { rows } = await sql<{ rows: string; md5: string | null }>`
      select count(*)::text as rows, md5(string_agg(t::text, E'\\n' order by ${order})) as md5
      from ${sql.table(name)} as t`.execute(db);
    result[name] = { rows: Number(rows[0].rows), md5: rows[0].md5 ?? '' };
  }
  return result;
}

describe.skipIf(onPostgres)('backup and restore of the embedded database', () => {
  let savedValue: string;

  beforeAll(async () => {
    const seed = cli(seeded, 'demo', 'seed');
    expect(seed.status, seed.output).toBe(0);
    // An answer saved after the seed, as the questionnaire saves it: it must come back with the restore.
    savedValue = await withDataDir(seeded, async (db) => {
      const response = await db
        .selectFrom('responses as r')
        .innerJoin('teams as t', 't.id', 'r.team_id')
        .innerJoin('rounds as ro', 'ro.id', 'r.round_id')
        .select(['r.id', 'r.revision', 't.slug'])
        .where('ro.status', '=', 'open')
        .where('r.status', 'in', ['not_started', 'in_progress'])
        .orderBy('r.id')
        .executeTakeFirstOrThrow();
      const manager = await findUserByEmail(db, `manager.${response.slug}@demo.stocktake.example`);
      const user = await loadCurrentUser(db, manager!.id);
      const value = `saved before the backup (response ${response.id})`;
      await saveResponseChange(db, user!, response.id, { baseRevision: response.revision, set: { team_description: value }, unset: [] });
      return value;
    });
  }, 300_000);

  it('restores a backup into a new folder with every table as it was', async () => {
    const backup = cli(seeded, 'backup', backupFile);
    expect(backup.status, backup.output).toBe(0);
    expect(fs.readdirSync(root).filter((name) => name.includes('.partial-'))).toEqual([]); // written atomically
    const restore = cli(restored, 'restore', backupFile);
    expect(restore.status, restore.output).toBe(0);

    const before = await withDataDir(seeded, fingerprint);
    const after = await withDataDir(restored, fingerprint);
    expect(Object.keys(before)).toContain('response_revisions');
    expect(before.responses.rows).toBeGreaterThan(0);
    expect(after).toEqual(before);
    const answer = await withDataDir(restored, (db) =>
      db.selectFrom('answers').select('value_text').where('question', '=', 'team_description').where('value_text', '=', savedValue).execute(),
    );
    expect(answer).toHaveLength(1);
  }, 120_000);

  it('refuses a folder that is not empty without --force, and one a running process holds', () => {
    const again = cli(restored, 'restore', backupFile);
    expect(again.status).toBe(1);
    expect(again.output).toMatch(/is not empty.*--force/s);

    // A running server: the lock file names a live process (this test's parent), with or without --force.
    const lockPath = path.join(restored, 'stocktake.lock');
    fs.writeFileSync(lockPath, `${process.ppid}\n`);
    try {
      for (const args of [[], ['--force']]) {
        const locked = cli(restored, 'restore', backupFile, ...args);
        expect(locked.status, args.join(' ')).toBe(1);
        expect(locked.output).toMatch(new RegExp(`in use by a running Stocktake process \\(pid ${process.ppid}\\)`));
      }
      const backup = cli(restored, 'backup', path.join(root, 'while-running.backup'));
      expect(backup.status).toBe(1);
      expect(backup.output).toMatch(/in use by a running Stocktake process/);
      expect(fs.existsSync(path.join(root, 'while-running.backup'))).toBe(false);
    } finally {
      fs.rmSync(lockPath);
    }
  }, 120_000);

  it('with --force, keeps the old folder beside the restored one', async () => {
    await withDataDir(restored, (db) => db.insertInto('areas').values({ slug: 'after-backup', name: 'After the backup' }).execute());
    const forced = cli(restored, 'restore', backupFile, '--force');
    expect(forced.status, forced.output).toBe(0);
    const kept = fs.readdirSync(root).filter((name) => name.startsWith('restored.before-restore-'));
    expect(kept).toHaveLength(1);
    expect(forced.output).toContain(path.join(root, kept[0]));
    const areas = (dataDir: string) => withDataDir(dataDir, (db) => db.selectFrom('areas').select('slug').where('slug', '=', 'after-backup').execute());
    expect(await areas(path.join(root, kept[0]))).toHaveLength(1);
    expect(await areas(restored)).toHaveLength(0);
  }, 120_000);

  it('points to pg_dump and pg_restore when DATABASE_URL is set', () => {
    for (const [command, tool] of [
      ['backup', 'pg_dump'],
      ['restore', 'pg_restore'],
    ]) {
      const env = { ...process.env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', VITEST: '' };
      const result = spawnSync('npx', ['tsx', 'cli/index.ts', command, backupFile], { env, encoding: 'utf8' });
      expect(result.status, command).toBe(1);
      expect(result.stderr).toContain(tool);
    }
  }, 60_000);
});

if (onPostgres)
  console.log('backup: skipped on a PostgreSQL run: the backup and restore commands concern the embedded database (a server is backed up with pg_dump).');
