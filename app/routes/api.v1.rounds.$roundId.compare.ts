import type { LoaderFunctionArgs } from '@remix-run/node';
import { z } from 'zod';
import { getDb } from '../../db/index';
import { compareTeamsInRound, MAX_COMPARED_TEAMS } from '~/models/compare.server';
import { handleApi, json, parsePayload } from '~/utils/api.server';
import { requireIdParam } from '~/utils/params.server';
import { requireApiPermission, requireApiUser } from '~/utils/session.server';

const token = z.string().trim().min(1).max(100);
const Query = z
  .object({
    teams: z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean),
      )
      .pipe(z.array(token).min(1, 'name at least one team').max(MAX_COMPARED_TEAMS, `compare up to ${MAX_COMPARED_TEAMS} teams (or use area=)`))
      .optional(),
    area: token.optional(),
    topic: token.optional(),
    differing: z
      .enum(['true', 'false', '1', '0'])
      .transform((v) => v === 'true' || v === '1')
      .optional(),
  })
  .strict()
  .refine((q) => Boolean(q.teams) !== Boolean(q.area), { message: 'give teams=<id or slug>,… (up to 12) or area=<id or slug>, not both', path: ['teams'] });

/**
 * GET /api/v1/rounds/{id}/compare?teams=a,b,c[&topic=][&differing=true] (or area=<id or slug>) — teams side by side,
 * a row per question, matrix row or cell, with the round's median, quartiles and outliers on numeric rows.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return handleApi(async () => {
    const user = await requireApiUser(request);
    requireApiPermission(user, 'response:read-any');
    const id = requireIdParam(params, 'roundId', 'round');
    const query = parsePayload(Query, Object.fromEntries(new URL(request.url).searchParams));
    const comparison = await compareTeamsInRound(getDb(), user, id, {
      teams: query.teams,
      area: query.area,
      topic: query.topic,
      onlyDiffering: query.differing,
    });
    return json(comparison);
  });
}
