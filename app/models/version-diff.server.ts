import { z } from 'zod';
import type { Executor } from '../../db/index';
import type { VersionMapping } from '../../db/schema';
import { nameThrough, versionPath } from './carry-forward.server';
import { badParameter, isDomainError, notFound } from './errors.server';
import { findVersion, getQuestionnaireVersion, listQuestionnaires } from './questionnaires.server';
import {
  DIFF_KINDS,
  FILTER_KINDS,
  type Change,
  type DiffKind,
  type FilterKind,
  type PropertyKind,
  type Shown,
  type ShownItem,
  type TextPart,
} from './version-diff-kinds';

/**
 * What changed between two versions of a questionnaire, question by question, for people (docs/decisions/021): the two
 * definitions compared element by element, joined through the versions' mappings (meta.json `from`, `renamed`,
 * `removed` and, where a version declares it, `askAgain`), so a renamed question is one question with a new name, not
 * one removed and one added. `diffVersions` is pure; `loadVersionDiff` reads both versions from the database.
 */

/** One side of the comparison: a version's number, its SurveyJS definition and the roles its questions play. */
export type DiffSide = {
  version: number;
  definition: Record<string, unknown>;
  /**
   * Roles by question name, as published (question_roles): a version published before roles existed declares them
   * in meta.json, not in its file.
   */
  roles?: Record<string, string>;
};

/**
 * One mapping between versions, with the version it leads to. `askAgain`: the questions (by their name in `to`) whose
 * earlier answers are not carried forward because the period they ask about changed, with the version's reason (or
 * null); only mappings that declare it have it.
 */
export type DiffStep = { from: number; to: number; renamed: Record<string, string>; removed: string[]; askAgain?: Record<string, string | null> };

export type ElementDiff = {
  /** The name in the later version, or in the earlier one when it was removed. */
  name: string;
  oldName: string | null;
  newName: string | null;
  title: string;
  /** A panel (which groups questions) rather than a question. */
  panel: boolean;
  status: 'added' | 'removed' | 'kept';
  kinds: DiffKind[];
  changes: Change[];
};

export type PageDiff = { name: string; title: string; status: 'added' | 'removed' | 'kept'; changes: Change[]; elements: ElementDiff[] };

export type VersionDiff = {
  from: number;
  to: number;
  /** The questionnaire's own title and description. */
  questionnaire: Change[];
  /** Grouped by page: the later version's pages in order, then pages only the earlier one had. */
  pages: PageDiff[];
  /** Questions and panels with each kind of change, and pages added, removed or changed. */
  summary: Record<DiffKind, number> & { pages: number; elements: number };
  notes: string[];
};

type Json = Record<string, unknown>;
type Placed = { name: string; element: Json; page: string; position: number; panel: boolean };
type PageInfo = { name: string; element: Json; position: number };

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Localisable text (`"title": "…"` or `{ "default": "…", "cy": "…" }`) as the default language's text. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (isObject(value)) {
    const text = value.default ?? value.en ?? Object.values(value).find((v) => typeof v === 'string');
    return typeof text === 'string' ? text : '';
  }
  return '';
}

/** A JSON value with its object keys sorted, so two equal values compare equal as text. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

// Boolean properties SurveyJS takes as true when unset.
const DEFAULT_TRUE = new Set(['visible', 'startWithNewLine', 'showTitle']);

/**
 * Unset, an empty text and an empty list mean "not set", and so does false for a property that is false by default
 * (`isRequired`…): written out or not, SurveyJS reads them alike.
 */
function isUnset(value: unknown, property?: string): boolean {
  if (value === false) return !DEFAULT_TRUE.has(property ?? '');
  return value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);
}

function same(a: unknown, b: unknown, property?: string): boolean {
  if (isUnset(a, property) && isUnset(b, property)) return true;
  if (property && DEFAULT_TRUE.has(property) && (a ?? true) === (b ?? true)) return true;
  return canonical(a) === canonical(b);
}

/** The pages, and every named element on them (questions, and the panels that group them), in order. */
function elementsOf(definition: Json): { pages: PageInfo[]; elements: Map<string, Placed> } {
  const pages: PageInfo[] = [];
  const elements = new Map<string, Placed>();
  const rawPages = Array.isArray(definition.pages) ? definition.pages : [{ name: 'page1', elements: definition.elements ?? definition.questions }];
  const walk = (list: unknown, page: string) => {
    if (!Array.isArray(list)) return;
    for (const element of list) {
      if (!isObject(element) || typeof element.name !== 'string' || !element.name) continue;
      const panel = element.type === 'panel';
      if (!elements.has(element.name)) elements.set(element.name, { name: element.name, element, page, position: elements.size, panel });
      if (panel) walk(element.elements ?? element.questions, page);
    }
  };
  rawPages.forEach((page, index) => {
    if (!isObject(page)) return;
    const name = typeof page.name === 'string' && page.name ? page.name : `page${index + 1}`;
    pages.push({ name, element: page, position: index });
    walk(page.elements ?? page.questions, name);
  });
  return { pages, elements };
}

