import { Link } from '@remix-run/react';

/** The case-file audit's figure pages: the round's breadcrumb and the tabs between its figures and its trend. */
export function CaseAuditNav({ round, current, search = '' }: { round: { id: number; name: string }; current: 'figures' | 'trend'; search?: string }) {
  const base = `/review/rounds/${round.id}`;
  return (
    <nav aria-label="Case-file audit" className="insights-nav">
      <p className="breadcrumbs">
        <Link to="/review">Review</Link> › <Link to={`${base}/cases`}>{round.name}</Link>
      </p>
      <ul>
        <li>
          <Link to={`${base}/case-figures${current === 'figures' ? search : ''}`} aria-current={current === 'figures' ? 'page' : undefined}>
            Figures
          </Link>
        </li>
        <li>
          <Link to={`${base}/case-trend`} aria-current={current === 'trend' ? 'page' : undefined}>
            Year on year
          </Link>
        </li>
      </ul>
    </nav>
  );
}
