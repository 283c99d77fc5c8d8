import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

// Timestamps come back as Date from both drivers; they may be written as Date or ISO string.
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
// jsonb is always written through db/json.ts (a RawBuilder), read as parsed JSON.
type Json<T> = ColumnType<T, unknown, unknown>;

export const TEAM_TYPES = ['duty-initial-assessment', 'long-term-child-protection', 'looked-after-children', 'disability', 'other'] as const;
export type TeamType = (typeof TEAM_TYPES)[number];
export const TEAM_TYPE_LABELS: Record<TeamType, string> = {
  'duty-initial-assessment': 'Duty and initial assessment',
  'long-term-child-protection': 'Long-term / child protection',
  'looked-after-children': 'Looked-after children',
  disability: 'Disability',
  other: 'Other',
};

/** The kinds of case a case-file audit samples from. */
export const CASE_KINDS = ['child-protection-plan', 'looked-after', 'child-in-need', 'other'] as const;
export type CaseKind = (typeof CASE_KINDS)[number];
export const CASE_KIND_LABELS: Record<CaseKind, string> = {
  'child-protection-plan': 'Child protection plan',
  'looked-after': 'Looked after',
  'child-in-need': 'Child in need',
  other: 'Other',
};

export type Role = 'admin' | 'reviewer' | 'manager' | 'auditor';
/** What a round's responses are about: the team (one response each) or sampled cases (one audit each). */
export type RoundSubject = 'team' | 'case';
export type ResponseStatus = 'not_started' | 'in_progress' | 'submitted' | 'returned';
export type RevisionKind = 'edit' | 'submit' | 'return' | 'carry_forward' | 'confirm' | 'reopen' | 'follow_up';
export type ValueType = 'numeric' | 'text' | 'choice';

export type VersionMapping = {
  from: number;
  renamed: Record<string, string>;
  removed: string[];
  /**
   * Questions of this version whose period changed since the version mapped from, by their name in this version, with
   * the reason the version gives (null when it gives none): their earlier answers are not carried forward
   * (docs/decisions/023). Mappings stored before it existed have none.
   */
  askAgain?: Record<string, string | null>;
};
/**
 * Answers carried forward from the previous phase, by question: where from, whether that response was submitted,
 * whether the manager has confirmed it, and the parts of it the new version could not hold (`dropped`, when any).
 */
export type CarriedAnswers = Record<
  string,
  { fromResponseId: number; fromRoundId: number; confirmed: boolean; submitted: boolean; dropped?: Array<{ path: string; message: string }> }
>;
/**
 * Questions asked again in this response rather than carried forward, because a version on the way from the earlier
 * round's version marks them `askAgain` (their period changed): by question, the name the earlier answer had, where
 * it was, which version asked again and why. Kept beside `carried`, not in it: every count of carried answers (code
 * and SQL) reads each entry of `carried` as an answer to confirm. See docs/decisions/023.
 */
export type AskedAgain = Record<string, { from: string; fromResponseId: number; fromRoundId: number; version: number; reason: string | null }>;

export interface AreasTable {
  id: Generated<number>;
  slug: string;
  name: string;
  created_at: Timestamp;
}

export interface TeamsTable {
  id: Generated<number>;
  slug: string;
  name: string;
  area_id: number;
  team_type: TeamType;
  created_at: Timestamp;
  archived_at: NullableTimestamp;
}

export interface UsersTable {
  id: Generated<number>;
  email: string;
  name: string;
  password_hash: string | null;
  created_at: Timestamp;
  disabled_at: NullableTimestamp;
}

export interface MembershipsTable {
  id: Generated<number>;
  user_id: number;
  role: Role;
  area_id: number | null;
  team_id: number | null;
  created_at: Timestamp;
}

export interface QuestionnairesTable {
  id: Generated<number>;
  slug: string;
  title: string;
  description: Generated<string>;
  created_at: Timestamp;
}

export interface QuestionnaireVersionsTable {
  id: Generated<number>;
  questionnaire_id: number;
  version: number;
  definition: Json<Record<string, unknown>>;
  sha256: string;
  change_notes: Generated<string>;
  mapping: Json<VersionMapping | null>;
  published_at: Timestamp;
  published_by: number | null;
}

