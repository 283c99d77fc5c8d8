import type { Params } from '@remix-run/react';
import { z } from 'zod';
import { notFound, type NotFoundKind } from '~/models/errors.server';
import { MAX_ID } from '~/models/ids';
import { pageResponse } from './errors.server';

/** An id in a URL: digits only, no sign, point, exponent or leading zero, within the column's range. */
export const idParamSchema = z
  .string()
  .regex(/^[1-9]\d{0,9}$/)
  .transform(Number)
  .refine((id) => id <= MAX_ID);

/** A topic id as surveys/topics.json declares them: lower-case words joined by hyphens. */
export const topicParamSchema = z.string().regex(/^[a-z0-9-]{1,100}$/);

/**
 * The id named `name` in the route's params. Anything malformed (`abc`, `0`, `-1`, `1.5`, `1e3`, past the column's
 * range) throws the same 404 as a record that does not exist or is not the caller's, so the URL tells nothing more.
 * The 404 is a plain-text Response: pages show it in the error boundary, `handleApi` turns it into problem+json.
 */
export function requireIdParam(params: Params, name: string, kind: NotFoundKind): number {
  const parsed = idParamSchema.safeParse(params[name]);
  if (!parsed.success) throw pageResponse(notFound(kind));
  return parsed.data;
}

/** The topic id in the route's params; a malformed one gets the same 404 as a topic the questionnaire lacks. */
export function requireTopicParam(params: Params, name = 'topic'): string {
  const parsed = topicParamSchema.safeParse(params[name]);
  if (!parsed.success) throw pageResponse(notFound('topic'));
  return parsed.data;
}
