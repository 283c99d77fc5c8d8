import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { getDb } from '../../db/index';
import { registerPage } from '~/models/action-pages.server';
import { ACTION_SOURCE_LABELS, ACTION_STATUS_LABELS, registerFilterFrom } from '~/models/actions.server';
import { everyMonth, MonthlyCountsFigure } from '~/components/charts/monthly-counts-chart';
import { FigureTable } from '~/components/charts/figure-table';
import { Pagination, withParam } from '~/components/pagination';
import { SelectField } from '~/components/select-field';
import { rethrowForPage } from '~/utils/errors.server';
import { formatDate } from '~/utils/format';
import { requireUserWithPermission } from '~/utils/session.server';
import reviewCss from '~/styles/review.css?url';
import insightsCss from '~/styles/insights.css?url';
import actionsCss from '~/styles/actions.css?url';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: reviewCss },
  { rel: 'stylesheet', href: insightsCss },
  { rel: 'stylesheet', href: actionsCss },
];
export const meta: MetaFunction = () => [{ title: 'Action register – Stocktake' }];

/** GET /actions — the action register for the user's scope: counts, a chart over time and the actions, filtered. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'action:read');
  const url = new URL(request.url);
  const load = async () => {
    const filter = registerFilterFrom(url);
    const page = await registerPage(getDb(), user, filter);
    return { ...page, filter, search: url.search, labels: { status: ACTION_STATUS_LABELS, source: ACTION_SOURCE_LABELS } };
  };
  return load().catch(rethrowForPage);
}

export default function ActionRegister() {
  const { register, options, reviewer, proposalsWaiting, filter, search, labels } = useLoaderData<typeof loader>();
  // Links that set one filter start from the first page; downloads hold every page.
  const withFilter = (changes: Record<string, string | null>) => {
    let next = withParam(search, 'page', null);
    for (const [name, value] of Object.entries(changes)) next = withParam(next, name, value);
    return next === '?' ? '/actions' : `/actions${next}`;
  };
  const exportSearch = withParam(search, 'page', null);
  const exportQuery = exportSearch === '?' ? '' : exportSearch;
  const topicTitle = (id: string | null) => (id ? (options.topics.find((t) => t.value === id)?.label ?? id) : null);
  const filtered = Object.entries(filter).some(([key, value]) => key !== 'page' && value !== undefined);
  const { totals } = register;
  const areaIdOf = new Map(register.byTeam.filter((t) => t.area_id !== null).map((t) => [t.area_name, t.area_id]));
  const timeline = everyMonth(register.timeline, ['opened', 'closed'] as const);

  return (
    <>
      <h1>Action register</h1>
      <p>
        {reviewer
          ? 'The actions agreed from the review: proposed from teams’ returns and decided by reviewers, raised for the review’s recommendations and case-file audit findings, and followed up by the teams.'
          : 'Your team’s actions from the review: what was agreed, who owns it and by when. Open an action to say what has been done, with the evidence.'}
      </p>
      <div className="page-actions">
        {reviewer ? (
          <>
            <Link to="/actions/proposed" className="button">
              Proposed actions ({proposalsWaiting})
            </Link>
            <Link to="/actions/new" className="button button--secondary">
              Raise an action
            </Link>
          </>
        ) : null}
        <a href={`/actions.csv${exportQuery}`} className="button button--secondary" download>
          Download CSV
        </a>
        <a href={`/actions.xlsx${exportQuery}`} className="button button--secondary" download>
          Download XLSX
        </a>
      </div>

      <h2 id="counts-heading">At a glance{filtered ? ' (with the filters below)' : ''}</h2>
      <ul className="counts" aria-labelledby="counts-heading">
        <li>
          <a href={withFilter({ status: 'active', overdue: null })} aria-current={filter.status === 'active' && !filter.overdue ? 'true' : undefined}>
            <span className="figure">{totals.open}</span> open or in progress
          </a>
        </li>
        <li>
          <a href={withFilter({ overdue: 'yes', status: null })} aria-current={filter.overdue ? 'true' : undefined}>
            <span className="figure">{totals.overdue}</span> overdue
          </a>
        </li>
        <li>
          <a href={withFilter({ status: 'done', overdue: null })} aria-current={filter.status === 'done' ? 'true' : undefined}>
            <span className="figure">{totals.done}</span> done
          </a>
        </li>
        <li>
          <a href={withFilter({ status: 'dropped', overdue: null })} aria-current={filter.status === 'dropped' ? 'true' : undefined}>
            <span className="figure">{totals.dropped}</span> dropped
          </a>
        </li>
      </ul>

      <form method="get" className="filters" aria-label="Filter the actions">
        {options.areas.length ? (
          <SelectField id="filter-area" name="area" label="Area" defaultValue={filter.area ?? ''} empty="All areas" options={options.areas} />
        ) : null}
        <SelectField
          id="filter-team"
          name="team"
          label="Team"
          defaultValue={filter.team ?? ''}
          empty={options.teamsByArea && !filter.area ? 'All teams (choose an area to list its teams)' : 'All teams'}
          options={options.teams}
        />
        <SelectField id="filter-status" name="status" label="Status" defaultValue={filter.status ?? ''} empty="Any status" options={options.statuses} />
        <div className="field checkbox">
          <input type="checkbox" id="filter-overdue" name="overdue" value="yes" defaultChecked={filter.overdue === 'yes'} />
          <label htmlFor="filter-overdue">Overdue only</label>
        </div>
        <SelectField id="filter-source" name="source" label="Source" defaultValue={filter.source ?? ''} empty="Any source" options={options.sources} />
        <SelectField id="filter-topic" name="topic" label="Topic" defaultValue={filter.topic ?? ''} empty="Any topic" options={options.topics} />
        <button type="submit" className="button">
          Apply
        </button>
        <Link to="/actions">Clear filters</Link>
      </form>

      <h2 id="by-place">Open and overdue actions by {reviewer ? 'area and team' : 'team'}</h2>
      {register.byTeam.length === 0 ? (
        <p>No action matches these filters.</p>
      ) : (
        <>
          {reviewer ? (
            <FigureTable
              caption="Actions by area"
              columns={[
                {
                  header: 'Area',
                  cell: (a) => (areaIdOf.get(a.area) ? <Link to={withFilter({ area: String(areaIdOf.get(a.area)), team: null })}>{a.area}</Link> : a.area),
                },
                { header: 'Open or in progress', num: true, cell: (a) => a.open },
                { header: 'Overdue', num: true, cell: (a) => a.overdue },
                { header: 'Done', num: true, cell: (a) => a.done },
                { header: 'Dropped', num: true, cell: (a) => a.dropped },
              ]}
              rows={register.byArea}
              rowKey={(a) => a.area}
            />
          ) : null}
          <details className="more" open={register.byTeam.length <= 12}>
            <summary>Actions by team ({register.byTeam.length === 1 ? '1 team' : `${register.byTeam.length} teams`})</summary>
            <FigureTable
              caption="Actions by team"
              columns={[
                {
                  header: 'Team',
                  cell: (t) => (t.team_id !== null ? <Link to={withFilter({ team: String(t.team_id) })}>{t.team_name}</Link> : t.team_name),
                },
                ...(reviewer ? [{ header: 'Area', cell: (t: (typeof register.byTeam)[number]) => t.area_name ?? '–' }] : []),
                { header: 'Open or in progress', num: true, cell: (t) => t.open },
                { header: 'Overdue', num: true, cell: (t) => t.overdue },
                { header: 'Done', num: true, cell: (t) => t.done },
                { header: 'Dropped', num: true, cell: (t) => t.dropped },
              ]}
              rows={register.byTeam}
              rowKey={(t) => t.team_id ?? 'authority'}
            />
          </details>
        </>
      )}

      <h2 id="over-time">Actions opened and closed by month</h2>
      {timeline.rows.length ? (
        <MonthlyCountsFigure
          id="actions-over-time"
          title={timeline.filled ? 'Actions opened and closed each month' : 'Actions opened and closed each month (months with none left out)'}
          rows={timeline.rows}
          series={[
            { key: 'opened', title: 'Opened' },
            { key: 'closed', title: 'Closed (done or dropped)' },
          ]}
        />
      ) : (
        <p>No action has been opened yet{filtered ? ' that matches these filters' : ''}.</p>
      )}

      <h2 id="actions">Actions</h2>
      <Pagination page={register.pageInfo} search={search} noun={['action', 'actions']} anchor="#actions" />
      {register.actions.length ? (
        <div className="table-wrap">
          <table className="action-list">
            <caption>
              Actions, open ones first by target date
              {register.pageInfo.count > 1 ? `: page ${register.pageInfo.number} of ${register.pageInfo.count}` : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Reference</th>
                <th scope="col">Action</th>
                <th scope="col">Team</th>
                <th scope="col">Owner</th>
                <th scope="col">Target date</th>
                <th scope="col">Status</th>
                <th scope="col">Source</th>
                <th scope="col">Topic</th>
              </tr>
            </thead>
            <tbody>
              {register.actions.map((a) => (
                <tr key={a.id}>
                  <th scope="row">
                    <Link to={`/actions/${a.id}`}>
                      <span className="visually-hidden">Action </span>
                      {a.ref}
                    </Link>
                    {a.reference ? <span className="muted"> ({a.reference})</span> : null}
                  </th>
                  <td>{a.title}</td>
                  <td>{a.team_name ?? 'Whole authority'}</td>
                  <td>{a.owner || <span className="muted">Not named</span>}</td>
                  <td>
                    {a.target_date ? formatDate(a.target_date) : <span className="muted">None</span>}
                    {a.overdue ? (
                      <>
                        {' '}
                        <span className="tag tag--overdue">Overdue</span>
                      </>
                    ) : null}
                  </td>
                  <td>
                    <span className={`tag tag--action-${a.status}`}>{labels.status[a.status]}</span>
                  </td>
                  <td>{labels.source[a.source]}</td>
                  <td>{topicTitle(a.topic) ?? <span className="muted">None</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p>No action matches these filters.</p>
      )}
      {register.pageInfo.count > 1 ? (
        <Pagination page={register.pageInfo} search={search} noun={['action', 'actions']} anchor="#actions" label="Pagination, below the table" />
      ) : null}
    </>
  );
}
