import fs from 'node:fs';
import path from 'node:path';
import type { LoaderFunctionArgs } from '@remix-run/node';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raiseAction } from '../app/models/actions.server';
import { addCaseByHand } from '../app/models/case-audits.server';
import { createRound } from '../app/models/rounds.server';
import { definitionKey } from '../app/models/questionnaire-page.server';
import { saveResponseChange } from '../app/models/responses.server';
import type { CurrentUser } from '../app/models/users.server';
import { buildAggregationFixture, type AggregationFixture } from './helpers/aggregation-fixtures';
import { onPostgres, useTestDatabase, type TestDatabase } from './helpers/db';
import { callRoute, createUser, sessionHeaders } from './helpers/factories';

/*
 * The authorization matrix: every loader and action of every route module in app/routes/, called as each role, with
 * the answer each role gets. It reads as the specification of who may do what (docs/decisions/010):
 *
 *   data    the page's data, or a 2xx answer        login   a redirect to /login (pages, signed out)
 *   401     problem+json "sign in" (the API)       403     the role does not allow it
 *   404     no such record, or not the caller's    405     the method is not allowed on this address
 *   go      a redirect elsewhere (a success, or the page that fits the role)
 *   409/422 the role got through and was refused on the record's state or the answers (harmless bodies by design)
 *
 * Team A is Alpha Duty (North area), team B Charlie Duty (South area). The ids in the URLs are A's: A's response, A's
 * round, A's team, A's case-audit round and the completed audit of one of A's cases (done by `auditor`, who audits for
 * the whole authority). For every route that takes an id, B's manager and a reviewer of another area must get exactly the
 * same answer (status and body) for A's ids as for an id that does not exist and for a malformed one, so a probe
 * learns nothing. Refused calls must leave the database as it was.
 */

const ROLES = ['anonymous', 'managerA', 'managerB', 'areaReviewer', 'authorityReviewer', 'admin', 'auditor'] as const;
type Role = (typeof ROLES)[number];
type Outcome = 'data' | 'login' | 'go' | 400 | 401 | 403 | 404 | 405 | 409 | 422;

/** `key`: the definition key of A's response's questionnaire version (the questionnaire page's definition URL). */
type Ids = {
  responseId: string;
  roundId: string;
  teamId: string;
  topic: string;
  teamA: string;
  laterRoundA: string;
  key: string;
  caseRoundId: string;
  auditId: string;
  /** A questionnaire and one of its versions (the questionnaire pages): not a team's, so not probed. */
  slug: string;
  version: string;
  /** An action of A's team in the action register (a recommendation a reviewer raised). */
  actionId: string;
};
/** The placeholders that stand for a record a probe must learn nothing about. */
const PROBED = ['responseId', 'roundId', 'teamId', 'caseRoundId', 'auditId', 'actionId'] as const;
type Row = {
  /** The route module in app/routes/. */
  file: string;
  export: 'loader' | 'action';
  method: 'GET' | 'POST' | 'PATCH';
  /** The address, with :responseId, :roundId, :teamId (the ids probed), :topic, :teamA, :laterRoundA, :slug and :version filled from A's. */
  url: string;
  /** The round in the URL is A's Mini-JAR round (the heatmap needs a matrix), not A's Phase 1. */
  jarRound?: true;
  expect: Record<Role, Outcome>;
  /** A body that passes the route's own checks, so a refusal is about who asks. */
  body?: (ids: Ids) => Promise<Body> | Body;
  /** The call signs the session out (logout): each role gets a session of its own for it. */
  ownSession?: true;
};
type Body = { json: unknown } | { form: Record<string, string | string[]> };

// prettier-ignore
const anyone = (outcome: Outcome): Record<Role, Outcome> => ({ anonymous: outcome, managerA: outcome, managerB: outcome, areaReviewer: outcome, authorityReviewer: outcome, admin: outcome, auditor: outcome });
const signedIn = (anonymous: Outcome, outcome: Outcome): Record<Role, Outcome> => ({ ...anyone(outcome), anonymous });
/**
 * Reviewers and the administrator get `outcome`; managers `managers`; the auditor what a manager of another team gets
 * (they see no team's own return), except on a manager's own pages, which their role does not open (403).
 */
