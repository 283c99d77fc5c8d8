import { z } from 'zod';
import { getDb } from '../../db/index';
import { confirmCarriedAnswers } from '~/models/carry-forward.server';
import { json, methodNotAllowed, responseCommand } from '~/utils/api.server';

const Confirm = z.union([
  z.object({ questions: z.array(z.string().min(1).max(200)).min(1, 'name at least one question').max(1000) }).strict(),
  z.object({ page: z.string().min(1).max(100) }).strict(),
]);

export async function loader() {
  return methodNotAllowed(['POST']);
}

/** POST /api/v1/responses/{id}/confirm — the manager confirms answers carried forward from the last phase. */
export const action = responseCommand(Confirm, async (user, id, input) => {
  const result = await confirmCarriedAnswers(getDb(), user, id, 'page' in input ? `page:${input.page}` : input.questions);
  return json({ id, ...result });
});
