import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { getDb } from '../../db/index';
import { HIGH_VACANCY_RATE, KENT_AVERAGE_CASELOAD, roundInsights, TEAM_TYPE_OPTIONS } from '~/models/aggregation.server';
import { requireInsightsRequest } from '~/utils/insights.server';
import { filterSearch, InsightsNav, ScopeFilters } from '~/components/insights-nav';
import { monthLabel } from '~/components/charts/series-chart';
import { requireUserWithPermission } from '~/utils/session.server';
import { formatNumber, formatPercent } from '~/utils/format';
import insightsCss from '~/styles/insights.css?url';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: insightsCss }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Insights: ${data?.insights.scope.round.name ?? 'round'} – Stocktake` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'aggregate:read');
  const url = new URL(request.url);
  const db = getDb();
  const loaded = await requireInsightsRequest(user, request, params, ['area', 'teamType', 'includeInProgress', 'reference'], { compare: false });
  const insights = await roundInsights(db, loaded.scope, { reference: loaded.query.reference });
  return {
    insights,
    search: url.search,
    query: loaded.query,
    kentAverage: KENT_AVERAGE_CASELOAD,
    highVacancy: HIGH_VACANCY_RATE,
    teamTypes: TEAM_TYPE_OPTIONS,
  };
}

export default function InsightsIndex() {
  const { insights, search, query, kentAverage, highVacancy, teamTypes } = useLoaderData<typeof loader>();
  const { scope, headlines, topics } = insights;
  const round = scope.round;
  const keep = filterSearch(search);
  const base = `/review/rounds/${round.id}`;
  const exportQuery = (form: string) => {
    const params = new URLSearchParams(keep.slice(1));
    params.set('form', form);
    return params.toString();
  };
  const staffing = headlines.staffing;
  const activity = headlines.activity;
  const series = activity?.overall.series ?? [];
  const jointMonths = activity?.overall.joint ?? [];
  return (
    <>
      <InsightsNav round={round} current="insights" search={search} hasHeatmap={insights.hasHeatmap} />
      <h1>Insights: {round.name}</h1>
      <p className="muted">
        {round.questionnaire}, version {round.version}. Reviewers’ figures across teams, by topic.
      </p>
      <ScopeFilters scope={scope} teamTypes={teamTypes} hidden={{ reference: query.reference }} />

      <h2 id="headlines">Headline figures</h2>
      <ul className="headline-cards" aria-labelledby="headlines">
        {staffing && staffing.vacancyRate !== null ? (
          <li>
            <span className="label">Vacancy rate (qualified posts)</span>
            <span className="figure">{formatPercent(staffing.vacancyRate)}</span>
            <p>
              {formatNumber(staffing.vacant)} vacant of {formatNumber(staffing.establishment)} FTE posts. {staffing.teamsAboveHighVacancy} of {staffing.teams}{' '}
              teams above {formatPercent(highVacancy, 0)}.
            </p>
            <p>
              <Link to={`${base}/insights/staffing-vacancies${keep}`}>Staffing and vacancies</Link>
            </p>
          </li>
        ) : null}
        {staffing && staffing.weightedCaseload !== null ? (
          <li>
            <span className="label">Average caseload per case-holding worker</span>
            <span className="figure">{formatNumber(staffing.weightedCaseload)}</span>
            <p>
              Against a reference of {headlines.reference} (the caseload the Haringey review called high; Kent reported about {kentAverage} in January 2009).{' '}
              {staffing.teamsAverageAboveReference} of {staffing.teamsWithCaseload} teams average more than {headlines.reference}.
            </p>
            <p>
              <Link to={`${base}/insights/caseloads${keep}`}>Caseloads</Link>
            </p>
          </li>
        ) : null}
        {activity ? (
          <li>
            <span className="label">Months when activity spiked together</span>
            <span className="figure">{jointMonths.length ? jointMonths.map((j) => monthLabel(j.period)).join(', ') : 'None'}</span>
            <p>
              {jointMonths.length
                ? jointMonths.map((j) => `${j.series.map((key) => series.find((s) => s.key === key)?.title.toLowerCase() ?? key).join(', ')}`).join('; ')
                : 'No month in which three or more activity series spiked together.'}
            </p>
            <p>
              <Link to={`${base}/insights/${activity.topic}${keep}`}>Referrals and activity</Link>
            </p>
          </li>
        ) : null}
        {headlines.thresholds ? (
          <li>
            <span className="label">Teams reporting a change in thresholds</span>
            <span className="figure">
              {headlines.thresholds.changed} of {headlines.thresholds.overall.n}
            </span>
            <p>{headlines.thresholds.choices.map((c, i) => `${c.text}: ${headlines.thresholds!.overall.counts[i]}`).join(' · ')}</p>
            <p>
              <Link to={`${base}/insights/thresholds${keep}`}>Thresholds</Link>
            </p>
          </li>
        ) : null}
        {headlines.ratings ? (
          <li>
            <span className="label">Mini-JAR ratings</span>
            <span className="figure">{headlines.ratings.findings} findings</span>
            <p>{headlines.ratings.choices.map((c) => `${c.text}: ${headlines.ratings!.counts[c.value] ?? 0}`).join(' · ')}</p>
            <p>
              <Link to={`${base}/heatmap${keep}`}>The heatmap, team by team</Link>
            </p>
          </li>
        ) : null}
      </ul>

      <h2 id="topics">Topics</h2>
      <ul className="topic-list" aria-labelledby="topics">
        {topics.map((t) => (
          <li key={t.id}>
            <Link to={`${base}/insights/${t.id}${keep}`}>{t.title}</Link>
            <p>
              {t.questions} {t.questions === 1 ? 'question' : 'questions'}. {t.description}
            </p>
          </li>
        ))}
      </ul>

      <h2 id="exports">Downloads</h2>
      <p>
        The answers behind these figures, with the same filters (
        {scope.filter.includeInProgress ? 'submitted and in-progress responses' : 'submitted responses only'}):
      </p>
      <ul>
        <li>
          Wide (a row per team, a column per question or matrix cell): <a href={`/api/v1/rounds/${round.id}/export.csv?${exportQuery('wide')}`}>CSV</a> ·{' '}
          <a href={`/api/v1/rounds/${round.id}/export.xlsx?${exportQuery('wide')}`}>Excel</a>
        </li>
        <li>
          Long (a row per answer): <a href={`/api/v1/rounds/${round.id}/export.csv?${exportQuery('long')}`}>CSV</a> ·{' '}
          <a href={`/api/v1/rounds/${round.id}/export.xlsx?${exportQuery('long')}`}>Excel</a>
        </li>
        <li>
          Codebook (what each wide column holds): <a href={`/api/v1/rounds/${round.id}/export.csv?${exportQuery('codebook')}`}>CSV</a>
        </li>
      </ul>
      <p className="muted">
        The same figures as JSON: <code>GET /api/v1/rounds/{round.id}/aggregates?topic=…</code> (see docs/aggregation.md).
      </p>
    </>
  );
}
