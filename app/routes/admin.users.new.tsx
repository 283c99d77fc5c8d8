import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { getDb } from '../../db/index';
import { describedBy, ErrorSummary, FieldError, fieldErrorsFrom, TextField, type FieldErrors } from '~/components/form-errors';
import { MIN_PASSWORD_LENGTH } from '~/models/auth.server';
import { listAreas, teamChoices } from '~/models/organisation.server';
import { idFieldSchema } from '~/models/ids';
import { addUserFromAdmin } from '~/models/users.server';
import { formRefusal } from '~/utils/errors.server';
import { requireUserWithPermission } from '~/utils/session.server';
import { AreaPickerForm, SelectField } from '~/components/select-field';
import { readForm } from '~/utils/forms.server';

export const meta: MetaFunction = () => [{ title: 'Add a user – Administration – Stocktake' }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'organisation:manage');
  const db = getDb();
  const teamArea = TeamAreaQuery.safeParse(new URL(request.url).searchParams.get('teamArea') || undefined);
  if (!teamArea.success) throw new Response('teamArea must be an area id.', { status: 400 });
  const [areas, choices] = await Promise.all([listAreas(db), teamChoices(db, user, teamArea.data)]);
  return {
    areas,
    teams: choices.teams.map((t) => ({ slug: t.slug, name: t.name, areaName: t.area_name })),
    teamsByArea: choices.byArea,
    teamArea: teamArea.data ?? null,
    minLength: MIN_PASSWORD_LENGTH,
  };
}

const TeamAreaQuery = idFieldSchema('teamArea must be an area id').optional();

const UserForm = z
  .object({
    email: z.string().trim().toLowerCase().email('Enter an email address, like name@example.org'),
    name: z.string().trim().min(2, 'Enter the person’s name').max(120, 'Keep the name under 120 characters'),
    role: z.enum(['admin', 'reviewer', 'manager', 'auditor'], { errorMap: () => ({ message: 'Choose a role' }) }),
    reviewerArea: z.string(),
    team: z.string(),
    password: z.string().max(200, 'Keep the password under 200 characters'),
  })
  .superRefine((form, ctx) => {
    if (form.role === 'manager' && !form.team) ctx.addIssue({ code: 'custom', path: ['team'], message: 'Choose the team this manager runs' });
    if (form.password && form.password.length < MIN_PASSWORD_LENGTH) {
      ctx.addIssue({ code: 'custom', path: ['password'], message: `Use at least ${MIN_PASSWORD_LENGTH} characters` });
    }
  });

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'organisation:manage');
  const form = await readForm(request);
  const parsed = UserForm.safeParse({
    email: form.get('email') ?? '',
    name: form.get('name') ?? '',
    role: form.get('role') ?? '',
    reviewerArea: form.get('reviewerArea') ?? '',
    team: form.get('team') ?? '',
    password: form.get('password') ?? '',
  });
  if (!parsed.success) return data({ errors: fieldErrorsFrom(parsed.error.issues), message: null }, { status: 400 });
  const input = parsed.data;
  try {
    const { created } = await addUserFromAdmin(
      getDb(),
      {
        email: input.email,
        name: input.name,
        role: input.role,
        password: input.password || null,
        ...((input.role === 'reviewer' || input.role === 'auditor') && input.reviewerArea ? { areaSlug: input.reviewerArea } : {}),
        ...(input.role === 'manager' ? { teamSlug: input.team } : {}),
      },
      user.id,
    );
    return redirect(`/admin?added=${created ? 'user' : 'role'}&name=${encodeURIComponent(input.email)}`);
  } catch (error) {
    const refusal = formRefusal(error);
    return data({ errors: refusal.fieldErrors, message: refusal.errors.length ? null : refusal.message }, { status: refusal.status });
  }
}

export default function AddUser() {
  const { areas, teams, teamsByArea, teamArea, minLength } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const errors: FieldErrors = actionData?.errors ?? {};
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/admin">Administration</Link> › Add a user
      </p>
      <h1>Add a user</h1>
      <p>
        Give the person their email address and first password yourself, by a safe route; they can change the password on their profile page. An email that
        already has an account gets the role added, and keeps its password.
      </p>
      <ErrorSummary message={actionData?.message} errors={errors} fieldIds={{ role: 'role-admin' }} />
      {teamsByArea ? (
        // Too many teams for one list: a manager's team is chosen from the teams of one area.
        <AreaPickerForm id="teamArea" label="Area of the manager’s team" areas={areas} value={teamArea} button="Show its teams" />
      ) : null}
      <Form method="post" noValidate>
        <TextField id="email" field="email" label="Email address" type="email" autoComplete="off" errors={errors} required />
        <TextField id="name" field="name" label="Name" errors={errors} maxLength={120} required hint="Shown beside everything they change." />
        <fieldset className="field" aria-describedby={describedBy('role', errors)}>
          <legend>Role</legend>
          <FieldError field="role" errors={errors} />
          <div className="option">
            <label>
              <input type="radio" id="role-manager" name="role" value="manager" /> Team manager: completes their team’s questionnaires (choose the team below)
            </label>
          </div>
          <div className="option">
            <label>
              <input type="radio" id="role-reviewer" name="role" value="reviewer" /> Reviewer: follows rounds, compares teams, returns responses
            </label>
          </div>
          <div className="option">
            <label>
              <input type="radio" id="role-auditor" name="role" value="auditor" /> Auditor: audits sampled case files of teams in the area chosen below (never
              of a team they manage)
            </label>
          </div>
          <div className="option">
            <label>
              <input type="radio" id="role-admin" name="role" value="admin" /> Administrator: questionnaires, rounds, teams and users
            </label>
          </div>
        </fieldset>
        <SelectField
          id="team"
          label="Team (managers)"
          errors={errors}
          empty={teamsByArea && teamArea === null ? 'No team (choose an area above to list its teams)' : 'No team'}
          options={teams.map((t) => ({ value: t.slug, label: `${t.name} (${t.areaName})` }))}
        />
        <SelectField
          id="reviewerArea"
          label="Area reviewed or audited (reviewers and auditors)"
          errors={errors}
          empty="Every area"
          options={areas.map((a) => ({ value: a.slug, label: `${a.name} only` }))}
        />
        <TextField
          id="password"
          field="password"
          label="First password"
          type="password"
          autoComplete="new-password"
          errors={errors}
          hint={`At least ${minLength} characters. Leave it empty when the email already has an account.`}
        />
        <div className="button-row">
          <button type="submit" className="button" disabled={navigation.state === 'submitting'}>
            {navigation.state === 'submitting' ? 'Adding…' : 'Add the user'}
          </button>
        </div>
      </Form>
    </>
  );
}
