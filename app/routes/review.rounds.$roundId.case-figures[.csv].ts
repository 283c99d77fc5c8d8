import type { LoaderFunctionArgs } from '@remix-run/node';
import { getDb } from '../../db/index';
import { caseFigures, caseFiguresCsv, parseCaseFiguresQuery } from '~/models/case-figures.server';
import { recordExport } from '~/models/audit.server';
import { download } from '~/utils/download.server';
import { rethrowForPage } from '~/utils/errors.server';
import { requireIdParam } from '~/utils/params.server';
import { requireUserWithPermission } from '~/utils/session.server';

/** GET /review/rounds/{id}/case-figures.csv — each standard's figures by team, with the figures page's filters. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'export:read');
  const roundId = requireIdParam(params, 'roundId', 'round');
  const load = async () => {
    const { filter } = parseCaseFiguresQuery(new URL(request.url).searchParams);
    return { filter, figures: await caseFigures(getDb(), user, roundId, filter) };
  };
  const { filter, figures } = await load().catch(rethrowForPage);
  await recordExport(getDb(), user.id, { kind: 'case-figures', entityType: 'round', entityId: figures.round.id, format: 'csv', filters: filter });
  const slug =
    figures.round.name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'round';
  return download(caseFiguresCsv(figures), `${slug}-${figures.round.id}-case-figures.csv`);
}
