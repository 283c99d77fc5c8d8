import type { LoaderFunctionArgs } from '@remix-run/node';
import { z } from 'zod';
import { getDb } from '../../db/index';
import { notFound } from '~/models/errors.server';
import { loadQuestionnaireDefinition } from '~/models/questionnaire-page.server';
import { pageResponse, rethrowForPage } from '~/utils/errors.server';
import { requireIdParam } from '~/utils/params.server';
import { requireUser } from '~/utils/session.server';

const definitionKeySchema = z.string().regex(/^[0-9a-f]{16}$/);

/**
 * GET /responses/{id}/definition/{key} — the questionnaire page's definition (SurveyJS JSON) and question titles, for
 * whoever may see the response. The key is the start of the version's hash, so the content behind a URL never
 * changes: the browser keeps it for a year without asking again (private: it is only for this signed-in user), and
 * the page itself carries no copy of the questionnaire.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const responseId = requireIdParam(params, 'responseId', 'response');
  const key = definitionKeySchema.safeParse(params.key);
  if (!key.success) throw pageResponse(notFound('response'));
  const loaded = await loadQuestionnaireDefinition(getDb(), user, responseId, key.data).catch(rethrowForPage);
  const headers = { 'Cache-Control': 'private, max-age=31536000, immutable', ETag: `"${loaded.key}"` };
  if (request.headers.get('If-None-Match') === headers.ETag) return new Response(null, { status: 304, headers });
  return Response.json({ definition: loaded.definition, titles: loaded.titles }, { headers });
}