const reviewers = (anonymous: Outcome, managers: Outcome, outcome: Outcome): Record<Role, Outcome> => ({
  anonymous,
  managerA: managers,
  managerB: managers,
  areaReviewer: outcome,
  authorityReviewer: outcome,
  admin: outcome,
  auditor: managers === 'data' ? 403 : managers,
});
const adminOnly = (outcome: Outcome): Record<Role, Outcome> => ({ ...signedIn('login', 403), admin: outcome });

// prettier-ignore
const MATRIX: Row[] = [
  // Public
  { file: '_index.tsx', export: 'loader', method: 'GET', url: '/', expect: signedIn('login', 'go') },
  { file: 'healthz.ts', export: 'loader', method: 'GET', url: '/healthz', expect: anyone('data') },
  { file: 'login.tsx', export: 'loader', method: 'GET', url: '/login', expect: signedIn('data', 'go') },
  { file: 'login.tsx', export: 'action', method: 'POST', url: '/login', expect: anyone(401), body: () => ({ form: { email: 'nobody@test.example', password: 'not the password' } }) },
  { file: 'logout.tsx', export: 'loader', method: 'GET', url: '/logout', expect: anyone('go') },
  { file: 'logout.tsx', export: 'action', method: 'POST', url: '/logout', expect: anyone('login'), ownSession: true },
  { file: 'profile.tsx', export: 'loader', method: 'GET', url: '/profile', expect: signedIn('login', 'data') },
  { file: 'profile.tsx', export: 'action', method: 'POST', url: '/profile', expect: signedIn('login', 'data'), body: () => ({ form: { intent: 'create', name: 'matrix' } }) },

  // Administration
  { file: 'admin._index.tsx', export: 'loader', method: 'GET', url: '/admin', expect: adminOnly('data') },
  { file: 'admin._index.tsx', export: 'action', method: 'POST', url: '/admin', expect: adminOnly('data'), body: () => ({ form: { intent: 'enable', userId: String(f.users.manager.id) } }) },
  { file: 'admin.teams.new.tsx', export: 'loader', method: 'GET', url: '/admin/teams/new', expect: adminOnly('data') },
  { file: 'admin.teams.new.tsx', export: 'action', method: 'POST', url: '/admin/teams/new', expect: adminOnly('go'), body: () => ({ form: { name: 'Matrix Team', areaId: String(f.areas.north.id), newArea: '', teamType: 'other' } }) },
  { file: 'admin.users.new.tsx', export: 'loader', method: 'GET', url: '/admin/users/new', expect: adminOnly('data') },
  { file: 'admin.users.new.tsx', export: 'action', method: 'POST', url: '/admin/users/new', expect: adminOnly('go'), body: () => ({ form: { email: 'matrix.user@test.example', name: 'Matrix User', role: 'manager', reviewerArea: '', team: 'alpha', password: 'a long enough password here' } }) },
  { file: 'admin.audit.tsx', export: 'loader', method: 'GET', url: '/admin/audit', expect: adminOnly('data') },
  { file: 'admin.audit[.csv].ts', export: 'loader', method: 'GET', url: '/admin/audit.csv', expect: adminOnly('data') },

  // A manager's pages
  { file: 'my-team._index.tsx', export: 'loader', method: 'GET', url: '/my-team', expect: { ...reviewers('login', 'data', 403), admin: 403 } },
  { file: 'responses.$responseId._index.tsx', export: 'loader', method: 'GET', url: '/responses/:responseId', expect: { anonymous: 'login', managerA: 'data', managerB: 404, areaReviewer: 'go', authorityReviewer: 'go', admin: 'go', auditor: 404 } },
  { file: 'responses.$responseId.definition.$key.ts', export: 'loader', method: 'GET', url: '/responses/:responseId/definition/:key', expect: { ...reviewers('login', 404, 'data'), managerA: 'data' } },
  { file: 'responses.$responseId.history.tsx', export: 'loader', method: 'GET', url: '/responses/:responseId/history', expect: { ...reviewers('login', 404, 'data'), managerA: 'data' } },

  // Review pages
  { file: 'review._index.tsx', export: 'loader', method: 'GET', url: '/review', expect: reviewers('login', 403, 'data') },
  { file: 'review.rounds.new.tsx', export: 'loader', method: 'GET', url: '/review/rounds/new', expect: reviewers('login', 403, 'data') },
  { file: 'review.rounds.new.tsx', export: 'action', method: 'POST', url: '/review/rounds/new', expect: reviewers('login', 403, 'go'), body: () => ({ form: { name: 'Matrix round (page)', questionnaireVersionId: String(f.rounds.phase1.questionnaire_version_id), dueDate: '2009-06-30', teamsBy: 'picked', teamIds: [String(f.teams.alpha.id)] } }) },
  { file: 'review.rounds.$roundId._index.tsx', export: 'loader', method: 'GET', url: '/review/rounds/:roundId', expect: reviewers('login', 403, 'data') },
  // Reopening an open round: allowed roles change nothing and are sent back to the round. Phase 1 spans North and
  // South, so the North reviewer may not open or close it.
  { file: 'review.rounds.$roundId._index.tsx', export: 'action', method: 'POST', url: '/review/rounds/:roundId', expect: { ...reviewers('login', 403, 'go'), areaReviewer: 403 }, body: () => ({ form: { intent: 'open' } }) },
  { file: 'review.rounds.$roundId[.csv].ts', export: 'loader', method: 'GET', url: '/review/rounds/:roundId.csv', expect: reviewers('login', 403, 'data') },
  { file: 'review.rounds.$roundId.compare.tsx', export: 'loader', method: 'GET', url: '/review/rounds/:roundId/compare', expect: reviewers('login', 403, 'data') },
  { file: 'review.rounds.$roundId.heatmap.tsx', export: 'loader', method: 'GET', url: '/review/rounds/:roundId/heatmap', jarRound: true, expect: reviewers('login', 403, 'data') },
  { file: 'review.rounds.$roundId.insights._index.tsx', export: 'loader', method: 'GET', url: '/review/rounds/:roundId/insights', expect: reviewers('login', 403, 'data') },
  { file: 'review.rounds.$roundId.insights.$topic.tsx', export: 'loader', method: 'GET', url: '/review/rounds/:roundId/insights/:topic', expect: reviewers('login', 403, 'data') },
  { file: 'review.rounds.$roundId.phases.tsx', export: 'loader', method: 'GET', url: '/review/rounds/:roundId/phases', expect: reviewers('login', 403, 'data') },
  { file: 'review.responses.$responseId.tsx', export: 'loader', method: 'GET', url: '/review/responses/:responseId', expect: { ...reviewers('login', 'go', 'data') } },
  // Returning a response still in progress: allowed roles get through and are refused on its state (409).
  { file: 'review.responses.$responseId.tsx', export: 'action', method: 'POST', url: '/review/responses/:responseId', expect: reviewers('login', 403, 409), body: () => ({ form: { intent: 'return', reason: 'Matrix', questions: [] } }) },
  { file: 'review.responses.$responseId_.report.tsx', export: 'loader', method: 'GET', url: '/review/responses/:responseId/report', expect: reviewers('login', 403, 'data') },
  { file: 'review.teams.$teamId.compare.tsx', export: 'loader', method: 'GET', url: '/review/teams/:teamId/compare', expect: reviewers('login', 403, 'data') },
  { file: 'review.questionnaires._index.tsx', export: 'loader', method: 'GET', url: '/review/questionnaires', expect: reviewers('login', 403, 'data') },
  { file: 'review.questionnaires.$slug.diff.tsx', export: 'loader', method: 'GET', url: '/review/questionnaires/:slug/diff?from=1&to=2', expect: reviewers('login', 403, 'data') },
  { file: 'review.questionnaires.$slug.v.$version.preview.tsx', export: 'loader', method: 'GET', url: '/review/questionnaires/:slug/v/:version/preview', expect: reviewers('login', 403, 'data') },

  // Case-file audits. A's audit is complete: A's manager reads it and may respond; its auditor reads it; reviewers read
  // it; nobody else sees it. Taking it on again is its own auditor's no-op (sent to it), anyone else's refusal.
  { file: 'audits._index.tsx', export: 'loader', method: 'GET', url: '/audits', expect: { anonymous: 'login', managerA: 'data', managerB: 'data', areaReviewer: 403, authorityReviewer: 403, admin: 403, auditor: 'data' } },
  { file: 'audits._index.tsx', export: 'action', method: 'POST', url: '/audits', expect: { anonymous: 'login', managerA: 403, managerB: 404, areaReviewer: 403, authorityReviewer: 403, admin: 403, auditor: 'go' }, body: (ids) => ({ form: { intent: 'take', responseId: ids.auditId } }) },
  { file: 'audits.$responseId.tsx', export: 'loader', method: 'GET', url: '/audits/:auditId', expect: { ...reviewers('login', 404, 'data'), managerA: 'data', auditor: 'data' } },
  { file: 'audits.$responseId.tsx', export: 'action', method: 'POST', url: '/audits/:auditId', expect: { ...reviewers('login', 404, 403), managerA: 'data', auditor: 403 }, body: () => ({ form: { stance: 'agree', body: 'Matrix response' } }) },
  { file: 'review.rounds.$roundId.cases.tsx', export: 'loader', method: 'GET', url: '/review/rounds/:caseRoundId/cases', expect: reviewers('login', 403, 'data') },
  // Sending a share for moderation: nobody but the first auditor audits for A's area, so nothing is sent (a success).
  { file: 'review.rounds.$roundId.cases.tsx', export: 'action', method: 'POST', url: '/review/rounds/:caseRoundId/cases', expect: reviewers('login', 403, 'data'), body: () => ({ form: { intent: 'moderate', share: '10' } }) },
  { file: 'review.rounds.$roundId.case-figures.tsx', export: 'loader', method: 'GET', url: '/review/rounds/:caseRoundId/case-figures', expect: reviewers('login', 403, 'data') },
  { file: 'review.rounds.$roundId.case-figures[.csv].ts', export: 'loader', method: 'GET', url: '/review/rounds/:caseRoundId/case-figures.csv', expect: reviewers('login', 403, 'data') },
  { file: 'review.rounds.$roundId.case-trend.tsx', export: 'loader', method: 'GET', url: '/review/rounds/:caseRoundId/case-trend', expect: reviewers('login', 403, 'data') },

  // The action register. A's action is a recommendation for A's team: its managers and the reviewers of its area see and
  // update it; an auditor's role opens no action page. Updating with the status it has and a note is a change (a new
  // update on the trail); deciding a proposal that does not exist is the reviewers' 404.
  { file: 'actions._index.tsx', export: 'loader', method: 'GET', url: '/actions', expect: { ...signedIn('login', 'data'), auditor: 403 } },
  { file: 'actions[.csv].ts', export: 'loader', method: 'GET', url: '/actions.csv', expect: { ...signedIn('login', 'data'), auditor: 403 } },
  { file: 'actions[.xlsx].ts', export: 'loader', method: 'GET', url: '/actions.xlsx', expect: { ...signedIn('login', 'data'), auditor: 403 } },
  { file: 'actions.$actionId.tsx', export: 'loader', method: 'GET', url: '/actions/:actionId', expect: { ...reviewers('login', 404, 'data'), managerA: 'data', auditor: 403 } },
  { file: 'actions.$actionId.tsx', export: 'action', method: 'POST', url: '/actions/:actionId', expect: { ...reviewers('login', 404, 'go'), managerA: 'go', auditor: 403 }, body: () => ({ form: { status: 'open', targetDate: '', owner: '', note: 'Matrix note' } }) },
  { file: 'actions.proposed.tsx', export: 'loader', method: 'GET', url: '/actions/proposed', expect: reviewers('login', 403, 'data') },
  { file: 'actions.proposed.tsx', export: 'action', method: 'POST', url: '/actions/proposed', expect: reviewers('login', 403, 404), body: () => ({ form: { decision: 'reject', proposalIds: ['999999'], reason: 'Matrix' } }) },
  { file: 'actions.new.tsx', export: 'loader', method: 'GET', url: '/actions/new', expect: reviewers('login', 403, 'data') },
  { file: 'actions.new.tsx', export: 'action', method: 'POST', url: '/actions/new', expect: reviewers('login', 403, 'go'), body: () => ({ form: { source: 'recommendation', reference: 'R9', title: 'Matrix raised action', teamId: String(f.teams.alpha.id) } }) },

  // API: responses
  { file: 'api.v1.responses._index.ts', export: 'loader', method: 'GET', url: '/api/v1/responses', expect: signedIn(401, 'data') },
  { file: 'api.v1.responses.$responseId.ts', export: 'loader', method: 'GET', url: '/api/v1/responses/:responseId', expect: { ...reviewers(401, 404, 'data'), managerA: 'data' } },
  // Setting an answer to the value it has: the manager's change is accepted and changes nothing.
  { file: 'api.v1.responses.$responseId.ts', export: 'action', method: 'PATCH', url: '/api/v1/responses/:responseId', expect: { ...reviewers(401, 404, 403), managerA: 'data' }, body: async (ids) => ({ json: { baseRevision: await revisionOf(ids.responseId), set: { average_caseload: 22 }, unset: [] } }) },
  { file: 'api.v1.responses.$responseId.confirm.ts', export: 'loader', method: 'GET', url: '/api/v1/responses/:responseId/confirm', expect: anyone(405) },
  // Confirming an answer that was not carried forward: the manager gets through and is refused on the answer (422).
  { file: 'api.v1.responses.$responseId.confirm.ts', export: 'action', method: 'POST', url: '/api/v1/responses/:responseId/confirm', expect: { ...reviewers(401, 404, 403), managerA: 422 }, body: () => ({ json: { questions: ['average_caseload'] } }) },
  { file: 'api.v1.responses.$responseId.submit.ts', export: 'loader', method: 'GET', url: '/api/v1/responses/:responseId/submit', expect: anyone(405) },
  // Submitting an older revision than the response's: the manager gets through and is refused on the revision (409).
  { file: 'api.v1.responses.$responseId.submit.ts', export: 'action', method: 'POST', url: '/api/v1/responses/:responseId/submit', expect: { ...reviewers(401, 404, 403), managerA: 409 }, body: () => ({ json: { revision: 0 } }) },
  { file: 'api.v1.responses.$responseId.return.ts', export: 'loader', method: 'GET', url: '/api/v1/responses/:responseId/return', expect: anyone(405) },
  { file: 'api.v1.responses.$responseId.return.ts', export: 'action', method: 'POST', url: '/api/v1/responses/:responseId/return', expect: reviewers(401, 403, 409), body: () => ({ json: { reason: 'Matrix', questions: [] } }) },
  { file: 'api.v1.responses.$responseId.revisions.ts', export: 'loader', method: 'GET', url: '/api/v1/responses/:responseId/revisions', expect: { ...reviewers(401, 404, 'data'), managerA: 'data' } },

  // API: rounds and teams
  { file: 'api.v1.rounds._index.ts', export: 'loader', method: 'GET', url: '/api/v1/rounds', expect: reviewers(401, 403, 'data') },
  { file: 'api.v1.rounds._index.ts', export: 'action', method: 'POST', url: '/api/v1/rounds', expect: reviewers(401, 403, 'data'), body: () => ({ json: { name: 'Matrix round (API)', questionnaireVersionId: f.rounds.phase1.questionnaire_version_id, dueDate: '2009-06-30', teams: { by: 'picked', teamIds: [f.teams.alpha.id] } } }) },
  { file: 'api.v1.rounds.$roundId.ts', export: 'loader', method: 'GET', url: '/api/v1/rounds/:roundId', expect: reviewers(401, 403, 'data') },
  // Opening an open round: allowed roles change nothing (the North reviewer may not: Phase 1 spans two areas).
  { file: 'api.v1.rounds.$roundId.ts', export: 'action', method: 'PATCH', url: '/api/v1/rounds/:roundId', expect: { ...reviewers(401, 403, 'data'), areaReviewer: 403 }, body: () => ({ json: { status: 'open' } }) },
  { file: 'api.v1.rounds.$roundId.aggregates.ts', export: 'loader', method: 'GET', url: '/api/v1/rounds/:roundId/aggregates', expect: reviewers(401, 403, 'data') },
  { file: 'api.v1.rounds.$roundId.compare.ts', export: 'loader', method: 'GET', url: '/api/v1/rounds/:roundId/compare?teams=:teamA', expect: reviewers(401, 403, 'data') },
  { file: 'api.v1.rounds.$roundId.export[.csv].ts', export: 'loader', method: 'GET', url: '/api/v1/rounds/:roundId/export.csv', expect: reviewers(401, 403, 'data') },
  { file: 'api.v1.rounds.$roundId.export[.xlsx].ts', export: 'loader', method: 'GET', url: '/api/v1/rounds/:roundId/export.xlsx', expect: reviewers(401, 403, 'data') },
  { file: 'api.v1.teams.$teamId.compare.ts', export: 'loader', method: 'GET', url: '/api/v1/teams/:teamId/compare?rounds=:roundId,:laterRoundA', expect: reviewers(401, 403, 'data') },
];

