import { sql } from 'kysely';
import { databaseTarget, getDb } from '../../db/index';

/** Liveness and database check for operators and load balancers. */
export async function loader() {
  const started = performance.now();
  try {
    await sql`select 1`.execute(getDb());
    return Response.json(
      { status: 'ok', database: 'up', driver: databaseTarget()?.kind ?? 'unknown', latencyMs: Math.round(performance.now() - started) },
      { headers: { 'Cache-Control': 'no-store' } },
    );
  } catch (error) {
    return Response.json(
      { status: 'error', database: 'down', detail: (error as Error).message },
      { status: 503, headers: { 'Cache-Control': 'no-store' } },
    );
  }
}
