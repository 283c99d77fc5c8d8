import { data, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { getDb } from '../../db/index';
import { proposalsPage } from '~/models/action-pages.server';
import { actionRef, decideProposals, decisionSchema } from '~/models/actions.server';
import { ErrorSummary, FieldError, describedBy, type FieldErrors } from '~/components/form-errors';
import { Pagination } from '~/components/pagination';
import { SelectField } from '~/components/select-field';
import { formRefusal, rethrowForPage } from '~/utils/errors.server';
import { formObject, formProblem, labelFieldErrors, labelledErrors } from '~/utils/form-fields.server';
import { readForm } from '~/utils/forms.server';
import { formatDate } from '~/utils/format';
import { requireUserWithPermission } from '~/utils/session.server';
import reviewCss from '~/styles/review.css?url';
import actionsCss from '~/styles/actions.css?url';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: reviewCss },
  { rel: 'stylesheet', href: actionsCss },
];
export const meta: MetaFunction = () => [{ title: 'Proposed actions – Action register – Stocktake' }];

/** Teams a page: each team's proposals with its own forms. */
const TEAMS_PER_PAGE = 20;

const PageQuery = z.object({ page: z.coerce.number().int().min(1).max(100_000).default(1) });

const LABELS: Record<string, string> = {
  decision: 'Decision',
  proposalIds: 'Proposed actions',
  title: 'Wording',
  owner: 'Owner',
  targetDate: 'Target date',
  into: 'Merge into',
  reason: 'Why it is rejected',
};

/** GET /actions/proposed — the actions proposed from submitted returns, waiting for a reviewer of the team's area. */
export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'action:decide');
  const url = new URL(request.url);
  const query = PageQuery.safeParse(Object.fromEntries(url.searchParams));
  if (!query.success) throw new Response('page: must be a page number (1 or more).', { status: 400 });
  const { total, teams } = await proposalsPage(getDb(), user).catch(rethrowForPage);
  const count = Math.max(1, Math.ceil(teams.length / TEAMS_PER_PAGE));
  const number = Math.min(query.data.page, count);
  const shown = teams.slice((number - 1) * TEAMS_PER_PAGE, number * TEAMS_PER_PAGE);
  const from = teams.length ? (number - 1) * TEAMS_PER_PAGE + 1 : 0;
  return { total, teams: shown, page: { number, count, total: teams.length, from, to: from ? from + shown.length - 1 : 0 }, search: url.search };
}

type Answer = { done: string | null; error: string | null; fieldErrors: FieldErrors; proposalId: number | null; decision: string | null };

/**
 * POST /actions/proposed — a decision on one proposal (accept, possibly reworded; merge into an open action of the
 * team; reject with a reason) or on those ticked ("Accept selected"). All or nothing: nothing changes on a refusal.
 */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'action:decide');
  const form = await readForm(request);
  const body = formObject(form, { numbers: ['proposalIds', 'into'], lists: ['proposalIds'], optional: ['targetDate', 'into'] });
  const ids = Array.isArray(body.proposalIds) ? (body.proposalIds as number[]) : [];
  const about = {
    proposalId: ids.length === 1 && Number.isSafeInteger(ids[0]) ? ids[0] : null,
    decision: typeof body.decision === 'string' ? body.decision : null,
  };
  const parsed = decisionSchema.safeParse(body);
  if (!parsed.success) {
    const fieldErrors = labelledErrors(parsed.error.issues, LABELS);
    return data<Answer>({ done: null, error: formProblem(fieldErrors), fieldErrors, ...about }, { status: 400 });
  }
  try {
    const { actionIds } = await decideProposals(getDb(), user, parsed.data);
    const n = parsed.data.proposalIds.length;
    const done =
      parsed.data.decision === 'accept'
        ? `${n === 1 ? '1 action' : `${n} actions`} accepted into the register: ${actionIds.map(actionRef).join(', ')}.`
        : parsed.data.decision === 'merge'
          ? `${n === 1 ? '1 proposed action' : `${n} proposed actions`} merged into ${actionRef(actionIds[0])}.`
          : `${n === 1 ? '1 proposed action' : `${n} proposed actions`} rejected.`;
    return { done, error: null, fieldErrors: {}, proposalId: null, decision: null } satisfies Answer;
  } catch (error) {
    const refusal = formRefusal(error);
    return data<Answer>(
      { done: null, error: refusal.message, fieldErrors: labelFieldErrors(refusal.fieldErrors, LABELS), ...about },
      { status: refusal.status },
    );
  }
}

