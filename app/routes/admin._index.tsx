import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { idFieldSchema } from '~/models/ids';
import { getDb } from '../../db/index';
import { TEAM_TYPE_LABELS } from '../../db/schema';
import { listQuestionnaires } from '~/models/questionnaires.server';
import { listUsers, listVisibleTeams, setUserDisabled } from '~/models/organisation.server';
import { formRefusal } from '~/utils/errors.server';
import { requireUserWithPermission } from '~/utils/session.server';
import { formatDateTime } from '~/utils/format';
import { DataTable } from '~/components/data-table';
import { readForm } from '~/utils/forms.server';

export const meta: MetaFunction = () => [{ title: 'Administration – Stocktake' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'organisation:manage');
  const db = getDb();
  const [questionnaires, teams, users] = await Promise.all([listQuestionnaires(db), listVisibleTeams(db, user), listUsers(db)]);
  const url = new URL(request.url);
  const added = url.searchParams.get('added');
  const name = url.searchParams.get('name')?.slice(0, 200) ?? '';
  const notice = added === 'team' ? `Added the team ${name}.` : added === 'user' ? `Added ${name}.` : added === 'role' ? `Gave ${name} the new role.` : null;
  return { questionnaires, teams, users, me: user.id, notice };
}

const UserAction = z.object({
  intent: z.enum(['disable', 'enable'], { errorMap: () => ({ message: 'intent must be disable or enable' }) }),
  userId: idFieldSchema('userId must be a user id'),
});

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'organisation:manage');
  const parsed = UserAction.safeParse(Object.fromEntries(await readForm(request)));
  if (!parsed.success) return data({ error: parsed.error.issues[0].message, done: null }, { status: 400 });
  try {
    const result = await setUserDisabled(getDb(), user, parsed.data.userId, parsed.data.intent === 'disable');
    const done = parsed.data.intent === 'disable' ? `Disabled ${result.email}: they are signed out and cannot sign in.` : `Enabled ${result.email} again.`;
    return { error: null, done };
  } catch (error) {
    const refusal = formRefusal(error);
    return data({ error: refusal.message, done: null }, { status: refusal.status });
  }
}

export default function Admin() {
  const { questionnaires, teams, users, me, notice } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  return (
    <>
      <h1>Administration</h1>
      {notice ? (
        <p className="notice notice--success" role="status">
          {notice}
        </p>
      ) : null}
      <h2 id="questionnaires">Published questionnaire versions</h2>
      <p>
        Versions are published from the <code>surveys/</code> folder at start-up or with <code>npm run surveys:publish</code>. A published version never
        changes: a change is a new version with change notes.
      </p>
      <div className="table-wrap">
        <DataTable
          labelledBy="questionnaires"
          columns={[
            { header: 'Questionnaire', cell: (q) => q.title },
            { header: 'Version', num: true, cell: (q) => q.version },
            { header: 'Questions', num: true, cell: (q) => q.question_count },
            { header: 'Published', cell: (q) => formatDateTime(q.published_at) },
            { header: 'Change notes', cell: (q) => q.change_notes },
          ]}
          rows={questionnaires}
          rowKey={(q) => q.id}
        />
      </div>
      <h2 id="teams">Teams ({teams.length})</h2>
      <p>
        <Link to="/admin/teams/new" className="button button--secondary">
          Add a team
        </Link>
      </p>
      <div className="table-wrap">
        <DataTable
          labelledBy="teams"
          columns={[
            { header: 'Team', cell: (t) => t.name },
            { header: 'Area', cell: (t) => t.area_name },
            { header: 'Type', cell: (t) => TEAM_TYPE_LABELS[t.team_type] },
            { header: 'Identifier', cell: (t) => <code>{t.slug}</code> },
          ]}
          rows={teams}
          rowKey={(t) => t.id}
        />
      </div>
      <h2 id="users">Users ({users.length})</h2>
      <p>
        <Link to="/admin/users/new" className="button button--secondary">
          Add a user
        </Link>
      </p>
      <p>
        Disabling a user signs them out everywhere and revokes their API tokens; what they did stays in every history. (Users can also be created with{' '}
        <code>npm run cli -- user create</code>.)
      </p>
      {actionData?.error ? (
        <p className="field-error" role="alert">
          {actionData.error}
        </p>
      ) : null}
      {actionData?.done ? (
        <p className="notice notice--success" role="status">
          {actionData.done}
        </p>
      ) : null}
      <div className="table-wrap">
        <DataTable
          labelledBy="users"
          columns={[
            { header: 'Email', cell: (u) => u.email },
            { header: 'Name', cell: (u) => u.name },
            { header: 'Roles', cell: (u) => u.roles.join('; ') || 'None' },
            {
              header: 'Account',
              cell: (u) => (
                <>
                  {u.disabled_at ? 'Disabled ' : 'Active '}
                  {u.id === me ? (
                    '(you)'
                  ) : (
                    <Form method="post" className="inline-form">
                      <input type="hidden" name="userId" value={u.id} />
                      <button
                        type="submit"
                        name="intent"
                        value={u.disabled_at ? 'enable' : 'disable'}
                        className="button button--small button--secondary"
                        disabled={navigation.state === 'submitting'}
                      >
                        {u.disabled_at ? 'Enable' : 'Disable'}
                        <span className="visually-hidden"> {u.email}</span>
                      </button>
                    </Form>
                  )}
                </>
              ),
            },
          ]}
          rows={users}
          rowKey={(u) => u.id}
        />
      </div>
    </>
  );
}