// Properties only about layout (widths, new lines, columns of choices, the height of a text box): not listed.
const LAYOUT = new Set([
  'maxWidth',
  'minWidth',
  'width',
  'startWithNewLine',
  'autoGrow',
  'allowResize',
  'colCount',
  'alternateRows',
  'columnMinWidth',
  'rowTitleWidth',
  'titleLocation',
  'descriptionLocation',
  'indent',
  'hideNumber',
  'cols',
  'separateSpecialChoices',
  'state',
]);

const LABELS: Record<string, string> = {
  title: 'Title',
  navigationTitle: 'Title in the navigation',
  description: 'Description',
  placeholder: 'Placeholder',
  html: 'Text shown',
  labelTrue: 'Label for yes',
  labelFalse: 'Label for no',
  minRateDescription: 'Label of the lowest rating',
  maxRateDescription: 'Label of the highest rating',
  choices: 'Choices',
  rateValues: 'Rating values',
  rateMin: 'Lowest rating',
  rateMax: 'Highest rating',
  rateStep: 'Rating step',
  showOtherItem: 'Offers "Other"',
  hasOther: 'Offers "Other"',
  showNoneItem: 'Offers "None"',
  hasNone: 'Offers "None"',
  choicesFromQuestion: 'Choices copied from',
  rows: 'Rows',
  columns: 'Columns',
  visible: 'Shown',
  visibleIf: 'Shown if',
  enableIf: 'Can be answered if',
  requiredIf: 'Required if',
  isRequired: 'Required',
  eachRowRequired: 'Every row required',
  resetValueIf: 'Answer cleared if',
  setValueIf: 'Answer set if',
  choicesVisibleIf: 'Choices shown if',
  choicesEnableIf: 'Choices enabled if',
  validators: 'Checks',
  type: 'Question type',
  inputType: 'Input type',
  min: 'Minimum',
  max: 'Maximum',
  step: 'Step',
  maxLength: 'Longest answer (characters)',
  minSelectedChoices: 'Fewest choices',
  maxSelectedChoices: 'Most choices',
  topic: 'Topic',
  role: 'Role',
  meets: 'Answers that meet the standard',
  notApplicable: 'Answers that make it not applicable',
  templateElements: 'Questions in each panel',
  items: 'Text boxes',
};

const KIND_OF: Record<string, PropertyKind> = {
  title: 'wording',
  navigationTitle: 'wording',
  description: 'wording',
  placeholder: 'wording',
  html: 'wording',
  labelTrue: 'wording',
  labelFalse: 'wording',
  minRateDescription: 'wording',
  maxRateDescription: 'wording',
  choices: 'choices',
  rateValues: 'choices',
  rateMin: 'choices',
  rateMax: 'choices',
  rateStep: 'choices',
  rateCount: 'choices',
  showOtherItem: 'choices',
  hasOther: 'choices',
  showNoneItem: 'choices',
  hasNone: 'choices',
  choicesFromQuestion: 'choices',
  choicesFromQuestionMode: 'choices',
  rows: 'rows',
  columns: 'columns',
  visible: 'conditions',
  visibleIf: 'conditions',
  enableIf: 'conditions',
  requiredIf: 'conditions',
  isRequired: 'conditions',
  eachRowRequired: 'conditions',
  resetValueIf: 'conditions',
  setValueIf: 'conditions',
  choicesVisibleIf: 'conditions',
  choicesEnableIf: 'conditions',
  validators: 'validators',
  type: 'input',
  inputType: 'input',
  min: 'input',
  max: 'input',
  step: 'input',
  maxLength: 'input',
  minSelectedChoices: 'input',
  maxSelectedChoices: 'input',
  valueName: 'input',
  topic: 'custom',
  role: 'custom',
  meets: 'custom',
  notApplicable: 'custom',
};

const EXPRESSIONS = new Set(['visibleIf', 'enableIf', 'requiredIf', 'resetValueIf', 'setValueIf', 'choicesVisibleIf', 'choicesEnableIf']);

