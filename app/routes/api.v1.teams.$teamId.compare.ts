import type { LoaderFunctionArgs } from '@remix-run/node';
import { z } from 'zod';
import { getDb } from '../../db/index';
import { compareTeamAcrossRounds } from '~/models/compare.server';
import { handleApi, json, parsePayload } from '~/utils/api.server';
import { requireIdParam } from '~/utils/params.server';
import { requireApiPermission, requireApiUser } from '~/utils/session.server';

const Query = z
  .object({
    rounds: z
      .string({ required_error: 'rounds is required: two round ids, rounds=x,y' })
      .transform((value) =>
        value
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
      )
      .pipe(
        z
          .array(
            z
              .string()
              .regex(/^\d{1,9}$/, 'round ids are whole numbers')
              .transform(Number),
          )
          .length(2, 'give exactly two round ids, rounds=x,y'),
      ),
    topic: z.string().trim().min(1).max(100).optional(),
  })
  .strict();

/** GET /api/v1/teams/{id}/compare?rounds=x,y[&topic=] — one team's answers in two rounds, aligned through the version mappings. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return handleApi(async () => {
    const user = await requireApiUser(request);
    requireApiPermission(user, 'response:read-any');
    const id = requireIdParam(params, 'teamId', 'team');
    const query = parsePayload(Query, Object.fromEntries(new URL(request.url).searchParams));
    return json(await compareTeamAcrossRounds(getDb(), user, id, query.rounds, { topic: query.topic }));
  });
}
