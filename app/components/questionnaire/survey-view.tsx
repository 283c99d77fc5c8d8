import { useMemo } from 'react';
import { Model, QuestionMatrixDynamicModel, QuestionPanelDynamicModel } from 'survey-core';
import { Survey } from 'survey-react-ui';
import '~/lib/survey-properties';
import { useSurveyAnimationsAfterHydration } from './hydration';
import { SURVEY_THEME } from './theme';

// Import this component only from routes that show a questionnaire: survey-core and survey-react-ui are ~1.6 MB.
// Those routes also link 'survey-core/survey-core.fontless.min.css?url'.

/** Whether a dynamic matrix's or panel's rows hold anything the respondent gave (expressions compute the rest). */
function holdsAnswers(question: QuestionPanelDynamicModel | QuestionMatrixDynamicModel): boolean {
  const value: unknown = question.value;
  if (!Array.isArray(value)) return false;
  const computed = new Set(
    question instanceof QuestionPanelDynamicModel
      ? question.template.questions.filter((q) => q.getType() === 'expression').map((q) => q.getValueName())
      : question.columns.filter((c) => c.cellType === 'expression').map((c) => c.name),
  );
  const given = (v: unknown) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && !v.length);
  return value.some((entry) => typeof entry === 'object' && entry !== null && Object.entries(entry).some(([key, v]) => !computed.has(key) && given(v)));
}

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
  // After the single page is made (it builds its questions again). The list is read again after each change, outer
  // questions first: a nested question of a panel just removed would bring its panel back. Each is emptied once.
  const emptied = new Set<unknown>();
  const next = () =>
    survey
      .getAllQuestions(false, false, true)
      .find(
        (q): q is QuestionPanelDynamicModel | QuestionMatrixDynamicModel =>
          !emptied.has(q) &&
          ((q instanceof QuestionPanelDynamicModel && q.panelCount > 0) || (q instanceof QuestionMatrixDynamicModel && q.rowCount > 0)) &&
          !holdsAnswers(q),
      );
  for (let question = next(); question; question = next()) {
    emptied.add(question);
    if (question instanceof QuestionPanelDynamicModel) question.panelCount = 0;
    else question.rowCount = 0;
  }
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
