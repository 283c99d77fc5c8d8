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
type Accepts = 'number' | 'yes-no' | 'numeric-rating' | 'text' | 'monthly-matrix';

type RoleSpec = {
  /** The figures the role feeds: the staffing section, the caseloads section, thresholds or monthly activity. */
  section: 'staffing' | 'caseloads' | 'thresholds' | 'activity';
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
};

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
};

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
    default:
      return false;
  }
}

/** Problems with one version's roles: unknown, on the wrong kind of question, declared twice, missing a partner. */
export function checkRoles(questions: (Described & { role?: string })[]): { question?: string; message: string }[] {
  const problems: { question?: string; message: string }[] = [];
  const holders = new Map<QuestionRole, string>();
  for (const question of questions) {
    if (question.role === undefined) continue;
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
