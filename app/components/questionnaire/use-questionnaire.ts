import { useRevalidator } from '@remix-run/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Model, type Question } from 'survey-core';
import '~/lib/survey-properties';
import type { QuestionnairePage } from '~/models/questionnaire-page.server';
import { AutosaveQueue, type ConflictInfo, type SaveState } from './autosave';
import { SURVEY_THEME } from './theme';

// Import this only from routes that show a questionnaire: it loads survey-core (~1.6 MB with survey-react-ui).

export type AnswerError = { path: string; message: string };
export type CarriedOnPage = {
  name: string;
  fromUnsubmitted: boolean;
  /** For a dynamic matrix or panel: how many rows or panels it holds, to say what was carried. */
  entries?: { count: number; noun: 'row' | 'panel' };
  /** Parts of the earlier answer the new version could not hold (paths under the question's name). */
  dropped: Array<{ path: string; message: string }>;
};

/** A question asked again rather than carried forward: its period changed since the earlier round (`since`). */
export type AskedAgainOnPage = { name: string; since: string; reason: string | null };

/** The question whose answer is kept under a value name (its name unless `valueName` says otherwise), top level only. */
function questionOfValue(model: Model, name: string): Question | null {
  const question = model.getQuestionByValueName(name) as Question | null;
  return question && !question.parentQuestion ? question : null;
}

function entriesOf(question: Question | null): CarriedOnPage['entries'] {
  const type = question?.getType();
  if (type !== 'matrixdynamic' && type !== 'paneldynamic') return undefined;
  const value = question!.value as unknown;
  return { count: Array.isArray(value) ? value.length : 0, noun: type === 'matrixdynamic' ? 'row' : 'panel' };
}

async function sendJson(url: string, method: string, body: unknown) {
  const response = await fetch(url, {
    method,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  });
  const text = await response.text();
  let parsed: any = null; // eslint-disable-line @typescript-eslint/no-explicit-any -- the API's JSON reply, read field by field as docs/api.md describes
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { detail: text.slice(0, 200) };
  }
  return { status: response.status, body: parsed };
}

/**
 * The manager's SurveyJS model: the saved answers, on the page they left, read-only when the response is. The
 * reviewers' preview of a version (app/components/questionnaire/preview-survey.tsx) builds the same model, empty.
 */
export function createQuestionnaireModel(
  definition: Record<string, unknown>,
  response: Pick<QuestionnairePage['response'], 'data' | 'currentPage'>,
  readOnly: boolean,
) {
  const survey = new Model(definition);
  survey.applyTheme(SURVEY_THEME as never);
  survey.data = response.data;
  if (readOnly) survey.mode = 'display';
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
}

/**
 * The questionnaire page's state: the SurveyJS model wired to the autosave queue, the conflicts and carried answers
 * waiting for the manager, progress, and submitting. The page's components render what this returns.
 */
