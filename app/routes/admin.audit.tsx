import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { getDb } from '../../db/index';
import { AUDIT_CATEGORIES, auditEntityTypes, listAuditTrailPage, parseAuditTrailQuery, type AuditTrailEntry } from '~/models/audit-trail.server';
import { DataTable } from '~/components/data-table';
import { Pagination, withParam } from '~/components/pagination';
import { SelectField } from '~/components/select-field';
import { requireUserWithPermission } from '~/utils/session.server';

export const meta: MetaFunction = () => [{ title: 'Audit trail – Administration – Stocktake' }];

/** GET /admin/audit — every recorded event, newest first, 50 a page, with filters; administrators only. */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireUserWithPermission(request, 'audit-trail:read');
  const url = new URL(request.url);
  const parsed = parseAuditTrailQuery(url.searchParams);
  if (!parsed.ok) throw new Response(parsed.message, { status: 400 });
  const db = getDb();
  const [trail, entityTypes] = await Promise.all([listAuditTrailPage(db, parsed.query), auditEntityTypes(db)]);
  const { page: _page, ...filters } = parsed.query;
  return {
    ...trail,
    filters: { ...filters, dir: trail.dir },
    entityTypes,
    categories: AUDIT_CATEGORIES.map((c) => ({ value: c.key, label: c.label })),
    search: url.search,
  };
}

function Who({ entry: { who, whoLabel } }: { entry: AuditTrailEntry }) {
  if (who.kind !== 'user') return <span className="muted">{whoLabel}</span>;
  return (
    <>
      {who.name}
      <br />
      <span className="muted">{who.email}</span>
    </>
  );
}

function Details({ entry }: { entry: AuditTrailEntry }) {
  const empty = Object.keys(entry.details).length === 0;
  if (empty && !entry.userAgent) return <span className="muted">None</span>;
  return (
    <details>
      <summary>
        Details<span className="visually-hidden"> of event {entry.id}</span>
      </summary>
      {entry.userAgent ? <p className="muted">Browser or client: {entry.userAgent}</p> : null}
      {empty ? null : <pre className="value-block">{JSON.stringify(entry.details, null, 2)}</pre>}
    </details>
  );
}

export default function AuditTrailPage() {
  const { page, rows, filters, entityTypes, categories, search } = useLoaderData<typeof loader>();
  // The CSV is every matching event (every page), with the same filters and order.
  const csvSearch = withParam(search, 'page', null);
  const csvHref = `/admin/audit.csv${csvSearch === '?' ? '' : csvSearch}`;
  const filtered = Object.entries(filters).some(([key, value]) => key !== 'dir' && value !== undefined);
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/admin">Administration</Link> › Audit trail
      </p>
      <h1>Audit trail</h1>
      <p>
        Every sign-in and failed sign-in, every change to people, roles, teams, rounds and questionnaire versions, every submission, return and export, and
        every change to actions: who, when (London time) and from which network address. Events cannot be changed or deleted. Events recorded from the command
        line or before addresses were kept have no address.
      </p>
      <form method="get" className="filters" aria-label="Filter the audit trail">
        <div className="field">
          <label htmlFor="audit-who">Who (name or email contains)</label>
          <input type="text" id="audit-who" name="who" defaultValue={filters.who ?? ''} maxLength={100} />
        </div>
        <SelectField id="audit-what" name="what" label="What" defaultValue={filters.what ?? ''} empty="Everything" options={categories} />
        <SelectField
          id="audit-entity-type"
          name="entityType"
          label="Kind of record"
          defaultValue={filters.entityType ?? ''}
          empty="Any"
          options={[...new Set([...entityTypes, ...(filters.entityType ? [filters.entityType] : [])])].map((type) => ({
            value: type,
            label: type.replace(/_/g, ' '),
          }))}
        />
        <div className="field">
          <label htmlFor="audit-entity-id">Record id</label>
          <input type="text" id="audit-entity-id" name="entityId" defaultValue={filters.entityId ?? ''} maxLength={40} inputMode="numeric" />
        </div>
        <div className="field">
          <label htmlFor="audit-from">From (day)</label>
          <input type="date" id="audit-from" name="from" defaultValue={filters.from ?? ''} />
        </div>
        <div className="field">
          <label htmlFor="audit-to">To (day, included)</label>
          <input type="date" id="audit-to" name="to" defaultValue={filters.to ?? ''} />
        </div>
        <div className="field">
          <label htmlFor="audit-address">Address (end with * for its start)</label>
          <input type="text" id="audit-address" name="address" defaultValue={filters.address ?? ''} maxLength={46} spellCheck={false} />
        </div>
        <SelectField
          id="audit-dir"
          name="dir"
          label="Order"
          defaultValue={filters.dir}
          options={[
            { value: 'desc', label: 'Newest first' },
            { value: 'asc', label: 'Oldest first' },
          ]}
        />
        <button type="submit" className="button">
          Apply
        </button>
        {filtered ? <Link to="/admin/audit">Clear filters</Link> : null}
      </form>
      <p>
        <a href={csvHref} className="button button--secondary" download>
          Download these events (CSV)
        </a>{' '}
        <span className="muted">Every matching event, not only this page. The download is itself recorded.</span>
      </p>
      <Pagination page={page} search={search} noun={['event', 'events']} label="Pagination of the audit trail" />
      <div className="table-wrap">
        <DataTable
          caption={`Events${filtered ? ' matching the filters' : ''}, ${filters.dir === 'asc' ? 'oldest' : 'newest'} first${page.count > 1 ? `: page ${page.number} of ${page.count}` : ''}`}
          columns={[
            {
              header: 'When',
              cell: (e) => (
                <time dateTime={e.at} title={e.at}>
                  {e.atLondon}
                </time>
              ),
            },
            { header: 'Who', cell: (e) => <Who entry={e} /> },
            { header: 'What', cell: (e) => e.description },
            {
              header: 'Record',
              cell: (e) => (e.record.href ? <Link to={e.record.href}>{e.record.label}</Link> : e.record.label),
            },
            { header: 'From where', cell: (e) => e.address ?? <span className="muted">No address</span> },
            { header: 'Details', cell: (e) => <Details entry={e} /> },
          ]}
          rows={rows}
          rowKey={(e) => e.id}
        />
      </div>
      {rows.length === 0 ? <p>No event matches these filters.</p> : null}
      <Pagination page={page} search={search} noun={['event', 'events']} label="Pagination of the audit trail, at the end" />
    </>
  );
}
