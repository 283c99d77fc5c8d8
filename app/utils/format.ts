import { CASE_KIND_LABELS } from '../../db/schema';
// Dates and numbers as people in England read them, in the UK's time zone wherever the server runs.
const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/London' });
const date = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'Europe/London' });
const time = new Intl.DateTimeFormat('en-GB', { timeStyle: 'short', timeZone: 'Europe/London' });

function toDate(value: Date | string): Date {
  return typeof value === 'string' ? new Date(value) : value;
}

export function formatDateTime(value: Date | string): string {
  return dateTime.format(toDate(value));
}

/** A calendar date: 'YYYY-MM-DD' strings are read as that day, with no time-zone shift. */
export function formatDate(value: Date | string): string {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    return new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${value}T00:00:00Z`));
  }
  return date.format(toDate(value));
}

export function formatTime(value: Date | string): string {
  return time.format(toDate(value));
}

export function formatNumber(value: number | null | undefined, maximumFractionDigits = 1): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return new Intl.NumberFormat('en-GB', { maximumFractionDigits }).format(value);
}

export function formatPercent(value: number | null | undefined, maximumFractionDigits = 1): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  return new Intl.NumberFormat('en-GB', { style: 'percent', maximumFractionDigits }).format(value);
}

/** Whole days from today (in London) to a YYYY-MM-DD date; negative when past. */
export function daysUntil(isoDate: string, now: Date = new Date()): number {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London' }).format(now);
  return Math.round((Date.parse(`${isoDate}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000);
}

/** A kind of case as people say it ("Child protection plan"), or the value itself when it is not a known kind. */
export function caseKindLabel(kind: string): string {
  return (CASE_KIND_LABELS as Record<string, string>)[kind] ?? kind;
}
