import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { getDb } from '../../db/index';
import {
  OVERVIEW_SORTS,
  overviewFilterFrom,
  overviewQuerySchema,
  RESPONSE_STATUSES,
  roundOverview,
  setRoundStatus,
  type OverviewSort,
} from '~/models/rounds.server';
import { StatusTag, statusLabel } from '~/components/status-tag';
import { Pagination, SortHeader, withParam } from '~/components/pagination';
import { hasPermission } from '~/utils/permissions';
import { formRefusal, rethrowForPage } from '~/utils/errors.server';
import { requireIdParam } from '~/utils/params.server';
import { requireUserWithPermission } from '~/utils/session.server';
import { formatDate, formatDateTime } from '~/utils/format';
import reviewCss from '~/styles/review.css?url';
import { SelectField } from '~/components/select-field';
import { readForm } from '~/utils/forms.server';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: reviewCss }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.round.name ?? 'Round'} – Review – Stocktake` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'response:read-any');
  const roundId = requireIdParam(params, 'roundId', 'round');
  const url = new URL(request.url);
  const query = overviewQuerySchema.safeParse(Object.fromEntries(url.searchParams));
  if (!query.success) throw new Response(`The filters are not valid: ${query.error.issues.map((i) => i.message).join('; ')}.`, { status: 400 });
  const overview = await roundOverview(getDb(), user, roundId, overviewFilterFrom(query.data), new Date(), { page: query.data.page }).catch(rethrowForPage);
  // A case-file audit round has its own page: its responses are audits of sampled cases.
  if (overview.round.subject === 'case') throw redirect(`/review/rounds/${roundId}/cases`);
  return {
    ...overview,
    search: url.search,
    canManage: hasPermission(user, 'round:manage'),
    statuses: [...RESPONSE_STATUSES],
    sorts: [...OVERVIEW_SORTS],
  };
}

const Intent = z.object({ intent: z.enum(['close', 'open'], { errorMap: () => ({ message: 'Choose to close or reopen the round.' }) }) });

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'round:manage');
  const roundId = requireIdParam(params, 'roundId', 'round');
  const parsed = Intent.safeParse(Object.fromEntries(await readForm(request)));
  if (!parsed.success) return data({ error: parsed.error.issues[0].message }, { status: 400 });
  try {
    await setRoundStatus(getDb(), user, roundId, parsed.data.intent === 'close' ? 'closed' : 'open');
  } catch (error) {
    const refusal = formRefusal(error);
    return data({ error: refusal.message }, { status: refusal.status });
  }
  const url = new URL(request.url);
  return redirect(`/review/rounds/${roundId}${url.search}`);
}

const SORT_LABELS: Record<OverviewSort, string> = {
  team: 'team',
  area: 'area',
  type: 'team type',
  status: 'status',
  progress: 'progress',
  updated: 'last change',
  unconfirmed: 'carried answers to confirm',
};

function daysText(days: number): string {
  if (days === 0) return 'Due today';
  return days > 0 ? `${days} day${days === 1 ? '' : 's'} left` : `${-days} day${days === -1 ? '' : 's'} overdue`;
}

export default function RoundOverviewPage() {
  const { round, counts, rows, filter, areas, teamTypes, search, canManage, statuses, sorts, page } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const follows = Boolean(round.followsRound);
  // A new filter starts from the first page.
  const statusHref = (status: string | null) => withParam(withParam(search, 'status', status), 'page', null);
  const Sortable = ({ sort, children, className }: { sort: OverviewSort; children: string; className?: string }) => (
    <SortHeader sort={sort} current={filter.sort} dir={filter.direction} search={search} className={className}>
      {children}
    </SortHeader>
  );
  // The CSV is the whole table (every page), with the same filters and order.
  const csvSearch = withParam(search, 'page', null);
  const csvHref = `/review/rounds/${round.id}.csv${csvSearch === '?' ? '' : csvSearch}`;

  return (
    <>
      <p className="breadcrumbs">
        <Link to="/review">Review</Link> › {round.name}
      </p>
      <h1>
        {round.name} <StatusTag status={round.status} />
      </h1>
      <dl className="summary">
        <dt>Questionnaire</dt>
        <dd>
          {round.questionnaire.title}, version {round.questionnaire.version}
        </dd>
        <dt>Due</dt>
        <dd>
          {formatDate(round.dueDate)}
          {round.status === 'open' ? <span className={round.daysToDue < 0 ? 'overdue' : 'muted'}> ({daysText(round.daysToDue)})</span> : null}
        </dd>
        {round.followsRound ? (
          <>
            <dt>Follows</dt>
            <dd>
              <Link to={`/review/rounds/${round.followsRound.id}`}>{round.followsRound.name}</Link> (answers carried forward)
            </dd>
          </>
        ) : null}
        {round.closed ? (
          <>
            <dt>Closed</dt>
            <dd>
              {formatDateTime(round.closed.at)}
              {round.closed.by ? ` by ${round.closed.by}` : ''}: responses are read-only.
            </dd>
          </>
        ) : null}
      </dl>

      <div className="page-actions">
        <Link to={`/review/rounds/${round.id}/compare`} className="button">
          Compare teams
        </Link>
        <Link to={`/review/rounds/${round.id}/insights`} className="button button--secondary">
          Insights
        </Link>
        <a href={csvHref} className="button button--secondary" download>
          Download this table (CSV)
        </a>
        {canManage ? (
          <Link to={`/review/rounds/new?follows=${round.id}`} className="button button--secondary">
            Create the next phase
          </Link>
        ) : null}
        {canManage && round.wholeRoundInScope ? (
          <Form method="post">
            <input type="hidden" name="intent" value={round.status === 'open' ? 'close' : 'open'} />
            <button
              type="submit"
              className={`button ${round.status === 'open' ? 'button--danger' : 'button--secondary'}`}
              disabled={navigation.state === 'submitting'}
            >
              {round.status === 'open' ? 'Close the round' : 'Reopen the round'}
            </button>
          </Form>
        ) : null}
      </div>
      {round.status === 'open' && canManage && round.wholeRoundInScope ? (
        <p className="muted">Closing the round makes every response in it read-only; you can reopen it.</p>
      ) : null}
      {actionData?.error ? (
        <p className="field-error" role="alert">
          {actionData.error}
        </p>
      ) : null}

      <h2 id="counts-heading">At a glance</h2>
      <ul className="counts" aria-labelledby="counts-heading">
        <li>
          <a href={statusHref(null)}>
            <span className="figure">{counts.teams}</span> teams
          </a>
        </li>
        {statuses.map((status) => (
          <li key={status}>
            <a href={statusHref(status)} aria-current={filter.status === status ? 'true' : undefined}>
              <span className="figure">{counts[status]}</span> {statusLabel(status).toLowerCase()}
            </a>
          </li>
        ))}
        {follows ? (
          <li>
            <span className="figure">{counts.unconfirmedCarried}</span> carried answers still to confirm
          </li>
        ) : null}
      </ul>

      <form method="get" className="filters" aria-label="Filter and sort the teams">
        <SelectField
          id="filter-area"
          name="area"
          label="Area"
          defaultValue={filter.areaId ?? ''}
          empty="All areas"
          options={areas.map((a) => ({ value: a.id, label: a.name }))}
        />
        <SelectField id="filter-type" name="type" label="Team type" defaultValue={filter.teamType ?? ''} empty="All types" options={teamTypes} />
        <SelectField
          id="filter-status"
          name="status"
          label="Status"
          defaultValue={filter.status ?? ''}
          empty="Any status"
          options={statuses.map((s) => ({ value: s, label: statusLabel(s) }))}
        />
        <SelectField
          id="filter-sort"
          name="sort"
          label="Sort by"
          defaultValue={filter.sort}
          options={sorts
            .filter((s) => follows || s !== 'unconfirmed')
            .map((s) => ({ value: s, label: SORT_LABELS[s][0].toUpperCase() + SORT_LABELS[s].slice(1) }))}
        />
        <SelectField
          id="filter-direction"
          name="dir"
          label="Order"
          defaultValue={filter.direction}
          options={[
            { value: 'asc', label: 'Ascending' },
            { value: 'desc', label: 'Descending' },
          ]}
        />
        <button type="submit" className="button">
          Apply
        </button>
        <Link to={`/review/rounds/${round.id}`}>Clear filters</Link>
      </form>

      {page ? <Pagination page={page} search={search} noun={['team', 'teams']} /> : null}
      <div className="table-wrap">
        <table>
          <caption>
            Teams{filter.status ? ` with status “${statusLabel(filter.status)}”` : ''}, sorted by {SORT_LABELS[filter.sort]} (
            {filter.direction === 'asc' ? 'ascending' : 'descending'}){page && page.count > 1 ? `: page ${page.number} of ${page.count}` : ''}
          </caption>
          <thead>
            <tr>
              <Sortable sort="team">Team</Sortable>
              <Sortable sort="area">Area</Sortable>
              <Sortable sort="type">Team type</Sortable>
              <Sortable sort="status">Status</Sortable>
              <Sortable sort="progress">Progress</Sortable>
              {follows ? (
                <Sortable sort="unconfirmed" className="num">
                  Carried, to confirm
                </Sortable>
              ) : null}
              <Sortable sort="updated">Last change</Sortable>
              <th scope="col">Due</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td colSpan={follows ? 8 : 7}>No team matches these filters.</td>
              </tr>
            ) : null}
            {rows.map((r) => {
              const percent = Math.round(r.progress.ratio * 100);
              return (
                <tr key={r.responseId}>
                  <th scope="row">
                    <Link to={`/review/responses/${r.responseId}`}>{r.team.name}</Link>
                  </th>
                  <td>{r.area.name}</td>
                  <td>{r.team.typeLabel}</td>
                  <td>
                    <StatusTag status={r.status} />
                    {r.status === 'returned' && r.returned?.reason ? (
                      <span className="cell-path muted">
                        {' '}
                        “{r.returned.reason.slice(0, 80)}
                        {r.returned.reason.length > 80 ? '…' : ''}”
                      </span>
                    ) : null}
                  </td>
                  <td>
                    <span className="progress-bar" aria-hidden="true">
                      <span style={{ width: `${percent}%` }} />
                    </span>
                    {r.progress.answered} of {r.progress.answerable} ({percent}%)
                  </td>
                  {follows ? (
                    <td className="num">
                      {r.carried.carried ? (
                        <span className={r.carried.unconfirmed ? 'carried-count' : undefined}>
                          {r.carried.unconfirmed} of {r.carried.carried}
                        </span>
                      ) : (
                        <span className="muted">None carried</span>
                      )}
                    </td>
                  ) : null}
                  <td>
                    {!r.lastChange ? (
                      <span className="muted">No changes yet</span>
                    ) : r.lastChange.carriedOnly ? (
                      <span className="muted">Answers carried forward {formatDateTime(r.lastChange.at)}; not opened yet</span>
                    ) : (
                      `${formatDateTime(r.lastChange.at)}${r.lastChange.by ? ` by ${r.lastChange.by}` : ''}`
                    )}
                  </td>
                  <td>
                    {r.status === 'submitted' ? (
                      <span className="muted">Submitted {r.submitted ? formatDate(r.submitted.at) : ''}</span>
                    ) : round.status === 'closed' ? (
                      <span className="muted">Round closed</span>
                    ) : (
                      <span className={round.daysToDue < 0 ? 'overdue' : undefined}>{daysText(round.daysToDue)}</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {page && page.count > 1 ? <Pagination page={page} search={search} noun={['team', 'teams']} label="Pagination, below the table" /> : null}
    </>
  );
}
