import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { getDb } from '../../db/index';
import { actionPage } from '~/models/action-pages.server';
import { ACTION_SOURCE_LABELS, ACTION_STATUS_LABELS, actionUpdateSchema, updateAction } from '~/models/actions.server';
import { describedBy, ErrorSummary, FieldError, type FieldErrors } from '~/components/form-errors';
import { SelectField } from '~/components/select-field';
import { formRefusal, rethrowForPage } from '~/utils/errors.server';
import { formObject, formProblem, labelFieldErrors, labelledErrors } from '~/utils/form-fields.server';
import { readForm } from '~/utils/forms.server';
import { formatDate, formatDateTime } from '~/utils/format';
import { requireIdParam } from '~/utils/params.server';
import { requireUserWithPermission } from '~/utils/session.server';
import reviewCss from '~/styles/review.css?url';
import actionsCss from '~/styles/actions.css?url';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: reviewCss },
  { rel: 'stylesheet', href: actionsCss },
];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.action.ref ?? 'Action'} – Action register – Stocktake` }];

const NoticeQuery = z.object({ notice: z.enum(['saved', 'raised']).optional() });

/** The update form's fields, as its labels name them (in messages). */
const LABELS: Record<string, string> = {
  status: 'Status',
  targetDate: 'Target date',
  owner: 'Owner',
  note: 'What has been done',
  droppedReason: 'Why it is dropped',
  evidenceResponseId: 'Evidence',
};

/** GET /actions/{id} — one action: its facts, where it came from, every update, and the form to update it. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'action:read');
  const actionId = requireIdParam(params, 'actionId', 'action');
  const query = NoticeQuery.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!query.success) throw new Response('notice: must be saved or raised.', { status: 400 });
  const page = await actionPage(getDb(), user, actionId).catch(rethrowForPage);
  return { ...page, notice: query.data.notice ?? null, labels: { status: ACTION_STATUS_LABELS, source: ACTION_SOURCE_LABELS } };
}

/** POST /actions/{id} — an update: status, target date, owner, what was done and the evidence. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'action:read');
  const actionId = requireIdParam(params, 'actionId', 'action');
  const form = await readForm(request);
  const parsed = actionUpdateSchema.safeParse(formObject(form, { numbers: ['evidenceResponseId'], optional: ['evidenceResponseId', 'droppedReason'] }));
  if (!parsed.success) {
    const fieldErrors = labelledErrors(parsed.error.issues, LABELS);
    return data({ error: formProblem(fieldErrors), fieldErrors }, { status: 400 });
  }
  try {
    await updateAction(getDb(), user, actionId, parsed.data);
  } catch (error) {
    const refusal = formRefusal(error);
    // The action itself missing, or not the user's: the same 404 page as for a missing id.
    if (refusal.status === 404 && !refusal.errors.length) rethrowForPage(error);
    return data({ error: refusal.message, fieldErrors: labelFieldErrors(refusal.fieldErrors, LABELS) }, { status: refusal.status });
  }
  return redirect(`/actions/${actionId}?notice=saved`);
}

const KIND_LABELS: Record<string, string> = {
  created: 'Raised',
  update: 'Updated',
  merged: 'A duplicate merged in',
  'follow-up': 'Followed up in a return',
};

function ResponseLink({ link }: { link: { href: string | null; label: string } | null }) {
  if (!link) return <span className="muted">None</span>;
  return link.href ? <Link to={link.href}>{link.label}</Link> : <span className="muted">{link.label}</span>;
}

export default function ActionPage() {
  const { action: item, sources, updates, canChange, evidenceChoices, statuses, notice, labels } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const errors: FieldErrors = actionData?.fieldErrors ?? {};
  const statusLabel = (status: string) => labels.status[status as keyof typeof labels.status] ?? status;
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/actions">Action register</Link> › {item.ref}
      </p>
      <h1>
        Action {item.ref}
        {item.reference ? (
          <span className="muted">
            {' '}
            ({item.source === 'recommendation' ? 'recommendation' : 'reference'} {item.reference})
          </span>
        ) : null}
      </h1>
      {notice ? (
        <p className="notice notice--success" role="status">
          {notice === 'saved' ? 'Your update is saved, and added to the trail below.' : 'The action is raised and in the register.'}
        </p>
      ) : null}
      <p className="lead">{item.title}</p>
      <dl className="action-facts">
        <dt>Status</dt>
        <dd>
          <span className={`tag tag--action-${item.status}`}>{statusLabel(item.status)}</span>
          {item.overdue ? (
            <>
              {' '}
              <span className="tag tag--overdue">Overdue</span>
            </>
          ) : null}
          {item.status === 'dropped' && item.dropped_reason ? <span> because: {item.dropped_reason}</span> : null}
        </dd>
        <dt>Team</dt>
        <dd>{item.team_name ? `${item.team_name} (${item.area_name})` : 'The whole authority'}</dd>
        <dt>Owner</dt>
        <dd>{item.owner || <span className="muted">Not named</span>}</dd>
        <dt>Target date</dt>
        <dd>{item.target_date ? formatDate(item.target_date) : <span className="muted">None set</span>}</dd>
        <dt>Topic</dt>
        <dd>{item.topic_title ?? <span className="muted">None</span>}</dd>
        <dt>Source</dt>
        <dd>
          {labels.source[item.source]}
          {item.round_name ? ` (${item.round_name})` : ''}
        </dd>
        <dt>Raised</dt>
        <dd>{formatDateTime(item.created_at)}</dd>
        <dt>Last change</dt>
        <dd>{formatDateTime(item.updated_at)}</dd>
        {item.closed_at ? (
          <>
            <dt>Closed</dt>
            <dd>{formatDateTime(item.closed_at)}</dd>
          </>
        ) : null}
      </dl>

      <h2 id="sources">Where it came from</h2>
      {item.source === 'recommendation' ? (
        <p>Raised by a reviewer for {item.reference ? `recommendation ${item.reference}` : 'a recommendation'} of the review.</p>
      ) : null}
      {item.source === 'case-audit' ? (
        <p>
          A finding of the case-file audit <ResponseLink link={item.source_link} />
          {item.standard ? <>, on the standard “{item.standard}”</> : null}.
        </p>
      ) : null}
      {sources.length ? (
        <ul className="change-list">
          {sources.map((s) => (
            <li key={s.id}>
              <strong>{s.question_title}</strong>
              {s.row_label ? <> — {s.row_label}</> : null}
              <br />
              The team wrote: “{s.title}”{s.owner ? `; owner: ${s.owner}` : ''}
              {s.target_text ? `; target: ${s.target_text}` : ''}. {s.status === 'merged' ? <span className="muted">(merged in as a duplicate)</span> : null}
              <br />
              In <ResponseLink link={s.link} />
            </li>
          ))}
        </ul>
      ) : item.source === 'answer' ? (
        <p>
          An answer in <ResponseLink link={item.source_link} />.
        </p>
      ) : null}

      <h2 id="trail">What has happened</h2>
      <div className="table-wrap">
        <table className="trail">
          <caption className="visually-hidden">Every change to the action, oldest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">What changed</th>
              <th scope="col">Note</th>
              <th scope="col">Evidence</th>
            </tr>
          </thead>
          <tbody>
            {updates.map((u) => (
              <tr key={u.id}>
                <th scope="row">{formatDateTime(u.at)}</th>
                <td>{u.author_name ?? <span className="muted">Stocktake</span>}</td>
                <td>
                  <span className="change-line">{KIND_LABELS[u.kind] ?? u.kind}</span>
                  {u.status ? <span className="change-line">Status: {statusLabel(u.status)}</span> : null}
                  {u.target_date ? <span className="change-line">Target date: {formatDate(u.target_date)}</span> : null}
                  {u.owner !== null && u.kind !== 'created' ? <span className="change-line">Owner: {u.owner || 'none'}</span> : null}
                </td>
                <td>
                  <p className="note-text">{u.note}</p>
                </td>
                <td>{u.evidence ? <ResponseLink link={u.evidence} /> : <span className="muted">None</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {canChange ? (
        <section aria-labelledby="update-heading">
          <h2 id="update-heading">Update this action</h2>
          <ErrorSummary message={actionData?.error} errors={errors} fieldIds={{ form: 'update-status', status: 'update-status' }} />
          {/* A new key after each saved update empties the form. */}
          <Form method="post" className="action-form" noValidate key={updates.length}>
            <SelectField id="update-status" name="status" label="Status" defaultValue={item.status} options={statuses} errors={errors} />
            <div className="field">
              <label htmlFor="targetDate">Target date</label>
              <p className="hint" id="targetDate-hint">
                A new date if it has moved; leave it as it is otherwise, or empty for none.
              </p>
              <FieldError field="targetDate" errors={errors} />
              <input
                type="date"
                id="targetDate"
                name="targetDate"
                defaultValue={item.target_date ?? ''}
                aria-describedby={describedBy('targetDate', errors, 'targetDate-hint')}
                aria-invalid={errors.targetDate ? true : undefined}
              />
            </div>
            <div className="field">
              <label htmlFor="owner">Owner</label>
              <FieldError field="owner" errors={errors} />
              <input
                type="text"
                id="owner"
                name="owner"
                maxLength={200}
                defaultValue={item.owner}
                aria-describedby={describedBy('owner', errors)}
                aria-invalid={errors.owner ? true : undefined}
              />
            </div>
            <div className="field">
              <label htmlFor="note">What has been done, and the evidence</label>
              <p className="hint" id="note-hint">
                Required. Say what has happened since the last update and what shows it (a record, an audit, a rota).
              </p>
              <FieldError field="note" errors={errors} />
              <textarea
                id="note"
                name="note"
                required
                maxLength={5000}
                aria-describedby={describedBy('note', errors, 'note-hint')}
                aria-invalid={errors.note ? true : undefined}
              />
            </div>
            <div className="field">
              <label htmlFor="droppedReason">Why it is dropped</label>
              <p className="hint" id="droppedReason-hint">
                Only when you set the status to Dropped: required then.
              </p>
              <FieldError field="droppedReason" errors={errors} />
              <textarea
                id="droppedReason"
                name="droppedReason"
                maxLength={1000}
                aria-describedby={describedBy('droppedReason', errors, 'droppedReason-hint')}
                aria-invalid={errors.droppedReason ? true : undefined}
              />
            </div>
            {evidenceChoices.length ? (
              <SelectField
                id="evidenceResponseId"
                label="Evidence (optional): a return or audit of the team that shows it"
                empty="None"
                options={evidenceChoices}
                errors={errors}
              />
            ) : null}
            <button type="submit" className="button" disabled={navigation.state === 'submitting'}>
              Save the update
            </button>
          </Form>
        </section>
      ) : null}
    </>
  );
}
