/**
 * The kinds of change a diff of two questionnaire versions lists, and how the page shows a value: shared by the diff
 * (version-diff.server.ts) and its page, which renders them in the browser too.
 */

/** What a property's change is about: the filter on the diff page offers these, with the structural kinds. */
export const PROPERTY_KINDS = ['wording', 'choices', 'rows', 'columns', 'conditions', 'validators', 'input', 'custom', 'other'] as const;
export type PropertyKind = (typeof PROPERTY_KINDS)[number];
/** Kinds of change a question (or panel) can have: structural ones, then changes of its properties. */
export const DIFF_KINDS = ['added', 'removed', 'renamed', 'moved', 'asked-again', ...PROPERTY_KINDS] as const;
export type DiffKind = (typeof DIFF_KINDS)[number];
/** What the diff page can be filtered by: a kind of question change, or the changes to pages and the questionnaire. */
export const FILTER_KINDS = [...DIFF_KINDS, 'pages'] as const;
export type FilterKind = (typeof FILTER_KINDS)[number];

export const KIND_LABELS: Record<FilterKind, string> = {
  added: 'Added',
  removed: 'Removed',
  renamed: 'Renamed',
  moved: 'Moved to another page',
  'asked-again': 'Asked again',
  wording: 'Wording',
  choices: 'Choices',
  rows: 'Rows',
  columns: 'Columns',
  conditions: 'Conditions and required',
  validators: 'Checks (validators)',
  input: 'Type and input',
  custom: 'Topic and role',
  other: 'Other settings',
  pages: 'Pages and questionnaire',
};

/** A value as the page shows it: text (an expression or a name shown as code), a list with each item's fate, or nothing. */
export type ShownItem = { text: string; status: 'same' | 'added' | 'removed' | 'changed'; changed?: string[] };
/** A text with the words the other side lacks marked (`removed` on the old side, `added` on the new one). */
export type TextPart = { text: string; status: 'same' | 'added' | 'removed' };
export type Shown = { text: string; code?: boolean; note?: string; parts?: TextPart[] } | { items: ShownItem[] } | null;

/** One row of the diff: what changed, its old value beside its new one. */
export type Change = { kind: DiffKind | 'pages'; property: string; label: string; old: Shown; new: Shown };
