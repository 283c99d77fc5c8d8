import type { ActionFunctionArgs } from '@remix-run/node';
import { z } from 'zod';
import { getDb } from '../../db/index';
import { submitResponse } from '~/models/responses.server';
import { handleApi, json, methodNotAllowed, parsePayload, readJsonBody } from '~/utils/api.server';
import { requireIdParam } from '~/utils/params.server';
import { requireApiUser } from '~/utils/session.server';

const Submit = z.object({ revision: z.number({ required_error: 'revision is required: the revision you reviewed before submitting' }).int().min(0) }).strict();

export async function loader() {
  return methodNotAllowed(['POST']);
}

/** POST /api/v1/responses/{id}/submit */
export async function action({ request, params }: ActionFunctionArgs) {
  return handleApi(async () => {
    if (request.method !== 'POST') return methodNotAllowed(['POST']);
    const user = await requireApiUser(request);
    const id = requireIdParam(params, 'responseId', 'response');
    const input = parsePayload(Submit, await readJsonBody(request));
    const result = await submitResponse(getDb(), user, id, input);
    return json({ id, status: 'submitted', revision: result.revision, submittedAt: result.submittedAt.toISOString() });
  });
}
