import fs from 'node:fs';
import path from 'node:path';
import { dataDirLockOwner, openDataDir } from './index';

/**
 * Backup and restore of the embedded database (decision 016). PGlite has no second reader that is safe beside a
 * running server, so both take the data folder's lock, and refuse while the server holds it. A backup is PGlite's
 * own dump of the database folder (a gzipped tar); the session secret kept beside it is left out on purpose.
 */

export class BackupRefusedError extends Error {}

const GZIP_MAGIC = [0x1f, 0x8b];

function refuseWhileInUse(dataDir: string, what: string): void {
  const owner = dataDirLockOwner(dataDir);
  if (owner !== null)
    throw new BackupRefusedError(
      `The data folder ${dataDir} is in use by a running Stocktake process (pid ${owner}): stop it before ${what}. ` +
        'The embedded database allows one process at a time, so a backup cannot be read beside the server.',
    );
}

/** Writes a dump of the database in `dataDir` to `file`: a temporary file first, renamed into place when complete. */
export async function backupDataDir(dataDir: string, file: string): Promise<{ bytes: number }> {
  if (!fs.existsSync(path.join(dataDir, 'pgdata', 'PG_VERSION'))) throw new BackupRefusedError(`There is no embedded database in ${dataDir} to back up.`);
  refuseWhileInUse(dataDir, 'taking a backup');
  const { pglite, releaseLock } = await openDataDir(dataDir);
  let dump: Blob;
  try {
    dump = await pglite.dumpDataDir('gzip');
  } finally {
    await pglite.close();
    releaseLock();
  }
  const bytes = Buffer.from(await dump.arrayBuffer());
  const partial = `${file}.partial-${process.pid}`;
  try {
    const fd = fs.openSync(partial, 'w', 0o600); // the backup holds every answer and password hash
    try {
      fs.writeSync(fd, bytes);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(partial, file);
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  }
  return { bytes: bytes.length };
}

/**
 * Restores a backup into `dataDir`, which must be empty or missing; with `force` a folder in use is moved aside to
 * `<dataDir>.before-restore-<time>`, never deleted. The dump is loaded into a sibling folder first and renamed into
 * place once PGlite has opened it, so a bad file leaves the data folder as it was. Migrations run at the next start.
 */
export async function restoreDataDir(file: string, dataDir: string, options: { force?: boolean; now?: Date } = {}): Promise<{ keptAs: string | null }> {
  if (!fs.existsSync(file)) throw new BackupRefusedError(`There is no backup file ${file}.`);
  const bytes = fs.readFileSync(file);
  const gzipped = bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
  refuseWhileInUse(dataDir, 'restoring into it');
  const occupied = fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0;
  if (occupied && !options.force)
    throw new BackupRefusedError(
      `The data folder ${dataDir} is not empty. Restore into an empty or new folder (STOCKTAKE_DATA_DIR), or add --force to move this one aside first.`,
    );

  const staging = `${dataDir}.restoring-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    const { pglite, releaseLock } = await openDataDir(staging, new Blob([bytes], { type: gzipped ? 'application/x-gzip' : 'application/x-tar' }));
    try {
      await pglite.query('select 1');
    } finally {
      await pglite.close();
      releaseLock();
    }
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw new BackupRefusedError(`${file} could not be restored (is it a Stocktake backup?): ${(error as Error).message}`);
  }

  let keptAs: string | null = null;
  if (occupied) {
    keptAs = `${dataDir}.before-restore-${(options.now ?? new Date()).toISOString().replace(/[:.]/g, '-')}`;
    fs.renameSync(dataDir, keptAs);
  } else {
    fs.rmSync(dataDir, { recursive: true, force: true }); // an empty folder
  }
  fs.renameSync(staging, dataDir);
  return { keptAs };
}