function kindOf(property: string): PropertyKind {
  if (KIND_OF[property]) return KIND_OF[property];
  // Messages and labels: "stepErrorText", "otherText", "completedHtml"…
  if (/(Text|Html|Description|Placeholder)$/.test(property)) return 'wording';
  return 'other';
}

function labelOf(property: string): string {
  if (LABELS[property]) return LABELS[property];
  return property
    .replace(/([A-Z])/g, ' $1')
    .toLowerCase()
    .replace(/^./, (c) => c.toUpperCase());
}

const TYPE_LABELS: Record<string, string> = {
  text: 'text box',
  comment: 'comment box',
  radiogroup: 'single choice',
  dropdown: 'dropdown',
  checkbox: 'multiple choice',
  tagbox: 'multiple choice (tags)',
  boolean: 'yes or no',
  rating: 'rating',
  slider: 'slider',
  ranking: 'ranking',
  imagepicker: 'image choice',
  matrix: 'matrix (one choice per row)',
  matrixdropdown: 'matrix of answers',
  matrixdynamic: 'table with rows to add',
  multipletext: 'several text boxes',
  paneldynamic: 'panels to add',
  expression: 'computed value',
  html: 'text shown',
  image: 'image',
  panel: 'panel',
};

function typeLabel(type: unknown): string {
  const name = typeof type === 'string' ? type : '';
  return TYPE_LABELS[name] ? `${TYPE_LABELS[name]} (${name})` : name || 'unknown type';
}

type Item = { key: string; text: string; value: unknown };

/** A choice, a row or a rating value: its text, with its stored value when that differs. */
function choiceItem(item: unknown): Item {
  if (isObject(item) && 'value' in item) {
    const value = String(item.value);
    const text = textOf(item.text);
    return { key: value, text: text && text !== value ? `${text} (${value})` : value, value: item };
  }
  return { key: String(item), text: String(item), value: item };
}

/** A matrix column, or a question inside each panel of a dynamic panel: its title, name and type. */
function namedItem(item: unknown): Item {
  if (!isObject(item)) return { key: canonical(item), text: canonical(item), value: item };
  const name = String(item.name ?? '');
  const title = textOf(item.title);
  const type = item.cellType ?? (item.type !== undefined ? item.type : undefined);
  return { key: name, text: `${title && title !== name ? `${title} (${name})` : name}${type ? `, ${String(type)}` : ''}`, value: item };
}

/** A validator in words, with its message: one item, so a changed check shows as one removed and one added. */
function validatorText(validator: unknown): string {
  if (!isObject(validator)) return canonical(validator);
  const v = validator;
  const range = (low: unknown, high: unknown, unit = '') =>
    low !== undefined && high !== undefined
      ? `from ${String(low)} to ${String(high)}${unit}`
      : low !== undefined
        ? `at least ${String(low)}${unit}`
        : high !== undefined
          ? `at most ${String(high)}${unit}`
          : '';
  let text: string;
  switch (v.type) {
    case 'numeric':
      text = `a number ${range(v.minValue, v.maxValue)}`.trim();
      break;
    case 'expression':
      text = `true: ${String(v.expression ?? '')}`;
      break;
    case 'text':
      text = `text ${range(v.minLength, v.maxLength, ' characters')}${v.allowDigits === false ? ', no digits' : ''}`.trim();
      break;
    case 'answercount':
      text = `answers ${range(v.minCount, v.maxCount)}`.trim();
      break;
    case 'regex':
      text = `matches ${String(v.regex ?? '')}`;
      break;
    case 'email':
      text = 'an email address';
      break;
    default:
      text = canonical(Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'text')));
  }
  const message = textOf(v.text);
  return message ? `${text}, else “${message}”` : text;
}

function listItems(property: string, value: unknown): Item[] | null {
  if (!Array.isArray(value)) return null;
  if (property === 'choices' || property === 'rows' || property === 'rateValues') return value.map(choiceItem);
  if (property === 'columns' || property === 'templateElements' || property === 'items') return value.map(namedItem);
  if (property === 'validators') return value.map((v) => ({ key: validatorText(v), text: validatorText(v), value: v }));
  return value.map((v) => ({ key: canonical(v), text: typeof v === 'string' ? v : canonical(v), value: v }));
}

/** The properties of two objects that differ (for a column or panel question shown as changed). */
function differingKeys(a: unknown, b: unknown): string[] {
  if (!isObject(a) || !isObject(b)) return [];
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !same(a[k], b[k], k)).sort();
}

