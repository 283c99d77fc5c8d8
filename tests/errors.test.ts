import { describe, expect, it } from 'vitest';
import { badParameter, conflict, DomainError, forbidden, invalid, NOT_FOUND, notFound } from '../app/models/errors.server';
import { formRefusal, pageResponse, problemFor, rethrowForPage } from '../app/utils/errors.server';
import { requireIdParam, requireTopicParam } from '../app/utils/params.server';
import { problem } from '../app/utils/problem.server';

/** What a thrown value is: the Response thrown, or the error. */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (thrown) {
    return thrown;
  }
  throw new Error('nothing was thrown');
}

const MALFORMED_IDS = ['abc', '0', '-1', '1.5', '1e3', '0x10', ' 7', '7 ', '+7', '007', '', '2147483648', '99999999999', '9007199254740993', '１２'];

describe('requireIdParam', () => {
  it('reads a positive whole id within the column’s range', () => {
    expect(requireIdParam({ responseId: '1' }, 'responseId', 'response')).toBe(1);
    expect(requireIdParam({ roundId: '42' }, 'roundId', 'round')).toBe(42);
    expect(requireIdParam({ teamId: '2147483647' }, 'teamId', 'team')).toBe(2_147_483_647);
  });

  it.each(MALFORMED_IDS)('answers %j with the record’s 404 text, as for a missing record', async (value) => {
    for (const kind of ['response', 'round', 'team'] as const) {
      const thrown = thrownBy(() => requireIdParam({ id: value }, 'id', kind));
      expect(thrown).toBeInstanceOf(Response);
      const response = thrown as Response;
      expect(response.status).toBe(404);
      expect(await response.text()).toBe(NOT_FOUND[kind]);
    }
  });

  it('answers a missing parameter with the same 404', async () => {
    const response = thrownBy(() => requireIdParam({}, 'responseId', 'response')) as Response;
    expect(response.status).toBe(404);
    expect(await response.text()).toBe(NOT_FOUND.response);
  });
});

describe('requireTopicParam', () => {
  it('reads a topic id and gives a malformed one the unknown topic’s 404', async () => {
    expect(requireTopicParam({ topic: 'staffing-vacancies' })).toBe('staffing-vacancies');
    for (const value of ['', 'Caseloads', 'case loads', '../x', 'a'.repeat(101), undefined]) {
      const response = thrownBy(() => requireTopicParam({ topic: value })) as Response;
      expect(response.status).toBe(404);
      expect(await response.text()).toBe(NOT_FOUND.topic);
    }
  });
});

describe('the API mapper (problemFor)', () => {
  const body = async (response: Response) => ({ status: response.status, type: response.headers.get('Content-Type'), json: await response.json() });

  it('turns every refusal into problem+json with its status, detail, field errors and extra members', async () => {
    const refusal = conflict('Changed by someone else.', { reason: 'conflict', currentRevision: 6, conflicts: [{ question: 'q', currentValue: 3 }] });
    expect(await body(await problemFor(refusal))).toEqual({
      status: 409,
      type: 'application/problem+json; charset=utf-8',
      json: {
        type: 'https://stocktake.invalid/problems/409',
        title: 'Conflict',
        status: 409,
        detail: 'Changed by someone else.',
        reason: 'conflict',
        currentRevision: 6,
        conflicts: [{ question: 'q', currentValue: 3 }],
      },
    });
    const rules = invalid('Some answers are not valid; nothing was saved.', { errors: [{ path: 'vacant', message: 'too many' }] });
    expect((await body(await problemFor(rules))).json).toMatchObject({
      status: 422,
      title: 'Invalid answers',
      errors: [{ path: 'vacant', message: 'too many' }],
    });
    expect((await body(await problemFor(badParameter('area', 'no such area')))).json).toMatchObject({
      status: 400,
      detail: 'area: no such area',
      errors: [{ path: 'area', message: 'area: no such area' }],
    });
    expect((await body(await problemFor(forbidden('Not yours.')))).json).toMatchObject({ status: 403, detail: 'Not yours.' });
  });

  it('gives a malformed id (a thrown text Response) the same body as a missing record (a refusal)', async () => {
    const malformed = await problemFor(thrownBy(() => requireIdParam({ responseId: 'abc' }, 'responseId', 'response')));
    const missing = await problemFor(notFound('response'));
    expect(await body(malformed)).toEqual(await body(missing));
    expect((await body(await problemFor(notFound('round')))).json).toMatchObject({ status: 404, title: 'Not found', detail: NOT_FOUND.round });
  });

  it('passes problem+json and redirects through, and rethrows anything else', async () => {
    const already = problem(401, 'Sign in.');
    expect(await problemFor(already)).toBe(already);
    const redirect = new Response(null, { status: 302, headers: { Location: '/login' } });
    expect(await problemFor(redirect)).toBe(redirect);
    const bug = new TypeError('undefined is not a function');
    await expect(problemFor(bug)).rejects.toBe(bug);
  });
});

describe('the page mappers', () => {
  it('rethrows a refusal as the Response the error boundary shows, and anything else unchanged', async () => {
    const response = thrownBy(() => rethrowForPage(notFound('team'))) as Response;
    expect(response).toBeInstanceOf(Response);
    expect(response.status).toBe(404);
    expect(await response.text()).toBe(NOT_FOUND.team);
    expect(await pageResponse(conflict('The round is closed.')).text()).toBe('The round is closed.');
    const bug = new Error('bug');
    expect(thrownBy(() => rethrowForPage(bug))).toBe(bug);
  });

  it('gives forms the message, the status and the first message per field', () => {
    const refusal = formRefusal(
      invalid('Some teams cannot be included.', {
        errors: [
          { path: 'teams', message: 'team 6 is archived' },
          { path: 'teams', message: 'team 7 is archived' },
          { path: 'name', message: 'is taken' },
        ],
      }),
    );
    expect(refusal).toEqual({
      status: 422,
      message: 'Some teams cannot be included.',
      errors: [
        { path: 'teams', message: 'team 6 is archived' },
        { path: 'teams', message: 'team 7 is archived' },
        { path: 'name', message: 'is taken' },
      ],
      fieldErrors: { teams: 'team 6 is archived', name: 'is taken' },
    });
    expect(formRefusal(new DomainError(409, 'Taken.'))).toEqual({ status: 409, message: 'Taken.', errors: [], fieldErrors: {} });
    const bug = new Error('bug');
    expect(thrownBy(() => formRefusal(bug))).toBe(bug);
  });
});
