import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import type { ReactNode } from 'react';
import { getDb } from '../../db/index';
import { newActionPage, newActionQuerySchema } from '~/models/action-pages.server';
import { newActionSchema, raiseAction } from '~/models/actions.server';
import { describedBy, ErrorSummary, FieldError, type FieldErrors } from '~/components/form-errors';
import { AreaPickerForm, SelectField, type SelectOption } from '~/components/select-field';
import { formRefusal, rethrowForPage } from '~/utils/errors.server';
import { formObject, formProblem, labelFieldErrors, labelledErrors } from '~/utils/form-fields.server';
import { readForm } from '~/utils/forms.server';
import { requireUserWithPermission } from '~/utils/session.server';
import reviewCss from '~/styles/review.css?url';
import actionsCss from '~/styles/actions.css?url';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: reviewCss },
  { rel: 'stylesheet', href: actionsCss },
];
export const meta: MetaFunction = () => [{ title: 'Raise an action – Action register – Stocktake' }];

const LABELS: Record<string, string> = {
  source: 'Source',
  reference: 'Reference',
  title: 'Action needed',
  teamId: 'Team',
  owner: 'Owner',
  targetDate: 'Target date',
  topic: 'Topic',
  responseId: 'Audit',
  question: 'Standard',
};

/** GET /actions/new[?area=&audit=] — raise an action for a recommendation, or for a finding of a case-file audit. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'action:decide');
  const query = newActionQuerySchema.safeParse(Object.fromEntries([...new URL(request.url).searchParams].filter(([, v]) => v !== '')));
  if (!query.success) {
    const issue = query.error.issues[0];
    throw new Response(issue.code === 'unrecognized_keys' ? `Unknown parameter: ${issue.keys.join(', ')}.` : `${issue.message}.`, { status: 400 });
  }
  return newActionPage(getDb(), user, query.data).catch(rethrowForPage);
}

type Answer = { error: string; fieldErrors: FieldErrors; source: string | null };

/** POST /actions/new — raises the action and opens it. */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'action:decide');
  const form = await readForm(request);
  const body = formObject(form, {
    numbers: ['teamId', 'responseId'],
    optional: ['teamId', 'reference', 'owner', 'targetDate', 'topic', 'responseId', 'question'],
  });
  const source = typeof body.source === 'string' ? body.source : null;
  const parsed = newActionSchema.safeParse(body);
  if (!parsed.success) {
    const fieldErrors = labelledErrors(parsed.error.issues, LABELS);
    return data<Answer>({ error: formProblem(fieldErrors), fieldErrors, source }, { status: 400 });
  }
  try {
    const { id } = await raiseAction(getDb(), user, parsed.data);
    return redirect(`/actions/${id}?notice=raised`);
  } catch (error) {
    const refusal = formRefusal(error);
    return data<Answer>({ error: refusal.message, fieldErrors: labelFieldErrors(refusal.fieldErrors, LABELS), source }, { status: refusal.status });
  }
}

/** A labelled text input or text area with its hint and error (ids prefixed, as the page has two forms). */
function Text({
  prefix,
  field,
  label,
  errors,
  hint,
  area = false,
  type = 'text',
  maxLength,
}: {
  prefix: string;
  field: string;
  label: string;
  errors: FieldErrors;
  hint?: ReactNode;
  area?: boolean;
  type?: 'text' | 'date';
  maxLength?: number;
}) {
  const id = `${prefix}-${field}`;
  const hintId = hint ? `${id}-hint` : undefined;
  const props = {
    id,
    name: field,
    maxLength,
    'aria-describedby': describedBy(field, errors, hintId),
    'aria-invalid': errors[field] ? true : undefined,
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      ) : null}
      <FieldError field={field} errors={errors} />
      {area ? <textarea {...props} /> : <input type={type} {...props} />}
    </div>
  );
}

function CommonFields({ prefix, errors, topics }: { prefix: string; errors: FieldErrors; topics: SelectOption[] }) {
  return (
    <>
      <Text prefix={prefix} field="title" label="Action needed" area errors={errors} maxLength={2000} hint="What is to be done, in a sentence or two." />
      <Text prefix={prefix} field="owner" label="Owner (optional)" errors={errors} maxLength={200} hint="The post or person responsible." />
      <Text prefix={prefix} field="targetDate" label="Target date (optional)" type="date" errors={errors} />
      <SelectField id={`${prefix}-topic`} name="topic" label="Topic (optional)" empty="None" options={topics} errors={errors} />
    </>
  );
}