/** Each side's list, with what became of each item on the other side. */
function shownLists(oldItems: Item[], newItems: Item[]): [Shown, Shown] {
  const oldBy = new Map(oldItems.map((i) => [i.key, i]));
  const newBy = new Map(newItems.map((i) => [i.key, i]));
  const fate = (item: Item, other: Map<string, Item>, missing: 'added' | 'removed'): ShownItem => {
    const counterpart = other.get(item.key);
    if (!counterpart) return { text: item.text, status: missing };
    if (same(item.value, counterpart.value)) return { text: item.text, status: 'same' };
    return { text: item.text, status: 'changed', changed: differingKeys(item.value, counterpart.value) };
  };
  return [
    oldItems.length ? { items: oldItems.map((i) => fate(i, newBy, 'removed')) } : null,
    newItems.length ? { items: newItems.map((i) => fate(i, oldBy, 'added')) } : null,
  ];
}

function shownValue(property: string, value: unknown): Shown {
  if (typeof value === 'boolean') return { text: value ? 'Yes' : 'No' };
  if (isUnset(value)) return null;
  if (property === 'type') return { text: typeLabel(value) };
  if (typeof value === 'string' && EXPRESSIONS.has(property)) return { text: value, code: true };
  if (typeof value === 'string' || typeof value === 'number' || isObject(value)) {
    const text = isObject(value) && !('default' in value) ? canonical(value) : textOf(value);
    return { text };
  }
  return { text: canonical(value) };
}

// Longer texts are shown whole, without marking words (the comparison grows with the product of their lengths).
const MAX_WORD_DIFF = 250_000;

/** Two texts with the words each lacks from the other marked, or null when they are too long to compare word by word. */
function wordDiff(oldText: string, newText: string): [TextPart[], TextPart[]] | null {
  const a = oldText.split(/(\s+)/).filter(Boolean);
  const b = newText.split(/(\s+)/).filter(Boolean);
  if (a.length * b.length > MAX_WORD_DIFF) return null;
  // Longest common subsequence of words, from the end, so the walk below goes forwards.
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint16Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const oldParts: TextPart[] = [];
  const newParts: TextPart[] = [];
  const push = (parts: TextPart[], text: string, status: TextPart['status']) => {
    const last = parts.at(-1);
    // A space between two changed words belongs to the change, so "31 December 2008" is marked as one piece.
    if (last && (last.status === status || (/^\s+$/.test(text) && status === 'same' && last.status !== 'same'))) last.text += text;
    else parts.push({ text, status });
  };
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      push(oldParts, a[i++], 'same');
      push(newParts, b[j++], 'same');
    } else if (j < b.length && (i === a.length || lcs[i][j + 1] >= lcs[i + 1][j])) push(newParts, b[j++], 'added');
    else push(oldParts, a[i++], 'removed');
  }
  return [tidy(oldParts), tidy(newParts)];
}

/** Marks changed words, not the space after them: a changed part's trailing space goes to the unchanged text after it. */
function tidy(parts: TextPart[]): TextPart[] {
  const tidied: TextPart[] = [];
  for (const part of parts) {
    const previous = tidied.at(-1);
    const trailing = previous && previous.status !== 'same' ? /\s+$/.exec(previous.text) : null;
    if (previous && trailing && part.status === 'same' && trailing.index > 0) {
      previous.text = previous.text.slice(0, trailing.index);
      tidied.push({ ...part, text: trailing[0] + part.text });
    } else tidied.push({ ...part });
  }
  return tidied;
}

/** One property's change, old beside new (lists item by item, texts word by word). */
function propertyChange(property: string, oldValue: unknown, newValue: unknown): Change {
  const oldItems = listItems(property, oldValue ?? (Array.isArray(newValue) ? [] : undefined));
  const newItems = listItems(property, newValue ?? (Array.isArray(oldValue) ? [] : undefined));
  let shown: [Shown, Shown];
  if (oldItems && newItems) shown = shownLists(oldItems, newItems);
  else {
    const boolean = typeof oldValue === 'boolean' || typeof newValue === 'boolean';
    const asBoolean = (value: unknown) => (value === undefined || value === null ? DEFAULT_TRUE.has(property) : Boolean(value));
    shown = [shownValue(property, boolean ? asBoolean(oldValue) : oldValue), shownValue(property, boolean ? asBoolean(newValue) : newValue)];
    const [before, after] = shown;
    if (before && after && 'text' in before && 'text' in after && (kindOf(property) === 'wording' || EXPRESSIONS.has(property))) {
      const parts = wordDiff(before.text, after.text);
      if (parts)
        shown = [
          { ...before, parts: parts[0] },
          { ...after, parts: parts[1] },
        ];
    }
  }
  return { kind: kindOf(property), property, label: labelOf(property), old: shown[0], new: shown[1] };
}