export function useQuestionnaire({
  response,
  definition,
  readOnlyReason,
}: {
  response: QuestionnairePage['response'];
  /** Null while the definition is on its way: the model, autosave and marks start when it arrives. */
  definition: Record<string, unknown> | null;
  readOnlyReason: string | null;
}) {
  const revalidator = useRevalidator();
  const [state, setState] = useState<SaveState>({ kind: 'idle' });
  const [waiting, setWaiting] = useState(0);
  const [conflicts, setConflicts] = useState<ConflictInfo[]>([]);
  const [progress, setProgress] = useState({ answered: response.answered, answerable: response.answerable });
  const [submitErrors, setSubmitErrors] = useState<AnswerError[]>([]);
  const [restored, setRestored] = useState(0);
  const [submitting, setSubmitting] = useState(false);
  const [ready, setReady] = useState(false); // hydrated, with autosave listening
  const [carried, setCarried] = useState(response.carried);
  const [pageName, setPageName] = useState<string>(response.currentPage ?? '');
  const [confirmError, setConfirmError] = useState<string | null>(null);
  const queueRef = useRef<AutosaveQueue | null>(null);
  const applyingRef = useRef(false);
  const errorSummaryRef = useRef<HTMLDivElement>(null);

  const model = useMemo(
    () => (definition ? createQuestionnaireModel(definition, response, Boolean(readOnlyReason)) : null),
    // A new revision after submit or return reloads the page's data: rebuild then.
    [definition, response.id, response.status, readOnlyReason], // eslint-disable-line react-hooks/exhaustive-deps -- rebuilt when the response's identity or status changes, not on every autosaved revision
  );

  const showErrorsOnQuestions = useCallback(
    (errors: AnswerError[]) => {
      if (!model) return;
      let first: Question | null = null;
      for (const error of errors) {
        const [name, row, column] = error.path.split('.');
        const question = questionOfKey(model, name);
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
    if (readOnlyReason || !model) return;
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
          const touched = [...new Set(result.changed.map(ownerKey))].filter((name) => current[name] && !current[name].confirmed);
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
    if (!model) return;
    const onCompleting = (_: Model, options: { allow: boolean }) => {
      options.allow = false; // completion is the server's decision
      void submit();
    };
    model.onCompleting.add(onCompleting);
    return () => model.onCompleting.remove(onCompleting);
  }, [model, submit]);

  // Marks on questions: answers carried from the last phase and not yet confirmed, and those a reviewer asked about.
  useEffect(() => {
    if (!model) return;
    const marked = new Set(response.status === 'returned' ? response.returnQuestions : []);
    const mark = (_: Model, options: { question: Question; cssClasses: { mainRoot: string } }) => {
      // Carried answers are kept by value name; a question inside a panel or a matrix cell is never one of them.
      const name = options.question.getValueName();
      if (!options.question.parentQuestion && carried[name] && !carried[name].confirmed) options.cssClasses.mainRoot += ' question--carried';
      if (marked.has(name)) options.cssClasses.mainRoot += ' question--returned';
    };
    model.onUpdateQuestionCssClasses.add(mark as never);
    for (const question of model.getAllQuestions()) question.updateElementCss(true);
    return () => {
      model.onUpdateQuestionCssClasses.remove(mark as never);
    };
  }, [model, carried, response.status, response.returnQuestions]);

  const carriedOnPage: CarriedOnPage[] = model
    ? Object.entries(carried)
        .filter(([name, c]) => !c.confirmed && questionOfValue(model, name)?.page?.name === pageName)
        .map(([name, c]) => ({ name, fromUnsubmitted: !c.submitted, entries: entriesOf(questionOfValue(model, name)), dropped: c.dropped ?? [] }))
    : [];
  const unconfirmedTotal = Object.values(carried).filter((c) => !c.confirmed).length;
  const askedAgainOnPage: AskedAgainOnPage[] = model
    ? response.askedAgain
        .filter((a) => questionOfValue(model, a.name)?.page?.name === pageName)
        .map((a) => ({ name: a.name, since: a.since, reason: a.reason }))
    : [];

  const confirmCarried = async (body: { questions: string[] } | { page: string }) => {
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

  const resolveConflict = (conflict: ConflictInfo, keep: 'mine' | 'theirs') => {
    const queue = queueRef.current;
    if (!queue || !model) return;
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

  /** Shows the question's page and moves focus to it (links in the return notice and the error summary). */
  const goTo = (name: string) => {
    const question = model && questionOfKey(model, name);
    if (!question) return;
    model.currentPage = question.page as never;
    setTimeout(() => question.focus(), 50);
  };

  return {
    model,
    save: { state, waiting, restored, ready },
    progress,
    conflicts,
    resolveConflict,
    carried: { onPage: carriedOnPage, unconfirmedTotal, pageName, error: confirmError, confirm: confirmCarried },
    askedAgain: { onPage: askedAgainOnPage, total: response.askedAgain.length },
    submitting,
    submitErrors,
    errorSummaryRef,
    goTo,
  };
}

/** The key of the answer a key of the data belongs to: a question's comment or "Other" text (`<name>-Comment`) is its question's. */
function ownerKey(key: string): string {
  return key.endsWith('-Comment') ? key.slice(0, -'-Comment'.length) : key;
}

/** The question a key of the data (or an error path's first part) belongs to: answers are kept under value names. */
function questionOfKey(model: Model, key: string): Question | null {
  for (const name of [key, ownerKey(key)]) {
    const question = questionOfValue(model, name);
    if (question) return question;
  }
  return null;
}
