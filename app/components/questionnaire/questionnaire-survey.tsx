import { useMemo } from 'react';
import type { Model } from 'survey-core';
import { Survey } from 'survey-react-ui';
import { useSurveyAnimationsAfterHydration } from './hydration';

/**
 * The manager's questionnaire (the model comes from useQuestionnaire). data-autosave says when the page is hydrated
 * with autosave listening; the browser tests wait for it.
 */
export function QuestionnaireSurvey({ model, ready, submitting }: { model: Model; ready: boolean; submitting: boolean }) {
  // The page re-renders whenever the save status changes. SurveyJS keeps the text of a field being typed in the DOM
  // only (an email, a date… reaches the model when the field is left), and a re-render from outside writes the model's
  // value back into it: the same element each time makes React leave the survey alone, so typing is never wiped.
  const survey = useMemo(() => <Survey model={model} />, [model]);
  useSurveyAnimationsAfterHydration();
  return (
    <div className="survey-host" aria-busy={submitting} data-autosave={ready ? 'ready' : 'starting'}>
      {survey}
    </div>
  );
}
