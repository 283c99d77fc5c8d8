import { Serializer } from 'survey-core';

/**
 * Custom SurveyJS properties Stocktake adds to questionnaires. Registered on the server (checks, validation,
 * publishing) and in the browser (rendering) from this one module, so a questionnaire file reads the same in both.
 */
export function registerSurveyProperties(): void {
  if (!Serializer.findProperty('question', 'topic')) {
    // The topic (an id from surveys/topics.json) that a question's answers are aggregated under.
    Serializer.addProperty('question', { name: 'topic', category: 'general', visible: false });
  }
  if (!Serializer.findProperty('question', 'role')) {
    // The part a question plays in the special figures (app/models/question-roles.ts), e.g. "staffing-vacant".
    Serializer.addProperty('question', { name: 'role', category: 'general', visible: false });
  }
  if (!Serializer.findProperty('question', 'meets')) {
    // A standard of a case-file audit: the answers that mean the case meets it, e.g. ["yes"] (docs/case-audits.md).
    Serializer.addProperty('question', { name: 'meets', category: 'general', visible: false });
  }
  if (!Serializer.findProperty('matrixdropdowncolumn', 'role')) {
    // The part a matrix column plays in the special figures (a column role of app/models/question-roles.ts), e.g.
    // "timeliness-within" on the column of work done within the timescale.
    Serializer.addProperty('matrixdropdowncolumn', { name: 'role', category: 'general', visible: false });
  }
  if (!Serializer.findProperty('question', 'notApplicable')) {
    // The answers that take a case out of a standard's count, e.g. ["na"].
    Serializer.addProperty('question', { name: 'notApplicable', category: 'general', visible: false });
  }
  if (!Serializer.findProperty('question', 'actionPart')) {
    // What a question holds for the action register: "action", "owner" or "target-date" (docs/actions.md).
    Serializer.addProperty('question', { name: 'actionPart', category: 'general', visible: false });
  }
  if (!Serializer.findProperty('matrixdropdowncolumn', 'actionPart')) {
    // The same, for a matrix column; in a follow-up matrix, "follow-up-ref", "follow-up-status"…
    Serializer.addProperty('matrixdropdowncolumn', { name: 'actionPart', category: 'general', visible: false });
  }
  if (!Serializer.findProperty('question', 'followsUp')) {
    // A dynamic matrix with a row per open action of the team: "open-actions".
    Serializer.addProperty('question', { name: 'followsUp', category: 'general', visible: false });
  }
}

registerSurveyProperties();
