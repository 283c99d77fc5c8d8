import type { QuestionDetail, StoredAs } from '../../db/schema';

/**
 * Question roles: what a question means to the special figures (staffing, caseloads, thresholds, monthly activity).
 * A questionnaire declares them — `"role": "staffing-vacant"` on the question, or, for a version published before
 * roles existed, `"roles": { "<question>": "<role>" }` in its meta.json entry — and the figures read roles, never
 * question names, so they survive a rename in the next version and work for any questionnaire that declares them.
 * `surveys check` refuses an unknown role, a role on a question of the wrong kind, a role declared twice in one
 * version, and a role without the others its figures need. See docs/decisions/012-question-roles.md.
 */

/** What kind of question can play a role. */
type Accepts = 'number' | 'yes-no' | 'numeric-rating' | 'text' | 'monthly-matrix' | 'choice';

type RoleSpec = {
  /** The figures the role feeds: the staffing section, the caseloads section, thresholds or monthly activity. */
  section: 'staffing' | 'caseloads' | 'thresholds' | 'activity' | 'case-audit';
  label: string;
  accepts: Accepts;
  /** Roles the same version must also declare for this one's figures to mean anything. */
  requires?: readonly QuestionRole[];
};

export const QUESTION_ROLE_NAMES = [
  'staffing-establishment',
  'staffing-vacant',
  'staffing-permanent',
  'staffing-agency',
  'caseload-workers',
  'caseload-average',
  'caseload-highest',
  'nqsw-count',
  'nqsw-average-caseload',
  'nqsw-caseload-protected',
  'threshold-change',
  'threshold-explanation',
  'activity-monthly',
  'case-grade',
  'case-record-location',
  'case-sources',
] as const;

export type QuestionRole = (typeof QUESTION_ROLE_NAMES)[number];

export const QUESTION_ROLES: Record<QuestionRole, RoleSpec> = {
  'staffing-establishment': { section: 'staffing', label: 'establishment (FTE posts)', accepts: 'number', requires: ['staffing-vacant'] },
  'staffing-vacant': { section: 'staffing', label: 'vacant posts (FTE)', accepts: 'number', requires: ['staffing-establishment'] },
  'staffing-permanent': { section: 'staffing', label: 'posts filled by permanent staff (FTE)', accepts: 'number', requires: ['staffing-agency'] },
  'staffing-agency': { section: 'staffing', label: 'posts covered by agency staff (FTE)', accepts: 'number', requires: ['staffing-permanent'] },
  'caseload-workers': { section: 'caseloads', label: 'case-holding workers', accepts: 'number', requires: ['caseload-average'] },
  'caseload-average': { section: 'caseloads', label: 'average caseload per case-holding worker', accepts: 'number' },
  'caseload-highest': { section: 'caseloads', label: 'highest caseload of any worker', accepts: 'number' },
  'nqsw-count': { section: 'caseloads', label: 'newly qualified social workers', accepts: 'number' },
  'nqsw-average-caseload': { section: 'caseloads', label: 'average caseload of newly qualified workers', accepts: 'number', requires: ['nqsw-count'] },
  'nqsw-caseload-protected': {
    section: 'caseloads',
    label: 'whether newly qualified workers’ caseloads are protected',
    accepts: 'yes-no',
    requires: ['nqsw-count'],
  },
  'threshold-change': { section: 'thresholds', label: 'change in the level of concern at which the team acts', accepts: 'numeric-rating' },
  'threshold-explanation': { section: 'thresholds', label: 'explanation of the threshold change', accepts: 'text', requires: ['threshold-change'] },
  'activity-monthly': { section: 'activity', label: 'monthly activity counts', accepts: 'monthly-matrix' },
  // Case-file audits (docs/case-audits.md): the grade's choices run from best to worst.
  'case-grade': { section: 'case-audit', label: 'overall grade of the case (choices best first)', accepts: 'choice' },
  'case-record-location': { section: 'case-audit', label: 'where the case record was found', accepts: 'choice' },
  'case-sources': { section: 'case-audit', label: 'the sources the auditor read', accepts: 'choice' },
};

/**
 * Column roles: what a matrix column means to the special figures, for figures that read one measure per row of a
 * matrix (`"role"` on a column of a matrixdropdown). The timeliness figures read the work completed and the part of
 * it completed within the timescale, per row (assessments, conferences…), and weight each team by its counts; a
 * "not recorded" column takes a row out of the count. A role is played by one column of a version; its partners
 * must be columns of the same matrix.
 */
export const COLUMN_ROLE_NAMES = ['timeliness-completed', 'timeliness-within', 'timeliness-not-recorded'] as const;
export type ColumnRole = (typeof COLUMN_ROLE_NAMES)[number];