/**
 * A value of the earlier version with the questions it refers to (`{name}`, `{name.row}`, `{name-Comment}` in
 * conditions, validators and texts) under their later names, so a condition that only follows a rename is not a change.
 */
function withLaterNames(value: unknown, renames: Map<string, string>): unknown {
  if (!renames.size) return value;
  if (typeof value === 'string')
    return value.replace(/\{(\s*)([A-Za-z0-9_]+)(?=[\s}.[-])/g, (whole, space: string, name: string) =>
      renames.has(name) ? `{${space}${renames.get(name)}` : whole,
    );
  if (Array.isArray(value)) return value.map((v) => withLaterNames(v, renames));
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withLaterNames(v, renames)]));
  return value;
}

// Lists whose items are described like questions (a matrix's columns, a dynamic panel's questions, the boxes of a
// multiple text question): a changed item's own changes are listed too, after the list.
const NESTED: Record<string, string> = { columns: 'Column', templateElements: 'Question in each panel', items: 'Box' };

/** The changes of the items of a list that are in both versions but differ, each labelled with its item. */
function nestedChanges(property: string, oldList: unknown, newList: unknown, renames: Map<string, string>): Change[] {
  if (!NESTED[property] || !Array.isArray(oldList) || !Array.isArray(newList)) return [];
  const newByName = new Map(newList.filter(isObject).map((item) => [String(item.name), item]));
  return oldList.filter(isObject).flatMap((oldItem) => {
    const newItem = newByName.get(String(oldItem.name));
    if (!newItem) return [];
    const title = textOf(newItem.title) || String(newItem.name);
    return propertyChanges(oldItem, newItem, new Set(['name']), renames).map((c) => ({ ...c, label: `${NESTED[property]} “${title}”: ${c.label}` }));
  });
}

/**
 * The changes of an element's own properties, by kind (a panel's questions and a page's elements are compared on
 * their own); the changes inside a list's items follow the list's own.
 */
function propertyChanges(oldElement: Json, newElement: Json, skip: Set<string>, renames: Map<string, string>): Change[] {
  const keys = [...new Set([...Object.keys(oldElement), ...Object.keys(newElement)])];
  const groups: Change[][] = [];
  for (const key of keys) {
    if (skip.has(key) || LAYOUT.has(key)) continue;
    // `rows` of a comment box is its height, not the rows of a matrix.
    if (key === 'rows' && !Array.isArray(oldElement[key]) && !Array.isArray(newElement[key])) continue;
    if (same(withLaterNames(oldElement[key], renames), newElement[key], key)) continue;
    groups.push([propertyChange(key, oldElement[key], newElement[key]), ...nestedChanges(key, oldElement[key], newElement[key], renames)]);
  }
  const order = (c: Change) => (DIFF_KINDS as readonly string[]).indexOf(c.kind);
  return groups.sort((a, b) => order(a[0]) - order(b[0])).flat();
}

const ELEMENT_SKIP = new Set(['name', 'elements', 'questions', 'role']);
const PAGE_SKIP = new Set(['name', 'elements', 'questions']);

function titleOf(placed: Placed): string {
  return textOf(placed.element.title) || placed.name;
}

function pageTitle(page: PageInfo | undefined, name: string): string {
  return page ? textOf(page.element.title) || textOf(page.element.navigationTitle) || page.name : name;
}

/**
 * What changed from one version to another: per question and panel (added, removed, renamed, moved to another page,
 * asked again, and each property changed, old beside new), per page and for the questionnaire itself. `steps` are
 * the mappings from `from` to `to`, oldest first; without them, elements are matched by name.
 */
