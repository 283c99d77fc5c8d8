import type { Executor } from '../index';
import { recordAudit } from '../../app/models/audit.server';
import type { ActionStatus } from '../schema';
import { createRng, DEMO_SEED, pick, weighted } from './answers';
import { DEMO_EMAIL_DOMAIN, type Progress } from './demo';

/**
 * The demo's action register, as it stood in spring 2009 (synthetic): the seven recommendations of the review's first
 * report, for the whole authority, and the actions proposed from the Phase 1 mini-JAR returns, most accepted by the
 * Kent-wide reviewer, a few rejected, some still waiting. Updates run from February to April 2009: some actions done,
 * some in progress, one or two dropped, many still open — and, with their 2009 target dates, overdue.
 *
 * Written with its own dates (the model's functions stamp today's), from a seeded generator, so every machine gets the
 * same register. tests/demo-actions.test.ts checks it against the model's own rules.
 */

/** The review's recommendations (reworded), with who the report asks to lead and a plausible 2009 target. */
const RECOMMENDATIONS: Array<{ reference: string; title: string; owner: string; target: string; topic: string; status: ActionStatus; note?: string }> = [
  {
    reference: 'R1',
    title: 'Extend the case-file audit to a larger sample of complete files (electronic and paper) within six weeks, and report again to Members.',
    owner: 'Head of Policy & Performance Unit',
    target: '2009-03-31',
    topic: 'case-audit',
    status: 'done',
    note: 'Second audit of 240 complete files finished on 27 March; the quality assurance report goes to Members in April.',
  },
  {
    reference: 'R2',
    title: 'Speed up the simplification of the ICS exemplars and issue interim recording guidance for electronic and paper records.',
    owner: 'Head of Children’s Social Services',
    target: '2009-03-15',
    topic: 'recording-ics',
    status: 'in_progress',
    note: 'Interim guidance issued on 2 March; the exemplar changes wait on the supplier’s release.',
  },
  {
    reference: 'R3',
    title: 'End the rule that only practitioners enter data on ICS, once enough administrative staff in each team are trained.',
    owner: 'Head of Children’s Social Services',
    target: '2009-06-30',
    topic: 'recording-ics',
    status: 'in_progress',
    note: 'Training plan agreed for administrative staff; first two areas trained by the end of April.',
  },
  {
    reference: 'R4',
    title: 'Strengthen supervision through senior practitioner posts, and reinstate Area Consultant Practitioners linked to local universities.',
    owner: 'Area Children’s Services Managers',
    target: '2009-09-30',
    topic: 'supervision',
    status: 'open',
  },
  {
    reference: 'R5',
    title: 'Create a senior consultant practitioner post as head of profession, reporting to the Chief Executive.',
    owner: 'Chief Executive',
    target: '2009-07-31',
    topic: 'supervision',
    status: 'open',
  },
  {
    reference: 'R6',
    title: 'Set up an annual programme of practice audits, reported publicly to the Policy Overview Committee and Cabinet.',
    owner: 'Head of Policy & Performance Unit',
    target: '2009-04-30',
    topic: 'case-audit',
    status: 'done',
    note: 'Annual programme agreed by Cabinet on 20 April; first round booked for January 2010.',
  },
  {
    reference: 'R7',
    title: 'Lead talks with the universities’ social work schools on better pre- and post-qualifying child protection training.',
    owner: 'Chief Executive',
    target: '2009-05-31',
    topic: 'training',
    status: 'open',
  },
];

const PROGRESS_NOTES: Record<Exclude<ActionStatus, 'open'>, string[]> = {
  in_progress: [
    'Started: the first changes are in place and checked at the monthly team meeting.',
    'Plan agreed with the area manager; half the work is done.',
    'Under way, but slowed by two vacancies in the team.',
  ],
  done: [
    'Done: a dip sample of ten files confirms the change.',
    'Completed and signed off by the area manager.',
    'In place since March; the supervision audit shows it holding.',
  ],
  dropped: ['Overtaken by the county-wide change to the duty rota.', 'Covered by the area’s recruitment plan instead.'],
};

/** A time on a day of spring 2009 (UTC), `day` days after 9 February. */
function springDay(day: number, hour: number): Date {
  return new Date(Date.UTC(2009, 1, 9 + day, hour, 0, 0));
}

