import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  actionDetail,
  actionRegister,
  decideProposals,
  findActions,
  listProposals,
  raiseAction,
  readTargetDate,
  registerFilterFrom,
  requireVisibleAction,
  updateAction,
} from '../app/models/actions.server';
import { NOT_FOUND } from '../app/models/errors.server';
import { getQuestionnaireVersion } from '../app/models/questionnaires.server';
import { requireVisibleResponse, saveResponseChange, submitResponse } from '../app/models/responses.server';
import { createNextPhase, createRound } from '../app/models/rounds.server';
import type { CurrentUser } from '../app/models/users.server';
import { createRng, generateMiniJar } from '../db/seed/answers';
import { useTestDatabase, type TestDatabase } from './helpers/db';
import { createKent, createUser, publishFixtureSurveys } from './helpers/factories';

/*
 * The action register end to end (docs/actions.md): actions proposed from a submitted mini-JAR return, decided by a
 * reviewer, updated by the team's manager only, followed up through the Phase 2 matrix into the register; every change
 * kept as an update and an audit event.
 */

let test: TestDatabase;
let versions: Record<string, number>;
let ashford: { id: number };
let dover: { id: number };
let sevenoaks: { id: number };
let reviewer: CurrentUser;
let westReviewer: CurrentUser;
let ashfordManager: CurrentUser;
let doverManager: CurrentUser;
let phase1: { id: number };
let ashfordResponse: number;
let submittedData: Record<string, unknown>;

/** The mini-JAR questionnaire alone (with the topics), so these tests do not depend on other questionnaires. */
function miniJarOnly(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stocktake-actions-'));
  fs.copyFileSync(path.resolve('surveys/topics.json'), path.join(dir, 'topics.json'));
  fs.cpSync(path.resolve('surveys/mini-jar-matrix'), path.join(dir, 'mini-jar-matrix'), { recursive: true });
  return dir;
}

async function submitAs(user: CurrentUser, responseId: number, set: Record<string, unknown>) {
  const before = await requireVisibleResponse(test.db, user, responseId);
  const saved = await saveResponseChange(test.db, user, responseId, { baseRevision: before.revision, set, unset: [] });
  return submitResponse(test.db, user, responseId, { revision: saved.revision });
}

async function auditActions(): Promise<string[]> {
  const rows = await test.db.selectFrom('audit_events').select('action').where('action', 'like', 'action.%').orderBy('id').execute();
  return rows.map((r) => r.action);
}

beforeAll(async () => {
  test = await useTestDatabase();
  versions = await publishFixtureSurveys(test.db, miniJarOnly());
  const kent = await createKent(test.db, {
    east: [
      ['duty-initial-assessment', 'Ashford Duty'],
      ['long-term-child-protection', 'Dover Child Protection'],
    ],
    west: [['duty-initial-assessment', 'Sevenoaks Duty']],
  });
  [ashford, dover] = kent.eastTeams;
  [sevenoaks] = kent.westTeams;
  reviewer = await createUser(test.db, 'reviewer', { areaId: kent.east.id }, 'Eve Reviewer');
  westReviewer = await createUser(test.db, 'reviewer', { areaId: kent.west.id }, 'Wyn Reviewer');
  ashfordManager = await createUser(test.db, 'manager', { teamId: ashford.id }, 'Ash Manager');
  doverManager = await createUser(test.db, 'manager', { teamId: dover.id }, 'Dov Manager');
  phase1 = await createRound(
    test.db,
    { name: 'Phase 1: mini-JAR', questionnaireVersionId: versions['mini-jar-matrix@1'], dueDate: '2009-01-31', teamIds: [ashford.id, dover.id, sevenoaks.id] },
    reviewer.id,
  );
  const responses = await test.db.selectFrom('responses').select(['id', 'team_id']).where('round_id', '=', phase1.id).execute();
  ashfordResponse = responses.find((r) => r.team_id === ashford.id)!.id;
  submittedData = generateMiniJar(
    { slug: 'ashford-duty', name: 'Ashford Duty', area: 'East Kent', teamType: 'duty-initial-assessment', index: 3 },
    createRng(7),
  );
  await submitAs(ashfordManager, ashfordResponse, submittedData);
});

afterAll(async () => {
  await test?.destroy();
});