export function diffVersions(from: DiffSide, to: DiffSide, steps: DiffStep[] = []): VersionDiff {
  const before = elementsOf(from.definition);
  const after = elementsOf(to.definition);
  const oldPages = new Map(before.pages.map((p) => [p.name, p]));
  const newPages = new Map(after.pages.map((p) => [p.name, p]));
  const titleOfPage = (name: string) => pageTitle(newPages.get(name) ?? oldPages.get(name), name);

  const entries: Array<ElementDiff & { page: string; position: number }> = [];
  const claimed = new Set<string>();
  const roleChange = (oldName: string | null, newName: string | null, oldElement?: Json, newElement?: Json): Change | null => {
    const oldRole = (oldName && from.roles?.[oldName]) ?? oldElement?.role;
    const newRole = (newName && to.roles?.[newName]) ?? newElement?.role;
    return same(oldRole, newRole) ? null : propertyChange('role', oldRole, newRole);
  };

  // First which element of the later version each earlier one became (through the mappings), then what changed.
  const matches: Array<{
    old: Placed;
    counterpart?: Placed;
    removedIn: number | null;
    renamedIn: Array<{ version: number; from: string; to: string }>;
    askedAgainIn: Array<{ from: number; version: number; reason: string | null }>;
  }> = [];
  for (const old of before.elements.values()) {
    let current = old.name;
    let removedIn: number | null = null;
    const renamedIn: Array<{ version: number; from: string; to: string }> = [];
    const askedAgainIn: Array<{ from: number; version: number; reason: string | null }> = [];
    for (const step of steps) {
      const next = nameThrough([{ from: step.from, renamed: step.renamed, removed: step.removed }], current);
      if (next === null) {
        removedIn = step.to;
        break;
      }
      if (step.askAgain && Object.hasOwn(step.askAgain, next)) askedAgainIn.push({ from: step.from, version: step.to, reason: step.askAgain[next] ?? null });
      if (next !== current) renamedIn.push({ version: step.to, from: current, to: next });
      current = next;
    }
    const counterpart = removedIn === null && !claimed.has(current) ? after.elements.get(current) : undefined;
    if (counterpart) claimed.add(counterpart.name);
    matches.push({ old, counterpart, removedIn, renamedIn, askedAgainIn });
  }
  const renames = new Map(matches.flatMap((m) => (m.counterpart && m.counterpart.name !== m.old.name ? [[m.old.name, m.counterpart.name] as const] : [])));

  for (const { old, counterpart, removedIn, renamedIn, askedAgainIn } of matches) {
    const changes: Change[] = [];
    if (!counterpart) {
      const required = old.element.isRequired === true ? ', required' : '';
      changes.push({
        kind: 'removed',
        property: 'name',
        label: old.panel ? 'Panel removed' : 'Removed',
        old: { text: titleOf(old), note: `${typeLabel(old.element.type)}${required}` },
        new: { text: removedIn !== null ? `Removed in version ${removedIn} (listed in its mapping)` : `Not in version ${to.version}` },
      });
      entries.push({
        name: old.name,
        oldName: old.name,
        newName: null,
        title: titleOf(old),
        panel: old.panel,
        status: 'removed',
        kinds: ['removed'],
        changes,
        page: old.page,
        position: after.elements.size + old.position,
      });
      continue;
    }
    for (const rename of renamedIn) {
      changes.push({
        kind: 'renamed',
        property: 'name',
        label: `Renamed in version ${rename.version}`,
        old: { text: rename.from, code: true },
        new: { text: rename.to, code: true },
      });
    }
    if (counterpart.page !== old.page) {
      changes.push({ kind: 'moved', property: 'page', label: 'Page', old: { text: titleOfPage(old.page) }, new: { text: titleOfPage(counterpart.page) } });
    }
    for (const { from: earlier, version, reason } of askedAgainIn) {
      changes.push({
        kind: 'asked-again',
        property: 'askAgain',
        label: `Asked again in version ${version}`,
        old: { text: `Answered in version ${earlier}` },
        new: {
          text: `Earlier answers are not carried forward: the period asked about changed.${reason ? ` ${reason}` : ''}`,
        },
      });
    }
    changes.push(...propertyChanges(old.element, counterpart.element, ELEMENT_SKIP, renames));
    const role = roleChange(old.name, counterpart.name, old.element, counterpart.element);
    if (role) changes.push(role);
    if (!changes.length) continue;
    entries.push({
      name: counterpart.name,
      oldName: old.name,
      newName: counterpart.name,
      title: titleOf(counterpart),
      panel: counterpart.panel,
      status: 'kept',
      kinds: [...new Set(changes.map((c) => c.kind as DiffKind))],
      changes,
      page: counterpart.page,
      position: counterpart.position,
    });
  }

  for (const added of after.elements.values()) {
    if (claimed.has(added.name)) continue;
    const required = added.element.isRequired === true ? ', required' : '';
    entries.push({
      name: added.name,
      oldName: null,
      newName: added.name,
      title: titleOf(added),
      panel: added.panel,
      status: 'added',
      kinds: ['added'],
      changes: [
        {
          kind: 'added',
          property: 'name',
          label: added.panel ? 'Panel added' : 'Added',
          old: { text: `Not in version ${from.version}` },
          new: { text: titleOf(added), note: `${typeLabel(added.element.type)}${required}` },
        },
      ],
      page: added.page,
      position: added.position,
    });
  }

  const pageChange = (kind: 'added' | 'removed', page: PageInfo): Change => ({
    kind: 'pages',
    property: 'page',
    label: kind === 'added' ? 'Page added' : 'Page removed',
    old: kind === 'removed' ? { text: pageTitle(page, page.name) } : null,
    new: kind === 'added' ? { text: pageTitle(page, page.name) } : { text: `Not in version ${to.version}` },
  });
  const pages: PageDiff[] = [];
  for (const page of [...after.pages, ...before.pages.filter((p) => !newPages.has(p.name))]) {
    const old = oldPages.get(page.name);
    const status = !old ? 'added' : !newPages.has(page.name) ? 'removed' : 'kept';
    const changes =
      status === 'kept'
        ? propertyChanges(old!.element, page.element, PAGE_SKIP, renames).map((c) => ({ ...c, kind: 'pages' as const }))
        : [pageChange(status, page)];
    const elements = entries
      .filter((e) => e.page === page.name)
      .sort((a, b) => a.position - b.position)
      .map(({ page: _page, position: _position, ...entry }) => entry);
    if (changes.length || elements.length) pages.push({ name: page.name, title: pageTitle(page, page.name), status, changes, elements });
  }

  const questionnaire = ['title', 'description']
    .filter((key) => !same(withLaterNames(from.definition[key], renames), to.definition[key]))
    .map((key) => ({ ...propertyChange(key, from.definition[key], to.definition[key]), kind: 'pages' as const }));

  const summary = Object.fromEntries(DIFF_KINDS.map((kind) => [kind, entries.filter((e) => e.kinds.includes(kind)).length])) as VersionDiff['summary'];
  summary.pages = pages.filter((p) => p.changes.length).length + (questionnaire.length ? 1 : 0);
  summary.elements = entries.length;
  return { from: from.version, to: to.version, questionnaire, pages, summary, notes: [] };
}