export default function RaiseAction() {
  const page = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>() as Answer | undefined;
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting';
  const errorsOf = (source: string): FieldErrors => (answer?.source === source ? answer.fieldErrors : {});
  const recommendation = errorsOf('recommendation');
  const finding = errorsOf('case-audit');
  const prefix = answer?.source === 'case-audit' ? 'audit' : 'rec';
  const fieldIds = Object.fromEntries(Object.keys(answer?.fieldErrors ?? {}).map((f) => [f, f === 'responseId' ? 'find-audit' : `${prefix}-${f}`]));
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/actions">Action register</Link> › Raise an action
      </p>
      <h1>Raise an action</h1>
      <p>
        Actions that teams name in their returns are proposed to you on <Link to="/actions/proposed">Proposed actions</Link>. Raise one here for a
        recommendation of the review (such as R1) or for a finding of a case-file audit. It goes into the register as open, and its team’s managers can update
        it.
      </p>
      <ErrorSummary message={answer?.error} errors={answer?.fieldErrors ?? {}} fieldIds={fieldIds} />

      <section aria-labelledby="recommendation-heading">
        <h2 id="recommendation-heading">For a recommendation of the review</h2>
        {page.teamsByArea ? (
          <AreaPickerForm
            id="team-area"
            label="Area of the team"
            areas={page.areas.map((a) => ({ id: Number(a.value), name: a.label }))}
            value={page.area}
            button="List its teams"
            hidden={page.audit ? { audit: page.audit.id } : {}}
          />
        ) : null}
        <Form method="post" className="action-form" noValidate>
          <input type="hidden" name="source" value="recommendation" />
          <Text
            prefix="rec"
            field="reference"
            label="Recommendation (optional)"
            errors={recommendation}
            maxLength={20}
            hint="Its short reference, such as R1."
          />
          <SelectField
            id="rec-teamId"
            name="teamId"
            label="Team"
            empty={page.forAuthority ? 'The whole authority' : 'Choose a team'}
            emptyDisabled={!page.forAuthority}
            required={!page.forAuthority}
            options={page.teams}
            errors={recommendation}
          />
          <CommonFields prefix="rec" errors={recommendation} topics={page.topics} />
          <button type="submit" className="button" disabled={busy}>
            Raise the action
          </button>
        </Form>
      </section>

      <section aria-labelledby="finding-heading">
        <h2 id="finding-heading">For a case-file audit finding</h2>
        <form method="get" className="filters" aria-label="Find the audit">
          {page.area ? <input type="hidden" name="area" value={page.area} /> : null}
          <div className="field">
            <label htmlFor="find-audit">Audit number</label>
            <p className="hint" id="find-audit-hint">
              The number at the end of the audit’s address (/audits/123).
            </p>
            {page.auditProblem ? (
              <p className="field-error" id="find-audit-error" role="alert">
                {page.auditProblem}
              </p>
            ) : null}
            <input
              type="number"
              id="find-audit"
              name="audit"
              min={1}
              inputMode="numeric"
              defaultValue={page.audit?.id ?? ''}
              aria-describedby={page.auditProblem ? 'find-audit-hint find-audit-error' : 'find-audit-hint'}
              aria-invalid={page.auditProblem ? true : undefined}
            />
          </div>
          <button type="submit" className="button button--secondary">
            Find the audit
          </button>
        </form>
        {page.audit ? (
          <>
            <p>
              <Link to={page.audit.href}>
                {page.audit.roundName}: audit of case {page.audit.caseReference ?? '(no reference)'}
              </Link>
              , a case of {page.audit.teamName}. The action will be for that team.
            </p>
            <Form method="post" className="action-form" noValidate>
              <input type="hidden" name="source" value="case-audit" />
              <input type="hidden" name="responseId" value={page.audit.id} />
              <SelectField
                id="audit-question"
                name="question"
                label="Standard not met"
                empty="Choose a standard"
                options={page.audit.standards}
                errors={finding}
              />
              <CommonFields prefix="audit" errors={finding} topics={page.topics} />
              <button type="submit" className="button" disabled={busy}>
                Raise the action
              </button>
            </Form>
          </>
        ) : null}
      </section>
    </>
  );
}
