import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { idFieldSchema } from '~/models/ids';
import { getDb } from '../../db/index';
import { TEAM_TYPE_LABELS } from '../../db/schema';
import { listQuestionnaires } from '~/models/questionnaires.server';
import {
  listAreas,
  listTeamsPage,
  listUsersPage,
  setUserDisabled,
  teamListQuerySchema,
  USER_ROLES,
  userListQuerySchema,
  type UserRole,
} from '~/models/organisation.server';
import { searchParamsObject } from '~/models/lists.server';
import { ariaSort, Pagination, SortLink } from '~/components/pagination';
import { SelectField } from '~/components/select-field';
import { formRefusal } from '~/utils/errors.server';
import { requireUserWithPermission } from '~/utils/session.server';
import { formatDateTime } from '~/utils/format';
import { DataTable } from '~/components/data-table';
import { readForm } from '~/utils/forms.server';

export const meta: MetaFunction = () => [{ title: 'Administration – Stocktake' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'organisation:manage');
  const db = getDb();
  const url = new URL(request.url);
  const teamQuery = teamListQuerySchema.safeParse(searchParamsObject(url));
  const userQuery = userListQuerySchema.safeParse(searchParamsObject(url));
  for (const parsed of [teamQuery, userQuery]) {
    if (!parsed.success) throw new Response(`The list parameters are not valid: ${parsed.error.issues.map((i) => i.message).join('; ')}.`, { status: 400 });
  }
  const [questionnaires, teams, users, areas] = await Promise.all([
    listQuestionnaires(db),
    listTeamsPage(db, user, teamQuery.data!),
    listUsersPage(db, userQuery.data!),
    listAreas(db),
  ]);
  const added = url.searchParams.get('added');
  const name = url.searchParams.get('name')?.slice(0, 200) ?? '';
  const notice = added === 'team' ? `Added the team ${name}.` : added === 'user' ? `Added ${name}.` : added === 'role' ? `Gave ${name} the new role.` : null;
  return {
    questionnaires,
    teams: { ...teams, q: teamQuery.data!.q ?? '', area: teamQuery.data!.area ?? null },
    users: { ...users, q: userQuery.data!.q ?? '', role: userQuery.data!.role ?? null },
    areas: areas.map((a) => ({ value: a.id, label: a.name })),
    roles: [...USER_ROLES],
    me: user.id,
    notice,
    search: url.search,
  };
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

const ROLE_LABELS: Record<UserRole, string> = { admin: 'Administrator', reviewer: 'Reviewer', manager: 'Team manager', auditor: 'Auditor' };

/** Hidden fields keeping the other list's parameters when one list's search form is sent (the notice is dropped). */
function OtherListParams({ search, prefix }: { search: string; prefix: string }) {
  const kept = [...new URLSearchParams(search)].filter(([key]) => !key.startsWith(prefix) && key !== 'added' && key !== 'name');
  return (
    <>
      {kept.map(([key, value]) => (
        <input key={key} type="hidden" name={key} value={value} />
      ))}
    </>
  );
}

export default function Admin() {
  const { questionnaires, teams, users, areas, roles, me, notice, search } = useLoaderData<typeof loader>();
  const teamParams = { sort: 'teamSort', dir: 'teamDir', page: 'teamPage' };
  const userParams = { sort: 'userSort', dir: 'userDir', page: 'userPage' };
  /** A sortable column header of one of the two lists, each with its own parameters and anchor. */
  const sortHeader = (list: { sort: string; dir: 'asc' | 'desc' }, params: typeof teamParams, anchor: string) => (sort: string, text: string) => ({
    header: (
      <SortLink sort={sort} current={list.sort} dir={list.dir} search={search} params={params} anchor={anchor}>
        {text}
      </SortLink>
    ),
    ariaSort: ariaSort(list.sort === sort, list.dir),
  });
  const teamSortHeader = sortHeader(teams, teamParams, '#teams');
  const userSortHeader = sortHeader(users, userParams, '#users');
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
      <p>
        <Link to="/admin/audit">Audit trail</Link>: every sign-in, change and export, with who, when and from where.
      </p>
      <h2 id="questionnaires">Published questionnaire versions</h2>
      <p>
        Versions are published from the <code>surveys/</code> folder at start-up or with <code>npm run surveys:publish</code>. A published version never
        changes: a change is a new version with change notes.{' '}
        <Link to="/review/questionnaires">See what changed between versions, or preview one as a team manager sees it</Link>.
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
      <h2 id="teams">Teams ({teams.page.total.toLocaleString('en-GB')})</h2>
      <p>
        <Link to="/admin/teams/new" className="button button--secondary">
          Add a team
        </Link>
      </p>
      <form method="get" className="filters" aria-label="Find teams" action="#teams">
        <OtherListParams search={search} prefix="team" />
        <div className="field">
          <label htmlFor="team-q">Team name contains</label>
          <input type="text" id="team-q" name="teamQ" defaultValue={teams.q} maxLength={100} />
        </div>
        <SelectField id="team-area" name="teamArea" label="Area" defaultValue={teams.area ?? ''} empty="All areas" options={areas} />
        <input type="hidden" name="teamSort" value={teams.sort} />
        <input type="hidden" name="teamDir" value={teams.dir} />
        <button type="submit" className="button">
          Find teams
        </button>
      </form>
      <Pagination page={teams.page} search={search} noun={['team', 'teams']} param="teamPage" label="Pagination of teams" anchor="#teams" />
      <div className="table-wrap">
        <DataTable
          labelledBy="teams"
          columns={[
            { ...teamSortHeader('team', 'Team'), cell: (t) => t.name },
            { ...teamSortHeader('area', 'Area'), cell: (t) => t.area_name },
            { ...teamSortHeader('type', 'Type'), cell: (t) => TEAM_TYPE_LABELS[t.team_type] },
            { header: 'Identifier', cell: (t) => <code>{t.slug}</code> },
          ]}
          rows={teams.rows}
          rowKey={(t) => t.id}
        />
      </div>
      <h2 id="users">Users ({users.page.total.toLocaleString('en-GB')})</h2>
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
      <form method="get" className="filters" aria-label="Find users" action="#users">
        <OtherListParams search={search} prefix="user" />
        <div className="field">
          <label htmlFor="user-q">Name or email contains</label>
          <input type="text" id="user-q" name="userQ" defaultValue={users.q} maxLength={100} />
        </div>
        <SelectField
          id="user-role"
          name="userRole"
          label="Role"
          defaultValue={users.role ?? ''}
          empty="Any role"
          options={roles.map((r) => ({ value: r, label: ROLE_LABELS[r] }))}
        />
        <input type="hidden" name="userSort" value={users.sort} />
        <input type="hidden" name="userDir" value={users.dir} />
        <button type="submit" className="button">
          Find users
        </button>
      </form>
      <Pagination page={users.page} search={search} noun={['user', 'users']} param="userPage" label="Pagination of users" anchor="#users" />
      <div className="table-wrap">
        <DataTable
          labelledBy="users"
          columns={[
            { ...userSortHeader('email', 'Email'), cell: (u) => u.email },
            { ...userSortHeader('name', 'Name'), cell: (u) => u.name },
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
          rows={users.rows}
          rowKey={(u) => u.id}
        />
      </div>
    </>
  );
}