export const COLUMN_ROLES: Record<ColumnRole, { section: 'timeliness'; label: string; accepts: 'number' | 'yes-no'; requires?: readonly ColumnRole[] }> = {
  'timeliness-completed': { section: 'timeliness', label: 'work completed in the period (a count)', accepts: 'number', requires: ['timeliness-within'] },
  'timeliness-within': {
    section: 'timeliness',
    label: 'of the work completed, the part completed within the timescale (a count)',
    accepts: 'number',
    requires: ['timeliness-completed'],
  },
  'timeliness-not-recorded': { section: 'timeliness', label: 'the team does not record this work', accepts: 'yes-no', requires: ['timeliness-completed'] },
};

export function isColumnRole(value: unknown): value is ColumnRole {
  return typeof value === 'string' && (COLUMN_ROLE_NAMES as readonly string[]).includes(value);
}

const COLUMN_ACCEPTS_TEXT = { number: 'a number column (cellType "text" with inputType "number")', 'yes-no': 'a yes/no column (cellType "boolean")' };

function columnFits(role: ColumnRole, column: NonNullable<QuestionDetail['columns']>[number]): boolean {
  if (COLUMN_ROLES[role].accepts === 'number') return column.valueType === 'numeric' && !column.choices?.length && !column.detailPanel;
  const values = (column.choices ?? []).map((c) => c.value).sort();
  return column.cellType === 'boolean' || (column.valueType === 'choice' && values.length === 2 && values[0] === 'false' && values[1] === 'true');
}

/** The matrix columns that play column roles in one version: role → the question and the column. */
export function columnRoleHolders(questions: Iterable<Described>): Map<ColumnRole, { question: Described; column: string }> {
  const holders = new Map<ColumnRole, { question: Described; column: string }>();
  for (const question of questions) {
    for (const column of question.detail.columns ?? []) {
      if (isColumnRole(column.role) && !holders.has(column.role)) holders.set(column.role, { question, column: column.name });
    }
  }
  return holders;
}

/** Problems with one version's column roles: unknown, on the wrong kind of column, declared twice, partner missing. */
function columnRoleProblems(questions: (Described & { role?: string })[]): { question?: string; message: string }[] {
  const problems: { question?: string; message: string }[] = [];
  const holders = new Map<ColumnRole, { question: string; column: string }>();
  for (const question of questions) {
    if (isColumnRole(question.role)) {
      problems.push({ question: question.name, message: `has role "${question.role}", which is a role for a matrix column: put it on the column` });
    }
    for (const column of question.detail.columns ?? []) {
      if (column.role === undefined) continue;
      const path = `${question.name}.${column.name}`;
      if (!isColumnRole(column.role)) {
        problems.push({ question: path, message: `has unknown column role "${column.role}" (known column roles: ${COLUMN_ROLE_NAMES.join(', ')})` });
        continue;
      }
      if (question.type !== 'matrixdropdown') {
        problems.push({ question: path, message: `has column role "${column.role}", which only a column of a matrix of dropdowns (matrixdropdown) can play` });
        continue;
      }
      const holder = holders.get(column.role);
      if (holder) {
        problems.push({
          question: path,
          message: `has column role "${column.role}", which "${holder.question}.${holder.column}" already plays in this version (one column per role)`,
        });
        continue;
      }
      holders.set(column.role, { question: question.name, column: column.name });
      if (!columnFits(column.role, column)) {
        problems.push({
          question: path,
          message: `cannot play column role "${column.role}" (${COLUMN_ROLES[column.role].label}): it must be ${COLUMN_ACCEPTS_TEXT[COLUMN_ROLES[column.role].accepts]}`,
        });
      }
    }
  }
  for (const [role, holder] of holders) {
    for (const needed of COLUMN_ROLES[role].requires ?? []) {
      const partner = holders.get(needed);
      if (!partner || partner.question !== holder.question) {
        problems.push({
          question: `${holder.question}.${holder.column}`,
          message: `has column role "${role}", whose figures also need a column of the same matrix with role "${needed}" (${COLUMN_ROLES[needed].label})`,
        });
      }
    }
  }
  return problems;
}

export function isQuestionRole(value: unknown): value is QuestionRole {
  return typeof value === 'string' && (QUESTION_ROLE_NAMES as readonly string[]).includes(value);
}

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/** The shape a question needs, described for the check's message. */
const ACCEPTS_TEXT: Record<Accepts, string> = {
  number: 'a number question (text with inputType "number")',
  'yes-no': 'a yes/no question (boolean)',
  'numeric-rating': 'a rating with numeric values',
  text: 'a text or comment question',
  'monthly-matrix': 'a matrix whose rows are months (YYYY-MM) with at least one number column',
  choice: 'a single-choice question (radiogroup or dropdown) with at least two choices',
};