describe('target dates as people write them', () => {
  it('reads ISO, day/month/year, day month year and month year (its last day), and nothing else', () => {
    expect(readTargetDate('2009-03-31')).toBe('2009-03-31');
    expect(readTargetDate('31/3/2009')).toBe('2009-03-31');
    expect(readTargetDate('1 April 2009')).toBe('2009-04-01');
    expect(readTargetDate('end of June 2009')).toBe('2009-06-30');
    expect(readTargetDate('Feb 2009')).toBe('2009-02-28');
    expect(readTargetDate('31/2/2009')).toBeNull();
    expect(readTargetDate('asap')).toBeNull();
    expect(readTargetDate('')).toBeNull();
  });
});

describe('the actions answers name', () => {
  const version = {
    catalogue: new Map([
      [
        'urgent',
        { name: 'urgent', position: 1, page: 'p2', title: 'Urgent action', type: 'comment', topic: 'urgent-actions', valueType: 'text' as const, detail: {} },
      ],
      [
        'urgent_owner',
        { name: 'urgent_owner', position: 2, page: 'p2', title: 'Who', type: 'text', topic: 'urgent-actions', valueType: 'text' as const, detail: {} },
      ],
      [
        'other_page_owner',
        { name: 'other_page_owner', position: 3, page: 'p3', title: 'Who', type: 'text', topic: 'x', valueType: 'text' as const, detail: {} },
      ],
    ]),
    actionFields: [
      { question: 'urgent', column: '', part: 'action' as const },
      { question: 'urgent_owner', column: '', part: 'owner' as const },
      { question: 'other_page_owner', column: '', part: 'owner' as const },
    ],
  };
  it('finds a question’s action with the owner on its own page, and nothing in an answer that says there is none', () => {
    expect(
      findActions(version, { urgent: ' Cover the two duty vacancies with agency staff now. ', urgent_owner: 'Area manager', other_page_owner: 'Someone else' }),
    ).toEqual([
      {
        question: 'urgent',
        row: '',
        rowLabel: '',
        title: 'Cover the two duty vacancies with agency staff now.',
        owner: 'Area manager',
        targetText: '',
        topic: 'urgent-actions',
      },
    ]);
    for (const none of ['None', 'none.', 'N/A', 'Nothing urgent', '-', '']) expect(findActions(version, { urgent: none })).toEqual([]);
  });
});

describe('proposals from a submitted return', () => {
  it('proposes one action per matrix row with an action, with its owner and target date, from the declared columns', async () => {
    const version = await getQuestionnaireVersion(test.db, versions['mini-jar-matrix@1']);
    const expected = findActions(version, submittedData);
    const withAction = Object.values(submittedData)
      .filter((v): v is Record<string, Record<string, string>> => typeof v === 'object' && v !== null)
      .flatMap((rows) => Object.values(rows))
      .filter((cell) => cell.action);
    expect(expected.length).toBe(withAction.length);
    expect(expected.length).toBeGreaterThan(1);
    const { proposals } = await listProposals(test.db, reviewer);
    expect(proposals.map((p) => p.title).sort()).toEqual(withAction.map((c) => c.action).sort());
    for (const p of proposals) {
      const cell = (submittedData[p.question] as Record<string, Record<string, string>>)[p.row_name];
      expect(p.owner).toBe(cell.owner);
      expect(p.target_date).toBe(cell.target_date);
      expect(p.row_label.length).toBeGreaterThan(10); // the standard's wording, not its code
      expect(p.team_id).toBe(ashford.id);
    }
    expect(await auditActions()).toEqual(['action.propose']);
  });

  it('shows proposals only to reviewers of the team’s area; managers are refused', async () => {
    expect((await listProposals(test.db, westReviewer)).proposals).toEqual([]);
    await expect(listProposals(test.db, ashfordManager)).rejects.toMatchObject({ status: 403 });
  });

  it('a resubmission after a return updates what is waiting and does not propose twice', async () => {
    const before = (await listProposals(test.db, reviewer)).proposals;
    const [first] = before;
    const changed = structuredClone(submittedData) as Record<string, Record<string, Record<string, string>>>;
    changed[first.question][first.row_name].owner = 'Deputy team manager';
    await test.db.updateTable('responses').set({ status: 'returned' }).where('id', '=', ashfordResponse).execute();
    await submitAs(ashfordManager, ashfordResponse, { [first.question]: changed[first.question] });
    const after = (await listProposals(test.db, reviewer)).proposals;
    expect(after.length).toBe(before.length);
    expect(after.find((p) => p.id === first.id)!.owner).toBe('Deputy team manager');
    submittedData = changed;
  });
});

