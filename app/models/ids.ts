import { z } from 'zod';

/**
 * Ids and revisions are PostgreSQL `integer` columns (1 to 2^31 − 1). A larger number that passed a schema would fail
 * in the database as a 500, so every id read from a body, a form or a query is bounded here and refused as a 400.
 */
export const MAX_ID = 2_147_483_647;

/** An id in a JSON body. */
export const idSchema = z.number().int().positive().max(MAX_ID);

/** An id in a form field or a query parameter (text): digits within the column's range. */
export const idFieldSchema = (message = 'must be an id') =>
  z.coerce.number({ invalid_type_error: message }).int(message).positive(message).max(MAX_ID, message);

/** A calendar date written YYYY-MM-DD that exists (no 31 February). */
export const isoDateSchema = z
  .string({ required_error: 'is required: a date written YYYY-MM-DD' })
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD')
  .refine((value) => {
    const date = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
  }, 'is not a date in the calendar');
