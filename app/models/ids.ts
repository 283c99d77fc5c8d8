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
