import type { Params } from '@remix-run/react';
import { getDb } from '../../db/index';
import { insightsRequest, QueryError, ROUND_NOT_VISIBLE, type InsightsQuery, type InsightsRequest } from '~/models/aggregation.server';
import type { VersionInfo } from '~/models/questionnaires.server';
import type { CurrentUser } from '~/models/users.server';

/**
 * The insights pages' common start: the round from the URL, the query parameters the page allows, and the scope.
 * A bad parameter is a 400 that names it; a round the user cannot see (or a malformed id) is a 404.
 */
export async function requireInsightsRequest(
  user: CurrentUser,
  request: Request,
  params: Params,
  allowed: (keyof InsightsQuery)[],
  options: { compare?: boolean | ((version: VersionInfo) => boolean) } = {},
): Promise<InsightsRequest> {
  const roundId = /^\d{1,9}$/.test(params.roundId ?? '') ? Number(params.roundId) : 0;
  let loaded: InsightsRequest | null;
  try {
    loaded = await insightsRequest(getDb(), user, roundId, new URL(request.url).searchParams, allowed, options);
  } catch (error) {
    if (error instanceof QueryError) throw new Response(error.message, { status: 400 });
    throw error;
  }
  if (!loaded) throw new Response(ROUND_NOT_VISIBLE, { status: 404 });
  return loaded;
}
