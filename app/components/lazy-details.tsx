import { useEffect, useRef, useState, type ReactNode } from 'react';

/**
 * A `<details>` whose content is made the first time it is opened, in the browser, not sent in the page. For the long
 * per-team tables beside a chart: one area's topic page has a dozen of them, closed, which would otherwise make up half
 * of its HTML. The summary says what opening it shows; once made, the content stays (closing only hides it).
 */
export function LazyDetails({ summary, className, children }: { summary: ReactNode; className?: string; children: () => ReactNode }) {
  const ref = useRef<HTMLDetailsElement>(null);
  const [made, setMade] = useState(false);
  useEffect(() => {
    // Opened before the page was interactive: the toggle came before React listened.
    if (ref.current?.open) setMade(true);
  }, []);
  return (
    <details ref={ref} className={className} onToggle={(event) => event.currentTarget.open && setMade(true)}>
      <summary>{summary}</summary>
      {made ? children() : <p className="lazy-details__waiting">Loading the table…</p>}
    </details>
  );
}
