import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { getDb } from '../../db/index';
import { TEAM_TYPE_LABELS } from '../../db/schema';
import { listManagedTeams } from '~/models/organisation.server';
import { listManagedResponses } from '~/models/responses.server';
import { Progress, StatusTag } from '~/components/status-tag';
import { requireUserWithPermission } from '~/utils/session.server';
import { daysUntil, formatDate, formatDateTime } from '~/utils/format';

export const meta: MetaFunction = () => [{ title: 'My team – Stocktake' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'response:edit-own');
  const db = getDb();
  const [teams, responses] = await Promise.all([listManagedTeams(db, user), listManagedResponses(db, user)]);
  return { teams, responses };
}

export default function MyTeam() {
  const { teams, responses } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>{teams.length === 1 ? teams[0].name : 'My teams'}</h1>
      {teams.map((team) => (
        <p key={team.id} className="muted">
          {TEAM_TYPE_LABELS[team.team_type]} team, {team.area_name}
        </p>
      ))}
      <h2>Questionnaires for your team</h2>
      {responses.length === 0 ? (
        <p>Your team has no questionnaires to complete yet. A reviewer will open a round when one is due.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Round</th>
                {teams.length > 1 ? <th scope="col">Team</th> : null}
                <th scope="col">Questionnaire</th>
                <th scope="col">Due</th>
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
                <th scope="col">Last change</th>
              </tr>
            </thead>
            <tbody>
              {responses.map((r) => {
                const days = daysUntil(r.due_date);
                return (
                  <tr key={r.id}>
                    <td>
                      <Link to={`/responses/${r.id}`}>{r.round_name}</Link>
                    </td>
                    {teams.length > 1 ? <td>{r.team_name}</td> : null}
                    <td>
                      {r.questionnaire_title} (version {r.version})
                    </td>
                    <td>
                      {formatDate(r.due_date)}
                      {r.round_status === 'open' && r.status !== 'submitted' ? (
                        <span className="muted"> ({days >= 0 ? `${days} days left` : `${-days} days overdue`})</span>
                      ) : null}
                    </td>
                    <td>
                      <StatusTag status={r.round_status === 'closed' ? 'closed' : r.status} />
                      {r.status === 'returned' && r.return_reason ? <div className="muted">Reason: {r.return_reason}</div> : null}
                    </td>
                    <td>
                      <Progress answered={r.answered_count} answerable={r.answerable_count} />
                    </td>
                    <td>{r.revision > 0 ? `${formatDateTime(r.updated_at)}${r.updated_by_name ? ` by ${r.updated_by_name}` : ''}` : '–'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