/** The diff with only one kind of change: the elements with it (and only those changes), or only pages' changes. */
export function filterDiff(diff: VersionDiff, kind: FilterKind | undefined): VersionDiff {
  if (!kind) return diff;
  if (kind === 'pages') {
    return { ...diff, pages: diff.pages.filter((p) => p.changes.length).map((p) => ({ ...p, elements: [] })) };
  }
  const pages = diff.pages
    .map((page) => ({
      ...page,
      changes: [],
      elements: page.elements.filter((e) => e.kinds.includes(kind)).map((e) => ({ ...e, changes: e.changes.filter((c) => c.kind === kind) })),
    }))
    .filter((page) => page.elements.length);
  return { ...diff, questionnaire: [], pages };
}

/** The diff page's query: two version numbers, the earlier first, and optionally one kind of change. */
export const versionDiffQuerySchema = z
  .object({
    from: z
      .string({ required_error: 'give the earlier version’s number (from=1)' })
      .regex(/^[1-9]\d{0,5}$/, 'must be a version number: 1, 2, 3…')
      .transform(Number),
    to: z
      .string({ required_error: 'give the later version’s number (to=2)' })
      .regex(/^[1-9]\d{0,5}$/, 'must be a version number: 1, 2, 3…')
      .transform(Number),
    kind: z
      .enum(FILTER_KINDS, { errorMap: () => ({ message: `must be one of ${FILTER_KINDS.join(', ')}` }) })
      .optional()
      .or(z.literal('').transform(() => undefined)),
  })
  .refine((q) => q.from < q.to, { path: ['from'], message: 'must be an earlier version than to (from=1&to=2)' });

