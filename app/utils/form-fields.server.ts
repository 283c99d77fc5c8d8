import type { ZodIssue } from 'zod';
import type { FieldErrors } from '~/components/form-errors';

/**
 * A posted form as the object a domain schema parses (the action register's forms): the last value of each field,
 * lists for repeated fields (empty when none was sent), numbers for id fields (text that is not one becomes NaN, which the schema refuses), and
 * empty optional fields left out. Every field is passed on, so a strict schema refuses one it does not know.
 */
export function formObject(form: FormData, spec: { numbers?: string[]; lists?: string[]; optional?: string[] } = {}): Record<string, unknown> {
  const { numbers = [], lists = [], optional = [] } = spec;
  const out: Record<string, unknown> = {};
  // A list nobody ticked is an empty list (the schema says what it needs), not a missing field.
  for (const name of lists) out[name] = [];
  for (const name of new Set(form.keys())) {
    const values = form.getAll(name).map((v) => (typeof v === 'string' ? v : ''));
    const convert = (v: string) => (numbers.includes(name) ? (/^\s*$/.test(v) ? Number.NaN : Number(v)) : v);
    if (lists.includes(name)) {
      out[name] = values.filter((v) => v !== '').map(convert);
      continue;
    }
    const value = values[values.length - 1];
    if (value === '' && optional.includes(name)) continue;
    out[name] = convert(value);
  }
  return out;
}

/**
 * Field errors from a failed parse, each starting with the field's label ("Target date: must be a date written
 * YYYY-MM-DD"), for the messages beside the fields and in the summary. A field the form should not have is reported
 * under `form`.
 */
export function labelledErrors(issues: ZodIssue[], labels: Record<string, string>): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      errors.form ??= `The form has fields it should not: ${issue.keys.join(', ')}.`;
      continue;
    }
    const field = String(issue.path[0] ?? 'form');
    const label = labels[field] ?? field;
    const message =
      issue.code === 'invalid_type'
        ? issue.received === 'undefined'
          ? 'is required'
          : issue.received === 'nan'
            ? 'must be chosen from the list'
            : 'is not valid'
        : issue.code === 'invalid_enum_value' || issue.code === 'invalid_union_discriminator'
          ? 'must be chosen from the list'
          : issue.message;
    errors[field] ??= `${label}: ${message}`;
  }
  return errors;
}

/** The first line of a refused form: what to do, and how many fields need it. */
export function formProblem(errors: FieldErrors): string {
  const n = Object.values(errors).filter(Boolean).length;
  return n === 1 ? 'Correct the field marked below.' : `Correct the ${n} fields marked below.`;
}

/** A domain refusal's field errors (formRefusal), each starting with its field's label as above. */
export function labelFieldErrors(errors: FieldErrors, labels: Record<string, string>): FieldErrors {
  return Object.fromEntries(Object.entries(errors).map(([field, message]) => [field, message && labels[field] ? `${labels[field]}: ${message}` : message]));
}
