import type { LoaderFunctionArgs } from '@remix-run/node';
import { getDb } from '../../db/index';
import { listRevisions, requireVisibleResponse } from '~/models/responses.server';
import { handleApi, json } from '~/utils/api.server';
import { requireIdParam } from '~/utils/params.server';
import { requireApiUser } from '~/utils/session.server';

/** GET /api/v1/responses/{id}/revisions — every accepted change, newest first. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return handleApi(async () => {
    const user = await requireApiUser(request);
    const db = getDb();
    const response = await requireVisibleResponse(db, user, requireIdParam(params, 'responseId', 'response'));
    return json({ id: response.id, revision: response.revision, revisions: await listRevisions(db, response.id) });
  });
}
