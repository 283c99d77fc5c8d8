import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServerDatabase, ensureBuild, startServer, type TestServer } from './helpers/browser';
import { expectAcknowledgedOnce, expectRefusalsSaidWhy, fetchResponse, fetchRevisionsAfter, replay, request, runWriter, signInCookie } from './helpers/saves';
import { migrations } from '../db/migrations';

/**
 * Two app processes on one PostgreSQL server (issue 14): both started at once on an empty database run the
 * migrations once between them, and saves sent through both to one response interleave as through one: the data is
 * the replay of the revisions, every acknowledged save is kept once, no 5xx. The embedded database allows one
 * process only (its lock), so this runs on a PostgreSQL server alone.
 */

const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
const DEMO = 'demo.stocktake.example';
const SHARED = ['team_type', 'total_cases'];
const OWN = ['team_description', 'referrals_data_notes', 'threshold_evidence', 'supervision_notes'];
const TEAM_TYPES = ['duty-initial-assessment', 'long-term-child-protection', 'looked-after-children', 'other'];

let database: Awaited<ReturnType<typeof createServerDatabase>>;
let servers: TestServer[] = [];
let cookies: string[];
let responseId: number;

function valueFor(question: string, writer: number, n: number): unknown {
  if (question === 'team_type') return TEAM_TYPES[(writer + n) % TEAM_TYPES.length];
  if (question === 'total_cases') return writer * 1000 + n;
  return `writer ${writer}, save ${n}`;
}

describe.skipIf(!onPostgres)('two app processes on one PostgreSQL server', () => {
  beforeAll(async () => {
    ensureBuild();
    database = await createServerDatabase();
    // One session secret for both, as the README asks of processes sharing a server; no seed: the database is empty.
    const settings = { SESSION_SECRET: crypto.randomBytes(32).toString('base64url') };
    servers = await Promise.all([0, 1].map(() => startServer(settings, { databaseUrl: database.url, seed: false })));
  }, 300_000);
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await database?.drop();
  });

  it('both migrate an empty database at start, and each migration runs once', async () => {
    const { default: postgres } = await import('postgres');
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      const rows = await sql<{ name: string }[]>`select name from kysely_migration order by name`;
      expect(rows.map((r) => r.name)).toEqual(Object.keys(migrations).sort());
    } finally {
      await sql.end();
    }
    // Exactly one of the two applied them; the other found them done (Kysely's migration lock).
    const applied = servers.filter((server) => /Applied migrations:/.test(server.output()));
    expect(applied, servers.map((server) => server.output()).join('\n---\n')).toHaveLength(1);
  });

  it('saves through both processes on one response interleave: the data is the replay of the revisions', async () => {
    const env = { ...process.env, DATABASE_URL: database.url, VITEST: '' };
    const seeded = spawnSync('npx', ['tsx', 'cli/index.ts', 'demo', 'seed'], { env, encoding: 'utf8' });
    expect(seeded.status, seeded.stderr).toBe(0);

    const [a, b] = servers;
    const admin = await signInCookie(a.url, `admin@${DEMO}`);
    const list = await request(a.url, admin, 'GET', '/api/v1/responses');
    const candidates = (list.body.responses as { id: number; status: string; questionnaire: { slug: string } }[]).filter(
      (r) => r.questionnaire.slug === 'team-self-assessment' && ['not_started', 'in_progress'].includes(r.status),
    );
    let team = '';
    for (const candidate of candidates) {
      responseId = candidate.id;
      const response = await fetchResponse(a.url, admin, responseId);
      team = (response as unknown as { team: { slug: string } }).team.slug;
      if (response.round.status === 'open') break;
    }
    const manager = `manager.${team}@${DEMO}`;
    // Signed in on each process; a session made by one is good on the other (one database, one secret).
    cookies = [await signInCookie(a.url, manager), await signInCookie(b.url, manager)];
    expect((await request(b.url, cookies[0], 'GET', `/api/v1/responses/${responseId}`)).status).toBe(200);

    const before = await fetchResponse(a.url, cookies[0], responseId);
    const until = Date.now() + 3_000;
    // Writers 0-3 share two questions (conflicts across processes), 4-7 each have their own; even through a, odd through b.
    const saves = (
      await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          runWriter({
            baseUrl: servers[i % 2].url,
            cookie: cookies[i % 2],
            responseId,
            index: i,
            questions: i < 4 ? SHARED : [OWN[i - 4]],
            value: valueFor,
            until,
          }),
        ),
      )
    ).flat();

    expect(saves.filter((s) => s.lost)).toEqual([]);
    expect(saves.filter((s) => s.reply!.status >= 500).map((s) => s.reply)).toEqual([]);
    expectRefusalsSaidWhy(saves);
    const accepted = saves.filter((s) => s.reply!.status === 200);
    for (const via of [0, 1]) expect(accepted.some((s) => s.writer % 2 === via && s.writer >= 4)).toBe(true);

    const after = await fetchResponse(b.url, cookies[1], responseId);
    expect(await fetchResponse(a.url, cookies[0], responseId)).toEqual(after);
    const revisions = await fetchRevisionsAfter(a.url, cookies[0], responseId, before.revision);
    expect(revisions.map((r) => r.revision)).toEqual(Array.from({ length: after.revision - before.revision }, (_, i) => before.revision + 1 + i));
    expect(revisions.length).toBe(accepted.filter((s) => (s.reply!.body.changed as string[]).length).length);
    expect(replay(before.data, revisions)).toEqual(after.data);
    expectAcknowledgedOnce(saves, revisions, ['team_type']);
  }, 240_000);
});

if (!onPostgres)
  console.log('two-processes: skipped: two app processes share a PostgreSQL server only (set TEST_DATABASE_URL); the embedded database allows one process.');
