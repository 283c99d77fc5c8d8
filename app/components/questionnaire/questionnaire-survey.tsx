import { useMemo } from 'react';
import type { Model } from 'survey-core';
import { Survey } from 'survey-react-ui';
import type { DefinitionState } from './definition';
import { useSurveyAnimationsAfterHydration } from './hydration';

/**
 * The manager's questionnaire (the model comes from useQuestionnaire, once the definition has arrived). Until then a
 * status says it is loading, or why it could not be, with a button to try again. data-autosave says when the page is
 * hydrated with autosave listening; the browser tests wait for it.
 */
export function QuestionnaireSurvey({
  model,
  definition,
  ready,
  submitting,
}: {
  model: Model | null;
  definition: DefinitionState;
  ready: boolean;
  submitting: boolean;
}) {
  // The page re-renders whenever the save status changes. SurveyJS keeps the text of a field being typed in the DOM
  // only (an email, a date… reaches the model when the field is left), and a re-render from outside writes the model's
  // value back into it: the same element each time makes React leave the survey alone, so typing is never wiped.
  const survey = useMemo(() => (model ? <Survey model={model} /> : null), [model]);
  useSurveyAnimationsAfterHydration();
  return (
    <div className="survey-host" aria-busy={submitting || !model} data-autosave={ready ? 'ready' : 'starting'}>
      {survey ?? (
        <div role="status" className="survey-loading">
          {definition.kind === 'failed' ? (
            <p>
              The questionnaire could not be loaded: {definition.message}{' '}
              <button type="button" onClick={definition.retry}>
                Try again
              </button>
            </p>
          ) : (
            <p>Loading the questionnaire…</p>
          )}
          <noscript>
            <p>The questionnaire needs JavaScript: turn it on in your browser to fill it in.</p>
          </noscript>
        </div>
      )}
    </div>
  );
}
