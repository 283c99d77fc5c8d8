import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { z } from 'zod';
import { getDb } from '../../db/index';
import { overviewFilterFrom, overviewQuerySchema, roundOverview, setRoundStatus } from '~/models/rounds.server';
import { handleApi, json, methodNotAllowed, parsePayload, readJsonBody } from '~/utils/api.server';
import { requireIdParam } from '~/utils/params.server';
import { requireApiPermission, requireApiUser } from '~/utils/session.server';

/** GET /api/v1/rounds/{id}?area=&type=&status=&sort=&direction= — the round's overview: every visible team's response. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return handleApi(async () => {
    const user = await requireApiUser(request);
    requireApiPermission(user, 'response:read-any');
    const id = requireIdParam(params, 'roundId', 'round');
    const query = parsePayload(overviewQuerySchema, Object.fromEntries(new URL(request.url).searchParams));
    const overview = await roundOverview(getDb(), user, id, overviewFilterFrom(query));
    return json({ ...overview.round, counts: overview.counts, filter: overview.filter, responses: overview.rows });
  });
}

const StatusChange = z.object({ status: z.enum(['open', 'closed'], { required_error: 'status is required: "open" or "closed"' }) }).strict();

/** PATCH /api/v1/rounds/{id} {"status": "open" | "closed"} — closing makes the round's responses read-only. */
export async function action({ request, params }: ActionFunctionArgs) {
  return handleApi(async () => {
    if (request.method !== 'PATCH') return methodNotAllowed(['GET', 'PATCH']);
    const user = await requireApiUser(request);
    requireApiPermission(user, 'round:manage');
    const id = requireIdParam(params, 'roundId', 'round');
    const input = parsePayload(StatusChange, await readJsonBody(request));
    const db = getDb();
    const result = await setRoundStatus(db, user, id, input.status);
    const overview = await roundOverview(db, user, id);
    return json({ ...overview.round, changed: result.changed, counts: overview.counts });
  });
}