export interface VersionQuestionsTable {
  version_id: number;
  name: string;
  position: number;
  page: string;
  title: string;
  type: string;
  topic: string;
  value_type: StoredAs;
  detail: Json<QuestionDetail>;
}

/** The role a question plays in the special figures (app/models/question-roles.ts), per published version. */
export interface QuestionRolesTable {
  version_id: number;
  role: string;
  question: string;
}

/** How a question (or a matrix cell, or a question inside a dynamic panel) stores its answer. */
export type StoredAs = ValueType | 'matrix' | 'multiple' | 'dynamic';

/**
 * What a choice question accepts beyond its listed choices, as SurveyJS's UI produces it (decision 017):
 *  - other: the "Other" item; its text is kept in `<name>-Comment` ('comment') or is the value itself ('value');
 *  - open: any value (choices the respondent types, or choices copied from another question's answers);
 *  - exclusive: special items chosen alone (none, refused, don't know);
 *  - maxSelected: at most this many ticked.
 */
export type ChoiceRules = { other?: 'comment' | 'value'; open?: boolean; exclusive?: string[]; maxSelected?: number };

/** One matrix column: its value type, choices and, where used, the SurveyJS cell type and choice rules. */
export type MatrixColumn = {
  name: string;
  title: string;
  valueType: ValueType;
  multiple?: boolean;
  choices?: { value: string; text: string }[];
  /** The cell's SurveyJS type when the value cannot be told from the rest (boolean cells with their own values). */
  cellType?: string;
  rules?: ChoiceRules;
  booleanValues?: [unknown, unknown];
  /** A question of the row's detail panel, kept in the row's object like a column. */
  detailPanel?: boolean;
  /** The part the column plays in the special figures (a column role of app/models/question-roles.ts), when it has one. */
  role?: string;
};

/** A question inside a dynamic panel, or a column of a dynamic matrix: described like a question. */
export type NestedField = { name: string; title: string; type: string; valueType: StoredAs; detail: QuestionDetail };

/** What a question's answers look like: rows, columns (with their own value types) and choices. */
export type QuestionDetail = {
  rows?: { value: string; text: string }[];
  columns?: MatrixColumn[];
  choices?: { value: string; text: string }[];
  items?: { name: string; title: string; valueType: ValueType }[];
  /** For text questions: 'date', 'number', 'email'… */
  inputType?: string;
  rules?: ChoiceRules;
  /** The question has a comment area, kept in `<name>-Comment`. */
  comment?: boolean;
  /** A matrix whose columns show totals: SurveyJS keeps them, computed, in `<name>-total`. */
  totals?: boolean;
  /** A boolean whose answers are these values (valueTrue, valueFalse) instead of true and false. */
  booleanValues?: [unknown, unknown];
  /** A ranking: the answer is the list of items in order; stored as the rank (1, 2…) of each item in `rows`. */
  ranking?: boolean;
  /** A slider selecting a range: the answer is [from, to], stored as the items `from` and `to`. */
  range?: boolean;
  /** A slider's scale: its values run from `min` to `max` by `step`. */
  scale?: { min: number; max: number; step: number };
  /** A dynamic matrix ('rows') or dynamic panel ('panels'): a list of objects, each holding `fields`. */
  dynamic?: 'rows' | 'panels';
  fields?: NestedField[];
  /** The most rows or panels the respondent can add. */
  maxCount?: number;
  /** Keys of a matrix row or a panel that SurveyJS computes (expression cells and questions): kept, never aggregated. */
  computed?: string[];
  /** A standard of a case-file audit: the answers that meet it, and those that take the case out of its count. */
  standard?: { meets: unknown[]; notApplicable: unknown[] };
};

export interface RoundsTable {
  id: Generated<number>;
  name: string;
  questionnaire_version_id: number;
  due_date: ColumnType<string, string, string>;
  status: Generated<'open' | 'closed'>;
  follows_round_id: number | null;
  created_by: number | null;
  created_at: Timestamp;
  closed_at: NullableTimestamp;
  closed_by: number | null;
  subject: Generated<RoundSubject>;
  /** An annual practice audit: the next round is due this many months after this one. */
  repeat_months: number | null;
  /** How a case round samples its cases (app/models/case-sampling.server.ts), kept for the rounds that repeat it. */
  sample_rule: Json<StoredSampleRule | null>;
}

