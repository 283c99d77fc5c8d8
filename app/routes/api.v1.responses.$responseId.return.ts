import { z } from 'zod';
import { getDb } from '../../db/index';
import { MAX_RETURN_REASON, returnResponse } from '~/models/review.server';
import { json, methodNotAllowed, responseCommand } from '~/utils/api.server';

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
export const action = responseCommand(
  Return,
  async (user, id, input) => {
    const result = await returnResponse(getDb(), user, id, input);
    return json({ ...result, returnedAt: result.returnedAt.toISOString() });
  },
  { permission: 'response:return' },
);
