import type { Executor } from '../../db/index';
import { recordAudit } from './audit.server';
import type { CurrentUser } from './users.server';

export type NewRound = {
  name: string;
  questionnaireVersionId: number;
  dueDate: string; // YYYY-MM-DD
  teamIds: number[];
  followsRoundId?: number | null;
};

/** Creates a round and one empty response per team, in one transaction. */
export async function createRound(trx: Executor, input: NewRound, actorId: number | null) {
  const round = await trx
    .insertInto('rounds')
    .values({
      name: input.name,
      questionnaire_version_id: input.questionnaireVersionId,
      due_date: input.dueDate,
      follows_round_id: input.followsRoundId ?? null,
      created_by: actorId,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  if (input.teamIds.length) {
    await trx
      .insertInto('responses')
      .values(input.teamIds.map((teamId) => ({ round_id: round.id, team_id: teamId, questionnaire_version_id: input.questionnaireVersionId })))
      .execute();
  }
  await recordAudit(trx, {
    actorId,
    action: 'round.create',
    entityType: 'round',
    entityId: round.id,
    details: { name: input.name, versionId: input.questionnaireVersionId, teams: input.teamIds.length, followsRoundId: input.followsRoundId ?? null },
  });
  return round;
}

/** Rounds with their questionnaire and how many of the user's visible responses each holds, by status. */
export async function listRounds(db: Executor, user: CurrentUser) {
  let query = db
    .selectFrom('rounds as r')
    .innerJoin('questionnaire_versions as v', 'v.id', 'r.questionnaire_version_id')
    .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
    .innerJoin('responses as s', 's.round_id', 'r.id')
    .innerJoin('teams as t', 't.id', 's.team_id')
    .select((eb) => [
      'r.id',
      'r.name',
      'r.due_date',
      'r.status',
      'r.created_at',
      'r.follows_round_id',
      'q.title as questionnaire_title',
      'q.slug as questionnaire_slug',
      'v.version',
      eb.fn.countAll<number>().as('responses'),
      eb.fn.count<number>('s.id').filterWhere('s.status', '=', 'submitted').as('submitted'),
      eb.fn.count<number>('s.id').filterWhere('s.status', '=', 'in_progress').as('in_progress'),
      eb.fn.count<number>('s.id').filterWhere('s.status', '=', 'returned').as('returned'),
    ])
    .groupBy(['r.id', 'q.title', 'q.slug', 'v.version'])
    .orderBy('r.created_at', 'desc')
    .orderBy('r.id', 'desc');
  if (!user.isAdmin && user.reviewerAreaIds !== 'all') {
    const areaIds = user.reviewerAreaIds ?? [];
    if (!areaIds.length) return [];
    query = query.where('t.area_id', 'in', areaIds);
  }
  const rows = await query.execute();
  return rows.map((r) => ({ ...r, responses: Number(r.responses), submitted: Number(r.submitted), in_progress: Number(r.in_progress), returned: Number(r.returned) }));
}