/** A sample rule as a round keeps it: the seed, the size per team and whether it is drawn per kind of case. */
export type StoredSampleRule = { seed: string; size: { count: number } | { share: number }; stratifyByKind: boolean };

export interface RoundTeamsTable {
  round_id: number;
  team_id: number;
}

export interface CaseDrawsTable {
  id: Generated<number>;
  round_id: number;
  rule: Json<StoredSampleRule>;
  teams: number;
  cases: number;
  drawn_by: number | null;
  drawn_at: Timestamp;
}

export interface AuditCasesTable {
  id: Generated<number>;
  round_id: number;
  team_id: number;
  reference: string;
  kind: CaseKind;
  worker: string | null;
  opened_on: ColumnType<string | null, string | null | undefined, string | null>;
  selected: 'drawn' | 'hand' | null;
  draw_id: number | null;
  added_by: number | null;
  created_at: Timestamp;
}

export interface ModerationDecisionsTable {
  id: Generated<number>;
  response_id: number;
  question: string;
  value: Json<unknown>;
  note: Generated<string>;
  decided_by: number | null;
  decided_at: Timestamp;
}

export type ReplyStance = 'agree' | 'partly' | 'disagree';

export interface AuditRepliesTable {
  id: Generated<number>;
  response_id: number;
  stance: ReplyStance;
  body: string;
  author_id: number | null;
  created_at: Timestamp;
}

/** What a question or matrix column holds for the action register (docs/decisions/024). */
export type ActionPart =
  'action' | 'owner' | 'target-date' | 'follow-up' | 'follow-up-ref' | 'follow-up-action' | 'follow-up-status' | 'follow-up-target-date' | 'follow-up-evidence';
export type ActionStatus = 'open' | 'in_progress' | 'done' | 'dropped';
export type ActionSource = 'answer' | 'case-audit' | 'recommendation';
export type ProposalStatus = 'proposed' | 'accepted' | 'merged' | 'rejected';
export type ActionUpdateKind = 'created' | 'update' | 'merged' | 'follow-up';

export interface ActionFieldsTable {
  version_id: number;
  question: string;
  column_name: string;
  part: ActionPart;
}

export interface ActionsTable {
  id: Generated<number>;
  reference: string | null;
  title: string;
  team_id: number | null;
  owner: Generated<string>;
  target_date: string | null;
  status: Generated<ActionStatus>;
  dropped_reason: string | null;
  topic: string | null;
  source: ActionSource;
  source_response_id: number | null;
  source_question: string | null;
  source_row: string | null;
  round_id: number | null;
  created_by: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  updated_by: number | null;
  closed_at: NullableTimestamp;
}

