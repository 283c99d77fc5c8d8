import { type RawBuilder, sql } from 'kysely';

/**
 * The one way to write a jsonb parameter. postgres.js double-encodes a JSON string into a jsonb *string* and pg
 * rejects JS arrays; a text parameter cast to jsonb works on every driver, PGlite included.
 */
export function jsonb<T>(value: T): RawBuilder<T> {
  return sql<T>`cast(${JSON.stringify(value)} as text)::jsonb`;
}

/** A text[] parameter, built from jsonb for the same reason: one form every driver sends the same way. */
export function textArray(values: string[]): RawBuilder<string[]> {
  return sql<string[]>`array(select jsonb_array_elements_text(cast(${JSON.stringify(values)} as text)::jsonb))`;
}