type Proposal = Awaited<ReturnType<typeof loader>>['teams'][number]['proposals'][number];
type Team = Awaited<ReturnType<typeof loader>>['teams'][number];

function clip(text: string, max = 160): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function ProposalCard({ proposal: p, team, answer }: { proposal: Proposal; team: Team; answer: Answer | undefined }) {
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting';
  const mine = answer?.proposalId === p.id && !answer.done ? answer : undefined;
  const errorsFor = (decision: string): FieldErrors => (mine?.decision === decision ? mine.fieldErrors : {});
  const accept = errorsFor('accept');
  const merge = errorsFor('merge');
  const reject = errorsFor('reject');
  const id = (field: string) => `p${p.id}-${field}`;
  return (
    <article className="proposal" aria-labelledby={id('heading')}>
      <h3 id={id('heading')}>{clip(p.title)}</h3>
      <label className="select-for-bulk">
        <input type="checkbox" name="proposalIds" value={p.id} form="bulk-accept" id={id('select')} />
        Select to accept with others<span className="visually-hidden">: {clip(p.title, 80)}</span>
      </label>
      <dl className="action-facts">
        <dt>From</dt>
        <dd>
          {p.question_title}
          {p.row_label ? <> — {p.row_label}</> : null} (<Link to={p.response_href}>{p.round_name}: the team’s return</Link>)
        </dd>
        <dt>Owner</dt>
        <dd>{p.owner || <span className="muted">Not named</span>}</dd>
        <dt>Target</dt>
        <dd>
          {p.target_text ? `“${p.target_text}”` : <span className="muted">None given</span>}
          {p.target_text ? (p.target_date ? `, read as ${formatDate(p.target_date)}` : ', not read as a date: set one when you accept') : null}
        </dd>
        <dt>Topic</dt>
        <dd>{p.topic_title ?? <span className="muted">None</span>}</dd>
      </dl>
      {p.duplicateOf ? (
        <p className="duplicate-hint">
          Likely a duplicate of <Link to={`/actions/${p.duplicateOf}`}>{p.duplicate_ref}</Link>, an open action of the team with the same wording: merge it
          below.
        </p>
      ) : null}
      {mine?.error && !Object.keys(mine.fieldErrors).length ? (
        <p className="field-error" role="alert">
          {mine.error}
        </p>
      ) : null}
      <div className="proposal-decisions">
        <Form method="post">
          <input type="hidden" name="decision" value="accept" />
          <input type="hidden" name="proposalIds" value={p.id} />
          <details open={Object.keys(accept).length > 0}>
            <summary>Change the wording, owner or target date first</summary>
            <div className="field">
              <label htmlFor={id('title')}>Wording</label>
              <FieldError field="title" errors={accept} />
              <textarea
                id={id('title')}
                name="title"
                defaultValue={p.title}
                maxLength={2000}
                aria-describedby={describedBy('title', accept)}
                aria-invalid={accept.title ? true : undefined}
              />
            </div>
            <div className="field">
              <label htmlFor={id('owner')}>Owner</label>
              <FieldError field="owner" errors={accept} />
              <input
                type="text"
                id={id('owner')}
                name="owner"
                defaultValue={p.owner}
                maxLength={200}
                aria-describedby={describedBy('owner', accept)}
                aria-invalid={accept.owner ? true : undefined}
              />
            </div>
            <div className="field">
              <label htmlFor={id('targetDate')}>Target date</label>
              <FieldError field="targetDate" errors={accept} />
              <input
                type="date"
                id={id('targetDate')}
                name="targetDate"
                defaultValue={p.target_date ?? ''}
                aria-describedby={describedBy('targetDate', accept)}
                aria-invalid={accept.targetDate ? true : undefined}
              />
            </div>
          </details>
          <button type="submit" className="button" disabled={busy}>
            Accept
            <span className="visually-hidden">: {clip(p.title, 80)}</span>
          </button>
        </Form>
        {team.mergeTargets.length ? (
          <Form method="post">
            <input type="hidden" name="decision" value="merge" />
            <input type="hidden" name="proposalIds" value={p.id} />
            <SelectField
              id={id('into')}
              name="into"
              label="Merge into the team’s open action"
              defaultValue={p.duplicateOf ?? ''}
              empty="Choose an action"
              options={team.mergeTargets}
              errors={merge}
            />
            <button type="submit" className="button button--secondary" disabled={busy}>
              Merge
              <span className="visually-hidden">: {clip(p.title, 80)}</span>
            </button>
          </Form>
        ) : (
          <p className="muted">The team has no open action to merge this into.</p>
        )}
        <Form method="post">
          <input type="hidden" name="decision" value="reject" />
          <input type="hidden" name="proposalIds" value={p.id} />
          <div className="field">
            <label htmlFor={id('reason')}>Why it is rejected</label>
            <FieldError field="reason" errors={reject} />
            <textarea
              id={id('reason')}
              name="reason"
              maxLength={1000}
              aria-describedby={describedBy('reason', reject)}
              aria-invalid={reject.reason ? true : undefined}
            />
          </div>
          <button type="submit" className="button button--danger" disabled={busy}>
            Reject
            <span className="visually-hidden">: {clip(p.title, 80)}</span>
          </button>
        </Form>
      </div>
    </article>
  );
}

