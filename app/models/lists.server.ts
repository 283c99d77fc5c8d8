import { sql, type RawBuilder } from 'kysely';
import { z } from 'zod';

/**
 * Long lists (the round overview's teams, the administration's teams and users) are read a page at a time: the
 * filters, the sort and the slice run in SQL, and the page says how many there are in all. One query-string shape for
 * all of them: `page` (from 1), `sort` (a column the list names), `dir` (`asc` or `desc`), and the list's own filters.
 * Two lists on one page take a prefix (`teamPage`, `teamSort`, `userPage`…).
 */

export const PAGE_SIZE = 50;
/** A page number beyond this is refused (400) rather than turned into an offset the database scans to. */
export const MAX_PAGE = 100_000;
export const SORT_DIRECTIONS = ['asc', 'desc'] as const;
export type SortDirection = (typeof SORT_DIRECTIONS)[number];

/** The parameter name under a prefix: `page` → `teamPage`. */
export function listParam(prefix: string, key: string): string {
  return prefix ? `${prefix}${key[0].toUpperCase()}${key.slice(1)}` : key;
}

/**
 * The query-string schema of a list: `page`, `sort` (one of `sorts`), `dir`, and `filters`. Empty values mean "not
 * given". With a prefix only the prefixed parameters are read (the rest of the page's query string is someone else's);
 * without one, `strict` refuses unknown parameters. Bad values are refused with messages naming the parameter as the
 * URL spells it; a page past the last is not an error (see `pageWindow`).
 */
export function listQuerySchema<const S extends readonly [string, ...string[]], F extends z.ZodRawShape>(
  sorts: S,
  filters: F,
  options: { prefix?: string; strict?: boolean } = {},
) {
  const prefix = options.prefix ?? '';
  const name = (key: string) => listParam(prefix, key);
  const shape = {
    page: z.coerce
      .number({ invalid_type_error: `${name('page')} must be a page number` })
      .int(`${name('page')} must be a whole page number`)
      .min(1, `${name('page')} must be 1 or more`)
      .max(MAX_PAGE, `${name('page')} must be at most ${MAX_PAGE}`)
      .default(1),
    sort: z.enum(sorts, { errorMap: () => ({ message: `${name('sort')} must be one of ${sorts.join(', ')}` }) }).optional(),
    dir: z.enum(SORT_DIRECTIONS, { errorMap: () => ({ message: `${name('dir')} must be asc or desc` }) }).optional(),
    ...filters,
  };
  const object = options.strict ? z.object(shape).strict() : z.object(shape);
  return z.preprocess((value) => {
    if (!value || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      if (v === '' || v === undefined) continue;
      if (!prefix) out[key] = v;
      else if (key.startsWith(prefix) && key.length > prefix.length) out[key[prefix.length].toLowerCase() + key.slice(prefix.length + 1)] = v;
    }
    return out;
  }, object);
}

/** The query string of a request as an object for `listQuerySchema` (the last value of a repeated parameter). */
export function searchParamsObject(url: URL | string): Record<string, string> {
  return Object.fromEntries(new URL(url).searchParams);
}

/** Where a page stands in a list: its number (clamped to the last page), the rows it holds, and how many in all. */
export type PageWindow = {
  /** The page shown, from 1; a page asked for past the last is the last. */
  number: number;
  size: number;
  /** How many pages there are (at least 1, an empty list being one empty page). */
  count: number;
  /** How many rows match, on every page. */
  total: number;
  /** The first and last row of this page, from 1 (0 and 0 for an empty list). */
  from: number;
  to: number;
  offset: number;
};

export function pageWindow(total: number, requested: number, size = PAGE_SIZE): PageWindow {
  const count = Math.max(1, Math.ceil(total / size));
  const number = Math.min(Math.max(1, Math.floor(requested) || 1), count);
  const offset = (number - 1) * size;
  return { number, size, count, total, from: total ? offset + 1 : 0, to: Math.min(total, offset + size), offset };
}

/** `lower(text)` for sorting by a name whatever its case (PostgreSQL's "C" collation puts "Z" before "a"). */
export function byText(ref: string): RawBuilder<string> {
  return sql<string>`lower(${sql.ref(ref)})`;
}

/** An order by a fixed list of values (statuses, team types): the position of the column's value in `values`. */
export function byPosition(ref: string, values: readonly string[]): RawBuilder<number> {
  return sql<number>`case ${sql.ref(ref)} ${sql.join(
    values.map((v, i) => sql`when ${sql.lit(v)} then ${sql.lit(i)}`),
    sql` `,
  )} end`;
}

/** `expr asc|desc` with nulls first when ascending and last when descending (an empty value is the smallest). */
export function ordered(expression: RawBuilder<unknown>, dir: SortDirection): RawBuilder<unknown> {
  return dir === 'asc' ? sql`${expression} asc nulls first` : sql`${expression} desc nulls last`;
}

/** A `%…%` pattern for ILIKE that matches the text as typed (its % and _ taken literally). */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A search box's text: trimmed, at most 100 characters. */
export const searchTextSchema = z.string().trim().max(100, 'the search text must be at most 100 characters');
