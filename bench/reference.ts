/**
 * The reference: plain hand-written SQL for the same figures as each insights page, as one would write it without
 * Stocktake's code (answers joined to responses for the status, to teams for areas and types), run statement by
 * statement on one connection through postgres.js. The benchmark times the pages against it.
 */
import type { Sql } from 'postgres';

type Topic = string;

const TEXT_LIMIT = 100;

async function scope(client: Sql, roundId: number) {
  return client.unsafe(
    `select r.id, r.team_id, r.status, t.name, t.area_id, a.name as area_name, t.team_type
     from responses r join teams t on t.id = r.team_id join areas a on a.id = t.area_id
     where r.round_id = $1 order by t.name`,
    [roundId],
  );
}

async function numericCells(client: Sql, roundId: number, topic: Topic) {
  return client.unsafe(
    `select a.question, a.row_key, a.column_key, count(*) as n, sum(a.value_numeric), avg(a.value_numeric),
       min(a.value_numeric), max(a.value_numeric),
       percentile_cont(array[0.25, 0.5, 0.75]) within group (order by a.value_numeric)
     from answers a join responses r on r.id = a.response_id
     where a.round_id = $1 and a.topic = $2 and a.value_type = 'numeric' and r.status = 'submitted'
     group by a.question, a.row_key, a.column_key`,
    [roundId, topic],
  );
}

async function numericGroups(client: Sql, roundId: number, topic: Topic) {
  return client.unsafe(
    `select a.question, t.area_id, t.team_type, count(*), sum(a.value_numeric), avg(a.value_numeric),
       min(a.value_numeric), max(a.value_numeric),
       percentile_cont(array[0.25, 0.5, 0.75]) within group (order by a.value_numeric)
     from answers a join responses r on r.id = a.response_id join teams t on t.id = a.team_id
     where a.round_id = $1 and a.topic = $2 and a.value_type = 'numeric' and a.row_key = '' and a.column_key = ''
       and r.status = 'submitted'
     group by grouping sets ((a.question, t.area_id), (a.question, t.team_type))`,
    [roundId, topic],
  );
}

async function choiceCounts(client: Sql, roundId: number, topic: Topic, versionId: number) {
  return client.unsafe(
    `select a.question, a.row_key, a.column_key, coalesce(a.value_choice, a.value_numeric::text) as value,
       count(*), count(distinct a.response_id)
     from answers a join responses r on r.id = a.response_id
     where a.round_id = $1 and a.topic = $2 and r.status = 'submitted'
       and (a.value_type = 'choice' or (a.value_type = 'numeric' and a.question in (
         select name from version_questions where version_id = $3 and type = 'rating')))
     group by grouping sets ((a.question, a.row_key, a.column_key, coalesce(a.value_choice, a.value_numeric::text)),
                             (a.question, a.row_key, a.column_key))`,
    [roundId, topic, versionId],
  );
}

async function texts(client: Sql, roundId: number, topic: Topic) {
  return client.unsafe(
    `select * from (
       select a.question, a.row_key, a.column_key, t.name, a.value_text, count(*) over w as total,
         row_number() over (w order by t.name, t.id) as position
       from answers a join responses r on r.id = a.response_id join teams t on t.id = a.team_id
       where a.round_id = $1 and a.topic = $2 and a.value_type = 'text' and r.status = 'submitted'
       window w as (partition by a.question, a.row_key, a.column_key)
     ) listed where position <= ${TEXT_LIMIT}`,
    [roundId, topic],
  );
}

const PER_TEAM = `
  select a.team_id,
    max(a.value_numeric) filter (where a.question = 'establishment_fte') as establishment,
    max(a.value_numeric) filter (where a.question = 'filled_permanent_fte') as permanent,
    max(a.value_numeric) filter (where a.question = 'filled_agency_fte') as agency,
    max(a.value_numeric) filter (where a.question = 'vacant_fte') as vacant,
    max(a.value_numeric) filter (where a.question = 'case_holding_workers') as workers,
    max(a.value_numeric) filter (where a.question = 'average_caseload') as average,
    max(a.value_numeric) filter (where a.question = 'highest_caseload') as highest,
    max(a.value_numeric) filter (where a.question = 'nqsw_count') as nqsw,
    max(a.value_numeric) filter (where a.question = 'nqsw_average_caseload') as nqsw_average,
    bool_or(a.value_choice = 'true') filter (where a.question = 'nqsw_caseload_protected') as nqsw_protected
  from answers a join responses r on r.id = a.response_id
  where a.round_id = $1 and r.status = 'submitted' and a.question in ('establishment_fte', 'filled_permanent_fte',
    'filled_agency_fte', 'vacant_fte', 'case_holding_workers', 'average_caseload', 'highest_caseload', 'nqsw_count',
    'nqsw_average_caseload', 'nqsw_caseload_protected')
  group by a.team_id`;

