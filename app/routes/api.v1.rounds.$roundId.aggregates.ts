import type { LoaderFunctionArgs } from '@remix-run/node';
import { getDb } from '../../db/index';
import { insightsRequest, isThresholdsTopic, roundInsights, roundTopics, topicPage } from '~/models/aggregation.server';
import { badParameter } from '~/models/errors.server';
import { handleApi, json } from '~/utils/api.server';
import { requireIdParam } from '~/utils/params.server';
import { requireApiPermission, requireApiUser } from '~/utils/session.server';

/**
 * GET /api/v1/rounds/{id}/aggregates[?topic=&area=&teamType=&includeInProgress=&reference=&compare=]
 * With a topic: the figures of that topic's page. Without: the round's headline figures and its topics.
 * The same functions as the pages, so the API and the pages always agree.
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return handleApi(async () => {
    const user = await requireApiUser(request);
    requireApiPermission(user, 'aggregate:read');
    const roundId = requireIdParam(params, 'roundId', 'round');
    const db = getDb();
    const search = new URL(request.url).searchParams;
    // The earlier round is only needed for the thresholds' changes between phases (or when asked for).
    const { query, scope, compare } = await insightsRequest(db, user, roundId, search, undefined, {
      compare: search.has('compare') || ((version) => search.has('topic') && isThresholdsTopic(version, search.get('topic')!)),
    });
    if (!query.topic) return json({ ...(await roundInsights(db, scope, { reference: query.reference })), compareRoundId: compare?.round.id ?? null });
    const page = await topicPage(db, scope, query.topic, { reference: query.reference, compare });
    if (!page) {
      const topics = roundTopics(scope).map((t) => t.id);
      throw badParameter('topic', `the round's questionnaire has no topic "${query.topic}" (use one of ${topics.join(', ')})`);
    }
    return json(page);
  });
}
