import type { Model } from 'survey-core';
import { Survey } from 'survey-react-ui';

/**
 * The manager's questionnaire (the model comes from useQuestionnaire). data-autosave says when the page is hydrated
 * with autosave listening; the browser tests wait for it.
 */
export function QuestionnaireSurvey({ model, ready, submitting }: { model: Model; ready: boolean; submitting: boolean }) {
  return (
    <div className="survey-host" aria-busy={submitting} data-autosave={ready ? 'ready' : 'starting'}>
      <Survey model={model} />
    </div>
  );
}
