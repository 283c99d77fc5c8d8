import { Form, Link } from '@remix-run/react';
import { useEffect, type ReactNode } from 'react';
import { SelectField } from './select-field';

/** Moves between a round's insights pages and back to the round, keeping the filters. */
export function InsightsNav({
  round,
  current,
  search = '',
  hasHeatmap,
}: {
  round: { id: number; name: string };
  current: 'insights' | 'topic' | 'heatmap' | 'phases' | 'report';
  search?: string;
  hasHeatmap: boolean;
}) {
  const base = `/review/rounds/${round.id}`;
  const keep = filterSearch(search);
  // Printing opens the folded tables (team lists, per-area figures), so the paper copy has every figure.
  useEffect(() => {
    const open = () => document.querySelectorAll<HTMLDetailsElement>('details.more').forEach((d) => (d.open = true));
    window.addEventListener('beforeprint', open);
    return () => window.removeEventListener('beforeprint', open);
  }, []);
  const items: { key: typeof current; to: string; label: string }[] = [
    { key: 'insights', to: `${base}/insights${keep}`, label: 'Insights by topic' },
    ...(hasHeatmap ? [{ key: 'heatmap' as const, to: `${base}/heatmap${keep}`, label: 'Mini-JAR heatmap' }] : []),
    { key: 'phases', to: `${base}/phases${keep}`, label: 'Phase comparison' },
  ];
  return (
    <nav aria-label="Round insights" className="insights-nav">
      <p className="breadcrumbs">
        <Link to="/review">Review</Link> › <Link to={base}>{round.name}</Link>
      </p>
      <ul>
        <li>
          <Link to={base}>Round overview</Link>
        </li>
        {items.map((item) => (
          <li key={item.key}>
            <Link to={item.to} aria-current={item.key === current ? 'page' : undefined}>
              {item.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** The filter parameters of a query string (area, team type, in-progress), for links between pages. */
export function filterSearch(search: string): string {
  const params = new URLSearchParams(search);
  const kept = new URLSearchParams();
  for (const key of ['area', 'teamType', 'includeInProgress']) {
    const value = params.get(key);
    if (value) kept.set(key, value);
  }
  const text = kept.toString();
  return text ? `?${text}` : '';
}

export type FilterOptions = {
  areas: { id: number; name: string; slug: string }[];
  teamTypes: { value: string; label: string }[];
  selected: { area: string | null; teamType: string | null; includeInProgress: boolean };
};

/** The filter bar: area, team type, whether to include responses still in progress. A plain GET form. */
export function FilterForm({
  options,
  children,
  hidden = {},
}: {
  options: FilterOptions;
  children?: ReactNode;
  hidden?: Record<string, string | number | null | undefined>;
}) {
  return (
    <Form method="get" className="insights-filters" aria-label="Filter the figures">
      {Object.entries(hidden).map(([name, value]) =>
        value === null || value === undefined || value === '' ? null : <input key={name} type="hidden" name={name} value={value} />,
      )}
      <SelectField
        id="filter-area"
        name="area"
        label="Area"
        defaultValue={options.selected.area ?? ''}
        empty={`All areas${options.areas.length > 1 ? ` (${options.areas.length})` : ''}`}
        options={options.areas.map((a) => ({ value: a.slug, label: a.name }))}
      />
      <SelectField
        id="filter-team-type"
        name="teamType"
        label="Team type"
        defaultValue={options.selected.teamType ?? ''}
        empty="All team types"
        options={options.teamTypes}
      />
      {children}
      <div className="field">
        <label className="checkbox">
          <input type="checkbox" name="includeInProgress" value="true" defaultChecked={options.selected.includeInProgress} />
          Include responses still in progress
        </label>
      </div>
      <button type="submit" className="button">
        Apply
      </button>
    </Form>
  );
}

/** Says how many responses the figures rest on, and which are left out. */
export function ScopeNote({
  counts,
  filter,
}: {
  counts: { teams: number; submitted: number; inProgress: number; returned: number; notStarted: number; included: number };
  filter: { area: { name: string } | null; teamTypeLabel: string | null; includeInProgress: boolean; counting?: 'cases' };
}) {
  const cases = filter.counting === 'cases';
  const where = [
    filter.area ? filter.area.name : 'all areas you can see',
    filter.teamTypeLabel ? `${filter.teamTypeLabel.toLowerCase()} teams` : 'all team types',
  ].join(', ');
  const left = filter.includeInProgress
    ? [counts.notStarted ? `${counts.notStarted} not started` : null]
    : [
        counts.inProgress ? `${counts.inProgress} in progress` : null,
        counts.returned ? `${counts.returned} returned for correction` : null,
        counts.notStarted ? `${counts.notStarted} not started` : null,
      ];
  const leftOut = left.filter(Boolean);
  return (
    <div className="scope-note" role="note">
      <p>
        <strong>
          These figures rest on {counts.included}{' '}
          {filter.includeInProgress
            ? `${cases ? 'audits' : 'responses'} (submitted, in progress or returned)`
            : `submitted ${cases ? 'audit' : 'response'}${counts.included === 1 ? '' : 's'}`}
        </strong>{' '}
        of the {counts.teams} {cases ? 'audited cases' : 'teams'} in this round ({where}){cases ? ': each case counts once, second audits never' : ''}.
      </p>
      {leftOut.length ? <p>Left out: {leftOut.join(', ')}.</p> : null}
    </div>
  );
}

type ScopeNoteProps = Parameters<typeof ScopeNote>[0];

/** The head of every insights page: the filter bar, then what the figures rest on. */
export function ScopeFilters({
  scope,
  teamTypes,
  hidden,
}: {
  scope: {
    areas: FilterOptions['areas'];
    counts: ScopeNoteProps['counts'];
    filter: ScopeNoteProps['filter'] & { area: { slug: string } | null; teamType: string | null };
  };
  teamTypes: FilterOptions['teamTypes'];
  hidden?: Record<string, string | number | null | undefined>;
}) {
  const { filter } = scope;
  return (
    <>
      <FilterForm
        options={{
          areas: scope.areas,
          teamTypes,
          selected: { area: filter.area?.slug ?? null, teamType: filter.teamType, includeInProgress: filter.includeInProgress },
        }}
        hidden={hidden}
      />
      <ScopeNote counts={scope.counts} filter={filter} />
    </>
  );
}