export async function seedActionRegister(db: Executor, progress: Progress = () => {}): Promise<void> {
  const seeded = await db.selectFrom('actions').select('id').limit(1).executeTakeFirst();
  if (seeded) return;
  const reviewer = await db.selectFrom('users').select('id').where('email', '=', `reviewer@${DEMO_EMAIL_DOMAIN}`).executeTakeFirst();
  if (!reviewer) return;
  const rng = createRng(DEMO_SEED + 13);
  await db.transaction().execute(async (trx) => {
    let created = 0;
    for (const [index, r] of RECOMMENDATIONS.entries()) {
      const opened = springDay(-5 + index, 9); // the report went to Members on 4 February
      const action = await trx
        .insertInto('actions')
        .values({
          reference: r.reference,
          title: r.title,
          team_id: null,
          owner: r.owner,
          target_date: r.target,
          status: r.status,
          topic: r.topic,
          source: 'recommendation',
          created_by: reviewer.id,
          created_at: opened,
          updated_at: opened,
          updated_by: reviewer.id,
          closed_at: r.status === 'done' ? springDay(50 + index * 3, 16) : null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('action_updates')
        .values({
          action_id: action.id,
          kind: 'created',
          author_id: reviewer.id,
          at: opened,
          status: 'open',
          target_date: r.target,
          owner: r.owner,
          note: `Raised for recommendation ${r.reference}.`,
        })
        .execute();
      if (r.note) {
        await trx
          .insertInto('action_updates')
          .values({
            action_id: action.id,
            kind: 'update',
            author_id: reviewer.id,
            at: r.status === 'done' ? springDay(50 + index * 3, 16) : springDay(30 + index, 11),
            status: r.status,
            note: r.note,
          })
          .execute();
      }
      created += 1;
    }

    // Proposals from the Phase 1 mini-JAR returns (made when the seed submitted them), in a fixed order.
    const proposals = await trx
      .selectFrom('action_proposals as p')
      .innerJoin('responses as s', 's.id', 'p.response_id')
      .innerJoin('teams as t', 't.id', 's.team_id')
      .select(['p.id', 'p.response_id', 'p.question', 'p.row_name', 'p.title', 'p.owner', 'p.target_date', 'p.topic', 's.team_id', 's.round_id'])
      .where('p.status', '=', 'proposed')
      .orderBy('t.name')
      .orderBy('p.id')
      .execute();
    const managers = new Map(
      (await trx.selectFrom('memberships').select(['team_id', 'user_id']).where('role', '=', 'manager').where('team_id', 'is not', null).execute()).map((m) => [
        m.team_id!,
        m.user_id,
      ]),
    );
    let accepted = 0;
    let rejected = 0;
    for (const [index, p] of proposals.entries()) {
      const fate = weighted(rng, { accept: 78, reject: 7, wait: 15 });
      const decidedAt = springDay(3 + (index % 10), 10 + (index % 6));
      if (fate === 'wait') continue;
      if (fate === 'reject') {
        await trx
          .updateTable('action_proposals')
          .set({
            status: 'rejected',
            reason: pick(rng, ['Already covered by the area’s improvement plan.', 'Not an action for this team: raised with the county training unit.']),
            decided_by: reviewer.id,
            decided_at: decidedAt,
          })
          .where('id', '=', p.id)
          .execute();
        rejected += 1;
        continue;
      }
      const status = weighted<ActionStatus>(rng, { open: 40, in_progress: 32, done: 23, dropped: 5 });
      const closedAt = status === 'done' || status === 'dropped' ? springDay(25 + Math.floor(rng() * 50), 15) : null;
      const manager = managers.get(p.team_id) ?? null;
      const droppedReason = status === 'dropped' ? pick(rng, PROGRESS_NOTES.dropped) : null;
      const action = await trx
        .insertInto('actions')
        .values({
          title: p.title,
          team_id: p.team_id,
          owner: p.owner,
          target_date: p.target_date,
          status,
          dropped_reason: droppedReason,
          topic: p.topic,
          source: 'answer',
          source_response_id: p.response_id,
          source_question: p.question,
          source_row: p.row_name || null,
          round_id: p.round_id,
          created_by: reviewer.id,
          created_at: decidedAt,
          updated_at: closedAt ?? decidedAt,
          updated_by: status === 'open' ? reviewer.id : manager,
          closed_at: closedAt,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .updateTable('action_proposals')
        .set({ status: 'accepted', action_id: action.id, decided_by: reviewer.id, decided_at: decidedAt })
        .where('id', '=', p.id)
        .execute();
      await trx
        .insertInto('action_updates')
        .values({
          action_id: action.id,
          kind: 'created',
          author_id: reviewer.id,
          at: decidedAt,
          status: 'open',
          target_date: p.target_date,
          owner: p.owner,
          note: 'Accepted from a submitted return.',
          proposal_id: p.id,
          evidence_response_id: p.response_id,
        })
        .execute();
      if (status !== 'open') {
        const note = status === 'dropped' ? `${pick(rng, PROGRESS_NOTES.in_progress)}\nDropped because: ${droppedReason}` : pick(rng, PROGRESS_NOTES[status]);
        await trx
          .insertInto('action_updates')
          .values({ action_id: action.id, kind: 'update', author_id: manager, at: closedAt ?? springDay(20 + Math.floor(rng() * 40), 14), status, note })
          .execute();
      }
      accepted += 1;
      if (index % 25 === 0) progress(index + 1, proposals.length, 'Action register');
    }
    await recordAudit(trx, {
      actorId: null,
      action: 'demo.seed_actions',
      entityType: 'demo',
      details: { recommendations: created, accepted, rejected, waiting: proposals.length - accepted - rejected },
    });
  });
}