export interface ActionProposalsTable {
  id: Generated<number>;
  response_id: number;
  question: string;
  row_name: Generated<string>;
  title: string;
  owner: Generated<string>;
  target_text: Generated<string>;
  target_date: string | null;
  topic: string | null;
  status: Generated<ProposalStatus>;
  action_id: number | null;
  reason: string | null;
  decided_by: number | null;
  decided_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface ActionUpdatesTable {
  id: Generated<number>;
  action_id: number;
  kind: ActionUpdateKind;
  author_id: number | null;
  at: Timestamp;
  status: ActionStatus | null;
  target_date: string | null;
  owner: string | null;
  note: Generated<string>;
  evidence_response_id: number | null;
  proposal_id: number | null;
}

export interface ResponsesTable {
  id: Generated<number>;
  round_id: number;
  team_id: number;
  questionnaire_version_id: number;
  status: Generated<ResponseStatus>;
  data: Json<Record<string, unknown>>;
  revision: Generated<number>;
  current_page: string | null;
  answered_count: Generated<number>;
  answerable_count: Generated<number>;
  carried: Json<CarriedAnswers>;
  carried_from_response_id: number | null;
  /** Questions asked again rather than carried forward (null for a response not carried from an earlier round). */
  asked_again: Json<AskedAgain | null>;
  created_at: Timestamp;
  updated_at: Timestamp;
  updated_by: number | null;
  submitted_at: NullableTimestamp;
  submitted_by: number | null;
  returned_at: NullableTimestamp;
  returned_by: number | null;
  return_reason: string | null;
  return_questions: Json<string[] | null>;
  /** Case rounds: the audited case, the auditor doing it, and for a second, blind audit the first one's id. */
  case_id: number | null;
  auditor_id: number | null;
  moderation_of: number | null;
}

export interface ResponseRevisionsTable {
  id: Generated<string>;
  response_id: number;
  revision: number;
  base_revision: number;
  kind: RevisionKind;
  author_id: number | null;
  created_at: Timestamp;
  questions: ColumnType<string[], unknown, never>;
  changes: Json<unknown>;
  note: string | null;
  client_change_id: string | null;
}

export interface AnswersTable {
  id: Generated<string>;
  response_id: number;
  round_id: number;
  team_id: number;
  question: string;
  row_key: Generated<string>;
  column_key: Generated<string>;
  topic: string;
  value_type: ValueType;
  value_numeric: number | null;
  value_text: string | null;
  value_choice: string | null;
}

/** How many responses of a status and team type gave a value to a numeric answer (see app/models/tallies.server.ts). */
export interface AnswerTalliesTable {
  round_id: number;
  topic: string;
  question: string;
  row_key: string;
  column_key: string;
  value: number;
  status: ResponseStatus;
  team_type: TeamType;
  responses: number;
}

/** One response's staffing and caseload answers side by side (see app/models/aggregation/staffing.server.ts). */
export interface ResponseStaffingTable {
  response_id: number;
  round_id: number;
  team_id: number;
  establishment: number | null;
  permanent: number | null;
  agency: number | null;
  vacant: number | null;
  workers: number | null;
  average: number | null;
  highest: number | null;
  nqsw: number | null;
  nqsw_average: number | null;
  nqsw_protected: boolean | null;
}

export interface SessionsTable {
  id: string;
  user_id: number;
  created_at: Timestamp;
  expires_at: Timestamp;
  last_seen_at: Timestamp;
  user_agent: string | null;
  revoked_at: NullableTimestamp;
}

/** Failed sign-ins in the current window, per account or client address (the key is a sha256 hash). */
export interface SignInThrottleTable {
  scope: 'account' | 'address';
  key_hash: string;
  failures: number;
  window_started_at: Timestamp;
}

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  token_hash: string;
  prefix: string;
  created_at: Timestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface AuditEventsTable {
  id: Generated<string>;
  at: Timestamp;
  actor_id: number | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  details: Json<Record<string, unknown>>;
  /** The client's network address of the request that recorded it; null outside a request (CLI, seed) and before 2026-12-02. */
  address: string | null;
  /** The request's User-Agent, cut to 300 characters; null as address. */
  user_agent: string | null;
}

export interface Database {
  areas: AreasTable;
  teams: TeamsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  questionnaires: QuestionnairesTable;
  questionnaire_versions: QuestionnaireVersionsTable;
  version_questions: VersionQuestionsTable;
  question_roles: QuestionRolesTable;
  rounds: RoundsTable;
  responses: ResponsesTable;
  round_teams: RoundTeamsTable;
  case_draws: CaseDrawsTable;
  audit_cases: AuditCasesTable;
  moderation_decisions: ModerationDecisionsTable;
  audit_replies: AuditRepliesTable;
  action_fields: ActionFieldsTable;
  actions: ActionsTable;
  action_proposals: ActionProposalsTable;
  action_updates: ActionUpdatesTable;
  response_revisions: ResponseRevisionsTable;
  answers: AnswersTable;
  answer_tallies: AnswerTalliesTable;
  response_staffing: ResponseStaffingTable;
  sessions: SessionsTable;
  sign_in_throttle: SignInThrottleTable;
  api_tokens: ApiTokensTable;
  audit_events: AuditEventsTable;
}

export type Team = Selectable<TeamsTable>;
export type User = Selectable<UsersTable>;
export type Round = Selectable<RoundsTable>;
export type ResponseRow = Selectable<ResponsesTable>;
export type NewAnswer = Insertable<AnswersTable>;
export type ResponseUpdate = Updateable<ResponsesTable>;
