import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { getDb } from '../../db/index';
import {
  DEFAULT_CASELOAD_REFERENCE,
  isThresholdsTopic,
  reportLinksFor,
  roundTopics,
  TEAM_TYPE_OPTIONS,
  topicPage,
  type ActivityFigures,
} from '~/models/aggregation.server';
import { requireInsightsRequest } from '~/utils/insights.server';
import { notFound } from '~/models/errors.server';
import { pageResponse } from '~/utils/errors.server';
import { requireTopicParam } from '~/utils/params.server';
import { findingQuestions } from '~/models/aggregation/heatmap.server';
import { ActivitySection, type ActivityView, type SpikeRow } from '~/components/charts/activity-section';
import { QuestionFigure } from '~/components/charts/question-figure';
import { areaRows, CASELOAD_AREA_FIELDS, CaseloadsSection, VACANCY_AREA_FIELDS, VacanciesSection, type AreaLink } from '~/components/charts/staffing-section';
import { ThresholdsSection } from '~/components/charts/thresholds-section';
import { TimelinessSection } from '~/components/charts/timeliness-section';
import { filterSearch, InsightsNav, ScopeFilters } from '~/components/insights-nav';
import { requireUserWithPermission } from '~/utils/session.server';
import insightsCss from '~/styles/insights.css?url';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: insightsCss }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.page.topic.title ?? 'Topic'}: ${data?.page.scope.round.name ?? ''} – Stocktake` },
];

/** The activity figures as the page draws them: every spike in one table, one team's series at a time. */
function activityView(activity: ActivityFigures, team: number | undefined): ActivityView {
  const spikes: SpikeRow[] = [];
  const joint: ActivityView['joint'] = [];
  const groups = [
    { level: 'all' as const, groups: [activity.overall] },
    { level: 'area' as const, groups: activity.byArea ?? [] },
    { level: 'team' as const, groups: activity.byTeam ?? [] },
  ];
  for (const { level, groups: list } of groups) {
    for (const group of list) {
      const where = level === 'team' ? `${group.label} (${group.area})` : group.label;
      for (const s of group.series) {
        for (const p of s.spikes) {
          if (p.spike)
            spikes.push({ where, level, series: s.key, period: p.period, value: p.value!, baseline: p.baseline!, rise: p.rise, threshold: p.threshold! });
        }
      }
      for (const j of group.joint) joint.push({ where, level, period: j.period, series: j.series });
    }
  }
  const order = { all: 0, area: 1, team: 2 };
  spikes.sort((a, b) => order[a.level] - order[b.level] || a.period.localeCompare(b.period) || a.where.localeCompare(b.where));
  return {
    question: activity.question,
    columns: activity.columns,
    overall: activity.overall,
    byArea: activity.byArea,
    team: activity.byTeam?.find((g) => g.key === String(team)) ?? null,
    teams: activity.byTeam?.map((g) => ({ id: g.key, label: g.label, area: g.area ?? '' })) ?? null,
    spikes,
    joint,
    rule: activity.rule,
  };
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'aggregate:read');
  const url = new URL(request.url);
  const db = getDb();
  // Only the thresholds topic compares with the earlier round (unless a comparison is asked for).
  const { scope, query, compare } = await requireInsightsRequest(
    user,
    request,
    params,
    ['area', 'teamType', 'includeInProgress', 'reference', 'compare', 'team'],
    {
      compare: url.searchParams.has('compare') || ((version) => isThresholdsTopic(version, params.topic ?? '')),
    },
  );
  // The round's 404 comes first; then a malformed topic and one the questionnaire lacks get the same 404.
  const page = await topicPage(db, scope, requireTopicParam(params), { reference: query.reference, compare });
  if (!page) throw pageResponse(notFound('topic'));
  const { activity, staffing, ...rest } = page;
  // Each staffing section sends what it shows: its own list of teams, and its own figures of each area.
  const vacancies = rest.staffingSections.includes('vacancies');
  const caseloads = rest.staffingSections.includes('caseloads');
  const { byArea, ...staffingShown } = staffing ?? { byArea: [] };
  const shown = staffing && {
    ...(staffingShown as Omit<typeof staffing, 'byArea'>),
    highVacancyTeams: vacancies ? staffing.highVacancyTeams : [],
    highestCaseloadTeams: caseloads ? staffing.highestCaseloadTeams : [],
  };
  return {
    page: { ...rest, staffing: shown },
    staffingAreas: {
      vacancies: vacancies ? areaRows(byArea, VACANCY_AREA_FIELDS) : [],
      caseloads: caseloads ? areaRows(byArea, CASELOAD_AREA_FIELDS) : [],
    },
    activity: activity ? activityView(activity, query.team) : null,
    topics: roundTopics(scope).map((t) => ({ id: t.id, title: t.title })),
    hasHeatmap: findingQuestions(scope).length > 0,
    reportLinks: reportLinksFor(scope, { ...rest, shown }),
    search: url.search,
    query,
    teamTypes: TEAM_TYPE_OPTIONS,
    defaultReference: DEFAULT_CASELOAD_REFERENCE,
  };
}

export default function TopicPage() {
  const { page, staffingAreas, activity, topics, hasHeatmap, reportLinks, search, query, teamTypes, defaultReference } = useLoaderData<typeof loader>();
  const { scope, topic, questions, thresholds, staffing, staffingSections, timeliness } = page;
  const round = scope.round;
  const links = new Map(reportLinks);
  const keep = filterSearch(search);
  const hidden: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(keep.slice(1))) hidden[key] = value;
  if (query.reference) hidden.reference = String(query.reference);
  // The area rows of a wider scope lead to the same page for one area, which lists each of its teams.
  const areaLink: AreaLink = scope.filter.area
    ? undefined
    : (areaKey) => {
        const params = new URLSearchParams(hidden);
        params.set('area', scope.areas.find((a) => String(a.id) === areaKey)?.slug ?? areaKey);
        return `?${params.toString()}`;
      };
  const referenceForm = (
    <Form method="get" className="insights-filters no-print" aria-label="Caseload reference" preventScrollReset>
      {Object.entries(hidden)
        .filter(([key]) => key !== 'reference')
        .map(([name, value]) => (
          <input key={name} type="hidden" name={name} value={value} />
        ))}
      <div className="field">
        <label htmlFor="reference">Caseload reference</label>
        <input
          id="reference"
          name="reference"
          type="number"
          min={1}
          max={200}
          step="0.5"
          defaultValue={query.reference ?? defaultReference}
          inputMode="decimal"
        />
      </div>
      <button type="submit" className="button button--secondary">
        Use this reference
      </button>
    </Form>
  );
  return (
    <>
      <InsightsNav round={round} current="topic" search={search} hasHeatmap={hasHeatmap} />
      <h1>{topic.title}</h1>
      <p>{topic.description}</p>
      <p className="muted">
        {round.name} · {round.questionnaire}, version {round.version}
      </p>
      <ScopeFilters scope={scope} teamTypes={teamTypes} hidden={{ reference: query.reference, compare: query.compare }} />
      <nav aria-label="Other topics" className="no-print">
        <details className="more">
          <summary>Other topics</summary>
          <ul>
            {topics.map((t) => (
              <li key={t.id}>
                {t.id === topic.id ? (
                  <strong aria-current="page">{t.title}</strong>
                ) : (
                  <Link to={`/review/rounds/${round.id}/insights/${t.id}${keep}`}>{t.title}</Link>
                )}
              </li>
            ))}
          </ul>
        </details>
      </nav>

      {activity ? <ActivitySection activity={activity} selectedTeam={query.team ? String(query.team) : null} hidden={hidden} /> : null}
      {thresholds ? (
        <ThresholdsSection
          t={thresholds}
          reportLinks={links}
          compareLink={thresholds.comparison ? `/review/rounds/${round.id}/phases?compare=${thresholds.comparison.round.id}` : null}
        />
      ) : null}
      {staffing && staffingSections.includes('vacancies') ? (
        <VacanciesSection s={staffing} areas={staffingAreas.vacancies} reportLinks={links} areaLink={areaLink} />
      ) : null}
      {timeliness ? <TimelinessSection t={timeliness} /> : null}
      {staffing && staffingSections.includes('caseloads') ? (
        <CaseloadsSection s={staffing} areas={staffingAreas.caseloads} reportLinks={links} referenceForm={referenceForm} areaLink={areaLink} />
      ) : null}

      <section className="section" aria-labelledby="questions">
        <h2 id="questions">Every question on this topic ({questions.length})</h2>
        {questions.map((q) => (
          <QuestionFigure key={q.name} q={q} reportLinks={links} />
        ))}
      </section>
    </>
  );
}
