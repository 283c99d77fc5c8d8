import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { getDb } from '../../db/index';
import { listRounds } from '~/models/rounds.server';
import { StatusTag } from '~/components/status-tag';
import { requireUserWithPermission } from '~/utils/session.server';
import { formatDate } from '~/utils/format';

export const meta: MetaFunction = () => [{ title: 'Review – Stocktake' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'round:manage');
  return { rounds: await listRounds(getDb(), user) };
}

export default function Review() {
  const { rounds } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Review rounds</h1>
      {rounds.length === 0 ? (
        <p>No rounds yet.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Round</th>
                <th scope="col">Questionnaire</th>
                <th scope="col">Due</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">Teams</th>
                <th scope="col" className="num">Submitted</th>
                <th scope="col" className="num">In progress</th>
                <th scope="col" className="num">Returned</th>
              </tr>
            </thead>
            <tbody>
              {rounds.map((r) => (
                <tr key={r.id}>
                  <td>{r.name}</td>
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
