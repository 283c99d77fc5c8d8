import type { ActionFunctionArgs } from '@remix-run/node';
import type { z } from 'zod';
import type { CurrentUser } from '~/models/users.server';
import type { Permission } from '~/utils/permissions';
import { problemFor } from './errors.server';
import { requireIdParam } from './params.server';
import { problem } from './problem.server';
import { isStorableText } from './storable-text';
import { requireApiPermission, requireApiUser } from './session.server';

/** Largest JSON body the API accepts (a whole self-assessment is about 20 KB). */
export const MAX_BODY_BYTES = 256 * 1024;

/** Reads a JSON body: 415 for another content type, 413 past the limit (without reading further), 400 for bad JSON. */
export async function readJsonBody(request: Request, limit = MAX_BODY_BYTES): Promise<unknown> {
  const type = request.headers.get('Content-Type') ?? '';
  if (!/^application\/(merge-patch\+)?json\b/i.test(type)) {
    throw problem(415, 'Send the body as JSON with "Content-Type: application/json".');
  }
  const declared = Number(request.headers.get('Content-Length') ?? '0');
  if (declared > limit) throw tooLarge(`The body is ${declared} bytes; the limit is ${limit} bytes (256 KB).`, limit);
  const reader = request.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (reader) {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        // The rest is read and dropped while the 413 goes out: cancelling the stream would reset the connection
        // before the client reads the answer. The server closes the connection once the answer is sent.
        void discard(reader);
        throw tooLarge(`The body is larger than the limit of ${limit} bytes (256 KB).`, limit);
      }
      chunks.push(value);
    }
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw problem(400, 'The body is not valid UTF-8 text.');
  }
  if (!text.trim()) throw problem(400, 'The request body is empty: send a JSON object.');
  try {
    return JSON.parse(text, refuseUnstorableText);
  } catch (error) {
    if (error instanceof Response) throw error;
    throw problem(400, `The body is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * JSON may escape a NUL character or half of a surrogate pair (`\u0000`, `\ud800`), which PostgreSQL can store
 * neither in text nor in jsonb: refused here as a 400 rather than failing in the database as a 500.
 */
function refuseUnstorableText(key: string, value: unknown): unknown {
  for (const text of typeof value === 'string' ? [key, value] : [key]) {
    if (!isStorableText(text)) {
      throw problem(400, 'The body holds text that cannot be stored: a NUL character (\\u0000) or an unpaired surrogate.');
    }
  }
  return value;
}

/**
 * 413, with `Connection: close`: the server will not read the rest of this request, so the client must not send its
 * next request on the same keep-alive connection.
 */
function tooLarge(detail: string, limit: number): Response {
  const response = problem(413, detail, { limit });
  response.headers.set('Connection', 'close');
  return response;
}

async function discard(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  try {
    for (;;) if ((await reader.read()).done) return;
  } catch {
    // The connection closed: nothing more to drop.
  }
}

/** Parses a payload with a schema; a mismatch is a 400 naming each field. */
export function parsePayload<T extends z.ZodTypeAny>(schema: T, payload: unknown): z.infer<T> {
  const result = schema.safeParse(payload);
  if (!result.success) {
    throw problem(400, 'The request does not have the expected shape.', {
      errors: result.error.issues.map((issue) => ({ path: issue.path.join('.') || '(body)', message: issue.message })),
    });
  }
  return result.data;
}

/** Runs an API handler, turning domain refusals and thrown Responses into problem+json (see errors.server.ts). */
export async function handleApi(fn: () => Promise<Response>): Promise<Response> {
  try {
    return await fn();
  } catch (error) {
    return problemFor(error);
  }
}

export function methodNotAllowed(allowed: string[]): Response {
  const response = problem(405, `Use ${allowed.join(' or ')} on this address.`, { title: 'Method not allowed' });
  response.headers.set('Allow', allowed.join(', '));
  return response;
}

export function json(body: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  headers.set('Content-Type', 'application/json; charset=utf-8');
  headers.set('Cache-Control', 'no-store');
  return new Response(JSON.stringify(body), { ...init, headers });
}

/**
 * The action of a POST that acts on one response (submit, confirm, return): POST only, an API user (holding the
 * permission where one is named), the response id from the URL and a JSON body parsed with the schema, in that order.
 */
export function responseCommand<T extends z.ZodTypeAny>(
  schema: T,
  run: (user: CurrentUser, id: number, input: z.infer<T>) => Promise<Response>,
  options: { permission?: Permission } = {},
) {
  return ({ request, params }: ActionFunctionArgs): Promise<Response> =>
    handleApi(async () => {
      if (request.method !== 'POST') return methodNotAllowed(['POST']);
      const user = await requireApiUser(request);
      if (options.permission) requireApiPermission(user, options.permission);
      const id = requireIdParam(params, 'responseId', 'response');
      const input = parsePayload(schema, await readJsonBody(request));
      return run(user, id, input);
    });
}
