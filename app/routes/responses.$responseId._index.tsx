import { redirect, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import surveyCss from 'survey-core/survey-core.fontless.min.css?url';
import { getDb } from '../../db/index';
import { loadQuestionnairePage } from '~/models/questionnaire-page.server';
import { AutosaveStatus, RestoredNotice } from '~/components/questionnaire/autosave-status';
import { AskedAgainPanel, CarriedPanel } from '~/components/questionnaire/carried-panel';
import { OpenActionsPanel } from '~/components/questionnaire/open-actions-panel';
import { ConflictDialog } from '~/components/questionnaire/conflict-dialog';
import { useQuestionnaireDefinition } from '~/components/questionnaire/definition';
import { ReadOnlyNotice, ReturnedNotice, SubmitErrorSummary } from '~/components/questionnaire/notices';
import { QuestionnaireSurvey } from '~/components/questionnaire/questionnaire-survey';
import { useQuestionnaire } from '~/components/questionnaire/use-questionnaire';
import { StatusTag } from '~/components/status-tag';
import { rethrowForPage } from '~/utils/errors.server';
import { requireIdParam } from '~/utils/params.server';
import { requireUser } from '~/utils/session.server';
import { caseKindLabel, formatDate } from '~/utils/format';
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
  const responseId = requireIdParam(params, 'responseId', 'response');
  const page = await loadQuestionnairePage(getDb(), user, responseId).catch(rethrowForPage);
  if (typeof page === 'string') throw redirect(page);
  return page;
}

function TakeOnForm({ responseId }: { responseId: number }) {
  return (
    <Form method="post" action="/audits" className="notice">
      <input type="hidden" name="intent" value="take" />
      <input type="hidden" name="responseId" value={responseId} />
      <p>Nobody is doing this audit yet. Take it on to answer it; other auditors will then no longer see it.</p>
      <button type="submit">Take on this audit</button>
    </Form>
  );
}

export default function QuestionnairePage() {
  const data = useLoaderData<typeof loader>();
  const { response, readOnlyReason, questionnaire } = data;
  const definition = useQuestionnaireDefinition(questionnaire.definitionUrl);
  const loaded = definition.kind === 'loaded' ? definition : null;
  const page = useQuestionnaire({ response, definition: loaded?.definition ?? null, readOnlyReason });
  const titles = loaded ? { ...data.titles, ...loaded.titles } : data.titles;
  const { progress } = page;
  const percent = progress.answerable ? Math.round((progress.answered / progress.answerable) * 100) : 0;
  return (
    <div className="questionnaire-page">
      {/* Fetched while the scripts load; the hook's fetch then takes it from the cache. */}
      <link rel="preload" href={questionnaire.definitionUrl} as="fetch" crossOrigin="anonymous" />
      <p className="breadcrumbs">
        {data.caseFile ? <Link to="/audits">Case audits</Link> : <Link to="/my-team">My team</Link>} › {data.round.name}
      </p>
      <h1>
        {questionnaire.title} <span className="muted">(version {questionnaire.version})</span>
      </h1>
      <dl className="summary response-summary">
        <dt>Team</dt>
        <dd>{data.team.name}</dd>
        {data.caseFile ? (
          <>
            <dt>Case</dt>
            <dd>
              {data.caseFile.reference} ({caseKindLabel(data.caseFile.kind)}
              {data.caseFile.worker ? `, allocated to ${data.caseFile.worker}` : ''})
              {data.caseFile.secondAudit ? <strong> · second audit for moderation: done without seeing the first</strong> : null}
            </dd>
          </>
        ) : null}
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
        <ReturnedNotice reason={response.returnReason} returnedAt={response.returnedAt} questions={response.returnQuestions} titles={titles} goTo={page.goTo} />
      ) : null}

      {data.caseFile && !data.caseFile.takenOn ? <TakeOnForm responseId={response.id} /> : null}

      {readOnlyReason ? (
        <ReadOnlyNotice
          reason={readOnlyReason}
          submittedAt={response.status === 'submitted' ? response.submittedAt : null}
          submittedBy={response.submittedBy}
        />
      ) : (
        <AutosaveStatus state={page.save.state} waiting={page.save.waiting} />
      )}

      <RestoredNotice count={page.save.restored} />

      {data.openActions && !readOnlyReason ? (
        <OpenActionsPanel actions={data.openActions.actions} followedUp={data.openActions.followedUp} earlierRound={data.openActions.earlierRound} />
      ) : null}

      {!readOnlyReason ? <CarriedPanel {...page.carried} titles={titles} /> : null}

      {!readOnlyReason ? <AskedAgainPanel {...page.askedAgain} titles={titles} /> : null}

      <ConflictDialog conflicts={page.conflicts} titles={titles} onResolve={page.resolveConflict} />

      <SubmitErrorSummary errors={page.submitErrors} titles={titles} goTo={page.goTo} summaryRef={page.errorSummaryRef} />

      <QuestionnaireSurvey model={page.model} definition={definition} ready={page.save.ready} submitting={page.submitting} />
    </div>
  );
}
