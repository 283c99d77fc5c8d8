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
