import type { LoaderFunctionArgs } from '@remix-run/node';
import { getDb } from '../../db/index';
import { overviewCsv, overviewFilterFrom, overviewQuerySchema, roundOverview } from '~/models/rounds.server';
import { recordExport } from '~/models/audit.server';
import { download } from '~/utils/download.server';
import { rethrowForPage } from '~/utils/errors.server';
import { requireIdParam } from '~/utils/params.server';
import { requireUserWithPermission } from '~/utils/session.server';

/** GET /review/rounds/{id}.csv — the round overview table as CSV, with the page's filters and order. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'export:read');
  const roundId = requireIdParam(params, 'roundId', 'round');
  const query = overviewQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!query.success) throw new Response(`The filters are not valid: ${query.error.issues.map((i) => i.message).join('; ')}.`, { status: 400 });
  const filter = overviewFilterFrom(query.data);
  const overview = await roundOverview(getDb(), user, roundId, filter).catch(rethrowForPage);
  await recordExport(getDb(), user.id, { kind: 'round-overview', entityType: 'round', entityId: overview.round.id, format: 'csv', filters: filter });
  const slug =
    overview.round.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'round';
  return download(overviewCsv(overview), `${slug}-${overview.round.id}.csv`);
}
