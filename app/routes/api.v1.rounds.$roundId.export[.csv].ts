import type { LoaderFunctionArgs } from '@remix-run/node';
import { getDb } from '../../db/index';
import { roundExport } from '~/models/exports.server';
import { handleApi } from '~/utils/api.server';
import { download } from '~/utils/download.server';
import { requireIdParam } from '~/utils/params.server';
import { requireApiPermission, requireApiUser } from '~/utils/session.server';

/**
 * GET /api/v1/rounds/{id}/export.csv?form=wide|long|codebook[&area=&teamType=&includeInProgress=]
 * The round's answers as CSV (UTF-8 with BOM), streamed. Submitted responses only unless includeInProgress=true.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return handleApi(async () => {
    const user = await requireApiUser(request);
    requireApiPermission(user, 'export:read');
    const roundId = requireIdParam(params, 'roundId', 'round');
    const file = await roundExport(getDb(), user, roundId, new URL(request.url).searchParams, 'csv');
    return download(file.body, file.fileName);
  });
}
