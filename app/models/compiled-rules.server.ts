import { ConditionRunner, ExpressionRunner, Helpers, Model, type IElement, type PanelModelBase, type Question } from 'survey-core';
import '~/lib/survey-properties';
import type { VersionInfo } from './questionnaires.server';

/**
 * A questionnaire version compiled once into what a save needs (decision 018), so a save does not assign the whole
 * response to a survey-core model (which re-runs every condition of the questionnaire, about 20 ms for the
 * self-assessment):
 * - **visibility**: every page, panel and question with a `visibleIf` as a survey-core ConditionRunner, and for each
 *   answerable question the chain of elements it sits in; progress is the visible questions, answered or not;
 * - **computed values**: the expression questions and calculated values, as ExpressionRunners, run to a fixed point
 *   as the model runs them, because conditions read their results;
 * - **probes**: for each question, a one-question survey-core model (the question inside its panels, with the
 *   questions its choices are copied from), which a save fills with the response's data and validates exactly as the
 *   full model validates that question: its validators, input limits, cells, rows and nested questions;
 * - **reads**: which answers each question's rules (conditions, validators, choice conditions) read, and so which
 *   questions a change can affect.
 * The full model stays the judge at submit. tests/compiled-rules.test.ts proves the two paths agree.
 *
 * A version using what can change answers while conditions run (triggers, `setValueIf`, `setValueExpression`,
 * `resetValueIf`, `defaultValueExpression`, clearing hidden answers as they hide) or functions that read the survey
 * itself is not compiled: its saves take the full model (`reason` says why).
 */
export type CompiledRules =
  | {
      compiled: true;
      calculated: { name: string; runner: ExpressionRunner }[];
      computed: { name: string; runner: ExpressionRunner; precision: number }[];
      /** Each answerable question in document order, with the elements (outermost first) whose visibility it needs. */
      answerable: Answerable[];
      /** The answers (value names) each answerable question's rules read. */
      reads: Map<string, Set<string>>;
      /** The answerable questions whose rules read each answer. */
      readBy: Map<string, Set<string>>;
    }
  | { compiled: false; reason: string };

type VisibilityNode = { id: number; visible: boolean; condition: ConditionRunner | null };

/** An answerable question: its value name, type, the names its rows or panels compute, and what its visibility needs. */
type Answerable = { name: string; type: string; computed: Set<string>; chain: VisibilityNode[] };

/** survey-core functions that read only their arguments (the rest read the survey, the question or the display). */
const PURE_FUNCTIONS = new Set([
  'iif',
  'sum',
  'max',
  'min',
  'avg',
  'sumInArray',
  'maxInArray',
  'minInArray',
  'avgInArray',
  'countInArray',
  'age',
  'dateDiff',
  'dateAdd',
  'isToday',
  'today',
  'currentDate',
  'getDate',
  'year',
  'month',
  'day',
  'weekday',
  'currentYear',
  'round',
  'trunc',
]);

/** Properties that change answers while conditions run: a version using them is judged by the full model. */
const VALUE_CHANGING = ['setValueIf', 'setValueExpression', 'resetValueIf', 'defaultValueExpression', 'triggers'];

function findProperty(json: unknown, names: string[], path = ''): string | null {
  if (Array.isArray(json)) {
    for (const item of json) {
      const found = findProperty(item, names, path);
      if (found) return found;
    }
  } else if (json && typeof json === 'object') {
    const record = json as Record<string, unknown>;
    const here = typeof record.name === 'string' ? record.name : path;
    for (const [key, value] of Object.entries(record)) {
      if (names.includes(key) && value !== undefined && value !== null && !(Array.isArray(value) && !value.length)) return `${key} (${here || 'the survey'})`;
      const found = findProperty(value, names, here);
      if (found) return found;
    }
  }
  return null;
}

/** The expressions anywhere in a definition (every property ending in If or Expression, validators, expressions). */
function expressionsIn(json: unknown, found: string[] = []): string[] {
  if (Array.isArray(json)) json.forEach((item) => expressionsIn(item, found));
  else if (json && typeof json === 'object') {
    for (const [key, value] of Object.entries(json as Record<string, unknown>)) {
      if (typeof value === 'string' && (key.endsWith('If') || key.endsWith('Expression') || key === 'expression')) found.push(value);
      else expressionsIn(value, found);
    }
  }
  return found;
}