/** Besides B's manager, a reviewer of a third area also probes A's ids: it must learn as little. */
const PROBERS = ['managerB', 'otherAreaReviewer', 'otherAreaAuditor'] as const;
/** An id that does not exist, and malformed ones: A's ids must answer exactly like them. */
const NOT_IDS = ['999999', 'abc'];

let test: TestDatabase;
let f: AggregationFixture;
let users: Record<Role | (typeof PROBERS)[number], CurrentUser | null>;
let headers: Record<string, Record<string, string>>;
let idsOfA: Ids;

beforeAll(async () => {
  test = await useTestDatabase();
  f = await buildAggregationFixture(test.db);
  const managerB = await createUser(test.db, 'manager', { teamId: f.teams.charlie.id }, 'Charlie Manager');
  users = {
    anonymous: null,
    managerA: f.users.manager,
    managerB,
    areaReviewer: f.users.northReviewer,
    authorityReviewer: f.users.reviewer,
    admin: f.users.admin,
    otherAreaReviewer: f.users.elsewhereReviewer,
    auditor: await createUser(test.db, 'auditor', {}, 'Kent Auditor'),
    otherAreaAuditor: await createUser(test.db, 'auditor', { areaId: f.areas.elsewhere.id }, 'Elsewhere Auditor'),
  };
  headers = {};
  for (const [role, user] of Object.entries(users)) headers[role] = user ? await sessionHeaders(test.db, user) : {};
  // A's response in an open round shared with B's team, in progress with one answer (revision 1).
  const round = await createRound(
    test.db,
    {
      name: 'Matrix',
      questionnaireVersionId: f.rounds.phase1.questionnaire_version_id,
      dueDate: '2009-06-30',
      teamIds: [f.teams.alpha.id, f.teams.charlie.id],
    },
    f.users.admin.id,
  );
  const response = await test.db
    .selectFrom('responses')
    .select('id')
    .where('round_id', '=', round.id)
    .where('team_id', '=', f.teams.alpha.id)
    .executeTakeFirstOrThrow();
  await saveResponseChange(test.db, f.users.manager, response.id, { baseRevision: 0, set: { average_caseload: 22 }, unset: [] });
  // A case-audit round for A's and B's teams, with one of A's cases audited (complete) by the authority's auditor.
  const caseRound = await createRound(
    test.db,
    {
      subject: 'case',
      name: 'Matrix audit',
      questionnaireVersionId: f.rounds.phase1.questionnaire_version_id,
      dueDate: '2009-06-30',
      teamIds: [f.teams.alpha.id, f.teams.charlie.id],
    },
    f.users.admin.id,
  );
  const audited = await addCaseByHand(test.db, f.users.reviewer, caseRound.id, { teamId: f.teams.alpha.id, reference: 'A-1', kind: 'child-in-need' });
  const audit = await test.db
    .updateTable('responses')
    .set({ auditor_id: users.auditor!.id, status: 'submitted', submitted_at: new Date() })
    .where('case_id', '=', audited.id)
    .returning('id')
    .executeTakeFirstOrThrow();
  idsOfA = {
    responseId: String(response.id),
    roundId: String(f.rounds.phase1.id),
    teamId: String(f.teams.alpha.id),
    topic: 'caseloads',
    teamA: String(f.teams.alpha.id),
    laterRoundA: String(f.rounds.phase2.id),
    key: await definitionKey(test.db, f.rounds.phase1.questionnaire_version_id),
    caseRoundId: String(caseRound.id),
    auditId: String(audit.id),
    slug: 'team-self-assessment',
    version: '1',
    actionId: String(
      (await raiseAction(test.db, f.users.reviewer, { source: 'recommendation', reference: 'R1', title: 'Matrix action', teamId: f.teams.alpha.id })).id,
    ),
  };
});
afterAll(() => test.destroy());