export default function ProposedActions() {
  const { total, teams, page, search } = useLoaderData<typeof loader>();
  const answer = useActionData<typeof action>() as Answer | undefined;
  const navigation = useNavigation();
  // The summary links to the field at fault, in the card of the proposal it is about.
  const fieldIds = answer?.proposalId
    ? Object.fromEntries(Object.keys(answer.fieldErrors).map((f) => [f, `p${answer.proposalId}-${f}`]))
    : { proposalIds: 'bulk-accept-button' };
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/actions">Action register</Link> › Proposed actions
      </p>
      <h1>Proposed actions</h1>
      <p>
        Actions teams named in their submitted returns, in the columns and questions their questionnaire declares for actions. Accept each into the register
        (changing its wording, owner or target date if need be), merge it into an open action of the same team it repeats, or reject it with a reason. To accept
        several as they are, tick them and choose “Accept selected” at the foot of the page.
      </p>
      {answer?.done ? (
        <p className="notice notice--success" role="status">
          {answer.done}
        </p>
      ) : null}
      <ErrorSummary message={answer?.error} errors={answer?.fieldErrors ?? {}} fieldIds={fieldIds} />
      {total === 0 ? (
        <p>No proposed action is waiting for you.</p>
      ) : (
        <>
          <p>
            {total === 1 ? '1 proposed action waits' : `${total} proposed actions wait`} for a decision, from{' '}
            {page.total === 1 ? '1 team' : `${page.total} teams`}.
          </p>
          <Pagination page={page} search={search} noun={['team', 'teams']} />
          {teams.map((team) => (
            <section key={team.teamId} className="proposal-team" aria-labelledby={`team-${team.teamId}`}>
              <h2 id={`team-${team.teamId}`}>
                {team.teamName} <span className="muted">({team.areaName})</span>
              </h2>
              {team.proposals.map((p) => (
                <ProposalCard key={p.id} proposal={p} team={team} answer={answer} />
              ))}
            </section>
          ))}
          <Form method="post" id="bulk-accept" className="bulk-bar" aria-label="Accept the selected proposed actions">
            <input type="hidden" name="decision" value="accept" />
            <button type="submit" id="bulk-accept-button" className="button" disabled={navigation.state === 'submitting'}>
              Accept selected
            </button>
            <span className="muted">Accepts the ticked proposed actions on this page as they are.</span>
          </Form>
          {page.count > 1 ? <Pagination page={page} search={search} noun={['team', 'teams']} label="Pagination, below the list" /> : null}
        </>
      )}
    </>
  );
}
