import type { ActionFunctionArgs } from '@remix-run/node';
import { z } from 'zod';
import { getDb } from '../../db/index';
import { MAX_RETURN_REASON, returnResponse } from '~/models/review.server';
import { handleApi, json, methodNotAllowed, parsePayload, readJsonBody } from '~/utils/api.server';
import { requireIdParam } from '~/utils/params.server';
import { requireApiPermission, requireApiUser } from '~/utils/session.server';

const Return = z
  .object({
    reason: z
      .string({ required_error: 'reason is required: why the response goes back to the team', invalid_type_error: 'reason must be text' })
      .max(MAX_RETURN_REASON),
    questions: z.array(z.string().min(1).max(200)).max(500).default([]),
  })
  .strict();

export async function loader() {
  return methodNotAllowed(['POST']);
}

/** POST /api/v1/responses/{id}/return {"reason": "...", "questions": ["..."]} — return a submitted response for correction. */
export async function action({ request, params }: ActionFunctionArgs) {
  return handleApi(async () => {
    if (request.method !== 'POST') return methodNotAllowed(['POST']);
    const user = await requireApiUser(request);
    requireApiPermission(user, 'response:return');
    const id = requireIdParam(params, 'responseId', 'response');
    const input = parsePayload(Return, await readJsonBody(request));
    const result = await returnResponse(getDb(), user, id, input);
    return json({ ...result, returnedAt: result.returnedAt.toISOString() });
  });
}
