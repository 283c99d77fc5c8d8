import type { LoaderFunctionArgs } from '@remix-run/node';
import { getDb } from '../../db/index';
import { insightsRequest, isThresholdsTopic, QueryError, ROUND_NOT_VISIBLE, roundInsights, roundTopics, topicPage } from '~/models/aggregation.server';
import { handleApi, json } from '~/utils/api.server';
import { problem } from '~/utils/problem.server';
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
    const roundId = /^\d{1,9}$/.test(params.roundId ?? '') ? Number(params.roundId) : 0;
    const db = getDb();
    let loaded;
    try {
      const params = new URL(request.url).searchParams;
      // The earlier round is only needed for the thresholds' changes between phases (or when asked for).
      loaded = await insightsRequest(db, user, roundId, params, undefined, {
        compare: params.has('compare') || ((version) => params.has('topic') && isThresholdsTopic(version, params.get('topic')!)),
      });
    } catch (error) {
      if (error instanceof QueryError) throw problem(400, error.message, { errors: [{ path: error.parameter, message: error.message }] });
      throw error;
    }
    if (!loaded) throw problem(404, ROUND_NOT_VISIBLE);
    const { query, scope, compare } = loaded;
    if (!query.topic) return json({ ...(await roundInsights(db, scope, { reference: query.reference })), compareRoundId: compare?.round.id ?? null });
    const page = await topicPage(db, scope, query.topic, { reference: query.reference, compare });
    if (!page) {
      const topics = roundTopics(scope).map((t) => t.id);
      const message = `topic: the round's questionnaire has no topic "${query.topic}" (use one of ${topics.join(', ')})`;
      throw problem(400, message, { errors: [{ path: 'topic', message }] });
    }
    return json(page);
  });
}