describe('deciding proposals', () => {
  let accepted: number[];
  it('accepts, merges a duplicate and rejects with a reason; accepted actions link back to their answer', async () => {
    const { proposals } = await listProposals(test.db, reviewer);
    const [a, b, c, ...rest] = proposals;
    ({ actionIds: accepted } = await decideProposals(test.db, reviewer, { decision: 'accept', proposalIds: [a.id, b.id] }));
    expect(accepted).toHaveLength(2);
    const detail = await actionDetail(test.db, reviewer, accepted[0]);
    expect(detail.action).toMatchObject({
      title: a.title,
      owner: a.owner,
      target_date: a.target_date,
      team_id: ashford.id,
      source: 'answer',
      source_response_id: ashfordResponse,
      source_question: a.question,
      source_row: a.row_name,
      status: 'open',
    });
    expect(detail.sources.map((s) => s.id)).toEqual([a.id]);

    await decideProposals(test.db, reviewer, { decision: 'merge', proposalIds: [c.id], into: accepted[0] });
    const merged = await actionDetail(test.db, reviewer, accepted[0]);
    expect(merged.sources.map((s) => s.id)).toEqual([a.id, c.id]);
    expect(merged.updates.map((u) => u.kind)).toEqual(['created', 'merged']);

    if (rest.length) {
      await decideProposals(test.db, reviewer, { decision: 'reject', proposalIds: [rest[0].id], reason: 'Already covered by the county recruitment plan.' });
    }
    const left = (await listProposals(test.db, reviewer)).proposals.map((p) => p.id);
    expect(left).not.toContain(a.id);
    expect(left).not.toContain(c.id);
    expect(await auditActions()).toEqual(expect.arrayContaining(['action.accept', 'action.merge', ...(rest.length ? ['action.reject'] : [])]));
  });

  it('refuses a proposal decided already (409) and another area’s (404), changing nothing', async () => {
    const decided = await test.db.selectFrom('action_proposals').select('id').where('status', '=', 'accepted').executeTakeFirstOrThrow();
    await expect(decideProposals(test.db, reviewer, { decision: 'accept', proposalIds: [decided.id] })).rejects.toMatchObject({ status: 409 });
    const waiting = (await listProposals(test.db, reviewer)).proposals[0];
    await expect(decideProposals(test.db, westReviewer, { decision: 'accept', proposalIds: [waiting.id] })).rejects.toMatchObject({
      status: 404,
      message: NOT_FOUND.proposal,
    });
    expect((await listProposals(test.db, reviewer)).proposals.map((p) => p.id)).toContain(waiting.id);
  });

  it('refuses to merge into another team’s action', async () => {
    const other = await raiseAction(test.db, reviewer, { source: 'recommendation', reference: 'R4', title: 'Dover: a second duty senior', teamId: dover.id });
    const waiting = (await listProposals(test.db, reviewer)).proposals[0];
    await expect(decideProposals(test.db, reviewer, { decision: 'merge', proposalIds: [waiting.id], into: other.id })).rejects.toMatchObject({ status: 422 });
  });

  describe('updates', () => {
    it('the team’s manager updates its action; the trail keeps who, when and what', async () => {
      await updateAction(test.db, ashfordManager, accepted[1], { status: 'in_progress', note: 'Rota drafted; starts next month.', targetDate: '2009-07-31' });
      const detail = await actionDetail(test.db, ashfordManager, accepted[1]);
      expect(detail.action).toMatchObject({ status: 'in_progress', target_date: '2009-07-31' });
      expect(detail.updates.at(-1)).toMatchObject({
        kind: 'update',
        status: 'in_progress',
        target_date: '2009-07-31',
        note: 'Rota drafted; starts next month.',
        author_name: 'Ash Manager',
      });
    });

    it('another team’s manager gets the same 404 as for a missing action, and nothing changes', async () => {
      const missing = await updateAction(test.db, doverManager, 999_999, { status: 'done', note: 'x' }).catch((e) => e);
      const other = await updateAction(test.db, doverManager, accepted[1], { status: 'done', note: 'x' }).catch((e) => e);
      expect(missing).toMatchObject({ status: 404, message: NOT_FOUND.action });
      expect(other).toMatchObject({ status: missing.status, message: missing.message });
      await expect(requireVisibleAction(test.db, doverManager, accepted[1])).rejects.toMatchObject({ status: 404, message: NOT_FOUND.action });
      await expect(requireVisibleAction(test.db, westReviewer, accepted[1])).rejects.toMatchObject({ status: 404 });
      const register = await actionRegister(test.db, doverManager, registerFilterFrom(new URL('http://x/actions')));
      expect(register.actions.every((a) => a.team_id === dover.id)).toBe(true);
      expect((await actionDetail(test.db, reviewer, accepted[1])).action.status).toBe('in_progress');
    });

    it('dropping needs a reason; evidence must be the team’s own response', async () => {
      await expect(updateAction(test.db, ashfordManager, accepted[1], { status: 'dropped', note: 'No longer needed.' })).rejects.toMatchObject({ status: 422 });
      const doverResponse = await test.db.selectFrom('responses').select('id').where('team_id', '=', dover.id).executeTakeFirstOrThrow();
      await expect(
        updateAction(test.db, reviewer, accepted[1], { status: 'in_progress', note: 'See Dover.', evidenceResponseId: doverResponse.id }),
      ).rejects.toMatchObject({ status: 404 });
      expect((await actionDetail(test.db, reviewer, accepted[1])).updates.at(-1)!.note).toBe('Rota drafted; starts next month.');
    });

    it('counts open and overdue actions per team and area, and actions opened and closed by month', async () => {
      const all = registerFilterFrom(new URL('http://x/actions'));
      const before = await actionRegister(test.db, reviewer, all, '2009-06-15');
      const ashfordRow = before.byTeam.find((t) => t.team_id === ashford.id)!;
      const overdueBefore = ashfordRow.overdue;
      expect(overdueBefore).toBeGreaterThan(0); // every target was in spring 2009
      await updateAction(test.db, ashfordManager, accepted[0], { status: 'done', note: 'Audit of 20 referrals: all decided within a day.' });
      const after = await actionRegister(test.db, reviewer, all, '2009-06-15');
      const target = (await actionDetail(test.db, reviewer, accepted[0])).action.target_date!;
      expect(after.byTeam.find((t) => t.team_id === ashford.id)!.overdue).toBe(overdueBefore - (target < '2009-06-15' ? 1 : 0));
      expect(after.byTeam.find((t) => t.team_id === ashford.id)!.done).toBe(1);
      expect(after.byArea.find((a) => a.area === 'East Kent')!.open).toBe(
        after.byTeam.filter((t) => t.area_name === 'East Kent').reduce((n, t) => n + t.open, 0),
      );
      const month = new Date().toISOString().slice(0, 7);
      expect(after.timeline.find((m) => m.month === month)).toMatchObject({ opened: after.total, closed: 1 });
      const overdueOnly = await actionRegister(test.db, reviewer, registerFilterFrom(new URL('http://x/actions?overdue=yes')), '2009-06-15');
      expect(overdueOnly.total).toBe(after.totals.overdue);
      expect(overdueOnly.actions.every((a) => a.overdue)).toBe(true);
    });

    it('refuses a filter it cannot read (400, naming it)', () => {
      expect(() => registerFilterFrom(new URL('http://x/actions?status=finished'))).toThrow(/^status/);
      expect(() => registerFilterFrom(new URL('http://x/actions?colour=red'))).toThrow(/unknown parameter/);
    });
  });

  describe('Phase 2 follows the actions up', () => {
    it('the v2 matrix gets a row per open action, and its submitted answers update the register', async () => {
      const phase2 = await createNextPhase(test.db, reviewer, phase1.id, {
        name: 'Phase 2: mini-JAR',
        dueDate: '2009-03-31',
        questionnaireVersionId: versions['mini-jar-matrix@2'],
      });
      const response = await test.db
        .selectFrom('responses')
        .select(['id', 'data'])
        .where('round_id', '=', phase2.id)
        .where('team_id', '=', ashford.id)
        .executeTakeFirstOrThrow();
      const rows = response.data.jar_action_progress as Record<string, string>[];
      const open = (await actionRegister(test.db, ashfordManager, registerFilterFrom(new URL('http://x/actions?status=active')))).actions;
      expect(rows.map((r) => r.action_ref).sort()).toEqual(open.map((a) => `A-${a.id}`).sort());
      expect(rows.find((r) => r.action_ref === `A-${accepted[1]}`)).toMatchObject({ action_text: expect.any(String), progress: 'in_progress' });
      // Each team gets its own: Dover's one action (R4).
      const dataOf = async (teamId: number) =>
        (await test.db.selectFrom('responses').select('data').where('round_id', '=', phase2.id).where('team_id', '=', teamId).executeTakeFirstOrThrow()).data;
      const doverOpen = await test.db.selectFrom('actions').select('id').where('team_id', '=', dover.id).execute();
      expect(((await dataOf(dover.id)).jar_action_progress as Record<string, string>[]).map((r) => r.action_ref)).toEqual(doverOpen.map((a) => `A-${a.id}`));

      const answered: Record<string, string>[] = rows.map((r) =>
        r.action_ref === `A-${accepted[1]}`
          ? { ...r, progress: 'done', evidence: 'Rota in place since 1 March; duty log shows a senior on every shift.' }
          : { ...r, progress: 'in_progress', new_target_date: '2009-09-30', evidence: 'Started; delayed by two vacancies.' },
      );
      await submitAs(ashfordManager, response.id, { jar_action_progress: answered });

      const done = await actionDetail(test.db, reviewer, accepted[1]);
      expect(done.action.status).toBe('done');
      expect(done.updates.at(-1)).toMatchObject({
        kind: 'follow-up',
        status: 'done',
        evidence_response_id: response.id,
        note: 'Rota in place since 1 March; duty log shows a senior on every shift.',
        author_name: 'Ash Manager',
      });
      for (const row of answered.filter((r) => r.action_ref !== `A-${accepted[1]}`)) {
        const moved = await actionDetail(test.db, reviewer, Number(row.action_ref.slice(2)));
        expect(moved.action).toMatchObject({ status: 'in_progress', target_date: '2009-09-30' });
      }
      expect(await auditActions()).toContain('action.follow_up');
      // The Phase 1 actions carried forward unchanged into the Phase 2 matrices are not proposed a second time.
      expect(await test.db.selectFrom('action_proposals').select('id').where('response_id', '=', response.id).execute()).toEqual([]);
    });

    it('refuses to submit a follow-up row that names another team’s action, changing nothing', async () => {
      const phase2 = await test.db.selectFrom('rounds').select('id').where('name', '=', 'Phase 2: mini-JAR').executeTakeFirstOrThrow();
      const dover2 = await test.db
        .selectFrom('responses')
        .select(['id'])
        .where('round_id', '=', phase2.id)
        .where('team_id', '=', dover.id)
        .executeTakeFirstOrThrow();
      const doverPhase1 = await test.db
        .selectFrom('responses')
        .select('data')
        .where('round_id', '=', phase1.id)
        .where('team_id', '=', dover.id)
        .executeTakeFirstOrThrow();
      const data = {
        ...generateMiniJar({ slug: 'dover', name: 'Dover', area: 'East Kent', teamType: 'long-term-child-protection', index: 4 }, createRng(9)),
        ...doverPhase1.data,
      };
      const before = await actionDetail(test.db, reviewer, accepted[0]);
      const refused = await submitAs(doverManager, dover2.id, {
        ...data,
        jar_action_progress: [{ action_ref: `A-${accepted[0]}`, action_text: 'x', progress: 'dropped', evidence: 'Not ours.' }],
      }).catch((e) => e);
      expect(refused).toMatchObject({ status: 422 });
      expect((await actionDetail(test.db, reviewer, accepted[0])).updates).toHaveLength(before.updates.length);
      expect((await test.db.selectFrom('responses').select('status').where('id', '=', dover2.id).executeTakeFirstOrThrow()).status).not.toBe('submitted');
    });
  });
});

