import { DomainError, type FieldError, type RefusalStatus } from '~/models/errors.server';
import type { FieldErrors } from '~/components/form-errors';
import { PROBLEM_TITLES, problem } from './problem.server';

/**
 * How an error becomes HTTP, in one place. The domain throws DomainError (app/models/errors.server.ts); guards and
 * route helpers throw Responses. The API answers both as problem+json (`problemFor`); pages rethrow a DomainError as a
 * plain-text Response for the GeneralErrorBoundary (`rethrowForPage`) or show it on their form (`formRefusal`).
 */

/** How long a client waits before trying again while the database cannot be reached (Retry-After, seconds). */
export const RETRY_AFTER_SECONDS = 5;

/**
 * Errors that say the database cannot be reached, not that a request is wrong: postgres.js's own codes for a lost
 * or refused connection, the socket's, and PostgreSQL's connection exceptions (class 08), shutdowns (57P01–57P03),
 * too many connections (53300) and a database that is not there (3D000, dropped or renamed under the app).
 */
const UNAVAILABLE_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '3D000',
]);

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
    if (e instanceof AggregateError && e.errors.some(isDatabaseUnavailable)) return true; // a refused connect, IPv4 and IPv6
  }
  return false;
}

const UNAVAILABLE_MESSAGE = `Stocktake cannot reach its database just now. Nothing was lost: try again in ${RETRY_AFTER_SECONDS} seconds.`;

/** API: the 503 problem for a database that cannot be reached. */
export function unavailableProblem(): Response {
  const response = problem(503, UNAVAILABLE_MESSAGE, { title: 'Service unavailable', reason: 'database_unavailable' });
  response.headers.set('Retry-After', String(RETRY_AFTER_SECONDS));
  return response;
}

/**
 * Pages: Remix turns an error a loader or action throws into a 500 before the app sees the response, so
 * app/entry.server.tsx notes it here (handleError) and sets 503 and Retry-After on the document or data response
 * of the same request (`unavailableStatus`).
 */
const unavailableRequests = new WeakSet<Request>();

export function noteRequestError(request: Request, error: unknown): void {
  if (isDatabaseUnavailable(error)) unavailableRequests.add(request);
}

export function unavailableStatus(request: Request, headers: Headers): number | null {
  if (!unavailableRequests.has(request)) return null;
  headers.set('Retry-After', String(RETRY_AFTER_SECONDS));
  return 503;
}

/** API: a DomainError or a thrown Response as problem+json, a lost database as 503; anything else is rethrown (a 500). */
export async function problemFor(error: unknown): Promise<Response> {
  if (error instanceof DomainError) return problem(error.status, error.message, { ...error.extra, errors: error.errors });
  if (isDatabaseUnavailable(error)) return unavailableProblem();
  if (error instanceof Response) {
    // Redirects, successes and bodies already in problem+json (the API guards') go out as they are.
    if (error.status < 400 || /^application\/problem\+json\b/i.test(error.headers.get('Content-Type') ?? '')) return error;
    // A page-style refusal in plain text (requireIdParam's 404, say): the same text as the problem's detail.
    const text = (await error.text()).trim();
    return problem(error.status, text || (PROBLEM_TITLES[error.status] ?? 'Error'));
  }
  throw error;
}

/** Pages: the Response the GeneralErrorBoundary shows for a refusal (its status, its message as the detail). */
export function pageResponse(error: DomainError): Response {
  return new Response(error.message, { status: error.status });
}

/** Pages, as `.catch(rethrowForPage)`: a refusal becomes the thrown Response the error boundary shows (404, 409…). */
export function rethrowForPage(error: unknown): never {
  if (error instanceof DomainError) throw pageResponse(error);
  throw error;
}

export type FormRefusal = { status: RefusalStatus; message: string; errors: FieldError[]; fieldErrors: FieldErrors };

/**
 * Actions that show a refusal on their form: its status, message and field errors (the first message per field,
 * for app/components/form-errors.tsx). Anything that is not a refusal is rethrown.
 */
export function formRefusal(error: unknown): FormRefusal {
  if (!(error instanceof DomainError)) throw error;
  const errors = error.errors ?? [];
  const fieldErrors: FieldErrors = {};
  for (const e of errors) fieldErrors[e.path] ??= e.message;
  return { status: error.status, message: error.message, errors, fieldErrors };
}
