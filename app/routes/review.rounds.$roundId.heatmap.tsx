import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { Fragment, useEffect, useRef, type KeyboardEvent } from 'react';
import { getDb } from '../../db/index';
import { describeScope, heatmapCell, heatmapFigures, HEATMAP_TEAM_LIMIT, reportLinksFor, TEAM_TYPE_OPTIONS } from '~/models/aggregation.server';
import { requireInsightsRequest } from '~/utils/insights.server';
import { filterSearch, InsightsNav, ScopeFilters } from '~/components/insights-nav';
import { statusLabel } from '~/components/status-tag';
import { requireUserWithPermission } from '~/utils/session.server';
import insightsCss from '~/styles/insights.css?url';
import { FigureTable } from '~/components/charts/figure-table';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: insightsCss }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Mini-JAR heatmap: ${data?.scope.round.name ?? ''} – Stocktake` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'aggregate:read');
  const url = new URL(request.url);
  const db = getDb();
  const { scope, query } = await requireInsightsRequest(user, request, params, ['area', 'teamType', 'includeInProgress', 'cell'], { compare: false });
  const heatmap = await heatmapFigures(db, scope);
  if (!heatmap)
    throw new Response('This round’s questionnaire has no mini-JAR matrix (a matrix with a rating column), so there is no heatmap.', { status: 404 });
  let cell = null;
  if (query.cell) {
    const [question, row, team] = query.cell.split('/');
    cell = await heatmapCell(db, scope, question, row, Number(team));
    if (!cell) throw new Response('cell: no such finding or team in these figures.', { status: 400 });
  }
  return {
    scope: describeScope(scope),
    heatmap,
    cell: cell ? { ...cell, key: query.cell! } : null,
    reportLinks: reportLinksFor(scope, cell),
    search: url.search,
    teamTypes: TEAM_TYPE_OPTIONS,
    limit: HEATMAP_TEAM_LIMIT,
  };
}

/** A symbol and a short word per rating, so the heatmap never relies on colour alone. */
const SYMBOLS: Record<string, { symbol: string; short: string }> = {
  met: { symbol: '✓', short: 'Met' },
  partly_met: { symbol: '◐', short: 'Partly' },
  not_met: { symbol: '✗', short: 'Not met' },
  not_applicable: { symbol: '–', short: 'N/A' },
};
const symbolOf = (value: string | undefined) => (value ? (SYMBOLS[value]?.symbol ?? value.slice(0, 2)) : '·');

export default function Heatmap() {
  const { scope, heatmap, cell, reportLinks, search, teamTypes, limit } = useLoaderData<typeof loader>();
  const round = scope.round;
  const keep = filterSearch(search);
  const links = new Map(reportLinks);
  const detailRef = useRef<HTMLHeadingElement>(null);
  // Focus moves to the detail when another cell is opened (not on every render of the same cell).
  const cellKey = cell?.key;
  useEffect(() => {
    if (cellKey) detailRef.current?.focus();
  }, [cellKey]);
  const label = (value: string | undefined) => (value ? (heatmap.choices.find((c) => c.value === value)?.text ?? value) : 'Not rated');
  const cellHref = (question: string, row: string, teamId: number) => {
    const params = new URLSearchParams(keep.slice(1));
    params.set('cell', `${question}/${row}/${teamId}`);
    return `?${params.toString()}#cell-detail`;
  };
  // Arrow keys move between cells (the links stay in the tab order too, for use without a script).
  const onKeyDown = (event: KeyboardEvent<HTMLTableElement>) => {
    const target = event.target as HTMLElement;
    const r = Number(target.dataset.r);
    const c = Number(target.dataset.c);
    if (Number.isNaN(r) || Number.isNaN(c)) return;
    const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const move = moves[event.key];
    if (!move) return;
    const next = event.currentTarget.querySelector<HTMLElement>(`a[data-r="${r + move[0]}"][data-c="${c + move[1]}"]`);
    if (next) {
      event.preventDefault();
      next.focus();
    }
  };
  const teams = heatmap.teams ?? [];
  const findingRows = heatmap.sections.flatMap((section) => section.rows.map((row) => ({ ...row, id: `${section.question}/${row.key}` })));
  const areas: { id: number; name: string; count: number }[] = [];
  for (const t of teams) {
    const last = areas[areas.length - 1];
    if (last && last.id === t.areaId) last.count++;
    else areas.push({ id: t.areaId, name: t.areaName, count: 1 });
  }
  // The first team of each area gets a heavier rule on its left, so the area groups read as groups.
  const areaStarts = new Set(teams.filter((t, i) => i === 0 || teams[i - 1].areaId !== t.areaId).map((t) => t.teamId));
  let rowIndex = -1;
  return (
    <>
      <InsightsNav round={round} current="heatmap" search={search} hasHeatmap />
      <h1>Mini-JAR heatmap</h1>
      <p>
        Each team’s self-rating against the findings of the Haringey joint area review, finding by finding. Open a cell for the team’s evidence and the action
        it plans.
      </p>
      <ScopeFilters scope={scope} teamTypes={teamTypes} />

      {cell ? (
        <section className="cell-detail" id="cell-detail" aria-labelledby="cell-detail-title">
          <h2 id="cell-detail-title" tabIndex={-1} ref={detailRef}>
            {cell.team.teamName}: {cell.rating ? `${symbolOf(cell.rating.value)} ${cell.rating.text}` : 'not rated'}
          </h2>
          <p>
            <strong>{cell.section}.</strong> {cell.finding}
          </p>
          {cell.details.length ? (
            <dl>
              {cell.details.map((d) => (
                <div key={d.key} style={{ display: 'contents' }}>
                  <dt>{d.title}</dt>
                  <dd>{d.value}</dd>
                </div>
              ))}
            </dl>
          ) : (
            <p className="unanswered">No evidence or action recorded.</p>
          )}
          <p>
            <a href={`#cell-${cell.key.replace(/[^A-Za-z0-9_-]/g, '-')}`}>Back to the cell in the heatmap</a>
            {links.get(cell.team.teamId) ? (
              <>
                {' · '}
                <Link to={`/review/responses/${links.get(cell.team.teamId)}/report`}>The team’s whole response</Link>
              </>
            ) : null}
          </p>
        </section>
      ) : null}

      <h2 id="key">Key</h2>
      <ul className="rating-key" aria-labelledby="key">
        {heatmap.choices.map((c) => (
          <li key={c.value}>
            <span className={`swatch rating-${c.value}`} aria-hidden="true">
              {symbolOf(c.value)}
            </span>
            {c.text}
          </li>
        ))}
        <li>
          <span className="swatch rating-none" aria-hidden="true">
            ·
          </span>
          Not rated, or the response is not submitted (the team’s name says so)
        </li>
      </ul>

      {heatmap.teams ? (
        <>
          <a href="#after-heatmap" className="skip-heatmap">
            Skip the heatmap
          </a>
          {/* eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex -- a scrolling region must take focus so keyboard users can scroll it (WCAG 2.1.1) */}
          <div className="heatmap-wrap" tabIndex={0} role="region" aria-label="Heatmap: findings by team (scrolls)">
            {/* eslint-disable-next-line jsx-a11y/no-noninteractive-element-interactions -- arrow keys move between the cells' links; the table only hears their key presses */}
            <table className="heatmap" onKeyDown={onKeyDown}>
              <caption className="visually-hidden">Self-ratings by finding (rows) and team (columns, grouped by area), with counts per rating</caption>
              <thead>
                <tr>
                  <th scope="col" rowSpan={2} className="finding">
                    Finding
                  </th>
                  <th scope="colgroup" colSpan={heatmap.choices.length} className="area-head">
                    Teams per rating
                  </th>
                  {areas.map((a) => (
                    <th key={a.id} scope="colgroup" colSpan={a.count} className="area-head area-start">
                      {a.name}
                    </th>
                  ))}
                </tr>
                <tr>
                  {heatmap.choices.map((c) => (
                    <th key={c.value} scope="col" className="counts" title={c.text}>
                      <span aria-hidden="true">{symbolOf(c.value)}</span>
                      <span className="visually-hidden">{c.text}</span>
                    </th>
                  ))}
                  {teams.map((t) => (
                    <th
                      key={t.teamId}
                      scope="col"
                      className={[t.counted ? '' : 'not-counted', areaStarts.has(t.teamId) ? 'area-start' : ''].join(' ').trim() || undefined}
                    >
                      <span className="team-head">
                        {t.teamName}
                        {t.counted ? null : <em> ({statusLabel(t.status).toLowerCase()})</em>}
                      </span>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {heatmap.sections.map((section) => (
                  <Fragment key={section.question}>
                    <tr className="section-row">
                      <th scope="rowgroup" colSpan={1 + heatmap.choices.length + teams.length}>
                        {section.title}
                      </th>
                    </tr>
                    {section.rows.map((row) => {
                      rowIndex++;
                      const r = rowIndex;
                      const id = `${section.question}/${row.key}`; // as cellId() on the server
                      return (
                        <tr key={row.key}>
                          <th scope="row" className="finding">
                            {row.title}
                          </th>
                          {heatmap.choices.map((c) => (
                            <td key={c.value} className="counts num">
                              {row.counts[c.value] ?? 0}
                            </td>
                          ))}
                          {teams.map((t, c) => {
                            const value = t.counted ? heatmap.cells?.[id]?.[t.teamId] : undefined;
                            const key = `${section.question}/${row.key}/${t.teamId}`;
                            return (
                              <td key={t.teamId} className={`cell rating-${value ?? 'none'}${areaStarts.has(t.teamId) ? ' area-start' : ''}`}>
                                <Link
                                  id={`cell-${key.replace(/[^A-Za-z0-9_-]/g, '-')}`}
                                  to={cellHref(section.question, row.key, t.teamId)}
                                  className={`rating-${value ?? 'none'}`}
                                  aria-label={`${t.teamName}: ${t.counted ? label(value) : statusLabel(t.status).toLowerCase()} (${row.key})`}
                                  aria-current={cell?.key === key ? 'true' : undefined}
                                  data-r={r}
                                  data-c={c}
                                  preventScrollReset
                                >
                                  <span aria-hidden="true">{symbolOf(value)}</span>
                                </Link>
                              </td>
                            );
                          })}
                        </tr>
                      );
                    })}
                  </Fragment>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : (
        <>
          <p>The figures cover more than {limit} teams: choose an area to see each team. Counts per rating for every finding:</p>
          <FigureTable
            columns={[
              { header: 'Finding', cell: (row) => row.title },
              ...heatmap.choices.map((c) => ({
                key: c.value,
                header: c.text,
                num: true,
                cell: (row: (typeof findingRows)[number]) => row.counts[c.value] ?? 0,
              })),
            ]}
            rows={findingRows}
            rowKey={(row) => row.id}
          />
        </>
      )}
      <p id="after-heatmap" tabIndex={-1}>
        Every cell is a link: open it for the team’s evidence and action. With the keyboard, Tab to the heatmap and use the arrow keys to move between cells.
      </p>
    </>
  );
}
