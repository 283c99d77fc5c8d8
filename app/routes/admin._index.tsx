import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { useLoaderData } from '@remix-run/react';
import { getDb } from '../../db/index';
import { TEAM_TYPE_LABELS } from '../../db/schema';
import { listQuestionnaires } from '~/models/questionnaires.server';
import { listUsers, listVisibleTeams } from '~/models/organisation.server';
import { requireUserWithPermission } from '~/utils/session.server';
import { formatDateTime } from '~/utils/format';

export const meta: MetaFunction = () => [{ title: 'Administration – Stocktake' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'organisation:manage');
  const db = getDb();
  const [questionnaires, teams, users] = await Promise.all([listQuestionnaires(db), listVisibleTeams(db, user), listUsers(db)]);
  return { questionnaires, teams, users };
}

export default function Admin() {
  const { questionnaires, teams, users } = useLoaderData<typeof loader>();
  return (
    <>
      <h1>Administration</h1>
      <h2 id="questionnaires">Published questionnaire versions</h2>
      <p>
        Versions are published from the <code>surveys/</code> folder at start-up or with <code>npm run surveys:publish</code>. A
        published version never changes: a change is a new version with change notes.
      </p>
      <div className="table-wrap">
        <table aria-labelledby="questionnaires">
          <thead>
            <tr>
              <th scope="col">Questionnaire</th>
              <th scope="col" className="num">Version</th>
              <th scope="col" className="num">Questions</th>
              <th scope="col">Published</th>
              <th scope="col">Change notes</th>
            </tr>
          </thead>
          <tbody>
            {questionnaires.map((q) => (
              <tr key={q.id}>
                <td>{q.title}</td>
                <td className="num">{q.version}</td>
                <td className="num">{q.question_count}</td>
                <td>{formatDateTime(q.published_at)}</td>
                <td>{q.change_notes}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2 id="teams">Teams ({teams.length})</h2>
      <div className="table-wrap">
        <table aria-labelledby="teams">
          <thead>
            <tr>
              <th scope="col">Team</th>
              <th scope="col">Area</th>
              <th scope="col">Type</th>
              <th scope="col">Identifier</th>
            </tr>
          </thead>
          <tbody>
            {teams.map((t) => (
              <tr key={t.id}>
                <td>{t.name}</td>
                <td>{t.area_name}</td>
                <td>{TEAM_TYPE_LABELS[t.team_type]}</td>
                <td>
                  <code>{t.slug}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h2 id="users">Users ({users.length})</h2>
      <p>
        Create users with <code>npm run cli -- user create --email … --name … --password-stdin --role …</code>.
      </p>
      <div className="table-wrap">
        <table aria-labelledby="users">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Name</th>
              <th scope="col">Roles</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id}>
                <td>{u.email}</td>
                <td>{u.name}</td>
                <td>{u.roles.join('; ') || 'None'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
