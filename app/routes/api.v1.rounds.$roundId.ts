import type { ActionFunctionArgs, LoaderFunctionArgs } from '@remix-run/node';
import { z } from 'zod';
import { getDb } from '../../db/index';
import { overviewFilterFrom, overviewQuerySchema, roundOverview, setRoundStatus } from '~/models/rounds.server';
import { handleApi, json, methodNotAllowed, parsePayload, readJsonBody } from '~/utils/api.server';
import { requireIdParam } from '~/utils/params.server';
import { requireApiPermission, requireApiUser } from '~/utils/session.server';

/** The API's page size when `page` or `pageSize` is given without the other. */
export const API_PAGE_SIZE = 500;

const Paging = z
  .object({
    pageSize: z.coerce
      .number({ invalid_type_error: 'pageSize must be a number of teams' })
      .int('pageSize must be a whole number')
      .min(1, 'pageSize must be 1 or more')
      .max(1000, 'pageSize must be at most 1000')
      .optional(),
  })
  .strict();

/**
 * GET /api/v1/rounds/{id}?area=&type=&status=&sort=&dir=&page=&pageSize= — the round's overview: every visible team's
 * response, or one page of them when `page` or `pageSize` is given.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return handleApi(async () => {
    const user = await requireApiUser(request);
    requireApiPermission(user, 'response:read-any');
    const id = requireIdParam(params, 'roundId', 'round');
    const { pageSize, ...rest } = Object.fromEntries(new URL(request.url).searchParams);
    const query = parsePayload(overviewQuerySchema, rest); // its page is 1 when not given
    const paging = parsePayload(Paging, pageSize === undefined ? {} : { pageSize });
    const paged = Boolean(rest.page) || paging.pageSize !== undefined;
    const options = paged ? { page: query.page, pageSize: paging.pageSize ?? API_PAGE_SIZE } : {};
    const overview = await roundOverview(getDb(), user, id, overviewFilterFrom(query), new Date(), options);
    const page = overview.page && { number: overview.page.number, size: overview.page.size, count: overview.page.count, total: overview.page.total };
    return json({ ...overview.round, counts: overview.counts, filter: overview.filter, ...(page ? { page } : {}), responses: overview.rows });
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
