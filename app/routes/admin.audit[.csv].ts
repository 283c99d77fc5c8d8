import type { LoaderFunctionArgs } from '@remix-run/node';
import { getDb } from '../../db/index';
import { recordExport } from '~/models/audit.server';
import { auditTrailCsv, parseAuditTrailQuery } from '~/models/audit-trail.server';
import { download } from '~/utils/download.server';
import { requireUserWithPermission } from '~/utils/session.server';

/** GET /admin/audit.csv — every event the audit trail page's filters select, in its order, streamed; the download is recorded. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'audit-trail:read');
  const parsed = parseAuditTrailQuery(new URL(request.url).searchParams);
  if (!parsed.ok) throw new Response(parsed.message, { status: 400 });
  const { page: _page, ...filters } = parsed.query;
  const db = getDb();
  await recordExport(db, user.id, { kind: 'audit-trail', entityType: 'audit_trail', format: 'csv', filters });
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(new Date());
  return download(auditTrailCsv(db, filters), `stocktake-audit-trail-${day}.csv`);
}
