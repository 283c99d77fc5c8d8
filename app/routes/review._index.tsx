import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { getDb } from '../../db/index';
import { listRounds } from '~/models/rounds.server';
import { listCaseRounds } from '~/models/case-audits.server';
import { StatusTag } from '~/components/status-tag';
import { hasPermission } from '~/utils/permissions';
import { requireUserWithPermission } from '~/utils/session.server';
import { formatDate } from '~/utils/format';
import { DataTable } from '~/components/data-table';

export const meta: MetaFunction = () => [{ title: 'Review – Stocktake' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'response:read-any');
  const [rounds, caseRounds] = await Promise.all([listRounds(getDb(), user), listCaseRounds(getDb(), user)]);
  return { rounds, caseRounds, canManage: hasPermission(user, 'round:manage') };
}

export default function Review() {
  const { rounds, caseRounds, canManage } = useLoaderData<typeof loader>();
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
      <p>
        <Link to="/review/questionnaires">Questionnaires and their versions</Link>: what changed from one version to the next, and a preview of each as a team
        manager sees it.
      </p>
      {rounds.length === 0 ? (
        <p>No rounds yet.</p>
      ) : (
        <div className="table-wrap">
          <DataTable
            caption="Rounds with teams you review, newest first"
            rowHeaders
            columns={[
              {
                header: 'Round',
                cell: (r) => (
                  <>
                    <Link to={`/review/rounds/${r.id}`}>{r.name}</Link>
                    {r.follows_round_id && names.has(r.follows_round_id) ? <span className="muted"> (follows {names.get(r.follows_round_id)})</span> : null}
                  </>
                ),
              },
              { header: 'Questionnaire', cell: (r) => `${r.questionnaire_title} (version ${r.version})` },
              { header: 'Due', cell: (r) => formatDate(r.due_date) },
              { header: 'Status', cell: (r) => <StatusTag status={r.status} /> },
              { header: 'Teams', num: true, cell: (r) => r.responses },
              { header: 'Submitted', num: true, cell: (r) => r.submitted },
              { header: 'In progress', num: true, cell: (r) => r.in_progress },
              { header: 'Returned', num: true, cell: (r) => r.returned },
            ]}
            rows={rounds}
            rowKey={(r) => r.id}
          />
        </div>
      )}
      <h2>Case-file audits</h2>
      {caseRounds.length === 0 ? (
        <p>No case-file audit rounds yet. Create a round about sampled cases to audit case files.</p>
      ) : (
        <div className="table-wrap">
          <DataTable
            caption="Case-file audit rounds with teams you review, newest first"
            rowHeaders
            columns={[
              { header: 'Round', cell: (r) => <Link to={`/review/rounds/${r.id}/cases`}>{r.name}</Link> },
              { header: 'Questionnaire', cell: (r) => `${r.questionnaire_title} (version ${r.version})` },
              { header: 'Due', cell: (r) => formatDate(r.due_date) },
              { header: 'Status', cell: (r) => <StatusTag status={r.status} /> },
              { header: 'Repeats', cell: (r) => (r.repeat_months ? `Every ${r.repeat_months} months` : 'No') },
              { header: 'Cases sampled', num: true, cell: (r) => r.audits },
              { header: 'Audits completed', num: true, cell: (r) => r.completed },
            ]}
            rows={caseRounds}
            rowKey={(r) => r.id}
          />
        </div>
      )}
    </>
  );
}
