import type { ReactNode } from 'react';
import { describedBy, FieldError, type FieldErrors } from './form-errors';

export type SelectOption = { value: string | number; label: ReactNode };

/**
 * A labelled select in a `field` block. `empty` is a first option with the value "" (a prompt such as "Choose a
 * team", or "All areas" in a filter). With `errors` (forms that post), the field's error stands above it and is tied
 * to it with aria-describedby and aria-invalid.
 */
export function SelectField({
  id,
  name = id,
  label,
  options,
  defaultValue = '',
  empty,
  emptyDisabled,
  required,
  errors,
}: {
  id: string;
  name?: string;
  label: ReactNode;
  options: SelectOption[];
  defaultValue?: string | number;
  empty?: ReactNode;
  emptyDisabled?: boolean;
  required?: boolean;
  errors?: FieldErrors;
}) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {errors ? <FieldError field={name} errors={errors} /> : null}
      <select
        id={id}
        name={name}
        defaultValue={defaultValue}
        required={required}
        aria-describedby={errors ? describedBy(name, errors) : undefined}
        aria-invalid={errors?.[name] ? true : undefined}
      >
        {empty !== undefined ? (
          <option value="" disabled={emptyDisabled}>
            {empty}
          </option>
        ) : null}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * A small GET form that picks one area (for pickers too long to list every team at once: the teams of the chosen area
 * are listed instead). `hidden` keeps other parameters of the page.
 */
export function AreaPickerForm({
  id,
  label,
  areas,
  value,
  button,
  hidden = {},
}: {
  id: string;
  label: string;
  areas: ReadonlyArray<{ id: number; name: string }>;
  value: string | number | null | undefined;
  button: string;
  hidden?: Record<string, string | number>;
}) {
  return (
    <form method="get" className="filters" aria-label={label}>
      {Object.entries(hidden).map(([name, v]) => (
        <input key={name} type="hidden" name={name} value={v} />
      ))}
      <SelectField id={id} label={label} defaultValue={value ?? ''} empty="Choose an area" options={areas.map((a) => ({ value: a.id, label: a.name }))} />
      <button type="submit" className="button button--secondary">
        {button}
      </button>
    </form>
  );
}
