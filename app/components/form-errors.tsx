import { useEffect, useRef } from 'react';

/**
 * The error pattern of Stocktake's forms: a summary at the top that takes focus and links to each field, and the
 * message again above the field, tied to it with aria-describedby.
 */
export type FieldErrors = Record<string, string | undefined>;

export function ErrorSummary({ message, errors, fieldIds = {} }: { message?: string | null; errors: FieldErrors; fieldIds?: Record<string, string> }) {
  const ref = useRef<HTMLDivElement>(null);
  const entries = Object.entries(errors).filter((e): e is [string, string] => Boolean(e[1]));
  const shown = Boolean(message) || entries.length > 0;
  useEffect(() => {
    if (shown) ref.current?.focus();
  }, [shown, message, errors]);
  if (!shown) return null;
  return (
    <div className="error-summary" role="alert" tabIndex={-1} ref={ref}>
      <h2>There is a problem</h2>
      {message ? <p>{message}</p> : null}
      {entries.length ? (
        <ul>
          {entries.map(([field, text]) => (
            <li key={field}>
              <a href={`#${fieldIds[field] ?? field}`}>{text}</a>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

export function FieldError({ field, errors }: { field: string; errors: FieldErrors }) {
  const text = errors[field];
  if (!text) return null;
  return (
    <p className="field-error" id={`${field}-error`}>
      <span className="visually-hidden">Error: </span>
      {text}
    </p>
  );
}

/** aria-describedby for a field: its hint, and its error when it has one. */
export function describedBy(field: string, errors: FieldErrors, hint?: string): string | undefined {
  return [hint, errors[field] ? `${field}-error` : null].filter(Boolean).join(' ') || undefined;
}

/** The first message per field of a failed zod parse (the field is the first part of the issue's path). */
export function fieldErrorsFrom(issues: { path: (string | number)[]; message: string }[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) errors[String(issue.path[0])] ??= issue.message;
  return errors;
}

/** A labelled text, email or password input with its hint and error. */
export function TextField(props: {
  id: string;
  field: string;
  label: string;
  errors: FieldErrors;
  hint?: React.ReactNode;
  type?: 'text' | 'email' | 'password';
  autoComplete?: string;
  maxLength?: number;
  required?: boolean;
}) {
  const { id, field, label, errors, hint, type = 'text', autoComplete, maxLength, required } = props;
  const hintId = hint ? `${field}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      <FieldError field={field} errors={errors} />
      <input
        id={id}
        name={field}
        type={type}
        autoComplete={autoComplete}
        maxLength={maxLength}
        required={required}
        aria-describedby={describedBy(field, errors, hintId)}
        aria-invalid={errors[field] ? true : undefined}
      />
    </div>
  );
}
