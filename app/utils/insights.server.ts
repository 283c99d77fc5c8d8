import type { Params } from '@remix-run/react';
import { getDb } from '../../db/index';
import { insightsRequest, type InsightsQuery, type InsightsRequest } from '~/models/aggregation.server';
import type { VersionInfo } from '~/models/questionnaires.server';
import type { CurrentUser } from '~/models/users.server';
import { rethrowForPage } from './errors.server';
import { requireIdParam } from './params.server';

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
  const roundId = requireIdParam(params, 'roundId', 'round');
  return insightsRequest(getDb(), user, roundId, new URL(request.url).searchParams, allowed, options).catch(rethrowForPage);
}
