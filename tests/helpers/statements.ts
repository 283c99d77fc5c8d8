import type { LogEvent } from 'kysely';

/**
 * Counts the statements sent to the test databases (tests/helpers/db.ts gives each this log hook): every query,
 * BEGIN and COMMIT included, on PGlite and on the PostgreSQL server alike.
 */
let listening: string[] | null = null;

export function noteStatement(event: LogEvent): void {
  listening?.push(event.query.sql);
}

/** Runs `work` and returns what it returned with the SQL of every statement it sent, in order. */
export async function countStatements<T>(work: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  if (listening) throw new Error('countStatements does not nest');
  const statements: string[] = [];
  listening = statements;
  try {
    return { result: await work(), statements };
  } finally {
    listening = null;
  }
}
