import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { createRound } from '../app/models/rounds.server';
import type { CurrentUser } from '../app/models/users.server';
import { action as adminUserAction } from '../app/routes/admin._index';
import { action as newTeamAction } from '../app/routes/admin.teams.new';
import { action as newUserAction } from '../app/routes/admin.users.new';
import { action as confirmAction } from '../app/routes/api.v1.responses.$responseId.confirm';
import { action as returnAction } from '../app/routes/api.v1.responses.$responseId.return';
import { action as submitAction } from '../app/routes/api.v1.responses.$responseId.submit';
import { action as patchAction } from '../app/routes/api.v1.responses.$responseId';
import { action as roundStatusAction } from '../app/routes/api.v1.rounds.$roundId';
import { action as newRoundAction } from '../app/routes/api.v1.rounds._index';
import { loader as csvLoader } from '../app/routes/api.v1.rounds.$roundId.export[.csv]';
import { loader as xlsxLoader } from '../app/routes/api.v1.rounds.$roundId.export[.xlsx]';
import { action as loginAction } from '../app/routes/login';
import { action as logoutAction } from '../app/routes/logout';
import { action as profileAction } from '../app/routes/profile';
import { loader as listResponsesLoader } from '../app/routes/api.v1.responses._index';
import { loader as historyLoader } from '../app/routes/responses.$responseId.history';
import { action as returnFormAction, loader as reviewLoader } from '../app/routes/review.responses.$responseId';
import { action as roundStatusFormAction } from '../app/routes/review.rounds.$roundId._index';
import { action as newRoundFormAction } from '../app/routes/review.rounds.new';
import { onPostgres, useTestDatabase, type TestDatabase } from './helpers/db';
import { APP_ORIGIN, createKent, createUser, publishFixtureSurveys, sessionHeaders } from './helpers/factories';

/**
 * Hostile input, property-based (issue 14): random and hostile payloads thrown at every JSON API action and every page
 * form action, through the real actions, as a user who may use them. Never a 5xx or a thrown error; a refusal changes
 * nothing in the database; an accepted hostile answer is stored exactly and comes back as text, neutralised in exports.
 * A failure prints fast-check's seed and path: rerun with `fc.assert(..., { seed, path })` to reproduce it.
 */

// ---------------------------------------------------------------------------------------------------------------------
// Payloads. A JSON body is built from a small syntax tree rather than JSON.stringify, so that it can hold what
// JSON.stringify cannot: duplicate keys, `__proto__` as a plain key, number literals such as 1e309 and raw bytes that
// are not UTF-8.

type Json =
  | { t: 'literal'; v: string } // a number, true, false or null, written as it stands
  | { t: 'string'; v: string }
  | { t: 'bytes'; v: number[] } // a string whose bytes are written raw (invalid UTF-8)
  | { t: 'array'; v: Json[] }
  | { t: 'object'; v: Array<[string, Json]> }
  | { t: 'text'; v: string }; // the whole body, as is (deep nesting, truncated JSON)

const MEGABYTE = 1024 * 1024;
const HUGE = 'x'.repeat(MEGABYTE);
const DEEP_ARRAY = '['.repeat(10_000) + ']'.repeat(10_000);
const DEEP_OBJECT = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);

