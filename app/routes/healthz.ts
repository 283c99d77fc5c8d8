import { getDb } from '../../db/index';
import { checkDatabase } from '~/models/health.server';

/** Liveness and database check for operators and load balancers. */
export async function loader() {
  const health = await checkDatabase(getDb());
  return Response.json(health, { status: health.status === 'ok' ? 200 : 503, headers: { 'Cache-Control': 'no-store' } });
}
