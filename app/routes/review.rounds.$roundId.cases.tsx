import { data, redirect, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { useEffect, useRef } from 'react';
import { getDb } from '../../db/index';
import { CASE_KINDS } from '../../db/schema';
import {
  addCaseByHand,
  caseRoundOverview,
  confirmSample,
  decisionSchema,
  handCaseSchema,
  moderationReport,
  moderationSchema,
  previewSample,
  recordModeratedAnswer,
  repeatCaseRound,
  repeatSchema,
  sampleRuleSchema,
  startModeration,
  toSampleRule,
  uploadCases,
  type SamplePreview,
} from '~/models/case-audits.server';
import { idFieldSchema } from '~/models/ids';
import { setRoundStatus } from '~/models/rounds.server';
import { DataTable } from '~/components/data-table';
import { SelectField } from '~/components/select-field';
import { Progress, StatusTag } from '~/components/status-tag';
import { formRefusal, rethrowForPage } from '~/utils/errors.server';
import { readForm } from '~/utils/forms.server';
import { caseKindLabel, formatDate, formatDateTime, formatPercent } from '~/utils/format';
import { hasPermission } from '~/utils/permissions';
import { requireIdParam } from '~/utils/params.server';
import { requireUserWithPermission } from '~/utils/session.server';
import reviewCss from '~/styles/review.css?url';
import type { CurrentUser } from '~/models/users.server';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: reviewCss }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.round.name ?? 'Case audit round'} – Review – Stocktake` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'response:read-any');
  const roundId = requireIdParam(params, 'roundId', 'round');
  const db = getDb();
  const overview = await caseRoundOverview(db, user, roundId).catch(rethrowForPage);
  const moderation = await moderationReport(db, user, roundId);
  const { round } = overview;
  return {
    round: {
      id: round.id,
      name: round.name,
      status: round.status,
      dueDate: round.due_date,
      repeatMonths: round.repeat_months,
      sampleRule: round.sample_rule,
      questionnaire: `${round.questionnaire_title}, version ${round.version}`,
      followsRound: round.follows_round_id ? { id: round.follows_round_id, name: round.follows_round_name } : null,
    },
    teams: overview.teams,
    audits: overview.audits.map((a) => ({ ...a, updated_at: a.updated_at.toISOString() })),
    draws: overview.draws.map((d) => ({ ...d, drawn_at: d.drawn_at.toISOString() })),
    moderation,
    canManage: hasPermission(user, 'round:manage'),
  };
}

type ActionResult = {
  intent: string;
  /** The refusal, as every page action words it. */
  error: string | null;
  done?: string;
  lineErrors?: Array<{ line: number; message: string }>;
  fieldErrors?: Record<string, string | undefined>;
  preview?: SamplePreview;
};

function refused(intent: string, error: unknown) {
  const refusal = formRefusal(error);
  return data<ActionResult>({ intent, error: refusal.message, fieldErrors: refusal.fieldErrors }, { status: refusal.status });
}

function badForm(intent: string, issues: Array<{ path: (string | number)[]; message: string }>) {
  const fieldErrors: Record<string, string | undefined> = {};
  for (const issue of issues) fieldErrors[String(issue.path[0] ?? 'form')] ??= issue.message;
  return data<ActionResult>({ intent, error: 'Some answers need correcting.', fieldErrors }, { status: 400 });
}

function ruleFrom(form: FormData) {
  const sizeBy = form.get('sizeBy');
  return sampleRuleSchema.safeParse({
    seed: form.get('seed') ?? '',
    count: sizeBy === 'count' ? form.get('count') || undefined : undefined,
    share: sizeBy === 'share' ? form.get('share') || undefined : undefined,
    stratifyByKind: form.get('stratifyByKind') === 'on',
  });
}

const MAX_UPLOAD_BYTES = 2 * 1024 * 1024;

async function caseListText(form: FormData): Promise<string | null> {
  const file = form.get('file');
  if (file && typeof file !== 'string' && file.size > 0) {
    if (file.size > MAX_UPLOAD_BYTES) return null;
    return file.text();
  }
  return String(form.get('cases') ?? '');
}

async function act(user: CurrentUser, roundId: number, form: FormData): Promise<ReturnType<typeof data<ActionResult>> | ActionResult | Response> {
  const db = getDb();
  const intent = String(form.get('intent') ?? '');
  try {
    switch (intent) {
      case 'upload': {
        const text = await caseListText(form);
        if (text === null) return data<ActionResult>({ intent, error: 'The file is larger than 2 MB: split it by team.' }, { status: 413 });
        const teamId = form.get('teamId') ? idFieldSchema('Choose a team of the round').safeParse(form.get('teamId')) : null;
        if (teamId && !teamId.success) return badForm(intent, [{ path: ['teamId'], message: 'Choose a team of the round' }]);
        const result = await uploadCases(db, user, roundId, { text, teamId: teamId?.data });
        if (!result.ok) {
          return data<ActionResult>(
            {
              intent,
              error: `Nothing was added: ${result.errors.length === 1 ? 'a line needs' : `${result.errors.length} lines need`} correcting.`,
              lineErrors: result.errors,
            },
            { status: 422 },
          );
        }
        return { intent, error: null, done: `${result.added} case${result.added === 1 ? '' : 's'} added to the round’s list.` } satisfies ActionResult;
      }
      case 'preview': {
        const rule = ruleFrom(form);
        if (!rule.success) return badForm(intent, rule.error.issues);
        const preview = await previewSample(db, user, roundId, toSampleRule(rule.data));
        return { intent, error: null, preview } satisfies ActionResult;
      }
      case 'confirm': {
        const rule = ruleFrom(form);
        if (!rule.success) return badForm(intent, rule.error.issues);
        const confirmed = await confirmSample(db, user, roundId, toSampleRule(rule.data), String(form.get('fingerprint') ?? ''));
        return { intent, error: null, done: `Sample confirmed: ${plural(confirmed.cases, 'audit')} opened.` } satisfies ActionResult;
      }
      case 'add': {
        const input = handCaseSchema.safeParse(Object.fromEntries(form));
        if (!input.success) return badForm(intent, input.error.issues);
        await addCaseByHand(db, user, roundId, input.data);
        return { intent, error: null, done: `Case ${input.data.reference} added to the sample.` } satisfies ActionResult;
      }
      case 'moderate': {
        const input = moderationSchema.safeParse({ share: form.get('share') });
        if (!input.success) return badForm(intent, input.error.issues);
        const started = await startModeration(db, user, roundId, input.data);
        const left = started.noAuditor ? ` ${started.noAuditor} could not be given a second auditor (none other in scope).` : '';
        return {
          intent,
          error: null,
          done: `${started.assigned} of ${started.completed} completed audits sent for a second, blind audit.${left}`,
        } satisfies ActionResult;
      }
      case 'decide': {
        const responseId = idFieldSchema('').safeParse(form.get('responseId'));
        const input = decisionSchema.safeParse({ question: form.get('question'), value: form.get('value') ?? '', note: form.get('note') ?? '' });
        if (!responseId.success || !input.success) return badForm(intent, [{ path: ['value'], message: 'Choose the moderated answer' }]);
        await recordModeratedAnswer(db, user, responseId.data, input.data);
        return { intent, error: null, done: 'Moderated answer recorded; both auditors’ answers are kept.' } satisfies ActionResult;
      }
      case 'close':
      case 'open': {
        const changed = await setRoundStatus(db, user, roundId, intent === 'close' ? 'closed' : 'open');
        const done = intent === 'close' ? 'The round is closed: its audits are read-only.' : 'The round is open again.';
        return { intent, error: null, done: changed.changed ? done : `The round was already ${changed.status}.` } satisfies ActionResult;
      }
      case 'repeat': {
        const input = repeatSchema.safeParse(Object.fromEntries(form));
        if (!input.success) return badForm(intent, input.error.issues);
        const next = await repeatCaseRound(db, user, roundId, input.data);
        return redirect(`/review/rounds/${next.id}/cases`);
      }
      default:
        return data<ActionResult>({ intent, error: 'Unknown action.' }, { status: 400 });
    }
  } catch (error) {
    return refused(intent, error);
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireUserWithPermission(request, 'round:manage');
  const roundId = requireIdParam(params, 'roundId', 'round');
  return act(user, roundId, await readForm(request));
}

type LoaderData = ReturnType<typeof useLoaderData<typeof loader>>;

function Notice({ result, intent }: { result: ActionResult | undefined; intent: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const mine = result?.intent === intent;
  useEffect(() => {
    if (mine && result?.error) ref.current?.focus();
  }, [mine, result]);
  if (!mine || !result) return null;
  if (result.done) {
    return (
      <p className="notice notice--success" role="status">
        {result.done}
      </p>
    );
  }
  if (!result.error) return null;
  return (
    <div className="error-summary" role="alert" tabIndex={-1} ref={ref}>
      <h3>There is a problem</h3>
      <p>{result.error}</p>
      {result.lineErrors?.length ? (
        <ul>
          {result.lineErrors.map((e) => (
            <li key={`${e.line}-${e.message}`}>
              Line {e.line}: {e.message}
            </li>
          ))}
        </ul>
      ) : null}
      {result.fieldErrors && Object.keys(result.fieldErrors).length ? (
        <ul>
          {Object.entries(result.fieldErrors).map(([field, message]) => (
            <li key={field}>{message}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function RuleFields({ rule }: { rule: LoaderData['round']['sampleRule'] | SamplePreview['rule'] | null }) {
  const size = rule?.size;
  return (
    <>
      <div className="field">
        <label htmlFor="seed">Seed</label>
        <p className="hint" id="seed-hint">
          Any words or numbers. The same seed, rule and cases always draw the same sample, so anyone can check it.
        </p>
        <input id="seed" name="seed" type="text" maxLength={100} required defaultValue={rule?.seed ?? ''} aria-describedby="seed-hint" />
      </div>
      <fieldset>
        <legend>How many cases per team</legend>
        <div className="option">
          <label>
            <input type="radio" name="sizeBy" value="count" defaultChecked={!size || 'count' in size} /> A number of cases:{' '}
          </label>
          <label>
            <span className="visually-hidden">Number of cases per team</span>
            <input name="count" type="number" min={1} max={500} inputMode="numeric" defaultValue={size && 'count' in size ? size.count : 6} />
          </label>
        </div>
        <div className="option">
          <label>
            <input type="radio" name="sizeBy" value="share" defaultChecked={Boolean(size && 'share' in size)} /> A share of each team’s cases (%):{' '}
          </label>
          <label>
            <span className="visually-hidden">Share of each team’s cases, in per cent</span>
            <input name="share" type="number" min={1} max={100} step="any" defaultValue={size && 'share' in size ? size.share * 100 : 10} />
          </label>
        </div>
      </fieldset>
      <div className="option">
        <label>
          <input type="checkbox" name="stratifyByKind" defaultChecked={rule?.stratifyByKind ?? true} /> Draw from each kind of case in proportion (stratified)
        </label>
      </div>
    </>
  );
}

function HiddenRule({ rule }: { rule: SamplePreview['rule'] }) {
  return (
    <>
      <input type="hidden" name="seed" value={rule.seed} />
      <input type="hidden" name="sizeBy" value={'count' in rule.size ? 'count' : 'share'} />
      {'count' in rule.size ? <input type="hidden" name="count" value={rule.size.count} /> : <input type="hidden" name="share" value={rule.size.share * 100} />}
      {rule.stratifyByKind ? <input type="hidden" name="stratifyByKind" value="on" /> : null}
    </>
  );
}

function plural(n: number, word: string) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function describeRule(rule: SamplePreview['rule']) {
  const size = 'count' in rule.size ? `${plural(rule.size.count, 'case')} per team` : `${formatPercent(rule.size.share, 0)} of each team’s cases`;
  return `${size}${rule.stratifyByKind ? ', stratified by kind of case' : ''}, seed “${rule.seed}”`;
}

function PreviewTable({ preview }: { preview: SamplePreview }) {
  return (
    <div className="table-wrap">
      <DataTable
        caption={`The sample this rule draws: ${plural(preview.total, 'case')} (${describeRule(preview.rule)})`}
        rowHeaders
        columns={[
          { header: 'Team', cell: (t) => t.teamName },
          { header: 'Cases to draw from', num: true, cell: (t) => t.population },
          { header: 'Drawn', num: true, cell: (t) => t.cases.length },
          { header: 'Cases drawn', cell: (t) => t.cases.map((c) => `${c.reference} (${caseKindLabel(c.kind)})`).join(', ') },
        ]}
        rows={preview.teams}
        rowKey={(t) => t.teamId}
      />
    </div>
  );
}

export default function CaseRound() {
  const { round, teams, audits, draws, moderation, canManage } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionResult | undefined;
  const navigation = useNavigation();
  const busy = navigation.state === 'submitting';
  const completed = audits.filter((a) => a.status === 'submitted').length;
  const teamOptions = teams.map((t) => ({ value: t.id, label: t.name }));
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/review">Review</Link> › {round.name}
      </p>
      <h1>{round.name}</h1>
      <dl className="summary">
        <dt>Questionnaire</dt>
        <dd>{round.questionnaire}</dd>
        <dt>Due</dt>
        <dd>{formatDate(round.dueDate)}</dd>
        <dt>Status</dt>
        <dd>
          <StatusTag status={round.status} />
        </dd>
        <dt>Repeats</dt>
        <dd>{round.repeatMonths ? `Every ${round.repeatMonths} months (an annual practice audit when 12)` : 'No'}</dd>
        {round.followsRound ? (
          <>
            <dt>Follows</dt>
            <dd>
              <Link to={`/review/rounds/${round.followsRound.id}/cases`}>{round.followsRound.name}</Link>
            </dd>
          </>
        ) : null}
        <dt>Sample rule</dt>
        <dd>{round.sampleRule ? describeRule(round.sampleRule) : 'No sample drawn yet'}</dd>
      </dl>
      {canManage ? (
        <>
          <Notice result={result} intent="close" />
          <Notice result={result} intent="open" />
          <Form method="post">
            <input type="hidden" name="intent" value={round.status === 'open' ? 'close' : 'open'} />
            <button type="submit" className="button" disabled={busy}>
              {round.status === 'open' ? 'Close the round (audits become read-only)' : 'Reopen the round'}
            </button>
          </Form>
        </>
      ) : null}
      <p>
        <Link to={`/review/rounds/${round.id}/case-figures`}>Figures: standards met, grades and exceptions</Link> ·{' '}
        <Link to={`/review/rounds/${round.id}/case-trend`}>Year on year</Link> ·{' '}
        <Link to={`/review/rounds/${round.id}/insights`}>Answers by topic, and exports</Link>
      </p>

      <h2>Teams and their cases</h2>
      <div className="table-wrap">
        <DataTable
          caption="Cases each team offered for audit, and how many are in the sample"
          hideCaption
          rowHeaders
          columns={[
            { header: 'Team', cell: (t) => t.name },
            { header: 'Area', cell: (t) => t.area_name },
            { header: 'Cases listed', num: true, cell: (t) => t.offered },
            { header: 'In the sample', num: true, cell: (t) => t.sampled },
          ]}
          rows={teams}
          rowKey={(t) => t.id}
        />
      </div>

      {canManage && round.status === 'open' ? (
        <>
          <h2>Upload cases</h2>
          <Notice result={result} intent="upload" />
          <Form method="post" encType="multipart/form-data" noValidate>
            <input type="hidden" name="intent" value="upload" />
            <p className="hint" id="cases-hint">
              A CSV with a header line: team, case reference, kind of case (child protection plan, looked after, child in need or other), allocated worker, date
              opened. The last two may be left out. Nothing is added unless every line is valid.
            </p>
            <SelectField
              id="teamId"
              label="For one team (leave as “Several teams” when the file has a team column)"
              empty="Several teams: the file names each case’s team"
              options={teamOptions}
            />
            <div className="field">
              <label htmlFor="file">CSV file</label>
              <input id="file" name="file" type="file" accept=".csv,text/csv" aria-describedby="cases-hint" />
            </div>
            <div className="field">
              <label htmlFor="cases">Or paste the list</label>
              <textarea id="cases" name="cases" rows={6} aria-describedby="cases-hint" />
            </div>
            <button type="submit" className="button" disabled={busy}>
              Add cases
            </button>
          </Form>

          <h2>Draw the sample</h2>
          <Notice result={result} intent="preview" />
          <Notice result={result} intent="confirm" />
          <Form method="post" noValidate>
            <input type="hidden" name="intent" value="preview" />
            <RuleFields rule={result?.preview?.rule ?? round.sampleRule} />
            <button type="submit" className="button" disabled={busy}>
              Show the sample
            </button>
          </Form>
          {result?.intent === 'preview' && result.preview ? (
            <section aria-labelledby="preview-heading">
              <h3 id="preview-heading">Sample to confirm</h3>
              <PreviewTable preview={result.preview} />
              <Form method="post">
                <input type="hidden" name="intent" value="confirm" />
                <input type="hidden" name="fingerprint" value={result.preview.fingerprint} />
                <HiddenRule rule={result.preview.rule} />
                <button type="submit" className="button" disabled={busy || result.preview.total === 0}>
                  Confirm this sample ({plural(result.preview.total, 'case')})
                </button>
              </Form>
            </section>
          ) : null}

          <h2>Add a case by hand</h2>
          <Notice result={result} intent="add" />
          <Form method="post" noValidate className="inline-fields">
            <input type="hidden" name="intent" value="add" />
            <SelectField id="add-team" name="teamId" label="Team" empty="Choose a team" options={teamOptions} required />
            <div className="field">
              <label htmlFor="add-reference">Case reference</label>
              <input id="add-reference" name="reference" type="text" maxLength={40} required />
            </div>
            <SelectField
              id="add-kind"
              name="kind"
              label="Kind of case"
              empty="Choose"
              options={CASE_KINDS.map((k) => ({ value: k, label: caseKindLabel(k) }))}
              required
            />
            <div className="field">
              <label htmlFor="add-worker">Allocated worker (optional)</label>
              <input id="add-worker" name="worker" type="text" maxLength={120} />
            </div>
            <div className="field">
              <label htmlFor="add-opened">Date opened (optional)</label>
              <input id="add-opened" name="openedOn" type="date" />
            </div>
            <button type="submit" className="button" disabled={busy}>
              Add to the sample
            </button>
          </Form>
        </>
      ) : null}

      <h2>Audits</h2>
      <p>
        {audits.length} case{audits.length === 1 ? '' : 's'} in the sample, {completed} audit{completed === 1 ? '' : 's'} completed.
      </p>
      {audits.length ? (
        <div className="table-wrap">
          <DataTable
            caption="Every sampled case and its audits"
            hideCaption
            rowHeaders
            columns={[
              { header: 'Case', cell: (a) => <Link to={`/audits/${a.id}`}>{a.reference}</Link> },
              { header: 'Team', cell: (a) => a.team_name },
              { header: 'Kind', cell: (a) => caseKindLabel(a.kind) },
              { header: 'Chosen', cell: (a) => (a.selected === 'hand' ? 'By hand' : 'Drawn') },
              { header: 'Auditor', cell: (a) => a.auditor_name ?? 'Not taken on' },
              { header: 'Status', cell: (a) => <StatusTag status={a.status} /> },
              { header: 'Progress', cell: (a) => <Progress answered={a.answered_count} answerable={a.answerable_count} /> },
              {
                header: 'Second audit',
                cell: (a) =>
                  a.second ? (
                    <>
                      <Link to={`/audits/${a.second.id}`}>{a.second.auditor_name ?? 'Not taken on'}</Link> <StatusTag status={a.second.status} />
                    </>
                  ) : (
                    'None'
                  ),
              },
            ]}
            rows={audits}
            rowKey={(a) => a.id}
          />
        </div>
      ) : null}

      <h2 id="moderation">Moderation</h2>
      <p>
        A share of completed audits is audited a second time, blind, by another auditor of the team’s area. Agreement is measured on every question with a fixed
        set of answers; Cohen’s kappa discounts the agreement two auditors would reach by chance.
      </p>
      {canManage && round.status === 'open' ? (
        <>
          <Notice result={result} intent="moderate" />
          <Form method="post" noValidate className="inline-fields">
            <input type="hidden" name="intent" value="moderate" />
            <div className="field">
              <label htmlFor="moderate-share">Share of completed audits to moderate (%)</label>
              <input id="moderate-share" name="share" type="number" min={1} max={100} defaultValue={10} required />
            </div>
            <button type="submit" className="button" disabled={busy || completed === 0}>
              Send for a second audit
            </button>
          </Form>
        </>
      ) : null}
      <p>
        {moderation.pairs} moderated case{moderation.pairs === 1 ? '' : 's'} with both audits completed
        {moderation.waiting ? `; ${moderation.waiting} second audit${moderation.waiting === 1 ? '' : 's'} still to complete` : ''}.
      </p>
      {moderation.pairs ? (
        <div className="table-wrap">
          <DataTable
            caption="Agreement between the two audits, question by question"
            rowHeaders
            columns={[
              { header: 'Question', cell: (q) => q.title },
              { header: 'Cases compared', num: true, cell: (q) => q.agreement.compared },
              { header: 'Agreed', num: true, cell: (q) => q.agreement.agreed },
              { header: 'Agreement', num: true, cell: (q) => (q.agreement.share === null ? '–' : formatPercent(q.agreement.share, 0)) },
              {
                header: 'Cohen’s kappa',
                num: true,
                cell: (q) => (!q.graded ? 'Not graded' : q.agreement.kappa === null ? (q.agreement.kappaNote ?? '–') : q.agreement.kappa.toFixed(2)),
              },
            ]}
            rows={moderation.questions.filter((q) => q.agreement.compared > 0)}
            rowKey={(q) => q.name}
          />
        </div>
      ) : null}
      {moderation.pairs && moderation.questions.some((q) => q.agreement.compared === 0) ? (
        <p className="hint">Questions no moderated case has answered in both audits are not listed.</p>
      ) : null}
      {moderation.disagreements.length ? (
        <>
          <h3>Disagreements</h3>
          <Notice result={result} intent="decide" />
          <div className="table-wrap">
            <DataTable
              caption="Where the two audits disagree, side by side, with the moderated answer"
              hideCaption
              rowHeaders
              columns={[
                {
                  header: 'Case and question',
                  cell: (d) => (
                    <>
                      <Link to={`/audits/${d.firstId}`}>{d.reference}</Link> ({d.teamName}): {d.title}
                    </>
                  ),
                },
                { header: 'First audit', cell: (d) => d.first },
                { header: 'Second audit', cell: (d) => d.second },
                {
                  header: 'Moderated answer',
                  cell: (d) => (
                    <>
                      {d.decision ? (
                        <p>
                          <strong>{d.decision.text || 'Not answered'}</strong>
                          {d.decision.note ? ` — ${d.decision.note}` : ''}{' '}
                          <span className="muted">
                            ({d.decision.by ?? 'a former user'}, {formatDateTime(d.decision.at)})
                          </span>
                        </p>
                      ) : null}
                      {canManage && d.choices.length ? (
                        <Form method="post" className="inline-fields">
                          <input type="hidden" name="intent" value="decide" />
                          <input type="hidden" name="responseId" value={d.firstId} />
                          <input type="hidden" name="question" value={d.question} />
                          <label>
                            <span className="visually-hidden">
                              Moderated answer for {d.reference}: {d.title}
                            </span>
                            <select name="value" defaultValue={d.decision ? JSON.stringify(d.decision.value) : ''}>
                              <option value="">Choose</option>
                              {d.choices.map((c) => (
                                <option key={JSON.stringify(c.value)} value={JSON.stringify(c.value)}>
                                  {c.text}
                                </option>
                              ))}
                            </select>
                          </label>
                          <label>
                            <span className="visually-hidden">
                              Note for {d.reference}: {d.title}
                            </span>
                            <input name="note" type="text" maxLength={2000} placeholder="Why (optional)" />
                          </label>
                          <button type="submit" className="button" disabled={busy}>
                            Record
                          </button>
                        </Form>
                      ) : null}
                    </>
                  ),
                },
              ]}
              rows={moderation.disagreements}
              rowKey={(d) => `${d.firstId}-${d.question}`}
            />
          </div>
        </>
      ) : null}

      {draws.length ? (
        <>
          <h2>How the sample was drawn</h2>
          <ul>
            {draws.map((d) => (
              <li key={d.id}>
                {formatDateTime(d.drawn_at)} by {d.drawn_by_name ?? 'a former user'}: {plural(d.cases, 'case')} from {plural(d.teams, 'team')} (
                {describeRule(d.rule)})
              </li>
            ))}
          </ul>
        </>
      ) : null}

      {canManage ? (
        <>
          <h2>Next round of this audit</h2>
          <p>
            The next round audits the same teams with the same questionnaire (or a newer version) and the same sample rule, with a new seed. It starts with no
            cases and no answers: upload each team’s current cases, then draw.
          </p>
          <Notice result={result} intent="repeat" />
          <Form method="post" noValidate className="inline-fields">
            <input type="hidden" name="intent" value="repeat" />
            <div className="field">
              <label htmlFor="repeat-name">Name</label>
              <input id="repeat-name" name="name" type="text" maxLength={200} required />
            </div>
            <div className="field">
              <label htmlFor="repeat-due">Due date</label>
              <input id="repeat-due" name="dueDate" type="date" required />
            </div>
            <div className="field">
              <label htmlFor="repeat-seed">Seed for the new sample</label>
              <input id="repeat-seed" name="seed" type="text" maxLength={100} required />
            </div>
            <button type="submit" className="button" disabled={busy}>
              Create the next round
            </button>
          </Form>
        </>
      ) : null}
    </>
  );
}
