import { Link } from '@remix-run/react';

/** What a page of a list is (app/models/lists.server.ts's PageWindow). */
export type PageInfo = { number: number; count: number; total: number; from: number; to: number };

const count = new Intl.NumberFormat('en-GB');

/** The query string with one parameter set (or removed for page 1, so the first page has one address). */
export function withParam(search: string, name: string, value: string | null): string {
  const next = new URLSearchParams(search);
  if (value === null) next.delete(name);
  else next.set(name, value);
  const text = next.toString();
  return text ? `?${text}` : '?';
}

/** The pages to link: the first, the last, and two either side of the current one; null stands for a gap. */
export function pageNumbers(current: number, last: number): Array<number | null> {
  const shown = [...new Set([1, current - 2, current - 1, current, current + 1, current + 2, last])].filter((n) => n >= 1 && n <= last).sort((a, b) => a - b);
  return shown.flatMap((n, i) => (i > 0 && n - shown[i - 1] > 1 ? [null, n] : [n]));
}

/**
 * "Showing 51–100 of 9,000 teams" and the links to the other pages, as plain links (they work without JavaScript,
 * keep every other parameter of the query string, and each can be bookmarked). The current page is marked
 * aria-current="page". `param` is the list's page parameter (`page`, or `teamPage` where a page holds two lists);
 * `label` names the navigation landmark, which must differ between two lists on one page.
 */
export function Pagination({
  page,
  search,
  noun,
  param = 'page',
  label = 'Pagination',
  id,
  anchor = '',
}: {
  page: PageInfo;
  search: string;
  /** What the list holds: singular and plural ("team", "teams"). */
  noun: [string, string];
  param?: string;
  label?: string;
  id?: string;
  /** A fragment the links end with (`#users`), to land on the list rather than the top of the page. */
  anchor?: string;
}) {
  const href = (n: number) => withParam(search, param, n === 1 ? null : String(n)) + anchor;
  const what = page.total === 1 ? noun[0] : noun[1];
  return (
    <div className="pagination" id={id}>
      <p className="pagination-status">
        {page.total === 0
          ? `No ${noun[1]} to show`
          : page.count === 1
            ? `Showing all ${count.format(page.total)} ${what}`
            : `Showing ${count.format(page.from)}–${count.format(page.to)} of ${count.format(page.total)} ${what}`}
      </p>
      {page.count > 1 ? (
        <nav aria-label={label}>
          <ul>
            {page.number > 1 ? (
              <li>
                <Link to={href(page.number - 1)} rel="prev">
                  Previous<span className="visually-hidden"> page</span>
                </Link>
              </li>
            ) : null}
            {pageNumbers(page.number, page.count).map((n, i) =>
              n === null ? (
                <li key={`gap-${i}`} className="pagination-gap" aria-hidden="true">
                  …
                </li>
              ) : (
                <li key={n}>
                  <Link to={href(n)} aria-current={n === page.number ? 'page' : undefined}>
                    <span className="visually-hidden">Page </span>
                    {count.format(n)}
                  </Link>
                </li>
              ),
            )}
            {page.number < page.count ? (
              <li>
                <Link to={href(page.number + 1)} rel="next">
                  Next<span className="visually-hidden"> page</span>
                </Link>
              </li>
            ) : null}
          </ul>
        </nav>
      ) : null}
    </div>
  );
}

/** The aria-sort of a sortable column header. */
export function ariaSort(active: boolean, dir: 'asc' | 'desc'): 'ascending' | 'descending' | undefined {
  return active ? (dir === 'asc' ? 'ascending' : 'descending') : undefined;
}

export type SortParams = { sort: string; dir: string; page: string };
const DEFAULT_PARAMS: SortParams = { sort: 'sort', dir: 'dir', page: 'page' };

/**
 * The link in a sortable column header: sorts by the column (ascending first, then the other way) from the first
 * page, keeping the filters, and says the current order in words. The header cell itself carries aria-sort (SortHeader,
 * or DataTable's `ariaSort`).
 */
export function SortLink({
  sort,
  current,
  dir,
  search,
  params = DEFAULT_PARAMS,
  anchor = '',
  children,
}: {
  sort: string;
  current: string;
  dir: 'asc' | 'desc';
  search: string;
  params?: SortParams;
  anchor?: string;
  children: string;
}) {
  const active = current === sort;
  const next = new URLSearchParams(search);
  next.set(params.sort, sort);
  next.set(params.dir, active && dir === 'asc' ? 'desc' : 'asc');
  next.delete(params.page);
  return (
    <Link className="sort" to={`?${next}${anchor}`}>
      {children}
      {active ? <span className="sort-state"> ({dir === 'asc' ? 'ascending' : 'descending'})</span> : null}
    </Link>
  );
}

/** A sortable column header: a `th` with aria-sort on the sorted column, holding a SortLink. */
export function SortHeader(props: Parameters<typeof SortLink>[0] & { className?: string }) {
  const { className, ...link } = props;
  return (
    <th scope="col" className={className} aria-sort={ariaSort(props.current === props.sort, props.dir)}>
      <SortLink {...link} />
    </th>
  );
}
