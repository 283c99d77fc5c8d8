const LABELS: Record<string, string> = {
  not_started: 'Not started',
  in_progress: 'In progress',
  submitted: 'Submitted',
  returned: 'Returned for correction',
  open: 'Open',
  closed: 'Closed',
};

export function StatusTag({ status }: { status: string }) {
  return <span className={`tag tag--${status}`}>{LABELS[status] ?? status}</span>;
}

export function statusLabel(status: string): string {
  return LABELS[status] ?? status;
}

/** Answered of answerable questions, as a bar with the figures in text (never the bar alone). */
export function Progress({ answered, answerable }: { answered: number; answerable: number }) {
  const percent = answerable ? Math.round((answered / answerable) * 100) : 0;
  return (
    <span className="progress">
      <span className="progress-bar" aria-hidden="true">
        <span style={{ width: `${percent}%` }} />
      </span>
      {answerable ? `${answered} of ${answerable} (${percent}%)` : 'Not started'}
    </span>
  );
}
