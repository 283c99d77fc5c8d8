import { DomainError, type FieldError, type RefusalStatus } from '~/models/errors.server';
import type { FieldErrors } from '~/components/form-errors';
import { PROBLEM_TITLES, problem } from './problem.server';

/**
 * How an error becomes HTTP, in one place. The domain throws DomainError (app/models/errors.server.ts); guards and
 * route helpers throw Responses. The API answers both as problem+json (`problemFor`); pages rethrow a DomainError as a
 * plain-text Response for the GeneralErrorBoundary (`rethrowForPage`) or show it on their form (`formRefusal`).
 */

/** API: a DomainError or a thrown Response as problem+json; anything else is rethrown (a 500). */
export async function problemFor(error: unknown): Promise<Response> {
  if (error instanceof DomainError) return problem(error.status, error.message, { ...error.extra, errors: error.errors });
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
