import fs from 'node:fs';
import path from 'node:path';
import { Kysely, Migrator, type LogConfig, type MigrationResultSet } from 'kysely';
import type { Database } from './schema';
import { config, type Config } from '../app/utils/config.server';
import { migrations } from './migrations';
import type { PGlite as PGliteInstance } from '@electric-sql/pglite';
import type { Sql } from 'postgres';

/**
 * The database or an open transaction (Kysely's Transaction is a Kysely): every domain function takes one first.
 * A function that opens its own transaction (`db.transaction()`) needs the database itself: Kysely refuses to nest.
 */
export type Executor = Kysely<Database>;

export type DatabaseTarget = { kind: 'postgres'; url: string } | { kind: 'embedded'; dataDir: string } | { kind: 'memory'; loadDataDir?: Blob };

export class DatabaseLockedError extends Error {}

// Dates (SQL `date`, e.g. a round's due date) stay 'YYYY-MM-DD' strings on both drivers: no time-zone shifts.
const DATE_OID = 1082;
const PGLITE_PARSERS = { [DATE_OID]: (value: string) => value };

type Opened = { db: Executor; target: DatabaseTarget; close: () => Promise<void> };

// One Kysely instance per process. The server (server.ts, run by tsx) opens it; the Remix build, bundled
// separately, finds the same instance here rather than creating a second pool or a second PGlite.
const registry = globalThis as typeof globalThis & { __stocktakeDatabase?: Opened };

/** The database the configuration names: DATABASE_URL (checked by the config schema), else the embedded one. */
export function resolveTarget(settings: Pick<Config, 'DATABASE_URL' | 'STOCKTAKE_DATA_DIR'> = config()): DatabaseTarget {
  if (settings.DATABASE_URL) return { kind: 'postgres', url: settings.DATABASE_URL };
  return { kind: 'embedded', dataDir: settings.STOCKTAKE_DATA_DIR };
}

/**
 * Creates a Kysely instance for the target without registering it as the process's database. `log`: Kysely's query
 * log (tests count the statements of a save with it; BEGIN and COMMIT go through it too).
 */
export async function connect(target: DatabaseTarget, { log }: { log?: LogConfig } = {}): Promise<Opened> {
  if (target.kind === 'postgres') {
    const [{ default: postgres }, { PostgresJSDialect }] = await Promise.all([import('postgres'), import('kysely-postgres-js')]);
    const client = postgres(target.url, {
      // Per process: the server runs WEB_CONCURRENCY processes, each with its own pool (README, configuration).
      max: config().DATABASE_POOL_SIZE,
      // Named prepared statements, parsed once per connection and reused (postgres.js's default, said here because
      // it matters: see preparedStatements below).
      prepare: true,
      onnotice: () => {},
      // Which process holds a connection (pg_stat_activity), when several app processes share the server.
      connection: { application_name: `stocktake (pid ${process.pid})` },
      // timestamptz and date come back as Date / ISO strings as with PGlite.
      types: { date: { to: DATE_OID, from: [DATE_OID], serialize: (v: string) => v, parse: (v: string) => v } },
    });
    const db = new Kysely<Database>({ dialect: new PostgresJSDialect({ postgres: preparedStatements(client) }), log });
    return { db, target, close: () => db.destroy() };
  }

  const [{ PGlite }, { PGliteDialect }] = await Promise.all([import('@electric-sql/pglite'), import('kysely-pglite-dialect')]);
  if (target.kind === 'memory') {
    // loadDataDir: a dump of an already-migrated database (tests load one instead of running initdb each time).
    const pglite = new PGlite({ parsers: PGLITE_PARSERS, loadDataDir: target.loadDataDir });
    const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite), log });
    return { db, target, close: () => db.destroy() };
  }

  const embedded = await openDataDir(target.dataDir);
  const db = new Kysely<Database>({ dialect: new PGliteDialect(embedded.pglite), log });
  return {
    db,
    target,
    close: async () => {
      try {
        await db.destroy();
      } finally {
        embedded.releaseLock();
      }
    },
  };
}

type PostgresClient = Sql;

/**
 * The client as kysely-postgres-js sees it, with prepared statements on. The dialect sends every query through
 * postgres.js's `unsafe`, which does not prepare unless asked: a query with parameters then costs two round trips
 * (Parse and Describe, then Bind and Execute) every time. Prepared, it is described once per connection and then
 * sent in one. Kysely's query text is the same for the same shape of query, so the cache stays small; postgres.js
 * also closes each connection after max_lifetime (30 to 60 minutes), and its statements with it.
 */
function preparedStatements(client: PostgresClient): () => Promise<PostgresClient> {
  const preparing = {
    async reserve() {
      const reserved = await client.reserve();
      const unsafe = reserved.unsafe.bind(reserved);
      reserved.unsafe = ((query: string, parameters?: never[], options?: object) =>
        unsafe(query, parameters, { prepare: true, ...options })) as PostgresClient['unsafe'];
      return reserved;
    },
    end: (options?: { timeout?: number }) => client.end(options),
  };
  return async () => preparing as unknown as PostgresClient;
}

