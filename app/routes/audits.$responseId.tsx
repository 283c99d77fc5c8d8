import { data, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { getDb } from '../../db/index';
import type { ReplyStance } from '../../db/schema';
import { addAuditReply, loadAuditView, replySchema } from '~/models/case-audits.server';
import { StatusTag } from '~/components/status-tag';
import { formRefusal, rethrowForPage } from '~/utils/errors.server';
import { readForm } from '~/utils/forms.server';
import { caseKindLabel, formatDate, formatDateTime } from '~/utils/format';
import { requireIdParam } from '~/utils/params.server';
import { requireUser } from '~/utils/session.server';

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Audit of case ${data.caseFile.reference} – Stocktake` : 'Case audit – Stocktake' },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const responseId = requireIdParam(params, 'responseId', 'response');
  return loadAuditView(getDb(), user, responseId).catch(rethrowForPage);
}

/** A team manager's written response to the audit. */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUser(request);
  const responseId = requireIdParam(params, 'responseId', 'response');
  const form = await readForm(request);
  const parsed = replySchema.safeParse({ stance: form.get('stance') ?? undefined, body: form.get('body') ?? '' });
  if (!parsed.success) {
    const fieldErrors: Record<string, string> = {};
    for (const issue of parsed.error.issues) fieldErrors[String(issue.path[0])] ??= issue.message;
    return data({ ok: false as const, error: null as string | null, fieldErrors }, { status: 400 });
  }
  try {
    await addAuditReply(getDb(), user, responseId, parsed.data);
  } catch (error) {
    const refusal = formRefusal(error);
    return data({ ok: false as const, error: refusal.message as string | null, fieldErrors: refusal.fieldErrors }, { status: refusal.status });
  }
  return { ok: true as const, error: null as string | null, fieldErrors: {} as Record<string, string | undefined> };
}

const STANCE_LABELS: Record<ReplyStance, string> = { agree: 'Agrees', partly: 'Partly agrees', disagree: 'Disagrees' };

export default function AuditView() {
  const view = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const errors = actionData?.fieldErrors ?? {};
  return (
    <>
      <p className="breadcrumbs">
        {view.reviewer ? <Link to={`/review/rounds/${view.round.id}/cases`}>{view.round.name}</Link> : <Link to="/audits">Case audits</Link>} › Case{' '}
        {view.caseFile.reference}
      </p>
      <h1>
        Audit of case {view.caseFile.reference}
        {view.response.secondAuditOf ? ' (second audit, for moderation)' : ''}
      </h1>
      <dl className="summary">
        <dt>Team</dt>
        <dd>{view.team.name}</dd>
        <dt>Kind of case</dt>
        <dd>{caseKindLabel(view.caseFile.kind)}</dd>
        {view.caseFile.worker ? (
          <>
            <dt>Allocated worker</dt>
            <dd>{view.caseFile.worker}</dd>
          </>
        ) : null}
        {view.caseFile.opened_on ? (
          <>
            <dt>Opened</dt>
            <dd>{formatDate(view.caseFile.opened_on)}</dd>
          </>
        ) : null}
        <dt>How it was chosen</dt>
        <dd>{view.caseFile.selected === 'hand' ? 'Added to the sample by hand' : 'Drawn at random for the sample'}</dd>
        <dt>Auditor</dt>
        <dd>{view.auditor ?? 'Not yet taken on'}</dd>
        <dt>Status</dt>
        <dd>
          <StatusTag status={view.response.status} />
          {view.response.submittedAt ? ` on ${formatDate(view.response.submittedAt)}` : null}
        </dd>
        <dt>Questionnaire</dt>
        <dd>
          {view.questionnaire.title}, version {view.questionnaire.version}
        </dd>
      </dl>
      <p>
        <Link to={`/responses/${view.response.id}/history`}>History of changes</Link>
        {view.reviewer ? (
          <>
            {' · '}
            <Link to={`/review/responses/${view.response.id}`}>Review page (return the audit to its auditor for correction)</Link>
            {view.response.status === 'submitted' && !view.response.secondAuditOf ? (
              <>
                {' · '}
                <Link to={`/actions/new?audit=${view.response.id}`}>Raise an action from this audit’s findings</Link>
              </>
            ) : null}
          </>
        ) : null}
      </p>
      {view.reviewer && view.second ? (
        <p>
          This case has a <Link to={`/audits/${view.second.id}`}>second audit for moderation</Link> (
          {view.second.status === 'submitted' ? 'completed' : 'not yet completed'}
          ). Agreement and moderated answers are on the <Link to={`/review/rounds/${view.round.id}/cases#moderation`}>round’s page</Link>.
        </p>
      ) : null}

      <h2>Answers</h2>
      {view.answers.length === 0 ? <p>Nothing has been answered yet.</p> : null}
      {view.answers.map((page) => (
        <section key={page.page} aria-labelledby={`page-${page.page}`}>
          <h3 id={`page-${page.page}`}>{page.title}</h3>
          <dl className="summary answers">
            {page.answers.map((a) => (
              <div key={a.name}>
                <dt>{a.title}</dt>
                <dd>{a.text}</dd>
              </div>
            ))}
          </dl>
        </section>
      ))}

      <h2 id="responses">The team’s responses</h2>
      {view.replies.length === 0 ? <p>The team has not responded to this audit.</p> : null}
      <ul className="plain-list">
        {view.replies.map((r) => (
          <li key={r.id} className="notice">
            <p>
              <strong>{STANCE_LABELS[r.stance]}</strong> — {r.author_name ?? 'A former user'}, {formatDateTime(r.created_at)}
            </p>
            <p className="preserve-lines">{r.body}</p>
          </li>
        ))}
      </ul>
      {view.canReply ? (
        <Form method="post" noValidate key={actionData?.ok ? view.replies.length : 'form'}>
          <h3>Add your team’s response</h3>
          {actionData?.error ? (
            <div className="error-summary" role="alert">
              <p>{actionData.error}</p>
            </div>
          ) : null}
          {actionData?.ok ? (
            <p className="notice notice--success" role="status">
              Your response has been added.
            </p>
          ) : null}
          <fieldset aria-describedby={errors.stance ? 'stance-error' : undefined}>
            <legend>Do you agree with the audit?</legend>
            {errors.stance ? (
              <p className="field-error" id="stance-error">
                <span className="visually-hidden">Error: </span>
                {errors.stance}
              </p>
            ) : null}
            {(['agree', 'partly', 'disagree'] as const).map((stance) => (
              <div className="option" key={stance}>
                <label>
                  <input type="radio" name="stance" value={stance} /> {stance === 'agree' ? 'I agree' : stance === 'partly' ? 'I partly agree' : 'I disagree'}
                </label>
              </div>
            ))}
          </fieldset>
          <div className="field">
            <label htmlFor="body">Your response, and why</label>
            {errors.body ? (
              <p className="field-error" id="body-error">
                <span className="visually-hidden">Error: </span>
                {errors.body}
              </p>
            ) : null}
            <textarea
              id="body"
              name="body"
              rows={5}
              maxLength={4000}
              aria-invalid={errors.body ? true : undefined}
              aria-describedby={errors.body ? 'body-error' : undefined}
            />
          </div>
          <button type="submit" className="button" disabled={navigation.state === 'submitting'}>
            Add response
          </button>
        </Form>
      ) : null}
    </>
  );
}
