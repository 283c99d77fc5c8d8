import type { LoaderFunctionArgs } from '@remix-run/node';
import { z } from 'zod';
import { idFieldSchema } from '~/models/ids';
import { getDb } from '../../db/index';
import { caseOf, listVisibleResponses } from '~/models/responses.server';
import { handleApi, json, parsePayload } from '~/utils/api.server';
import { requireApiUser } from '~/utils/session.server';

const Query = z.object({
  round: idFieldSchema('round must be a round id').optional(),
  team: idFieldSchema('team must be a team id').optional(),
});

/** GET /api/v1/responses?round=&team= — the responses the caller may see. */
export async function loader({ request }: LoaderFunctionArgs) {
  return handleApi(async () => {
    const user = await requireApiUser(request);
    const query = parsePayload(Query, Object.fromEntries(new URL(request.url).searchParams));
    const rows = await listVisibleResponses(getDb(), user, { roundId: query.round, teamId: query.team });
    return json({
      responses: rows.map((r) => ({
        id: r.id,
        round: { id: r.round_id, name: r.round_name },
        team: { id: r.team_id, name: r.team_name },
        questionnaire: { slug: r.slug, version: r.version },
        status: r.status,
        revision: r.revision,
        progress: { answered: r.answered_count, answerable: r.answerable_count },
        updatedAt: r.updated_at.toISOString(),
        submittedAt: r.submitted_at?.toISOString() ?? null,
        ...caseOf(r),
      })),
    });
  });
}
