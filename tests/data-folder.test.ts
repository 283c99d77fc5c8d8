import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connect, DatabaseLockedError, migrateToLatest } from '../db/index';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stocktake-data-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('the embedded database folder', () => {
  it('is created on first open, refused to a second opener while in use, and reopens with its data', async () => {
    const dataDir = path.join(dir, 'nested', 'data');
    const first = await connect({ kind: 'embedded', dataDir });
    await migrateToLatest(first.db);
    await first.db.insertInto('areas').values({ slug: 'east', name: 'East' }).execute();

    // A second process: simulated by a lock file owned by another live pid (this test's parent).
    const lockPath = path.join(dataDir, 'stocktake.lock');
    expect(fs.readFileSync(lockPath, 'utf8').trim()).toBe(String(process.pid));
    fs.writeFileSync(lockPath, `${process.ppid}\n`);
    await expect(connect({ kind: 'embedded', dataDir })).rejects.toThrow(DatabaseLockedError);
    await expect(connect({ kind: 'embedded', dataDir })).rejects.toThrow(/in use by another Stocktake process/);
    fs.writeFileSync(lockPath, `${process.pid}\n`);
    await first.close();
    expect(fs.existsSync(lockPath)).toBe(false);

    const reopened = await connect({ kind: 'embedded', dataDir });
    const areas = await reopened.db.selectFrom('areas').select('name').execute();
    expect(areas).toEqual([{ name: 'East' }]);
    await reopened.close();
  });

  it('takes over a lock left by a process that has gone', async () => {
    const dataDir = path.join(dir, 'stale');
    fs.mkdirSync(dataDir, { recursive: true });
    const lockPath = path.join(dataDir, 'stocktake.lock');
    fs.writeFileSync(lockPath, '999999\n'); // pid 999999: no such process here
    expect(() => process.kill(999999, 0)).toThrow();
    const opened = await connect({ kind: 'embedded', dataDir });
    // The lock is now this process's, and the database is open for use.
    expect(fs.readFileSync(lockPath, 'utf8').trim()).toBe(String(process.pid));
    await migrateToLatest(opened.db);
    await opened.db.insertInto('areas').values({ slug: 'west', name: 'West' }).execute();
    expect(await opened.db.selectFrom('areas').select('name').execute()).toEqual([{ name: 'West' }]);
    await opened.close();
    expect(fs.existsSync(lockPath)).toBe(false);
  });
});
