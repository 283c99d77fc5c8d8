import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction, type SerializeFrom } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from '@remix-run/react';
import { useEffect, useRef } from 'react';
import surveyCss from 'survey-core/survey-core.fontless.min.css?url';
import { z } from 'zod';
import { getDb } from '../../db/index';
import { loadReviewPage, MAX_RETURN_REASON, returnResponse } from '~/models/review.server';
import { StatusTag } from '~/components/status-tag';
import { SurveyView } from '~/components/questionnaire/survey-view';
import { hasPermission } from '~/utils/permissions';
import { formRefusal, rethrowForPage } from '~/utils/errors.server';
import { requireIdParam } from '~/utils/params.server';
import { requireUser, requireUserWithPermission } from '~/utils/session.server';
import { formatDate, formatDateTime } from '~/utils/format';
import reviewCss from '~/styles/review.css?url';
import { DataTable } from '~/components/data-table';
import { readForm } from '~/utils/forms.server';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: surveyCss },
  { rel: 'stylesheet', href: reviewCss },
];
export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.team.name} – ${data.round.name} – Stocktake` : 'Response – Stocktake' },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  // A team manager works on their own page; this one is the reviewers' read-only view. Sent there whatever the id,
  // so the answer is the same for an id that is malformed, missing or another team's (that page refuses all three).
  if (!hasPermission(user, 'response:read-any')) throw redirect(`/responses/${encodeURIComponent(params.responseId ?? '')}`);
  const id = requireIdParam(params, 'responseId', 'response');
  return loadReviewPage(getDb(), user, id).catch(rethrowForPage);
}

const ReturnForm = z.object({
  intent: z.literal('return', { errorMap: () => ({ message: 'Unknown action.' }) }),
  reason: z
    .string()
    .trim()
    .min(1, 'Give the reason for returning the response')
    .max(MAX_RETURN_REASON, `Keep the reason under ${MAX_RETURN_REASON} characters`),
  questions: z.array(z.string().min(1).max(200)).max(500),
});

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'response:return');
  const id = requireIdParam(params, 'responseId', 'response');
  const form = await readForm(request);
  const parsed = ReturnForm.safeParse({ intent: form.get('intent'), reason: form.get('reason') ?? '', questions: form.getAll('questions') });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return data({ error: issue.message, field: issue.path[0] === 'reason' ? 'reason' : null }, { status: 400 });
  }
  try {
    await returnResponse(getDb(), user, id, { reason: parsed.data.reason, questions: parsed.data.questions });
  } catch (error) {
    const refusal = formRefusal(error);
    return data({ error: [refusal.message, ...refusal.errors.map((e) => e.message)].join(' '), field: null }, { status: refusal.status });
  }
  return redirect(`/review/responses/${id}?returned=1`);
}

const KIND_LABELS: Record<string, string> = {
  edit: 'Answers changed',
  submit: 'Submitted',
  return: 'Returned for correction',
  carry_forward: 'Carried forward from the earlier round',
  confirm: 'Carried answers confirmed',
  reopen: 'Reopened',
};

export default function ReviewResponse() {
  const { response, team, round, carriedFrom, questionnaire, pages, titles, answers, revisions, canReturn, maxReason } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const [searchParams] = useSearchParams();
  const errorRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (actionData?.error) errorRef.current?.focus();
  }, [actionData]);
  const percent = response.answerable ? Math.round((response.answered / response.answerable) * 100) : 0;
  const title = (question: string) => titles[question] ?? question;

  return (
    <>
      <p className="breadcrumbs">
        <Link to="/review">Review</Link> › <Link to={`/review/rounds/${round.id}`}>{round.name}</Link> › {team.name}
      </p>
      <h1>
        {team.name} <span className="muted">– {round.name}</span>
      </h1>
      <dl className="summary">
        <dt>Questionnaire</dt>
        <dd>
          {questionnaire.title}, version {questionnaire.version}
        </dd>
        <dt>Status</dt>
        <dd>
          <StatusTag status={response.status} /> {round.status === 'closed' ? <StatusTag status="closed" /> : null}{' '}
          <span className="muted">
            {response.answered} of {response.answerable} questions answered ({percent}%)
          </span>
        </dd>
        <dt>Due</dt>
        <dd>{formatDate(round.dueDate)}</dd>
        <dt>Last change</dt>
        <dd>{response.updatedAt ? formatDateTime(response.updatedAt) : 'No changes yet'}</dd>
        {response.submitted ? (
          <>
            <dt>Submitted</dt>
            <dd>
              {formatDateTime(response.submitted.at)}
              {response.submitted.by ? ` by ${response.submitted.by}` : ''}
            </dd>
          </>
        ) : null}
        {carriedFrom ? (
          <>
            <dt>Carried forward</dt>
            <dd>
              {response.carried.carried} answer{response.carried.carried === 1 ? '' : 's'} from{' '}
              <Link to={`/review/responses/${carriedFrom.responseId}`}>{carriedFrom.roundName}</Link>
              {response.carried.fromUnsubmitted ? ' (that response was never submitted)' : ''};{' '}
              <span className={response.carried.unconfirmed ? 'unconfirmed' : 'confirmed'}>
                {response.carried.unconfirmed ? `${response.carried.unconfirmed} not yet confirmed by the team` : 'all confirmed or changed by the team'}
              </span>
            </dd>
          </>
        ) : null}
      </dl>
      <div className="page-actions">
        <Link to={`/review/teams/${team.id}/compare`}>Compare {team.name} across phases</Link>
        <Link to={`/review/rounds/${round.id}/compare?team=${team.id}`}>Compare with other teams in this round</Link>
      </div>

      {searchParams.get('returned') && response.status === 'returned' ? (
        <p className="notice notice--success" role="status">
          The response has been returned to the team. Its managers see your reason and the questions you marked.
        </p>
      ) : null}

      {response.returned ? (
        <div className={`notice ${response.status === 'returned' ? 'notice--warning' : ''}`} role="note">
          <h2>
            {response.status === 'returned' ? 'Returned for correction' : 'Returned earlier and resubmitted'} on {formatDateTime(response.returned.at)}
            {response.returned.by ? ` by ${response.returned.by}` : ''}
          </h2>
          <p>{response.returned.reason}</p>
          {response.returned.questions.length ? (
            <>
              <p>Questions marked to look at:</p>
              <ul>
                {response.returned.questions.map((q) => (
                  <li key={q}>{title(q)}</li>
                ))}
              </ul>
            </>
          ) : null}
        </div>
      ) : null}

      {canReturn ? (
        <section className="panel return-form" aria-labelledby="return-heading">
          <h2 id="return-heading">Return for correction</h2>
          <p>The team’s managers will see your reason and the questions you mark, correct the response and submit it again.</p>
          {actionData?.error ? (
            <div className="error-summary" role="alert" tabIndex={-1} ref={errorRef}>
              <h3>There is a problem</h3>
              <p>{actionData.field === 'reason' ? <a href="#return-reason">{actionData.error}</a> : actionData.error}</p>
            </div>
          ) : null}
          <Form method="post" noValidate>
            <input type="hidden" name="intent" value="return" />
            <div className="field">
              <label htmlFor="return-reason">Reason (required)</label>
              <p className="hint" id="return-reason-hint">
                Say what needs correcting and why.
              </p>
              <textarea
                id="return-reason"
                name="reason"
                required
                maxLength={maxReason}
                aria-describedby="return-reason-hint"
                aria-invalid={actionData?.field === 'reason' ? true : undefined}
              />
            </div>
            <details>
              <summary>Mark questions to look at (optional)</summary>
              <div className="return-questions">
                {pages.map((page) => {
                  const onPage = answers.filter((a) => a.page === page.name);
                  if (!onPage.length) return null;
                  return (
                    <fieldset key={page.name}>
                      <legend>{page.title}</legend>
                      <ul className="choice-list">
                        {onPage.map((a) => (
                          <li key={a.question}>
                            <label>
                              <input type="checkbox" name="questions" value={a.question} /> {a.title}
                            </label>
                          </li>
                        ))}
                      </ul>
                    </fieldset>
                  );
                })}
              </div>
            </details>
            <div className="button-row">
              <button type="submit" className="button" disabled={navigation.state === 'submitting'}>
                Return to the team
              </button>
            </div>
          </Form>
        </section>
      ) : null}

      <h2>The response as the team sees it</h2>
      <p className="muted">Read-only, in version {questionnaire.version} of the questionnaire.</p>
      <SurveyView definition={questionnaire.definition} data={response.data} />

      <h2 id="answers-heading">Who answered what, and when</h2>
      <div className="table-wrap">
        <table aria-labelledby="answers-heading">
          <thead>
            <tr>
              <th scope="col">Question</th>
              <th scope="col">Answer</th>
              <th scope="col">Answered by</th>
              {carriedFrom ? <th scope="col">Carried forward</th> : null}
            </tr>
          </thead>
          <tbody>
            {answers.map((a) => (
              <tr key={a.question}>
                <th scope="row" style={{ fontWeight: 400 }}>
                  {a.title}
                  {a.returnMarked ? <span className="marker marker--changed">Marked for correction</span> : null}
                </th>
                <td>{a.summary ?? <span className="empty-answer">No answer</span>}</td>
                <td>
                  {a.provenance?.answeredBy && a.summary !== null ? (
                    <>
                      {a.provenance.answeredBy.kind === 'carry_forward' ? 'Carried forward' : (a.provenance.answeredBy.name ?? 'Unknown')},{' '}
                      {formatDateTime(a.provenance.answeredBy.at)}
                    </>
                  ) : (
                    <span className="muted">–</span>
                  )}
                </td>
                {carriedFrom ? (
                  <td>
                    {a.carried ? (
                      a.carried.confirmed ? (
                        <span className="confirmed">
                          Confirmed
                          {a.provenance?.confirmedBy
                            ? ` by ${a.provenance.confirmedBy.name ?? 'the team'}, ${formatDateTime(a.provenance.confirmedBy.at)}`
                            : ' (changed by the team)'}
                        </span>
                      ) : (
                        <span className="unconfirmed">Not yet confirmed</span>
                      )
                    ) : (
                      <span className="muted">Not carried</span>
                    )}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <h2 id="history-heading">History</h2>
      {revisions.length === 0 ? (
        <p>No changes yet.</p>
      ) : (
        <div className="table-wrap">
          <DataTable
            labelledBy="history-heading"
            columns={[
              { header: 'Revision', num: true, cell: (r) => r.revision },
              { header: 'When', cell: (r) => formatDateTime(r.at) },
              { header: 'Who', cell: (r) => r.author.name ?? 'System' },
              { header: 'What', cell: (r) => <RevisionWhat revision={r} title={title} /> },
            ]}
            rows={revisions}
            rowKey={(r) => r.revision}
          />
        </div>
      )}
    </>
  );
}

/** What a revision did: its kind, the note, and the questions it touched (at most twelve named). */
function RevisionWhat({ revision: r, title }: { revision: SerializeFrom<typeof loader>['revisions'][number]; title: (question: string) => string }) {
  const changes = (r.changes ?? []) as unknown as Record<string, unknown> | Array<unknown>;
  const confirmed = !Array.isArray(changes) && Array.isArray(changes.confirmed) ? (changes.confirmed as string[]) : [];
  const marked = !Array.isArray(changes) && Array.isArray(changes.questions) ? (changes.questions as string[]) : [];
  return (
    <>
      <strong>{KIND_LABELS[r.kind] ?? r.kind}</strong>
      {r.kind === 'submit' && !Array.isArray(changes) && changes.resubmission ? ' (resubmission after a return)' : ''}
      {r.kind === 'return' && r.note ? <>: “{r.note}”</> : null}
      {r.kind === 'carry_forward' && r.note ? <span className="cell-path muted"> {r.note}</span> : null}
      {r.questions.length ? (
        <ul className="history-changes">
          {r.questions.slice(0, 12).map((q) => (
            <li key={q}>{title(q)}</li>
          ))}
          {r.questions.length > 12 ? <li>and {r.questions.length - 12} more</li> : null}
        </ul>
      ) : null}
      {confirmed.length || marked.length ? (
        <ul className="history-changes">
          {[...confirmed, ...marked].slice(0, 12).map((q) => (
            <li key={q}>{title(q)}</li>
          ))}
          {confirmed.length + marked.length > 12 ? <li>and {confirmed.length + marked.length - 12} more</li> : null}
        </ul>
      ) : null}
    </>
  );
}
