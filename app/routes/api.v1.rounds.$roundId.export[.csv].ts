import type { LoaderFunctionArgs } from '@remix-run/node';
import { getDb } from '../../db/index';
import { exportRequest } from '~/models/exports.server';
import { handleApi } from '~/utils/api.server';
import { requireApiPermission, requireApiUser } from '~/utils/session.server';

/**
 * GET /api/v1/rounds/{id}/export.csv?form=wide|long|codebook[&area=&teamType=&includeInProgress=]
 * The round's answers as CSV (UTF-8 with BOM), streamed. Submitted responses only unless includeInProgress=true.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return handleApi(async () => {
    const user = await requireApiUser(request);
    requireApiPermission(user, 'export:read');
    return exportRequest(getDb(), user, params.roundId, new URL(request.url).searchParams, 'csv');
  });
}