/**
 * Opens the embedded database in a data folder under the folder's lock (the server, the command line, backup and
 * restore alike). `loadDataDir`: a PGlite dump to load into a folder with no database yet (restore).
 */
export async function openDataDir(dataDir: string, loadDataDir?: Blob): Promise<{ pglite: PGliteInstance; releaseLock: () => void }> {
  const { PGlite } = await import('@electric-sql/pglite');
  fs.mkdirSync(dataDir, { recursive: true }); // PGlite does not create parent folders
  const releaseLock = acquireDataDirLock(dataDir);
  try {
    const pglite = new PGlite(path.join(dataDir, 'pgdata'), { parsers: PGLITE_PARSERS, loadDataDir });
    await pglite.waitReady;
    return { pglite, releaseLock };
  } catch (error) {
    releaseLock();
    throw error;
  }
}

/** The pid of the running process that holds the data folder's lock, or null when none does. */
export function dataDirLockOwner(dataDir: string): number | null {
  let owner: number;
  try {
    owner = Number.parseInt(fs.readFileSync(path.join(dataDir, LOCK_FILE), 'utf8'), 10);
  } catch {
    return null; // no lock file
  }
  return Number.isInteger(owner) && owner !== process.pid && isRunning(owner) ? owner : null;
}

/**
 * PGlite lets two processes open one folder and then silently loses writes, so one process per folder:
 * an exclusive lock file holding the owner's pid. A lock left by a process that no longer runs is taken over.
 */
const LOCK_FILE = 'stocktake.lock';

function acquireDataDirLock(dataDir: string): () => void {
  const lockPath = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(lockPath, 'wx');
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          if (fs.readFileSync(lockPath, 'utf8').trim() === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {
          // already gone
        }
      };
      process.once('exit', release);
      return release;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = dataDirLockOwner(dataDir);
      if (owner !== null) {
        throw new DatabaseLockedError(
          `The data folder ${dataDir} is in use by another Stocktake process (pid ${owner}). ` +
            'Only one process may open an embedded database: stop the other process (the running server, or a ' +
            'command such as demo seed), or point this one at another folder with STOCKTAKE_DATA_DIR.',
        );
      }
      fs.rmSync(lockPath, { force: true }); // stale: its owner has gone
    }
  }
  throw new DatabaseLockedError(`Could not take the lock on ${lockPath}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Opens the process's database (once) and runs pending migrations. */
export async function openDatabase(target: DatabaseTarget = resolveTarget()): Promise<Executor> {
  if (registry.__stocktakeDatabase) return registry.__stocktakeDatabase.db;
  const opened = await connect(target);
  registry.__stocktakeDatabase = opened;
  return opened.db;
}

/** Uses an already-created instance as the process's database (tests). */
export function useDatabase(db: Executor, close: () => Promise<void> = () => db.destroy()): void {
  registry.__stocktakeDatabase = { db, target: { kind: 'memory' }, close };
}

export function getDb(): Executor {
  const opened = registry.__stocktakeDatabase;
  if (!opened) throw new Error('The database is not open: openDatabase() must run when the process starts');
  return opened.db;
}

export function databaseTarget(): DatabaseTarget | undefined {
  return registry.__stocktakeDatabase?.target;
}

export async function closeDatabase(): Promise<void> {
  const opened = registry.__stocktakeDatabase;
  registry.__stocktakeDatabase = undefined;
  if (opened) await opened.close();
}

/**
 * Applies pending migrations. Kysely takes a PostgreSQL advisory lock for the run, so two processes starting
 * at once against one server apply each migration exactly once.
 */
export async function migrateToLatest(db: Executor): Promise<MigrationResultSet> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const result = await migrator.migrateToLatest();
  if (result.error) {
    const failed = result.results?.find((r) => r.status === 'Error');
    const error = result.error instanceof Error ? result.error : new Error(String(result.error));
    error.message = `Migration ${failed?.migrationName ?? '(unknown)'} failed: ${error.message}`;
    throw error;
  }
  return result;
}

export function describeTarget(target: DatabaseTarget): string {
  if (target.kind === 'postgres') return `PostgreSQL server ${redactUrl(target.url)}`;
  if (target.kind === 'memory') return 'in-memory embedded PostgreSQL (PGlite)';
  return `embedded PostgreSQL (PGlite) in ${target.dataDir}`;
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}

/** PostgreSQL's deadlock_detected and serialization_failure: the transaction was rolled back and can run again. */
const RETRYABLE_CODES = new Set(['40P01', '40001']);

/**
 * Runs a transaction again (up to `attempts` times in all) when PostgreSQL rolled it back to break a deadlock.
 * For transactions that change shared rows in more than one statement (a save that starts a carried-forward
 * response moves its answer tallies and then changes them), where two at once can, rarely, wait on each other.
 */
export async function retryOnDeadlock<T>(work: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (attempt >= attempts || typeof code !== 'string' || !RETRYABLE_CODES.has(code)) throw error;
    }
  }
}