const SINGLE_CHOICE = new Set(['radiogroup', 'dropdown', 'rating', 'boolean']);

type Described = { name: string; type: string; valueType: StoredAs; detail: QuestionDetail };

/** Whether a question (as the catalogue describes it) can play the role. */
export function fitsRole(role: QuestionRole, question: Described): boolean {
  switch (QUESTION_ROLES[role].accepts) {
    case 'number':
      return question.valueType === 'numeric' && !question.detail.choices?.length;
    case 'yes-no':
      return question.type === 'boolean';
    case 'numeric-rating':
      return question.type === 'rating' && question.valueType === 'numeric' && (question.detail.choices?.length ?? 0) > 0;
    case 'text':
      return question.valueType === 'text';
    case 'monthly-matrix':
      return (
        question.valueType === 'matrix' &&
        (question.detail.rows?.length ?? 0) >= 2 &&
        question.detail.rows!.every((r) => MONTH.test(r.value)) &&
        (question.detail.columns ?? []).some((c) => c.valueType === 'numeric')
      );
    case 'choice':
      return (question.type === 'radiogroup' || question.type === 'dropdown') && (question.detail.choices?.length ?? 0) >= 2;
    default:
      return false;
  }
}

/** The answers a single-choice question can hold: its choices, or a boolean's two values. */
function answerValues(question: Described): unknown[] {
  if (question.type === 'boolean') return question.detail.booleanValues ?? [true, false];
  return (question.detail.choices ?? []).map((c) => c.value);
}

/**
 * Problems with a case-file audit standard (`meets`, `notApplicable`): it must be a single-choice question, and each
 * value it lists one of the question's answers.
 */
function standardProblems(question: Described): { question?: string; message: string }[] {
  const standard = question.detail.standard;
  if (!standard) return [];
  if (!SINGLE_CHOICE.has(question.type)) {
    return [{ question: question.name, message: `declares "meets", which only a single-choice question (radiogroup, dropdown, rating or boolean) can` }];
  }
  const problems: { question?: string; message: string }[] = [];
  if (!standard.meets.length) problems.push({ question: question.name, message: '"meets" lists no answer: name the answers that meet the standard' });
  const values = answerValues(question).map((v) => JSON.stringify(v));
  for (const [property, listed] of [
    ['meets', standard.meets],
    ['notApplicable', standard.notApplicable],
  ] as const) {
    for (const value of listed) {
      if (!values.includes(JSON.stringify(value))) {
        problems.push({
          question: question.name,
          message: `lists ${JSON.stringify(value)} in "${property}", which is not one of its answers (${values.join(', ')})`,
        });
      }
    }
  }
  for (const value of standard.meets) {
    if (standard.notApplicable.some((v) => JSON.stringify(v) === JSON.stringify(value))) {
      problems.push({ question: question.name, message: `lists ${JSON.stringify(value)} in both "meets" and "notApplicable"` });
    }
  }
  return problems;
}

/** Problems with one version's roles: unknown, on the wrong kind of question, declared twice, missing a partner. */
export function checkRoles(questions: (Described & { role?: string })[]): { question?: string; message: string }[] {
  const problems: { question?: string; message: string }[] = [];
  const holders = new Map<QuestionRole, string>();
  for (const question of questions) {
    problems.push(...standardProblems(question));
    if (question.role === undefined || isColumnRole(question.role)) continue;
    if (!isQuestionRole(question.role)) {
      problems.push({ question: question.name, message: `has unknown role "${question.role}" (known roles: ${QUESTION_ROLE_NAMES.join(', ')})` });
      continue;
    }
    const holder = holders.get(question.role);
    if (holder) {
      problems.push({
        question: question.name,
        message: `has role "${question.role}", which "${holder}" already plays in this version (one question per role)`,
      });
      continue;
    }
    holders.set(question.role, question.name);
    if (!fitsRole(question.role, question)) {
      problems.push({
        question: question.name,
        message: `cannot play role "${question.role}" (${QUESTION_ROLES[question.role].label}): it must be ${ACCEPTS_TEXT[QUESTION_ROLES[question.role].accepts]}`,
      });
    }
  }
  problems.push(...columnRoleProblems(questions));
  for (const [role, name] of holders) {
    for (const needed of QUESTION_ROLES[role].requires ?? []) {
      if (!holders.has(needed)) {
        problems.push({
          question: name,
          message: `has role "${role}", whose figures also need a question with role "${needed}" (${QUESTION_ROLES[needed].label})`,
        });
      }
    }
  }
  return problems;
}