async function staffing(client: Sql, roundId: number, reference: number, overallOnly = false) {
  await client.unsafe(
    `with per_team as (${PER_TEAM}), teams_in as (select p.*, t.area_id from per_team p join teams t on t.id = p.team_id)
     select area_id, count(*),
       sum(vacant) filter (where establishment > 0 and vacant is not null) / sum(establishment) filter (where establishment > 0 and vacant is not null),
       count(*) filter (where establishment > 0 and vacant / establishment > 0.25),
       sum(agency) filter (where agency is not null and permanent is not null) / sum(agency + permanent) filter (where agency is not null and permanent is not null),
       avg(average), percentile_cont(0.5) within group (order by average),
       sum(average * workers) filter (where workers > 0) / sum(workers) filter (where workers > 0 and average is not null),
       count(*) filter (where average > $2), max(highest), percentile_cont(0.5) within group (order by highest),
       count(*) filter (where highest > $2), count(*) filter (where nqsw > 0), sum(nqsw),
       count(*) filter (where nqsw > 0 and nqsw_protected), count(*) filter (where nqsw > 0 and not nqsw_protected),
       avg(nqsw_average) filter (where nqsw > 0), avg(average) filter (where nqsw > 0 and nqsw_average is not null)
     from teams_in group by grouping sets ((), (area_id)) having ${overallOnly ? 'grouping(area_id) = 1' : 'true'}`,
    [roundId, reference],
  );
  if (overallOnly) return;
  await client.unsafe(
    `with per_team as (${PER_TEAM})
     select * from (select *, vacant / nullif(establishment, 0) as rate, row_number() over (order by highest desc nulls last, team_id) as rank from per_team) x
     where rate > 0.25 or rank <= 10`,
    [roundId],
  );
}

async function thresholds(client: Sql, roundId: number, earlierRoundId: number | null) {
  await client.unsafe(
    `select t.area_id, t.team_type, a.value_numeric, count(*)
     from answers a join responses r on r.id = a.response_id join teams t on t.id = a.team_id
     where a.round_id = $1 and a.topic = 'thresholds' and a.question = 'threshold_change' and r.status = 'submitted'
     group by grouping sets ((a.value_numeric), (t.area_id, a.value_numeric), (t.team_type, a.value_numeric))`,
    [roundId],
  );
  await client.unsafe(
    `select a.team_id, a.value_numeric, d.value_text, count(*) over ()
     from answers a join responses r on r.id = a.response_id join teams t on t.id = a.team_id
     left join answers d on d.response_id = a.response_id and d.question = 'threshold_change_detail'
     where a.round_id = $1 and a.topic = 'thresholds' and a.question = 'threshold_change' and a.value_numeric <> 0 and r.status = 'submitted'
     order by abs(a.value_numeric) desc, a.value_numeric, t.name limit 20`,
    [roundId],
  );
  if (earlierRoundId) {
    await client.unsafe(
      `select * from (
         select y.team_id, x.value_numeric as before, y.value_numeric as after, count(*) over () as compared
         from answers y join responses ry on ry.id = y.response_id
         join answers x on x.team_id = y.team_id and x.round_id = $2 and x.question = 'threshold_change'
         join responses rx on rx.id = x.response_id and rx.status = 'submitted'
         where y.round_id = $1 and y.question = 'threshold_change' and ry.status = 'submitted'
       ) paired order by abs(after - before) desc, team_id limit 200`,
      [roundId, earlierRoundId],
    );
  }
}

/** Every statement behind one topic page, in turn. */
export async function referenceTopicPage(
  client: Sql,
  input: { roundId: number; versionId: number; earlierRoundId: number | null; topic: Topic; reference: number },
) {
  const { roundId, topic } = input;
  await scope(client, roundId);
  await numericCells(client, roundId, topic);
  await numericGroups(client, roundId, topic);
  await choiceCounts(client, roundId, topic, input.versionId);
  await texts(client, roundId, topic);
  if (topic === 'thresholds') await thresholds(client, roundId, input.earlierRoundId);
  if (topic === 'staffing-vacancies' || topic === 'caseloads') await staffing(client, roundId, input.reference);
}

/** The start page's headline figures: overall staffing, the monthly activity totals, the thresholds distribution. */
export async function referenceInsights(client: Sql, input: { roundId: number; reference: number }) {
  await scope(client, input.roundId);
  await staffing(client, input.roundId, input.reference, true);
  await client.unsafe(
    `select a.row_key, a.column_key, sum(a.value_numeric), count(*)
     from answers a join responses r on r.id = a.response_id
     where a.round_id = $1 and a.topic = 'referrals-activity' and a.question = 'referrals_monthly' and a.value_type = 'numeric'
       and r.status = 'submitted'
     group by a.row_key, a.column_key`,
    [input.roundId],
  );
  await client.unsafe(
    `select a.value_numeric, count(*)
     from answers a join responses r on r.id = a.response_id
     where a.round_id = $1 and a.topic = 'thresholds' and a.question = 'threshold_change' and r.status = 'submitted'
     group by a.value_numeric`,
    [input.roundId],
  );
}