/** Reads the diff page's query; a bad one is a 400 naming the parameter. */
export function parseVersionDiffQuery(params: URLSearchParams) {
  const parsed = versionDiffQuerySchema.safeParse({
    from: params.get('from') ?? undefined,
    to: params.get('to') ?? undefined,
    kind: params.get('kind') ?? undefined,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badParameter(String(issue.path[0] ?? 'from'), issue.message);
  }
  return parsed.data;
}

/** A slug as surveys/ names them; anything else is the same 404 as a questionnaire that does not exist. */
const slugSchema = z.string().regex(/^[a-z0-9-]{1,100}$/);
const versionSchema = z
  .string()
  .regex(/^[1-9]\d{0,5}$/)
  .transform(Number);

async function requireVersion(db: Executor, slug: string | undefined, version: number | string | undefined) {
  const parsedSlug = slugSchema.safeParse(slug);
  const parsedVersion = typeof version === 'number' ? { success: true as const, data: version } : versionSchema.safeParse(version);
  if (!parsedSlug.success || !parsedVersion.success) throw notFound('questionnaire');
  const found = await findVersion(db, parsedSlug.data, parsedVersion.data);
  if (!found) throw notFound('questionnaire');
  return found;
}

/** Every questionnaire with its published versions, oldest first, for the questionnaires page. */
export async function listQuestionnaireVersions(db: Executor) {
  const rows = await listQuestionnaires(db);
  const bySlug = new Map<string, { slug: string; title: string; description: string; versions: typeof rows }>();
  for (const row of rows) {
    const questionnaire = bySlug.get(row.slug) ?? { slug: row.slug, title: row.title, description: row.description, versions: [] };
    questionnaire.versions.push(row);
    bySlug.set(row.slug, questionnaire);
  }
  return [...bySlug.values()].map((q) => ({
    slug: q.slug,
    title: q.title,
    description: q.description,
    versions: q.versions
      .sort((a, b) => a.version - b.version)
      .map((v) => ({ version: v.version, publishedAt: v.published_at, changeNotes: v.change_notes, questions: v.question_count })),
  }));
}

async function versionDetails(db: Executor, versionId: number) {
  const row = await db.selectFrom('questionnaire_versions').select(['published_at', 'change_notes']).where('id', '=', versionId).executeTakeFirstOrThrow();
  return { publishedAt: row.published_at, changeNotes: row.change_notes };
}

/**
 * The diff of two versions of a questionnaire, read from the database: both definitions, the roles as published, and
 * the mappings between them (versionPath). Versions whose mappings do not lead from one to the other are compared by
 * question name, and the diff says so. A missing questionnaire or version is the one 404.
 */
export async function loadVersionDiff(db: Executor, slug: string | undefined, query: { from: number; to: number; kind?: FilterKind }) {
  const [fromRow, toRow] = await Promise.all([requireVersion(db, slug, query.from), requireVersion(db, slug, query.to)]);
  const [from, to, fromDetails, toDetails] = await Promise.all([
    getQuestionnaireVersion(db, fromRow.id),
    getQuestionnaireVersion(db, toRow.id),
    versionDetails(db, fromRow.id),
    versionDetails(db, toRow.id),
  ]);
  const notes: string[] = [];
  let mappings: VersionMapping[] = [];
  try {
    mappings = (await versionPath(db, from.id, to.id)).steps;
  } catch (error) {
    if (!isDomainError(error, 422)) throw error;
    notes.push(`${error.message} Questions are matched by name: a renamed question shows as one removed and one added.`);
  }
  const steps: DiffStep[] = mappings.map((mapping, i) => ({
    from: mapping.from,
    to: mappings[i + 1]?.from ?? to.version,
    renamed: mapping.renamed,
    removed: mapping.removed,
    // Declared by versions that say which questions are asked again (meta.json "askAgain"); absent before that.
    askAgain: askAgainOf(mapping),
  }));
  const side = (v: typeof from) => ({
    version: v.version,
    definition: v.definition,
    roles: Object.fromEntries([...v.catalogue.values()].flatMap((q) => (q.role ? [[q.name, q.role]] : []))),
  });
  const full = diffVersions(side(from), side(to), steps);
  const diff = filterDiff({ ...full, notes }, query.kind);
  return {
    questionnaire: { slug: to.slug, title: to.title },
    from: { version: from.version, ...fromDetails },
    to: { version: to.version, ...toDetails },
    kind: query.kind ?? null,
    diff,
  };
}

/**
 * The questions a mapping asks again, with their reasons: read defensively, as mappings stored before `askAgain`
 * existed have none (and a list of names is taken as names without reasons).
 */
function askAgainOf(mapping: VersionMapping): Record<string, string | null> | undefined {
  const value = (mapping as { askAgain?: unknown }).askAgain;
  if (Array.isArray(value)) return Object.fromEntries(value.filter((name): name is string => typeof name === 'string').map((name) => [name, null]));
  if (isObject(value))
    return Object.fromEntries(Object.entries(value).map(([name, reason]) => [name, typeof reason === 'string' && reason.trim() ? reason : null]));
  return undefined;
}

/** A published version for the preview: its definition exactly as the team's manager gets it. */
export async function loadVersionPreview(db: Executor, slug: string | undefined, version: string | undefined) {
  const found = await requireVersion(db, slug, version);
  const [info, details, versions] = await Promise.all([
    getQuestionnaireVersion(db, found.id),
    versionDetails(db, found.id),
    db
      .selectFrom('questionnaire_versions as v')
      .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
      .select('v.version')
      .where('q.slug', '=', found.slug)
      .orderBy('v.version')
      .execute(),
  ]);
  return {
    questionnaire: { slug: info.slug, title: info.title },
    version: info.version,
    publishedAt: details.publishedAt,
    definition: info.definition,
    versions: versions.map((v) => v.version),
  };
}
