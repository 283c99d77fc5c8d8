import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { action as patchAction } from '../app/routes/api.v1.responses.$responseId';
import { API_TOKEN_TOUCH_MS, createApiToken, revokeApiToken, userFromApiToken } from '../app/models/auth.server';
import { checkResponseStaffing } from '../app/models/aggregation/staffing.server';
import { saveResponseChange } from '../app/models/responses.server';
import { commitRevision } from '../app/models/revisions.server';
import { createRound } from '../app/models/rounds.server';
import { checkTallies } from '../app/models/tallies.server';
import type { CurrentUser } from '../app/models/users.server';
import { onPostgres, useTestDatabase, type TestDatabase } from './helpers/db';
import { APP_ORIGIN, createArea, createTeam, createUser, publishFixtureSurveys, sessionHeaders } from './helpers/factories';
import { countStatements } from './helpers/statements';

// The save is the app's hot path (every autosave, every PATCH of the API): the statements one save sends are
// counted here, so a change that adds a round trip shows. Counts, not timings (timings: npm run bench).

let test: TestDatabase;
let versions: Record<string, number>;
let ann: CurrentUser;
let teamId: number;
let adminId: number;

beforeAll(async () => {
  test = await useTestDatabase();
  versions = await publishFixtureSurveys(test.db);
  const area = await createArea(test.db);
  teamId = (await createTeam(test.db, area.id)).id;
  ann = await createUser(test.db, 'manager', { teamId }, 'Ann Manager');
  adminId = (await createUser(test.db, 'admin', {}, 'Ada Admin')).id;
});
afterAll(() => test.destroy());

async function newResponse(): Promise<number> {
  const round = await createRound(
    test.db,
    { name: `Round ${Math.random()}`, questionnaireVersionId: versions['fixture-check@1'], dueDate: '2009-01-30', teamIds: [teamId] },
    adminId,
  );
  return (await test.db.selectFrom('responses').select('id').where('round_id', '=', round.id).executeTakeFirstOrThrow()).id;
}

const kinds = (statements: string[]) => statements.map((s) => s.trim().split(/\s+/)[0].toLowerCase());

