import type { LoaderFunctionArgs } from '@remix-run/node';
import { getDb } from '../../db/index';
import { rethrowForPage } from '~/models/review.server';
import { overviewCsv, overviewFilterFrom, overviewQuerySchema, roundOverview } from '~/models/rounds.server';
import { requireUserWithPermission } from '~/utils/session.server';

/** GET /review/rounds/{id}.csv — the round overview table as CSV, with the page's filters and order. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'export:read');
  if (!params.roundId || !/^\d{1,9}$/.test(params.roundId)) throw new Response('No round with that id exists, or it has no teams you can see.', { status: 404 });
  const query = overviewQuerySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!query.success) throw new Response(`The filters are not valid: ${query.error.issues.map((i) => i.message).join('; ')}.`, { status: 400 });
  const overview = await roundOverview(getDb(), user, Number(params.roundId), overviewFilterFrom(query.data)).catch(rethrowForPage);
  const slug = overview.round.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'round';
  return new Response(overviewCsv(overview), {
    headers: {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${slug}-${overview.round.id}.csv"`,
      'Cache-Control': 'no-store',
    },
  });
}