async function revisionOf(responseId: string): Promise<number> {
  if (!/^\d+$/.test(responseId)) return 0;
  const row = await test.db.selectFrom('responses').select('revision').where('id', '=', Number(responseId)).executeTakeFirst();
  return row?.revision ?? 0;
}

type Answer = { outcome: Outcome | number; status: number; body: string; location: string | null };

async function call(row: Row, role: string, ids: Ids): Promise<Answer> {
  const routeModule = await import(`../app/routes/${row.file}`);
  const fn = routeModule[row.export] as (args: LoaderFunctionArgs) => Promise<unknown>;
  if (row.jarRound && ids.roundId === idsOfA.roundId) ids = { ...ids, roundId: String(f.rounds.jar.id) };
  const params: Record<string, string> = {};
  const [pathname] = row.url.split('?');
  const url = row.url.replace(/:(\w+)/g, (_, name: keyof Ids) => encodeURIComponent(ids[name]));
  // The case-audit ids fill the route's own parameters (a case round is a round, an audit a response).
  const paramOf: Record<string, string> = { caseRoundId: 'roundId', auditId: 'responseId' };
  for (const [, name] of pathname.matchAll(/:(\w+)/g)) params[paramOf[name] ?? name] = ids[name as keyof Ids];
  const requestHeaders: Record<string, string> = {
    ...(row.ownSession && users[role as Role] ? await sessionHeaders(test.db, users[role as Role]!) : headers[role]),
  };
  let requestBody: BodyInit | undefined;
  const body = await row.body?.(ids);
  if (body && 'json' in body) {
    requestBody = JSON.stringify(body.json);
    requestHeaders['Content-Type'] = 'application/json';
  } else if (body) {
    const form = new URLSearchParams();
    for (const [name, value] of Object.entries(body.form)) for (const v of [value].flat()) form.append(name, v);
    requestBody = form;
  }
  const result = await callRoute(fn, url, { method: row.method, headers: requestHeaders, body: requestBody, params });
  if (!(result instanceof Response)) {
    // An action's `data(body, { status })`: the status it will be sent with.
    const status =
      (result as { type?: string; init?: { status?: number } } | null)?.type === 'DataWithResponseInit'
        ? ((result as { init: { status?: number } }).init.status ?? 200)
        : 200;
    return { outcome: status < 300 ? 'data' : status, status, body: JSON.stringify(result), location: null };
  }
  const location = result.headers.get('Location');
  const text = await result.text();
  const status = result.status;
  const outcome: Outcome | number =
    status >= 300 && status < 400 ? (location?.startsWith('/login') ? 'login' : 'go') : status >= 200 && status < 300 ? 'data' : status;
  return { outcome, status, body: text, location };
}