describe('actions raised by a reviewer', () => {
  it('raises a recommendation for a team or, for authority-wide reviewers, for the whole authority', async () => {
    const kentReviewer = await createUser(test.db, 'reviewer', {}, 'Kai Reviewer');
    const whole = await raiseAction(test.db, kentReviewer, {
      source: 'recommendation',
      reference: 'R1',
      title: 'Report the review’s findings to Members each quarter.',
      owner: 'Director of Children’s Services',
      targetDate: '2009-04-30',
    });
    expect((await actionDetail(test.db, kentReviewer, whole.id)).action).toMatchObject({ team_id: null, reference: 'R1', source: 'recommendation' });
    await expect(raiseAction(test.db, reviewer, { source: 'recommendation', reference: 'R2', title: 'x' })).rejects.toMatchObject({ status: 403 });
    await expect(raiseAction(test.db, reviewer, { source: 'recommendation', title: 'x', teamId: sevenoaks.id })).rejects.toMatchObject({ status: 404 });
    await expect(requireVisibleAction(test.db, ashfordManager, whole.id)).rejects.toMatchObject({ status: 404 });
    expect(await auditActions()).toContain('action.create');
  });

  it('keeps every update: the trail cannot be changed or deleted', async () => {
    const update = await test.db.selectFrom('action_updates').select('id').executeTakeFirstOrThrow();
    await expect(test.db.updateTable('action_updates').set({ note: 'rewritten' }).where('id', '=', update.id).execute()).rejects.toThrow();
    await expect(test.db.deleteFrom('action_updates').where('id', '=', update.id).execute()).rejects.toThrow();
  });
});