describe(`the statements of one save (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('a one-question save is BEGIN, the locking select, one write, COMMIT: tallies, staffing and revisions stay exact', async () => {
    const responseId = await newResponse();
    let revision = 0;
    const sets: Record<string, unknown>[] = [
      { old_note: 'first' },
      { old_note: 'second' },
      { establishment: 12 },
      { establishment: 13 },
      { vacant: 3 },
      { vacant: null },
    ];
    for (const [n, set] of sets.entries()) {
      const { result, statements } = await countStatements(() =>
        saveResponseChange(test.db, ann, responseId, { baseRevision: revision, set, unset: [], changeId: `change-${n}-of-the-test` }),
      );
      expect(result.revision).toBe(revision + 1);
      revision = result.revision;
      // Before this was counted: 8 statements (10 for a numeric question): the lock, the change id, the response,
      // the revision, the answers' delete and insert, the tallies' owner and change.
      expect(kinds(statements), statements.join('\n')).toEqual(['begin', 'select', 'with', 'commit']);
      expect(statements[1]).toMatch(/for update/);
    }
    expect(await checkTallies(test.db)).toEqual([]);
    expect(await checkResponseStaffing(test.db)).toEqual([]);
    const revisions = await test.db
      .selectFrom('response_revisions')
      .select(['revision', 'questions', 'client_change_id'])
      .where('response_id', '=', responseId)
      .orderBy('revision')
      .execute();
    expect(revisions.map((r) => r.questions)).toEqual(sets.map((set) => Object.keys(set)));
    expect(revisions.map((r) => r.client_change_id)).toEqual(sets.map((_, n) => `change-${n}-of-the-test`));
    const response = await test.db.selectFrom('responses').select(['revision', 'data', 'status']).where('id', '=', responseId).executeTakeFirstOrThrow();
    expect(response).toEqual({ revision: sets.length, data: { old_note: 'second', establishment: 13 }, status: 'in_progress' });
  });

  it('a retried change is answered from the locking select, without a write', async () => {
    const responseId = await newResponse();
    const change = { baseRevision: 0, set: { establishment: 4 }, unset: [], changeId: 'retried-change-id' };
    const first = await saveResponseChange(test.db, ann, responseId, change);
    const { result, statements } = await countStatements(() => saveResponseChange(test.db, ann, responseId, change));
    expect(result).toMatchObject({ revision: first.revision, changed: [] });
    expect(kinds(statements)).toEqual(['begin', 'select', 'commit']);
    expect(await checkTallies(test.db)).toEqual([]);
  });

  it('a retry that waited for the lock while its first try committed is still recognised (the snapshot was older)', async () => {
    const responseId = await newResponse();
    const changeId = 'raced-change-id';
    let waiting: Promise<{ result: Awaited<ReturnType<typeof saveResponseChange>>; statements: string[] }> | undefined;
    // The first try, by hand: it holds the response's lock while the retry starts and waits for it.
    await test.db.transaction().execute(async (trx) => {
      const locked = await trx
        .selectFrom('responses')
        .select(['id', 'revision', 'round_id', 'team_id'])
        .where('id', '=', responseId)
        .forUpdate()
        .executeTakeFirstOrThrow();
      waiting = countStatements(() => saveResponseChange(test.db, ann, responseId, { baseRevision: 0, set: { old_note: 'once' }, unset: [], changeId }));
      await new Promise((resolve) => setTimeout(resolve, 300)); // the retry's select is waiting for the lock by now
      await commitRevision(trx, locked, { kind: 'edit', authorId: ann.id, changes: [], clientChangeId: changeId });
    });
    const { result, statements } = await waiting!;
    expect(result).toMatchObject({ revision: 1, changed: [] });
    // On PostgreSQL the retry's select saw the revisions from before its wait, so it asked again; PGlite has one
    // connection, so there the retry ran after the first try had committed and its one select saw it. (The list
    // also holds the first try's write and commit, sent while the retry was counted: the one 'with'.)
    expect(kinds(statements).filter((k) => k === 'select')).toHaveLength(onPostgres ? 2 : 1);
    expect(kinds(statements).filter((k) => k === 'with')).toHaveLength(1);
    const revisions = await test.db.selectFrom('response_revisions').select('revision').where('response_id', '=', responseId).execute();
    expect(revisions).toHaveLength(1);
  });

  it('a save from an older revision reads the revisions since, to find conflicts', async () => {
    const responseId = await newResponse();
    await saveResponseChange(test.db, ann, responseId, { baseRevision: 0, set: { establishment: 4 }, unset: [] });
    const { statements } = await countStatements(() => saveResponseChange(test.db, ann, responseId, { baseRevision: 0, set: { vacant: 1 }, unset: [] }));
    expect(kinds(statements)).toEqual(['begin', 'select', 'select', 'with', 'commit']);
  });

  it('the API adds one read for its bearer token, and writes the token only when its time is a minute old', async () => {
    const responseId = await newResponse();
    const { id: tokenId, token } = await createApiToken(test.db, ann.id, 'counting');
    const lastUsed = async () =>
      (await test.db.selectFrom('api_tokens').select('last_used_at').where('id', '=', tokenId).executeTakeFirstOrThrow()).last_used_at;
    const patch = (baseRevision: number, establishment: number) =>
      countStatements(async () => {
        const reply = (await patchAction({
          request: new Request(`${APP_ORIGIN}/api/v1/responses/${responseId}`, {
            method: 'PATCH',
            headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
            body: JSON.stringify({ baseRevision, set: { establishment }, changeId: `api-change-${establishment}` }),
          }),
          params: { responseId: String(responseId) },
          context: {},
        })) as Response;
        expect(reply.status).toBe(200);
      });

    expect(await lastUsed()).toBeNull();
    const first = await patch(0, 1); // never used: its time is written
    expect(kinds(first.statements)).toEqual(['select', 'update', 'begin', 'select', 'with', 'commit']);
    const written = await lastUsed();
    expect(written).toBeInstanceOf(Date);

    const second = await patch(1, 2); // within the minute: a read, no write
    expect(kinds(second.statements)).toEqual(['select', 'begin', 'select', 'with', 'commit']);
    expect(await lastUsed()).toEqual(written);

    // A minute later (its stored time moved back), the next request writes it again.
    await sql`update api_tokens set last_used_at = last_used_at - ${`${API_TOKEN_TOUCH_MS + 1000} milliseconds`}::interval where id = ${tokenId}`.execute(
      test.db,
    );
    const movedBack = await lastUsed();
    const third = await patch(2, 3);
    expect(kinds(third.statements)).toContain('update');
    expect((await lastUsed())!.getTime()).toBeGreaterThan(movedBack!.getTime() + API_TOKEN_TOUCH_MS);

    // Revoked: refused, whatever its time.
    expect(await revokeApiToken(test.db, ann.id, tokenId)).toBe(true);
    expect(await userFromApiToken(test.db, token)).toBeNull();
  });

  it("the questionnaire page's autosave (the session cookie) adds one read: the session with its user and roles", async () => {
    const responseId = await newResponse();
    const headers = await sessionHeaders(test.db, ann);
    const { statements } = await countStatements(async () => {
      const reply = (await patchAction({
        request: new Request(`${APP_ORIGIN}/api/v1/responses/${responseId}`, {
          method: 'PATCH',
          headers: { ...headers, 'Content-Type': 'application/json' },
          body: JSON.stringify({ baseRevision: 0, set: { old_note: 'from the page' }, changeId: 'page-change-id' }),
        }),
        params: { responseId: String(responseId) },
        context: {},
      })) as Response;
      expect(reply.status).toBe(200);
    });
    // Before: the session, the user and the user's memberships were three reads.
    expect(kinds(statements)).toEqual(['select', 'begin', 'select', 'with', 'commit']);
  });

  it.skipIf(!onPostgres)('sends its statements prepared on PostgreSQL (parsed once per connection, then one round trip each)', async () => {
    // A prepared statement is listed in pg_prepared_statements of its connection while it runs: this one lists itself.
    // (A statement without parameters goes by the simple protocol, unprepared: this one has one.)
    const rows = await sql<{ statement: string }>`select statement from pg_prepared_statements where statement like ${'%pg_prepared_statements%'}`.execute(
      test.db,
    );
    expect(rows.rows.length).toBeGreaterThan(0);
  });

  it('of requests that read an old time at once, one writes it', async () => {
    const { id: tokenId, token } = await createApiToken(test.db, ann.id, 'concurrent');
    const at = new Date();
    const users = await Promise.all(Array.from({ length: 5 }, () => userFromApiToken(test.db, token, at)));
    expect(users.map((u) => u?.id)).toEqual(Array(5).fill(ann.id));
    // Each later request within the minute reads only.
    const { statements } = await countStatements(() => userFromApiToken(test.db, token, new Date(at.getTime() + API_TOKEN_TOUCH_MS - 1)));
    expect(kinds(statements)).toEqual(['select']);
    const { statements: later } = await countStatements(() => userFromApiToken(test.db, token, new Date(at.getTime() + API_TOKEN_TOUCH_MS)));
    expect(kinds(later)).toEqual(['select', 'update']);
    const row = await test.db.selectFrom('api_tokens').select('last_used_at').where('id', '=', tokenId).executeTakeFirstOrThrow();
    expect(row.last_used_at!.getTime()).toBe(at.getTime() + API_TOKEN_TOUCH_MS);
  });
});
