import type { LoaderFunctionArgs } from '@remix-run/node';
import { getDb } from '../../db/index';
import { actionsExport } from '~/models/action-exports.server';
import { registerFilterFrom } from '~/models/actions.server';
import { download } from '~/utils/download.server';
import { rethrowForPage } from '~/utils/errors.server';
import { requireUserWithPermission } from '~/utils/session.server';

/** GET /actions.xlsx — every action the register's filters leave (all pages), as an Excel workbook; the download is recorded. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'action:read');
  const load = async () => {
    const file = await actionsExport(getDb(), user, registerFilterFrom(new URL(request.url)), 'xlsx');
    return download(file.body, file.fileName);
  };
  return load().catch(rethrowForPage);
}
