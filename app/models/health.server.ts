import { sql } from 'kysely';
import { databaseTarget, type Executor } from '../../db/index';

export type DatabaseHealth = { status: 'ok'; database: 'up'; driver: string; latencyMs: number } | { status: 'error'; database: 'down'; detail: string };

/** Whether the database answers, with the driver in use and how long a trivial query took. */
export async function checkDatabase(db: Executor): Promise<DatabaseHealth> {
  const started = performance.now();
  try {
    await sql`select 1`.execute(db);
    return { status: 'ok', database: 'up', driver: databaseTarget()?.kind ?? 'unknown', latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return { status: 'error', database: 'down', detail: (error as Error).message };
  }
}
