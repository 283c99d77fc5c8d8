import { data, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { getDb } from '../../db/index';
import {
  comparisonChoices,
  compareTeamsInRound,
  MAX_AREA_TEAMS,
  MAX_COMPARED_TEAMS,
  OUTLIER_RULE,
  TEAM_CHOICES_LIMIT,
  type TeamsComparison,
} from '~/models/compare.server';
import { searchTextSchema } from '~/models/lists.server';
import { isDomainError } from '~/models/errors.server';
import { StatusTag } from '~/components/status-tag';
import { rethrowForPage } from '~/utils/errors.server';
import { requireIdParam } from '~/utils/params.server';
import { requireUserWithPermission } from '~/utils/session.server';
import { formatNumber } from '~/utils/format';
import reviewCss from '~/styles/review.css?url';
import { SelectField } from '~/components/select-field';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: reviewCss }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Compare teams – ${data?.round.name ?? 'Round'} – Stocktake` }];

const id = z.string().regex(/^\d{1,9}$/, 'must be an id');
const PageQuery = z.object({
  team: z.array(id).max(MAX_COMPARED_TEAMS, `Choose up to ${MAX_COMPARED_TEAMS} teams, or compare a whole area.`),
  area: id.optional(),
  topic: z.string().max(100).optional(),
  differing: z.literal('1').optional(),
  // Finding teams to choose: name contains `q`, in area `findArea`; `find` shows the teams found without comparing.
  q: searchTextSchema.optional(),
  findArea: id.optional(),
  find: z.literal('1').optional(),
});

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'response:read-any');
  const roundId = requireIdParam(params, 'roundId', 'round');
  const db = getDb();
  const url = new URL(request.url);
  const one = (name: string) => url.searchParams.get(name) || undefined;
  const parsed = PageQuery.safeParse({
    team: url.searchParams.getAll('team'),
    area: one('area'),
    topic: one('topic'),
    differing: one('differing'),
    q: one('q'),
    findArea: one('findArea'),
    find: one('find'),
  });
  const selected = parsed.success
    ? parsed.data
    : { team: [], area: undefined, topic: undefined, differing: undefined, q: undefined, findArea: undefined, find: undefined };
  // A page that compares lists no teams to choose from until the reviewer searches again (it stays small).
  const comparing = parsed.success && !selected.find && (selected.team.length > 0 || Boolean(selected.area));
  const choices = await comparisonChoices(
    db,
    user,
    roundId,
    { q: selected.q, areaId: selected.findArea ? Number(selected.findArea) : undefined, chosen: selected.team.map(Number) },
    comparing ? 0 : TEAM_CHOICES_LIMIT,
  ).catch(rethrowForPage);
  const team = (t: (typeof choices.chosen)[number]) => ({ id: t.id, name: t.name, areaId: t.area_id, areaName: t.area_name });
  const base = {
    round: { id: choices.round.id, name: choices.round.name, questionnaire: choices.round.questionnaire_title, version: choices.round.version },
    chosen: choices.chosen.map(team),
    found: choices.found ? { teams: choices.found.teams.map(team), total: choices.found.total } : null,
    areas: choices.areas,
    topics: choices.topics,
    selected,
    outlierRule: OUTLIER_RULE,
    maxTeams: MAX_COMPARED_TEAMS,
    maxAreaTeams: MAX_AREA_TEAMS,
  };
  if (!parsed.success) return data({ ...base, comparison: null, error: parsed.error.issues[0].message }, { status: 400 });
  const { area, topic, differing, find } = parsed.data;
  if (find || (!selected.team.length && !area)) return { ...base, comparison: null, error: null };
  try {
    const comparison = await compareTeamsInRound(db, user, roundId, {
      teams: area ? undefined : selected.team,
      area,
      topic,
      onlyDiffering: Boolean(differing),
    });
    return { ...base, comparison: forPage(comparison), error: null };
  } catch (error) {
    if (isDomainError(error, 404) || isDomainError(error, 422)) {
      return data({ ...base, comparison: null, error: error.message }, { status: error.status });
    }
    throw error;
  }
}

/**
 * What the page shows of a comparison, and no more: it travels twice (as HTML and as the page's data), so each row
 * keeps its title, where it sits, whether the teams differ and the spread's figures as text, each cell its text and
 * outlier mark, and rows are grouped under their topic.
 */
type PageRow = ReturnType<typeof pageRow>;

function pageRow(row: TeamsComparison['rows'][number]) {
  return {
    title: row.title,
    path: row.row || row.column ? [row.row?.title, row.column?.title].filter(Boolean).join(' › ') : null,
    differs: row.differs,
    numeric: row.kind === 'numeric',
    spread: row.spread
      ? {
          median: formatNumber(row.spread.median, 2),
          range: `${formatNumber(row.spread.q1, 2)}–${formatNumber(row.spread.q3, 2)}, ${row.spread.n} team${row.spread.n === 1 ? '' : 's'}`,
        }
      : null,
    cells: row.values.map((v) => ({
      text: v.text === null ? null : typeof v.value === 'number' ? formatNumber(v.value, 2) : v.text,
      ...(v.outlier ? { outlier: v.outlier } : {}),
    })),
  };
}

function forPage(comparison: TeamsComparison) {
  const topicTitles = new Map(comparison.topics.map((t) => [t.id, t.title]));
  return {
    teams: comparison.teams.map((t) => ({ id: t.id, name: t.name, responseId: t.responseId, status: t.status })),
    counts: comparison.counts,
    // Rows under their topic, one group for each run of rows of the same topic (in questionnaire order).
    groups: comparison.rows.reduce<Array<{ topic: string; rows: PageRow[] }>>((groups, row) => {
      const topic = topicTitles.get(row.topic) ?? row.topic;
      const last = groups.at(-1);
      if (last?.topic === topic) last.rows.push(pageRow(row));
      else groups.push({ topic, rows: [pageRow(row)] });
      return groups;
    }, []),
  };
}

export default function CompareTeams() {
  const { round, chosen, found, areas, topics, selected, comparison, error, outlierRule, maxTeams, maxAreaTeams } = useLoaderData<typeof loader>();
  const chosenIds = new Set(chosen.map((t) => t.id));
  const others = (found?.teams ?? []).filter((t) => !chosenIds.has(t.id));
  const foundAreas = [...new Map(others.map((t) => [t.areaId, t.areaName])).entries()];
  const comparableAreas = areas.filter((a) => a.teams <= maxAreaTeams);
  const count = (n: number) => n.toLocaleString('en-GB');
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/review">Review</Link> › <Link to={`/review/rounds/${round.id}`}>{round.name}</Link> › Compare teams
      </p>
      <h1>Compare teams side by side</h1>
      <p>
        {round.questionnaire}, version {round.version}. Rows are the questions and every matrix row and cell; columns are teams. Numeric rows show the round’s
        median and quartiles.
      </p>
      <p className="notice" id="outlier-rule">
        <strong>Outliers:</strong> {outlierRule}
      </p>

      <form method="get" className="panel" aria-label="Choose what to compare">
        <details open={!comparison}>
          <summary>
            Teams to compare (up to {maxTeams}){comparison ? `: ${comparison.teams.map((t) => t.name).join(', ')}` : ''}
          </summary>
          <fieldset>
            <legend>Teams (up to {maxTeams})</legend>
            {chosen.length ? (
              <fieldset>
                <legend>Chosen</legend>
                <ul className="choice-list choice-columns">
                  {chosen.map((t) => (
                    <li key={t.id}>
                      <label>
                        <input type="checkbox" name="team" value={t.id} defaultChecked /> {t.name}
                      </label>
                      <span className="muted"> ({t.areaName})</span>
                    </li>
                  ))}
                </ul>
              </fieldset>
            ) : null}
            <div className="filters">
              <div className="field">
                <label htmlFor="compare-q">Team name contains</label>
                <input type="text" id="compare-q" name="q" defaultValue={selected.q ?? ''} maxLength={100} />
              </div>
              <SelectField
                id="compare-find-area"
                name="findArea"
                label="In area"
                defaultValue={selected.findArea ?? ''}
                empty="All areas"
                options={areas.map((a) => ({ value: a.id, label: `${a.name} (${count(a.teams)} team${a.teams === 1 ? '' : 's'})` }))}
              />
              <button type="submit" name="find" value="1" className="button button--secondary">
                Find teams
              </button>
            </div>
            {found ? (
              <p role="status">
                {found.total === 0
                  ? 'No team of this round matches the search.'
                  : found.total > found.teams.length
                    ? `Showing the first ${count(found.teams.length)} of ${count(found.total)} matching teams: narrow the search to find others.`
                    : `${count(found.total)} matching team${found.total === 1 ? '' : 's'}.`}
              </p>
            ) : (
              <p>Find teams to add to the comparison, or untick one to leave it out.</p>
            )}
            {foundAreas.map(([areaId, areaName]) => (
              <fieldset key={areaId}>
                <legend>{areaName}</legend>
                <ul className="choice-list choice-columns">
                  {others
                    .filter((t) => t.areaId === areaId)
                    .map((t) => (
                      <li key={t.id}>
                        <label>
                          <input type="checkbox" name="team" value={t.id} /> {t.name}
                        </label>
                      </li>
                    ))}
                </ul>
              </fieldset>
            ))}
          </fieldset>
        </details>
        <div className="filters">
          {comparableAreas.length ? (
            <SelectField
              id="compare-area"
              name="area"
              label="Or a whole area"
              defaultValue={selected.area ?? ''}
              empty="No: the teams ticked above"
              options={comparableAreas.map((a) => ({ value: a.id, label: a.name }))}
            />
          ) : null}
          <SelectField
            id="compare-topic"
            name="topic"
            label="Topic"
            defaultValue={selected.topic ?? ''}
            empty="All topics"
            options={topics.map((t) => ({ value: t.id, label: t.title }))}
          />
          <div className="field checkbox">
            <input type="checkbox" id="compare-differing" name="differing" value="1" defaultChecked={Boolean(selected.differing)} />
            <label htmlFor="compare-differing">Only rows where the teams differ</label>
          </div>
          <button type="submit" className="button">
            Compare
          </button>
        </div>
        {comparableAreas.length < areas.length ? (
          <p className="muted">
            A whole area can be compared when it has at most {maxAreaTeams} teams in this round; find the teams of a larger area above and tick up to {maxTeams}
            .
          </p>
        ) : null}
      </form>

      {error ? (
        <div className="error-summary" role="alert">
          <h2>There is a problem</h2>
          <p>{error}</p>
        </div>
      ) : null}

      {comparison ? (
        <>
          <p role="status">
            {comparison.counts.rows} of {comparison.counts.allRows} rows shown; teams differ on {comparison.counts.differing}; {comparison.counts.outliers}{' '}
            outlier
            {comparison.counts.outliers === 1 ? '' : 's'} among the values shown.
          </p>
          <div className="table-wrap">
            <table className="compare-table">
              <caption>
                {comparison.teams.length} team{comparison.teams.length === 1 ? '' : 's'} in {round.name}
                {selected.topic ? `, topic “${topics.find((t) => t.id === selected.topic)?.title ?? selected.topic}”` : ''}
                {selected.differing ? ', only where the teams differ' : ''}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Question</th>
                  <th scope="col" className="median">
                    Round median <span className="cell-path">(quartiles, number of teams)</span>
                  </th>
                  {comparison.teams.map((t) => (
                    <th scope="col" key={t.id}>
                      <Link to={`/review/responses/${t.responseId}`}>{t.name}</Link>
                      <span className="cell-path">
                        <StatusTag status={t.status} />
                      </span>
                      <span className="cell-path">
                        <Link to={`/review/teams/${t.id}/compare`}>Across phases</Link>
                      </span>
                    </th>
                  ))}
                </tr>
              </thead>
              {comparison.groups.length === 0 ? (
                <tbody>
                  <tr>
                    <td colSpan={comparison.teams.length + 2}>No rows match these filters.</td>
                  </tr>
                </tbody>
              ) : null}
              {comparison.groups.map((group, g) => (
                <tbody key={g}>
                  <tr className="topic-row">
                    <th scope="rowgroup" colSpan={comparison.teams.length + 2}>
                      {group.topic}
                    </th>
                  </tr>
                  {group.rows.map((row, r) => (
                    <tr key={r}>
                      <th scope="row">
                        <span className="question-title">{row.title}</span>
                        {row.path ? <span className="cell-path">{row.path}</span> : null}
                        {row.differs ? <span className="marker marker--differs">Teams differ</span> : null}
                      </th>
                      <td className="median num">
                        {row.spread ? (
                          <>
                            {row.spread.median}
                            <span className="cell-path">{row.spread.range}</span>
                          </>
                        ) : (
                          <span className="muted">
                            –<span className="visually-hidden">not a number</span>
                          </span>
                        )}
                      </td>
                      {row.cells.map((cell, i) => (
                        <td key={i} className={`${row.numeric ? 'num' : ''} ${cell.outlier ? 'outlier' : ''}`.trim() || undefined}>
                          {cell.text === null ? (
                            <span className="empty-answer">No answer</span>
                          ) : cell.outlier ? (
                            <>
                              {cell.text}
                              <span className="marker marker--outlier">
                                <span aria-hidden="true">{cell.outlier === 'high' ? '▲' : '▼'} </span>
                                {`Outlier (${cell.outlier})`}
                              </span>
                            </>
                          ) : (
                            cell.text
                          )}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              ))}
            </table>
          </div>
          <p>
            <a
              href={`/api/v1/rounds/${round.id}/compare?${selected.area ? `area=${selected.area}` : `teams=${selected.team.join(',')}`}${selected.topic ? `&topic=${encodeURIComponent(selected.topic)}` : ''}${selected.differing ? '&differing=true' : ''}`}
            >
              The same comparison as JSON
            </a>
          </p>
        </>
      ) : !error ? (
        <p>Find and tick the teams to compare (up to {maxTeams}) or choose an area, then choose Compare.</p>
      ) : null}
    </>
  );
}
