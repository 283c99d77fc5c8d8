import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, useLoaderData } from '@remix-run/react';
import { getDb } from '../../db/index';
import { comparableQuestions, describeScope, phaseComparison, PHASE_TEAM_LIMIT, sameQuestionnaireRounds, TEAM_TYPE_OPTIONS } from '~/models/aggregation.server';
import type { QuestionRole } from '~/models/question-roles';
import { requireInsightsRequest } from '~/utils/insights.server';
import { findingQuestions } from '~/models/aggregation/heatmap.server';
import { BoxPlot } from '~/components/charts/box-plot';
import { StatsTable } from '~/components/charts/question-figure';
import { filterSearch, InsightsNav, ScopeFilters } from '~/components/insights-nav';
import { requireUserWithPermission } from '~/utils/session.server';
import { formatNumber } from '~/utils/format';
import insightsCss from '~/styles/insights.css?url';
import { SelectField } from '~/components/select-field';
import { FigureTable } from '~/components/charts/figure-table';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: insightsCss }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Phase comparison: ${data?.scope.round.name ?? ''} – Stocktake` }];

/** The question to show by default: the one playing the first of these roles that the questionnaire declares, else the first. */
const PREFERRED_ROLES: QuestionRole[] = ['caseload-average', 'threshold-change'];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'aggregate:read');
  const url = new URL(request.url);
  const db = getDb();
  const { scope, compare, query } = await requireInsightsRequest(user, request, params, ['area', 'teamType', 'includeInProgress', 'compare', 'question']);
  const rounds = await sameQuestionnaireRounds(db, user, scope);
  const base = {
    scope: describeScope(scope),
    rounds: rounds.map((r) => ({ id: r.id, name: r.name, version: r.version })),
    compareId: compare?.round.id ?? null,
    hasHeatmap: findingQuestions(scope).length > 0,
    search: url.search,
    teamTypes: TEAM_TYPE_OPTIONS,
    limit: PHASE_TEAM_LIMIT,
  };
  if (!compare) return { ...base, questions: [], comparison: null };
  // The earlier round is the one created first.
  const [earlier, later] = compare.round.id < scope.round.id ? [compare, scope] : [scope, compare];
  const questions = await comparableQuestions(db, earlier, later);
  const preferred = PREFERRED_ROLES.flatMap((role) => questions.filter((q) => q.name === later.version.roles.get(role)?.name));
  const chosen = query.question ? questions.find((q) => q.name === query.question) : (preferred[0] ?? questions[0]);
  if (query.question && !chosen) throw new Response(`question: “${query.question}” is not a number or rating asked in both rounds.`, { status: 400 });
  const comparison = chosen ? await phaseComparison(db, earlier, later, chosen) : null;
  return { ...base, questions: questions.map((q) => ({ name: q.name, title: q.title, earlierName: q.earlierName })), comparison };
}

function Change({ value, digits = 1 }: { value: number | null; digits?: number }) {
  if (value === null) return <>–</>;
  if (value === 0) return <>no change</>;
  return (
    <span className={value > 0 ? 'change-up' : 'change-down'}>
      {value > 0 ? '▲ +' : '▼ −'}
      {formatNumber(Math.abs(value), digits)}
    </span>
  );
}

export default function Phases() {
  const { scope, rounds, compareId, questions, comparison, search, teamTypes, hasHeatmap, limit } = useLoaderData<typeof loader>();
  const round = scope.round;
  const keep = new URLSearchParams(filterSearch(search).slice(1));
  return (
    <>
      <InsightsNav round={round} current="phases" search={search} hasHeatmap={hasHeatmap} />
      <h1>Phase comparison</h1>
      <p>
        One number or rating, asked in two rounds of {round.questionnaire}, overall and team by team. Questions renamed between versions are followed through
        the mapping.
      </p>
      <ScopeFilters scope={scope} teamTypes={teamTypes} hidden={{ compare: compareId, question: comparison?.question.name }} />
      {rounds.length ? (
        <Form method="get" className="insights-filters" aria-label="What to compare">
          {[...keep].map(([name, value]) => (
            <input key={name} type="hidden" name={name} value={value} />
          ))}
          <SelectField
            id="compare"
            label="Compare with"
            defaultValue={compareId ?? ''}
            empty={compareId === null ? 'Choose a round' : undefined}
            options={rounds.map((r) => ({ value: r.id, label: `${r.name} (version ${r.version})` }))}
          />
          {questions.length ? (
            <SelectField
              id="question"
              label="Question"
              defaultValue={comparison?.question.name ?? ''}
              options={questions.map((q) => ({
                value: q.name,
                label: `${q.title.length > 90 ? `${q.title.slice(0, 89)}…` : q.title}${q.earlierName !== q.name ? ` (was ${q.earlierName})` : ''}`,
              }))}
            />
          ) : null}
          <button type="submit" className="button">
            Compare
          </button>
        </Form>
      ) : (
        <p>There is no other round of this questionnaire that you can see, so there is nothing to compare with yet.</p>
      )}
      {compareId !== null && !questions.length ? <p>The two rounds share no number or rating question.</p> : null}
      {comparison ? (
        <section className="section" aria-labelledby="comparison">
          <h2 id="comparison">{comparison.question.title}</h2>
          <p className="muted">
            {comparison.question.earlierName === comparison.question.name ? (
              <>
                Asked as <code>{comparison.question.name}</code> in both rounds.
              </>
            ) : (
              <>
                Asked as <code>{comparison.question.earlierName}</code> in {comparison.earlier.round.name}, renamed <code>{comparison.question.name}</code> in{' '}
                {comparison.later.round.name}.
              </>
            )}
          </p>
          <div className="figure-pair">
            <figure className="chart">
              <figcaption>Each round: box from lower to upper quartile, thick line at the median, whiskers to the lowest and highest</figcaption>
              <BoxPlot
                rows={[comparison.earlier, comparison.later].flatMap((side) =>
                  side.stats ? [{ key: String(side.round.id), label: side.round.name, ...side.stats }] : [],
                )}
                label={comparison.question.title}
              />
            </figure>
            <div>
              <StatsTable
                caption="Overall, over the teams in each round’s figures"
                firstHeader="Round"
                rows={[comparison.earlier, comparison.later].flatMap((side) =>
                  side.stats ? [{ key: String(side.round.id), label: side.round.name, ...side.stats }] : [],
                )}
              />
              <p>
                Change in the mean: <Change value={comparison.change.mean} digits={2} />; in the median: <Change value={comparison.change.median} digits={2} />.
              </p>
            </div>
          </div>
          <h3>Team by team</h3>
          <p>
            {comparison.paired.n} teams answered in both rounds: {comparison.paired.up} went up, {comparison.paired.down} down, {comparison.paired.same} stayed
            the same. Their mean change <Change value={comparison.paired.meanChange} digits={2} />, median change{' '}
            <Change value={comparison.paired.medianChange} digits={2} />.
          </p>
          {comparison.teamCount > comparison.teams.length ? (
            <p>
              The {comparison.teams.length} largest changes of {comparison.teamCount} teams (choose an area to see every team, max {limit}).
            </p>
          ) : null}
          <FigureTable
            wide
            caption="Each team’s answer in both rounds, largest changes first"
            hideCaption
            columns={[
              { header: 'Team', cell: (t) => t.teamName },
              { header: 'Area', cell: (t) => t.areaName },
              { header: comparison.earlier.round.name, num: true, cell: (t) => answerOrNone(t.earlier) },
              { header: comparison.later.round.name, num: true, cell: (t) => answerOrNone(t.later) },
              { header: 'Change', num: true, cell: (t) => <Change value={t.change} digits={2} /> },
            ]}
            rows={comparison.teams}
            rowKey={(t) => t.teamId}
          />
        </section>
      ) : null}
    </>
  );
}

const answerOrNone = (value: number | null) => (value === null ? <span className="unanswered">not answered</span> : formatNumber(value, 2));
