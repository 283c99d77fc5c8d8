import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerDatabase, ensureBuild, startServer, type TestServer } from './helpers/browser';

/**
 * Several app processes on one port (server.ts, node:cluster): with DATABASE_URL and WEB_CONCURRENCY=2 the primary
 * prepares the database and forks two workers, both answer requests, a worker that dies is replaced, and SIGTERM
 * stops them all. Which worker answered is read from PostgreSQL (each process names its connections with its pid),
 * not from the responses. The embedded database allows one process only, so this runs on a PostgreSQL server alone.
 */

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

let database: Awaited<ReturnType<typeof createServerDatabase>>;
let server: TestServer | undefined;

/** A GET on a connection of its own (closed after), so the primary hands each request to the next worker. */
function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false, headers: { Connection: 'close' } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    request.on('error', reject);
  });
}

const workerPids = (output: string) => [...output.matchAll(/Worker (\d+) is serving/g)].map((m) => Number(m[1]));

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 60_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Waited ${ms / 1000} s for ${what}:\n${server?.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The pids in the names of the app's connections to its database. */
async function connectedPids(): Promise<Set<number>> {
  const { default: postgres } = await import('postgres');
  const sql = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
  try {
    const name = new URL(database.url).pathname.slice(1);
    const rows = await sql<{ application_name: string }[]>`select application_name from pg_stat_activity where datname = ${name}`;
    return new Set(
      rows
        .map((r) => /^stocktake \(pid (\d+)\)$/.exec(r.application_name)?.[1])
        .filter(Boolean)
        .map(Number),
    );
  } finally {
    await sql.end();
  }
}

describe.skipIf(!onPostgres)('several app processes on one port (WEB_CONCURRENCY)', () => {
  beforeAll(async () => {
    ensureBuild();
    database = await createServerDatabase();
    server = await startServer({ WEB_CONCURRENCY: '2' }, { databaseUrl: database.url, seed: false });
  }, 300_000);
  afterAll(async () => {
    const pids = server ? workerPids(server.output()) : [];
    await server?.stop();
    await database?.drop();
    // Nothing left behind: SIGTERM stopped every worker, replacements included.
    expect(pids.filter(isRunning)).toEqual([]);
  }, 60_000);

  it('the primary prepares the database once and forks two workers, which both answer', async () => {
    const output = server!.output();
    expect(output.match(/Applied migrations:/g)).toHaveLength(1);
    expect(output).toMatch(/2 processes/);
    const pids = workerPids(output);
    expect(new Set(pids).size).toBe(2);

    const statuses = await Promise.all(Array.from({ length: 12 }, () => get(`${server!.url}/healthz`)));
    expect(statuses).toEqual(Array(12).fill(200));
    // Each worker opened connections of its own to answer (/healthz asks the database).
    expect([...(await connectedPids())].sort()).toEqual([...pids].sort());
  });

  it('a worker that dies is replaced, with a line in the log; the others go on answering', async () => {
    const [victim] = workerPids(server!.output());
    process.kill(victim, 'SIGKILL');
    await until(() => new RegExp(`Worker ${victim} stopped \\(signal SIGKILL\\): starting another`).test(server!.output()), 'the line about the dead worker');
    expect(await get(`${server!.url}/healthz`)).toBe(200);
    await until(() => workerPids(server!.output()).length === 3, 'the new worker');
    const live = workerPids(server!.output()).filter(isRunning);
    expect(live).toHaveLength(2);
    expect(live).not.toContain(victim);
    const statuses = await Promise.all(Array.from({ length: 12 }, () => get(`${server!.url}/healthz`)));
    expect(statuses).toEqual(Array(12).fill(200));
    const connected = await connectedPids();
    expect(live.filter((pid) => connected.has(pid))).toEqual(live);
  });
});