/** Operators written as words, which a parenthesis may follow: `a or (b and c)`. */
const OPERATOR_WORDS = new Set(['and', 'or', 'not', 'contains', 'notcontains', 'contain', 'notcontain', 'anyof', 'allof', 'noneof', 'empty', 'notempty']);

function impureFunction(definition: Record<string, unknown>): string | null {
  for (const expression of expressionsIn(definition)) {
    // Outside quoted text and {variables}: a word followed by "(" is a function call.
    const code = expression.replace(/'[^']*'|"[^"]*"|\{[^}]*\}/g, ' ');
    for (const match of code.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)) {
      if (!PURE_FUNCTIONS.has(match[1]) && !OPERATOR_WORDS.has(match[1].toLowerCase())) return `the function ${match[1]}() in "${expression.slice(0, 80)}"`;
    }
  }
  return null;
}

/** The answer a variable of an expression reads: `{q}`, `{q.row.column}`, `{q[0].x}`, `{q-Comment}` all read q. */
function variableRoot(variable: string): string {
  return variable.split(/[.[]/)[0];
}

let nodeIds = 0;

function compile(version: Pick<VersionInfo, 'definition' | 'catalogue'>, model: Model): CompiledRules {
  const changing = findProperty(version.definition, VALUE_CHANGING);
  if (changing) return { compiled: false, reason: `it uses ${changing}, which changes answers as conditions run` };
  if (model.clearInvisibleValues === 'onHidden')
    return { compiled: false, reason: 'it clears answers as their questions hide (clearInvisibleValues: onHidden)' };
  const impure = impureFunction(version.definition);
  if (impure) return { compiled: false, reason: `it uses ${impure}, which reads more than its arguments` };

  const nodes = new Map<unknown, VisibilityNode>();
  const nodeOf = (element: { visibleIf?: string; toJSON: () => Record<string, unknown> }): VisibilityNode => {
    let node = nodes.get(element);
    if (!node) {
      const json = element.toJSON();
      node = { id: nodeIds++, visible: json.visible !== false, condition: element.visibleIf ? new ConditionRunner(element.visibleIf) : null };
      nodes.set(element, node);
    }
    return node;
  };
  const answerable: Answerable[] = [];
  const reads = new Map<string, Set<string>>();
  const computed: { name: string; runner: ExpressionRunner; precision: number }[] = [];

  const walk = (elements: IElement[], chain: VisibilityNode[], containers: Record<string, unknown>[]) => {
    for (const element of elements) {
      if (element.isPanel) {
        const panel = element as unknown as PanelModelBase & { visibleIf?: string; toJSON: () => Record<string, unknown> };
        walk(panel.elements, [...chain, nodeOf(panel)], [...containers, panel.toJSON()]);
        continue;
      }
      const question = element as unknown as Question;
      const name = question.getValueName();
      if (question.getType() === 'expression') {
        const json = question.toJSON() as { expression?: string; precision?: number };
        if (json.expression) computed.push({ name, runner: new ExpressionRunner(json.expression), precision: json.precision ?? -1 });
      }
      if (!version.catalogue.has(name)) continue;
      answerable.push({ name, type: question.getType(), computed: computedInside(question), chain: [...chain, nodeOf(question)] });
      const variables = new Set<string>();
      for (const expression of [...expressionsIn(containers.map(withoutElements)), ...expressionsIn(question.toJSON())]) {
        for (const variable of new ConditionRunner(expression).getVariables()) variables.add(variableRoot(variable));
      }
      variables.delete(name);
      reads.set(name, variables);
    }
  };
  for (const page of model.pages) walk(page.elements, [nodeOf(page)], [page.toJSON()]);

  const readBy = new Map<string, Set<string>>();
  for (const [question, variables] of reads) {
    for (const variable of variables) {
      if (!readBy.has(variable)) readBy.set(variable, new Set());
      readBy.get(variable)!.add(question);
    }
  }
  const calculated = model.calculatedValues
    .filter((value) => value.expression)
    .map((value) => ({ name: value.name, runner: new ExpressionRunner(value.expression) }));
  return { compiled: true, calculated, computed, answerable, reads, readBy };
}

/** The names a dynamic matrix's columns or a dynamic panel's questions compute (expressions). */
export function computedInside(question: Question): Set<string> {
  const json = question.toJSON() as { columns?: { name: string; cellType?: string }[]; templateElements?: { name: string; type?: string }[] };
  if (question.getType() === 'matrixdynamic' || question.getType() === 'matrixdropdown')
    return new Set((json.columns ?? []).filter((c) => c.cellType === 'expression').map((c) => c.name));
  if (question.getType() === 'paneldynamic') return new Set((json.templateElements ?? []).filter((e) => e.type === 'expression').map((e) => e.name));
  return new Set();
}

export function withoutElements(json: Record<string, unknown>): Record<string, unknown> {
  const { elements: _elements, questions: _questions, ...rest } = json;
  return rest;
}

/** Whether a definition's saves can take compiled rules, and if not why (for `surveys check`); nothing is kept. */
export function compilability(definition: Record<string, unknown>, catalogue: Map<string, unknown>): { compiled: true } | { compiled: false; reason: string } {
  const rules = compile({ definition, catalogue: catalogue as VersionInfo['catalogue'] }, new Model(definition));
  return rules.compiled ? { compiled: true } : rules;
}

const compiledRules = new Map<number, CompiledRules>();

/** The version's compiled rules, compiled on first use and kept (published versions never change). */
export function rulesFor(version: VersionInfo, model: Model): CompiledRules {
  let rules = compiledRules.get(version.id);
  if (!rules) {
    rules = compile(version, model);
    compiledRules.set(version.id, rules);
  }
  return rules;
}

const MAX_PASSES = 10; // survey-core's settings.maxConditionRunCountOnValueChanged

/**
 * The values conditions read, as the model computes them: the response's answers, then its calculated values and
 * expression questions run until nothing changes (an expression reading another expression's result).
 */
export function conditionValues(rules: Extract<CompiledRules, { compiled: true }>, data: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = { ...data };
  if (!rules.computed.length && !rules.calculated.length) return values;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let changed = false;
    for (const { name, runner } of rules.calculated) values[name] = runner.runValues(values);
    for (const { name, runner, precision } of rules.computed) {
      let result = runner.runValues(values);
      if (result === Infinity) result = undefined;
      else if (precision >= 0 && Helpers.isNumber(result)) result = parseFloat(Number(result).toFixed(precision));
      if (!Helpers.isTwoValueEquals(values[name], result)) {
        if (result === undefined) delete values[name];
        else values[name] = result;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return values;
}

const given = (value: unknown) => value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && !value.length);

/**
 * Whether a value counts as answered, as survey-core's `question.isEmpty()` judges it once the dynamic matrices and
 * panels holding nothing the respondent gave are emptied (emptyUnansweredDynamic, as the full model is judged).
 */
export function isAnswered(question: Pick<Answerable, 'type' | 'computed'>, value: unknown): boolean {
  if (question.type === 'matrixdropdown') {
    // A row holding only computed cells (which the model fills for every row) is not an answer the team gave.
    return (
      typeof value === 'object' &&
      value !== null &&
      Object.values(value).some(
        (row) =>
          typeof row === 'object' && row !== null && Object.entries(row).some(([key, cell]) => !question.computed.has(key) && !Helpers.isValueEmpty(cell)),
      )
    );
  }
  if (question.type === 'paneldynamic' || question.type === 'matrixdynamic') {
    return (
      Array.isArray(value) &&
      value.some(
        (entry) => typeof entry === 'object' && entry !== null && Object.entries(entry).some(([key, nested]) => !question.computed.has(key) && given(nested)),
      )
    );
  }
  return !Helpers.isValueEmpty(trim(value));
}

function trim(value: unknown): unknown {
  return typeof value === 'string' ? value.trim() : value;
}

/**
 * The answerable questions the questionnaire shows for these answers, from the compiled visibility (each condition
 * of a shared page or panel run once), with the values their conditions read.
 */
export function visibleQuestions(
  rules: Extract<CompiledRules, { compiled: true }>,
  data: Record<string, unknown>,
): { questions: Answerable[]; values: Record<string, unknown> } {
  const values = conditionValues(rules, data);
  const seen = new Map<number, boolean>();
  const visible = (node: VisibilityNode): boolean => {
    let result = seen.get(node.id);
    if (result === undefined) {
      result = node.condition ? node.condition.runValues(values) === true : node.visible;
      seen.set(node.id, result);
    }
    return result;
  };
  return { questions: rules.answerable.filter((question) => question.chain.every(visible)), values };
}

/** Answerable and answered questions among those visible, from the compiled visibility. */
export function compiledProgress(rules: Extract<CompiledRules, { compiled: true }>, data: Record<string, unknown>): { answered: number; answerable: number } {
  const { questions, values } = visibleQuestions(rules, data);
  return { answerable: questions.length, answered: questions.filter((question) => isAnswered(question, values[question.name])).length };
}
