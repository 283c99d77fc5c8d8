import { QuestionMatrixDynamicModel, QuestionPanelDynamicModel, type Model } from 'survey-core';

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
 * Empties the dynamic matrices and panels whose rows hold nothing the respondent gave: SurveyJS shows a question's
 * default rows (`rowCount`, `panelCount`) whenever its answer is missing, so a team that removed every row would get
 * them back, required cells and all. Used by the read-only view and by the server's check at submit, so both judge the
 * answers the team gave. The list is read again after each change, outer questions first: a nested question of a panel
 * just removed would bring its panel back. Each is emptied once.
 */
export function emptyUnansweredDynamic(survey: Model): void {
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
}
