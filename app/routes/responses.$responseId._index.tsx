import { redirect, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData, useRevalidator } from '@remix-run/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Model, type Question } from 'survey-core';
import { Survey } from 'survey-react-ui';
import surveyCss from 'survey-core/survey-core.fontless.min.css?url';
import '~/lib/survey-properties';
import { getDb } from '../../db/index';
import { editBlocker, requireVisibleResponse } from '~/models/responses.server';
import { getQuestionnaireVersion } from '~/models/questionnaires.server';
import { AutosaveQueue, type ConflictInfo, type SaveState } from '~/components/questionnaire/autosave';
import { StatusTag } from '~/components/status-tag';
import { rethrowForPage } from '~/utils/errors.server';
import { requireIdParam } from '~/utils/params.server';
import { requireUser } from '~/utils/session.server';
import { formatDate, formatDateTime, formatTime } from '~/utils/format';
import questionnaireCss from '~/styles/questionnaire.css?url';

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: surveyCss },
  { rel: 'stylesheet', href: questionnaireCss },
];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.questionnaire.title} – ${data.team.name} – Stocktake` : 'Questionnaire – Stocktake' },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUser(request);
  const db = getDb();
  const response = await requireVisibleResponse(db, user, requireIdParam(params, 'responseId', 'response')).catch(rethrowForPage);
  if (!user.managedTeamIds.includes(response.team_id)) throw redirect(`/review/responses/${response.id}`);
  const version = await getQuestionnaireVersion(db, response.questionnaire_version_id);
  const blocker = editBlocker(user, response);
  const titles = Object.fromEntries([...version.catalogue.values()].map((q) => [q.name, q.title]));
  const submitter = response.submitted_by
    ? await db.selectFrom('users').select('name').where('id', '=', response.submitted_by).executeTakeFirst()
    : undefined;
  return {
    response: {
      id: response.id,
      status: response.status,
      revision: response.revision,
      data: response.data,
      currentPage: response.current_page,
      answered: response.answered_count,
      answerable: response.answerable_count,
      updatedAt: response.updated_at.toISOString(),
      submittedAt: response.submitted_at?.toISOString() ?? null,
      submittedBy: submitter?.name ?? null,
      returnReason: response.return_reason,
      returnQuestions: response.return_questions ?? [],
      returnedAt: response.returned_at?.toISOString() ?? null,
      carried: response.carried,
    },
    readOnlyReason: blocker?.message ?? null,
    team: { name: response.team_name },
    round: { name: response.round_name, dueDate: response.due_date, status: response.round_status },
    questionnaire: { title: version.title, version: version.version, definition: version.definition },
    titles,
  };
}

const THEME = {
  themeName: 'stocktake',
  colorPalette: 'light',
  isPanelless: false,
  cssVariables: {
    '--sjs-general-backcolor-dim': '#f3f2f1',
    '--sjs-primary-backcolor': '#1d3f6e',
    '--sjs-primary-backcolor-dark': '#15304f',
    '--sjs-primary-backcolor-light': 'rgba(29, 63, 110, 0.1)',
    '--sjs-primary-forecolor': '#ffffff',
    '--sjs-general-forecolor': '#0b0c0c',
    '--sjs-general-forecolor-light': '#4a4f54',
    '--sjs-border-default': '#6f777b',
    '--sjs-special-red': '#a4161a',
    '--sjs-font-family': "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
    '--sjs-corner-radius': '4px',
  },
};

async function sendJson(url: string, method: string, body: unknown) {
  const response = await fetch(url, { method, headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify(body), credentials: 'same-origin' });
  const text = await response.text();
  let parsed: any = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { detail: text.slice(0, 200) };
  }
  return { status: response.status, body: parsed };
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined || value === '') return '(no answer)';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

function StatusLine({ state, waiting }: { state: SaveState; waiting: number }) {
  let text = '';
  let tone = '';
  switch (state.kind) {
    case 'idle':
      text = 'Changes are saved as you go.';
      break;
    case 'saving':
      text = 'Saving…';
      break;
    case 'saved':
      text = `All changes saved at ${formatTime(state.at)}`;
      tone = 'ok';
      break;
    case 'offline':
      text = `Offline: ${state.waiting} change${state.waiting === 1 ? '' : 's'} waiting. They are kept in this browser and sent when the connection returns.`;
      tone = 'warn';
      break;
    case 'error':
      text = `${state.message}${waiting ? ` (${waiting} waiting)` : ''}`;
      tone = 'warn';
      break;
    case 'blocked':
      text = `${state.message}${waiting ? ` ${waiting} unsaved change${waiting === 1 ? ' is' : 's are'} kept in this browser.` : ''}`;
      tone = 'warn';
      break;
  }
  return (
    <p className={`save-status save-status--${tone || 'plain'}`} role="status" aria-live="polite" data-testid="save-status">
      {text}
    </p>
  );
}

export default function QuestionnairePage() {
  const data = useLoaderData<typeof loader>();
  const { response, readOnlyReason, questionnaire, titles } = data;
  const revalidator = useRevalidator();
  const [state, setState] = useState<SaveState>({ kind: 'idle' });
  const [waiting, setWaiting] = useState(0);
  const [conflicts, setConflicts] = useState<ConflictInfo[]>([]);
  const [progress, setProgress] = useState({ answered: response.answered, answerable: response.answerable });
  const [submitErrors, setSubmitErrors] = useState<Array<{ path: string; message: string }>>([]);
  const [restored, setRestored] = useState(0);
  const [submitting, setSubmitting] = useState(false);
  const [ready, setReady] = useState(false); // hydrated, with autosave listening
  const [carried, setCarried] = useState(response.carried);
  const [pageName, setPageName] = useState<string>(response.currentPage ?? '');
  const [confirmError, setConfirmError] = useState<string | null>(null);
  const queueRef = useRef<AutosaveQueue | null>(null);
  const applyingRef = useRef(false);
  const errorSummaryRef = useRef<HTMLDivElement>(null);

  const model = useMemo(() => {
    const survey = new Model(questionnaire.definition);
    survey.applyTheme(THEME as never);
    survey.data = response.data;
    if (readOnlyReason) survey.mode = 'display';
    if (response.currentPage) {
      const page = survey.getPageByName(response.currentPage);
      if (page) survey.currentPage = page;
    }
    survey.completeText = 'Submit to reviewers';
    // Filled over several sittings: moving between pages is never blocked by empty required answers. Values are
    // checked by the server at every save; everything, required answers included, when submitting.
    survey.checkErrorsMode = 'onComplete';
    // Save as the manager types (debounced in the queue), not only when they leave a field.
    survey.textUpdateMode = 'onTyping';
    return survey;
    // A new revision after submit or return reloads the page's data: rebuild then.
  }, [questionnaire.definition, response.id, response.status, readOnlyReason]); // eslint-disable-line react-hooks/exhaustive-deps

  const showErrorsOnQuestions = useCallback(
    (errors: Array<{ path: string; message: string }>) => {
      let first: Question | null = null;
      for (const error of errors) {
        const [name, row, column] = error.path.split('.');
        const question = model.getQuestionByName(name);
        if (!question) continue;
        const where = row ? ` (${[row, column].filter(Boolean).join(', ')})` : '';
        question.addError(`${error.message}${where}`);
        first ??= question;
      }
      if (first) {
        model.currentPage = first.page as never;
        setTimeout(() => first?.focus(true), 50);
      }
    },
    [model],
  );

  useEffect(() => {
    if (readOnlyReason) return;
    const queue = new AutosaveQueue({
      responseId: response.id,
      baseRevision: response.revision,
      storage: window.localStorage,
      send: (body) => sendJson(`/api/v1/responses/${response.id}`, 'PATCH', body),
      onState: (next) => {
        setState(next);
        setWaiting(queue.waiting);
      },
      onConflicts: (found) => setConflicts((current) => [...current.filter((c) => !found.some((f) => f.question === c.question)), ...found]),
      onInvalid: (errors) => showErrorsOnQuestions(errors),
      onSaved: (result) => {
        if (result.progress) setProgress(result.progress);
        setWaiting(queue.waiting);
        // Changing a carried answer confirms it (the server records the same).
        setCarried((current) => {
          const touched = result.changed.filter((name) => current[name] && !current[name].confirmed);
          if (!touched.length) return current;
          const next = { ...current };
          for (const name of touched) next[name] = { ...next[name], confirmed: true };
          return next;
        });
      },
    });
    queueRef.current = queue;
    const stored = queue.restore();
    if (stored) {
      applyingRef.current = true;
      for (const [name, value] of Object.entries(stored.pending)) model.setValue(name, value ?? undefined);
      applyingRef.current = false;
      setRestored(Object.keys(stored.pending).length);
      setWaiting(queue.waiting);
    }
    const onValueChanged = (_: Model, options: { name: string; value: unknown }) => {
      if (applyingRef.current) return;
      queue.change(options.name, options.value);
      setWaiting(queue.waiting);
    };
    const onPageChanged = (sender: Model) => {
      queue.setPage(sender.currentPage.name);
      setPageName(sender.currentPage.name);
    };
    setPageName(model.currentPage?.name ?? '');
    model.onValueChanged.add(onValueChanged);
    model.onCurrentPageChanged.add(onPageChanged);
    const online = () => queue.retryNow();
    const beforeUnload = (event: BeforeUnloadEvent) => {
      if (queue.hasUnsaved()) {
        event.preventDefault();
        event.returnValue = '';
      }
    };
    window.addEventListener('online', online);
    window.addEventListener('beforeunload', beforeUnload);
    setReady(true);
    return () => {
      model.onValueChanged.remove(onValueChanged);
      model.onCurrentPageChanged.remove(onPageChanged);
      window.removeEventListener('online', online);
      window.removeEventListener('beforeunload', beforeUnload);
      queue.dispose();
      queueRef.current = null;
    };
  }, [model, readOnlyReason, response.id, response.revision, showErrorsOnQuestions]);

  const submit = useCallback(async () => {
    const queue = queueRef.current;
    if (!queue || submitting) return;
    setSubmitting(true);
    setSubmitErrors([]);
    try {
      await queue.flushNow();
      const result = await sendJson(`/api/v1/responses/${response.id}/submit`, 'POST', { revision: queue.baseRevision });
      if (result.status === 200) {
        revalidator.revalidate();
        return;
      }
      const errors = result.body?.errors ?? [{ path: '', message: result.body?.detail ?? `The server refused the submission (${result.status}).` }];
      setSubmitErrors(errors);
      showErrorsOnQuestions(errors);
      setTimeout(() => errorSummaryRef.current?.focus(), 0);
    } catch (error) {
      setSubmitErrors([{ path: '', message: `${(error as Error).message} Nothing was submitted.` }]);
      setTimeout(() => errorSummaryRef.current?.focus(), 0);
    } finally {
      setSubmitting(false);
    }
  }, [response.id, revalidator, showErrorsOnQuestions, submitting]);

  useEffect(() => {
    const onCompleting = (_: Model, options: { allow: boolean }) => {
      options.allow = false; // completion is the server's decision
      void submit();
    };
    model.onCompleting.add(onCompleting);
    return () => model.onCompleting.remove(onCompleting);
  }, [model, submit]);

  // Marks on questions: answers carried from the last phase and not yet confirmed, and those a reviewer asked about.
  useEffect(() => {
    const marked = new Set(response.status === 'returned' ? response.returnQuestions : []);
    const mark = (_: Model, options: { question: Question; cssClasses: { mainRoot: string } }) => {
      const name = options.question.name;
      if (carried[name] && !carried[name].confirmed) options.cssClasses.mainRoot += ' question--carried';
      if (marked.has(name)) options.cssClasses.mainRoot += ' question--returned';
    };
    model.onUpdateQuestionCssClasses.add(mark as never);
    for (const question of model.getAllQuestions()) question.updateElementCss(true);
    return () => {
      model.onUpdateQuestionCssClasses.remove(mark as never);
    };
  }, [model, carried, response.status, response.returnQuestions]);

  const carriedOnPage = Object.entries(carried)
    .filter(([name, c]) => !c.confirmed && model.getQuestionByName(name)?.page?.name === pageName)
    .map(([name, c]) => ({ name, fromUnsubmitted: !c.submitted }));
  const unconfirmedTotal = Object.values(carried).filter((c) => !c.confirmed).length;

  const confirm = async (body: { questions: string[] } | { page: string }) => {
    setConfirmError(null);
    const result = await sendJson(`/api/v1/responses/${response.id}/confirm`, 'POST', body).catch(() => null);
    if (!result || result.status !== 200) {
      setConfirmError(result?.body?.detail ?? 'The confirmation could not be saved: check your connection and try again.');
      return;
    }
    queueRef.current?.advanceTo(result.body.revision);
    setCarried((current) => {
      const next = { ...current };
      for (const name of result.body.confirmed as string[]) next[name] = { ...next[name], confirmed: true };
      return next;
    });
  };

  const resolve = (conflict: ConflictInfo, keep: 'mine' | 'theirs') => {
    const queue = queueRef.current;
    if (!queue) return;
    if (keep === 'theirs') {
      applyingRef.current = true;
      model.setValue(conflict.question, conflict.theirs ?? undefined);
      applyingRef.current = false;
      queue.takeTheirs(conflict.question);
    } else {
      queue.keepMine(conflict.question);
    }
    setConflicts((current) => current.filter((c) => c.question !== conflict.question));
  };

  const goTo = (name: string) => {
    const question = model.getQuestionByName(name);
    if (!question) return;
    model.currentPage = question.page as never;
    setTimeout(() => question.focus(), 50);
  };

  const percent = progress.answerable ? Math.round((progress.answered / progress.answerable) * 100) : 0;
  return (
    <div className="questionnaire-page">
      <p className="breadcrumbs">
        <Link to="/my-team">My team</Link> › {data.round.name}
      </p>
      <h1>
        {questionnaire.title} <span className="muted">(version {questionnaire.version})</span>
      </h1>
      <dl className="summary response-summary">
        <dt>Team</dt>
        <dd>{data.team.name}</dd>
        <dt>Round</dt>
        <dd>
          {data.round.name}, due {formatDate(data.round.dueDate)}
        </dd>
        <dt>Status</dt>
        <dd>
          <StatusTag status={data.round.status === 'closed' ? 'closed' : response.status} />{' '}
          <span className="muted">
            {progress.answered} of {progress.answerable} questions answered ({percent}%)
          </span>
        </dd>
      </dl>
      <p>
        <Link to={`/responses/${response.id}/history`}>History of changes</Link>
      </p>

      {response.status === 'returned' && response.returnReason ? (
        <div className="notice notice--warning" role="note">
          <h2>Returned for correction{response.returnedAt ? ` on ${formatDateTime(response.returnedAt)}` : ''}</h2>
          <p>{response.returnReason}</p>
          {response.returnQuestions.length ? (
            <>
              <p>The reviewer asked you to look at:</p>
              <ul>
                {response.returnQuestions.map((name: string) => (
                  <li key={name}>
                    <button type="button" className="link-button" onClick={() => goTo(name)}>
                      {titles[name] ?? name}
                    </button>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </div>
      ) : null}

      {readOnlyReason ? (
        <div className="notice" role="note">
          {response.status === 'submitted' && response.submittedAt ? (
            <p>
              Submitted {formatDateTime(response.submittedAt)}
              {response.submittedBy ? ` by ${response.submittedBy}` : ''}.
            </p>
          ) : null}
          <p>{readOnlyReason}</p>
        </div>
      ) : (
        <StatusLine state={state} waiting={waiting} />
      )}

      {restored ? (
        <p className="notice" role="status">
          {restored} change{restored === 1 ? '' : 's'} made earlier in this browser but not yet saved {restored === 1 ? 'has' : 'have'} been restored and {restored === 1 ? 'is' : 'are'} being saved now.
        </p>
      ) : null}

      {!readOnlyReason && unconfirmedTotal > 0 ? (
        <div className="notice carried-panel" role="region" aria-labelledby="carried-heading" data-testid="carried">
          <h2 id="carried-heading">Answers carried forward from the last phase</h2>
          <p>
            {unconfirmedTotal} answer{unconfirmedTotal === 1 ? '' : 's'} from the last phase {unconfirmedTotal === 1 ? 'is' : 'are'} still to be confirmed. Check each
            marked answer: change it if it is out of date, or confirm it as it stands.
          </p>
          {carriedOnPage.length ? (
            <>
              <ul>
                {carriedOnPage.map((c) => (
                  <li key={c.name}>
                    {titles[c.name] ?? c.name}
                    {c.fromUnsubmitted ? <span className="muted"> (from a response that was never submitted)</span> : null}{' '}
                    <button type="button" className="link-button" onClick={() => void confirm({ questions: [c.name] })}>
                      Confirm<span className="visually-hidden"> {titles[c.name] ?? c.name}</span>
                    </button>
                  </li>
                ))}
              </ul>
              <button type="button" className="button button--secondary" onClick={() => void confirm({ page: pageName })}>
                Confirm all {carriedOnPage.length} carried answer{carriedOnPage.length === 1 ? '' : 's'} on this page
              </button>
            </>
          ) : (
            <p>None on this page.</p>
          )}
          {confirmError ? <p className="field-error" role="alert">{confirmError}</p> : null}
        </div>
      ) : null}

      {conflicts.length ? (
        <div className="conflicts" role="alert" data-testid="conflicts">
          <h2>Someone else changed {conflicts.length === 1 ? 'an answer' : 'answers'} you were editing</h2>
          {conflicts.map((conflict) => (
            <div key={conflict.question} className="conflict">
              <p>
                <strong>{titles[conflict.question] ?? conflict.question}</strong>
              </p>
              <p>
                Your answer: <span className="value">{describeValue(conflict.mine)}</span>
                <br />
                {conflict.changedBy ?? 'Someone'} saved <span className="value">{describeValue(conflict.theirs)}</span> at {formatTime(conflict.changedAt)}.
              </p>
              <div className="button-row">
                <button type="button" className="button" onClick={() => resolve(conflict, 'mine')}>
                  Keep my answer
                </button>
                <button type="button" className="button button--secondary" onClick={() => resolve(conflict, 'theirs')}>
                  Use their answer
                </button>
              </div>
            </div>
          ))}
        </div>
      ) : null}

      {submitErrors.length ? (
        <div className="error-summary" role="alert" tabIndex={-1} ref={errorSummaryRef}>
          <h2>The questionnaire cannot be submitted yet</h2>
          <ul>
            {submitErrors.map((error, index) => {
              const name = error.path.split('.')[0];
              return (
                <li key={index}>
                  {name ? (
                    <button type="button" className="link-button" onClick={() => goTo(name)}>
                      {titles[name] ?? name}: {error.message}
                    </button>
                  ) : (
                    error.message
                  )}
                </li>
              );
            })}
          </ul>
        </div>
      ) : null}

      <div className="survey-host" aria-busy={submitting} data-autosave={ready ? 'ready' : 'starting'}>
        <Survey model={model} />
      </div>
    </div>
  );
}
