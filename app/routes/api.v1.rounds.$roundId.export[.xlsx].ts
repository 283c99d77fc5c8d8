import type { LoaderFunctionArgs } from '@remix-run/node';
import { getDb } from '../../db/index';
import { roundExport } from '~/models/exports.server';
import { handleApi } from '~/utils/api.server';
import { download } from '~/utils/download.server';
import { requireIdParam } from '~/utils/params.server';
import { requireApiPermission, requireApiUser } from '~/utils/session.server';

/**
 * GET /api/v1/rounds/{id}/export.xlsx?form=wide|long[&area=&teamType=&includeInProgress=]
 * The round's answers as an Excel workbook: the chosen form's sheet, the codebook and a sheet describing the file.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return handleApi(async () => {
    const user = await requireApiUser(request);
    requireApiPermission(user, 'export:read');
    const roundId = requireIdParam(params, 'roundId', 'round');
    const file = await roundExport(getDb(), user, roundId, new URL(request.url).searchParams, 'xlsx');
    return download(file.body, file.fileName);
  });
}