const HOSTILE_STRINGS = [
  '',
  ' ',
  "'; drop table answers; --",
  "1' or '1'='1",
  'Robert"); DELETE FROM responses; --',
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '"><svg onload=alert(1)>',
  '=HYPERLINK("http://evil.example","click")',
  '+1+2',
  '-2+3',
  '@SUM(A1:A2)',
  '\t=1+1',
  '\r=1+1',
  '1e309',
  '-0',
  'NaN',
  'Infinity',
  '__proto__',
  'constructor',
  'prototype',
  '\u0000',
  'nul\u0000byte',
  '\ud800',
  'lone \udc00 low',
  '\u202eevil\u202c',
  '𝕏 emoji 👪',
  '../../etc/passwd',
  '%00%ff',
  '{{7*7}}',
  '${process.exit(1)}',
];
const HOSTILE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', 'no_such_question', ''];
const NUMBER_LITERALS = ['0', '-0', '1', '-1', '1.5', '1e309', '-1e309', '1e-400', '2147483648', '99999999999999999999', '0.1', '1E2', '-2147483649'];
const INVALID_UTF8 = [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80]];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 3, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.oneof(loneSurrogate, fc.constantFrom('a', '=', '<')), maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constantFrom(HUGE, HUGE.slice(0, 20_001)) },
);
const hostileKey = fc.oneof(
  fc.constantFrom(...HOSTILE_KEYS),
  hostileString.filter((s) => s.length < 100),
);
const numberLiteral = fc.oneof(
  fc.constantFrom(...NUMBER_LITERALS),
  fc.integer({ min: -1e9, max: -1 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
);

const str = (v: string): Json => ({ t: 'string', v });
const lit = (v: string): Json => ({ t: 'literal', v });
const obj = (v: Array<[string, Json]>): Json => ({ t: 'object', v });

const { hostileJson } = fc.letrec<{ hostileJson: Json }>((tie) => ({
  hostileJson: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString.map(str),
    numberLiteral.map(lit),
    fc.constantFrom('true', 'false', 'null').map(lit),
    fc.constantFrom(...INVALID_UTF8).map((v): Json => ({ t: 'bytes', v })),
    fc.array(tie('hostileJson'), { maxLength: 4 }).map((v): Json => ({ t: 'array', v })),
    fc.array(fc.tuple(hostileKey, tie('hostileJson')), { maxLength: 4 }).map(obj),
  ),
}));

/** A whole body that is not a usable object at all. */
const hostileBody: fc.Arbitrary<Json> = fc.oneof(
  hostileJson,
  fc
    .constantFrom(DEEP_ARRAY, DEEP_OBJECT, '{"a":', '', '   ', 'null', '{"__proto__":{"polluted":true}}', '[]', '"just a string"', '{}{}')
    .map((v): Json => ({ t: 'text', v })),
);

/** An object with the endpoint's fields, each plausible, hostile or left out, plus hostile extra and duplicate keys. */
function shaped(fields: Record<string, fc.Arbitrary<Json>>): fc.Arbitrary<Json> {
  const entries = Object.entries(fields).map(([name, plausible]) =>
    fc
      .oneof({ weight: 12, arbitrary: plausible }, { weight: 2, arbitrary: hostileJson }, { weight: 1, arbitrary: fc.constant(undefined) })
      .map((value): [string, Json] | undefined => (value === undefined ? undefined : [name, value])),
  );
  const extras = fc.oneof(
    { weight: 4, arbitrary: fc.constant([]) },
    { weight: 1, arbitrary: fc.array(fc.tuple(fc.oneof(hostileKey, fc.constantFrom(...Object.keys(fields))), hostileJson), { minLength: 1, maxLength: 2 }) },
  );
  return fc.tuple(fc.tuple(...entries), extras).map(([own, extra]) => obj([...own.filter((e) => e !== undefined), ...extra]));
}

function jsonBytes(node: Json): Buffer {
  switch (node.t) {
    case 'literal':
      return Buffer.from(node.v);
    case 'string':
      return Buffer.from(JSON.stringify(node.v));
    case 'bytes':
      return Buffer.concat([Buffer.from('"'), Buffer.from(node.v), Buffer.from('"')]);
    case 'text':
      return Buffer.from(node.v);
    case 'array':
      return Buffer.concat([Buffer.from('['), ...node.v.flatMap((item, i) => (i ? [Buffer.from(','), jsonBytes(item)] : [jsonBytes(item)])), Buffer.from(']')]);
    case 'object':
      return Buffer.concat([
        Buffer.from('{'),
        ...node.v.flatMap(([key, value], i) => [Buffer.from(`${i ? ',' : ''}${JSON.stringify(key)}:`), jsonBytes(value)]),
        Buffer.from('}'),
      ]);
  }
}

/** A form value: text (lone surrogates become U+FFFD on the way, as a browser sends them) or raw bytes. */
type FormValue = string | number[];
const formValue: fc.Arbitrary<FormValue> = fc.oneof({ weight: 5, arbitrary: hostileString }, { weight: 1, arbitrary: fc.constantFrom(...INVALID_UTF8) });

/** A urlencoded form: the page's fields, each plausible, hostile, repeated or left out, plus hostile extra fields. */
function form(fields: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<Array<[string, FormValue]>> {
  const entries = Object.entries(fields).map(([name, plausible]) =>
    fc
      .oneof(
        { weight: 12, arbitrary: plausible.map((v) => [v]) },
        { weight: 2, arbitrary: formValue.map((v) => [v]) },
        { weight: 1, arbitrary: fc.array(fc.oneof(plausible, formValue), { maxLength: 3 }) },
      )
      .map((values) => values.map((value): [string, FormValue] => [name, value])),
  );
  const extras = fc.oneof(
    { weight: 4, arbitrary: fc.constant([]) },
    { weight: 1, arbitrary: fc.array(fc.tuple(hostileKey, formValue), { minLength: 1, maxLength: 2 }) },
  );
  return fc.tuple(fc.tuple(...entries), extras).map(([own, extra]) => [...own.flat(), ...extra]);
}

const percentEncode = (bytes: Uint8Array) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
const formBytes = (pairs: Array<[string, FormValue]>) =>
  Buffer.from(
    pairs
      .map(([key, value]) => `${percentEncode(Buffer.from(key))}=${percentEncode(typeof value === 'string' ? Buffer.from(value) : Buffer.from(value))}`)
      .join('&'),
  );

// ---------------------------------------------------------------------------------------------------------------------
// The database's state: the tables a refused request must leave alone, as a count and a checksum each.

const WATCHED = [
  'areas',
  'teams',
  'users',
  'memberships',
  'rounds',
  'responses',
  'response_revisions',
  'answers',
  'answer_tallies',
  'response_staffing',
  'api_tokens',
] as const;

async function databaseState(db: TestDatabase['db']): Promise<Record<string, string>> {
  const state: Record<string, string> = {};
  for (const table of WATCHED) {
    const { rows } = await sql<{ n: string; sum: string | null }>`
      select count(*)::text as n, md5(string_agg(t::text, '|' order by t::text)) as sum from ${sql.table(table)} t`.execute(db);
    state[table] = `${rows[0].n}:${rows[0].sum}`;
  }
  // Sessions come and go with every request (expiry, sign-in throttling); everything else in the audit log must stay.
  const { rows } = await sql<{ n: string; sum: string | null }>`
    select count(*)::text as n, md5(string_agg(t::text, '|' order by t::text)) as sum
    from audit_events t where action not like 'session.%'`.execute(db);
  state.audit_events = `${rows[0].n}:${rows[0].sum}`;
  return state;
}

// ---------------------------------------------------------------------------------------------------------------------

type Handler = (args: LoaderFunctionArgs | ActionFunctionArgs) => Promise<unknown>;
type Endpoint = {
  name: string;
  handler: Handler;
  method: string;
  path: () => string;
  params?: () => Record<string, string>;
  as: () => Promise<Record<string, string>>;
  body: fc.Arbitrary<{ type: string; bytes: Buffer; shown: unknown }>;
};

let test: TestDatabase;
let manager: CurrentUser;
let reviewer: CurrentUser;
let admin: CurrentUser;
let victim: CurrentUser;
let versionId: number;
let responseId: number; // the manager's response in the round the fuzzer works on
let roundId: number; // a second round, whose status the fuzzer may open and close
let textRoundId: number;
let textResponseId: number; // the response whose free text the accepted-save property writes
const headers: Record<string, Record<string, string>> = {};

beforeAll(async () => {
  test = await useTestDatabase();
  versionId = (await publishFixtureSurveys(test.db))['fixture-check@1'];
  const kent = await createKent(test.db, { east: [['duty-initial-assessment', 'Alpha Duty']], west: [['disability', 'Bravo Disability']] });
  const team = kent.eastTeams[0];
  manager = await createUser(test.db, 'manager', { teamId: team.id }, 'Mona Manager');
  reviewer = await createUser(test.db, 'reviewer', { areaId: kent.east.id }, 'Rita Reviewer');
  admin = await createUser(test.db, 'admin', {}, 'Ada Admin');
  victim = await createUser(test.db, 'manager', { teamId: kent.westTeams[0].id }, 'Vic Victim');
  const teamIds = [team.id, kent.westTeams[0].id];
  const fuzzed = await createRound(test.db, { name: 'Fuzzed', questionnaireVersionId: versionId, dueDate: '2009-01-30', teamIds }, null);
  roundId = (await createRound(test.db, { name: 'Toggled', questionnaireVersionId: versionId, dueDate: '2009-01-30', teamIds }, null)).id;
  const text = await createRound(test.db, { name: 'Free text', questionnaireVersionId: versionId, dueDate: '2009-01-30', teamIds: [team.id] }, null);
  textRoundId = text.id;
  const responseOf = (round: number) =>
    test.db.selectFrom('responses').select('id').where('round_id', '=', round).where('team_id', '=', team.id).executeTakeFirstOrThrow();
  responseId = (await responseOf(fuzzed.id)).id;
  textResponseId = (await responseOf(text.id)).id;
  headers.manager = await sessionHeaders(test.db, manager);
  headers.reviewer = await sessionHeaders(test.db, reviewer);
  headers.admin = await sessionHeaders(test.db, admin);
});
afterAll(() => test.destroy());

const jsonBody = (arbitrary: fc.Arbitrary<Json>, type = 'application/json') =>
  fc.oneof({ weight: 6, arbitrary }, { weight: 1, arbitrary: hostileBody }).map((node) => ({ type, bytes: jsonBytes(node), shown: node }));
const formBody = (arbitrary: fc.Arbitrary<Array<[string, FormValue]>>) =>
  arbitrary.map((pairs) => ({ type: 'application/x-www-form-urlencoded', bytes: formBytes(pairs), shown: pairs }));

const QUESTIONS = ['team_kind', 'establishment', 'vacant', 'old_note', 'pressures', 'monthly', 'practice', 'hard_copy', 'due'];
const question = fc.oneof(fc.constantFrom(...QUESTIONS), hostileKey);
const smallInt = (max: number) => fc.integer({ min: 0, max }).map(String).map(lit);
const asUser = (who: string) => async () => headers[who];
// Ids the fuzzer may name: the victim's (so a real user can be disabled) or ones that exist nowhere.
const someUserId = () => fc.oneof(fc.constant(String(victim.id)), fc.constantFrom('0', '-1', '99999', '1e3', '2147483648', 'abc'));

function endpoints(): Endpoint[] {
  const response = () => ({ responseId: String(responseId) });
  const round = () => ({ roundId: String(roundId) });
  return [
    {
      name: 'PATCH /api/v1/responses/{id}',
      handler: patchAction,
      method: 'PATCH',
      path: () => `/api/v1/responses/${responseId}`,
      params: response,
      as: asUser('manager'),
      body: jsonBody(
        shaped({
          baseRevision: smallInt(3),
          set: fc.array(fc.tuple(question, fc.oneof(hostileJson, hostileString.map(str))), { maxLength: 3 }).map(obj),
          unset: fc.array(question.map(str), { maxLength: 3 }).map((v): Json => ({ t: 'array', v })),
          page: fc.constantFrom('profile', 'activity').map(str),
          changeId: fc.string({ minLength: 8, maxLength: 20 }).map(str),
        }),
      ).chain((body) =>
        fc
          .constantFrom('application/json', 'application/json', 'application/json', 'application/merge-patch+json', 'text/plain')
          .map((type) => ({ ...body, type })),
      ),
    },
    {
      name: 'POST /api/v1/responses/{id}/submit',
      handler: submitAction,
      method: 'POST',
      path: () => `/api/v1/responses/${responseId}/submit`,
      params: response,
      as: asUser('manager'),
      body: jsonBody(shaped({ revision: smallInt(3) })),
    },
    {
      name: 'POST /api/v1/responses/{id}/confirm',
      handler: confirmAction,
      method: 'POST',
      path: () => `/api/v1/responses/${responseId}/confirm`,
      params: response,
      as: asUser('manager'),
      body: jsonBody(
        shaped({
          questions: fc.array(question.map(str), { maxLength: 3 }).map((v): Json => ({ t: 'array', v })),
          page: fc.constantFrom('profile', 'activity').map(str),
        }),
      ),
    },
    {
      name: 'POST /api/v1/responses/{id}/return',
      handler: returnAction,
      method: 'POST',
      path: () => `/api/v1/responses/${responseId}/return`,
      params: response,
      as: asUser('reviewer'),
      body: jsonBody(
        shaped({ reason: hostileString.map(str), questions: fc.array(question.map(str), { maxLength: 3 }).map((v): Json => ({ t: 'array', v })) }),
      ),
    },
    {
      name: 'PATCH /api/v1/rounds/{id}',
      handler: roundStatusAction,
      method: 'PATCH',
      path: () => `/api/v1/rounds/${roundId}`,
      params: round,
      as: asUser('reviewer'),
      body: jsonBody(shaped({ status: fc.constantFrom('open', 'closed').map(str) })),
    },
    {
      name: 'POST /api/v1/rounds',
      handler: newRoundAction,
      method: 'POST',
      path: () => '/api/v1/rounds',
      as: asUser('reviewer'),
      body: jsonBody(
        shaped({
          name: hostileString.map(str),
          questionnaireVersionId: fc.constant(lit(String(versionId))),
          questionnaire: shaped({ slug: fc.constant(str('fixture-check')), version: smallInt(2) }),
          dueDate: fc.constantFrom('2009-01-30', '2009-02-30', '0000-00-00', '99999-01-01').map(str),
          teams: shaped({ by: fc.constantFrom('all', 'area', 'type', 'picked', 'earlier').map(str) }),
          followsRoundId: fc.constant(lit(String(roundId))),
        }),
      ),
    },
    {
      name: 'POST /login',
      handler: loginAction,
      method: 'POST',
      path: () => '/login',
      as: async () => ({ Origin: APP_ORIGIN }),
      body: formBody(
        form({
          email: fc.constant(manager.email),
          password: fc.constant('wrong password'),
          redirectTo: fc.constantFrom('/', '//evil.example', 'javascript:alert(1)'),
        }),
      ),
    },
    {
      name: 'POST /logout',
      handler: logoutAction,
      method: 'POST',
      path: () => '/logout',
      as: async () => ({ Origin: APP_ORIGIN, Cookie: '__session=forged.value' }),
      body: formBody(form({})),
    },
    {
      name: 'POST /profile',
      handler: profileAction,
      method: 'POST',
      path: () => '/profile',
      // A session of its own per call: "sign out everywhere" is one of the intents the fuzzer may send.
      as: () => sessionHeaders(test.db, victim),
      body: formBody(
        form({
          intent: fc.constantFrom('create', 'revoke', 'password', 'sign-out-everywhere'),
          name: hostileString,
          tokenId: fc.constantFrom('1', '0', '-1', '99999'),
          current: fc.constant('wrong password'),
          next: fc.string(),
          confirm: fc.string(),
        }),
      ),
    },
    {
      name: 'POST /admin',
      handler: adminUserAction,
      method: 'POST',
      path: () => '/admin',
      as: asUser('admin'),
      body: formBody(form({ intent: fc.constantFrom('disable', 'enable'), userId: someUserId() })),
    },
    {
      name: 'POST /admin/teams/new',
      handler: newTeamAction,
      method: 'POST',
      path: () => '/admin/teams/new',
      as: asUser('admin'),
      body: formBody(
        form({
          name: hostileString,
          areaId: fc.constantFrom('new', '1', '2', '99999'),
          newArea: hostileString,
          teamType: fc.constantFrom('disability', 'other'),
        }),
      ),
    },
    {
      name: 'POST /admin/users/new',
      handler: newUserAction,
      method: 'POST',
      path: () => '/admin/users/new',
      as: asUser('admin'),
      body: formBody(
        form({
          email: fc.emailAddress(),
          name: hostileString,
          role: fc.constantFrom('manager', 'reviewer', 'admin'),
          reviewerArea: fc.constantFrom('east-kent', 'west-kent', ''),
          team: fc.constantFrom('bravo-disability', 'no-such-team'),
          password: fc.string({ maxLength: 30 }),
        }),
      ),
    },
    {
      name: 'POST /review/rounds/new',
      handler: newRoundFormAction,
      method: 'POST',
      path: () => '/review/rounds/new',
      as: asUser('reviewer'),
      body: formBody(
        form({
          name: hostileString,
          questionnaireVersionId: fc.constant(String(versionId)),
          dueDate: fc.constantFrom('2009-01-30', '2009-02-30'),
          followsRoundId: fc.constantFrom('', String(roundId)),
          teamsBy: fc.constantFrom('all', 'area', 'type', 'picked', 'earlier'),
          areaIds: fc.constantFrom('1', '2'),
          teamTypes: fc.constantFrom('disability', 'duty-initial-assessment'),
          teamIds: fc.constantFrom('1', '2'),
        }),
      ),
    },
    {
      name: 'POST /review/responses/{id}',
      handler: returnFormAction,
      method: 'POST',
      path: () => `/review/responses/${responseId}`,
      params: response,
      as: asUser('reviewer'),
      body: formBody(form({ intent: fc.constant('return'), reason: hostileString, questions: fc.constantFrom(...QUESTIONS) })),
    },
    {
      name: 'POST /review/rounds/{id}',
      handler: roundStatusFormAction,
      method: 'POST',
      path: () => `/review/rounds/${roundId}`,
      params: round,
      as: asUser('reviewer'),
      body: formBody(form({ intent: fc.constantFrom('open', 'close') })),
    },
  ];
}

const NOT_IN_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g; // eslint-disable-line no-control-regex -- the control characters XML 1.0 cannot hold

type Outcome = { status: number; body: string };

/** Calls a loader or action as Remix does; a thrown Response is an answer, anything else thrown fails the property. */
async function call(
  handler: Handler,
  method: string,
  path: string,
  init: { headers: Record<string, string>; params?: Record<string, string>; type?: string; bytes?: Buffer },
): Promise<Outcome | { data: unknown }> {
  const request = new Request(new URL(path, APP_ORIGIN), {
    method,
    headers: { ...init.headers, ...(init.type ? { 'Content-Type': init.type } : {}) },
    body: init.bytes ? new Uint8Array(init.bytes) : undefined,
  });
  let result: unknown;
  try {
    result = await handler({ request, params: init.params ?? {}, context: {} });
  } catch (thrown) {
    if (!(thrown instanceof Response)) throw new Error(`${method} ${path} threw ${String(thrown)}`, { cause: thrown });
    result = thrown;
  }
  if (result instanceof Response) return { status: result.status, body: await result.text() };
  // Remix's data(): a status beside the data; a plain object is a 200.
  if (result && typeof result === 'object' && 'type' in result && (result as { type: unknown }).type === 'DataWithResponseInit') {
    const { data, init: responseInit } = result as unknown as { data: unknown; init: ResponseInit | null };
    return { status: responseInit?.status ?? 200, body: JSON.stringify(data) };
  }
  return { data: result };
}

const statusOf = (outcome: Outcome | { data: unknown }) => ('status' in outcome ? outcome.status : 200);

/** What fast-check prints for a failing case: the endpoint and the start of the body, not a megabyte of it. */
function printable<T extends object>(value: T, text: string): T {
  return Object.assign(value, { [fc.toStringMethod]: () => text });
}

// FC_SEED=<seed> reruns the failing sequence that a failure printed.
const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : undefined;

describe(`hostile input (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('never answers 5xx, never throws, and a refusal changes nothing in the database', { timeout: 240_000 }, async () => {
    const seen = new Map<string, Map<number, number>>();
    const cases = fc.oneof(
      ...endpoints().map((endpoint) =>
        endpoint.body.map((body) =>
          printable({ endpoint, body }, `${endpoint.name} (${body.type}, ${body.bytes.length} bytes): ${body.bytes.subarray(0, 400).toString('latin1')}`),
        ),
      ),
    );
    await fc.assert(
      fc.asyncProperty(cases, async ({ endpoint, body }) => {
        const requestHeaders = await endpoint.as();
        const before = await databaseState(test.db);
        const outcome = await call(endpoint.handler, endpoint.method, endpoint.path(), {
          headers: requestHeaders,
          params: endpoint.params?.(),
          type: body.type,
          bytes: body.bytes,
        });
        const status = statusOf(outcome);
        const counts = seen.get(endpoint.name) ?? new Map<number, number>();
        counts.set(status, (counts.get(status) ?? 0) + 1);
        seen.set(endpoint.name, counts);
        expect(status, 'body' in outcome ? outcome.body.slice(0, 500) : '').toBeLessThan(500);
        if (status >= 400) expect(await databaseState(test.db), `${endpoint.name} answered ${status} but changed the database`).toEqual(before);
      }),
      { numRuns: 200, seed, endOnFailure: !process.env.FC_SHRINK },
    );
    // Every endpoint was reached, so none is left out by a mistake in its generator.
    expect([...seen.keys()].sort()).toEqual(
      endpoints()
        .map((e) => e.name)
        .sort(),
    );
    console.info(Object.fromEntries([...seen].map(([name, counts]) => [name, Object.fromEntries(counts)])));
  });

  it('refuses ids and revisions past PostgreSQL integer range with a 400, not a 500', async () => {
    const form = (pairs: Record<string, string>) => ({ type: 'application/x-www-form-urlencoded', bytes: Buffer.from(new URLSearchParams(pairs).toString()) });
    const asJson = (value: unknown) => ({ type: 'application/json', bytes: Buffer.from(JSON.stringify(value)) });
    const big = '2147483648';
    const calls: Array<[Handler, string, string, Record<string, string>, Record<string, string> | undefined, { type: string; bytes: Buffer } | undefined]> = [
      [adminUserAction, 'POST', '/admin', headers.admin, undefined, form({ intent: 'disable', userId: big })],
      [profileAction, 'POST', '/profile', headers.manager, undefined, form({ intent: 'revoke', tokenId: big })],
      [
        newRoundFormAction,
        'POST',
        '/review/rounds/new',
        headers.reviewer,
        undefined,
        form({ name: 'R', questionnaireVersionId: big, dueDate: '2009-01-30', teamsBy: 'all' }),
      ],
      [
        newRoundFormAction,
        'POST',
        '/review/rounds/new',
        headers.reviewer,
        undefined,
        form({ name: 'R', questionnaireVersionId: String(versionId), dueDate: '2009-01-30', teamsBy: 'picked', teamIds: big }),
      ],
      [newRoundAction, 'POST', '/api/v1/rounds', headers.reviewer, undefined, asJson({ name: 'R', dueDate: '2009-01-30', followsRoundId: 2 ** 31 })],
      [
        newRoundAction,
        'POST',
        '/api/v1/rounds',
        headers.reviewer,
        undefined,
        asJson({ name: 'R', dueDate: '2009-01-30', questionnaireVersionId: versionId, teams: { by: 'area', areaIds: [1e20] } }),
      ],
      [submitAction, 'POST', `/api/v1/responses/${responseId}/submit`, headers.manager, { responseId: String(responseId) }, asJson({ revision: 1e20 })],
      [listResponsesLoader, 'GET', `/api/v1/responses?round=${big}`, headers.reviewer, undefined, undefined],
      [
        historyLoader,
        'GET',
        `/responses/${responseId}/history?question=old_note&revision=${big}`,
        headers.manager,
        { responseId: String(responseId) },
        undefined,
      ],
    ];
    for (const [handler, method, path, who, params, body] of calls) {
      const before = await databaseState(test.db);
      const outcome = await call(handler, method, path, { headers: who, params, ...body });
      expect(statusOf(outcome), path).toBe(400);
      expect(await databaseState(test.db)).toEqual(before);
    }
  });

  it('refuses JSON text PostgreSQL cannot store (NUL, unpaired surrogates) and bodies that are not UTF-8 with a 400', async () => {
    const path = `/api/v1/responses/${textResponseId}`;
    const bodies = [
      Buffer.from('{"baseRevision":0,"set":{"old_note":"a\\u0000b"}}'),
      Buffer.from('{"baseRevision":0,"set":{"old_note":"a\\ud800b"}}'),
      Buffer.from('{"baseRevision":0,"set":{"old_note":"\\udc00"}}'),
      Buffer.from('{"baseRevision":0,"set":{"\\u0000":"x"}}'),
      Buffer.concat([Buffer.from('{"baseRevision":0,"set":{"old_note":"'), Buffer.from([0xff, 0xc3, 0x28]), Buffer.from('"}}')]),
    ];
    for (const bytes of bodies) {
      const before = await databaseState(test.db);
      const outcome = await call(patchAction, 'PATCH', path, {
        headers: headers.manager,
        params: { responseId: String(textResponseId) },
        type: 'application/json',
        bytes,
      });
      expect(statusOf(outcome), bytes.toString('latin1')).toBe(400);
      expect(await databaseState(test.db)).toEqual(before);
    }
    // A well-formed pair (an emoji) is text like any other.
    const { revision } = await test.db.selectFrom('responses').select('revision').where('id', '=', textResponseId).executeTakeFirstOrThrow();
    const emoji = await call(patchAction, 'PATCH', path, {
      headers: headers.manager,
      params: { responseId: String(textResponseId) },
      type: 'application/json',
      bytes: Buffer.from(JSON.stringify({ baseRevision: revision, set: { old_note: '👪 \ud83d\udc6a' } })),
    });
    expect(statusOf(emoji)).toBe(200);
  });

  it('refuses a NUL character in a page form with a 4xx, not a 500', async () => {
    const form = (pairs: Record<string, string>) => ({ type: 'application/x-www-form-urlencoded', bytes: Buffer.from(new URLSearchParams(pairs).toString()) });
    const calls: Array<[Handler, string, Record<string, string>, { type: string; bytes: Buffer }]> = [
      [newTeamAction, '/admin/teams/new', headers.admin, form({ name: 'Nul\u0000Team', areaId: 'new', newArea: 'Nul area', teamType: 'other' })],
      [newTeamAction, '/admin/teams/new', headers.admin, form({ name: 'Nul team', areaId: 'new', newArea: 'Nul\u0000area', teamType: 'other' })],
      [
        newUserAction,
        '/admin/users/new',
        headers.admin,
        form({ email: 'nul@test.example', name: 'Nul\u0000Name', role: 'admin', password: 'a long enough password' }),
      ],
      [
        newRoundFormAction,
        '/review/rounds/new',
        headers.reviewer,
        form({ name: 'Nul\u0000Round', questionnaireVersionId: String(versionId), dueDate: '2009-01-30', teamsBy: 'all' }),
      ],
      [profileAction, '/profile', headers.manager, form({ intent: 'create', name: 'Nul\u0000Token' })],
      [loginAction, '/login', { Origin: APP_ORIGIN }, form({ email: 'nul\u0000@test.example', password: 'x' })],
    ];
    for (const [handler, path, who, body] of calls) {
      const before = await databaseState(test.db);
      const outcome = await call(handler, 'POST', path, { headers: who, ...body });
      expect(statusOf(outcome), path).toBeGreaterThanOrEqual(400);
      expect(statusOf(outcome), path).toBeLessThan(500);
      expect(await databaseState(test.db)).toEqual(before);
    }
  });

  it('stores accepted hostile text exactly and shows it as text: review page, history, CSV and XLSX', { timeout: 240_000 }, async () => {
    const text = hostileString.filter((s) => s.length <= 20_000 && s.trim() !== '');
    await fc.assert(
      fc.asyncProperty(
        fc
          .oneof(
            text,
            fc.tuple(text, text).map(([a, b]) => a + b),
          )
          .map((value) => printable({ value }, JSON.stringify(value.slice(0, 200)))),
        async ({ value }) => {
          const { revision } = await test.db.selectFrom('responses').select('revision').where('id', '=', textResponseId).executeTakeFirstOrThrow();
          const saved = await call(patchAction, 'PATCH', `/api/v1/responses/${textResponseId}`, {
            headers: headers.manager,
            params: { responseId: String(textResponseId) },
            type: 'application/json',
            bytes: Buffer.from(JSON.stringify({ baseRevision: revision, set: { old_note: value } })),
          });
          expect(statusOf(saved), 'body' in saved ? saved.body.slice(0, 500) : '').toBeLessThan(500);
          if (statusOf(saved) !== 200) return; // refused (text PostgreSQL cannot hold): nothing more to show
          const stored = await test.db
            .selectFrom('answers')
            .select('value_text')
            .where('response_id', '=', textResponseId)
            .where('question', '=', 'old_note')
            .executeTakeFirstOrThrow();
          expect(stored.value_text).toBe(value);

          const review = (await call(reviewLoader, 'GET', `/review/responses/${textResponseId}`, {
            headers: headers.reviewer,
            params: { responseId: String(textResponseId) },
          })) as { data: any };
          expect(review.data.response.data.old_note).toBe(value);
          const history = (await call(historyLoader, 'GET', `/responses/${textResponseId}/history?question=old_note&revision=${revision + 1}`, {
            headers: headers.manager,
            params: { responseId: String(textResponseId) },
          })) as { data: any };
          expect(history.data.lookup.value).toBe(value);

          // Exports: the same text, with an apostrophe before a character that would start a formula.
          const expected = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
          const csv = (await csvLoader({
            request: new Request(`${APP_ORIGIN}/api/v1/rounds/${textRoundId}/export.csv?form=long&includeInProgress=true`, { headers: headers.reviewer }),
            params: { roundId: String(textRoundId) },
            context: {},
          })) as Response;
          expect(csv.status).toBe(200);
          const rows: Array<Record<string, string>> = parse(Buffer.from(await csv.arrayBuffer()), { columns: true, bom: true, relax_column_count: true });
          expect(rows.find((r) => r.question === 'old_note')?.value).toBe(expected);
          const xlsx = (await xlsxLoader({
            request: new Request(`${APP_ORIGIN}/api/v1/rounds/${textRoundId}/export.xlsx?form=long&includeInProgress=true`, { headers: headers.reviewer }),
            params: { roundId: String(textRoundId) },
            context: {},
          })) as Response;
          expect(xlsx.status).toBe(200);
          const book = new ExcelJS.Workbook();
          await book.xlsx.load(Buffer.from(await xlsx.arrayBuffer()) as unknown as ArrayBuffer);
          const sheet = book.getWorksheet('Long')!;
          const header = (sheet.getRow(1).values as unknown[]).slice(1);
          const cells: unknown[] = [];
          sheet.eachRow((row, n) => {
            if (n > 1 && row.getCell(header.indexOf('question') + 1).value === 'old_note') cells.push(row.getCell(header.indexOf('value') + 1).value);
          });
          // XML 1.0, which XLSX is written in, cannot hold most control characters (the workbook leaves them out), and
          // reading it turns a carriage return into a line feed.
          expect(cells.map((cell) => cell ?? '')).toEqual([expected.replace(NOT_IN_XML, '').replace(/\r\n?/g, '\n')]);
        },
      ),
      { numRuns: 100, seed, endOnFailure: !process.env.FC_SHRINK },
    );
  });
});
