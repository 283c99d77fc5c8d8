import type { Migration } from 'kysely';
import * as initialSchema from './20261126_000001_initial_schema';
import * as aggregationIndexes from './20261126_000100_aggregation_indexes';
import * as answerTallies from './20261126_000200_answer_tallies';
import * as responseStaffing from './20261126_000300_response_staffing';
import * as questionRoles from './20261130_000100_question_roles';
import * as signInThrottle from './20261130_000200_sign_in_throttle';
import * as caseAudits from './20261201_000100_case_audits';
import * as auditOrigin from './20261202_000100_audit_origin';
import * as actionRegister from './20261202_000200_action_register';
import * as askedAgain from './20261203_000100_asked_again';

// Listed in code (not read from the folder) so migrations run the same under Vitest, tsx and the built server.
// Never edit a migration after it lands: add the next one here.
export const migrations: Record<string, Migration> = {
  '20261126_000001_initial_schema': initialSchema,
  '20261126_000100_aggregation_indexes': aggregationIndexes,
  '20261126_000200_answer_tallies': answerTallies,
  '20261126_000300_response_staffing': responseStaffing,
  '20261130_000100_question_roles': questionRoles,
  '20261130_000200_sign_in_throttle': signInThrottle,
  '20261201_000100_case_audits': caseAudits,
  '20261202_000100_audit_origin': auditOrigin,
  '20261202_000200_action_register': actionRegister,
  '20261203_000100_asked_again': askedAgain,
};
