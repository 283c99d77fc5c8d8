import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { getDb } from '../../db/index';
import { TEAM_TYPE_LABELS, TEAM_TYPES } from '../../db/schema';
import { ErrorSummary, fieldErrorsFrom, TextField, type FieldErrors } from '~/components/form-errors';
import { addTeam, listAreas } from '~/models/organisation.server';
import { formRefusal } from '~/utils/errors.server';
import { requireUserWithPermission } from '~/utils/session.server';
import { SelectField } from '~/components/select-field';
import { readForm } from '~/utils/forms.server';

export const meta: MetaFunction = () => [{ title: 'Add a team – Administration – Stocktake' }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireUserWithPermission(request, 'organisation:manage');
  return { areas: await listAreas(getDb()), teamTypes: TEAM_TYPES.map((value) => ({ value, label: TEAM_TYPE_LABELS[value] })) };
}

const NEW_AREA = 'new';

const TeamForm = z
  .object({
    name: z.string().trim().min(2, 'Enter the team’s name').max(120, 'Keep the name under 120 characters'),
    areaId: z.string().min(1, 'Choose the team’s area, or “A new area”'),
    newArea: z.string().trim().max(120, 'Keep the area’s name under 120 characters'),
    teamType: z.enum(TEAM_TYPES, { errorMap: () => ({ message: 'Choose the team’s type' }) }),
  })
  .superRefine((form, ctx) => {
    if (form.areaId === NEW_AREA && form.newArea.length < 2) ctx.addIssue({ code: 'custom', path: ['newArea'], message: 'Enter the new area’s name' });
    if (form.areaId !== NEW_AREA && !/^\d{1,9}$/.test(form.areaId)) ctx.addIssue({ code: 'custom', path: ['areaId'], message: 'Choose an area from the list' });
  });

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'organisation:manage');
  const form = await readForm(request);
  const parsed = TeamForm.safeParse({
    name: form.get('name') ?? '',
    areaId: form.get('areaId') ?? '',
    newArea: form.get('newArea') ?? '',
    teamType: form.get('teamType') ?? '',
  });
  if (!parsed.success) return data({ errors: fieldErrorsFrom(parsed.error.issues) }, { status: 400 });
  const input = parsed.data;
  try {
    const team = await addTeam(getDb(), user, {
      name: input.name,
      teamType: input.teamType,
      ...(input.areaId === NEW_AREA ? { newArea: input.newArea } : { areaId: Number(input.areaId) }),
    });
    return redirect(`/admin?added=team&name=${encodeURIComponent(team.name)}`);
  } catch (error) {
    const refusal = formRefusal(error);
    return data({ errors: refusal.fieldErrors }, { status: refusal.status });
  }
}

export default function AddTeam() {
  const { areas, teamTypes } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const errors: FieldErrors = actionData?.errors ?? {};
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/admin">Administration</Link> › Add a team
      </p>
      <h1>Add a team</h1>
      <p>A team takes part in the rounds that include it. Give its manager an account on the “Add a user” page.</p>
      <ErrorSummary errors={errors} />
      <Form method="post" noValidate>
        <TextField
          id="name"
          field="name"
          label="Team name"
          errors={errors}
          maxLength={120}
          required
          hint="As the team is known, for example “Canterbury Duty and Initial Assessment”."
        />
        <SelectField
          id="areaId"
          label="Area"
          required
          errors={errors}
          empty="Choose an area"
          emptyDisabled
          options={[...areas.map((a) => ({ value: a.id, label: a.name })), { value: NEW_AREA, label: 'A new area (name it below)' }]}
        />
        <TextField id="newArea" field="newArea" label="New area’s name" errors={errors} maxLength={120} hint="Only when you chose “A new area” above." />
        <SelectField id="teamType" label="Team type" required errors={errors} empty="Choose a type" emptyDisabled options={teamTypes} />
        <div className="button-row">
          <button type="submit" className="button" disabled={navigation.state === 'submitting'}>
            {navigation.state === 'submitting' ? 'Adding…' : 'Add the team'}
          </button>
        </div>
      </Form>
    </>
  );
}
