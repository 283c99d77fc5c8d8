import { type RawBuilder, sql } from 'kysely';

/**
 * The one way to write a jsonb parameter. postgres.js double-encodes a JSON string into a jsonb *string* and pg
 * rejects JS arrays; a text parameter cast to jsonb works on every driver, PGlite included.
 */
export function jsonb<T>(value: T): RawBuilder<T> {
  return sql<T>`cast(${JSON.stringify(value)} as text)::jsonb`;
}
