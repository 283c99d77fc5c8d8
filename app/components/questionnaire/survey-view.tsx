import { useMemo } from 'react';
import { Model } from 'survey-core';
import { Survey } from 'survey-react-ui';
import '~/lib/survey-properties';
import { emptyUnansweredDynamic } from '~/lib/survey-dynamic';
import { useSurveyAnimationsAfterHydration } from './hydration';
import { SURVEY_THEME } from './theme';

// Import this component only from routes that show a questionnaire: survey-core and survey-react-ui are ~1.6 MB.
// Those routes also link 'survey-core/survey-core.fontless.min.css?url'.

/**
 * The read-only model of a response: its data, every page at once, in SurveyJS display mode. A dynamic matrix or
 * panel the team left without rows shows none (SurveyJS would show its default empty rows or panels, which the team
 * never filled in), nested ones included.
 */
export function displayModel(definition: Record<string, unknown>, data: Record<string, unknown>): Model {
  const survey = new Model(definition);
  survey.applyTheme(SURVEY_THEME as never);
  // Data first, then single-page, then display mode: in the browser, text inputs render empty in the other orders.
  survey.data = data;
  survey.questionsOnPageMode = 'singlePage';
  survey.mode = 'display';
  survey.showProgressBar = false;
  // After the single page is made (it builds its questions again).
  emptyUnansweredDynamic(survey);
  return survey;
}

/** A response shown read-only in its own questionnaire version: every page at once, in SurveyJS display mode. */
export function SurveyView({ definition, data }: { definition: Record<string, unknown>; data: Record<string, unknown> }) {
  const model = useMemo(() => displayModel(definition, data), [definition, data]);
  useSurveyAnimationsAfterHydration();
  return (
    <div className="survey-view">
      <Survey model={model} />
    </div>
  );
}