/** The message of a refusal: a page action's form `error`, or the body as it is. */
function messageOf(answer: Answer): string {
  const parsed = answer.body.startsWith('{"type":"DataWithResponseInit"') ? (JSON.parse(answer.body) as { data: { error?: string } }) : null;
  return parsed?.data.error ?? answer.body;
}

/** What the database holds that a refused call could have changed. */
async function fingerprint(): Promise<string> {
  const count = (table: string) => sql<{ n: string }>`select count(*)::text as n from ${sql.table(table)}`.execute(test.db).then((r) => r.rows[0].n);
  return JSON.stringify({
    responses: await test.db.selectFrom('responses').select(['id', 'status', 'revision', 'data']).orderBy('id').execute(),
    rounds: await test.db.selectFrom('rounds').select(['id', 'status']).orderBy('id').execute(),
    counts: await Promise.all(
      ['response_revisions', 'teams', 'areas', 'users', 'memberships', 'api_tokens', 'sessions', 'actions', 'action_updates', 'action_proposals'].map(count),
    ),
  });
}

describe(`the authorization matrix (${onPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  it('has a row for every loader and action of every route module, and no row for one that is gone', async () => {
    const exported: string[] = [];
    for (const file of fs.readdirSync(path.resolve('app/routes')).sort()) {
      const routeModule = await import(`../app/routes/${file}`);
      for (const name of ['loader', 'action'] as const) if (typeof routeModule[name] === 'function') exported.push(`${file} ${name}`);
    }
    const listed = MATRIX.map((row) => `${row.file} ${row.export}`);
    expect(
      exported.filter((e) => !listed.includes(e)),
      'route exports without a row in MATRIX',
    ).toEqual([]);
    expect(
      listed.filter((l) => !exported.includes(l)),
      'rows in MATRIX for no route export',
    ).toEqual([]);
    expect(new Set(listed).size, 'one row per route export').toBe(listed.length);
  });

  for (const row of MATRIX) {
    it(`${row.method} ${row.url} (${row.file} ${row.export})`, async () => {
      for (const role of ROLES) {
        const before = await fingerprint();
        const answer = await call(row, role, idsOfA);
        expect(answer.outcome, `${role}: ${answer.status} ${answer.location ?? answer.body.slice(0, 200)}`).toBe(row.expect[role]);
        if (answer.outcome === 'login') expect(answer.location).toMatch(/^\/login(\?redirectTo=|$)/);
        if (row.url.startsWith('/api/') && answer.status >= 400) expect(answer.body, role).toMatch(/^\{"type":/); // problem+json
        const refused = typeof answer.outcome === 'number' || (answer.outcome === 'login' && !row.ownSession); // signing out is no refusal
        if (refused) expect(await fingerprint(), `${role}: a refused call changed the database`).toBe(before);
      }
    });

    if (!PROBED.some((name) => row.url.includes(`:${name}`))) continue;
    it(`${row.method} ${row.url}: A's ids answer other teams' managers and other areas' reviewers as ids that do not exist`, async () => {
      for (const role of PROBERS) {
        const before = await fingerprint();
        const ofA = await call(row, role, idsOfA);
        expect(await fingerprint(), `${role}: probing A's ids changed the database`).toBe(before);
        for (const notId of NOT_IDS) {
          const other = { ...idsOfA, ...Object.fromEntries(PROBED.map((name) => [name, notId])) };
          const probe = await call(row, role, other);
          // A redirect names the address asked for: compare it with the id taken out.
          const same = (a: Answer, id: string) => ({ ...a, location: a.location?.replace(encodeURIComponent(id), ':id') ?? null });
          const idOf = (ids: Ids) => ids[PROBED.find((name) => row.url.includes(`:${name}`))!];
          if (notId !== 'abc') {
            expect(same(ofA, idOf(idsOfA)), `${role}: A's ids vs ${notId}`).toEqual(same(probe, idOf(other)));
            continue;
          }
          // A malformed id is refused before any lookup, as the error page's plain text; page actions show a missing
          // record on their form instead: the same status and message, in another wrapping (no more to learn).
          expect({ ...same(ofA, idOf(idsOfA)), body: messageOf(ofA) }, `${role}: A's ids vs ${notId}`).toEqual({
            ...same(probe, idOf(other)),
            body: messageOf(probe),
          });
        }
      }
    });
  }
});
