/**
 * Spreadsheet programs run a cell that starts with =, +, -, @ (or a tab or carriage return before one) as a formula,
 * so an answer such as `=HYPERLINK("http://…")` typed into a questionnaire would become a live formula in a
 * reviewer's copy of an export (CSV injection). Every export — the answers (CSV and XLSX, every form), the codebook,
 * the overview CSV — writes text through this one function, which prefixes such text with an apostrophe: the
 * spreadsheet shows it as text and hides the apostrophe. Numbers are written as numbers and never changed.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseFormula<T>(value: T): T | string {
  return typeof value === 'string' && FORMULA_START.test(value) ? `'${value}` : value;
}

/** A row (array or record) with every text cell neutralised. */
export function neutraliseRow<T extends Record<string, unknown> | unknown[]>(row: T): T {
  if (Array.isArray(row)) return row.map(neutraliseFormula) as T;
  return Object.fromEntries(Object.entries(row).map(([key, value]) => [key, neutraliseFormula(value)])) as T;
}
