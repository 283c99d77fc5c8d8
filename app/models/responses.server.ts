import type { Executor } from '../../db/index';

/** Responses of the given teams, newest round first, with questionnaire, round and last change. */
export async function listTeamResponses(db: Executor, teamIds: number[]) {
  if (!teamIds.length) return [];
  return db
    .selectFrom('responses as s')
    .innerJoin('rounds as r', 'r.id', 's.round_id')
    .innerJoin('teams as t', 't.id', 's.team_id')
    .innerJoin('questionnaire_versions as v', 'v.id', 's.questionnaire_version_id')
    .innerJoin('questionnaires as q', 'q.id', 'v.questionnaire_id')
    .leftJoin('users as u', 'u.id', 's.updated_by')
    .select([
      's.id',
      's.status',
      's.revision',
      's.updated_at',
      's.submitted_at',
      'u.name as updated_by_name',
      'r.id as round_id',
      'r.name as round_name',
      'r.due_date',
      'r.status as round_status',
      't.id as team_id',
      't.name as team_name',
      'q.title as questionnaire_title',
      'q.slug as questionnaire_slug',
      'v.version',
      'v.id as version_id',
    ])
    .where('s.team_id', 'in', teamIds)
    .orderBy('r.created_at', 'desc')
    .orderBy('t.name')
    .execute();
}
