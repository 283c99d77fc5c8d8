import { z } from 'zod';
import { MAX_ID } from '~/models/ids';
import { getDb } from '../../db/index';
import { submitResponse } from '~/models/responses.server';
import { json, methodNotAllowed, responseCommand } from '~/utils/api.server';

const Submit = z
  .object({ revision: z.number({ required_error: 'revision is required: the revision you reviewed before submitting' }).int().min(0).max(MAX_ID) })
  .strict();

export async function loader() {
  return methodNotAllowed(['POST']);
}

/** POST /api/v1/responses/{id}/submit */
export const action = responseCommand(Submit, async (user, id, input) => {
  const result = await submitResponse(getDb(), user, id, input);
  return json({ id, status: 'submitted', revision: result.revision, submittedAt: result.submittedAt.toISOString() });
});
