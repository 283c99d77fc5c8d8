import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { getDb } from '../../db/index';
import { listRounds } from '~/models/rounds.server';
import { StatusTag } from '~/components/status-tag';
import { hasPermission } from '~/utils/permissions';
import { requireUserWithPermission } from '~/utils/session.server';
import { formatDate } from '~/utils/format';

export const meta: MetaFunction = () => [{ title: 'Review – Stocktake' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'response:read-any');
  return { rounds: await listRounds(getDb(), user), canManage: hasPermission(user, 'round:manage') };
}

export default function Review() {
  const { rounds, canManage } = useLoaderData<typeof loader>();
  const names = new Map(rounds.map((r) => [r.id, r.name]));
  return (
    <>
      <h1>Review rounds</h1>
      {canManage ? (
        <p>
          <Link to="/review/rounds/new" className="button">
            New round
          </Link>
        </p>
      ) : null}
      {rounds.length === 0 ? (
        <p>No rounds yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption>Rounds with teams you review, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Round</th>
                <th scope="col">Questionnaire</th>
                <th scope="col">Due</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Teams
                </th>
                <th scope="col" className="num">
                  Submitted
                </th>
                <th scope="col" className="num">
                  In progress
                </th>
                <th scope="col" className="num">
                  Returned
                </th>
              </tr>
            </thead>
            <tbody>
              {rounds.map((r) => (
                <tr key={r.id}>
                  <th scope="row">
                    <Link to={`/review/rounds/${r.id}`}>{r.name}</Link>
                    {r.follows_round_id && names.has(r.follows_round_id) ? <span className="muted"> (follows {names.get(r.follows_round_id)})</span> : null}
                  </th>
                  <td>
                    {r.questionnaire_title} (version {r.version})
                  </td>
                  <td>{formatDate(r.due_date)}</td>
                  <td>
                    <StatusTag status={r.status} />
                  </td>
                  <td className="num">{r.responses}</td>
                  <td className="num">{r.submitted}</td>
                  <td className="num">{r.in_progress}</td>
                  <td className="num">{r.returned}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
