import { useEffect, useState } from 'react';
import type { Model } from 'survey-core';
import { QuestionnaireSurvey } from './questionnaire-survey';
import { createQuestionnaireModel } from './use-questionnaire';

// Import this only from routes that show a questionnaire: it loads survey-core (~1.6 MB with survey-react-ui).

/**
 * A questionnaire version as a team manager sees it on an empty response (the same model, theme and settings as the
 * manager's page), for reviewers to try: nothing is saved, and completing it only says so. The model is built in the
 * browser, as on the manager's page, so the page's HTML carries no rendered survey.
 */
export function PreviewSurvey({ definition }: { definition: Record<string, unknown> }) {
  const [model, setModel] = useState<Model | null>(null);
  const [completions, setCompletions] = useState(0);
  useEffect(() => {
    const survey = createQuestionnaireModel(definition, { data: {}, currentPage: null }, false);
    // The manager's page submits here; the preview refuses to complete, so the questionnaire stays as it is.
    const onCompleting = (_: Model, options: { allow: boolean }) => {
      options.allow = false;
      setCompletions((n) => n + 1);
    };
    survey.onCompleting.add(onCompleting);
    setModel(survey);
    return () => survey.onCompleting.remove(onCompleting);
  }, [definition]);
  return (
    <>
      <QuestionnaireSurvey model={model} definition={{ kind: 'loaded', definition, titles: {} }} ready={model !== null} submitting={false} />
      {/* Always in the page, so screen readers announce what is put in it. */}
      <div role="status" className={completions ? 'notice' : undefined}>
        {completions ? (
          <p>
            This is a preview: nothing was submitted and nothing you entered is saved. A team manager’s questionnaire would now be checked by the server and
            sent to reviewers.
          </p>
        ) : null}
      </div>
    </>
  );
}
