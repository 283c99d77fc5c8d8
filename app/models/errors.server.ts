/**
 * The one refusal the domain throws: what is wrong, the HTTP status it stands for, and optionally the fields at fault
 * and data for the client (a conflict's current revision, say). Nothing has been written when one is thrown.
 * Models never build HTTP responses: the API turns a DomainError into problem+json and the pages into a thrown
 * Response or form errors, each in one place (app/utils/errors.server.ts). See docs/decisions/009-errors-and-params.md.
 */
export type FieldError = { path: string; message: string };

export type RefusalStatus = 400 | 403 | 404 | 409 | 422;

export class DomainError extends Error {
  readonly name = 'DomainError';
  /** The fields at fault (a form field, a question path, a query parameter). */
  readonly errors?: FieldError[];
  /** Whatever else the client is told, beside status and message (problem+json members: reason, currentRevision…). */
  readonly extra: Record<string, unknown>;

  constructor(
    readonly status: RefusalStatus,
    message: string,
    { errors, ...extra }: { errors?: FieldError[]; [key: string]: unknown } = {},
  ) {
    super(message);
    this.errors = errors;
    this.extra = extra;
  }
}

/**
 * What "not found" says, per kind of record. A record that exists but is not the caller's to see, a missing one and a
 * malformed id in the URL all get the same text, so a 404 never tells which.
 */
export const NOT_FOUND = {
  response: 'No response with that id exists, or it belongs to a team you cannot see.',
  round: 'No round with that id exists, or it has no teams you can see.',
  team: 'No team with that id exists, or it is not one you can see.',
  user: 'No such user.',
  topic: 'This round’s questionnaire has no such topic.',
  questionnaire: 'No questionnaire or version of that name and number exists.',
  action: 'No action with that id exists, or it is not one you can see.',
  proposal: 'No proposed action with that id exists, or it is not one you can decide.',
} as const;

export type NotFoundKind = keyof typeof NOT_FOUND;

/** 404 with the kind's one text; `errors` names the field it came from, when it came from a form. */
export function notFound(kind: NotFoundKind, errors?: FieldError[]): DomainError {
  return new DomainError(404, NOT_FOUND[kind], errors ? { errors } : {});
}

/** 403: the caller's role does not allow this. */
export function forbidden(message: string, extra: Record<string, unknown> = {}): DomainError {
  return new DomainError(403, message, extra);
}

/** 409: the state of things forbids it (closed round, submitted response, a newer revision, a duplicate name). */
export function conflict(message: string, extra: { errors?: FieldError[]; [key: string]: unknown } = {}): DomainError {
  return new DomainError(409, message, extra);
}

/** 422: well-formed but not acceptable (answers that break the rules, a team outside the caller's areas). */
export function invalid(message: string, extra: { errors?: FieldError[]; [key: string]: unknown } = {}): DomainError {
  return new DomainError(422, message, extra);
}

/** 400 for one query parameter: the message starts with its name, and `errors` names it too. */
export function badParameter(parameter: string, message: string): DomainError {
  const text = `${parameter}: ${message}`;
  return new DomainError(400, text, { errors: [{ path: parameter, message: text }] });
}

export function isDomainError(error: unknown, status?: RefusalStatus): error is DomainError {
  return error instanceof DomainError && (status === undefined || error.status === status);
}
